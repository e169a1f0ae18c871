// detect.state_file: the snapshot file is written atomically and read back; a snapshot is
// refused (with a reason) for other windows, another version or a corrupt file.
#include "detect_support.h"
#include "pulso/detect/detector.h"
#include "pulso/detect/state_file.h"
#include "test_seed.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <string>

namespace pulso {
namespace {

namespace fs = std::filesystem;
using test::k_minute;
using test::k_t0;

std::string temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "pulso-state-XXXXXX").string();
    const char* d = ::mkdtemp(tmpl.data());
    EXPECT_NE(d, nullptr);
    return tmpl;
}

std::vector<brand_rule> one_brand() {
    brand_rule r;
    r.name = "acme";
    r.keywords = {"acme"};
    return {r};
}

/// A detector that has seen `n` windows of one brand.
std::string snapshot_after(std::int64_t n, millis size, millis slide) {
    const brand_matcher matcher(one_brand());
    detector det(config::detect_t{}, matcher, size, slide);
    window_options opts;
    opts.size = size;
    opts.slide = slide;
    for (std::int64_t i = 0; i < n; ++i) {
        test::spec s;
        s.mentions = 40 + static_cast<std::uint64_t>(i % 5);
        s.negatives = 4;
        const window_partial w = test::make_window(k_t0 + i * slide, opts, {{0, s}});
        test::capture cap;
        det.on_window(w, cap);
    }
    std::string blob;
    det.save(blob);
    return blob;
}

TEST(StateFile, WritesAtomicallyAndReadsBack) {
    const std::string dir = temp_dir();
    const std::string path = dir + "/detector.state";
    std::string error;
    EXPECT_FALSE(read_state_file(path, error).has_value());
    EXPECT_EQ(error, "") << "a missing file is a first start, not an error";

    const std::string first = snapshot_after(40, k_minute, k_minute);
    ASSERT_EQ(write_state_file(path, first), "");
    const std::string second = snapshot_after(45, k_minute, k_minute);
    ASSERT_NE(first, second);
    ASSERT_EQ(write_state_file(path, second), "");
    EXPECT_FALSE(fs::exists(path + ".tmp")) << "the temporary file is renamed over the target";
    const auto got = read_state_file(path, error);
    ASSERT_TRUE(got.has_value()) << error;
    EXPECT_EQ(*got, second);
    fs::remove_all(dir);
}

TEST(StateFile, ErrorsNameThePath) {
    const std::string dir = temp_dir();
    // A directory where the file should be: it exists but cannot be read as a file.
    const std::string path = dir + "/is-a-dir";
    fs::create_directory(path);
    std::string error;
    EXPECT_FALSE(read_state_file(path, error).has_value());
    EXPECT_NE(error.find(path), std::string::npos) << error;
    // A directory that does not exist cannot take the file.
    const std::string bad = dir + "/missing/detector.state";
    const std::string werr = write_state_file(bad, "x");
    EXPECT_NE(werr.find(bad + ".tmp"), std::string::npos) << werr;
    const std::string derr = check_state_directory(bad);
    EXPECT_NE(derr.find("cannot write to directory " + dir + "/missing"), std::string::npos)
        << derr;
    EXPECT_EQ(check_state_directory(dir + "/detector.state"), "");
    fs::remove_all(dir);
}

TEST(StateFile, SnapshotOfOtherWindowsIsRefusedWithAReason) {
    const std::string blob = snapshot_after(35, k_minute, k_minute);
    const brand_matcher matcher(one_brand());
    detector same(config::detect_t{}, matcher, k_minute, k_minute);
    std::string why;
    ASSERT_TRUE(same.restore(blob, &why)) << why;
    EXPECT_EQ(same.windows(), 35U);

    detector other(config::detect_t{}, matcher, 5 * k_minute, k_minute);
    EXPECT_FALSE(other.restore(blob, &why));
    EXPECT_NE(why.find("60000 ms windows sliding by 60000 ms"), std::string::npos) << why;
    EXPECT_NE(why.find("300000 ms by 60000 ms"), std::string::npos) << why;
    EXPECT_EQ(other.windows(), 0U) << "a refused snapshot leaves the state unchanged";

    std::string old = blob;
    old[8] = 1; // the version field follows the 8-byte magic
    EXPECT_FALSE(same.restore(old, &why));
    EXPECT_NE(why.find("snapshot version 1"), std::string::npos) << why;
    EXPECT_FALSE(same.restore(blob.substr(0, blob.size() - 5), &why));
    EXPECT_EQ(why, "corrupt snapshot (checksum mismatch)");
    EXPECT_FALSE(same.restore(blob.substr(0, 14), &why));
    EXPECT_EQ(why, "truncated snapshot");
    EXPECT_FALSE(same.restore("hello", &why));
    EXPECT_EQ(why, "not a detector snapshot");
}

/// The same state as a version 3 snapshot (before the checksum): version 4 is version 3 plus a
/// trailing 8-byte checksum.
std::string as_version3(std::string blob) {
    blob.resize(blob.size() - 8);
    const std::uint32_t v3 = 3;
    std::memcpy(blob.data() + 8, &v3, sizeof v3); // the version follows the 8-byte magic
    return blob;
}

/// Offset of the first double of brand `name`'s state (its mention baseline's level): the
/// brand's entry is its length-prefixed name followed by that state.
std::size_t brand_state_offset(const std::string& blob, const std::string& name) {
    std::string key(4, '\0');
    const auto n = static_cast<std::uint32_t>(name.size());
    std::memcpy(key.data(), &n, sizeof n);
    key += name;
    const std::size_t at = blob.rfind(key);
    EXPECT_NE(at, std::string::npos);
    return at + key.size();
}

TEST(StateFile, EveryFlippedBitIsRefused) {
    // A damaged file must not restore a plausible but wrong state (a NaN baseline silences a
    // brand's rules for good): the checksum refuses any change, the state stays as it was.
    const std::string blob = snapshot_after(35, k_minute, k_minute);
    const brand_matcher matcher(one_brand());
    detector det(config::detect_t{}, matcher, k_minute, k_minute);
    for (std::size_t i = 0; i < blob.size(); ++i) {
        std::string bad = blob;
        bad[i] = static_cast<char>(bad[i] ^ (1U << (i % 8)));
        std::string why;
        ASSERT_FALSE(det.restore(bad, &why)) << "byte " << i << " of " << blob.size();
        ASSERT_FALSE(why.empty());
        ASSERT_EQ(det.windows(), 0U);
    }
    std::string why;
    ASSERT_TRUE(det.restore(blob, &why)) << why;
    EXPECT_EQ(det.windows(), 35U);
    EXPECT_FALSE(det.restore(blob.substr(0, blob.size() - 1), &why));
    EXPECT_FALSE(det.restore(blob + "x", &why));
}

TEST(StateFile, OlderVersionsAreReadButNonFiniteValuesAreRefused) {
    const std::string v3 = as_version3(snapshot_after(35, k_minute, k_minute));
    const brand_matcher matcher(one_brand());
    detector det(config::detect_t{}, matcher, k_minute, k_minute);
    std::string why;
    ASSERT_TRUE(det.restore(v3, &why)) << why;
    EXPECT_EQ(det.windows(), 35U);
    std::string again;
    det.save(again);
    EXPECT_EQ(as_version3(again), v3) << "a version 3 snapshot restores the same state";

    const std::size_t level = brand_state_offset(v3, "acme");
    for (const double v :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity()}) {
        std::string bad = v3;
        std::memcpy(bad.data() + level, &v, sizeof v);
        detector fresh(config::detect_t{}, matcher, k_minute, k_minute);
        EXPECT_FALSE(fresh.restore(bad, &why)) << v;
        EXPECT_EQ(why, "corrupt snapshot") << v;
        EXPECT_EQ(fresh.windows(), 0U);
    }
}

TEST(StateFile, MutatedOlderSnapshotsNeverCrashAndWhatRestoresRoundTrips) {
    // Version 3 has no checksum, so mutations reach every reader: none may crash, read out of
    // bounds (ASan) or allocate without bound, and whatever restores must save and restore
    // again to the same bytes.
    const std::uint64_t seed =
        test::test_seed("StateFile.MutatedOlderSnapshotsNeverCrashAndWhatRestoresRoundTrips");
    std::mt19937_64 rng(seed);
    const std::string v3 = as_version3(snapshot_after(35, k_minute, k_minute));
    const brand_matcher matcher(one_brand());
    auto below = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    int restored = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string bad = v3;
        const std::size_t edits = 1 + below(3);
        for (std::size_t e = 0; e < edits && bad.size() > 12; ++e) {
            const std::size_t at = 12 + below(bad.size() - 12); // magic and version kept
            switch (below(4)) {
            case 0:
                bad[at] = static_cast<char>(below(256));
                break;
            case 1: { // a large or special 4- or 8-byte value
                const std::uint64_t specials[] = {0xFFFFFFFFU,           0x7FFFFFFFU,
                                                  0x7FF8000000000000ULL, 0xFFFFFFFFFFFFFFFFULL,
                                                  0x80000000U,           0};
                const std::uint64_t v = specials[below(std::size(specials))];
                std::memcpy(bad.data() + at, &v, std::min<std::size_t>(8, bad.size() - at));
                break;
            }
            case 2:
                bad.resize(at);
                break;
            default: // a range repeated
                bad.insert(below(bad.size()), bad.substr(at, 1 + below(32)));
                break;
            }
        }
        detector det(config::detect_t{}, matcher, k_minute, k_minute);
        std::string why;
        if (!det.restore(bad, &why)) {
            ASSERT_FALSE(why.empty()) << "PULSO_SEED=" << seed << " round " << round;
            continue;
        }
        ++restored;
        std::string saved;
        det.save(saved);
        detector again(config::detect_t{}, matcher, k_minute, k_minute);
        ASSERT_TRUE(again.restore(saved, &why))
            << "PULSO_SEED=" << seed << " round " << round << ": " << why;
        std::string resaved;
        again.save(resaved);
        ASSERT_EQ(resaved, saved) << "PULSO_SEED=" << seed << " round " << round;
    }
    std::cout << restored << " of 20000 mutated snapshots restored\n";
}

} // namespace
} // namespace pulso
