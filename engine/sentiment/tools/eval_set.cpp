#include "eval_set.h"

#include "eval_normalize.h"

#include <fstream>
#include <stdexcept>

namespace pulso::sentiment_eval {

polarity classify(float score) noexcept {
    if (score >= 0.05F) {
        return polarity::positive;
    }
    if (score <= -0.05F) {
        return polarity::negative;
    }
    return polarity::neutral;
}

std::string_view to_string(polarity p) noexcept {
    switch (p) {
    case polarity::negative:
        return "negative";
    case polarity::neutral:
        return "neutral";
    case polarity::positive:
        return "positive";
    }
    return "?";
}

std::vector<eval_item> load_eval_set(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error(path + ": cannot open");
    }
    std::vector<eval_item> items;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const std::size_t t1 = line.find('\t');
        const std::size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
        if (t2 == std::string::npos) {
            throw std::runtime_error(path + ":" + std::to_string(line_no) +
                                     ": expected label<TAB>tags<TAB>text");
        }
        const std::string label = line.substr(0, t1);
        const std::string tags = line.substr(t1 + 1, t2 - t1 - 1);
        eval_item item{polarity::neutral, false, false, line.substr(t2 + 1), line_no};
        if (label == "positive") {
            item.label = polarity::positive;
        } else if (label == "negative") {
            item.label = polarity::negative;
        } else if (label != "neutral") {
            throw std::runtime_error(path + ":" + std::to_string(line_no) + ": bad label '" +
                                     label + "'");
        }
        std::size_t start = 0;
        while (start <= tags.size()) {
            const std::size_t comma = tags.find(',', start);
            const std::string tag =
                tags.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (tag == "negation") {
                item.negation = true;
            } else if (tag == "sarcasm") {
                item.sarcasm = true;
            } else if (tag != "-" && !tag.empty()) {
                throw std::runtime_error(path + ":" + std::to_string(line_no) + ": bad tag '" +
                                         tag + "'");
            }
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
        if (item.text.empty()) {
            throw std::runtime_error(path + ":" + std::to_string(line_no) + ": empty text");
        }
        items.push_back(std::move(item));
    }
    return items;
}

eval_report evaluate(const std::vector<eval_item>& items, std::string_view lang,
                     const lexicon_scorer& scorer) {
    eval_report r;
    for (const eval_item& item : items) {
        const std::string norm = normalize_for_eval(item.text);
        const float s = scorer.score(item.text, norm, lang);
        const polarity p = classify(s);
        const bool ok = p == item.label;
        auto add = [ok](eval_report::bucket& b) {
            b.correct += ok ? 1 : 0;
            ++b.total;
        };
        add(r.all);
        if (item.negation) {
            add(r.negation);
        }
        add(item.sarcasm ? r.sarcasm : r.no_sarcasm);
        ++r.confusion[static_cast<int>(item.label)][static_cast<int>(p)];
        if (!ok) {
            char buf[64];
            std::snprintf(buf, sizeof buf,
                          "%s->%s %+.3f line %d: ", std::string(to_string(item.label)).c_str(),
                          std::string(to_string(p)).c_str(), static_cast<double>(s), item.line);
            r.mistakes.push_back(buf + item.text);
        }
    }
    return r;
}

void print_report(std::FILE* out, std::string_view lang, const eval_report& r) {
    auto row = [out](const char* name, const eval_report::bucket& b) {
        std::fprintf(out, "  %-11s %6.1f%%  (%d/%d)\n", name, 100.0 * b.accuracy(), b.correct,
                     b.total);
    };
    std::fprintf(out, "%.*s\n", static_cast<int>(lang.size()), lang.data());
    row("all", r.all);
    row("negation", r.negation);
    row("sarcasm", r.sarcasm);
    row("no-sarcasm", r.no_sarcasm);
    std::fprintf(out, "  confusion (rows gold, columns predicted)\n");
    std::fprintf(out, "  %-10s %9s %9s %9s\n", "", "negative", "neutral", "positive");
    for (int g = 0; g < 3; ++g) {
        std::fprintf(out, "  %-10s %9d %9d %9d\n",
                     std::string(to_string(static_cast<polarity>(g))).c_str(), r.confusion[g][0],
                     r.confusion[g][1], r.confusion[g][2]);
    }
}

} // namespace pulso::sentiment_eval
