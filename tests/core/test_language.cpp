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
              std::vector<std::string>{"/usr/bin/python3", "-I", "-S", "/work/main.py"});
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
