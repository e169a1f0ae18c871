// pulso_sentiment_eval: accuracy of the built-in sentiment scorer on the hand-labelled
// evaluation sets tests/data/sentiment/eval_{es,en,pt}.tsv.
//
//   pulso_sentiment_eval [--data DIR] [--verbose]
//
// --verbose also lists every misclassified text with its score.

#include "eval_set.h"

#include <cstdio>
#include <exception>
#include <string>

#ifndef PULSO_SOURCE_DIR
#define PULSO_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
    std::string dir = PULSO_SOURCE_DIR "/tests/data/sentiment";
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--data" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--verbose") {
            verbose = true;
        } else {
            std::fprintf(stderr, "usage: pulso_sentiment_eval [--data DIR] [--verbose]\n");
            return 2;
        }
    }
    try {
        const auto& scorer = pulso::lexicon_scorer::builtin();
        pulso::sentiment_eval::eval_report total;
        for (const char* lang : {"es", "en", "pt"}) {
            const auto items = pulso::sentiment_eval::load_eval_set(dir + "/eval_" + lang + ".tsv");
            const auto r = pulso::sentiment_eval::evaluate(items, lang, scorer);
            pulso::sentiment_eval::print_report(stdout, lang, r);
            if (verbose) {
                for (const auto& m : r.mistakes) {
                    std::printf("    miss %s\n", m.c_str());
                }
            }
            total.all.correct += r.all.correct;
            total.all.total += r.all.total;
        }
        std::printf("overall %.1f%% (%d/%d)\n", 100.0 * total.all.accuracy(), total.all.correct,
                    total.all.total);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pulso_sentiment_eval: %s\n", e.what());
        return 1;
    }
    return 0;
}
