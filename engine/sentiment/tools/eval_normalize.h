#pragma once

#include <string>
#include <string_view>

namespace pulso::sentiment_eval {

/// A stand-in for CONTRACT §3 normalisation, good enough for the hand-written evaluation texts:
/// lower-cases ASCII, Latin-1 and Latin Extended-A letters, removes Latin accents and marks
/// (á -> a, ñ -> n, ç -> c, ü -> u, combining marks dropped) and collapses white space. Not
/// NFKC. To be replaced by engine/text's normaliser once it lands.
/// @thread any
std::string normalize_for_eval(std::string_view text);

} // namespace pulso::sentiment_eval
