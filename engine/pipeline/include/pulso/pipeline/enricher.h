#pragma once

#include "pulso/core/mention.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"
#include "pulso/window/window_types.h"

#include <cstdint>
#include <vector>

namespace pulso {

/// Enrich step of DESIGN §3: normalise, match brands, score sentiment, extract hashtags and
/// terms. Owns the per-thread buffers so that steady state allocates nothing.
/// @thread owner (one ingest worker)
class enricher {
  public:
    enricher(const brand_matcher& matcher, const lexicon_scorer& scorer);

    /// The returned view borrows from `m` and from this enricher; valid until the next call.
    const enriched_mention& enrich(const mention& m, std::int64_t offset);

    /// Matches with `matcher` from the next mention on (live reload). `matcher` must outlive
    /// its use here; the scratch adapts itself on first use.
    void set_matcher(const brand_matcher& matcher);

    /// Normalised text of the last enriched mention.
    [[nodiscard]] std::string_view normalized() const noexcept { return normalized_; }

  private:
    const brand_matcher* matcher_;
    const lexicon_scorer& scorer_;
    brand_matcher::scratch scratch_;
    normalizer normalizer_;
    token_lists tokens_;
    std::vector<std::uint32_t> brands_;
    std::string_view normalized_;
    enriched_mention out_;
};

} // namespace pulso
