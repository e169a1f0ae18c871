#include "pulso/file/line_reader.h"
#include "test_seed.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace pulso {
namespace {

std::string write_temp(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr) << path;
    if (f != nullptr) {
        EXPECT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
        std::fclose(f);
    }
    return path;
}

std::vector<std::string> read_all(const std::string& path, std::size_t max_line = 1 << 20) {
    line_reader r(path, max_line);
    std::vector<std::string> out;
    input_line line;
    while (r.next(line)) {
        EXPECT_EQ(line.index, static_cast<std::int64_t>(out.size()));
        out.emplace_back(line.bytes);
    }
    return out;
}

TEST(LineReader, SplitsLinesKeepingBlankOnesAndALastLineWithoutNewline) {
    const std::string path = write_temp("lr_basic.ndjson", "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}");
    const std::vector<std::string> want = {"{\"a\":1}", "", "{\"b\":2}\r", "{\"c\":3}"};
    EXPECT_EQ(read_all(path), want);
    EXPECT_EQ(read_all(write_temp("lr_empty.ndjson", "")), std::vector<std::string>{});
}

// Lines of seeded lengths over several 4 MiB chunks: every line comes back whole, wherever a
// chunk boundary cuts it, and is followed by the padding the parser reads.
TEST(LineReader, LinesAcrossChunkBoundariesComeBackWhole) {
    const std::uint64_t seed = test::test_seed("LinesAcrossChunkBoundariesComeBackWhole");
    SCOPED_TRACE("PULSO_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::vector<std::string> lines;
    std::string content;
    while (content.size() < (13U << 20)) {
        const std::size_t len = rng() % 8 == 0 ? rng() % 300'000 : rng() % 700;
        std::string l(len, 'x');
        for (char& c : l) {
            c = static_cast<char>('a' + rng() % 26);
        }
        content += l;
        content += '\n';
        lines.push_back(std::move(l));
    }
    const std::string path = write_temp("lr_chunks.ndjson", content);
    line_reader r(path, 1 << 20);
    input_line line;
    std::size_t i = 0;
    volatile char sink = 0;
    while (r.next(line)) {
        ASSERT_LT(i, lines.size());
        ASSERT_EQ(line.bytes, lines[i]) << "line " << i;
        ASSERT_FALSE(line.oversized());
        for (std::size_t k = 0; k < k_line_padding; ++k) {
            sink = line.bytes.data()[line.bytes.size() + k]; // readable (ASan checks)
        }
        ++i;
    }
    (void)sink;
    EXPECT_EQ(i, lines.size());
    EXPECT_EQ(r.bytes_read(), content.size());
}

// A line longer than max_line that the buffer holds whole comes back whole (the parser rejects
// it as too_large); one that does not fit the 4 MiB buffer is not kept: a prefix for the
// dead-letter payload and its real size, and the next line is read as usual.
TEST(LineReader, OversizedLineKeepsAPrefixAndItsRealSize) {
    const std::string mid(5000, 'm');
    const std::string big((5U << 20) + 123, 'y');
    const std::string path =
        write_temp("lr_big.ndjson", "short\n" + mid + "\n" + big + "\nnext\n" + big);
    line_reader r(path, 1000, 100);
    input_line line;
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line.bytes, "short");
    ASSERT_TRUE(r.next(line));
    EXPECT_FALSE(line.oversized());
    EXPECT_EQ(line.bytes, mid);
    ASSERT_TRUE(r.next(line));
    EXPECT_TRUE(line.oversized());
    EXPECT_EQ(line.bytes, big.substr(0, 100));
    EXPECT_EQ(line.full_size, big.size());
    EXPECT_EQ(line.index, 2);
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line.bytes, "next");
    ASSERT_TRUE(r.next(line)); // the last line, oversized and without a newline
    EXPECT_TRUE(line.oversized());
    EXPECT_EQ(line.full_size, big.size());
    EXPECT_FALSE(r.next(line));
}

TEST(LineReader, RecognisesCompressedInputAndReadsPlainInputFromItsStart) {
    const std::vector<std::pair<std::string, std::string_view>> cases = {
        {std::string("\x1f\x8b\x08\x00", 4), "gzip"},
        {"\x28\xb5\x2f\xfd rest", "zstd"},
        {"BZh91AY", "bzip2"},
        {std::string("\xfd\x37zXZ\0\0", 7), "xz"},
        {"PK\x03\x04....", "zip"},
        {"{\"id\":\"1\"}\nsecond\n", ""},
        {"", ""},
        {"\x1f", ""},
    };
    for (const auto& [content, want] : cases) {
        const std::string path = write_temp("lr_magic.bin", content);
        line_reader r(path, 1 << 20);
        EXPECT_EQ(r.compression(), want) << content;
        EXPECT_EQ(r.compression(), want) << "asked twice";
    }
    line_reader r(write_temp("lr_magic.ndjson", "{\"id\":\"1\"}\nsecond"), 1 << 20);
    ASSERT_EQ(r.compression(), "");
    input_line line;
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line.bytes, "{\"id\":\"1\"}");
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line.bytes, "second");
    EXPECT_FALSE(r.next(line));
}

std::string error_of(const std::string& path) {
    try {
        line_reader r(path, 1 << 20);
        input_line line;
        while (r.next(line)) {
        }
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(LineReader, ErrorsNameThePath) {
    const std::string missing = ::testing::TempDir() + "/lr-no-such-file.ndjson";
    EXPECT_EQ(error_of(missing), missing + ": cannot open: No such file or directory");
    const std::string dir = ::testing::TempDir();
    EXPECT_EQ(error_of(dir), dir + ": cannot read: Is a directory");
}

} // namespace
} // namespace pulso
