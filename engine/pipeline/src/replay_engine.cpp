#include "pulso/pipeline/replay_engine.h"

#include "pulso/sentiment/lexicon_scorer.h"

namespace pulso {

window_options window_options_of(const config& cfg) {
    window_options w;
    w.size = cfg.windows.size;
    w.slide = cfg.windows.slide;
    w.allowed_lateness = cfg.windows.allowed_lateness;
    w.max_out_of_order = cfg.watermark.max_out_of_order;
    w.dedupe_horizon = cfg.dedupe.horizon;
    w.influencer_followers = static_cast<std::uint64_t>(cfg.detect.influencer_followers);
    return w;
}

processor_options processor_options_of(const config& cfg, bool run_mode) {
    processor_options p;
    p.parse.max_record_bytes = static_cast<std::size_t>(cfg.ingest.max_record_bytes);
    p.parse.max_text_bytes = static_cast<std::size_t>(cfg.ingest.max_text_bytes);
    p.check_future = run_mode;
    p.max_future_skew = cfg.ingest.max_future_skew;
    return p;
}

namespace {
bool blank(std::string_view s) noexcept {
    for (const char c : s) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            return false;
        }
    }
    return true;
}
} // namespace

replay_engine::replay_engine(const config& cfg, record_sink& sink, std::string input_name)
    : input_name_(std::move(input_name)), sink_(sink), wopts_(window_options_of(cfg)),
      matcher_(std::make_unique<brand_matcher>(cfg.brands)),
      processor_(processor_options_of(cfg, false), *matcher_, lexicon_scorer::builtin()),
      windows_(wopts_, static_cast<std::uint32_t>(matcher_->brand_count()), 0), merger_(wopts_),
      detector_(cfg.detect, *matcher_, cfg.windows.size, cfg.windows.slide),
      publisher_(*matcher_, sink, &detector_) {}

replay_engine::~replay_engine() = default;

void replay_engine::feed(std::string_view line, std::int64_t line_index, bool padded) {
    if (blank(line)) {
        return;
    }
    // One partition: its watermark is the global watermark.
    const millis wm = windows_.local_watermark();
    const record_origin origin{"file", input_name_, 0, line_index};
    dlq_.clear();
    if (processor_.process(line, padded, windows_, wm, 0, origin, dlq_) != reject_reason::none) {
        dlq_.pop_back(); // the sink gets records without their newline
        sink_.emit(record_kind::dead_letter, "", dlq_);
        return;
    }
    const millis now_wm = windows_.local_watermark();
    if (now_wm >= next_seal_) {
        seal(now_wm);
    }
}

void replay_engine::feed_oversized(std::string_view prefix, std::int64_t line_index) {
    dlq_.clear();
    processor_.reject({reject_reason::too_large, {}}, prefix, {"file", input_name_, 0, line_index},
                      dlq_);
    dlq_.pop_back();
    sink_.emit(record_kind::dead_letter, "", dlq_);
}

void replay_engine::seal(millis wm) {
    windows_.seal(wm, sealed_);
    for (auto& p : sealed_) {
        merger_.add(std::move(p));
    }
    sealed_.clear();
    publish_ready(wm, false);
    // Windows end on multiples of slide, so the next window can only become final when the
    // watermark reaches the next multiple of slide plus the allowed lateness.
    next_seal_ = (floor_div(wm - wopts_.allowed_lateness, wopts_.slide) + 1) * wopts_.slide +
                 wopts_.allowed_lateness;
}

void replay_engine::publish_ready(millis through, bool all) {
    ready_.clear();
    if (all) {
        merger_.complete_all(ready_);
    } else {
        merger_.complete(through, ready_);
    }
    for (auto& w : ready_) {
        publisher_.publish(w);
        windows_.recycle(std::move(w)); // brand windows go back to the shard's free list
    }
    ready_.clear();
}

void replay_engine::finish() {
    windows_.seal_all(sealed_);
    for (auto& p : sealed_) {
        merger_.add(std::move(p));
    }
    sealed_.clear();
    publish_ready(0, true);
}

} // namespace pulso
