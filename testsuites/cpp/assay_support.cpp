// The C++ harness's fixed code (assay.hpp's declarations between its ASSAY-SHARED markers, whose
// definitions are assay_support.inl), compiled once by the build into build/native/cpp/
// assay_support.o (CMakeLists.txt) and linked into every judge and every runner built from a
// cases' object (languages/cpp.toml `support_object`), so that those compiles do not compile it
// again each time. The same definitions as the inline ones of a unit that does not link it.
// The declarations, then their definitions.
// clang-format off
#define ASSAY_SUPPORT_LINKED
#include "assay.hpp"
#include "assay_support.inl"
// clang-format on

namespace assay {
inline namespace ASSAY_MODE {
template <decltype(sizeof 0)... N> void layout_seen() {}
template void layout_seen<ASSAY_LAYOUT>();
} // namespace ASSAY_MODE
} // namespace assay
