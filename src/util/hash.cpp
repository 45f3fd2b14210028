#include "util/hash.hpp"

#include "util/c_handle.hpp"

#include <cstdint>
#include <fmt/format.h>
#include <memory>
#include <xxhash.h>

namespace assay::util {

std::string content_hash_parts(const std::vector<std::string_view>& parts) {
    const CHandle<XXH3_state_t, XXH3_freeState> state(XXH3_createState());
    XXH3_128bits_reset(state.get());
    for (std::string_view part : parts) {
        const std::uint64_t size = part.size();
        XXH3_128bits_update(state.get(), &size, sizeof size);
        XXH3_128bits_update(state.get(), part.data(), part.size());
    }
    const XXH128_hash_t digest = XXH3_128bits_digest(state.get());
    return fmt::format("{:016x}{:016x}", digest.high64, digest.low64);
}

std::string content_hash(std::string_view text) {
    return content_hash_parts({text});
}

} // namespace assay::util
