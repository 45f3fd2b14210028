#include "store/migrations.hpp"
#include "store/store.hpp"
#include "util/hash.hpp"

#include <doctest/doctest.h>

using namespace assay;

TEST_CASE("store::migrations") {
    const auto all = store::migrations();
    REQUIRE(all.size() == store::Store::kSchemaVersion);
    // A migration that has shipped never changes: databases out there were built by it. These
    // are the hashes of the five that have; a new version adds a line.
    const std::vector<std::string> shipped{
        "b276ddd428ba744fcc4f0fe7d65ff857", "6c7bd2f1d585d9c6e0c155c47e1477f5",
        "e568cdb29afb280f81da432f0f965cc9", "3e83fe1fb3aee5725cff7b58a4407825",
        "b3d418b312da67d9c9f371e7b4e486d0"};
    for (std::size_t i = 0; i < shipped.size(); ++i) {
        INFO("migration " << i + 1);
        CHECK(util::content_hash(all[i]) == shipped[i]);
    }
}
