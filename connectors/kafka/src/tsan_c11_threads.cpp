// ThreadSanitizer builds only (PULSO_SANITIZE=thread): C11 threads on top of pthreads.
//
// Debian's librdkafka 2.0.2 creates its threads and takes its locks through glibc's C11
// <threads.h> (thrd_create, mtx_lock, cnd_wait, ...). glibc implements those by calling its
// pthread functions internally, where no sanitizer interceptor can see them, and neither
// GCC 12's libtsan nor clang 14's runtime intercepts the C11 names (`nm` shows no
// thrd_create in either). So under TSan every librdkafka thread runs without TSan's thread
// state (it crashes in its first malloc) and its locks order nothing (every hand-off from a
// librdkafka thread to ours would be reported as a race). Defining the C11 functions in the
// executable, forwarding to the intercepted pthread functions, fixes both: librdkafka's
// references bind to these (the executable comes first in symbol lookup), glibc's own
// internal calls are untouched. The types are glibc's: mtx_t, cnd_t and once_flag wrap the
// pthread types, and thrd_t is pthread_t.

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <threads.h>

namespace {

int to_thrd(int rc) {
    switch (rc) {
    case 0:
        return thrd_success;
    case ETIMEDOUT:
        return thrd_timedout;
    case EBUSY:
        return thrd_busy;
    case ENOMEM:
        return thrd_nomem;
    default:
        return thrd_error;
    }
}

struct start_args {
    thrd_start_t fn;
    void* arg;
};

void* start_thread(void* p) {
    const start_args a = *static_cast<start_args*>(p);
    std::free(p);
    return reinterpret_cast<void*>(static_cast<std::intptr_t>(a.fn(a.arg)));
}

pthread_mutex_t* as_pthread(mtx_t* m) {
    return reinterpret_cast<pthread_mutex_t*>(m);
}
pthread_cond_t* as_pthread(cnd_t* c) {
    return reinterpret_cast<pthread_cond_t*>(c);
}

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));
static_assert(sizeof(thrd_t) == sizeof(pthread_t));

} // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
    auto* a = static_cast<start_args*>(std::malloc(sizeof(start_args)));
    if (a == nullptr) {
        return thrd_nomem;
    }
    *a = start_args{func, arg};
    const int rc = pthread_create(thr, nullptr, start_thread, a);
    if (rc != 0) {
        std::free(a);
    }
    return to_thrd(rc);
}

int thrd_join(thrd_t thr, int* res) {
    void* out = nullptr;
    const int rc = pthread_join(thr, &out);
    if (rc == 0 && res != nullptr) {
        *res = static_cast<int>(reinterpret_cast<std::intptr_t>(out));
    }
    return to_thrd(rc);
}

int thrd_detach(thrd_t thr) {
    return to_thrd(pthread_detach(thr));
}

int mtx_init(mtx_t* m, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if ((type & mtx_recursive) != 0) {
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    }
    const int rc = pthread_mutex_init(as_pthread(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return to_thrd(rc);
}

int mtx_lock(mtx_t* m) {
    return to_thrd(pthread_mutex_lock(as_pthread(m)));
}

int mtx_trylock(mtx_t* m) {
    return to_thrd(pthread_mutex_trylock(as_pthread(m)));
}

int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict ts) {
    return to_thrd(pthread_mutex_timedlock(as_pthread(m), ts));
}

int mtx_unlock(mtx_t* m) {
    return to_thrd(pthread_mutex_unlock(as_pthread(m)));
}

void mtx_destroy(mtx_t* m) {
    pthread_mutex_destroy(as_pthread(m));
}

int cnd_init(cnd_t* c) {
    return to_thrd(pthread_cond_init(as_pthread(c), nullptr));
}

int cnd_signal(cnd_t* c) {
    return to_thrd(pthread_cond_signal(as_pthread(c)));
}

int cnd_broadcast(cnd_t* c) {
    return to_thrd(pthread_cond_broadcast(as_pthread(c)));
}

int cnd_wait(cnd_t* c, mtx_t* m) {
    return to_thrd(pthread_cond_wait(as_pthread(c), as_pthread(m)));
}

int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const struct timespec* __restrict ts) {
    return to_thrd(pthread_cond_timedwait(as_pthread(c), as_pthread(m), ts));
}

void cnd_destroy(cnd_t* c) {
    pthread_cond_destroy(as_pthread(c));
}

void call_once(once_flag* flag, void (*func)(void)) {
    pthread_once(reinterpret_cast<pthread_once_t*>(flag), func);
}

} // extern "C"
