#include "report/html.hpp"

#include <doctest/doctest.h>

using namespace assay;

TEST_CASE("report::escape") {
    CHECK(report::escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK(report::escape("a & \"b\" 'c'") == "a &amp; &quot;b&quot; &#39;c&#39;");
    CHECK(report::escape("é ✓") == "é ✓");
    CHECK(report::escape(std::string("x\xff", 2)) == "x\xEF\xBF\xBD");
    CHECK(report::escape("") == "");
}

TEST_CASE("report::number and percent") {
    CHECK(report::number(12.345, 1) == "12.3");
    CHECK(report::number(3) == "3");
    CHECK(report::percent(1, 3) == "33.3%");
    CHECK(report::percent(0, 0) == "–");
}
