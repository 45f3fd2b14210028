// Server URLs as users write them (client.hpp: check_base_url, normalise_base_url,
// endpoint_url) and the API key from the environment.
#include "llm/client.hpp"
#include "llm/curl_handles.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fmt/format.h>

namespace assay::llm {

std::string api_key_from_env() {
    for (const char* name : {"ASSAY_API_KEY", "OPENAI_API_KEY"})
        if (const char* key = std::getenv(name); key != nullptr && *key != '\0') return key;
    return {};
}

Expected<void> check_base_url(const std::string& url) {
    if (!url.starts_with("http://") && !url.starts_with("https://"))
        return fail("'{}' must start with http:// or https://", url);
    const CurlUrl parsed(curl_url());
    if (!parsed) return fail_env("libcurl: cannot create a URL handle");
    if (const CURLUcode code = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
        code != CURLUE_OK)
        return fail("'{}' is not a URL: {}", url, curl_url_strerror(code));
    return {};
}

namespace {

// A part of a parsed URL ("" when it has none).
std::string url_part(const CurlUrl& url, CURLUPart part) {
    char* text = nullptr;
    if (curl_url_get(url.get(), part, &text, 0) != CURLUE_OK || text == nullptr) return {};
    std::string out(text);
    curl_free(text);
    return out;
}

void drop_trailing_slashes(std::string& path) {
    while (!path.empty() && path.back() == '/')
        path.pop_back();
}

// "v1", "v2", "v1beta": a path segment that names an API version.
bool has_version_segment(std::string_view path) {
    std::size_t start = 0;
    while (start < path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view segment = path.substr(start, end - start);
        if (segment.size() >= 2 && segment[0] == 'v' &&
            std::isdigit(static_cast<unsigned char>(segment[1])) != 0)
            return true;
        start = end + 1;
    }
    return false;
}

} // namespace

Expected<std::string> normalise_base_url(const std::string& url) {
    ASSAY_TRY(check_base_url(url));
    const CurlUrl parsed(curl_url());
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
        return fail_env("libcurl: cannot parse '{}'", url);
    std::string path = url_part(parsed, CURLUPART_PATH);
    drop_trailing_slashes(path);
    constexpr std::string_view kChat = "/chat/completions";
    if (path.ends_with(kChat)) {
        path.resize(path.size() - kChat.size());
        drop_trailing_slashes(path);
    } else if (!has_version_segment(path)) {
        path += "/v1";
    }
    if (path.empty()) path.push_back('/');
    if (curl_url_set(parsed.get(), CURLUPART_PATH, path.c_str(), 0) != CURLUE_OK ||
        curl_url_set(parsed.get(), CURLUPART_FRAGMENT, nullptr, 0) != CURLUE_OK)
        return fail_env("libcurl: cannot build the URL of '{}'", url);
    std::string base = url_part(parsed, CURLUPART_URL);
    if (base.empty()) return fail_env("libcurl: cannot build the URL of '{}'", url);
    return base;
}

std::string endpoint_url(const std::string& base, std::string_view leaf) {
    const CurlUrl parsed(curl_url());
    if (parsed && curl_url_set(parsed.get(), CURLUPART_URL, base.c_str(), 0) == CURLUE_OK) {
        std::string path = url_part(parsed, CURLUPART_PATH);
        drop_trailing_slashes(path);
        path += '/';
        path += leaf;
        if (curl_url_set(parsed.get(), CURLUPART_PATH, path.c_str(), 0) == CURLUE_OK)
            if (std::string out = url_part(parsed, CURLUPART_URL); !out.empty()) return out;
    }
    return fmt::format("{}/{}", base, leaf);
}

} // namespace assay::llm
