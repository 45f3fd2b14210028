#include "util/utf8.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using assay::util::json_without_lone_surrogates;
using assay::util::utf8_prefix;
using assay::util::valid_utf8;

TEST_CASE("util::utf8_prefix") {
    // 1, 2, 1, 3, 1 and 4 bytes: a é b 写 c 😀
    const std::string text = "a\u00e9b\u5199c\U0001F600";
    CHECK(utf8_prefix(text, 100) == text);
    CHECK(utf8_prefix(text, 0).empty());
    CHECK(utf8_prefix(text, 1) == "a");
    CHECK(utf8_prefix(text, 2) == "a"); // inside é
    CHECK(utf8_prefix(text, 3) == "a\u00e9");
    CHECK(utf8_prefix(text, 5) == "a\u00e9b");
    CHECK(utf8_prefix(text, 6) == "a\u00e9b");
    CHECK(utf8_prefix(text, 8) == "a\u00e9b\u5199c");
    CHECK(utf8_prefix(text, 10) == "a\u00e9b\u5199c");
    CHECK(utf8_prefix(text, 11) == "a\u00e9b\u5199c");
    // Not UTF-8 at all: the cut is bounded, never a walk back through the whole text.
    CHECK(utf8_prefix(std::string(10, '\x80'), 8).size() == 5);
}

TEST_CASE("util::valid_utf8") {
    const std::string replacement = "\ufffd";
    CHECK(valid_utf8("plain") == "plain");
    const std::string good = "\u00e9\u5199\U0001F600";
    CHECK(valid_utf8(good) == good);
    CHECK(valid_utf8("a\xff") == "a" + replacement);
    CHECK(valid_utf8("\xe5\x86") == replacement + replacement);                   // cut short
    CHECK(valid_utf8("\xc0\xaf") == replacement + replacement);                   // overlong '/'
    CHECK(valid_utf8("\xed\xa0\x80") == replacement + replacement + replacement); // a surrogate
    CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("util::json_without_lone_surrogates") {
    CHECK(json_without_lone_surrogates(R"({"a":"x"})") == R"({"a":"x"})");
    // A pair stays; half of one, either half, becomes U+FFFD; at the end of the text too.
    CHECK(json_without_lone_surrogates(R"(["\ud83d\ude00"])") == R"(["\ud83d\ude00"])");
    CHECK(json_without_lone_surrogates(R"(["\ud800x"])") == R"(["\ufffdx"])");
    CHECK(json_without_lone_surrogates(R"(["\uDC00\ud800"])") == R"(["\ufffd\ufffd"])");
    CHECK(json_without_lone_surrogates(R"(["\ud800\ud800\udc00"])") == R"(["\ufffd\ud800\udc00"])");
    CHECK(json_without_lone_surrogates(R"("\ud800)") == R"("\ufffd)");
    // An escaped backslash before "ud800" is text, not an escape.
    CHECK(json_without_lone_surrogates(R"(["\\ud800"])") == R"(["\\ud800"])");
    CHECK(json_without_lone_surrogates(R"(["\u00e9\n\"\u12"])") == R"(["\u00e9\n\"\u12"])");
    CHECK(json_without_lone_surrogates("\\") == "\\");
    // What it returns parses where the input did not.
    const auto parsed = nlohmann::json::parse(json_without_lone_surrogates(R"({"v":"a\ud800b"})"));
    CHECK(parsed["v"].get<std::string>() == "a\ufffdb");
    CHECK(nlohmann::json::parse(R"({"v":"a\ud800b"})", nullptr, false).is_discarded());
}
