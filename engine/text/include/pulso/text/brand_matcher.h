#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// One brand's rules as configured (CONTRACT §2); patterns are normalised at compile time.
struct brand_rule {
    std::string name;
    std::vector<std::string> keywords;
    std::vector<std::string> handles;  ///< `@acme`
    std::vector<std::string> hashtags; ///< `#acme`
    std::vector<std::string> exclude;
    /// Removed by a live reload: keeps its id (and its already open windows) but matches
    /// nothing. Never set in a config file.
    bool retired = false;
};

/// Matches normalised text against every brand's keywords, handles, hashtags and excludes in
/// one Hyperscan database (CONTRACT §3), verifying word boundaries on Unicode code points.
/// Immutable after construction and shared by all workers; each thread brings its own scratch.
/// @thread any (const); construction at start-up or reload only
class brand_matcher {
  public:
    /// Per-thread matching state (Hyperscan scratch and per-brand marks). Reused.
    class scratch {
      public:
        explicit scratch(const brand_matcher& m);
        ~scratch();
        scratch(const scratch&) = delete;
        scratch& operator=(const scratch&) = delete;

      private:
        friend class brand_matcher;
        struct impl;
        std::unique_ptr<impl> impl_;
    };

    /// Throws std::invalid_argument naming the brand and the pattern when a rule is unusable
    /// (empty after normalisation, handle without `@`, hashtag without `#`, duplicate name).
    explicit brand_matcher(const std::vector<brand_rule>& rules);
    ~brand_matcher();
    brand_matcher(const brand_matcher&) = delete;
    brand_matcher& operator=(const brand_matcher&) = delete;

    [[nodiscard]] std::size_t brand_count() const noexcept;
    [[nodiscard]] std::string_view brand_name(std::uint32_t id) const noexcept;
    /// True for a brand removed by a live reload (it keeps its id, matches nothing).
    [[nodiscard]] bool retired(std::uint32_t id) const noexcept;

    /// Writes the ids (index in `rules`) of brands that match and are not excluded into
    /// `out`, ascending, each once. `out` is cleared first. noexcept: never allocates once
    /// `out` has capacity for brand_count() ids.
    void match(std::string_view normalized, scratch& s, std::vector<std::uint32_t>& out) const;

    /// True when `term` is a word of one of brand `id`'s keywords, handles or hashtags (so it
    /// is left out of that brand's top terms and trends).
    [[nodiscard]] bool is_own_term(std::uint32_t id, std::string_view term) const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace pulso
