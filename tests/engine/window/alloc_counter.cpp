// Replaces the global operator new/delete to count allocations, so tests can show that the
// steady-state fold allocates nothing. Single-threaded tests; relaxed is enough.
#include "test_support.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed); // relaxed: a statistic only
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return ::operator new(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

namespace pulso::test {
std::size_t allocation_count() noexcept {
    return g_allocations.load(std::memory_order_relaxed); // relaxed: a statistic only
}
} // namespace pulso::test
