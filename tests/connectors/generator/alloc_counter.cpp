#include "alloc_counter.h"

#include <cstdlib>
#include <new>

namespace pulso::test {
thread_local bool g_count_allocations = false;
thread_local std::size_t g_allocations = 0;
} // namespace pulso::test

void* operator new(std::size_t n) {
    if (pulso::test::g_count_allocations) {
        ++pulso::test::g_allocations;
    }
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
