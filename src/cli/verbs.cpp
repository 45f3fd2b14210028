#include "cli/verb.hpp"

#include <array>

namespace assay::cli {

std::span<const Verb> verbs() {
    static constexpr std::array kVerbs{
        Verb{"run",
             "the main job: verify references, inject bugs, refactor, export; with an LLM also "
             "new problems, sampled solutions, LLM bugs and Reflexion traces",
             &configure_run},
        Verb{"verify", "check solutions against a benchmark's tests in the jail",
             &configure_verify},
        Verb{"jail", "run one program file in the jail and print its verdict as JSON",
             &configure_jail},
        Verb{"doctor", "show what this host offers the jail and what the jail does about gaps",
             &configure_doctor},
        Verb{"export",
             "write a dataset (sft, bugfix, refactor, reflexion, dpo, kto, tasks) as JSONL",
             &configure_export},
        Verb{"report", "write a database's numbers and charts as one HTML page", &configure_report},
        Verb{"stats", "summarise a database", &configure_stats},
        Verb{"merge", "combine the databases of a run's shards (run --shard I/N) into one",
             &configure_merge},
    };
    return kVerbs;
}

namespace {
std::string& recorded_command_line() {
    static std::string line;
    return line;
}

// `word` as a POSIX shell reads it back: bare when it holds only safe characters, else in single
// quotes (a quote inside written as '\'').
std::string shell_quoted(std::string_view word) {
    const bool safe = !word.empty() &&
                      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789@%+=:,./_-") == std::string_view::npos;
    if (safe) return std::string(word);
    std::string out = "'";
    for (char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}
} // namespace

void set_command_line(int argc, char** argv) {
    std::string& line = recorded_command_line();
    line.clear();
    for (int i = 0; i < argc; ++i) {
        if (i > 0) line += ' ';
        line += shell_quoted(argv[i]);
    }
}

const std::string& command_line() {
    return recorded_command_line();
}

CLI::Validator at_least_one() {
    return CLI::Validator(
        [](std::string& value) {
            long long n = 0;
            return CLI::detail::lexical_cast(value, n) && n >= 1
                       ? std::string()
                       : "must be an integer of at least 1, not " + value;
        },
        "POSITIVE");
}

} // namespace assay::cli
