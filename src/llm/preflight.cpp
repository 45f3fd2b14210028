#include "llm/preflight.hpp"

#include "llm/curl_handles.hpp"
#include "util/interrupt.hpp"
#include "util/string.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace assay::llm {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 4u << 20;
constexpr std::chrono::milliseconds kLongest{30'000};

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    const std::size_t bytes = size * count;
    if (body->size() + bytes > kMaxBody) return 0;
    body->append(data, bytes);
    return bytes;
}

// Aborts the transfer once SIGINT or SIGTERM came (libcurl calls it about once a second, and
// more often while data flows).
int stop_on_signal(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return util::stop_signal() != 0 ? 1 : 0;
}

// The ids of an OpenAI-style model list ({"data": [{"id": …}, …]}), or nullopt.
std::optional<std::vector<std::string>> list_ids(const std::string& body) {
    const json list = json::parse(body, nullptr, false);
    if (list.is_discarded() || !list.is_object()) return std::nullopt;
    const auto data = list.find("data");
    if (data == list.end() || !data->is_array()) return std::nullopt;
    std::vector<std::string> ids;
    for (const json& entry : *data)
        if (entry.is_object() && entry.contains("id") && entry["id"].is_string())
            ids.push_back(entry["id"].get<std::string>());
    return ids;
}

std::string listing(const std::vector<std::string>& ids) {
    constexpr std::size_t kShown = 20;
    std::string out;
    for (std::size_t i = 0; i < ids.size() && i < kShown; ++i)
        out += (i == 0 ? "" : ", ") + ids[i];
    if (ids.size() > kShown) out += fmt::format(" and {} more", ids.size() - kShown);
    return out;
}

} // namespace

Expected<ServedModels> served_models(const HttpClientOptions& options) {
    ASSAY_TRY(init_curl());
    ServedModels out;
    out.url = endpoint_url(ASSAY_TRY(normalise_base_url(options.base_url)), "models");
    const CurlEasy easy(curl_easy_init());
    CurlHeaders headers;
    const std::string authorization = "Authorization: Bearer " + options.api_key;
    if (!easy || (!options.api_key.empty() && !append_header(headers, authorization.c_str())))
        return fail_env("libcurl: cannot set up GET {}", out.url);
    std::string body;
    CURL* e = easy.get();
    CURLcode code = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (code == CURLE_OK) code = curl_easy_setopt(e, option, value);
    };
    set(CURLOPT_URL, out.url.c_str());
    set(CURLOPT_HTTPGET, 1L);
    set(CURLOPT_HTTPHEADER, headers.get());
    set(CURLOPT_WRITEFUNCTION, &keep_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&body));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(std::min(options.timeout, kLongest).count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_NOPROGRESS, 0L);
    set(CURLOPT_XFERINFOFUNCTION, &stop_on_signal);
    if (code == CURLE_OK) code = curl_easy_perform(e);
    if (util::stop_signal() != 0) return util::interrupted();
    if (code != CURLE_OK)
        return fail_env("cannot reach the LLM server: GET {}: {}", out.url,
                        curl_easy_strerror(code));
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
    out.body = util::valid_utf8(util::clip(body, 300));
    if (status >= 200 && status < 300)
        if (auto ids = list_ids(body)) {
            out.listed = true;
            out.ids = std::move(*ids);
        }
    return out;
}

bool serves(const std::vector<std::string>& ids, std::string_view model) {
    return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
        return id == model ||
               (model.find(':') == std::string_view::npos && id.size() == model.size() + 7 &&
                id.starts_with(model) && id.ends_with(":latest"));
    });
}

Expected<std::string> preflight(const HttpClientOptions& options, std::string_view model,
                                std::int64_t cached_calls) {
    auto served = served_models(options);
    if (!served) {
        if (served.error().kind != ErrorKind::environment || cached_calls == 0)
            return Unexpected(served.error());
        return fmt::format("{}; going on with the {} answers of '{}' in the database (a request "
                           "they do not answer fails)",
                           served.error().message, cached_calls, model);
    }
    const ServedModels& m = *served;
    if (m.status == 404 || m.status == 405 || m.status == 501) return std::string();
    if (m.status == 401 || m.status == 403)
        return fail_env("the LLM server refused the API key ($ASSAY_API_KEY or $OPENAI_API_KEY): "
                        "HTTP {} from {}: {}",
                        m.status, m.url, m.body);
    if (!m.listed)
        return fmt::format("GET {} gave HTTP {} and no model list ({}); going on", m.url, m.status,
                           m.body);
    if (m.ids.empty() || serves(m.ids, model)) return std::string();
    return fail("model '{}' is not served by {}; it serves: {}", model, m.url, listing(m.ids));
}

} // namespace assay::llm
