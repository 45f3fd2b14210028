// Prompts as data: the shipped templates load, placeholders are checked at load with file and
// line, and rendering substitutes each value once.
#include "core/language.hpp"
#include "llm/prompts.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace assay::llm;
using assay::testing::TempDir;

namespace {

const std::vector<TemplateSpec> kSpec{{"solve", {{"user", {"entry_point", "prompt"}}}, {}}};

std::string solve_file(std::string_view user) {
    return fmt::format(
        "temperature = 0.5\nmax_tokens = 100\nsystem = 'be good'\nuser = '''\n{}'''\n", user);
}

} // namespace

TEST_CASE("llm::language_prompts: the shipped templates of every language") {
    for (const std::string language : {"python", "cpp", "javascript"}) {
        CAPTURE(language);
        const auto book = assay::llm::language_prompts(language);
        REQUIRE_MESSAGE(book, book.error().describe());
        const auto descriptor = assay::load_language(language);
        REQUIRE(descriptor.has_value());
        for (const TemplateSpec& spec : pipeline_templates()) {
            const PromptTemplate& t = book->at(spec.kind);
            CHECK(!t.system.empty());
            for (const auto& [text, names] : spec.placeholders) {
                REQUIRE(t.texts.count(text) == 1);
                const std::string& body = t.texts.at(text);
                // Every user text announces its kind on its first line, and its language on
                // the second (Python's, older, say none: a model's cached replies stay valid).
                CHECK(body.starts_with("### Task: "));
                if (language != "python")
                    CHECK(body.find("\n### Language: " + language + "\n") == body.find('\n'));
                // The function is named as "the function `name`", on one line (how a transcript,
                // and assay-fake-llm, find it).
                if (body.find("{{entry_point}}") != std::string::npos)
                    CHECK(body.find("function `{{entry_point}}`") != std::string::npos);
                // Code is asked for in the language's own fence.
                if (body.find("```") != std::string::npos)
                    CHECK(body.find("```" + descriptor->fence_tags.front()) != std::string::npos);
            }
            for (const std::string& list : spec.lists)
                CHECK(!t.list(list).empty());
        }
        CHECK(book->at("bug").list("categories").front().name == "off-by-one");
        CHECK(book->at("instruct").list("topics").size() >= 10);
    }
    const auto none = assay::llm::language_prompts("cobol");
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().where.ends_with("prompts/cobol"));
    CHECK(none.error().message.find("no prompts for the language 'cobol'") != std::string::npos);
}

TEST_CASE("llm::load_prompts: bad templates name the file and line") {
    TempDir dir;
    SUBCASE("unknown placeholder") {
        dir.write("solve.toml",
                  solve_file("Solve {{prompt}} with `{{entry_point}}`.\nUse {{langauge}}.\n"));
        const auto book = load_prompts(dir.path(), kSpec);
        REQUIRE(!book);
        CHECK(book.error().where == (dir / "solve.toml").string() + ":6");
        CHECK(book.error().message.find("langauge") != std::string::npos);
    }
    SUBCASE("a placeholder never used") {
        dir.write("solve.toml", solve_file("Solve {{prompt}}.\n"));
        const auto book = load_prompts(dir.path(), kSpec);
        REQUIRE(!book);
        CHECK(book.error().message.find("entry_point") != std::string::npos);
        CHECK(book.error().where.find("solve.toml:4") != std::string::npos);
    }
    SUBCASE("missing file, bad TOML, bad settings") {
        CHECK(load_prompts(dir.path(), kSpec).error().message.find("no such prompt file") !=
              std::string::npos);
        dir.write("solve.toml", "user = '''\nunterminated\n");
        CHECK(!load_prompts(dir.path(), kSpec).error().where.empty());
        dir.write("solve.toml",
                  "temperature = 7\nsystem = 's'\nuser = '{{prompt}}{{entry_point}}'\n");
        const auto hot = load_prompts(dir.path(), kSpec);
        REQUIRE(!hot);
        CHECK(hot.error().where.ends_with("solve.toml:1"));
        const std::vector<TemplateSpec> with_list{{"solve", {{"user", {"prompt"}}}, {"goals"}}};
        dir.write("solve.toml", "system = 's'\nuser = '{{prompt}}'\ngoals = []\n");
        CHECK(load_prompts(dir.path(), with_list).error().message.find("goals") !=
              std::string::npos);
    }
}

TEST_CASE("llm::PromptBook::render substitutes each value once") {
    TempDir dir;
    dir.write("solve.toml",
              solve_file("Solve `{{entry_point}}`:\n{{prompt}}\nAgain: {{entry_point}}\n"));
    const auto book = load_prompts(dir.path(), kSpec);
    REQUIRE(book);
    // A value that itself looks like a placeholder is inserted as text, never expanded.
    const std::string text =
        book->render("solve", "user", {{"entry_point", "f"}, {"prompt", "say {{entry_point}}"}});
    CHECK(text == "Solve `f`:\nsay {{entry_point}}\nAgain: f");
    const ChatRequest request = book->request("solve", "m", {{"user", text}}, ~0ULL);
    CHECK(request.messages.size() == 2);
    CHECK(request.messages[0].role == "system");
    CHECK(request.messages[0].content == "be good");
    CHECK(request.temperature == doctest::Approx(0.5));
    CHECK(request.max_tokens == 100);
    CHECK(request.seed < (1ULL << 63));
    CHECK_THROWS_AS(book->render("solve", "user", {{"entry_point", "f"}}), assay::FatalError);
    CHECK(placeholders("a {{x}} {{y}} {{x}} {{Not}} {{}}") == std::vector<std::string>{"x", "y"});
}
