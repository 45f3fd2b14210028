// A channel a jailed program writes and the supervisor reads while it runs: one end of a stream
// socket pair goes to the program, the other stays here. What the program has written is then
// in this side's receive queue: it cannot take it back, truncate or rewrite it, as it could a
// file or a memfd, nor read it back, as it could a pipe it reopens through /proc/self/fd (a
// socket cannot be reopened). The runner's records travel this way (pipeline/program_executor),
// so a later case cannot erase an earlier case's result.
#pragma once

#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstddef>
#include <string>

namespace assay::sandbox {

class Inbox {
  public:
    // An inbox keeping the first `cap` bytes; what comes after is read and dropped (so the
    // writer never blocks on a full queue) and `truncated` says so.
    static Expected<Inbox> make(std::size_t cap);

    // The program's end, to pass as one of its descriptors (this side keeps it open: a writer
    // never sees its reader gone).
    [[nodiscard]] int program_end() const { return program_.get(); }
    // This side's end for poll(), -1 once the last writer has closed its end.
    [[nodiscard]] int fd() const { return open_ ? ours_.get() : -1; }

    // Reads what has arrived, without blocking, and at most about 1 MiB: a writer as fast as
    // this side cannot keep the caller from its deadlines.
    void pull();
    // Reads everything that has arrived, once every writer is gone (at most the cap and a
    // queue's worth more, should one not be).
    void drain();

    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] bool truncated() const { return truncated_; }

  private:
    Inbox() = default;
    void read_some(std::size_t chunks);
    util::Fd ours_;
    util::Fd program_;
    std::size_t cap_ = 0;
    std::string text_;
    bool truncated_ = false;
    bool open_ = true;
};

} // namespace assay::sandbox
