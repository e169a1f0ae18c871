#include "pulso/text/tokens.h"

#include "pulso/core/hash.h"
#include "term_key.h"
#include "utf8_internal.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pulso {

namespace {

using namespace text_detail;

/// Lists up to this size are deduplicated by a linear scan over their items' hashes; longer
/// ones through an open-addressing index.
constexpr std::size_t k_linear_limit = 16;

/// Keeps one output list distinct. Holds the items' hashes (a linear scan compares integers,
/// not strings) and, past k_linear_limit items, an index emptied in O(1) by a generation stamp.
/// Only grows: steady state allocates nothing.
class dedupe {
  public:
    void reset() noexcept {
        hashes_.clear();
        indexed_ = false;
    }

    /// Adds `item` (whose hash is `h`, always computed the same way for the same bytes) to
    /// `list` unless already there. `list` holds exactly what was added since reset().
    void add(std::vector<std::string_view>& list, std::string_view item, std::uint64_t h) {
        if (!indexed_) {
            const std::size_t n = hashes_.size();
            for (std::size_t k = 0; k < n; ++k) {
                if (hashes_[k] == h && list[k] == item) {
                    return;
                }
            }
            list.push_back(item);
            hashes_.push_back(h);
            if (hashes_.size() == k_linear_limit) {
                rebuild();
            }
            return;
        }
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (gen_[i] != cur_) {
                break;
            }
            const std::uint32_t k = idx_[i];
            if (hashes_[k] == h && list[k] == item) {
                return;
            }
        }
        list.push_back(item);
        hashes_.push_back(h);
        if (hashes_.size() * 2 > gen_.size()) {
            rebuild(); // keeps the load factor ≤ 1/2
        } else {
            place(h, static_cast<std::uint32_t>(hashes_.size() - 1));
        }
    }

  private:
    void rebuild() {
        std::size_t cap = gen_.empty() ? 256 : gen_.size();
        while (cap < hashes_.size() * 4) {
            cap <<= 1;
        }
        if (cap != gen_.size()) {
            gen_.assign(cap, 0);
            idx_.assign(cap, 0);
            cur_ = 0;
        }
        mask_ = cap - 1;
        if (++cur_ == 0) {
            std::fill(gen_.begin(), gen_.end(), 0);
            cur_ = 1;
        }
        for (std::size_t k = 0; k < hashes_.size(); ++k) {
            place(hashes_[k], static_cast<std::uint32_t>(k));
        }
        indexed_ = true;
    }

    void place(std::uint64_t h, std::uint32_t k) {
        std::size_t i = h & mask_;
        while (gen_[i] == cur_) {
            i = (i + 1) & mask_;
        }
        gen_[i] = cur_;
        idx_[i] = k;
    }

    std::vector<std::uint64_t> hashes_;
    std::vector<std::uint32_t> gen_;
    std::vector<std::uint32_t> idx_;
    std::uint32_t cur_ = 0;
    std::size_t mask_ = 0;
    bool indexed_ = false;
};

struct dedupe_state {
    dedupe hashtags;
    dedupe terms;
};

bool starts_with(std::string_view s, std::size_t i, std::string_view prefix) noexcept {
    return s.size() - i >= prefix.size() && s.compare(i, prefix.size(), prefix) == 0;
}

bool url_at(std::string_view s, std::size_t i) noexcept {
    return starts_with(s, i, "http://") || starts_with(s, i, "https://") ||
           starts_with(s, i, "www.");
}

bool ascii_space(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x80 && (k_ascii_class[u] & k_space) != 0;
}

} // namespace

void extract_tokens(std::string_view s, token_lists& out) {
    out.clear();
    // Per-thread so that the function stays stateless for callers: the items' hashes and,
    // past k_linear_limit items, the hash index. Buffers only grow.
    thread_local dedupe_state seen;
    seen.hashtags.reset();
    seen.terms.reset();

    const std::size_t n = s.size();
    std::size_t i = 0;
    bool prev_word = false;    // the previous code point is a word character
    std::int32_t prev_cp = -1; // the previous code point (-1 at the start)
    while (i < n) {
        std::size_t len = 1;
        const auto b0 = static_cast<unsigned char>(s[i]);
        const std::int32_t cp = b0 < 0x80 ? b0 : decode_at(s, i, len);
        if (!prev_word) {
            if ((cp == 'h' || cp == 'w') && url_at(s, i)) {
                while (i < n && !ascii_space(s[i])) {
                    ++i;
                }
                prev_cp = ' ';
                continue;
            }
            if (cp == '#' && i + 1 < n) {
                std::size_t j = i + 1;
                std::int32_t last = -1;
                while (j < n) {
                    std::size_t l = 0;
                    const std::int32_t c = decode_at(s, j, l);
                    if (!word_cp(c)) {
                        break;
                    }
                    last = c;
                    j += l;
                }
                if (j > i + 1) {
                    const std::string_view tag = s.substr(i, j - i);
                    seen.hashtags.add(out.hashtags, tag, hash64(tag));
                    i = j;
                    prev_word = true;
                    prev_cp = last;
                    continue;
                }
            }
        }
        if (word_cp(cp)) {
            const std::size_t start = i;
            std::size_t count = 0;
            bool all_digits = true;
            bool ascii = true;       // packable when also ≤ 16 bytes
            bool lower_ascii = true; // only a-z: the only shape a stopword can have
            packed_key key;          // the first 16 bytes, built while scanning
            std::int32_t last = cp;
            while (i < n) {
                const auto b = static_cast<unsigned char>(s[i]);
                if (b < 0x80) {
                    const std::uint8_t cls = k_ascii_class[b];
                    if ((cls & k_word) == 0) {
                        break;
                    }
                    all_digits = all_digits && (cls & k_digit) != 0;
                    lower_ascii = lower_ascii && b >= 'a' && b <= 'z';
                    const std::size_t off = i - start;
                    if (off < 8) {
                        key.lo |= static_cast<std::uint64_t>(b) << (8 * off);
                    } else if (off < k_packed_max) {
                        key.hi |= static_cast<std::uint64_t>(b) << (8 * (off - 8));
                    }
                    last = b;
                    ++i;
                } else {
                    const std::int32_t c = decode_at(s, i, len);
                    if (!word_cp(c)) {
                        break;
                    }
                    all_digits = all_digits && digit_cp(c);
                    ascii = false;
                    lower_ascii = false;
                    last = c;
                    i += len;
                }
                ++count;
            }
            const bool after_sigil = prev_cp == '#' || prev_cp == '@';
            if (!after_sigil && count >= 3 && !all_digits) {
                const std::string_view term = s.substr(start, i - start);
                if (ascii && term.size() <= k_packed_max) {
                    const std::uint64_t h = packed_hash(key);
                    if (!lower_ascii || !is_stopword_packed(key, h)) {
                        seen.terms.add(out.terms, term, h);
                    }
                } else {
                    // Longer or non-ASCII: never a stopword (those are a-z, ≤ 16 bytes).
                    seen.terms.add(out.terms, term, hash64(term));
                }
            }
            prev_word = true;
            prev_cp = last;
            continue;
        }
        prev_word = false;
        prev_cp = cp;
        i += len;
    }
}

} // namespace pulso
