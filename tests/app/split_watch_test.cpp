// `pulso run` says in its log when the process owns some but not all input partitions for
// longer than a group join takes (nothing is published then), and when it owns all again.
#include "split_watch.h"

#include <gtest/gtest.h>

namespace pulso {
namespace {

using namespace std::chrono_literals;
using ev = split_watch::event;

TEST(SplitWatch, ReportsALastingSplitOnceAndItsEnd) {
    split_watch w("mentions", "pulso");
    const split_watch::clock::time_point t0{};
    EXPECT_EQ(w.update(2, 4, t0), ev::none);
    EXPECT_EQ(w.update(3, 4, t0 + 9s), ev::none) << "a rebalance that moves counts is one split";
    EXPECT_EQ(w.update(2, 4, t0 + 10s), ev::split);
    EXPECT_EQ(w.update(2, 4, t0 + 60s), ev::none) << "said once per episode";
    EXPECT_EQ(w.update(4, 4, t0 + 61s), ev::whole);
    EXPECT_EQ(w.update(4, 4, t0 + 62s), ev::none);
    // A new episode starts its own clock.
    EXPECT_EQ(w.update(1, 4, t0 + 70s), ev::none);
    EXPECT_EQ(w.update(1, 4, t0 + 79s), ev::none);
    EXPECT_EQ(w.update(1, 4, t0 + 80s), ev::split);
    EXPECT_EQ(w.topic(), "mentions");
    EXPECT_EQ(w.group(), "pulso");
}

TEST(SplitWatch, ShortSplitsAndStandbysAreNotReported) {
    split_watch w("mentions", "pulso");
    const split_watch::clock::time_point t0{};
    // Joining: workers get their partitions a few seconds apart.
    EXPECT_EQ(w.update(2, 4, t0), ev::none);
    EXPECT_EQ(w.update(4, 4, t0 + 5s), ev::none);
    // A standby owns nothing: not a split, and a split that ends in standby is not "whole".
    EXPECT_EQ(w.update(0, 4, t0 + 10s), ev::none);
    EXPECT_EQ(w.update(0, 4, t0 + 100s), ev::none);
    EXPECT_EQ(w.update(2, 4, t0 + 101s), ev::none);
    EXPECT_EQ(w.update(2, 4, t0 + 111s), ev::split);
    EXPECT_EQ(w.update(0, 4, t0 + 112s), ev::none);
    // Before the first metadata (0 partitions known) nothing is judged.
    EXPECT_EQ(w.update(1, 0, t0 + 200s), ev::none);
    EXPECT_EQ(w.update(1, 0, t0 + 300s), ev::none);
}

} // namespace
} // namespace pulso
