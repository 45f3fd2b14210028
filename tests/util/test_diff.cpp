#include "util/diff.hpp"

#include <doctest/doctest.h>

using assay::util::unified_diff;

TEST_CASE("util::unified_diff") {
    SUBCASE("equal texts give nothing") {
        CHECK(unified_diff("a\nb\n", "a\nb\n").empty());
    }
    SUBCASE("one changed line with context") {
        const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        const std::string after = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
        CHECK(unified_diff(before, after, "a/x.py", "b/x.py") ==
              "--- a/x.py\n+++ b/x.py\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
    }
    SUBCASE("distant changes make separate hunks, close ones merge") {
        std::string before;
        for (int i = 1; i <= 20; ++i)
            before += std::to_string(i) + "\n";
        std::string after = before;
        after.replace(after.find("2\n"), 2, "two\n");
        after.replace(after.find("\n18\n") + 1, 3, "eighteen\n");
        const std::string diff = unified_diff(before, after, "a", "b", 1);
        CHECK(diff == "--- a\n+++ b\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n"
                      "@@ -17,3 +17,3 @@\n 17\n-18\n+eighteen\n 19\n");
        const std::string merged = unified_diff("a\nb\nc\nd\n", "A\nb\nc\nD\n", "a", "b", 1);
        CHECK(merged == "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n-d\n+D\n");
    }
    SUBCASE("insertion into and deletion from nothing") {
        CHECK(unified_diff("", "x\ny\n") == "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
        CHECK(unified_diff("x\n", "") == "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n");
    }
    SUBCASE("a missing final newline is marked") {
        CHECK(unified_diff("a\nb", "a\nc") ==
              "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
              "\\ No newline at end of file\n");
    }
}
