// libFuzzer target for the config loader (also run without libFuzzer by replay_main.cpp).
//
// Invariants checked on every input (YAML text as an operator might mistype it):
//  - load_config_text() either returns a config or throws config_error, whose message starts
//    with the file name; nothing else escapes (no yaml-cpp exception, no std::out_of_range);
//  - an accepted config has at least one brand and passes validate() again;
//  - every setting of an accepted config renders (current_value), and the rendered settings,
//    loaded again with the same brands, give the same rendering (what `check-config --show`
//    prints is what was loaded).
#include "pulso/config/config.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace pulso;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "config_fuzz: invariant failed: %s: %s\n", what, detail.c_str());
    std::abort();
}

std::string quoted(const std::string& v) {
    std::string q = "\"";
    for (const char c : v) {
        if (c == '"' || c == '\\') {
            q += '\\';
        }
        q += c;
    }
    return q + "\"";
}

/// The settings of `c` as YAML (one dotted key per nested mapping), with `brands_yaml`.
std::string render(const config& c, const std::string& brands_yaml) {
    std::string y = brands_yaml;
    for (const setting_info& s : settings()) {
        const std::string key(s.key);
        std::string indent;
        std::size_t start = 0;
        for (std::size_t dot = key.find('.'); dot != std::string::npos;
             dot = key.find('.', start)) {
            y += indent + key.substr(start, dot - start) + ":\n";
            indent += "  ";
            start = dot + 1;
        }
        y += indent + key.substr(start) + ": " + quoted(current_value(c, s.key)) + "\n";
    }
    return y;
}

std::string brands_of(const config& c) {
    std::string y = "brands:\n";
    for (const brand_rule& b : c.brands) {
        y += "  - name: " + quoted(b.name) + "\n";
        for (const auto& [field, list] :
             {std::pair{"keywords", &b.keywords}, std::pair{"handles", &b.handles},
              std::pair{"hashtags", &b.hashtags}, std::pair{"exclude", &b.exclude}}) {
            if (list->empty()) {
                continue;
            }
            y += std::string("    ") + field + ": [";
            for (std::size_t i = 0; i < list->size(); ++i) {
                y += (i == 0 ? "" : ", ") + quoted((*list)[i]);
            }
            y += "]\n";
        }
    }
    return y;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    config c;
    try {
        c = load_config_text(text, "fuzz.yaml");
    } catch (const config_error& e) {
        if (std::string(e.what()).rfind("fuzz.yaml", 0) != 0) {
            fail("config_error does not name the file", e.what());
        }
        return 0;
    } catch (const std::exception& e) {
        fail("an exception other than config_error", e.what());
    } catch (...) {
        fail("a non-std exception", "?");
    }
    if (c.brands.empty()) {
        fail("accepted without brands", text);
    }
    try {
        validate(c, "fuzz.yaml");
    } catch (const std::exception& e) {
        fail("accepted config fails validate()", e.what());
    }
    const std::string brands = brands_of(c);
    const std::string once = render(c, brands);
    config again;
    try {
        again = load_config_text(once, "rendered.yaml");
    } catch (const std::exception& e) {
        fail("rendered settings do not load", std::string(e.what()) + "\n" + once);
    }
    // The kafka pass-through is not part of the settings table: compare what is.
    if (render(again, brands) != once) {
        fail("rendered settings do not round-trip", once);
    }
    return 0;
}
