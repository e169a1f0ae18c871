#pragma once

#include "pulso/core/mention.h"
#include "pulso/core/time.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// What `mention_generator` produces. Every field has a working default.
struct generator_options {
    double rate = 100.0;          ///< mentions per second of EVENT time (steady total)
    millis duration = 600'000;    ///< event-time span
    millis start = 0;             ///< event time of the first mention; 0 → 2026-11-26T04:00:00Z
    std::uint64_t seed = 1;       ///< same seed and options → identical bytes
    double bad_ratio = 0.0;       ///< fraction of bad records (each reject reason in turn)
    double duplicate_ratio = 0.0; ///< fraction of exact re-sends of a recent mention
    millis max_disorder = 0;      ///< event times jittered back by up to this (bounded disorder)
    std::string scenario;         ///< "" (steady), or a name from scenario_names()
    bool with_sentiment = false;  ///< write the hidden sentiment as an upstream `sentiment` score
    bool bad_too_large = false;   ///< add `too_large` (a record over 1 MiB) to the bad-record cycle
};

/// Scenario names accepted by `generator_options::scenario` ("steady" is the same as "").
std::vector<std::string_view> scenario_names();
/// One sentence (or a few) on what the scenario scripts and when; empty for an unknown name.
std::string_view scenario_description(std::string_view name);
/// The brands the generator writes about, as YAML `brands:` rules text (CONTRACT §2).
std::string_view default_brands_yaml();
/// The names of those brands, in the order of `record_truth::brands` bits.
std::vector<std::string_view> default_brand_names();

/// What a generated record is, as the generator meant it.
enum class generated_kind : std::uint8_t {
    original,  ///< a new mention
    repost,    ///< an amplification of a recent original (`repost_of` set)
    duplicate, ///< an exact byte-for-byte re-send of a recent record
    bad,       ///< a record that breaks CONTRACT §1 (see `bad_reason`)
};

/// Ground truth of the record last returned by `next()`: what tests and benchmarks check
/// the engine against. String views point at static text.
struct record_truth {
    generated_kind kind = generated_kind::original;
    std::uint32_t brands = 0; ///< bit i set: about default_brand_names()[i]
    sentiment_class sentiment = sentiment_class::neutral;
    std::string_view lang;       ///< language the text is written in: "es", "en" or "pt"
    std::string_view bad_reason; ///< for `bad`: the CONTRACT §1 reject reason
    std::string_view bad_field;  ///< for `bad`: the offending field, where there is one
    std::string_view episode;    ///< "" for background, else the scripted event's name
    std::uint64_t followers = 0; ///< author.followers as written
    millis event_time = 0;       ///< the event time `next()` returned
};

/// Synthetic mentions as one JSON line each (CONTRACT §1), with scripted scenarios, bad
/// records, duplicates and bounded disorder. Deterministic: it draws only from its own
/// xoshiro256** stream (no std distributions), so a seed gives the same bytes everywhere.
/// Lifecycle: built from options (validated then), drained with `next()` until it returns
/// false. Movable, not copyable.
/// @thread owner (one thread at a time; independent generators may run on different threads)
class mention_generator {
  public:
    /// Throws std::invalid_argument on an unknown scenario or an out-of-range option.
    explicit mention_generator(generator_options o);
    ~mention_generator();
    mention_generator(mention_generator&&) noexcept;
    mention_generator& operator=(mention_generator&&) noexcept;
    mention_generator(const mention_generator&) = delete;
    mention_generator& operator=(const mention_generator&) = delete;

    /// Appends the next record (one JSON line, no newline) to `out`, sets its event time;
    /// false when done. No allocation in steady state beyond `out`'s own growth.
    bool next(std::string& out, millis& event_time);
    /// Records returned so far.
    [[nodiscard]] std::uint64_t produced() const noexcept;
    /// Ground truth of the last record returned by `next()`.
    [[nodiscard]] const record_truth& truth() const noexcept;
    /// The options in effect (start resolved to its default when 0 was given).
    [[nodiscard]] const generator_options& options() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace pulso
