#include "util/file.hpp"

#include "util/fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace assay::util {

Expected<std::string> read_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        const int error = errno;
        if (error == ENOENT) return fail_at(path, "no such file");
        if (error == ENOTDIR || error == ELOOP || error == ENAMETOOLONG)
            return fail_at(path, "cannot read: {}", std::strerror(error));
        return fail_env_at(path, "cannot read: {}", std::strerror(error));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail_env_at(path, "stat: {}", std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail_at(path, "{}", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n == 0) return out;
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_env_at(path, "read error: {}", std::strerror(errno));
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

Expected<void> write_control_file(const std::string& path, std::string_view text) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail_env("open {}: {}", path, std::strerror(errno));
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()))
        return fail_env("write '{}' to {}: {}", text, path, std::strerror(n < 0 ? errno : EIO));
    return {};
}

} // namespace assay::util
