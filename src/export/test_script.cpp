#include "export/test_script.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace assay::exports {

namespace {
// A JSON string is a valid Python string literal (nlohmann escapes only as Python does).
std::string python_literal(const std::string& text) {
    return nlohmann::json(text).dump();
}

// The tests see the program's names as they were before the script bound its own (but
// `candidate`), and the script reaches every builtin it calls through the module: the program
// may define `dict`, `exec`, `len` or `_assay_cases` (its entry point is whatever a model chose).
constexpr const char* kRunner = R"py(
def _assay_run_tests(b):
    base = b.dict(_assay_program)
    b.exec(_assay_setup, base)
    failed = 0
    for name, code in _assay_cases:
        try:
            b.exec(code, b.dict(base))
        except b.BaseException as error:
            failed += 1
            b.print("FAILED %s: %s: %s" % (name, b.type(error).__name__, error))
    b.print("%d/%d tests passed" % (b.len(_assay_cases) - failed, b.len(_assay_cases)))
    if failed:
        raise b.SystemExit(1)


_assay_run_tests(_assay_builtins)
)py";
} // namespace

std::string test_script(const Problem& problem) {
    std::string out =
        fmt::format("# Tests for {0}: exits 1 if any case fails.\ncandidate = {0}\n"
                    "import builtins as _assay_builtins\n"
                    "_assay_program = _assay_builtins.dict(_assay_builtins.globals())\n",
                    problem.entry_point);
    out += fmt::format("_assay_setup = {}\n_assay_cases = [\n", python_literal(problem.test_setup));
    for (const TestCase& t : problem.tests)
        out += fmt::format("    ({}, {}),\n", python_literal(t.name), python_literal(t.code));
    out += "]\n";
    out += kRunner;
    return out;
}

} // namespace assay::exports
