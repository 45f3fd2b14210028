#include "util/file.hpp"

#include "util/fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace assay::util {

Expected<void> write_control_file(const std::string& path, std::string_view text) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail_env("open {}: {}", path, std::strerror(errno));
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()))
        return fail_env("write '{}' to {}: {}", text, path, std::strerror(n < 0 ? errno : EIO));
    return {};
}

} // namespace assay::util
