#include "export/conversation.hpp"

#include <algorithm>

namespace assay::exports {

using nlohmann::json;

json message(std::string_view role, const std::string& content) {
    return {{"role", role}, {"content", content}};
}

std::string fenced(const std::string& language, const std::string& code) {
    std::size_t longest = 0;
    std::size_t run = 0;
    for (const char c : code) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
    const bool newline = !code.empty() && code.back() == '\n';
    return fence + language + "\n" + code + (newline ? "" : "\n") + fence;
}

json weighted(json messages, bool trained, bool from_second) {
    std::size_t last = messages.size();
    for (std::size_t i = 0; i < messages.size(); ++i)
        if (messages[i]["role"] == "assistant") last = i;
    bool first = true;
    for (std::size_t i = 0; i < messages.size(); ++i)
        if (messages[i]["role"] == "assistant") {
            messages[i]["weight"] = trained && (i == last || (from_second && !first)) ? 1 : 0;
            first = false;
        }
    return messages;
}

json exchange(const std::string& prompt, const std::string& reply) {
    return weighted(json::array({message("user", prompt), message("assistant", reply)}), true);
}

} // namespace assay::exports
