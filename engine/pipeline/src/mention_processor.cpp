#include "pulso/pipeline/mention_processor.h"

namespace pulso {

mention_processor::mention_processor(const processor_options& opts, const brand_matcher& matcher,
                                     const lexicon_scorer& scorer)
    : opts_(opts), parser_(opts.parse), enricher_(matcher, scorer) {
    stats_.resize(matcher.brand_count());
}

void mention_processor::set_matcher(const brand_matcher& matcher) {
    enricher_.set_matcher(matcher);
    stats_.grow(matcher.brand_count());
}

void mention_processor::reject(const parse_status& st, std::string_view payload,
                               const record_origin& origin, std::string& dlq) {
    ++stats_.ingested;
    ++stats_.rejected[static_cast<std::size_t>(st.reason)];
    write_dead_letter(dlq, st, origin, payload);
    dlq.push_back('\n');
}

reject_reason mention_processor::process(std::string_view record, bool padded,
                                         partition_windows& windows, millis final_wm, millis now,
                                         const record_origin& origin, std::string& dlq) {
    parse_status st = parser_.parse(record, mention_, padded);
    if (st.ok() && opts_.check_future && mention_.created_at > now + opts_.max_future_skew) {
        st = {reject_reason::future_timestamp, "created_at"};
    }
    if (!st.ok()) {
        reject(st, record, origin, dlq);
        return st.reason;
    }
    ++stats_.ingested;
    const enriched_mention& em = enricher_.enrich(mention_, origin.offset);
    switch (windows.add(em, final_wm)) {
    case fold_result::duplicate:
        ++stats_.duplicate;
        return reject_reason::none;
    case fold_result::late:
        ++stats_.accepted;
        ++stats_.late;
        return reject_reason::none;
    case fold_result::folded:
        break;
    }
    ++stats_.accepted;
    const std::size_t cell =
        static_cast<std::size_t>(mention_.plat) * 3 + static_cast<std::size_t>(em.sentiment);
    for (const std::uint32_t b : em.brands) {
        ++stats_.brand_mentions[b * k_platform_count * 3 + cell];
    }
    return reject_reason::none;
}

} // namespace pulso
