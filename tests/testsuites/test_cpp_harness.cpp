// The C++ harness's two builds of its fixed code (testsuites/cpp/assay.hpp): the declarations a
// unit shares with the prebuilt object (between the ASSAY-SHARED markers) mean there what they
// meant when the object was built only if no macro renames one of their identifiers, so the
// header's guard must name every one of them. (How units behave with and without the object, in
// jails: tests/pipeline/test_program_executor.cpp.) And testsuites/native/send_output.c, a compile
// jail's first process, in a jail: what the shell and cat it replaces did. And the standard
// library's instances declared once (testsuites/cpp/std_instances.*).
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

TEST_CASE("testsuites/cpp/std_instances: what <cmath> and <string> send to each unit, said once") {
    // Compiled in a jail, as every unit is: each function g++ instantiates at a unit's end is
    // dumped (-fdump-tree-original). After <cmath> alone, about a hundred std::__detail ones (the
    // special math functions'); with the instances header after it, none but those it declares
    // (the inline ones, which g++ -O0 still instantiates, calling declared ones) and `__isnan`.
    // After <string>, __gnu_cxx::__stoa and __to_xstring (`std::stoi`, `std::to_string`, ...);
    // with it, none.
    const Language cpp = load_language("cpp").value();
    REQUIRE(cpp.instances_header == "std_instances.hpp");
    const std::string declared_text = read(cpp.harness_dir / cpp.instances_header);
    std::set<std::string> declared;
    const std::regex declaration(R"(ASSAY_STD_INSTANCE [A-Za-z ]+ (__[A-Za-z0-9_]+)<)");
    for (auto it = std::sregex_iterator(declared_text.begin(), declared_text.end(), declaration);
         it != std::sregex_iterator(); ++it)
        declared.insert((*it)[1].str());
    CHECK(declared.size() > 40);
    // The names of the functions `unit` instantiates in `space` (std::__detail::, __gnu_cxx::).
    const auto instantiated = [&](const std::string& unit, const std::string& space) {
        sandbox::SpawnSpec s = cpp.spawn_spec(
            {"/bin/sh", "-c",
             "cd /work && /usr/bin/g++ -std=c++17 -O0 -fdump-tree-original -c unit.cpp -o unit.o "
             "&& cat unit.cpp.*.original"});
        s.limits = cpp.compile_limits;
        s.files.emplace_back("unit.cpp", unit);
        const sandbox::RunResult r = sandbox::run(s);
        CAPTURE(r.stderr_text);
        REQUIRE(r.exit_code == 0);
        std::vector<std::string> names;
        const std::regex function(";; Function [^\\n]*[ *&]" + space + "(__[A-Za-z0-9_]+)\\(");
        for (auto it = std::sregex_iterator(r.stdout_text.begin(), r.stdout_text.end(), function);
             it != std::sregex_iterator(); ++it)
            names.push_back((*it)[1].str());
        return names;
    };
    const std::string instances =
        "#include \"/assay/std_instances.hpp\"\n"
        "#if defined(ASSAY_STD_INSTANCE) || defined(ASSAY_STD_SPECFUN) || "
        "defined(ASSAY_STD_STRINGS) || defined(ASSAY_STD_STOA) || "
        "defined(ASSAY_STD_STOF)\n"
        "#error a macro left\n#endif\n";
    CHECK(instantiated("#include <cmath>\n", "std::__detail::").size() > 90);
    const std::vector<std::string> left =
        instantiated("#include <cmath>\n" + instances, "std::__detail::");
    CHECK(left.size() < 20);
    for (const std::string& name : left) {
        CAPTURE(name);
        CHECK((declared.count(name) == 1 || name == "__isnan"));
    }
    // (__gnu_cxx's own inline functions are parsed, and dumped, in every unit: not these.)
    const auto conversions = [&](const std::string& unit) {
        std::size_t n = 0;
        for (const std::string& name : instantiated(unit, "__gnu_cxx::"))
            n += name == "__stoa" || name == "__to_xstring" ? 1 : 0;
        return n;
    };
    CHECK(conversions("#include <string>\n") > 10);
    CHECK(conversions("#include <string>\n" + instances) == 0);
    // Without those headers it declares nothing, so it shows none of their names: a program's
    // own `beta` is not ambiguous with std::beta.
    CHECK(
        instantiated("#include <vector>\n" + instances +
                         "using namespace std;\ndouble beta(double a, double b) { return a + b; }\n"
                         "double x = beta(1.0, 2.0);\n",
                     "std::__detail::")
            .empty());
}

TEST_CASE("testsuites/cpp/std_instances: the archive is compiled as the descriptor compiles") {
    // The archive's code stands in for what each unit would have instantiated itself, so it is
    // compiled with the descriptor's standard and optimisation level.
    const Language cpp = load_language("cpp").value();
    const std::string cmake = read(project_root() / "CMakeLists.txt");
    const std::regex command(R"(/usr/bin/g\+\+ ([^\n]*) -c \$\{ASSAY_CPP_INSTANCES\}\.sources)");
    std::smatch found;
    REQUIRE(std::regex_search(cmake, found, command));
    std::vector<std::string> flags;
    for (const std::string& word : cpp.compile)
        if (word.starts_with("-std=") || word.starts_with("-O")) flags.push_back(word);
    CHECK(flags == std::vector<std::string>{"-std=c++17", "-O0"});
    std::string joined;
    for (const std::string& flag : flags)
        joined += (joined.empty() ? "" : " ") + flag;
    CHECK(found[1].str() == joined);
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
