#include "export/test_script.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace assay::exports {

namespace {
// A JSON string is a valid Python string literal (nlohmann escapes only as Python does).
std::string python_literal(const std::string& text) {
    return nlohmann::json(text).dump();
}

constexpr const char* kRunner = R"py(
def _assay_run_tests():
    base = dict(globals())
    exec(_assay_setup, base)
    failed = 0
    for name, code in _assay_cases:
        try:
            exec(code, dict(base))
        except BaseException as error:
            failed += 1
            print("FAILED %s: %s: %s" % (name, type(error).__name__, error))
    print("%d/%d tests passed" % (len(_assay_cases) - failed, len(_assay_cases)))
    if failed:
        raise SystemExit(1)


_assay_run_tests()
)py";
} // namespace

std::string test_script(const Problem& problem) {
    std::string out = fmt::format("# Tests for {0}: exits 1 if any case fails.\ncandidate = {0}\n",
                                  problem.entry_point);
    out += fmt::format("_assay_setup = {}\n_assay_cases = [\n", python_literal(problem.test_setup));
    for (const TestCase& t : problem.tests)
        out += fmt::format("    ({}, {}),\n", python_literal(t.name), python_literal(t.code));
    out += "]\n";
    out += kRunner;
    return out;
}

} // namespace assay::exports
