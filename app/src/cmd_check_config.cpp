#include "commands.h"

#include <cstdio>

namespace pulso::app {

void add_check_config(CLI::App& app) {
    auto* cmd = app.add_subcommand("check-config",
                                   "Validate a config file; errors name the file, line and key.");
    auto path = std::make_shared<std::string>();
    cmd->add_option("FILE", *path, "YAML config (CONTRACT §2)")->required();
    auto show = std::make_shared<bool>(false);
    cmd->add_flag("--show", *show,
                  "Print the effective settings after defaults and PULSO_* "
                  "environment overrides");
    cmd->callback([path, show] {
        const config c = load_config_file(*path);
        warn_unknown_environment(false);
        std::printf("%s: ok (%zu brands)\n", path->c_str(), c.brands.size());
        if (*show) {
            for (const auto& s : settings()) {
                std::printf("  %s = %s\n", std::string(s.key).c_str(),
                            current_value(c, s.key).c_str());
            }
            for (const auto& [k, v] : c.kafka.properties) {
                std::printf("  kafka.%s = %s (librdkafka)\n", k.c_str(), v.c_str());
            }
            for (const auto& b : c.brands) {
                std::printf("  brand %s: %zu keywords, %zu handles, %zu hashtags, %zu excludes\n",
                            b.name.c_str(), b.keywords.size(), b.handles.size(), b.hashtags.size(),
                            b.exclude.size());
            }
        }
    });
}

} // namespace pulso::app

namespace pulso::app {

void add_settings(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "settings", "Print every config key with its type, default and meaning (a Markdown "
                    "table; the README's config reference is this output).");
    cmd->callback([] {
        std::printf("| key | type | default | reloadable | meaning |\n|---|---|---|---|---|\n");
        for (const auto& s : settings()) {
            std::string def = default_value(s.key);
            def = def.empty() ? std::string("(empty)") : std::string("`").append(def).append("`");
            std::printf("| `%s` | %s | %s | %s | %s |\n", std::string(s.key).c_str(),
                        std::string(s.type).c_str(), def.c_str(), s.reloadable ? "yes" : "no",
                        std::string(s.description).c_str());
        }
    });
}

} // namespace pulso::app
