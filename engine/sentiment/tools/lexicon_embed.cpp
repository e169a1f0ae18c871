// Build-time tool: turns the lexicon data files (engine/sentiment/data/*.tsv) into a C++ source
// with one lexicon_row per entry, so that the lexicons are compiled into the binary.
//
//   pulso_sentiment_embed OUT.cpp lex:en:vader_en.tsv lex:es:es.tsv emoji:emoji_esr.tsv
//                                 mod:modifiers.tsv ...
//
// lex:LANG:FILE   term<TAB>valence          (0 neutralises an earlier row of the term)
// emoji:FILE      HEXCODEPOINT<TAB>valence  (all languages)
// mod:FILE        lang<TAB>kind<TAB>term<TAB>scalar, kind one of neg boost damp but
// Lines starting with '#' and blank lines are ignored. Any malformed line fails the build.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct row {
    std::string term;
    double value;
    std::string lang;
    std::string kind;
};

[[noreturn]] void fail(const std::string& file, int line, const std::string& msg) {
    std::cerr << "pulso_sentiment_embed: " << file << ":" << line << ": " << msg << "\n";
    std::exit(1);
}

std::vector<std::string> split_tabs(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = s.find('\t', start);
        out.push_back(s.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) {
            return out;
        }
        start = tab + 1;
    }
}

double parse_value(const std::string& s, const std::string& file, int line) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || v < -4.0 || v > 4.0) {
        fail(file, line, "bad value '" + s + "'");
    }
    return v;
}

std::string utf8(unsigned long cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

// A C++ string literal; octal escapes cannot swallow the following character as hex ones can.
std::string literal(const std::string& s) {
    std::string out = "\"";
    for (const unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7F || c == '?') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

void check_term(const std::string& term, const std::string& file, int line) {
    if (term.empty() || term.front() == ' ' || term.back() == ' ' ||
        term.find("  ") != std::string::npos) {
        fail(file, line, "bad term '" + term + "'");
    }
    int words = 1;
    for (const char c : term) {
        if (c >= 'A' && c <= 'Z') {
            fail(file, line, "term not normalised (upper case): '" + term + "'");
        }
        words += c == ' ' ? 1 : 0;
    }
    if (words > 4) {
        fail(file, line, "phrase longer than 4 words: '" + term + "'");
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: pulso_sentiment_embed OUT.cpp SPEC...\n";
        return 2;
    }
    std::vector<row> rows;
    for (int a = 2; a < argc; ++a) {
        std::string spec = argv[a];
        std::string mode = spec.substr(0, spec.find(':'));
        std::string lang;
        std::string path = spec.substr(mode.size() + 1);
        if (mode == "lex") {
            lang = path.substr(0, path.find(':'));
            path = path.substr(lang.size() + 1);
        }
        std::ifstream in(path);
        if (!in) {
            fail(path, 0, "cannot open");
        }
        std::string text;
        int line_no = 0;
        while (std::getline(in, text)) {
            ++line_no;
            if (!text.empty() && text.back() == '\r') {
                text.pop_back();
            }
            if (text.empty() || text[0] == '#') {
                continue;
            }
            const std::vector<std::string> cols = split_tabs(text);
            if (mode == "lex") {
                if (cols.size() != 2) {
                    fail(path, line_no, "expected term<TAB>valence");
                }
                check_term(cols[0], path, line_no);
                // A 0 row is kept: it overrides an earlier valence (e.g. VADER's "support").
                rows.push_back({cols[0], parse_value(cols[1], path, line_no), lang, "valence"});
            } else if (mode == "emoji") {
                if (cols.size() < 2) {
                    fail(path, line_no, "expected codepoint<TAB>valence");
                }
                char* end = nullptr;
                const unsigned long cp = std::strtoul(cols[0].c_str(), &end, 16);
                if (*end != '\0' || cp < 0x80 || cp > 0x10FFFF) {
                    fail(path, line_no, "bad code point '" + cols[0] + "'");
                }
                rows.push_back({utf8(cp), parse_value(cols[1], path, line_no), "all", "valence"});
            } else if (mode == "mod") {
                if (cols.size() != 4) {
                    fail(path, line_no, "expected lang<TAB>kind<TAB>term<TAB>scalar");
                }
                static const char* const kinds[][2] = {{"neg", "negator"},
                                                       {"boost", "booster"},
                                                       {"damp", "booster"},
                                                       {"but", "contrast"}};
                std::string kind;
                for (const auto& k : kinds) {
                    if (cols[1] == k[0]) {
                        kind = k[1];
                    }
                }
                if (kind.empty() || (cols[0] != "en" && cols[0] != "es" && cols[0] != "pt")) {
                    fail(path, line_no, "bad lang or kind");
                }
                check_term(cols[2], path, line_no);
                rows.push_back({cols[2], parse_value(cols[3], path, line_no), cols[0], kind});
            } else {
                fail(spec, 0, "unknown mode '" + mode + "'");
            }
        }
    }

    std::ostringstream out;
    out << "// Generated by pulso_sentiment_embed from engine/sentiment/data. Do not edit.\n"
        << "#include \"lexicon_data.h\"\n\n"
        << "namespace pulso::sentiment_detail {\n\n"
        << "const lexicon_row lexicon_rows[] = {\n";
    for (const row& r : rows) {
        char value[32];
        std::snprintf(value, sizeof value, "%.4f", r.value);
        out << "    {" << literal(r.term) << ", " << value << "f, lang_slot::" << r.lang
            << ", term_kind::" << r.kind << "},\n";
    }
    out << "};\n\nconst std::size_t lexicon_row_count = " << rows.size() << ";\n\n"
        << "} // namespace pulso::sentiment_detail\n";
    const std::string tmp = std::string(argv[1]) + ".tmp";
    {
        std::ofstream o(tmp, std::ios::binary);
        o << out.str();
        if (!o) {
            fail(tmp, 0, "cannot write");
        }
    }
    if (std::rename(tmp.c_str(), argv[1]) != 0) {
        fail(argv[1], 0, "cannot rename");
    }
    return 0;
}
