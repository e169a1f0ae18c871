#pragma once

#include "pulso/config/config.h"
#include "pulso/pipeline/ingest_stats.h"
#include "pulso/pipeline/mention_processor.h"
#include "pulso/pipeline/record_sink.h"
#include "pulso/queue/spsc_ring.h"
#include "pulso/window/partition_windows.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pulso {

/// Settings of the streaming engine (`pulso run`), taken from the config once.
struct stream_options {
    window_options windows;
    processor_options processor;      ///< run mode: check_future = true
    millis idle_timeout = 30'000;     ///< watermark.idle_timeout (wall time)
    std::string topic;                ///< input topic, for dead-letter records
    std::size_t ring_capacity = 1024; ///< messages per worker → publisher ring
};

/// The stream options of `pulso run` for `cfg` (windows, processor in run mode, idle timeout,
/// input topic; ring capacity at its default).
stream_options stream_options_of(const config& cfg);

/// The two watermarks the publisher shares with every worker (DESIGN "Delivery semantics").
/// Written by the publisher only; read by workers once per batch / per tick, never per record.
/// @thread publisher writes, workers read
struct stream_watermarks {
    /// Global watermark (CONTRACT §4): min over active partitions. Workers seal with it.
    std::atomic<millis> global{k_no_watermark};
    /// Every window with end + allowed_lateness <= this has been published AND delivered by the
    /// sink. Workers commit offsets behind it and carry it as commit metadata.
    std::atomic<millis> published{k_no_watermark};
};

/// What a partition's previous owner in this process had sealed (handed to the publisher)
/// when it lost the partition, so that its next owner neither re-folds those windows (double
/// count) nor treats later ones as final before it has rebuilt them. Touched only on
/// assignment and revocation, never on the per-record path, hence the mutex.
/// @thread any @locks mu_
class partition_handoff {
  public:
    /// What one owner left behind.
    struct entry {
        millis sealed_through = k_no_watermark; ///< k_no_watermark: never owned here
        std::int64_t dlq_through = -1;          ///< greatest offset whose dead letter was delivered
    };

    void put(std::int32_t partition, millis sealed_through, std::int64_t dlq_through);
    [[nodiscard]] entry get(std::int32_t partition) const;

  private:
    mutable std::mutex mu_;
    std::map<std::int32_t, entry> left_;
};

/// Progress of one partition as its worker sees it at a tick.
struct partition_progress {
    std::int32_t partition = 0;
    millis local_wm = k_no_watermark;       ///< greatest event time - max_out_of_order
    millis sealed_through = k_no_watermark; ///< windows final at this were all sealed and sent
    bool idle = false; ///< no record for idle_timeout (or none since assignment for as long)
    /// The previous owner's sealed_through handed over at assignment (k_no_watermark: none).
    /// The publisher trusts this entry's sealed_through only once that owner's release of the
    /// partition (carrying at least this value) has come through its ring.
    millis handoff = k_no_watermark;
    /// The published watermark in the partition's commit metadata at assignment: a process
    /// delivered every window through it. Partitions commit at their own pace, so after a
    /// crash their metadata can differ; the publisher takes the greatest (see
    /// stream_publisher).
    millis restored = k_no_watermark;
};

/// A worker's tick report. Travels after the partials it covers through the same FIFO ring.
struct worker_progress {
    std::uint32_t worker = 0;
    std::vector<partition_progress> partitions; ///< the worker's assignment, ascending
    /// Partitions this worker just gave up, each after its last partials: sealed_through is
    /// what the next owner will get from `partition_handoff`.
    std::vector<partition_progress> released;
    ingest_stats stats;        ///< cumulative snapshot
    std::uint64_t skipped = 0; ///< records already published before (re-read)
    std::int64_t lag = -1;     ///< consumer lag, summed; -1 unknown
};

/// One message of a worker → publisher ring: a sealed partial or a progress report.
using worker_message = std::variant<window_partial, worker_progress>;

/// An offset to commit (Kafka's convention: the next offset to read) and its metadata.
struct stream_offset {
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::string metadata;
};

/// What pulso keeps in a partition's commit metadata.
struct commit_meta {
    /// Every window final at this watermark was delivered (k_no_watermark: none yet).
    millis published_wm = k_no_watermark;
    /// The greatest offset of the partition whose dead letter was delivered (-1: none known).
    /// Only written when it is at or past the committed offset (records below that are never
    /// read again), so most commits carry the watermark alone.
    std::int64_t dlq_through = -1;
};

/// "pulso:wm=<ms>", "pulso:wm=<ms>,dlq=<offset>", "pulso:dlq=<offset>" or "" (nothing known).
std::string commit_metadata(const commit_meta& m);
/// Commit metadata carrying a published watermark only: "pulso:wm=<ms>".
std::string commit_metadata(millis published_wm);
/// Reads what commit_metadata() wrote; unknown keys are ignored (a later version's fields), an
/// unreadable value leaves that field at its default.
[[nodiscard]] commit_meta parse_commit_meta(std::string_view metadata) noexcept;
/// The watermark in commit metadata, or k_no_watermark when absent or unreadable.
[[nodiscard]] millis parse_commit_metadata(std::string_view metadata) noexcept;

/// The engine side of one ingest worker of `pulso run` (DESIGN "Threads", "the unit of state
/// is the partition"): per assigned partition its windows, its watermark and idleness, the
/// sealed-but-unpublished windows that hold its committable offset back. Its Kafka loop (in
/// app/) feeds it records and assignment changes and commits what `committable()` says.
///
/// Finality of partition P's windows uses `max(skip_P, min(G, local_P))` while P is active
/// and `max(skip_P, G)` once it is idle, where G is the global watermark and skip_P the
/// watermark below which P's windows were already published (commit metadata) or handed to
/// the publisher by P's previous owner here (`partition_handoff`). A freshly assigned
/// partition that re-reads its backlog is thus never judged late against a watermark that
/// other partitions pushed ahead.
///
/// The per-record path (`on_record`) takes no lock and touches no shared atomic; it
/// allocates only inside the window fold's own bounds (see engine/window/README.md) and for
/// dead-letter lines.
/// @thread worker (one ingest thread; the rebalance callbacks run on it too)
class stream_worker {
  public:
    stream_worker(std::uint32_t id, const stream_options& opts, const brand_matcher& matcher,
                  const lexicon_scorer& scorer, stream_watermarks& wm, partition_handoff& handoff,
                  record_sink& dlq);
    ~stream_worker();
    stream_worker(const stream_worker&) = delete;
    stream_worker& operator=(const stream_worker&) = delete;

    /// A partition joins: it starts at `committed_offset` (-1: none) with the commit's
    /// metadata. `now`: wall clock, epoch ms.
    void on_assigned(std::int32_t partition, std::int64_t committed_offset,
                     std::string_view metadata, millis now);
    /// A partition leaves cleanly: seals what is final for it (sent to the publisher), notes
    /// the hand-off and returns the offset to commit (-1: nothing to commit), then drops it.
    [[nodiscard]] stream_offset on_revoked(std::int32_t partition);
    /// A partition was lost: dropped without commit (the partials already sent stay sent).
    void on_lost(std::int32_t partition);

    /// Reads the global watermark (acquire) for the records of the next poll batch.
    void begin_batch() noexcept;
    /// One Kafka record. Records of unassigned partitions and re-deliveries below the next
    /// offset are ignored. `now`: wall clock, epoch ms. `stamped`: the record's Kafka
    /// timestamp (epoch ms; -1 when it carries none). The `future_timestamp` check measures
    /// `created_at` against min(stamped, now) — the wall clock when the record reached Kafka —
    /// so that a record read again after a restart or a move is judged as it was the first
    /// time (against `now` alone, a mention rejected as ahead of the clock would be accepted
    /// on a later re-read, and folded as well as dead-lettered).
    void on_record(std::int32_t partition, std::int64_t offset, std::string_view bytes, millis now,
                   millis stamped = -1);

    /// Seals every partition's final windows, pushes them and a progress report to the ring.
    /// Returns true when messages wait in the local pending list (ring full: back-pressure).
    bool tick(millis now);
    /// Stops sealing (shutdown: "seal nothing new"); ticks then only push what is pending
    /// and progress. Records are ignored from now on.
    void stop_sealing() noexcept { stopping_ = true; }
    /// Messages that did not fit in the ring yet.
    [[nodiscard]] bool backpressured() const noexcept { return !pending_.empty(); }

    /// Offsets safe to commit now (DESIGN "Delivery semantics"), with the published watermark
    /// and the delivered dead letters as metadata. Partitions with nothing to commit are left
    /// out.
    [[nodiscard]] std::vector<stream_offset> committable();

    /// The dead-letter sink has delivered its lines 1 … `line` (numbered in the order this
    /// worker emitted them, as kafka_sink::delivered_through() counts them; the sink is this
    /// worker's alone): their offsets stop holding commits back, and the next commit's
    /// metadata says they were delivered, so that a restart or the partition's next owner does
    /// not send them again.
    /// Letters of a partition this worker gave up (revoked or lost) that are confirmed only
    /// afterwards still raise the hand-off's mark, so a later owner in this process does not
    /// send them again either.
    void dlq_delivered_through(std::uint64_t line);
    /// Every line emitted so far was delivered.
    void dlq_delivered();

    void set_lag(std::int64_t lag) noexcept { lag_ = lag; }

    /// Live reload: match with `matcher` from the next record on. Brand ids are stable (see
    /// config::merge_brand_ids), so open windows stay; new ids become valid. `matcher` must
    /// stay alive while this worker uses it. Call between records, on the worker thread.
    void set_matcher(const brand_matcher& matcher);

    [[nodiscard]] spsc_ring<worker_message>& ring() noexcept { return ring_; }
    [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
    [[nodiscard]] const ingest_stats& stats() const noexcept { return processor_.stats(); }
    [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }
    [[nodiscard]] std::vector<std::int32_t> partitions() const;

  private:
    struct slot;
    slot* find(std::int32_t partition) noexcept;
    /// The metadata of a commit of `offset` for `s`.
    static std::string metadata_of(const slot& s, std::int64_t offset, millis published);
    [[nodiscard]] millis final_for(const slot& s, millis g, millis now) const noexcept;
    [[nodiscard]] bool idle(const slot& s, millis now) const noexcept;
    void seal(slot& s, millis final_wm);
    void release(std::int32_t partition);
    void push(worker_message&& m);
    [[nodiscard]] worker_progress snapshot(millis now, millis g);
    [[nodiscard]] std::int64_t committable_offset(slot& s, millis published) const;

    std::uint32_t id_;
    stream_options opts_;
    stream_watermarks& wm_;
    partition_handoff& handoff_;
    record_sink& dlq_sink_;
    mention_processor processor_;
    spsc_ring<worker_message> ring_;
    std::deque<worker_message> pending_;
    std::vector<std::unique_ptr<slot>> slots_; ///< indexed by partition id
    std::vector<window_partial> sealed_;
    std::uint32_t brand_count_;
    millis last_now_ = 0;
    millis last_backpressure_ = k_no_watermark; ///< last tick that found the ring full
    std::string dlq_;
    std::string key_;
    millis batch_global_ = k_no_watermark;
    std::uint64_t skipped_ = 0;
    std::uint64_t dlq_emitted_ = 0;   ///< dead-letter lines emitted (the last one's number)
    std::uint64_t dlq_confirmed_ = 0; ///< lines 1 … this were delivered
    /// Unconfirmed letters of partitions given up: {line, partition, offset}. Bounded like the
    /// slots' lists (by the dead-letter sink's own bound on what it keeps in flight).
    struct released_letter {
        std::uint64_t line = 0;
        std::int32_t partition = 0;
        std::int64_t offset = 0;
    };
    std::vector<released_letter> released_letters_;
    std::int64_t lag_ = -1;
    bool stopping_ = false;
};

} // namespace pulso
