#include "pulso/queue/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace pulso {
namespace {

TEST(SpscRing, PushPopInOrder) {
    spsc_ring<int> r(3);
    EXPECT_TRUE(r.try_push(1));
    EXPECT_TRUE(r.try_push(2));
    EXPECT_TRUE(r.try_push(3));
    EXPECT_FALSE(r.try_push(4)) << "full ring must refuse";
    EXPECT_EQ(r.size_approx(), 3U);
    EXPECT_EQ(*r.try_pop(), 1);
    EXPECT_TRUE(r.try_push(4));
    EXPECT_EQ(*r.try_pop(), 2);
    EXPECT_EQ(*r.try_pop(), 3);
    EXPECT_EQ(*r.try_pop(), 4);
    EXPECT_FALSE(r.try_pop().has_value());
}

TEST(SpscRing, DestroysWhatItHolds) {
    auto counter = std::make_shared<int>(0);
    {
        spsc_ring<std::shared_ptr<int>> r(4);
        r.try_push(counter);
        r.try_push(counter);
        EXPECT_EQ(counter.use_count(), 3);
    }
    EXPECT_EQ(counter.use_count(), 1);
}

TEST(SpscRing, MoveOnlyPayload) {
    spsc_ring<std::unique_ptr<std::vector<int>>> r(2);
    ASSERT_TRUE(r.try_push(std::make_unique<std::vector<int>>(5, 7)));
    auto v = r.try_pop();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ((**v)[4], 7);
}

// Stress: one producer, one consumer, a small ring so that both full and empty are hit
// constantly. Every value arrives exactly once and in order; payloads carry a checksum so a
// torn or stale slot read would be caught. Runs under TSan in CI (label tsan).
TEST(SpscRing, StressOneProducerOneConsumer) {
    struct item {
        std::uint64_t seq;
        std::uint64_t check;
        std::vector<std::uint64_t> payload;
    };
    constexpr std::uint64_t n = 400'000;
    spsc_ring<item> r(7);
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n; ++i) {
            item it{i, i * 2654435761ULL, std::vector<std::uint64_t>(i % 5, i)};
            while (!r.try_push(std::move(it))) {
                std::this_thread::yield();
            }
        }
    });
    std::uint64_t expected = 0;
    std::uint64_t errors = 0;
    while (expected < n) {
        auto it = r.try_pop();
        if (!it) {
            std::this_thread::yield();
            continue;
        }
        errors += it->seq != expected;
        errors += it->check != expected * 2654435761ULL;
        errors += it->payload.size() != expected % 5;
        for (auto v : it->payload) {
            errors += v != expected;
        }
        ++expected;
    }
    producer.join();
    EXPECT_EQ(errors, 0U);
    EXPECT_FALSE(r.try_pop().has_value());
}

} // namespace
} // namespace pulso
