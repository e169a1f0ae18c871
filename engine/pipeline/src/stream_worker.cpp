#include "pulso/pipeline/stream_worker.h"

#include "pulso/pipeline/replay_engine.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace pulso {

namespace {

constexpr std::string_view k_metadata_prefix = "pulso:";

/// The integer of `key=` in the comma-separated fields, if present and readable.
template <class Int> bool read_field(std::string_view field, std::string_view key, Int& out) {
    if (!field.starts_with(key) || field.size() == key.size() || field[key.size()] != '=') {
        return false;
    }
    field.remove_prefix(key.size() + 1);
    Int v{};
    const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc{} || ptr != field.data() + field.size()) {
        return false;
    }
    out = v;
    return true;
}

} // namespace

stream_options stream_options_of(const config& cfg) {
    stream_options so;
    so.windows = window_options_of(cfg);
    so.processor = processor_options_of(cfg, true);
    so.idle_timeout = cfg.watermark.idle_timeout;
    so.topic = cfg.kafka.topic;
    return so;
}

std::string commit_metadata(const commit_meta& m) {
    std::string out;
    if (m.published_wm != k_no_watermark) {
        out += "wm=" + std::to_string(m.published_wm);
    }
    if (m.dlq_through >= 0) {
        out += out.empty() ? "" : ",";
        out += "dlq=" + std::to_string(m.dlq_through);
    }
    return out.empty() ? out : std::string(k_metadata_prefix) + out;
}

std::string commit_metadata(millis published_wm) {
    return commit_metadata(commit_meta{published_wm, -1});
}

commit_meta parse_commit_meta(std::string_view metadata) noexcept {
    commit_meta m;
    if (!metadata.starts_with(k_metadata_prefix)) {
        return m;
    }
    metadata.remove_prefix(k_metadata_prefix.size());
    while (!metadata.empty()) {
        const std::size_t comma = metadata.find(',');
        const std::string_view field = metadata.substr(0, comma);
        if (!read_field(field, "wm", m.published_wm)) {
            std::int64_t dlq = -1;
            if (read_field(field, "dlq", dlq) && dlq >= 0) {
                m.dlq_through = dlq;
            }
        }
        metadata.remove_prefix(comma == std::string_view::npos ? metadata.size() : comma + 1);
    }
    return m;
}

millis parse_commit_metadata(std::string_view metadata) noexcept {
    return parse_commit_meta(metadata).published_wm;
}

void partition_handoff::put(std::int32_t partition, millis sealed_through,
                            std::int64_t dlq_through) {
    std::lock_guard lock(mu_);
    entry& e = left_.try_emplace(partition).first->second;
    e.sealed_through = std::max(e.sealed_through, sealed_through);
    e.dlq_through = std::max(e.dlq_through, dlq_through);
}

partition_handoff::entry partition_handoff::get(std::int32_t partition) const {
    std::lock_guard lock(mu_);
    const auto it = left_.find(partition);
    return it == left_.end() ? entry{} : it->second;
}

/// One assigned partition.
struct stream_worker::slot {
    slot(const window_options& w, std::uint32_t brands, std::int32_t p)
        : windows(w, brands, p), partition(p) {}

    /// A sealed window not yet known to be published: its offset holds commits back until
    /// the published watermark reaches `mark` (window end + allowed lateness).
    struct unpublished {
        millis mark = 0;
        std::int64_t offset = 0;
    };

    partition_windows windows;
    std::int32_t partition;
    std::int64_t committed_at_assign = -1;
    std::int64_t next_offset = -1;   ///< -1: no record since assignment
    millis meta_wm = k_no_watermark; ///< published watermark from the commit metadata
    millis handoff = k_no_watermark; ///< previous owner's sealed_through in this process
    millis skip = k_no_watermark;    ///< max(meta_wm, handoff): already counted below this
    millis floor = k_no_watermark;   ///< greatest finality handed to the windows
    millis sealed_through = k_no_watermark;
    millis assigned_at = 0;
    millis last_record = -1;
    /// Dead-letter lines sent from this partition and not yet confirmed: (the sink's number
    /// for the line, the record's offset), both ascending. The first holds commits back.
    std::deque<std::pair<std::uint64_t, std::int64_t>> letters;
    /// Greatest offset whose dead letter was delivered (here, by the previous owner in this
    /// process, or by an earlier process: commit metadata); a re-read at or below it is not
    /// sent again.
    std::int64_t dlq_through = -1;
    std::deque<unpublished> sealed;
};

stream_worker::stream_worker(std::uint32_t id, const stream_options& opts,
                             const brand_matcher& matcher, const lexicon_scorer& scorer,
                             stream_watermarks& wm, partition_handoff& handoff, record_sink& dlq)
    : id_(id), opts_(opts), wm_(wm), handoff_(handoff), dlq_sink_(dlq),
      processor_(opts.processor, matcher, scorer), ring_(opts.ring_capacity),
      brand_count_(static_cast<std::uint32_t>(matcher.brand_count())) {}

stream_worker::~stream_worker() = default;

stream_worker::slot* stream_worker::find(std::int32_t partition) noexcept {
    if (partition < 0 || static_cast<std::size_t>(partition) >= slots_.size()) {
        return nullptr;
    }
    return slots_[static_cast<std::size_t>(partition)].get();
}

std::vector<std::int32_t> stream_worker::partitions() const {
    std::vector<std::int32_t> out;
    for (const auto& s : slots_) {
        if (s) {
            out.push_back(s->partition);
        }
    }
    return out;
}

void stream_worker::on_assigned(std::int32_t partition, std::int64_t committed_offset,
                                std::string_view metadata, millis now) {
    PULSO_ASSERT(partition >= 0, "negative partition {}", partition);
    const auto i = static_cast<std::size_t>(partition);
    if (slots_.size() <= i) {
        slots_.resize(i + 1);
    }
    auto s = std::make_unique<slot>(opts_.windows, brand_count_, partition);
    s->committed_at_assign = committed_offset;
    const commit_meta meta = parse_commit_meta(metadata);
    const partition_handoff::entry left = handoff_.get(partition);
    s->meta_wm = meta.published_wm;
    s->handoff = left.sealed_through;
    s->dlq_through = std::max(meta.dlq_through, left.dlq_through);
    s->skip = std::max(s->meta_wm, s->handoff);
    s->floor = s->skip;
    s->sealed_through = s->skip;
    s->assigned_at = now;
    if (s->handoff > s->meta_wm) {
        // The previous owner sealed windows up to `handoff` that may not be published yet:
        // until they are, a crash must bring us back to where we start now.
        s->sealed.push_back({s->handoff, std::max<std::int64_t>(committed_offset, 0)});
    }
    slots_[i] = std::move(s);
}

void stream_worker::release(std::int32_t partition) {
    slot* s = find(partition);
    if (s == nullptr) {
        return;
    }
    // Seal at the partition's own finality so that the hand-off value means "every window
    // final at it went to the publisher", then report the release after those partials.
    if (!stopping_) {
        seal(*s, s->floor);
    }
    handoff_.put(partition, s->sealed_through, s->dlq_through);
    for (const auto& [line, offset] : s->letters) {
        released_letters_.push_back({line, partition, offset});
    }
    partition_progress rel{partition, s->windows.local_watermark(), s->sealed_through, false,
                           k_no_watermark};
    slots_[static_cast<std::size_t>(partition)].reset();
    worker_progress p = snapshot(last_now_, wm_.global.load(std::memory_order_acquire));
    p.released.push_back(rel);
    push(worker_message{std::move(p)});
}

stream_offset stream_worker::on_revoked(std::int32_t partition) {
    stream_offset out{partition, -1, {}};
    slot* s = find(partition);
    if (s == nullptr) {
        return out;
    }
    // acquire: pairs with the publisher's release store after the sink confirmed delivery.
    const millis published = wm_.published.load(std::memory_order_acquire);
    if (!stopping_) {
        seal(*s, s->floor);
    }
    out.offset = committable_offset(*s, published);
    out.metadata = metadata_of(*s, out.offset, published);
    release(partition);
    return out;
}

void stream_worker::set_matcher(const brand_matcher& matcher) {
    processor_.set_matcher(matcher);
    brand_count_ = static_cast<std::uint32_t>(matcher.brand_count());
    for (auto& s : slots_) {
        if (s) {
            s->windows.set_brand_count(brand_count_);
        }
    }
}

void stream_worker::on_lost(std::int32_t partition) {
    release(partition);
}

void stream_worker::begin_batch() noexcept {
    // acquire: pairs with the publisher's release store of the global watermark; loaded once
    // per poll batch, never per record.
    batch_global_ = wm_.global.load(std::memory_order_acquire);
}

bool stream_worker::idle(const slot& s, millis now) const noexcept {
    // Time spent paused by back-pressure is not idleness: the partition has records waiting,
    // and calling it idle would let the watermark pass them (they would arrive late).
    const millis since =
        std::max(s.last_record >= 0 ? s.last_record : s.assigned_at, last_backpressure_);
    return now - since >= opts_.idle_timeout;
}

millis stream_worker::final_for(const slot& s, millis g, millis now) const noexcept {
    const millis f = idle(s, now) ? g : std::min(g, s.windows.local_watermark());
    return std::max({s.skip, s.floor, f});
}

void stream_worker::on_record(std::int32_t partition, std::int64_t offset, std::string_view bytes,
                              millis now, millis stamped) {
    if (stopping_) {
        return;
    }
    slot* s = find(partition);
    if (s == nullptr || (s->next_offset >= 0 && offset < s->next_offset)) {
        return; // not ours (any more), or a re-delivery of what this owner already processed
    }
    s->next_offset = offset + 1;
    s->last_record = now;
    // The partition just spoke, so it is active: its own watermark bounds finality.
    const millis f =
        std::max({s->skip, s->floor, std::min(batch_global_, s->windows.local_watermark())});
    s->floor = f;
    ingest_stats& st = processor_.stats();
    const std::uint64_t late_before = st.late;
    dlq_.clear();
    const record_origin origin{"kafka", opts_.topic, partition, offset};
    // A producer clock ahead of ours (or no timestamp) falls back to our clock.
    const millis clock = stamped >= 0 ? std::min(stamped, now) : now;
    const reject_reason rejected =
        processor_.process(bytes, false, s->windows, f, clock, origin, dlq_);
    if (rejected != reject_reason::none) {
        if (offset <= s->dlq_through) {
            // Its dead letter was delivered before the restart or the hand-off: a re-read.
            --st.ingested;
            --st.rejected[static_cast<std::size_t>(rejected)];
            ++skipped_;
            return;
        }
        dlq_.pop_back(); // the sink takes records without their newline
        key_.clear();
        char buf[48];
        const int n =
            std::snprintf(buf, sizeof buf, "%d:%lld", partition, static_cast<long long>(offset));
        key_.assign(buf, static_cast<std::size_t>(n));
        dlq_sink_.emit(record_kind::dead_letter, key_, dlq_);
        s->letters.emplace_back(++dlq_emitted_, offset);
        return;
    }
    if (st.late != late_before) {
        // Late against `skip` means it was counted (or was late) before the restart or the
        // hand-off: a re-read, not a late mention.
        const millis t = processor_.last_mention().created_at;
        const window_options& w = opts_.windows;
        const millis newest_end = floor_div(t, w.slide) * w.slide + w.size;
        if (newest_end + w.allowed_lateness <= s->skip) {
            --st.late;
            --st.accepted;
            --st.ingested;
            ++skipped_;
        }
    }
}

void stream_worker::seal(slot& s, millis final_wm) {
    const std::int64_t min_before = s.windows.min_open_offset();
    s.windows.seal(final_wm, sealed_);
    if (!sealed_.empty()) {
        s.sealed.push_back({sealed_.back().end + opts_.windows.allowed_lateness, min_before});
        for (window_partial& p : sealed_) {
            push(worker_message{std::move(p)});
        }
        sealed_.clear();
    }
    s.floor = std::max(s.floor, final_wm);
    s.sealed_through = std::max(s.sealed_through, final_wm);
}

worker_progress stream_worker::snapshot(millis now, millis g) {
    (void)g;
    worker_progress p;
    p.worker = id_;
    for (const auto& s : slots_) {
        if (s) {
            p.partitions.push_back({s->partition, s->windows.local_watermark(), s->sealed_through,
                                    idle(*s, now), s->handoff, s->meta_wm});
        }
    }
    p.stats = processor_.stats();
    p.skipped = skipped_;
    p.lag = lag_;
    return p;
}

bool stream_worker::tick(millis now) {
    last_now_ = now;
    if (backpressured()) {
        last_backpressure_ = now;
    }
    // acquire: pairs with the publisher's release store of the global watermark.
    const millis g = wm_.global.load(std::memory_order_acquire);
    for (auto& s : slots_) {
        if (!s || stopping_) {
            continue;
        }
        seal(*s, final_for(*s, g, now));
    }
    push(worker_message{snapshot(now, g)});
    if (backpressured()) {
        last_backpressure_ = now; // the partitions stay paused until the next tick at least
    }
    return backpressured();
}

void stream_worker::push(worker_message&& m) {
    while (!pending_.empty() && ring_.try_push(std::move(pending_.front()))) {
        pending_.pop_front();
    }
    if (pending_.empty() && ring_.try_push(std::move(m))) {
        return;
    }
    // A newer progress report replaces an older one still waiting: it is a full snapshot.
    // Releases must survive, so only plain reports are replaced.
    auto* last = pending_.empty() ? nullptr : std::get_if<worker_progress>(&pending_.back());
    auto* now = std::get_if<worker_progress>(&m);
    if (last != nullptr && now != nullptr && last->released.empty() && now->released.empty()) {
        *last = std::move(*now);
        return;
    }
    pending_.push_back(std::move(m));
}

std::int64_t stream_worker::committable_offset(slot& s, millis published) const {
    std::erase_if(s.sealed, [&](const slot::unpublished& u) { return u.mark <= published; });
    std::int64_t best = s.next_offset >= 0 ? s.next_offset : s.committed_at_assign;
    if (best < 0) {
        return -1;
    }
    const std::int64_t open = s.windows.min_open_offset();
    if (open >= 0) {
        best = std::min(best, open);
    }
    for (const slot::unpublished& u : s.sealed) {
        best = std::min(best, u.offset);
    }
    if (!s.letters.empty()) {
        best = std::min(best, s.letters.front().second);
    }
    return best;
}

std::vector<stream_offset> stream_worker::committable() {
    // acquire: pairs with the publisher's release store after the sink confirmed delivery, so
    // every window at or below `published` is in Kafka before we commit past its records.
    const millis published = wm_.published.load(std::memory_order_acquire);
    std::vector<stream_offset> out;
    for (auto& s : slots_) {
        if (!s) {
            continue;
        }
        const std::int64_t off = committable_offset(*s, published);
        if (off >= 0) {
            out.push_back({s->partition, off, metadata_of(*s, off, published)});
        }
    }
    return out;
}

std::string stream_worker::metadata_of(const slot& s, std::int64_t offset, millis published) {
    commit_meta m{std::max(published, s.meta_wm), -1};
    if (s.dlq_through >= offset) {
        m.dlq_through = s.dlq_through; // re-read from `offset` on, these are not sent again
    }
    return commit_metadata(m);
}

void stream_worker::dlq_delivered_through(std::uint64_t line) {
    if (line <= dlq_confirmed_) {
        return;
    }
    dlq_confirmed_ = line;
    for (auto& s : slots_) {
        if (!s) {
            continue;
        }
        while (!s->letters.empty() && s->letters.front().first <= line) {
            s->dlq_through = std::max(s->dlq_through, s->letters.front().second);
            s->letters.pop_front();
        }
    }
    // Lines are confirmed in emit order and a partition's letters were emitted in offset
    // order, so every letter of that partition below `offset` was delivered too.
    std::erase_if(released_letters_, [&](const released_letter& l) {
        if (l.line > line) {
            return false;
        }
        handoff_.put(l.partition, k_no_watermark, l.offset);
        return true;
    });
}

void stream_worker::dlq_delivered() {
    dlq_delivered_through(dlq_emitted_);
}

} // namespace pulso
