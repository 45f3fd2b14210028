#include "core/language.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <doctest/doctest.h>

namespace fs = std::filesystem;
using namespace assay;

TEST_CASE("core::load_language") {
    SUBCASE("the python descriptor") {
        auto lang = load_language("python");
        REQUIRE(lang);
        CHECK(lang->run_argv() ==
              std::vector<std::string>{"/usr/bin/python3", "-s", "-P", "-S", "/work/main.py"});
        CHECK(lang->limits.cpu_ms > 0);
        CHECK_FALSE(lang->zygote.empty());
    }
    SUBCASE("a missing descriptor names its file") {
        auto lang = load_language("cobol");
        REQUIRE_FALSE(lang);
        CHECK(lang.error().where.find("languages/cobol.toml") != std::string::npos);
    }
    SUBCASE("a bad limit names its line") {
        testing::TempDir dir;
        dir.write("languages/x.toml", "name = \"x\"\nsource_file = \"a\"\nrun = [\"/bin/true\"]\n"
                                      "[limits]\ncpu_ms = -1\n");
        auto lang = load_language("x", dir.path());
        REQUIRE_FALSE(lang);
        CHECK(lang.error().where == (dir / "languages/x.toml").string() + ":5");
    }
    SUBCASE("the keys for replies and benchmark formats") {
        auto lang = load_language("python");
        REQUIRE(lang);
        CHECK(lang->grammar == "python");
        CHECK(lang->title == "Python");
        CHECK(lang->extensions == std::vector<std::string>{".py"});
        CHECK(lang->fence_tags ==
              std::vector<std::string>{"python", "py", "python3", "py3", "ipython"});
        CHECK(std::find(lang->code_starts.begin(), lang->code_starts.end(), "def ") !=
              lang->code_starts.end());
        CHECK(lang->problem_formats == std::vector<std::string>{"humaneval", "mbpp"});
    }
    SUBCASE("a descriptor without a title is called by its name") {
        testing::TempDir dir;
        dir.write("languages/x.toml", "name = \"x\"\nsource_file = \"a\"\nrun = [\"/bin/true\"]\n");
        auto lang = load_language("x", dir.path());
        REQUIRE(lang);
        CHECK(lang->title == "x");
    }
    SUBCASE("a key of the wrong type names its file and line") {
        const std::string head = "name = \"x\"\nsource_file = \"a\"\nrun = [\"/bin/true\"]\n";
        const auto where_of = [&](const std::string& rest) {
            testing::TempDir dir;
            dir.write("languages/x.toml", head + rest);
            auto lang = load_language("x", dir.path());
            REQUIRE_FALSE(lang);
            return std::pair{lang.error().where.substr((dir / "languages/x.toml").string().size()),
                             lang.error().message};
        };
        CHECK(where_of("fence_tags = \"py\"\n") ==
              std::pair<std::string, std::string>{":4", "'fence_tags' must be an array"});
        CHECK(where_of("code_starts = [\n  \"def \",\n  3,\n]\n") ==
              std::pair<std::string, std::string>{":6", "'code_starts' must hold strings"});
        CHECK(where_of("\nproblem_formats = {}\n") ==
              std::pair<std::string, std::string>{":5", "'problem_formats' must be an array"});
        CHECK(where_of("title = 3\n") ==
              std::pair<std::string, std::string>{":4", "'title' must be a string"});
        CHECK(where_of("grammar = 3\n") ==
              std::pair<std::string, std::string>{":4", "'grammar' must be a string"});
        CHECK(where_of("harness = [\"t\"]\n") ==
              std::pair<std::string, std::string>{":4", "'harness' must be a string"});
        CHECK(where_of("jail = 1\n") ==
              std::pair<std::string, std::string>{":4", "'jail' must be a table"});
        CHECK(where_of("syntax_gate = \"no\"\n") ==
              std::pair<std::string, std::string>{":4", "'syntax_gate' must be true or false"});
        CHECK(where_of("[jail]\nrandomize_addresses = \"no\"\n") ==
              std::pair<std::string, std::string>{":5",
                                                  "'randomize_addresses' must be true or false"});
        CHECK(where_of("header_line = \"(\"\n").first == ":4");
        CHECK(where_of("[programs]\nrunner = \"r\"\n").second == "missing key 'judge'");
        CHECK(where_of("compile = [\"cc\"]\n\nuse_object = [\"{object}\"]\n") ==
              std::pair<std::string, std::string>{":6", "'use_object' needs 'compile_object' too"});
        CHECK(where_of("compile = [\"cc\"]\ncompile_object = [\"cc\", \"-c\"]\n") ==
              std::pair<std::string, std::string>{":5", "'compile_object' needs 'use_object' too"});
        CHECK(where_of("compile_object = [\"cc\"]\nuse_object = [\"{object}\"]\n") ==
              std::pair<std::string, std::string>{":4", "'compile_object' needs 'compile'"});
        CHECK(where_of("compile = [\"cc\"]\nsupport_flags = [\"-DX\"]\n") ==
              std::pair<std::string, std::string>{":5", "'support_flags' needs 'support_object'"});
        CHECK(where_of("compile = [\"cc\"]\nsupport_object = \"s.o\"\n") ==
              std::pair<std::string, std::string>{":5", "'support_object' needs 'native'"});
        CHECK(where_of("native = \"n\"\nsupport_object = \"s.o\"\n") ==
              std::pair<std::string, std::string>{":5", "'support_object' needs 'compile'"});
        CHECK(where_of("native = \"n\"\ncompile = [\"cc\"]\nsupport_object = \"../s.o\"\n") ==
              std::pair<std::string, std::string>{
                  ":6", "'support_object' must be a file name in the native directory"});
        // The library's instances: a header for the harness, an archive in the native directory.
        const std::string compiled =
            "native = \"n\"\nharness = \"h\"\ncompile = [\"cc\"]\nprecompile = [\"cc\"]\n"
            "compile_object = [\"cc\", \"-c\"]\nuse_object = [\"{object}\"]\n";
        CHECK(where_of(compiled + "instances_header = \"i.hpp\"\n") ==
              std::pair<std::string, std::string>{":10",
                                                  "'instances_header' needs 'instances_archive'"});
        CHECK(where_of(compiled + "instances_archive = \"i.a\"\n") ==
              std::pair<std::string, std::string>{":10",
                                                  "'instances_archive' needs 'instances_header'"});
        CHECK(
            where_of(compiled + "instances_header = \"../i.hpp\"\ninstances_archive = \"i.a\"\n") ==
            std::pair<std::string, std::string>{
                ":10", "'instances_header' must be a file name in the harness directory"});
        CHECK(
            where_of(compiled + "instances_header = \"i.hpp\"\ninstances_archive = \"a/i.a\"\n") ==
            std::pair<std::string, std::string>{
                ":11", "'instances_archive' must be a file name in the native directory"});
        CHECK(where_of("native = \"n\"\nharness = \"h\"\ncompile = [\"cc\"]\n"
                       "instances_header = \"i.hpp\"\ninstances_archive = \"i.a\"\n") ==
              std::pair<std::string, std::string>{":7", "'instances_header' needs 'precompile'"});
        CHECK(where_of("native = \"n\"\ncompile = [\"cc\"]\nprecompile = [\"cc\"]\n"
                       "instances_header = \"i.hpp\"\ninstances_archive = \"i.a\"\n") ==
              std::pair<std::string, std::string>{":7", "'instances_header' needs 'harness'"});
        CHECK(where_of("native = \"n\"\nharness = \"h\"\ncompile = [\"cc\"]\n"
                       "precompile = [\"cc\"]\n"
                       "instances_header = \"i.hpp\"\ninstances_archive = \"i.a\"\n") ==
              std::pair<std::string, std::string>{":9", "'instances_archive' needs 'use_object'"});
    }
    SUBCASE("C++ compiles in its own jail; JavaScript does not compile; both run two programs") {
        const auto cpp = load_language("cpp");
        REQUIRE(cpp);
        CHECK(cpp->compile_argv() == std::vector<std::string>{"/usr/bin/g++", "-std=c++17", "-O0",
                                                              "-pipe", "-fuse-ld=gold", "-o",
                                                              "/work/program", "main.cpp"});
        CHECK(cpp->run_argv() == std::vector<std::string>{"/work/program"});
        CHECK(cpp->compile_limits.memory_mb > cpp->limits.memory_mb);
        CHECK_FALSE(cpp->syntax_gate);
        // A compiled program's undefined behaviour reads the same memory in every run.
        CHECK_FALSE(cpp->randomize_addresses);
        CHECK_FALSE(cpp->spawn_spec(cpp->run_argv()).randomize_addresses);
        CHECK(cpp->gate_grammar().empty());
        // Its programs' fork server executes each compiled runner and judge.
        CHECK(cpp->zygote == std::vector<std::string>{"/assay-native/exec_server"});
        CHECK(cpp->native_dir.filename() == "cpp");
        // The compile jail's environment is the jail's, with the compile shim preloaded.
        for (const std::string& entry : cpp->env)
            if (!entry.starts_with("GLIBC_TUNABLES="))
                CHECK(std::find(cpp->compile_env.begin(), cpp->compile_env.end(), entry) !=
                      cpp->compile_env.end());
        CHECK(std::find(cpp->compile_env.begin(), cpp->compile_env.end(),
                        "LD_PRELOAD=/assay-native/compile_shim.so") != cpp->compile_env.end());
        CHECK(cpp->programs.runner == "runner.cpp.in");
        CHECK_FALSE(cpp->precompile.empty());
        CHECK(cpp->use_object == std::vector<std::string>{"{object}"});
        // The harness's fixed code is an object the build made, where it put the fork server.
        CHECK(cpp->support_object == "assay_support.o");
        CHECK(std::filesystem::is_regular_file(cpp->native_dir / cpp->support_object));
        CHECK(cpp->support_flags == std::vector<std::string>{"-DASSAY_SUPPORT_LINKED"});
        // The library's instances: the header the harness has, the archive the build made.
        CHECK(std::filesystem::is_regular_file(cpp->harness_dir / cpp->instances_header));
        CHECK(std::filesystem::is_regular_file(cpp->native_dir / cpp->instances_archive));
        CHECK(std::find(cpp->compile_object.begin(), cpp->compile_object.end(), "-c") !=
              cpp->compile_object.end());
        const auto js = load_language("javascript");
        REQUIRE(js);
        CHECK(js->compile.empty());
        CHECK(js->compile_env.empty());
        CHECK(js->randomize_addresses);
        CHECK(js->run_argv() == std::vector<std::string>{"/usr/bin/node", "/work/main.js"});
        CHECK(js->gate_grammar() == "javascript");
        CHECK(js->programs.judge == "judge.js.in");
        // With [programs], the zygote is the programs' fork server.
        CHECK(js->zygote ==
              std::vector<std::string>{"/usr/bin/node", "--single-threaded", "/assay/zygote.js"});
        CHECK(js->native_dir.filename() == "javascript");
    }
}

namespace {

// A project root with one descriptor per (name, body).
void write_languages(const testing::TempDir& dir,
                     const std::vector<std::pair<std::string, std::string>>& descriptors) {
    for (const auto& [name, body] : descriptors)
        dir.write("languages/" + name + ".toml",
                  "source_file = \"main\"\nrun = [\"/bin/true\"]\n" + body);
}

} // namespace

TEST_CASE("core::load_languages and the descriptor that claims something") {
    testing::TempDir dir;
    write_languages(dir, {{"snake", "extensions = [\".sn\", \".snk\"]\ngrammar = \"python\"\n"
                                    "problem_formats = [\"humaneval\"]\n"},
                          {"curly", "extensions = [\".cy\"]\ngrammar = \"javascript\"\n"}});
    SUBCASE("every descriptor, in name order") {
        auto all = load_languages(dir.path());
        REQUIRE(all);
        REQUIRE(all->size() == 2);
        CHECK(all->at(0).name == "curly");
        CHECK(all->at(1).name == "snake");
    }
    SUBCASE("by a file's extension") {
        CHECK(language_for_file("/tmp/a.snk", dir.path())->name == "snake");
        CHECK(language_for_file("b.cy", dir.path())->name == "curly");
        const auto unknown = language_for_file("/tmp/prog.rb", dir.path());
        REQUIRE_FALSE(unknown);
        CHECK(unknown.error().where == "/tmp/prog.rb");
        CHECK(unknown.error().message.find("'.rb'") != std::string::npos);
        CHECK(unknown.error().message.find(".sn (snake)") != std::string::npos);
        CHECK_FALSE(language_for_file("/tmp/Makefile", dir.path()));
    }
    SUBCASE("by a benchmark format, by a grammar") {
        CHECK(language_for_format("humaneval", dir.path())->name == "snake");
        CHECK_FALSE(language_for_format("mbpp", dir.path()));
        CHECK(language_for_grammar("javascript", dir.path())->name == "curly");
        CHECK_FALSE(language_for_grammar("cpp", dir.path()));
    }
    SUBCASE("two descriptors claiming one extension or format") {
        write_languages(dir, {{"twin", "extensions = [\".cy\"]\n"}});
        const auto clash = load_languages(dir.path());
        REQUIRE_FALSE(clash);
        CHECK(clash.error().where == (dir / "languages/twin.toml").string());
        CHECK(clash.error().message == "extension '.cy' is claimed by 'curly' too");
        write_languages(dir, {{"twin", "problem_formats = [\"humaneval\"]\n"}});
        CHECK(load_languages(dir.path()).error().message ==
              "problem format 'humaneval' is claimed by 'snake' too");
    }
    SUBCASE("the project's own descriptors") {
        auto all = load_languages();
        REQUIRE(all);
        CHECK(language_for_file("x.py")->name == load_language("python")->name);
        CHECK(language_for_format("mbpp")->name == "python");
    }
}

TEST_CASE("core::Language::spawn_spec binds a harness the jail user can reach") {
    // A checkout under a private directory (mkdtemp makes it 0700, like many homes): the jail's
    // mounts run with the jail's file ids, so the harness is bound from a world-readable copy.
    testing::TempDir dir;
    REQUIRE((fs::status(dir.path()).permissions() & fs::perms::others_exec) == fs::perms::none);
    fs::copy(project_root() / "languages", dir / "languages", fs::copy_options::recursive);
    fs::copy(project_root() / "testsuites", dir / "testsuites", fs::copy_options::recursive);
    auto lang = load_language("python", dir.path());
    REQUIRE(lang);
    const auto spec = lang->spawn_spec(lang->zygote);
    const auto harness = std::find_if(spec.binds.begin(), spec.binds.end(),
                                      [](const sandbox::Bind& b) { return b.jail == "/assay"; });
    REQUIRE(harness != spec.binds.end());
    CHECK(harness->host.rfind(dir.path().string(), 0) != 0);
    CHECK(fs::exists(fs::path(harness->host) / "zygote.py"));
    CHECK((fs::status(harness->host).permissions() & fs::perms::others_exec) != fs::perms::none);
    const auto r = sandbox::run(lang->spawn_spec(
        {"/usr/bin/python3", "-I", "-S", "-c", "print(len(open('/assay/zygote.py').read()) > 0)"}));
    CHECK(r.verdict == Verdict::ok);
    CHECK(r.stdout_text == "True\n");
}
