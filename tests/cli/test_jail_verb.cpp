// Black-box: the built `assay` binary's jail and doctor verbs.
#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Ran {
    int exit_code;
    std::string out;
};

Ran assay(const std::string& args) {
    const std::string command = std::string(ASSAY_BINARY) + " " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string program(const std::string& name, const std::string& code) {
    const std::string path = "/tmp/assay-cli-test-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path) << code;
    return path;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::jail prints one JSON verdict") {
        const std::string file = program("ok.py", "import sys\nprint('hi', sys.argv[1:])\n");
        const Ran r = assay("jail --json " + file + " -- a b");
        std::remove(file.c_str());
        REQUIRE(r.exit_code == 0);
        const auto json = nlohmann::json::parse(r.out);
        CHECK(json["verdict"] == "ok");
        CHECK(json["stdout"] == "hi ['a', 'b']\n");
        CHECK(json["jail"] == "strict");
        for (const char* key :
             {"exit_code", "signal", "cpu_ms", "wall_ms", "peak_rss_kb", "stderr",
              "stdout_truncated", "stderr_truncated", "forbidden_syscall", "message"})
            CHECK(json.contains(key));
    }
    TEST_CASE("cli::jail output that is not UTF-8, or cut inside a character") {
        const std::string file =
            program("bytes.py", "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe raw\\n')\n"
                                "sys.stdout.flush()\nsys.stderr.write('\\u5199' * 3000000)\n");
        const Ran r = assay("jail --json " + file);
        std::remove(file.c_str());
        REQUIRE_MESSAGE(r.exit_code == 0, r.out.substr(0, 300));
        const auto json = nlohmann::json::parse(r.out);
        CHECK(json["stdout"] == "\ufffd\ufffd raw\n");
        CHECK(json["stderr_truncated"] == true);
    }
    TEST_CASE("cli::jail limits and verdicts") {
        const std::string file = program("spin.py", "while True: pass\n");
        const Ran r = assay("jail --json --time-limit 0.5 " + file);
        std::remove(file.c_str());
        REQUIRE(r.exit_code == 0);
        CHECK(nlohmann::json::parse(r.out)["verdict"] == "timeout");
    }
    TEST_CASE("cli::jail bad input") {
        const Ran missing = assay("jail /nonexistent/prog.py");
        CHECK(missing.exit_code == 2);
        CHECK(missing.out.find("/nonexistent/prog.py") != std::string::npos);
        const Ran lang = assay("jail --lang cobol /etc/hostname");
        CHECK(lang.exit_code == 2);
        CHECK_MESSAGE(lang.out.find("unknown --lang 'cobol' (known: cpp, javascript or python)") !=
                          std::string::npos,
                      lang.out);
        const Ran typo = assay("jail --lang pyhton /etc/hostname");
        CHECK(typo.exit_code == 2);
        CHECK_MESSAGE(typo.out.find("did you mean 'python'?") != std::string::npos, typo.out);
    }
    TEST_CASE("cli::jail picks the language by the file's extension; --lang overrides") {
        const std::string py = program("hello.py", "print('by extension')\n");
        const Ran by_extension = assay("jail --json " + py);
        std::remove(py.c_str());
        REQUIRE_MESSAGE(by_extension.exit_code == 0, by_extension.out);
        CHECK(nlohmann::json::parse(by_extension.out)["stdout"] == "by extension\n");

        const std::string txt = program("hello.txt", "print('by --lang')\n");
        const Ran unknown = assay("jail --json " + txt);
        CHECK(unknown.exit_code == 2);
        CHECK(unknown.out.find(txt) != std::string::npos);
        CHECK(unknown.out.find("'.txt'") != std::string::npos);
        CHECK(unknown.out.find(".py (python)") != std::string::npos);
        const Ran named = assay("jail --json --lang python " + txt);
        std::remove(txt.c_str());
        REQUIRE_MESSAGE(named.exit_code == 0, named.out);
        CHECK(nlohmann::json::parse(named.out)["stdout"] == "by --lang\n");

        const std::string bare = program("hello", "print('no extension')\n");
        const Ran none = assay("jail --json " + bare);
        std::remove(bare.c_str());
        CHECK(none.exit_code == 2);
        CHECK(none.out.find("--lang") != std::string::npos);
    }
    TEST_CASE("cli::jail compiles C++ in a jail of its own, then runs it; runs JavaScript") {
        const std::string cpp =
            program("hello.cpp", "#include <cstdio>\nint main() { std::puts(\"c++\"); }\n");
        const Ran ran = assay("jail --json " + cpp);
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.out);
        CHECK(nlohmann::json::parse(ran.out)["verdict"] == "ok");
        CHECK(nlohmann::json::parse(ran.out)["stdout"] == "c++\n");
        const std::string broken = program("broken.cpp", "int main() {\n  return x;\n}\n");
        const Ran failed = assay("jail --json " + broken);
        std::remove(cpp.c_str());
        std::remove(broken.c_str());
        REQUIRE_MESSAGE(failed.exit_code == 0, failed.out);
        const auto verdict = nlohmann::json::parse(failed.out);
        CHECK(verdict["verdict"] == "compile_error");
        CHECK(verdict["message"].get<std::string>().find("main.cpp:2:10: error:") == 0);
        const std::string js =
            program("hello.js", "console.log([1, 2].map(x => x * 2).join(','))\n");
        const Ran node = assay("jail --json " + js);
        std::remove(js.c_str());
        REQUIRE_MESSAGE(node.exit_code == 0, node.out);
        CHECK(nlohmann::json::parse(node.out)["stdout"] == "2,4\n");
    }
    TEST_CASE("cli::doctor reports the probe") {
        const Ran r = assay("doctor --json");
        REQUIRE(r.exit_code == 0);
        const auto json = nlohmann::json::parse(r.out);
        CHECK(json.contains("jail"));
        CHECK(json["checks"].size() >= 10);
    }
}
