// detect.state_file: the snapshot file is written atomically and read back; a snapshot is
// refused (with a reason) for other windows, another version or a corrupt file.
#include "detect_support.h"
#include "pulso/detect/detector.h"
#include "pulso/detect/state_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
    EXPECT_EQ(why, "corrupt snapshot");
    EXPECT_FALSE(same.restore("hello", &why));
    EXPECT_EQ(why, "not a detector snapshot");
}

} // namespace
} // namespace pulso
