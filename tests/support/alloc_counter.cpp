#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_aligned_allocations{0};
} // namespace

namespace pulso::test {
std::size_t allocation_count() noexcept {
    return g_allocations.load(std::memory_order_relaxed); // relaxed: a statistic only
}
std::size_t aligned_allocation_count() noexcept {
    return g_aligned_allocations.load(std::memory_order_relaxed); // relaxed: a statistic only
}
} // namespace pulso::test

// Every replaceable form is replaced, so that no allocation bypasses the counter and every
// delete matches its new (ASan checks that).
namespace {
void* counted(std::size_t n, std::size_t align) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed); // relaxed: a statistic only
    n = n == 0 ? 1 : n;
    if (align == 0) {
        return std::malloc(n);
    }
    g_aligned_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::aligned_alloc(align, (n + align - 1) / align * align);
}
void* counted_or_throw(std::size_t n, std::size_t align) {
    if (void* p = counted(n, align)) {
        return p;
    }
    throw std::bad_alloc();
}
} // namespace

void* operator new(std::size_t n) {
    return counted_or_throw(n, 0);
}
void* operator new[](std::size_t n) {
    return counted_or_throw(n, 0);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
    return counted_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return counted_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted(n, static_cast<std::size_t>(a));
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
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
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
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}
