// The pre-flight GET {base}/models against real loopback servers.
#include "llm/preflight.hpp"
#include "llm/script_server.hpp"

#include <doctest/doctest.h>

using assay::ErrorKind;
using assay::llm::HttpClientOptions;
using assay::llm::preflight;
using assay::testing::ScriptServer;

namespace {

// A server whose GET /v1/models answers `status` with `body`.
ScriptServer models_server(int status, std::string body) {
    return ScriptServer([](int, const httplib::Request&, httplib::Response&) {}, 4,
                        [status, body](httplib::Server& server) {
                            server.Get("/v1/models", [status, body](const httplib::Request&,
                                                                    httplib::Response& res) {
                                res.status = status;
                                res.set_content(body, "application/json");
                            });
                        });
}

HttpClientOptions options_for(const std::string& url) {
    HttpClientOptions options;
    options.base_url = url;
    return options;
}

constexpr const char* kList =
    R"({"object":"list","data":[{"id":"qwen-coder","object":"model"},{"id":"llama3:latest"}]})";

} // namespace

TEST_CASE("llm::preflight") {
    SUBCASE("a served model passes silently, from every form of the URL") {
        auto server = models_server(200, kList);
        for (const std::string& url :
             {server.url(), server.url() + "/v1/", server.url() + "/v1/chat/completions"}) {
            const auto checked = preflight(options_for(url), "qwen-coder", 0);
            REQUIRE_MESSAGE(checked, url);
            CHECK(checked->empty());
        }
        // Ollama lists "name:latest" for "name".
        CHECK(preflight(options_for(server.url()), "llama3", 0));
    }
    SUBCASE("a model the list lacks: bad input, naming the URL and what it serves") {
        auto server = models_server(200, kList);
        const auto checked = preflight(options_for(server.url() + "/v1"), "gpt-4o", 0);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == ErrorKind::bad_input);
        CHECK(checked.error().message == "model 'gpt-4o' is not served by " + server.url() +
                                             "/v1/models; it serves: qwen-coder, llama3:latest");
        // A cache does not excuse a wrong name.
        CHECK_FALSE(preflight(options_for(server.url()), "gpt-4o", 12));
    }
    SUBCASE("no model list (404, 405, 501): skipped silently") {
        for (const int status : {404, 405, 501}) {
            auto server = models_server(status, "{}");
            const auto checked = preflight(options_for(server.url()), "anything", 0);
            REQUIRE_MESSAGE(checked, status);
            CHECK(checked->empty());
        }
        // The route absent altogether.
        ScriptServer bare([](int, const httplib::Request&, httplib::Response&) {});
        const auto checked = preflight(options_for(bare.url()), "anything", 0);
        REQUIRE(checked);
        CHECK(checked->empty());
    }
    SUBCASE("a key refused: environment, naming the URL") {
        auto server = models_server(401, R"({"error":"bad key"})");
        const auto checked = preflight(options_for(server.url()), "m", 0);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == ErrorKind::environment);
        CHECK(checked.error().message.find("HTTP 401 from " + server.url() + "/v1/models") !=
              std::string::npos);
    }
    SUBCASE("another answer passes with a warning") {
        auto server = models_server(503, "busy");
        const auto checked = preflight(options_for(server.url()), "m", 0);
        REQUIRE(checked);
        CHECK(checked->find("HTTP 503") != std::string::npos);
        auto html = models_server(200, "<html>a web page</html>");
        const auto page = preflight(options_for(html.url()), "m", 0);
        REQUIRE(page);
        CHECK(page->find("no model list") != std::string::npos);
    }
    SUBCASE("nobody listening: environment, naming the URL and the reason") {
        std::string url;
        {
            ScriptServer gone([](int, const httplib::Request&, httplib::Response&) {});
            url = gone.url();
        }
        const auto checked = preflight(options_for(url + "/v1"), "m", 0);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == ErrorKind::environment);
        CHECK_MESSAGE(checked.error().message.find("GET " + url + "/v1/models: ") !=
                          std::string::npos,
                      checked.error().message);
        CHECK(checked.error().message.find("onnect") != std::string::npos);
        // With answers of this model in the database: a warning, and the run goes on.
        const auto cached = preflight(options_for(url), "m", 3);
        REQUIRE(cached);
        CHECK(cached->find("going on with the 3 answers of 'm'") != std::string::npos);
    }
}
