#include "pulso/detect/state_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pulso {

namespace {

std::string failure(const std::string& what, const std::string& path, int err) {
    std::string out = what;
    out.append(" ").append(path).append(": ").append(std::strerror(err));
    return out;
}

/// Closes a descriptor on scope exit.
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) {
            (void)::close(fd);
        }
    }
};

std::string directory_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? std::string("/") : path.substr(0, slash);
}

} // namespace

std::string write_state_file(const std::string& path, std::string_view bytes) {
    const std::string tmp = path + ".tmp";
    {
        fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
        if (f.fd < 0) {
            return failure("cannot create", tmp, errno);
        }
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                const int err = errno;
                (void)::unlink(tmp.c_str());
                return failure("cannot write", tmp, err);
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(f.fd) != 0) {
            const int err = errno;
            (void)::unlink(tmp.c_str());
            return failure("cannot fsync", tmp, err);
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        (void)::unlink(tmp.c_str());
        return failure("cannot rename " + tmp + " to", path, err);
    }
    const std::string dir = directory_of(path);
    fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0) {
        return failure("cannot fsync directory", dir, errno);
    }
    return {};
}

std::string check_state_directory(const std::string& path) {
    const std::string dir = directory_of(path);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        return failure("cannot write to directory", dir, errno);
    }
    return {};
}

std::optional<std::string> read_state_file(const std::string& path, std::string& error) {
    error.clear();
    fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) {
        if (errno != ENOENT) {
            error = failure("cannot open", path, errno);
        }
        return std::nullopt;
    }
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = failure("cannot read", path, errno);
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

} // namespace pulso
