#include "commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    using namespace pulso::app;
    CLI::App app{"pulso — a stream-processing engine for social-media mentions: per-brand, "
                 "per-minute volume, sentiment and topics, reputation alerts and trends.",
                 "pulso"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "pulso 0.1.0");
    app.footer("Exit codes: 0 success, 2 usage or config error, 1 runtime failure.\n"
               "Run `pulso COMMAND --help` for a command's options.");
    add_replay(app);
    add_check_config(app);
    add_generate(app);
    add_settings(app);
    add_run(app);
    add_broker(app);
    add_demo(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "pulso: %s (see pulso --help)\n", e.what());
        return k_exit_usage;
    } catch (const pulso::config_error& e) {
        std::fprintf(stderr, "pulso: config error: %s\n", e.what());
        return k_exit_usage;
    } catch (const usage_error& e) {
        std::fprintf(stderr, "pulso: %s\n", e.what());
        return k_exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pulso: %s\n", e.what());
        return k_exit_runtime;
    }
    return k_exit_ok;
}
