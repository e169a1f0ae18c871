#include "pulso/pipeline/publisher.h"

#include "pulso/window/window_record.h"

#include <algorithm>
#include <numeric>

namespace pulso {

publisher::publisher(const brand_matcher& matcher, record_sink& sink, detector* det)
    : matcher_(&matcher), sink_(sink), detector_(det) {
    index_names();
}

void publisher::set_matcher(const brand_matcher& matcher) {
    matcher_ = &matcher;
    index_names();
    if (detector_ != nullptr) {
        detector_->set_matcher(matcher);
    }
}

void publisher::index_names() {
    by_name_.resize(matcher_->brand_count());
    std::iota(by_name_.begin(), by_name_.end(), 0U);
    std::sort(by_name_.begin(), by_name_.end(), [&](std::uint32_t a, std::uint32_t b) {
        return matcher_->brand_name(a) < matcher_->brand_name(b);
    });
    rank_.resize(by_name_.size());
    for (std::uint32_t i = 0; i < by_name_.size(); ++i) {
        rank_[by_name_[i]] = i;
    }
}

void publisher::publish(const window_partial& merged) {
    ++windows_;
    if (merged.all && merged.all->mentions > 0) {
        buf_.clear();
        write_window_record(buf_, "*", merged.start, merged.end, *merged.all);
        sink_.emit(record_kind::window, "*", buf_);
        ++records_;
    }
    slots_.assign(by_name_.size(), nullptr);
    for (const auto& [id, bw] : merged.brands) {
        if (bw && bw->mentions > 0 && id < slots_.size()) {
            slots_[rank_[id]] = bw.get();
        }
    }
    for (std::size_t r = 0; r < slots_.size(); ++r) {
        if (slots_[r] == nullptr) {
            continue;
        }
        const std::uint32_t id = by_name_[r];
        buf_.clear();
        write_window_record(buf_, matcher_->brand_name(id), merged.start, merged.end, *slots_[r],
                            [&](std::string_view term) { return matcher_->is_own_term(id, term); });
        sink_.emit(record_kind::window, matcher_->brand_name(id), buf_);
        ++records_;
    }
    if (detector_ != nullptr) {
        detector_->on_window(merged, adapter_);
    }
}

void publisher::detection_adapter::trend(std::string_view scope, std::string_view json) {
    p_.sink_.emit(record_kind::trend, scope, json);
    ++p_.records_;
}

void publisher::detection_adapter::alert(std::string_view brand, std::string_view json) {
    p_.sink_.emit(record_kind::alert, brand, json);
    ++p_.records_;
}

} // namespace pulso
