// Replaces the global operator new/delete to count allocations, so tests can show that the
// steady-state fold allocates nothing. Single-threaded tests; relaxed is enough.
#include "test_support.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_aligned_allocations{0};
} // namespace

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
// Over-aligned types use these (the Space-Saving string counters must not: see
// SpaceSaving.CountersAreLineAlignedWithoutAlignedNew); counted too, and apart.
void* operator new(std::size_t n, std::align_val_t al) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);         // relaxed: a statistic only
    g_aligned_allocations.fetch_add(1, std::memory_order_relaxed); // relaxed: a statistic only
    const auto a = static_cast<std::size_t>(al);
    if (void* p = std::aligned_alloc(a, ((n == 0 ? 1 : n) + a - 1) / a * a)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
    return ::operator new(n, al);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
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
std::size_t aligned_allocation_count() noexcept {
    return g_aligned_allocations.load(std::memory_order_relaxed); // relaxed: a statistic only
}
} // namespace pulso::test
