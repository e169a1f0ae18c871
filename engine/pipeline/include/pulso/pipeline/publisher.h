#pragma once

#include "pulso/detect/detector.h"
#include "pulso/pipeline/record_sink.h"
#include "pulso/text/brand_matcher.h"
#include "pulso/window/partition_windows.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pulso {

/// Turns merged windows into records (DESIGN §6): one window record for `*` and one per brand
/// with at least one mention, `*` first, then brands by name. A brand's own keyword words are
/// left out of its top terms. With a detector, each window's trend and alert records follow
/// its window records through the same sink (key: the scope for trends, the brand for alerts).
/// @thread publisher
class publisher {
  public:
    /// `det` may be null (window records only); it must outlive the publisher.
    publisher(const brand_matcher& matcher, record_sink& sink, detector* det = nullptr);

    void publish(const window_partial& merged);

    /// Live reload: names and own terms come from `matcher` from the next window on (brand
    /// ids are stable across reloads; see config::merge_brand_ids). Also hands it to the
    /// detector.
    void set_matcher(const brand_matcher& matcher);

    [[nodiscard]] std::uint64_t windows_published() const noexcept { return windows_; }
    [[nodiscard]] std::uint64_t records_published() const noexcept { return records_; }

  private:
    /// Forwards the detector's records to the record_sink.
    class detection_adapter final : public detection_sink {
      public:
        explicit detection_adapter(publisher& p) : p_(p) {}
        void trend(std::string_view scope, std::string_view json) override;
        void alert(std::string_view brand, std::string_view json) override;

      private:
        publisher& p_;
    };

    void index_names();

    const brand_matcher* matcher_;
    record_sink& sink_;
    detector* detector_;
    detection_adapter adapter_{*this};
    std::vector<std::uint32_t> by_name_; ///< brand ids sorted by name
    std::vector<std::uint32_t> rank_;    ///< rank_[id] = position in by_name_
    std::vector<const brand_window*> slots_;
    std::string buf_;
    std::uint64_t windows_ = 0;
    std::uint64_t records_ = 0;
};

} // namespace pulso
