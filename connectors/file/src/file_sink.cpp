#include "pulso/file/file_sink.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pulso {

file_sink::~file_sink() {
    for (auto*& f : files_) {
        if (f != nullptr && f != stdout) {
            std::fclose(f);
        }
        f = nullptr;
    }
}

void file_sink::open(record_kind kind, const std::string& path) {
    const auto i = static_cast<std::size_t>(kind);
    std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
    }
    if (f != stdout) {
        std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    }
    files_[i] = f;
    paths_[i] = path;
}

void file_sink::emit(record_kind kind, std::string_view /*key*/, std::string_view json) {
    const auto i = static_cast<std::size_t>(kind);
    ++counts_[i];
    if (std::FILE* f = files_[i]) {
        std::fwrite(json.data(), 1, json.size(), f);
        std::fputc('\n', f);
    }
}

void file_sink::close() {
    std::string failed;
    for (std::size_t i = 0; i < files_.size(); ++i) {
        std::FILE* f = files_[i];
        if (f == nullptr) {
            continue;
        }
        const bool bad = std::fflush(f) != 0 || std::ferror(f) != 0;
        if (f != stdout) {
            std::fclose(f);
        }
        files_[i] = nullptr;
        if (bad) {
            failed = paths_[i];
        }
    }
    if (!failed.empty()) {
        throw std::runtime_error(failed + ": write error: " + std::strerror(errno));
    }
}

} // namespace pulso
