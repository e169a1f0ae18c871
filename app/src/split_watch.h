#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace pulso {

/// Notices when this process owns some but not all input partitions for longer than a group
/// join takes. Nothing is published then (a window is complete only where every partition is
/// owned; merging across processes is DESIGN's aggregate role, not built), and an operator who
/// started a second process in the same group would otherwise see the output stop without a
/// word. Owning none is a standby's normal state, not a split.
/// @thread publisher
class split_watch {
  public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds k_after{10};

    enum class event {
        none,
        split, ///< owned some but not all partitions for k_after (once per episode)
        whole, ///< owns all of them again after a reported split
    };

    split_watch(std::string topic, std::string group)
        : topic_(std::move(topic)), group_(std::move(group)) {}

    event update(std::size_t owned, std::int32_t total, clock::time_point now) {
        const bool split = owned > 0 && total > 0 && owned < static_cast<std::size_t>(total);
        if (!split) {
            const bool was = reported_;
            since_.reset();
            reported_ = false;
            return was && owned > 0 ? event::whole : event::none;
        }
        if (!since_) {
            since_ = now;
        } else if (!reported_ && now - *since_ >= k_after) {
            reported_ = true;
            return event::split;
        }
        return event::none;
    }

    [[nodiscard]] const std::string& topic() const noexcept { return topic_; }
    [[nodiscard]] const std::string& group() const noexcept { return group_; }

  private:
    std::string topic_;
    std::string group_;
    std::optional<clock::time_point> since_;
    bool reported_ = false;
};

} // namespace pulso
