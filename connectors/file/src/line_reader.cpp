#include "pulso/file/line_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pulso {

namespace {
constexpr std::size_t k_chunk = 4 << 20;
}

line_reader::line_reader(const std::string& path, std::size_t max_line, std::size_t keep_oversized)
    : path_(path), max_line_(max_line), keep_(keep_oversized) {
    if (path == "-") {
        f_ = stdin;
    } else {
        f_ = std::fopen(path.c_str(), "rb");
        if (f_ == nullptr) {
            throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
        }
        owns_ = true;
    }
    buf_.resize(k_chunk + k_line_padding);
}

line_reader::~line_reader() {
    if (owns_ && f_ != nullptr) {
        std::fclose(f_);
    }
}

bool line_reader::fill() {
    if (eof_) {
        return false;
    }
    // Move the unread tail to the front, then grow if a single line fills the buffer.
    if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ + k_line_padding >= buf_.size()) {
        buf_.resize(buf_.size() * 2);
    }
    const std::size_t room = buf_.size() - k_line_padding - end_;
    const std::size_t n = std::fread(buf_.data() + end_, 1, room, f_);
    if (n == 0) {
        if (std::ferror(f_) != 0) {
            throw std::runtime_error((path_ == "-" ? std::string("stdin") : path_) +
                                     ": cannot read: " + std::strerror(errno));
        }
        eof_ = true;
        return false;
    }
    end_ += n;
    bytes_read_ += n;
    return true;
}

std::string_view line_reader::compression() {
    if (begin_ == 0 && end_ == 0) {
        (void)fill();
    }
    const std::string_view head(buf_.data() + begin_, std::min<std::size_t>(end_ - begin_, 6));
    if (head.starts_with("\x1f\x8b")) {
        return "gzip";
    }
    if (head.starts_with("\x28\xb5\x2f\xfd")) {
        return "zstd";
    }
    if (head.starts_with("BZh")) {
        return "bzip2";
    }
    if (head == std::string_view("\xfd\x37zXZ\0", 6)) {
        return "xz";
    }
    if (head.starts_with("PK\x03\x04")) {
        return "zip";
    }
    return {};
}

bool line_reader::next(input_line& line) {
    std::size_t scan = begin_;
    for (;;) {
        const void* nl = std::memchr(buf_.data() + scan, '\n', end_ - scan);
        if (nl != nullptr) {
            const auto pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
            std::size_t len = pos - begin_;
            line.bytes = {buf_.data() + begin_, len};
            line.full_size = len;
            line.index = index_++;
            begin_ = pos + 1;
            return true;
        }
        const std::size_t scanned = end_ - begin_; // no newline in these bytes
        if (scanned > max_line_) {
            // Oversized: keep a prefix for the dead-letter record, skip to the newline.
            oversized_.assign(buf_.data() + begin_, std::min(keep_, end_ - begin_));
            std::size_t total = end_ - begin_;
            begin_ = end_ = 0;
            for (;;) {
                if (!fill()) {
                    break;
                }
                const void* nl2 = std::memchr(buf_.data(), '\n', end_);
                if (nl2 != nullptr) {
                    const auto pos =
                        static_cast<std::size_t>(static_cast<const char*>(nl2) - buf_.data());
                    total += pos;
                    begin_ = pos + 1;
                    break;
                }
                total += end_;
                begin_ = end_ = 0;
            }
            oversized_.append(k_line_padding, ' ');
            line.bytes = {oversized_.data(), oversized_.size() - k_line_padding};
            line.full_size = total;
            line.index = index_++;
            return true;
        }
        if (!fill()) {
            if (begin_ < end_) { // last line without a newline
                line.bytes = {buf_.data() + begin_, end_ - begin_};
                line.full_size = line.bytes.size();
                line.index = index_++;
                begin_ = end_;
                return true;
            }
            return false;
        }
        scan = begin_ + scanned; // fill() moved the unread bytes to the front
    }
}

} // namespace pulso
