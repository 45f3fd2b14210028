// The definitions std_instances.hpp declares extern, compiled once by the build into
// build/native/cpp/std_instances.a with the descriptor's standard and level (CMakeLists.txt).
#include <cmath>
#include <string>
#define ASSAY_STD_INSTANCE template
#include "std_instances.hpp"
