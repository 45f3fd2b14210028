#include "cli/run_config.hpp"

#include "util/file.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <toml++/toml.h>

namespace assay::cli {

namespace fs = std::filesystem;

namespace {

std::string at(const fs::path& file, const toml::source_region& region) {
    return fmt::format("{}:{}", file.string(), region.begin.line);
}

const char* type_name(toml::node_type type) {
    switch (type) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return "a date or time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

const char* expected(ValueKind kind) {
    switch (kind) {
    case ValueKind::flag:
        return "true or false";
    case ValueKind::list:
        return "an array of strings";
    case ValueKind::integer:
        return "an integer";
    case ValueKind::count:
        return "an integer >= 0";
    case ValueKind::number:
        return "a number";
    case ValueKind::text:
        return "a string";
    case ValueKind::text_list:
        return "a string or an array of strings";
    }
    return "a string";
}

// The strings of `node`, a string or an array of strings.
Expected<std::vector<std::string>> strings(const toml::node& node, const fs::path& file,
                                           std::string_view key) {
    if (const auto* text = node.as_string()) return std::vector<std::string>{text->get()};
    std::vector<std::string> out;
    for (const toml::node& item : *node.as_array()) {
        const auto* text = item.as_string();
        if (text == nullptr)
            return fail_at(at(file, item.source()),
                           "'{}' must be an array of strings; an item is {}", key,
                           type_name(item.type()));
        out.push_back(text->get());
    }
    return out;
}

// `node` as the arguments of an option of `key.kind`.
Expected<std::vector<std::string>> arguments(const toml::node& node, const ConfigKey& key,
                                             const fs::path& file) {
    const auto wrong = [&]() -> Expected<std::vector<std::string>> {
        return fail_at(at(file, node.source()), "'{}' must be {}, not {}", key.name,
                       expected(key.kind), type_name(node.type()));
    };
    switch (key.kind) {
    case ValueKind::flag:
        if (const auto* b = node.as_boolean())
            return std::vector<std::string>{b->get() ? "true" : "false"};
        return wrong();
    case ValueKind::list:
    case ValueKind::text_list: {
        if (!node.is_string() && !node.is_array()) return wrong();
        auto values = ASSAY_TRY(strings(node, file, key.name));
        if (key.kind == ValueKind::text_list) {
            std::string joined;
            for (const std::string& v : values)
                joined += (joined.empty() ? "" : ",") + v;
            values = {joined};
        }
        if (key.path)
            for (std::string& v : values)
                if (!v.empty() && fs::path(v).is_relative()) v = (file.parent_path() / v).string();
        return values;
    }
    case ValueKind::integer:
    case ValueKind::count:
        if (const auto* i = node.as_integer()) {
            if (key.kind == ValueKind::count && i->get() < 0)
                return fail_at(at(file, node.source()), "'{}' must not be negative, not {}",
                               key.name, i->get());
            return std::vector<std::string>{std::to_string(i->get())};
        }
        return wrong();
    case ValueKind::number:
        if (const auto* i = node.as_integer())
            return std::vector<std::string>{std::to_string(i->get())};
        if (const auto* f = node.as_floating_point())
            return std::vector<std::string>{fmt::format("{}", f->get())};
        return wrong();
    case ValueKind::text:
        if (const auto* s = node.as_string()) {
            std::string value = s->get();
            if (key.path && !value.empty() && fs::path(value).is_relative())
                value = (file.parent_path() / value).string();
            return std::vector<std::string>{value};
        }
        return wrong();
    }
    return wrong();
}

} // namespace

Expected<std::vector<ConfigValue>> parse_config(std::string_view text, const fs::path& file,
                                                std::span<const ConfigKey> keys) {
    toml::table table;
    try {
        table = toml::parse(text, file.string());
    } catch (const toml::parse_error& error) {
        const auto& begin = error.source().begin;
        return fail_at(fmt::format("{}:{}:{}", file.string(), begin.line, begin.column), "{}",
                       error.description());
    }
    // In the order of the file, so the first error reported is the first in the file.
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [name, node] : table)
        entries.emplace_back(&name, &node);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.first->source().begin.line < b.first->source().begin.line;
    });
    std::vector<std::string> names;
    for (const ConfigKey& key : keys)
        names.push_back(key.name);
    std::vector<ConfigValue> out;
    for (const auto& [name, node] : entries) {
        const std::string where = at(file, name->source());
        const std::string_view key_name = name->str();
        const auto key = std::find_if(keys.begin(), keys.end(), [key_name](const ConfigKey& k) {
            return k.name == key_name;
        });
        if (key == keys.end()) {
            if (node->is_table())
                return fail_at(where, "unknown table [{}]: give run's options as top-level keys",
                               key_name);
            const std::string close = util::nearest(key_name, names);
            if (!close.empty())
                return fail_at(where, "unknown key '{}' (did you mean '{}'?)", key_name, close);
            return fail_at(where,
                           "unknown key '{}' (the keys are run's long options without --; see "
                           "assay run --help)",
                           key_name);
        }
        out.push_back({key->name, ASSAY_TRY(arguments(*node, *key, file)), where});
    }
    return out;
}

std::vector<ConfigKey> config_keys(const CLI::App& command, ConfigShape shape) {
    const auto in = [](std::span<const std::string_view> names, std::string_view name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    std::vector<ConfigKey> keys;
    for (const CLI::Option* option : command.get_options()) {
        if (option->get_lnames().empty()) continue;
        const std::string& name = option->get_lnames().front();
        if (name == "help" || name == "config") continue;
        ConfigKey key{name};
        const std::string type = option->get_type_name();
        if (option->get_expected_max() == 0)
            key.kind = ValueKind::flag;
        else if (option->get_items_expected_max() > 1)
            key.kind = ValueKind::list;
        else if (type.starts_with("INT"))
            key.kind = ValueKind::integer;
        else if (type.starts_with("UINT"))
            key.kind = ValueKind::count;
        else if (type.starts_with("FLOAT"))
            key.kind = ValueKind::number;
        else
            key.kind = in(shape.comma_lists, name) ? ValueKind::text_list : ValueKind::text;
        key.path = in(shape.paths, name);
        keys.push_back(std::move(key));
    }
    return keys;
}

Expected<void> apply_config(CLI::App& command, const fs::path& file, ConfigShape shape) {
    auto text = util::read_file(file.string());
    if (!text) {
        // The file is the user's input, whatever stops it being read.
        Error error = text.error();
        error.message = fmt::format("--config: {}", error.message);
        error.kind = ErrorKind::bad_input;
        return Unexpected(std::move(error));
    }
    const auto values = ASSAY_TRY(parse_config(*text, file, config_keys(command, shape)));
    for (const ConfigValue& value : values) {
        CLI::Option* option = command.get_option("--" + value.name);
        if (option->count() > 0) continue; // the command line wins
        try {
            option->add_result(value.values);
            option->run_callback();
        } catch (const CLI::Error& error) {
            // CLI11's checks name the option already ("--jobs: ..."); its conversions do not.
            const std::string flag = "--" + value.name;
            const std::string_view what = error.what();
            return fail_at(value.where, "{}",
                           what.starts_with(flag) ? std::string(what)
                                                  : flag + ": " + std::string(what));
        }
    }
    return {};
}

} // namespace assay::cli
