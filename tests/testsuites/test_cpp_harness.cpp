// The C++ harness's two builds of its fixed code (testsuites/cpp/assay.hpp): the declarations a
// unit shares with the prebuilt object (between the ASSAY-SHARED markers) mean there what they
// meant when the object was built only if no macro renames one of their identifiers, so the
// header's guard must name every one of them. (How units behave with and without the object, in
// jails: tests/pipeline/test_program_executor.cpp.) And testsuites/native/send_output.c, a compile
// jail's first process, in a jail: what the shell and cat it replaces did.
#include "core/language.hpp"
#include "sandbox/jail.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace assay;

namespace {

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The identifiers of `code`, outside comments and character or string literals.
std::set<std::string> identifiers(std::string code) {
    code = std::regex_replace(code, std::regex(R"(//[^\n]*)"), "");
    code = std::regex_replace(code, std::regex(R"("(\\.|[^"\\])*")"), "\"\"");
    code = std::regex_replace(code, std::regex(R"('(\\.|[^'\\])*')"), "''");
    std::set<std::string> out;
    const std::regex word(R"([A-Za-z_][A-Za-z0-9_]*)");
    for (auto it = std::sregex_iterator(code.begin(), code.end(), word);
         it != std::sregex_iterator(); ++it)
        out.insert(it->str());
    return out;
}

} // namespace

TEST_CASE("testsuites/cpp: the guard names every identifier the object's declarations share") {
    const std::string header = read(project_root() / "testsuites/cpp/assay.hpp");
    const std::size_t begin = header.find("// ASSAY-SHARED-BEGIN");
    const std::size_t end = header.find("// ASSAY-SHARED-END");
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    REQUIRE(begin < end);
    std::set<std::string> shared = identifiers(header.substr(begin, end - begin));
    // And the namespaces the declarations are in: `assay`, then the mode's own.
    const std::regex mode(R"(#define ASSAY_MODE ([A-Za-z_][A-Za-z0-9_]*))");
    for (auto it = std::sregex_iterator(header.begin(), header.end(), mode);
         it != std::sregex_iterator(); ++it)
        shared.insert((*it)[1].str());
    CHECK(shared.count("linked__") == 1);
    CHECK(shared.count("local__") == 1);
    REQUIRE(header.find("namespace assay {\ninline namespace ASSAY_MODE {") != std::string::npos);
    shared.insert({"namespace", "assay", "inline"});
    CHECK(shared.count("Text") == 1);
    CHECK(shared.count("record") == 1);
    CHECK(shared.count("layout_seen") == 1);

    const std::string opening = "#if defined(ASSAY_SUPPORT_LINKED) && (";
    const std::size_t guard = header.find(opening);
    REQUIRE(guard != std::string::npos);
    CHECK(guard < begin);
    const std::size_t guard_end = header.find("#undef ASSAY_SUPPORT_LINKED", guard);
    REQUIRE(guard_end != std::string::npos);
    const std::string condition = header.substr(guard, guard_end - guard);
    std::set<std::string> guarded;
    const std::regex defined(R"(defined\(([A-Za-z_][A-Za-z0-9_]*)\))");
    for (auto it = std::sregex_iterator(condition.begin(), condition.end(), defined);
         it != std::sregex_iterator(); ++it)
        guarded.insert((*it)[1].str());

    for (const std::string& name : shared) {
        // The header's own macros and the preprocessor's words are not the declarations'.
        if (name.starts_with("ASSAY_") || name == "define" || name == "ifdef" || name == "endif")
            continue;
        CAPTURE(name);
        CHECK(guarded.count(name) == 1);
    }
}

TEST_CASE("testsuites/cpp: the object's definitions are no templates, and only it defines them") {
    // What depends on the program's types stays in the header (compiled in each unit); the
    // definitions file is included by the header only when the unit does not link the object.
    const std::string inl = read(project_root() / "testsuites/cpp/assay_support.inl");
    CHECK(identifiers(inl).count("template") == 0);
    const std::string header = read(project_root() / "testsuites/cpp/assay.hpp");
    const std::size_t included = header.find("#include \"assay_support.inl\"");
    REQUIRE(included != std::string::npos);
    CHECK(header.rfind("#ifndef ASSAY_SUPPORT_LINKED", included) != std::string::npos);
    const std::string object = read(project_root() / "testsuites/cpp/assay_support.cpp");
    CHECK(object.find("#define ASSAY_SUPPORT_LINKED") < object.find("#include \"assay.hpp\""));
}

TEST_CASE("testsuites/native/send_output: the command's output on stderr, then the file's") {
    const Language cpp = load_language("cpp").value();
    REQUIRE_FALSE(cpp.send_output.empty());
    REQUIRE(std::filesystem::is_regular_file(cpp.native_dir / cpp.send_output));
    const auto run = [&](std::vector<std::string> command) {
        std::vector<std::string> argv{"/assay-native/" + cpp.send_output, "/work/made"};
        argv.insert(argv.end(), command.begin(), command.end());
        return sandbox::run(cpp.spawn_spec(argv));
    };
    SUBCASE("success: the file on stdout, the command's stdout and stderr on stderr") {
        const auto r = run(
            {"/bin/sh", "-c", "printf 'bytes\\0of it' > /work/made; echo said; echo warned >&2"});
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.exit_code == 0);
        CHECK(r.stdout_text == std::string("bytes\0of it", 11));
        CHECK(r.stderr_text == "said\nwarned\n");
    }
    SUBCASE("a failed command: its status, nothing on stdout") {
        const auto r = run({"/bin/sh", "-c", "echo made > /work/made; echo broken >&2; exit 3"});
        CHECK(r.exit_code == 3);
        CHECK(r.stdout_text.empty());
        CHECK(r.stderr_text == "broken\n");
    }
    SUBCASE("a command killed by a signal: 128 + its number, as the shell's") {
        const auto r = run({"/bin/sh", "-c", "echo made > /work/made; kill -9 $$"});
        CHECK(r.exit_code == 128 + 9);
        CHECK(r.stdout_text.empty());
    }
    SUBCASE("a command that is not there: 127 and why") {
        const auto r = run({"/usr/bin/no-such-compiler", "-c"});
        CHECK(r.exit_code == 127);
        CHECK(r.stderr_text.find("/usr/bin/no-such-compiler: No such file or directory") !=
              std::string::npos);
    }
    SUBCASE("a command that made nothing: 1 and why, as cat's") {
        const auto r = run({"/bin/true"});
        CHECK(r.exit_code == 1);
        CHECK(r.stdout_text.empty());
        CHECK(r.stderr_text.find("/work/made: No such file or directory") != std::string::npos);
    }
}
