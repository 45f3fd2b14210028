// A scripted model behind a real loopback HTTP server, for driving `pipeline::run` with hostile
// or broken replies: each request is handed to a script with its kind (the `### Task:` line of
// the last user message) and the function its prompt names, and the script says what to answer.
#pragma once

#include "llm/script_server.hpp"
#include "pipeline/run.hpp"
#include "support/temp_dir.hpp"

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace assay::testing {

struct Ask {
    std::string kind; // "solve", "tests", "bug", "refactor", "reflexion", "reflexion-retry", …
    std::string entry_point; // the first `name` of the first user message ("" if none)
    int turn = 0;            // assistant messages before this request (Reflexion: the step)
    nlohmann::json request;  // the whole body
};

struct Answer {
    std::string content;
    std::string finish_reason = "stop";
    int status = 200;     // anything else: an error status, no completion
    std::string raw_body; // when not empty: sent as the body as is (status 200)
};

using Script = std::function<Answer(const Ask&)>;

inline Ask read_ask(const std::string& body) {
    Ask ask;
    ask.request = nlohmann::json::parse(body);
    std::string first_user;
    std::string last_user;
    for (const auto& m : ask.request["messages"]) {
        const std::string role = m["role"];
        if (role == "assistant") ++ask.turn;
        if (role != "user") continue;
        if (first_user.empty()) first_user = m["content"];
        last_user = m["content"];
    }
    const std::string task = "### Task: ";
    if (const auto at = last_user.find(task); at != std::string::npos)
        ask.kind = last_user.substr(at + task.size(), last_user.find('\n', at) - at - task.size());
    if (const auto open = first_user.find('`'); open != std::string::npos)
        ask.entry_point = first_user.substr(open + 1, first_user.find('`', open + 1) - open - 1);
    return ask;
}

// The server; `script` may be replaced between runs. Records every request it saw.
class ScriptedModel {
  public:
    explicit ScriptedModel(Script script)
        : script_(std::move(script)), server_([this](int, const httplib::Request& req,
                                                     httplib::Response& res) { serve(req, res); }) {
    }

    void set_script(Script script) {
        std::lock_guard lock(mutex_);
        script_ = std::move(script);
    }
    [[nodiscard]] std::string url() const { return server_.url(); }
    [[nodiscard]] std::vector<std::string> bodies() const { return server_.bodies(); }

  private:
    void serve(const httplib::Request& req, httplib::Response& res) {
        Script script;
        {
            std::lock_guard lock(mutex_);
            script = script_;
        }
        const Answer a = script(read_ask(req.body));
        res.status = a.status;
        if (!a.raw_body.empty())
            res.set_content(a.raw_body, "application/json");
        else if (a.status == 200)
            res.set_content(chat_body(a.content, a.finish_reason), "application/json");
        else
            res.set_content(R"({"error": {"message": "scripted failure"}})", "application/json");
    }

    std::mutex mutex_;
    Script script_;
    ScriptServer server_;
};

// Options for a run of the LLM stages on `problems` against `url`: small counts, one attempt
// per request, every stage unless `stages` says otherwise.
inline pipeline::RunOptions scripted_run(const TempDir& dir, const std::string& db,
                                         const std::string& url, const std::string& stages) {
    pipeline::RunOptions o;
    o.problems = {dir / "problems"};
    o.db = dir / db;
    o.out = dir / (db + ".out");
    o.jobs = 2;
    o.seed = 7;
    o.mutants_per_problem = 2;
    o.stages = *pipeline::parse_stages(stages);
    pipeline::LlmSettings s;
    s.url = url;
    s.model = "scripted";
    s.concurrency = 4;
    s.timeout_s = 10;
    s.max_attempts = 1;
    s.new_problems = 0;
    s.samples = 2;
    s.test_replies = 1;
    s.bugs = 1;
    s.refactors = 1;
    s.max_steps = 3;
    o.llm = s;
    return o;
}

} // namespace assay::testing
