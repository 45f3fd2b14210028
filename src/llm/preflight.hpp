// The pre-flight of a run with an LLM: one `GET {base}/models` before any stage, so a server
// that cannot be reached or a model it does not serve ends the run before hours of work.
#pragma once

#include "llm/client.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::llm {

// What `GET {base}/models` said.
struct ServedModels {
    std::string url;              // the URL asked
    int status = 0;               // its HTTP status
    std::string body;             // the start of its body, for messages
    bool listed = false;          // a 2xx whose body is an OpenAI-style list
    std::vector<std::string> ids; // that list's `data[].id`
};

// Asks once, no retries, with the options' key and connect timeout (and `timeout`, at most
// 30 s). Fails (exit 3) naming the URL and the reason when the server cannot be reached, or
// (exit 2) when `base_url` is not a URL.
[[nodiscard]] Expected<ServedModels> served_models(const HttpClientOptions& options);

// Whether `ids` has `model`; Ollama lists "name:latest" for a model asked for as "name".
[[nodiscard]] bool serves(const std::vector<std::string>& ids, std::string_view model);

// The check itself. Fails when the server cannot be reached (exit 3, naming the URL and the
// reason) unless the store already holds `cached_calls` > 0 answers of this model (a rerun on a
// copy of the database without the server: it goes on, and what the cache does not answer
// fails as in any run); when it refuses the key (401, 403: exit 3); or when it lists models
// without `model` (exit 2, naming the ones it serves). A server without a list (404, 405, 501)
// passes silently; any other answer passes with a warning. Returns the warning for stderr, or
// "".
[[nodiscard]] Expected<std::string> preflight(const HttpClientOptions& options,
                                              std::string_view model, std::int64_t cached_calls);

} // namespace assay::llm
