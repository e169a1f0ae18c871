#include "commands.h"
#include "pulso/generator/generator.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <unistd.h>

namespace pulso::app {

config load_or_default(const std::string& path) {
    if (!path.empty()) {
        return load_config_file(path);
    }
    // The built-in config: every default plus the brands the generator writes about.
    return load_config_text(std::string(default_brands_yaml()), "<built-in defaults>");
}

void warn_unknown_environment(bool logged) {
    for (const std::string& msg : unknown_environment(environ)) {
        if (logged) {
            spdlog::warn("{}", msg);
        } else {
            std::fprintf(stderr, "pulso: warning: %s\n", msg.c_str());
        }
    }
}

} // namespace pulso::app
