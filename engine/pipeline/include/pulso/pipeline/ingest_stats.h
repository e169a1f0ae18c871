#pragma once

#include "pulso/core/mention.h"
#include "pulso/parse/mention_parser.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pulso {

/// Counters of one ingest worker. Plain integers owned by the worker thread; readers sum the
/// workers' snapshots (STYLE "hot-path counters are per worker and summed when scraped").
/// @thread owner (writes); snapshots are copied through the publisher hand-off
struct ingest_stats {
    std::uint64_t ingested = 0; ///< records seen (accepted + rejected)
    std::uint64_t accepted = 0; ///< parsed and not duplicate (late ones included)
    std::array<std::uint64_t, k_reject_reason_count> rejected{};
    std::uint64_t duplicate = 0;
    std::uint64_t late = 0;
    /// brand_mentions[(brand * k_platform_count + platform) * 3 + sentiment]
    std::vector<std::uint64_t> brand_mentions;

    void resize(std::size_t brands) { brand_mentions.assign(brands * k_platform_count * 3, 0); }
    /// More brands (a live reload added some); existing counts stay.
    void grow(std::size_t brands) {
        if (brand_mentions.size() < brands * k_platform_count * 3) {
            brand_mentions.resize(brands * k_platform_count * 3, 0);
        }
    }
    [[nodiscard]] std::uint64_t rejected_total() const noexcept {
        std::uint64_t n = 0;
        for (auto v : rejected) {
            n += v;
        }
        return n;
    }
    void add(const ingest_stats& o) {
        ingested += o.ingested;
        accepted += o.accepted;
        duplicate += o.duplicate;
        late += o.late;
        for (std::size_t i = 0; i < rejected.size(); ++i) {
            rejected[i] += o.rejected[i];
        }
        if (brand_mentions.size() < o.brand_mentions.size()) {
            brand_mentions.resize(o.brand_mentions.size());
        }
        for (std::size_t i = 0; i < o.brand_mentions.size(); ++i) {
            brand_mentions[i] += o.brand_mentions[i];
        }
    }
};

} // namespace pulso
