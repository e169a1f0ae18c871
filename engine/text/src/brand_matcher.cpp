#include "pulso/text/brand_matcher.h"

#include "pulso/core/assert.h"
#include "pulso/core/hash.h"
#include "pulso/text/normalizer.h"
#include "utf8_internal.h"

#include <climits>
#include <hs.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace pulso {

namespace {

using namespace text_detail;

/// What a literal means for one brand.
struct target {
    std::uint32_t brand;
    bool exclude;
};

/// One distinct normalised literal in the database (its Hyperscan id is its index).
struct pattern {
    std::uint32_t len;
    std::uint32_t first_target;
    std::uint32_t target_count;
};

bool valid_brand_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool all_word_chars(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 0;
        if (!word_cp(decode_at(s, i, len))) {
            return false;
        }
        i += len;
    }
    return true;
}

/// Boundary before byte `i`: the text start or a code point that is not a word character.
bool boundary_before(std::string_view s, std::size_t i) noexcept {
    return i == 0 || !word_cp(decode_before(s, i));
}

/// Boundary at byte `i`: the text end or a code point that is not a word character.
bool boundary_at(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) {
        return true;
    }
    std::size_t len = 0;
    return !word_cp(decode_at(s, i, len));
}

std::atomic<std::uint64_t> g_serial{1};

[[noreturn]] void bad_rule(std::string_view brand, std::string_view what) {
    throw std::invalid_argument("brand '" + std::string(brand) + "': " + std::string(what));
}

/// Set of (brand, word) pairs in one open-addressing table over a string pool.
class own_term_set {
  public:
    void build(const std::vector<std::pair<std::uint32_t, std::string>>& words) {
        std::size_t cap = 16;
        while (cap < words.size() * 2) {
            cap <<= 1;
        }
        slots_.assign(cap, slot{});
        mask_ = cap - 1;
        for (const auto& [brand, w] : words) {
            const std::uint64_t h = key(brand, w);
            std::size_t i = h & mask_;
            bool dup = false;
            while (slots_[i].used) {
                if (slots_[i].brand == brand && view(slots_[i]) == w) {
                    dup = true;
                    break;
                }
                i = (i + 1) & mask_;
            }
            if (dup) {
                continue;
            }
            slots_[i] = slot{true, brand, static_cast<std::uint32_t>(pool_.size()),
                             static_cast<std::uint32_t>(w.size())};
            pool_ += w;
        }
    }

    [[nodiscard]] bool contains(std::uint32_t brand, std::string_view w) const noexcept {
        if (slots_.empty()) {
            return false;
        }
        for (std::size_t i = key(brand, w) & mask_; slots_[i].used; i = (i + 1) & mask_) {
            if (slots_[i].brand == brand && view(slots_[i]) == w) {
                return true;
            }
        }
        return false;
    }

  private:
    struct slot {
        bool used = false;
        std::uint32_t brand = 0;
        std::uint32_t off = 0;
        std::uint32_t len = 0;
    };
    static std::uint64_t key(std::uint32_t brand, std::string_view w) noexcept {
        return hash64(w) ^ mix64(brand + 1ULL);
    }
    [[nodiscard]] std::string_view view(const slot& s) const noexcept {
        return std::string_view(pool_).substr(s.off, s.len);
    }

    std::vector<slot> slots_;
    std::string pool_;
    std::size_t mask_ = 0;
};

} // namespace

struct brand_matcher::impl {
    std::vector<std::string> names;
    std::vector<bool> retired; ///< by brand id: removed by a live reload
    std::vector<pattern> patterns;
    std::vector<target> targets;
    own_term_set own_terms;
    hs_database_t* db = nullptr; ///< null when there is no pattern at all
    std::uint64_t serial = 0;    ///< tells scratches which matcher they were sized for

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() { hs_free_database(db); }
};

struct brand_matcher::scratch::impl {
    hs_scratch_t* hs = nullptr;
    std::uint64_t serial = 0;
    std::uint32_t gen = 0;
    std::vector<std::uint32_t> matched_gen;  ///< == gen: brand already in `out`
    std::vector<std::uint32_t> excluded_gen; ///< == gen: an exclude matched this call

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() { hs_free_scratch(hs); }

    /// Sizes this scratch for `m` (allocates: construction or the first match after a reload).
    void prepare(const brand_matcher::impl& m) {
        if (m.db != nullptr && hs_alloc_scratch(m.db, &hs) != HS_SUCCESS) {
            throw std::bad_alloc();
        }
        if (matched_gen.size() < m.names.size()) {
            matched_gen.resize(m.names.size(), 0);
            excluded_gen.resize(m.names.size(), 0);
        }
        serial = m.serial;
    }
};

brand_matcher::scratch::scratch(const brand_matcher& m) : impl_(std::make_unique<impl>()) {
    impl_->prepare(*m.impl_);
}

brand_matcher::scratch::~scratch() = default;

brand_matcher::brand_matcher(const std::vector<brand_rule>& rules)
    : impl_(std::make_unique<impl>()) {
    if (hs_valid_platform() != HS_SUCCESS) {
        throw std::runtime_error("Hyperscan: this CPU lacks SSSE3");
    }
    if (rules.size() >= UINT32_MAX) {
        throw std::invalid_argument("too many brands");
    }
    impl& m = *impl_;
    m.serial = g_serial.fetch_add(1, std::memory_order_relaxed); // relaxed: a unique id only
    normalizer norm;
    std::unordered_set<std::string_view> seen_names;
    std::unordered_map<std::string, std::uint32_t> literal_ids;
    std::vector<std::string> literals;
    std::vector<std::vector<target>> literal_targets;
    std::vector<std::pair<std::uint32_t, std::string>> own_words;

    auto add_literal = [&](std::string lit, std::uint32_t brand, bool exclude) {
        auto [it, inserted] =
            literal_ids.try_emplace(lit, static_cast<std::uint32_t>(literals.size()));
        if (inserted) {
            literals.push_back(std::move(lit));
            literal_targets.emplace_back();
        }
        auto& ts = literal_targets[it->second];
        const bool dup = std::any_of(ts.begin(), ts.end(), [&](const target& t) {
            return t.brand == brand && t.exclude == exclude;
        });
        if (!dup) {
            ts.push_back(target{brand, exclude});
        }
    };
    auto add_own_words = [&](std::string_view lit, std::uint32_t brand) {
        for (std::size_t i = 0; i < lit.size();) {
            std::size_t len = 0;
            if (!word_cp(decode_at(lit, i, len))) {
                i += len;
                continue;
            }
            const std::size_t start = i;
            while (i < lit.size() && word_cp(decode_at(lit, i, len))) {
                i += len;
            }
            own_words.emplace_back(brand, std::string(lit.substr(start, i - start)));
        }
    };

    for (std::uint32_t b = 0; b < rules.size(); ++b) {
        const brand_rule& r = rules[b];
        if (!valid_brand_name(r.name)) {
            bad_rule(r.name, "name must match [a-z0-9_-]{1,64}");
        }
        if (!seen_names.insert(r.name).second) {
            bad_rule(r.name, "duplicate brand name");
        }
        m.names.push_back(r.name);
        m.retired.push_back(r.retired);
        if (r.retired) {
            continue; // keeps its id, compiles no pattern
        }
        if (r.keywords.empty() && r.handles.empty() && r.hashtags.empty()) {
            bad_rule(r.name, "no keywords, handles or hashtags");
        }
        for (const std::string& k : r.keywords) {
            std::string lit(norm.normalize(k));
            if (lit.empty()) {
                bad_rule(r.name, "keyword \"" + k + "\" is empty after normalisation");
            }
            add_own_words(lit, b);
            add_literal(std::move(lit), b, false);
        }
        for (const std::string& h : r.handles) {
            std::string lit(norm.normalize(h));
            if (lit.size() < 2 || lit[0] != '@' || lit.find(' ') != std::string::npos) {
                bad_rule(r.name, "handle \"" + h + "\" must be '@' and a name without spaces");
            }
            add_own_words(lit, b);
            add_literal(std::move(lit), b, false);
        }
        for (const std::string& t : r.hashtags) {
            std::string lit(norm.normalize(t));
            if (lit.size() < 2 || lit[0] != '#' ||
                !all_word_chars(std::string_view(lit).substr(1))) {
                bad_rule(r.name, "hashtag \"" + t + "\" must be '#' and letters, digits or '_'");
            }
            add_own_words(lit, b);
            add_literal(std::move(lit), b, false);
        }
        for (const std::string& x : r.exclude) {
            std::string lit(norm.normalize(x));
            if (lit.empty()) {
                bad_rule(r.name, "exclude \"" + x + "\" is empty after normalisation");
            }
            add_literal(std::move(lit), b, true);
        }
    }
    m.own_terms.build(own_words);

    for (std::size_t p = 0; p < literals.size(); ++p) {
        m.patterns.push_back(pattern{static_cast<std::uint32_t>(literals[p].size()),
                                     static_cast<std::uint32_t>(m.targets.size()),
                                     static_cast<std::uint32_t>(literal_targets[p].size())});
        m.targets.insert(m.targets.end(), literal_targets[p].begin(), literal_targets[p].end());
    }
    if (literals.empty()) {
        return; // no brands: match() finds nothing
    }
    std::vector<const char*> exprs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> ids;
    std::vector<unsigned> flags(literals.size(), 0);
    for (std::size_t p = 0; p < literals.size(); ++p) {
        exprs.push_back(literals[p].data());
        lens.push_back(literals[p].size());
        ids.push_back(static_cast<unsigned>(p));
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                             static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr, &m.db,
                             &err) != HS_SUCCESS) {
        std::string msg = "Hyperscan compile failed";
        if (err != nullptr) {
            if (err->expression >= 0) {
                const auto& t = literal_targets[static_cast<std::size_t>(err->expression)];
                msg = "brand '" + m.names[t.front().brand] + "': pattern \"" +
                      literals[static_cast<std::size_t>(err->expression)] + "\": " + err->message;
            } else {
                msg += std::string(": ") + err->message;
            }
            hs_free_compile_error(err);
        }
        throw std::invalid_argument(msg);
    }
}

brand_matcher::~brand_matcher() = default;

bool brand_matcher::retired(std::uint32_t id) const noexcept {
    return id < impl_->retired.size() && impl_->retired[id];
}

std::size_t brand_matcher::brand_count() const noexcept {
    return impl_->names.size();
}

std::string_view brand_matcher::brand_name(std::uint32_t id) const noexcept {
    return id < impl_->names.size() ? std::string_view(impl_->names[id]) : std::string_view{};
}

namespace {

struct match_context {
    const pattern* patterns;
    const target* targets;
    std::string_view text;
    std::uint32_t gen;
    std::uint32_t* matched_gen;
    std::uint32_t* excluded_gen;
    std::vector<std::uint32_t>* out;
};

// Called by Hyperscan for every end offset of every literal (no SINGLEMATCH), so a failed
// boundary check never hides a later occurrence. Never throws: `out` has capacity for every
// brand (reserved in match()), and each brand is pushed at most once per call.
int on_match(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
             void* ctx) noexcept {
    auto& c = *static_cast<match_context*>(ctx);
    const pattern& p = c.patterns[id];
    const auto end = static_cast<std::size_t>(to);
    const std::size_t start = end - p.len;
    if (!boundary_before(c.text, start) || !boundary_at(c.text, end)) {
        return 0;
    }
    for (std::uint32_t k = 0; k < p.target_count; ++k) {
        const target& t = c.targets[p.first_target + k];
        if (t.exclude) {
            c.excluded_gen[t.brand] = c.gen;
        } else if (c.matched_gen[t.brand] != c.gen) {
            c.matched_gen[t.brand] = c.gen;
            c.out->push_back(t.brand);
        }
    }
    return 0;
}

} // namespace

void brand_matcher::match(std::string_view normalized, scratch& s,
                          std::vector<std::uint32_t>& out) const {
    out.clear();
    const impl& m = *impl_;
    if (m.db == nullptr || normalized.empty()) {
        return;
    }
    scratch::impl& si = *s.impl_;
    if (si.serial != m.serial) {
        si.prepare(m); // a scratch made for another matcher (reload): resize once
    }
    if (out.capacity() < m.names.size()) {
        out.reserve(m.names.size()); // first call only
    }
    if (++si.gen == 0) {
        std::fill(si.matched_gen.begin(), si.matched_gen.end(), 0);
        std::fill(si.excluded_gen.begin(), si.excluded_gen.end(), 0);
        si.gen = 1;
    }
    // Hyperscan scans at most UINT_MAX bytes; texts are capped far below (max_text_bytes).
    const std::string_view text = normalized.substr(0, UINT_MAX);
    match_context ctx{m.patterns.data(),     m.targets.data(),       text, si.gen,
                      si.matched_gen.data(), si.excluded_gen.data(), &out};
    const hs_error_t rc =
        hs_scan(m.db, text.data(), static_cast<unsigned>(text.size()), 0, si.hs, on_match, &ctx);
    PULSO_ASSERT(rc == HS_SUCCESS, "hs_scan failed ({}): scratch shared between threads?", rc);
    const std::uint32_t gen = si.gen;
    const std::uint32_t* excluded = si.excluded_gen.data();
    out.erase(
        std::remove_if(out.begin(), out.end(), [&](std::uint32_t b) { return excluded[b] == gen; }),
        out.end());
    std::sort(out.begin(), out.end());
}

bool brand_matcher::is_own_term(std::uint32_t id, std::string_view term) const noexcept {
    return impl_->own_terms.contains(id, term);
}

} // namespace pulso
