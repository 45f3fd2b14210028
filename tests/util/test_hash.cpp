#include "util/hash.hpp"

#include <doctest/doctest.h>

TEST_CASE("util::content_hash") {
    using assay::util::content_hash;
    CHECK(content_hash("abc").size() == 32);
    CHECK(content_hash("abc") == content_hash("abc"));
    CHECK(content_hash("abc") != content_hash("abd"));
    SUBCASE("parts are length-prefixed") {
        CHECK(assay::util::content_hash_parts({"ab", "c"}) !=
              assay::util::content_hash_parts({"a", "bc"}));
    }
}
