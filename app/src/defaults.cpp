#include "commands.h"
#include "pulso/generator/generator.h"

namespace pulso::app {

config load_or_default(const std::string& path) {
    if (!path.empty()) {
        return load_config_file(path);
    }
    // The built-in config: every default plus the brands the generator writes about.
    return load_config_text(std::string(default_brands_yaml()), "<built-in defaults>");
}

} // namespace pulso::app
