#pragma once

#include "pulso/core/assert.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace pulso {

/// Bounded lock-free single-producer single-consumer ring (after rigtorp's SPSCQueue): the
/// only place where ingest workers and the publisher meet (DESIGN "Threads"). Capacity is
/// fixed at construction; try_push() fails when full, which is the back-pressure signal.
/// Indices are monotonically increasing 64-bit counters (no wrap-around in practice), each
/// owned by one side; each side caches the other's index to avoid touching its cache line on
/// every operation.
/// @thread producer: try_push(); consumer: try_pop(), front(); any: size_approx()
template <typename T> class spsc_ring {
  public:
    explicit spsc_ring(std::size_t capacity)
        : capacity_(capacity), slots_(std::allocator<slot>().allocate(capacity)) {
        PULSO_ASSERT(capacity >= 1, "spsc_ring capacity must be at least 1");
    }

    ~spsc_ring() {
        while (try_pop()) {
        }
        std::allocator<slot>().deallocate(slots_, capacity_);
    }

    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    /// Producer side. Returns false (and leaves `v` untouched) when the ring is full.
    template <typename U> bool try_push(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        // relaxed: only this thread writes head_.
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head - tail_cache_ == capacity_) {
            // acquire: pairs with the release in try_pop(), so the slot we are about to
            // overwrite has been fully destroyed by the consumer.
            tail_cache_ = tail_.load(std::memory_order_acquire);
            if (head - tail_cache_ == capacity_) {
                return false;
            }
        }
        new (&slots_[head % capacity_].storage) T(std::forward<U>(v));
        // release: publishes the constructed slot; pairs with the acquire in try_pop()/front().
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    /// Consumer side. The oldest element, or nullptr when empty. Valid until try_pop().
    T* front() noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == head_cache_) {
            // acquire: pairs with the release in try_push(): the slot's contents are visible.
            head_cache_ = head_.load(std::memory_order_acquire);
            if (tail == head_cache_) {
                return nullptr;
            }
        }
        return std::launder(reinterpret_cast<T*>(&slots_[tail % capacity_].storage));
    }

    /// Consumer side. Moves the oldest element out, or nullopt when empty.
    std::optional<T> try_pop() noexcept(std::is_nothrow_move_constructible_v<T>) {
        T* p = front();
        if (p == nullptr) {
            return std::nullopt;
        }
        std::optional<T> out(std::move(*p));
        p->~T();
        // release: hands the destroyed slot back; pairs with the acquire in try_push().
        tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        return out;
    }

    /// Number of elements, possibly stale by the time it returns. For metrics only.
    [[nodiscard]] std::size_t size_approx() const noexcept {
        // acquire on both: a consistent-enough snapshot for a gauge; never used for control.
        const std::size_t tail = tail_.load(std::memory_order_acquire);
        const std::size_t head = head_.load(std::memory_order_acquire);
        return head >= tail ? head - tail : 0;
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  private:
    struct slot {
        alignas(T) unsigned char storage[sizeof(T)];
    };

    // 64 bytes: x86-64 cache line; head and tail on separate lines so the producer and the
    // consumer do not false-share (std::hardware_destructive_interference_size is not stable
    // across GCC versions, which -Winterference-size warns about).
    static constexpr std::size_t k_cache_line = 64;

    const std::size_t capacity_;
    slot* const slots_;
    alignas(k_cache_line) std::atomic<std::size_t> head_{0}; ///< written by the producer
    std::size_t tail_cache_ = 0;                             ///< producer's copy of tail_
    alignas(k_cache_line) std::atomic<std::size_t> tail_{0}; ///< written by the consumer
    std::size_t head_cache_ = 0;                             ///< consumer's copy of head_
    static_assert(alignof(std::atomic<std::size_t>) <= k_cache_line,
                  "the cache-line padding assumes small atomics");
};

} // namespace pulso
