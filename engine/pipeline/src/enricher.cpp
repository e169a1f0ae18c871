#include "pulso/pipeline/enricher.h"

#include "pulso/core/hash.h"

namespace pulso {

enricher::enricher(const brand_matcher& matcher, const lexicon_scorer& scorer)
    : matcher_(&matcher), scorer_(scorer), scratch_(matcher) {
    brands_.reserve(matcher.brand_count());
}

void enricher::set_matcher(const brand_matcher& matcher) {
    matcher_ = &matcher;
    brands_.reserve(matcher.brand_count());
}

const enriched_mention& enricher::enrich(const mention& m, std::int64_t offset) {
    normalized_ = normalizer_.normalize(m.text);
    matcher_->match(normalized_, scratch_, brands_);
    extract_tokens(normalized_, tokens_);
    out_.m = &m;
    out_.score = m.has_sentiment ? m.sentiment : scorer_.score(m.text, normalized_, m.lang.view());
    out_.sentiment = classify_sentiment(out_.score);
    out_.brands = brands_;
    out_.hashtags = tokens_.hashtags;
    out_.terms = tokens_.terms;
    // One viral post is not a crowd: reposts cluster on their original, other mentions on
    // their exact normalised text (copy-paste campaigns).
    out_.cluster_key = m.has_repost_of ? hash64(m.repost_of) : hash64(normalized_, 0x5eed);
    out_.offset = offset;
    return out_;
}

} // namespace pulso
