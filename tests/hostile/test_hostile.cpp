// The hostile corpus: every tests/hostile/*.py runs in the real jail and must end with the
// verdict its header expects, while the runner checks from the host side that nothing escaped.
//
// Header lines (all optional except `expect`):
//   # expect: VERDICT[|VERDICT]        accepted verdicts
//   # syscall: NAME                    the forbidden call the verdict must name
//   # stdout-has: TEXT / # stdout-lacks: TEXT
//   # limits: cpu_ms=N wall_ms=N memory_mb=N output_bytes=N pids=N
//   # host-check: no-file PATH         PATH must not exist on the host afterwards
//   # host-check: loopback-tcp         a 127.0.0.1 listener (port in argv[2]) gets no connection
//   # host-check: loopback-udp         a 127.0.0.1 UDP socket (port in argv[2]) gets no datagram
//   # host-check: secret               ASSAY_API_KEY in the supervisor's env appears in no output
//   # host-check: no-process           no process carrying the run's marker (argv[1]) is left
//   # host-check: sentinel             a host process of the jail's outer uid survives
// Every run also checks that its cgroup was removed and that no marked process survived.
#include "sandbox/jail.hpp"
#include "sandbox/namespaces.hpp"
#include "tests/sandbox/jail_test_support.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
namespace sandbox = assay::sandbox;

namespace {

constexpr const char* kSecret = "sk-test-4f3c2b1a-hostile-corpus-secret";

struct Header {
    std::vector<std::string> expect;
    std::string syscall;
    std::vector<std::string> stdout_has, stdout_lacks;
    std::vector<std::pair<std::string, int>> limits;
    std::vector<std::string> checks; // "no-file /tmp/x", "secret", ...
};

std::string trim(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
}

Header parse_header(const std::string& code) {
    Header h;
    std::istringstream in(code);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# ", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(2, colon - 2);
        const std::string value = trim(line.substr(colon + 1));
        if (key == "expect") {
            std::istringstream parts(value);
            for (std::string v; std::getline(parts, v, '|');)
                h.expect.push_back(trim(v));
        } else if (key == "syscall") {
            h.syscall = value;
        } else if (key == "stdout-has") {
            h.stdout_has.push_back(value);
        } else if (key == "stdout-lacks") {
            h.stdout_lacks.push_back(value);
        } else if (key == "host-check") {
            h.checks.push_back(value);
        } else if (key == "limits") {
            std::istringstream parts(value);
            for (std::string kv; parts >> kv;) {
                const auto eq = kv.find('=');
                h.limits.emplace_back(kv.substr(0, eq), std::stoi(kv.substr(eq + 1)));
            }
        }
    }
    return h;
}

bool has_check(const Header& h, const std::string& name) {
    return std::find(h.checks.begin(), h.checks.end(), name) != h.checks.end();
}

void apply_limits(sandbox::Limits& limits, const Header& h) {
    limits.cpu_ms = 2000;
    limits.wall_ms = 4000;
    limits.memory_mb = 256;
    limits.output_bytes = 64 * 1024;
    for (const auto& [key, value] : h.limits) {
        if (key == "cpu_ms")
            limits.cpu_ms = value;
        else if (key == "wall_ms")
            limits.wall_ms = value;
        else if (key == "memory_mb")
            limits.memory_mb = value;
        else if (key == "output_bytes")
            limits.output_bytes = static_cast<std::size_t>(value);
        else if (key == "pids")
            limits.pids = value;
        else
            FAIL("unknown limit " << key);
    }
}

// A loopback socket the jailed program is told about; afterwards it must have seen nothing.
class Loopback {
  public:
    explicit Loopback(int type) : fd_(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        if (type == SOCK_STREAM) REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~Loopback() { ::close(fd_); }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] bool reached(int type) const {
        if (type == SOCK_STREAM) {
            const int conn = ::accept(fd_, nullptr, nullptr);
            if (conn >= 0) ::close(conn);
            return conn >= 0;
        }
        char byte;
        return ::recv(fd_, &byte, 1, MSG_DONTWAIT) >= 0;
    }

  private:
    int fd_;
    int port_ = 0;
};

// A host process with the jail's outer uid: nothing inside may signal it.
class Sentinel {
  public:
    Sentinel() {
        pid_ = ::fork();
        if (pid_ == 0) {
            if (::getuid() == 0 && (::setgid(sandbox::outer_jail_gid()) != 0 ||
                                    ::setuid(sandbox::outer_jail_uid()) != 0))
                ::_exit(1);
            for (;;)
                ::pause();
        }
    }
    ~Sentinel() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    [[nodiscard]] bool alive() const {
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == 0;
    }

  private:
    pid_t pid_;
};

void run_program(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const std::string code = text.str();
    const Header h = parse_header(code);
    const std::string name = file.stem().string();
    CAPTURE(name);
    REQUIRE_FALSE(h.expect.empty());

    for (const std::string& check : h.checks)
        if (check.rfind("no-file ", 0) == 0) fs::remove(check.substr(8));
    std::optional<Loopback> tcp, udp;
    if (has_check(h, "loopback-tcp")) tcp.emplace(SOCK_STREAM);
    if (has_check(h, "loopback-udp")) udp.emplace(SOCK_DGRAM);
    std::optional<Sentinel> sentinel;
    if (has_check(h, "sentinel")) sentinel.emplace();

    const std::string marker = "assay-hostile-" + name + "-" + std::to_string(::getpid());
    auto spec = assay::test::python_spec(code, marker);
    spec.argv.push_back(std::to_string(tcp ? tcp->port() : udp ? udp->port() : 0));
    spec.cgroup_name = marker;
    apply_limits(spec.limits, h);
    ::setenv("ASSAY_API_KEY", kSecret, 1);
    const sandbox::RunResult r = sandbox::run(spec);
    ::unsetenv("ASSAY_API_KEY");

    const std::string verdict(assay::to_string(r.verdict));
    INFO("verdict " << verdict << " (" << r.message << ") stdout: " << r.stdout_text.substr(0, 400)
                    << " stderr: " << r.stderr_text.substr(0, 600));
    CHECK(std::find(h.expect.begin(), h.expect.end(), verdict) != h.expect.end());
    if (!h.syscall.empty()) CHECK(r.forbidden_syscall == h.syscall);
    for (const std::string& t : h.stdout_has)
        CHECK(r.stdout_text.find(t) != std::string::npos);
    for (const std::string& t : h.stdout_lacks)
        CHECK(r.stdout_text.find(t) == std::string::npos);
    CHECK(r.stdout_text.size() <= spec.limits.output_bytes);
    CHECK(r.stderr_text.size() <= spec.limits.output_bytes);

    // Always: no secret in any output, no process or cgroup left.
    CHECK(r.stdout_text.find(kSecret) == std::string::npos);
    CHECK(r.stderr_text.find(kSecret) == std::string::npos);
    CHECK(assay::test::processes_matching(marker) == 0);
    CHECK_FALSE(assay::test::cgroup_exists(marker));
    for (const std::string& check : h.checks) {
        if (check.rfind("no-file ", 0) == 0) CHECK_FALSE(fs::exists(check.substr(8)));
    }
    if (tcp) CHECK_FALSE(tcp->reached(SOCK_STREAM));
    if (udp) CHECK_FALSE(udp->reached(SOCK_DGRAM));
    if (sentinel) CHECK(sentinel->alive());
}

} // namespace

TEST_SUITE("hostile") {
    TEST_CASE("hostile::corpus") {
        const fs::path dir = fs::path(ASSAY_SOURCE_DIR) / "tests" / "hostile";
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir))
            if (entry.path().extension() == ".py") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        CHECK(files.size() >= 40);
        for (const fs::path& file : files) {
            SUBCASE(file.stem().string().c_str()) {
                run_program(file);
            }
        }
    }
}
