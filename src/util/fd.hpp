// Move-only owners of file descriptors (modelled on ccache's util::Fd).
#pragma once

#include <unistd.h>
#include <utility>

namespace assay::util {

// Owns one file descriptor and closes it on destruction.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }

    // Gives up ownership; the caller must close the returned descriptor.
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }

    // Closes the owned descriptor (if any) and takes `fd`.
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// Both ends of a pipe or socket pair.
struct FdPair {
    Fd read;
    Fd write;
};

} // namespace assay::util
