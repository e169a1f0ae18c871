#include "pulso/config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace pulso {
namespace {

const char* k_brands = "brands:\n  - name: acme\n    keywords: [\"acme\"]\n";

std::string error_of(const std::string& yaml) {
    try {
        (void)load_config_text(yaml, "test.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(Config, DefaultsMatchTheContract) {
    const config c = load_config_text(k_brands, "test.yaml");
    EXPECT_EQ(c.windows.size, 60'000);
    EXPECT_EQ(c.windows.slide, 60'000);
    EXPECT_EQ(c.windows.allowed_lateness, 0);
    EXPECT_EQ(c.watermark.max_out_of_order, 10'000);
    EXPECT_EQ(c.watermark.idle_timeout, 30'000);
    EXPECT_EQ(c.dedupe.horizon, 600'000);
    EXPECT_EQ(c.ingest.max_record_bytes, 1048576);
    EXPECT_EQ(c.ingest.max_text_bytes, 65536);
    EXPECT_EQ(c.ingest.max_future_skew, 300'000);
    EXPECT_EQ(c.detect.min_windows, 30);
    EXPECT_EQ(c.detect.influencer_followers, 100000);
    EXPECT_EQ(c.kafka.brokers, "localhost:9092");
    EXPECT_EQ(c.kafka.topic, "mentions");
    EXPECT_EQ(c.kafka.group, "pulso");
    EXPECT_EQ(c.sinks.windows_topic, "pulso.windows");
    EXPECT_EQ(c.sinks.dlq_topic, "pulso.dlq");
    EXPECT_EQ(c.http.listen, "127.0.0.1:8080");
}

TEST(Config, SlideDefaultsToSize) {
    const config c = load_config_text(std::string(k_brands) + "windows: {size: 5m}\n", "t");
    EXPECT_EQ(c.windows.slide, 300'000);
}

TEST(Config, KafkaPassThroughIsVerbatim) {
    const config c = load_config_text(
        std::string(k_brands) +
            "kafka: {brokers: \"b:1\", \"session.timeout.ms\": 6000, fetch.wait.max.ms: 5}\n",
        "t");
    EXPECT_EQ(c.kafka.brokers, "b:1");
    EXPECT_EQ(c.kafka.properties.at("session.timeout.ms"), "6000");
    EXPECT_EQ(c.kafka.properties.at("fetch.wait.max.ms"), "5");
}

TEST(Config, UnreadableFilesSayWhy) {
    auto file_error = [](const std::string& path) -> std::string {
        try {
            (void)load_config_file(path);
        } catch (const config_error& e) {
            return e.what();
        }
        return "no error";
    };
    const std::string dir = ::testing::TempDir();
    EXPECT_EQ(file_error(dir), dir + ": is a directory, not a config file");
    EXPECT_EQ(file_error(dir + "/pulso-no-such.yaml"),
              dir + "/pulso-no-such.yaml: cannot open the config file: No such file or directory");
}

TEST(Config, ReportsEnvironmentVariablesThatOverrideNothing) {
    const char* env[] = {"HOME=/root",
                         "PULSO_WINDOWS_SIZE=30s",
                         "PULSO_BRANDS=[]",
                         "PULSO_KAFKA_PROPERTIES=a=b",
                         "PULSO_WINDOW_SIZE=5m",
                         "PULSO_DETECT_MIN_WINDOW=3",
                         "PULSO_KAFKA_DEBUG=all",
                         "PULSO_COLOUR=red",
                         "PULSO_SEED=7",
                         "PULSO_TEST_DEBUG=1",
                         "PULSO_GOLDEN_UPDATE=1",
                         "PULSO_NOVALUE",
                         nullptr};
    const std::vector<std::string> want = {
        "environment variable PULSO_WINDOW_SIZE is not a config override and is ignored (did "
        "you mean PULSO_WINDOWS_SIZE?)",
        "environment variable PULSO_DETECT_MIN_WINDOW is not a config override and is ignored "
        "(did you mean PULSO_DETECT_MIN_WINDOWS?)",
        "environment variable PULSO_KAFKA_DEBUG is not a config override and is ignored "
        "(librdkafka properties go in PULSO_KAFKA_PROPERTIES=key=value,...)",
        "environment variable PULSO_COLOUR is not a config override and is ignored",
        "environment variable PULSO_NOVALUE is not a config override and is ignored"};
    EXPECT_EQ(unknown_environment(env), want);
    EXPECT_TRUE(unknown_environment(nullptr).empty());
}

TEST(Config, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(error_of(std::string(k_brands) + "windows:\n  size: 1x\n"),
              "test.yaml:5: windows.size: expected a duration like 30s, 5m or 1h, got '1x'");
    EXPECT_EQ(error_of(std::string(k_brands) + "windowz: {size: 60s}\n"),
              "test.yaml:4: windowz: unknown key (did you mean 'windows'?)");
    EXPECT_EQ(error_of(std::string(k_brands) + "windows:\n  sizee: 60s\n"),
              "test.yaml:5: windows.sizee: unknown key (did you mean 'windows.size'?)");
    EXPECT_EQ(error_of(std::string(k_brands) + "window:\n  size: 60s\n"),
              "test.yaml:4: window: unknown key (did you mean 'windows'?)");
    EXPECT_EQ(error_of(std::string(k_brands) + "detect:\n  min_window: 3\n"),
              "test.yaml:5: detect.min_window: unknown key (did you mean 'detect.min_windows'?)");
    // Nothing close: no guess.
    EXPECT_EQ(error_of(std::string(k_brands) + "colour: red\n"),
              "test.yaml:4: colour: unknown key");
    EXPECT_EQ(error_of(std::string(k_brands) + "windows:\n  ab: 60s\n"),
              "test.yaml:5: windows.ab: unknown key");
    EXPECT_EQ(error_of(std::string(k_brands) + "windows:\n  size: 60s\n  slide: 7s\n"),
              "test.yaml:6: windows.slide: must divide windows.size (1m), got 7s");
    EXPECT_EQ(error_of("brands:\n  - name: Acme!\n    keywords: [a]\n"),
              "test.yaml:2: brands[0].name: brand name must match [a-z0-9_-]{1,64}, got 'Acme!'");
    EXPECT_EQ(error_of("brands:\n  - name: a\n    keywords: [x]\n  - name: a\n    keywords: [y]\n"),
              "test.yaml:4: brands[1].name: duplicate brand name 'a'");
    EXPECT_EQ(error_of("brands:\n  - name: a\n    handles: [acme]\n"),
              "test.yaml:3: brands[0].handles: a handle starts with @, got 'acme'");
    EXPECT_EQ(error_of("windows: {size: 60s}\n"),
              "test.yaml: brands: at least one brand is required");
    EXPECT_NE(error_of("brands: [\n"), "no error");
    EXPECT_EQ(error_of(std::string(k_brands) + "ingest: {max_record_bytes: 10}\n"),
              "test.yaml:4: ingest.max_record_bytes: must be between 64 and 67108864, got 10");
}

TEST(Config, EnvironmentOverridesWin) {
    ::setenv("PULSO_WINDOWS_SIZE", "2m", 1);
    ::setenv("PULSO_KAFKA_BROKERS", "k:9", 1);
    const config c = load_config_text(std::string(k_brands) + "windows: {size: 5m}\n", "t");
    ::unsetenv("PULSO_WINDOWS_SIZE");
    ::unsetenv("PULSO_KAFKA_BROKERS");
    EXPECT_EQ(c.windows.size, 120'000);
    EXPECT_EQ(c.windows.slide, 120'000);
    EXPECT_EQ(c.kafka.brokers, "k:9");
}

TEST(Config, EnvironmentOverridesBrandsAndKafkaProperties) {
    ::setenv("PULSO_BRANDS", "[{name: zeta, keywords: [zeta, \"zeta co\"]}]", 1);
    ::setenv("PULSO_KAFKA_PROPERTIES", "session.timeout.ms=6000,client.rack=r1", 1);
    const config c = load_config_text(k_brands, "t");
    ::unsetenv("PULSO_BRANDS");
    ::unsetenv("PULSO_KAFKA_PROPERTIES");
    ASSERT_EQ(c.brands.size(), 1U);
    EXPECT_EQ(c.brands[0].name, "zeta");
    EXPECT_EQ(c.brands[0].keywords.size(), 2U);
    EXPECT_EQ(c.kafka.properties.at("session.timeout.ms"), "6000");
    EXPECT_EQ(c.kafka.properties.at("client.rack"), "r1");
    ::setenv("PULSO_KAFKA_PROPERTIES", "novalue", 1);
    const std::string e = error_of(k_brands);
    ::unsetenv("PULSO_KAFKA_PROPERTIES");
    EXPECT_EQ(e, "environment: PULSO_KAFKA_PROPERTIES: expected key=value[,key=value…], got "
                 "'novalue'");
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
    ::setenv("PULSO_DEDUPE_HORIZON", "soon", 1);
    const std::string e = error_of(k_brands);
    ::unsetenv("PULSO_DEDUPE_HORIZON");
    EXPECT_EQ(e, "environment: PULSO_DEDUPE_HORIZON: expected a duration like 30s, 5m or 1h, "
                 "got 'soon'");
}

TEST(Config, EverySettingHasADefaultAndADescription) {
    for (const auto& s : settings()) {
        EXPECT_FALSE(s.description.empty()) << s.key;
        // Only settings whose empty default means "off" may be empty.
        const bool may_be_empty = s.key == "http.token" || s.key == "detect.state_file" ||
                                  s.key.starts_with("alerting.") || s.key.ends_with("_url");
        EXPECT_FALSE(default_value(s.key).empty() && !may_be_empty) << s.key;
    }
}

} // namespace
} // namespace pulso
