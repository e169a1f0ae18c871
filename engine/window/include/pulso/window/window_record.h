#pragma once

#include "pulso/window/brand_window.h"

#include <functional>
#include <string>
#include <string_view>

namespace pulso {

/// Appends one window record (CONTRACT §5) as a single JSON line without the trailing
/// newline: fields in the contract's order; `platforms` and `languages` count-descending then
/// key-ascending, zero entries left out; `top_hashtags`/`top_terms` at most 10, count
/// descending then item ascending. `skip_term` leaves out a brand's own keyword words.
/// @thread any
void write_window_record(std::string& out, std::string_view brand, millis start, millis end,
                         const brand_window& w,
                         const std::function<bool(std::string_view)>& skip_term = {});

} // namespace pulso
