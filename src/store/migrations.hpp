// Schema migrations: migration N takes the database from version N-1 to N. Never edit one
// that has shipped; add the next.
#pragma once

#include <span>
#include <string_view>

namespace assay::store {

[[nodiscard]] std::span<const std::string_view> migrations();

} // namespace assay::store
