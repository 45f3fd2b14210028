// Owners of libcurl's C handles (util/c_handle.hpp).
#pragma once

#include "util/c_handle.hpp"
#include "util/error.hpp"

#include <curl/curl.h>
#include <mutex>

namespace assay::llm {

// Owns an easy handle (from curl_easy_init). Remove it from any multi handle before it dies.
using CurlEasy = util::CHandle<CURL, curl_easy_cleanup>;
// Owns a multi handle (from curl_multi_init); outlives the easy handles added to it.
using CurlMulti = util::CHandle<CURLM, curl_multi_cleanup>;
// Owns a header list (from curl_slist_append); must outlive every transfer that uses it.
using CurlHeaders = util::CHandle<curl_slist, curl_slist_free_all>;
// Owns a URL handle (from curl_url).
using CurlUrl = util::CHandle<CURLU, curl_url_cleanup>;

// Appends `header` to `list`; false when libcurl is out of memory (the list is unchanged).
[[nodiscard]] inline bool append_header(CurlHeaders& list, const char* header) {
    curl_slist* grown = curl_slist_append(list.get(), header);
    if (grown == nullptr) return false;
    (void)list.release();
    list.reset(grown);
    return true;
}

// curl_global_init, once per process, before the first handle.
[[nodiscard]] inline Expected<void> init_curl() {
    static std::once_flag initialised;
    static CURLcode code = CURLE_OK;
    std::call_once(initialised, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (code != CURLE_OK) return fail_env("libcurl: {}", curl_easy_strerror(code));
    return {};
}

} // namespace assay::llm
