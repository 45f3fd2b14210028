#define DOCTEST_CONFIG_IMPLEMENT
#include "support/temp_dir.hpp"

#include <cstdio>
#include <doctest/doctest.h>

int main(int argc, char** argv) {
    if (assay::testing::no_shared_data())
        std::fprintf(stderr,
                     "assay_tests: %s is absent: the tests that read HumanEval and MBPP from it "
                     "are skipped\n",
                     assay::testing::shared_data().c_str());
    return doctest::Context(argc, argv).run();
}
