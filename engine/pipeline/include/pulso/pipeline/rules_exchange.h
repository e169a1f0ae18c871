#pragma once

#include "pulso/config/config.h"
#include "pulso/text/brand_matcher.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace pulso {

/// One version of the live-reloadable rules: brand matcher and detection settings.
struct rules_version {
    std::uint64_t generation = 0;
    std::shared_ptr<const brand_matcher> matcher;
    config::detect_t detect;
    std::vector<brand_rule> brands; ///< in id order (retired ones included)
};

/// Hands a new rules version from the reload path (SIGHUP, POST /-/reload) to the workers and
/// the publisher. Readers poll `generation()` once per batch (one acquire load, no lock) and
/// take `current()` (a mutex, once per reload) only when it changed; each reader keeps its
/// shared_ptr, so a matcher lives until the last thread that uses it has moved on.
/// @thread any
class rules_exchange {
  public:
    explicit rules_exchange(std::shared_ptr<const rules_version> first)
        : current_(std::move(first)), generation_(current_->generation) {}

    [[nodiscard]] std::uint64_t generation() const noexcept {
        // acquire: pairs with the release in publish(); the new version is visible to the
        // current() that follows.
        return generation_.load(std::memory_order_acquire);
    }

    [[nodiscard]] std::shared_ptr<const rules_version> current() const {
        const std::lock_guard lock(mu_);
        return current_;
    }

    void publish(std::shared_ptr<const rules_version> next) {
        const std::lock_guard lock(mu_);
        current_ = std::move(next);
        // release: publishes current_ to readers that see the new generation.
        generation_.store(current_->generation, std::memory_order_release);
    }

  private:
    mutable std::mutex mu_; ///< @locks current_
    std::shared_ptr<const rules_version> current_;
    std::atomic<std::uint64_t> generation_;
};

} // namespace pulso
