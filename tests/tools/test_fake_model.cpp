#include "llm/reply_parser.hpp"
#include "support/fake_llm.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "syntax/support.hpp"
#include "syntax/syntax_check.hpp"
#include "tools/fake_model.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <set>

using namespace assay;
using namespace assay::tools;
using assay::testing::chat_body;
using assay::testing::default_fake_model;
using assay::testing::known_problem;
using assay::testing::prompt_list;
using assay::testing::prompt_request;
using assay::testing::render_prompt;
using assay::testing::visible_tests;
using nlohmann::json;

namespace {

constexpr int kSeeds = 200;

// Code as the fake returns it: trailing blank lines dropped, one newline at the end.
std::string with_newline(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text + "\n";
}

bool parses(const std::string& code) {
    const auto checked = syntax::check_syntax("python", code);
    return checked && !checked->has_value();
}

// The code of a reply, as the pipeline reads it.
std::string code_of(const FakeReply& reply, const std::string& entry_point) {
    const auto code = llm::extract_code(reply.content, {"python", entry_point});
    REQUIRE_MESSAGE(code, reply.content);
    return with_newline(code->code);
}

json solve_request(const Problem& p, std::uint64_t seed) {
    return prompt_request("solve", {{"entry_point", p.entry_point}, {"prompt", p.prompt}}, seed);
}

std::set<std::string> mutant_codes(const std::string& code, const std::string& entry_point) {
    std::set<std::string> out;
    for (const auto& m : syntax::mutants("python", code, entry_point))
        out.insert(with_newline(m.code));
    return out;
}

std::set<std::string> refactored_codes(const std::string& code, const std::string& entry_point) {
    std::set<std::string> out;
    for (const auto& r : syntax::refactorings("python", code, entry_point))
        out.insert(with_newline(r.code));
    return out;
}

// The `## Heading` sections of an exercise reply: heading → body.
std::map<std::string, std::string> sections_of(const std::string& reply) {
    std::map<std::string, std::string> out;
    std::string current;
    std::size_t start = 0;
    while (start < reply.size()) {
        std::size_t end = reply.find('\n', start);
        if (end == std::string::npos) end = reply.size();
        const std::string line = reply.substr(start, end - start);
        if (line.starts_with("## ")) {
            current = line.substr(3);
            out[current];
        } else if (!current.empty()) {
            out[current] += line + "\n";
        }
        start = end + 1;
    }
    return out;
}

std::string first_block(const std::string& text) {
    const auto blocks = llm::fenced_blocks(text);
    return blocks.empty() ? std::string() : with_newline(blocks.front().code);
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    while (!text.empty() && (text.front() == '\n' || text.front() == ' '))
        text.erase(0, 1);
    if (text.size() >= 2 && text.front() == '`' && text.back() == '`')
        text = text.substr(1, text.size() - 2);
    return text;
}

// Topics meet when equal or sharing a word of four letters or more ("stacks" and
// "stacks-queues").
bool shares_topic(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    const auto words = [](const std::string& topic) {
        std::set<std::string> out;
        std::string word;
        for (const char c : topic + "-") {
            if (c != '-') {
                word += c;
                continue;
            }
            if (word.size() >= 4) out.insert(word);
            word.clear();
        }
        return out;
    };
    for (const std::string& x : a)
        for (const std::string& y : b) {
            if (x == y) return true;
            for (const std::string& w : words(x))
                if (words(y).contains(w)) return true;
        }
    return false;
}

double share(int count, int total) {
    return static_cast<double>(count) / total;
}

// The bank's prompts shown as few-shot examples (the pipeline's rendering is not fixed yet: any
// text that shows the problems' prompts will do).
std::string examples_of(const std::vector<std::string>& entry_points) {
    std::string out;
    for (const std::string& ep : entry_points) {
        const Problem& p = known_problem(ep);
        out += "### Example: " + p.title + "\n" + p.prompt + "\n";
    }
    return out;
}

} // namespace

TEST_CASE("tools::FakeModel knows the bank and its inventions") {
    const FakeModel& model = default_fake_model();
    CHECK(model.invention_count() >= 24);
    CHECK(model.known_count() >= model.invention_count() + 100);
    CHECK(model.find("merge_intervals") != nullptr);
    CHECK(model.find("totient") != nullptr);
    CHECK(model.find("totient")->id == "fake/totient");
    CHECK(model.find("no_such_function") == nullptr);
    const FakeModel empty;
    CHECK(empty.known_count() == 0);
    CHECK(empty.find("merge_intervals") == nullptr);
}

TEST_CASE("tools::FakeModel::find tells problems sharing an entry point apart by their prompt") {
    Problem a{.id = "a/1",
              .language = "python",
              .prompt = "Sum the values of a list of ints.",
              .entry_point = "f"};
    Problem b{.id = "b/1",
              .language = "python",
              .prompt = "Reverse the words of a sentence.",
              .entry_point = "f"};
    const FakeModel model({a, b}, {});
    CHECK(model.find("f")->id == "a/1");
    CHECK(model.find("f", "...\nReverse the words of a sentence.\n...")->id == "b/1");
}

TEST_CASE("tools::FakeModel solve: reference, refactoring, mutant, usage block, truncation") {
    const FakeModel& model = default_fake_model();
    for (const std::string ep : {"merge_intervals", "balanced_brackets", "totient"}) {
        CAPTURE(ep);
        const Problem& p = known_problem(ep);
        const std::string reference = with_newline(p.solution);
        const auto refactored = refactored_codes(p.solution, ep);
        const auto mutants = mutant_codes(p.solution, ep);
        int exact = 0, refactoring = 0, mutant = 0, usage = 0, truncated = 0, other = 0;
        std::set<std::string> distinct;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const json request = solve_request(p, seed);
            const FakeReply reply = model.reply(0, request);
            CHECK(reply.content == model.reply(0, request).content); // deterministic
            distinct.insert(reply.content);
            if (reply.finish_reason == "length") {
                ++truncated;
                const auto blocks = llm::fenced_blocks(reply.content);
                REQUIRE(blocks.size() == 1);
                CHECK_FALSE(blocks[0].terminated);
                continue;
            }
            CHECK(reply.finish_reason == "stop");
            const std::string code = code_of(reply, ep);
            const auto blocks = llm::fenced_blocks(reply.content);
            if (blocks.size() == 2) {
                ++usage;
                CHECK(code == reference);
                CHECK(blocks[1].code.starts_with("print(" + ep + "("));
            } else if (code == reference) {
                ++exact;
            } else if (refactored.contains(code)) {
                ++refactoring;
            } else if (mutants.contains(code)) {
                ++mutant;
            } else {
                ++other;
                MESSAGE(reply.content);
            }
        }
        MESSAGE(ep, ": reference ", exact, ", refactored ", refactoring, ", mutant ", mutant,
                ", reference + usage ", usage, ", truncated ", truncated, " of ", kSeeds);
        CHECK(other == 0);
        CHECK(share(exact + refactoring, kSeeds) == doctest::Approx(0.55).epsilon(0.25));
        CHECK(share(mutant, kSeeds) == doctest::Approx(0.30).epsilon(0.3));
        CHECK(share(usage, kSeeds) == doctest::Approx(0.10).epsilon(0.5));
        CHECK(truncated >= 3);
        CHECK(truncated <= 25);
        if (!refactored.empty()) CHECK(refactoring > 0);
        CHECK(distinct.size() > 20);
    }
}

TEST_CASE("tools::FakeModel draws differ by request seed and by server seed") {
    const FakeModel& model = default_fake_model();
    const Problem& p = known_problem("merge_intervals");
    std::set<std::string> by_request_seed, by_server_seed;
    for (int seed = 0; seed < 20; ++seed) {
        by_request_seed.insert(model.reply(0, solve_request(p, seed)).content);
        by_server_seed.insert(model.reply(seed, solve_request(p, 0)).content);
    }
    CHECK(by_request_seed.size() >= 5);
    CHECK(by_server_seed.size() >= 5);
}

TEST_CASE("tools::FakeModel solve for a problem it does not know: canned code") {
    const FakeModel& model = default_fake_model();
    int defined = 0;
    for (int seed = 0; seed < 40; ++seed) {
        const FakeReply reply = model.reply(
            0, prompt_request("solve", {{"entry_point", "mystery_fn"}, {"prompt", "?"}}, seed));
        const auto code = llm::extract_code(reply.content, {"python", "mystery_fn"});
        REQUIRE(code);
        defined += code->defines_entry_point ? 1 : 0;
    }
    CHECK(defined >= 20);
}

TEST_CASE("tools::FakeModel tests: the problem's asserts, one of them wrong in about 1 of 4") {
    const FakeModel& model = default_fake_model();
    for (const std::string ep : {"merge_intervals", "shoelace_area", "count_components"}) {
        CAPTURE(ep);
        const Problem& p = known_problem(ep);
        const auto truth = assert_lines(p);
        REQUIRE(truth.size() >= 6);
        int wrong = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const json request = prompt_request(
                "tests", {{"entry_point", ep}, {"prompt", p.prompt}, {"count", "6"}}, seed);
            const FakeReply reply = model.reply(0, request);
            CHECK(reply.content == model.reply(0, request).content);
            const std::string block = first_block(reply.content);
            CHECK(parses(block));
            int asserts = 0, unknown = 0;
            std::size_t start = 0;
            while (start < block.size()) {
                const std::size_t end = block.find('\n', start);
                const std::string line = block.substr(start, end - start);
                start = end + 1;
                if (line.starts_with("import ") || line.starts_with("from ")) continue;
                REQUIRE(line.starts_with("assert "));
                CHECK(line.find(ep + "(") != std::string::npos);
                ++asserts;
                if (std::find(truth.begin(), truth.end(), line) == truth.end()) ++unknown;
            }
            CHECK(asserts == 6);
            CHECK(unknown <= 1);
            wrong += unknown;
        }
        MESSAGE(ep, ": ", wrong, " of ", kSeeds, " replies hold a wrong assert");
        CHECK(share(wrong, kSeeds) == doctest::Approx(0.25).epsilon(0.4));
    }
    SUBCASE("more asked for than known: all of them; an unknown function: guesses") {
        const Problem& p = known_problem("totient");
        const FakeReply all = model.reply(
            0,
            prompt_request("tests",
                           {{"entry_point", "totient"}, {"prompt", p.prompt}, {"count", "40"}}, 3));
        CHECK(std::count(all.content.begin(), all.content.end(), '\n') >=
              static_cast<long>(p.tests.size()));
        const FakeReply guess = model.reply(
            0, prompt_request("tests",
                              {{"entry_point", "mystery_fn"}, {"prompt", "?"}, {"count", "4"}}, 3));
        const std::string block = first_block(guess.content);
        CHECK(parses(block));
        CHECK(block.find("assert mystery_fn(") == 0);
    }
}

TEST_CASE("tools::wrong_expectation") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"assert f(1) == 3", "assert f(1) == 4"},
        {"assert f(1) == -1", "assert f(1) == 0"},
        {"assert f('a') == 'ab'", "assert f('a') == 'abx'"},
        {"assert f() == b''", "assert f() == b'x'"},
        {"assert f() == True", "assert f() == False"},
        {"assert f(x) == [1, [2, 3]]", "assert f(x) == [1]"},
        {"assert f(x) == []", "assert f(x) == [0]"},
        {"assert f(x) == (1, 2)", "assert f(x) == (1,)"},
        {"assert f(x) == {'a': 1}", "assert f(x) == {}"},
        {"assert f(x) == {1}", "assert f(x) == set()"},
        {"assert f(x) == 2.5", "assert f(x) == 2.51"},
        {"assert f(x) is None", "assert f(x) is not None"},
        {"assert f(x) is True", "assert f(x) is False"},
        {"assert f(x) == g(y)", "assert f(x) != g(y)"},
        {"assert f('==') == 'a' + 'b'", "assert f('==') != 'a' + 'b'"},
        {"assert abs(f(x) - 1.5) < 1e-9", "assert not (abs(f(x) - 1.5) < 1e-9)"},
        {"assert not f(x)", "assert f(x)"},
        {"assert f(x) == 3, 'message, with comma'", "assert f(x) == 4, 'message, with comma'"},
    };
    for (const auto& [line, expected] : cases) {
        CAPTURE(line);
        CHECK(wrong_expectation(line) == expected);
        CHECK(parses(wrong_expectation(line)));
    }
}

TEST_CASE("tools::wrong_expectation makes every assert of the bank and the inventions fail") {
    // The reference passes each original line; the changed line must fail against it.
    const FakeModel& model = default_fake_model();
    std::string script = "import math\nresults = []\n";
    int lines = 0;
    for (const std::string ep :
         {"merge_intervals", "shoelace_area", "count_components", "totient", "balanced_brackets",
          "weekday_name", "swap_nibbles", "parse_key_values", "dense_ranks", "is_toeplitz",
          "account_ledger"}) {
        const Problem* p = model.find(ep);
        REQUIRE(p != nullptr);
        script +=
            "ns = {}\nexec(" + test::python_literal(p->test_setup + "\n" + p->solution) + ", ns)\n";
        for (const std::string& line : assert_lines(*p)) {
            ++lines;
            script += "for code, want in ((" + test::python_literal(line) + ", True), (" +
                      test::python_literal(wrong_expectation(line)) +
                      ", False)):\n"
                      "    try:\n        exec(code, dict(ns))\n        ok = True\n"
                      "    except AssertionError:\n        ok = False\n"
                      "    if ok != want: print('MISMATCH', code)\n";
        }
    }
    script += "print('done')\n";
    const std::string out = test::run_python(script);
    CHECK(out == "done\n");
    CHECK(lines > 80);
}

TEST_CASE("tools::FakeModel bug: one mutation of the prompt's program, of the asked kind") {
    const FakeModel& model = default_fake_model();
    const auto categories = prompt_list("bug", "categories", "name");
    const auto descriptions = prompt_list("bug", "categories", "description");
    REQUIRE(categories.size() == 7);
    for (const std::string ep : {"merge_intervals", "edit_distance", "lower_bound"}) {
        const Problem& p = known_problem(ep);
        const auto all = syntax::mutants("python", p.solution, ep);
        std::map<std::string, std::string> kind_of; // mutant code → operator
        for (const auto& m : all)
            kind_of[with_newline(m.code)] = m.kind;
        int unchanged = 0, total = 0;
        for (std::size_t c = 0; c < categories.size(); ++c) {
            std::map<std::string, int> kinds;
            for (int seed = 0; seed < 30; ++seed) {
                const json request = prompt_request("bug",
                                                    {{"entry_point", ep},
                                                     {"prompt", p.prompt},
                                                     {"code", p.solution},
                                                     {"category", categories[c]},
                                                     {"category_description", descriptions[c]}},
                                                    seed);
                const FakeReply reply = model.reply(0, request);
                CHECK(reply.content == model.reply(0, request).content);
                const std::string code = code_of(reply, ep);
                ++total;
                CHECK(parses(code));
                // Prose after the block says what changed.
                CHECK(reply.content.rfind("```") + 4 < reply.content.size());
                if (code == with_newline(p.solution)) {
                    ++unchanged;
                    continue;
                }
                REQUIRE_MESSAGE(kind_of.contains(code), code);
                ++kinds[kind_of[code]];
            }
            if (categories[c] == "wrong-comparison") {
                CAPTURE(ep);
                CHECK(kinds["comparison_swap"] >= 20);
            }
        }
        MESSAGE(ep, ": ", unchanged, " of ", total, " bug replies unchanged");
        CHECK(share(unchanged, total) == doctest::Approx(0.10).epsilon(0.6));
    }
}

TEST_CASE("tools::FakeModel bug and refactor on a program it has never seen") {
    const FakeModel& model = default_fake_model();
    const std::string code = "def unseen(values):\n    total = 0\n    for v in values:\n"
                             "        if v > 0:\n            total += v\n    return total\n";
    int changed = 0;
    for (int seed = 0; seed < 30; ++seed) {
        const FakeReply bug = model.reply(0, prompt_request("bug",
                                                            {{"entry_point", "unseen"},
                                                             {"prompt", "Sum the positive values."},
                                                             {"code", code},
                                                             {"category", "wrong-operator"},
                                                             {"category_description", "x"}},
                                                            seed));
        changed += code_of(bug, "unseen") != code ? 1 : 0;
        const FakeReply refactor = model.reply(
            0,
            prompt_request(
                "refactor",
                {{"entry_point", "unseen"}, {"goal", "g"}, {"prompt", "p"}, {"code", code}}, seed));
        const auto extracted = llm::extract_code(refactor.content, {"python", "unseen"});
        REQUIRE(extracted);
        CHECK(extracted->defines_entry_point);
        CHECK(extracted->parses);
    }
    CHECK(changed >= 24);
}

TEST_CASE("tools::FakeModel refactor: a refactoring of the program, sometimes a broken one") {
    const FakeModel& model = default_fake_model();
    for (const std::string ep : {"merge_intervals", "balanced_brackets", "dense_ranks"}) {
        CAPTURE(ep);
        const Problem& p = known_problem(ep);
        const auto refactored = refactored_codes(p.solution, ep);
        const auto mutants = mutant_codes(p.solution, ep);
        int kept = 0, broken = 0, other = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const json request = prompt_request("refactor",
                                                {{"entry_point", ep},
                                                 {"goal", "make it readable"},
                                                 {"prompt", p.prompt},
                                                 {"code", p.solution}},
                                                seed);
            const FakeReply reply = model.reply(0, request);
            CHECK(reply.content == model.reply(0, request).content);
            const std::string code = code_of(reply, ep);
            CHECK(code != with_newline(p.solution));
            if (refactored.contains(code))
                ++kept;
            else if (mutants.contains(code))
                ++broken;
            else
                ++other;
        }
        MESSAGE(ep, ": ", kept, " refactorings, ", broken, " broken, ", other, " other of ",
                kSeeds);
        REQUIRE_FALSE(refactored.empty());
        CHECK(other == 0);
        CHECK(share(broken, kSeeds) == doctest::Approx(0.10).epsilon(0.6));
    }
}

TEST_CASE("tools::FakeModel reflexion: a first attempt, then a reflection and a retry") {
    const FakeModel& model = default_fake_model();
    const Problem& p = known_problem("merge_intervals");
    const std::string reference = with_newline(p.solution);
    const auto mutants = mutant_codes(p.solution, p.entry_point);
    const std::string first = render_prompt(
        "reflexion", "user",
        {{"entry_point", p.entry_point}, {"prompt", p.prompt}, {"tests", visible_tests(p)}});
    const std::string system = testing::prompt_file("reflexion")["system"].value_or(std::string());
    int first_wrong = 0, retry_right = 0, retries = 0;
    for (int seed = 0; seed < kSeeds; ++seed) {
        const FakeReply attempt =
            model.reply(0, chat_body({{"system", system}, {"user", first}}, seed));
        const std::string code = code_of(attempt, p.entry_point);
        if (code == reference) continue;
        REQUIRE(mutants.contains(code));
        ++first_wrong;
        const std::string feedback =
            "visible_0 failed:\nassert merge_intervals([[1, 3]]) == [[1, 3]]\n"
            "AssertionError: got []";
        const json request = chat_body(
            {{"system", system},
             {"user", first},
             {"assistant", attempt.content},
             {"user", render_prompt(
                          "reflexion", "retry",
                          {{"tests_passed", "3"}, {"tests_total", "6"}, {"feedback", feedback}})}},
            seed);
        const FakeReply retry = model.reply(0, request);
        CHECK(retry.content == model.reply(0, request).content);
        CHECK(retry.content.find("> assert merge_intervals([[1, 3]]) == [[1, 3]]") !=
              std::string::npos);
        CHECK(retry.content.find("```") > 100); // the reflection comes first
        const std::string again = code_of(retry, p.entry_point);
        ++retries;
        if (again == reference)
            ++retry_right;
        else {
            CHECK(mutants.contains(again));
            CHECK(again != code); // not the same wrong attempt twice
        }
    }
    MESSAGE("first attempts wrong: ", first_wrong, " of ", kSeeds, "; retries right: ", retry_right,
            " of ", retries);
    CHECK(share(first_wrong, kSeeds) == doctest::Approx(0.6).epsilon(0.25));
    CHECK(share(retry_right, retries) == doctest::Approx(0.7).epsilon(0.25));
}

TEST_CASE("tools::FakeModel instruct: inventions in the section format, steered to the topic") {
    const FakeModel& model = default_fake_model();
    const auto topics = prompt_list("instruct", "topics");
    REQUIRE(topics.size() >= 20);
    const std::vector<std::string> shown{"merge_intervals", "balanced_brackets", "edit_distance"};
    const std::string examples = examples_of(shown);
    int complete = 0, steered = 0, invented = 0, copies = 0, missing = 0, broken = 0, total = 0;
    std::set<std::string> distinct;
    for (const std::string& topic : topics) {
        for (int seed = 0; seed < 20; ++seed) {
            ++total;
            const json request = prompt_request(
                "instruct", {{"topic", topic}, {"difficulty", "medium"}, {"examples", examples}},
                seed);
            const FakeReply reply = model.reply(0, request);
            CHECK(reply.content == model.reply(0, request).content);
            CHECK(reply.finish_reason == "stop");
            const auto sections = sections_of(reply.content);
            if (sections.size() < 5) {
                ++missing;
                continue;
            }
            ++complete;
            REQUIRE(sections.contains("Title"));
            REQUIRE(sections.contains("Entry point"));
            REQUIRE(sections.contains("Problem"));
            REQUIRE(sections.contains("Solution"));
            REQUIRE(sections.contains("Tests"));
            const std::string ep = trimmed(sections.at("Entry point"));
            const std::string solution = first_block(sections.at("Solution"));
            const std::string tests = first_block(sections.at("Tests"));
            CHECK(parses(solution));
            CHECK(parses(tests));
            CHECK(syntax::find_function("python", solution, ep));
            int asserts = 0;
            for (std::size_t at = tests.find("assert "); at != std::string::npos;
                 at = tests.find("assert ", at + 1))
                ++asserts;
            CHECK(asserts >= 6);
            CHECK(asserts <= 12);
            distinct.insert(ep);
            const Problem* p = model.find(ep);
            REQUIRE(p != nullptr);
            if (std::find(shown.begin(), shown.end(), ep) != shown.end()) {
                ++copies;
                continue;
            }
            CHECK(p->id.starts_with("fake/"));
            ++invented;
            if (with_newline(p->solution) != solution) ++broken;
            const auto& t = p->topics;
            if (std::find(t.begin(), t.end(), topic) != t.end()) ++steered;
        }
    }
    MESSAGE(total, " instruct replies: ", complete, " complete (", invented, " inventions, ",
            copies, " near copies of an example, ", broken, " with a mutated solution), ", missing,
            " missing a section; ", steered, " inventions on the asked topic; ", distinct.size(),
            " distinct entry points");
    CHECK(share(missing, total) == doctest::Approx(0.05).epsilon(0.6));
    CHECK(share(copies, total) == doctest::Approx(0.10).epsilon(0.5));
    CHECK(share(broken, total) == doctest::Approx(0.10).epsilon(0.5));
    CHECK(share(steered, invented) >= 0.95);
    CHECK(distinct.size() >= 30);
}

TEST_CASE(
    "tools::FakeModel evolve: a harder exercise near the original's topics, under a new name") {
    const FakeModel& model = default_fake_model();
    const auto methods = prompt_list("evolve", "methods");
    for (const std::string ep : {"merge_intervals", "edit_distance", "balanced_brackets"}) {
        CAPTURE(ep);
        const Problem& original = known_problem(ep);
        int renamed = 0, near = 0;
        for (int seed = 0; seed < 50; ++seed) {
            const json request = prompt_request(
                "evolve",
                {{"problem", original.prompt + "\n```python\n" + original.solution + "```\n"},
                 {"method", methods[seed % methods.size()]}},
                seed);
            const auto sections = sections_of(model.reply(0, request).content);
            if (!sections.contains("Entry point")) continue;
            const std::string new_ep = trimmed(sections.at("Entry point"));
            if (new_ep == ep) continue;
            ++renamed;
            const Problem* p = model.find(new_ep);
            REQUIRE(p != nullptr);
            near += shares_topic(p->topics, original.topics) ? 1 : 0;
        }
        MESSAGE(ep, ": ", renamed, " of 50 renamed, ", near, " topic matches");
        CHECK(renamed >= 35);
        CHECK(near >= renamed * 9 / 10);
    }
}

TEST_CASE("tools::FakeModel never crashes or hangs on hostile requests") {
    const FakeModel& model = default_fake_model();
    const auto ok = [&](const json& request) {
        const FakeReply reply = model.reply(7, request);
        CHECK((reply.finish_reason == "stop" || reply.finish_reason == "length"));
        // The server serialises it strictly: it must be valid UTF-8.
        CHECK_NOTHROW((void)json(reply.content).dump());
        return reply;
    };
    SUBCASE("no task line: the old canned behaviour") {
        const FakeReply reply = ok(chat_body({{"user", "Write it.\nENTRY_POINT: task_1"}}, 1));
        CHECK(llm::extract_code(reply.content, {"python", "task_1"}));
        CHECK(ok(chat_body({{"user", "hello"}}, 1)).content.starts_with("Good question."));
    }
    SUBCASE("unknown kind and unknown entry point") {
        ok(chat_body({{"user", "### Task: poetry\nWrite a poem about `f`."}}, 1));
        for (const std::string kind : {"solve", "tests", "bug", "refactor", "reflexion",
                                       "reflexion-retry", "instruct", "evolve"})
            CHECK_FALSE(
                ok(chat_body({{"user", "### Task: " + kind + "\nthe function `nobody_knows`"}}, 1))
                    .content.empty());
    }
    SUBCASE("task line without anything else") {
        for (const std::string kind : {"solve", "tests", "bug", "refactor", "reflexion",
                                       "reflexion-retry", "instruct", "evolve"})
            ok(chat_body({{"user", "### Task: " + kind}}, 1));
    }
    SUBCASE("empty and malformed bodies") {
        ok(json::object());
        ok(json::array());
        ok(json(nullptr));
        ok(json{{"messages", json::array()}});
        ok(json{{"messages", "### Task: solve"}});
        ok(json{{"messages", {{{"role", 5}, {"content", "### Task: solve"}}}}});
        ok(json{{"messages", {{{"role", "user"}, {"content", nullptr}}}}});
        ok(json{
            {"messages",
             {{{"role", "user"},
               {"content",
                "### Task: tests\nWrite 99999999999 unit tests for the function `totient`"}}}}});
        ok(json{{"messages",
                 {{{"role", "user"}, {"content", "### Task: solve\nthe function `totient`"}}}},
                {"max_tokens", "x"},
                {"seed", "y"},
                {"model", 3}});
    }
    SUBCASE("tiny max_tokens: cut, never inside a UTF-8 character") {
        // The quote starts at byte 32; with max_tokens 11 the cut (44 bytes) falls inside 'é'.
        const FakeReply reply =
            ok(chat_body({{"user", "### Task: reflexion-retry\nWhat failed:\n"
                                   "assert f('x\u00e9') == 'y'\nFirst explain"}},
                         1, 11));
        CHECK(reply.finish_reason == "length");
        CHECK(reply.content == "The first failing check was:\n\n> assert f('x");
    }
    SUBCASE("a huge prompt with a huge program is answered quickly") {
        std::string program = "def huge(x):\n";
        while (program.size() < 3'000'000)
            program += "    x = x + 1 if x < 10 else x - 1\n";
        program += "    return x\n";
        const auto start = std::chrono::steady_clock::now();
        ok(prompt_request("bug",
                          {{"entry_point", "huge"},
                           {"prompt", program},
                           {"code", program},
                           {"category", "off-by-one"},
                           {"category_description", "x"}},
                          1, 1 << 20));
        ok(prompt_request(
            "refactor",
            {{"entry_point", "huge"}, {"goal", "g"}, {"prompt", program}, {"code", program}}, 1,
            1 << 20));
        for (const std::string kind : {"solve", "tests", "instruct", "evolve", "reflexion-retry"})
            ok(chat_body({{"user", "### Task: " + kind + "\nthe function `huge`\n" + program}}, 2));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
    }
    SUBCASE("pathological programs, asserts and fences") {
        ok(chat_body({{"user", "### Task: bug\nThe function `f` below\n```python\n" +
                                   std::string(100000, '(') + "\n```"}},
                     1));
        const std::string deep = "def f(x):\n    return " + std::string(2000, '(') + "x" +
                                 std::string(2000, ')') + " + 1\n";
        for (const std::string kind : {"bug", "refactor"})
            ok(chat_body({{"user", "### Task: " + kind + "\nThe function `f` below\n```python\n" +
                                       deep + "```"}},
                         1));
        ok(chat_body(
            {{"user", "### Task: reflexion-retry\nWhat failed:\n" + std::string(200000, '\'')}},
            1));
        (void)wrong_expectation("assert f(" + std::string(50, '[') + ") == '");
        (void)wrong_expectation("assert");
        (void)wrong_expectation("");
        ok(chat_body({{"user", std::string(1 << 20, '`')}}, 1));
    }
}
