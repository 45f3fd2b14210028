#include "sandbox/jail.hpp"
#include "sandbox/mounts.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <sys/mount.h>

namespace sandbox = assay::sandbox;
using Kind = sandbox::MountOp::Kind;

TEST_CASE("sandbox::plan_mounts") {
    sandbox::SpawnSpec spec;
    spec.argv = {"/usr/bin/python3"};
    spec.binds = {{"/usr/lib", "/usr/lib"}, {"/usr/bin", "/usr/bin"}, {"/bin", "/bin"}};
    spec.files = {{"main.py", "print(1)"}};
    auto plan = sandbox::plan_mounts(spec);
    REQUIRE(plan);
    const std::string& root = plan->root;
    auto find = [&](Kind kind, const std::string& target) {
        return std::find_if(plan->ops.begin(), plan->ops.end(), [&](const sandbox::MountOp& op) {
            return op.kind == kind && op.target == root + target;
        });
    };
    CHECK(plan->ops.front().kind == Kind::tmpfs);
    CHECK(plan->ops.front().target == root);
    REQUIRE(find(Kind::bind, "/usr/bin") != plan->ops.end());
    CHECK((find(Kind::bind, "/usr/bin")->flags & MS_RDONLY) != 0);
    CHECK(find(Kind::mkdir, "/usr") < find(Kind::mkdir, "/usr/bin"));
    // bookworm: /bin is a symlink and stays one
    if (std::filesystem::is_symlink("/bin")) CHECK(find(Kind::symlink, "/bin") != plan->ops.end());
    CHECK(find(Kind::tmpfs, "/work")->source.find("size=64m,nr_inodes=4096") == 0);
    CHECK(find(Kind::write, "/work/main.py")->content == &spec.files[0].second);
    CHECK(find(Kind::proc, "/proc") != plan->ops.end());
    CHECK(find(Kind::bind, "/dev/null") != plan->ops.end());
    CHECK(plan->workdir == "/work");

    SUBCASE("the staging root avoids bind sources") {
        spec.binds.push_back({"/tmp", "/hosttmp", true});
        auto other = sandbox::plan_mounts(spec);
        REQUIRE(other);
        CHECK(other->root != "/tmp");
    }
    SUBCASE("bad targets and names") {
        spec.binds.push_back({"/usr/lib", "relative"});
        CHECK_FALSE(sandbox::plan_mounts(spec));
    }
}
