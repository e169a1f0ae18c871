#pragma once

#include "pulso/sentiment/lexicon_scorer.h"

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::sentiment_eval {

/// Sentiment classes of CONTRACT §3.
enum class polarity { negative = 0, neutral = 1, positive = 2 };

/// score >= 0.05 positive, <= -0.05 negative, otherwise neutral (CONTRACT §3).
polarity classify(float score) noexcept;
std::string_view to_string(polarity p) noexcept;

/// One hand-labelled text of tests/data/sentiment/eval_<lang>.tsv
/// (`label<TAB>tags<TAB>text`; tags comma-separated or `-`).
struct eval_item {
    polarity label;
    bool negation;
    bool sarcasm;
    std::string text;
    int line;
};

/// Reads an evaluation file. Throws std::runtime_error naming the file and line on a bad row.
std::vector<eval_item> load_eval_set(const std::string& path);

/// Accuracy counts per tag and a confusion matrix (rows: gold label, columns: predicted).
struct eval_report {
    struct bucket {
        int correct = 0;
        int total = 0;
        [[nodiscard]] double accuracy() const noexcept {
            return total == 0 ? 0.0 : static_cast<double>(correct) / total;
        }
    };
    bucket all, negation, sarcasm, no_sarcasm;
    std::array<std::array<int, 3>, 3> confusion{};
    std::vector<std::string> mistakes; ///< "gold->pred score text" for every miss
};

/// Normalises (normalize_for_eval), scores and classifies every item.
eval_report evaluate(const std::vector<eval_item>& items, std::string_view lang,
                     const lexicon_scorer& scorer);

/// Prints one language's figures.
void print_report(std::FILE* out, std::string_view lang, const eval_report& r);

} // namespace pulso::sentiment_eval
