#include "pipeline/driver.hpp"

#include "llm/cache.hpp"
#include "util/progress.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <iostream>

namespace assay::pipeline {

void Driver::log(const std::string& line) const {
    if (options_.progress) std::cerr << "llm: " << line << '\n';
}

namespace {

// The requests whose reply was cut by max_tokens, asked again with twice the tokens.
struct Longer {
    std::vector<std::size_t> which;
    std::vector<llm::ChatRequest> requests;
};

Longer cut_short(const std::vector<llm::ChatRequest>& requests,
                 const std::vector<llm::ChatResult>& results) {
    Longer out;
    for (std::size_t i = 0; i < results.size(); ++i)
        if (results[i] && results[i]->finish_reason == "length" &&
            requests[i].max_tokens < kMaxRetryTokens) {
            out.which.push_back(i);
            llm::ChatRequest more = requests[i];
            more.max_tokens = std::min(kMaxRetryTokens, more.max_tokens * 2);
            out.requests.push_back(std::move(more));
        }
    return out;
}

// Asks `requests` with a progress line (util::Progress) on stderr when `enabled`: done, in flight
// (sent and not answered), failed after every retry, answered from the cache, rate and ETA.
std::vector<llm::ChatResult> complete_with_progress(llm::LlmClient& client,
                                                    const std::vector<llm::ChatRequest>& requests,
                                                    std::string label, bool enabled) {
    util::ProgressOptions options =
        util::stderr_progress(std::move(label), requests.size(), enabled);
    options.shown = util::Shown::failed;
    util::Progress progress(std::move(options)); // its destructor ends the line if this throws
    std::vector<char> sent(requests.size(), 0);
    const llm::LlmClient::Listener listener{
        .sent =
            [&](std::size_t i) {
                sent[i] = 1;
                progress.started();
            },
        .answered =
            [&](std::size_t i, const llm::ChatResult& result) {
                // Not done: the line's last says where the batch stopped.
                if (!result && result.error().kind == llm::LlmFailure::interrupted) return;
                const util::From from = sent[i] != 0                   ? util::From::flight
                                        : result && result->from_cache ? util::From::cache
                                                                       : util::From::not_sent;
                progress.finished(result ? util::Outcome::ok : util::Outcome::failed, from);
            }};
    std::vector<llm::ChatResult> results = client.complete(requests, listener);
    progress.end();
    return results;
}

} // namespace

std::vector<Answer> Driver::ask(std::string_view stage,
                                const std::vector<llm::ChatRequest>& requests,
                                LlmSummary& summary) const {
    LlmSummary::Calls& calls = summary.calls[std::string(stage)];
    calls.requests += static_cast<int>(requests.size());
    if (!requests.empty()) log(fmt::format("{}: {} requests", stage, requests.size()));
    std::vector<llm::ChatResult> results;
    if (client_ != nullptr) {
        results = complete_with_progress(*client_, requests, fmt::format("llm: {}", stage),
                                         options_.progress);
    } else {
        llm::LlmError none;
        none.message = "this run has no model (--llm-url)";
        results.assign(requests.size(), tl::unexpected(none));
    }
    std::vector<const llm::ChatRequest*> asked; // the request each result answers
    asked.reserve(requests.size());
    for (const llm::ChatRequest& r : requests)
        asked.push_back(&r);
    const Longer longer = cut_short(requests, results); // outlives `asked`'s pointers into it
    if (!longer.which.empty()) {
        calls.retried_for_length += static_cast<int>(longer.which.size());
        std::vector<llm::ChatResult> second =
            complete_with_progress(*client_, longer.requests,
                                   fmt::format("llm: {} (more tokens)", stage), options_.progress);
        // A retry that fails is the request's failure: keeping the cut reply instead would
        // record it as data, and a later run that gets the whole reply would add a second row.
        for (std::size_t k = 0; k < longer.which.size(); ++k) {
            results[longer.which[k]] = std::move(second[k]);
            asked[longer.which[k]] = &longer.requests[k];
        }
    }
    std::vector<Answer> out(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) {
            out[i].error =
                fmt::format("llm call failed ({}): {}", llm::to_string(results[i].error().kind),
                            results[i].error().message);
            ++calls.failed;
            if (summary.first_error.empty()) summary.first_error = out[i].error;
            continue;
        }
        out[i].ok = true;
        const std::size_t limit =
            kMaxBytesPerToken * static_cast<std::size_t>(std::max(asked[i]->max_tokens, 0));
        out[i].content = util::utf8_prefix(results[i]->content, limit);
        out[i].reasoning = util::utf8_prefix(results[i]->reasoning, limit);
        out[i].call = llm::request_hash(*asked[i]);
        out[i].truncated =
            results[i]->finish_reason == "length" || results[i]->content.size() > limit;
        calls.truncated += out[i].truncated ? 1 : 0;
        summary.tokens += results[i]->prompt_tokens + results[i]->completion_tokens;
    }
    return out;
}

} // namespace assay::pipeline
