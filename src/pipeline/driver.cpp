#include "pipeline/driver.hpp"

#include "llm/cache.hpp"
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

} // namespace

std::vector<Answer> Driver::ask(std::string_view stage,
                                const std::vector<llm::ChatRequest>& requests,
                                LlmSummary& summary) const {
    LlmSummary::Calls& calls = summary.calls[std::string(stage)];
    calls.requests += static_cast<int>(requests.size());
    if (!requests.empty()) log(fmt::format("{}: {} requests", stage, requests.size()));
    std::vector<llm::ChatResult> results;
    if (client_ != nullptr) {
        results = client_->complete(requests);
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
        std::vector<llm::ChatResult> second = client_->complete(longer.requests);
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
