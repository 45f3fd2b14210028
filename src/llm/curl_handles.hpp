// Owners of libcurl's C handles (STYLE.md §4).
#pragma once

#include <curl/curl.h>
#include <memory>

namespace assay::llm {

namespace detail {
template <auto Delete> struct CurlDeleter {
    template <typename T> void operator()(T* handle) const { Delete(handle); }
};
} // namespace detail

// Owns an easy handle (from curl_easy_init). Remove it from any multi handle before it dies.
using CurlEasy = std::unique_ptr<CURL, detail::CurlDeleter<curl_easy_cleanup>>;
// Owns a multi handle (from curl_multi_init); outlives the easy handles added to it.
using CurlMulti = std::unique_ptr<CURLM, detail::CurlDeleter<curl_multi_cleanup>>;
// Owns a header list (from curl_slist_append); must outlive every transfer that uses it.
using CurlHeaders = std::unique_ptr<curl_slist, detail::CurlDeleter<curl_slist_free_all>>;
// Owns a URL handle (from curl_url).
using CurlUrl = std::unique_ptr<CURLU, detail::CurlDeleter<curl_url_cleanup>>;

// Appends `header` to `list`; false when libcurl is out of memory (the list is unchanged).
[[nodiscard]] inline bool append_header(CurlHeaders& list, const char* header) {
    curl_slist* grown = curl_slist_append(list.get(), header);
    if (grown == nullptr) return false;
    (void)list.release();
    list.reset(grown);
    return true;
}

} // namespace assay::llm
