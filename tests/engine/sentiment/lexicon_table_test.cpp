#include "lexicon_data.h"
#include "lexicon_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <utility>

namespace {

using pulso::sentiment_detail::lang_slot;
using pulso::sentiment_detail::lexicon_row;
using pulso::sentiment_detail::lexicon_row_count;
using pulso::sentiment_detail::lexicon_rows;
using pulso::sentiment_detail::lexicon_table;
using pulso::sentiment_detail::term_kind;

// The reference: a plain ordered map of (term, language) -> last row, built the obvious way.
std::map<std::pair<std::string, int>, const lexicon_row*> reference_map() {
    std::map<std::pair<std::string, int>, const lexicon_row*> ref;
    for (std::size_t i = 0; i < lexicon_row_count; ++i) {
        const lexicon_row& r = lexicon_rows[i];
        if (r.lang == lang_slot::all) {
            for (int l = 0; l < 3; ++l) {
                ref[{r.term, l}] = &r;
            }
        } else {
            ref[{r.term, static_cast<int>(r.lang)}] = &r;
        }
    }
    return ref;
}

TEST(LexiconTable, AgreesWithReferenceMapOnEveryTerm) {
    const auto ref = reference_map();
    const lexicon_table& table = lexicon_table::builtin();
    for (const auto& [key, row] : ref) {
        const auto* e = table.find_term(key.first);
        ASSERT_NE(e, nullptr) << key.first;
        EXPECT_EQ(e->kind[key.second], row->kind) << key.first << " lang " << key.second;
        EXPECT_FLOAT_EQ(e->value[key.second], row->value) << key.first;
    }
    // And nothing more: every language slot the table fills is a row of the reference.
    for (const auto& e : table.entries()) {
        for (int l = 0; l < 3; ++l) {
            if (e.kind[l] != term_kind::none) {
                EXPECT_TRUE(ref.contains({std::string(e.term), l})) << e.term;
            }
        }
    }
}

TEST(LexiconTable, RandomStringsMatchTheReference) {
    const unsigned seed = std::getenv("PULSO_TEST_SEED") != nullptr
                              ? static_cast<unsigned>(std::atoi(std::getenv("PULSO_TEST_SEED")))
                              : std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to replay)");
    std::mt19937 rng(seed);
    const auto ref = reference_map();
    const lexicon_table& table = lexicon_table::builtin();
    for (int i = 0; i < 100000; ++i) {
        std::string s;
        if (i % 2 == 0) {
            // Mutate a real term so that hash neighbours and prefixes get probed.
            s = lexicon_rows[rng() % lexicon_row_count].term;
            s[rng() % s.size()] = static_cast<char>('a' + rng() % 26);
            if (rng() % 4 == 0) {
                s.pop_back();
            }
        } else {
            for (unsigned k = 1 + rng() % 8; k > 0; --k) {
                s += static_cast<char>('a' + rng() % 26);
            }
        }
        if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.find("  ") != std::string::npos) {
            continue;
        }
        bool in_ref = false;
        for (int l = 0; l < 3; ++l) {
            in_ref = in_ref || ref.contains({s, l});
        }
        const auto* e = table.find_term(s);
        if (in_ref) {
            ASSERT_NE(e, nullptr) << s;
        } else if (e != nullptr) {
            // Only phrase heads exist without a row of their own; they carry no meaning.
            for (int l = 0; l < 3; ++l) {
                ASSERT_EQ(e->kind[l], term_kind::none) << s;
            }
            ASSERT_GT(e->longest_phrase, 1) << s;
        }
    }
}

TEST(LexiconTable, AnySlotPrefersModifiersThenAveragesValences) {
    const lexicon_table& table = lexicon_table::builtin();
    const auto* no = table.find_term("no");
    ASSERT_NE(no, nullptr);
    EXPECT_EQ(no->kind[3], term_kind::negator);
    const auto* excelente = table.find_term("excelente");
    ASSERT_NE(excelente, nullptr);
    EXPECT_EQ(excelente->kind[3], term_kind::valence);
    EXPECT_GT(excelente->value[3], 2.0F);
}

TEST(LexiconData, TeamLexiconsHaveAtLeast600EntriesPerLanguage) {
    int count[5] = {};
    for (std::size_t i = 0; i < lexicon_row_count; ++i) {
        if (lexicon_rows[i].kind == term_kind::valence) {
            ++count[static_cast<int>(lexicon_rows[i].lang)];
        }
    }
    EXPECT_GE(count[static_cast<int>(lang_slot::en)], 7000);
    EXPECT_GE(count[static_cast<int>(lang_slot::es)], 600);
    EXPECT_GE(count[static_cast<int>(lang_slot::pt)], 600);
    EXPECT_GE(count[static_cast<int>(lang_slot::all)], 500); // emoji
}

TEST(LexiconData, ValencesOnVaderScale) {
    for (std::size_t i = 0; i < lexicon_row_count; ++i) {
        const lexicon_row& r = lexicon_rows[i];
        EXPECT_GE(r.value, -4.0F) << r.term;
        EXPECT_LE(r.value, 4.0F) << r.term;
    }
}

} // namespace
