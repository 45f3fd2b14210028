// Four small native-format problems for the run pipeline's tests, written into a directory.
// Together they give every refactoring kind something to do and no mutant a loop to hang in.
#pragma once

#include "support/temp_dir.hpp"

#include <filesystem>

namespace assay::testing {

inline constexpr const char* kRunningMax = R"toml(
id = "t/running_max"
language = "python"
title = "Running maximum"
entry_point = "running_max"
prompt = "Write `running_max(xs)`: the list whose i-th item is the largest of xs[0..i]."
solution = '''
def running_max(xs):
    out = []
    best = None
    for x in xs:
        if best is None or x > best:
            best = x
        out.append(best)
    return out
'''
visible = ["assert running_max([1, 3, 2, 5]) == [1, 3, 3, 5]", "assert running_max([]) == []"]
hidden = ["assert running_max([-2, -5, -1]) == [-2, -2, -1]", "assert running_max([4, 4, 1]) == [4, 4, 4]"]
)toml";

inline constexpr const char* kEvensSquared = R"toml(
id = "t/evens_squared"
language = "python"
title = "Squares of the even numbers"
entry_point = "evens_squared"
prompt = "Write `evens_squared(nums)`: the squares of the even numbers of nums, in order."
solution = '''
def evens_squared(nums):
    return [n * n for n in nums if n % 2 == 0]
'''
test_setup = '''
def check(f):
    assert f([2, 3]) == [4]
'''
visible = ["assert evens_squared([1, 2, 3, 4]) == [4, 16]", "check(candidate)"]
hidden = ["assert evens_squared([0, -2, 5]) == [0, 4]", "assert evens_squared([]) == []"]
)toml";

inline constexpr const char* kSignLabel = R"toml(
id = "t/sign_label"
language = "python"
title = "Sign label"
entry_point = "sign_label"
prompt = "Write `sign_label(n)`: 'negative' when n < 0, else 'non-negative'."
solution = '''
def sign_label(n):
    if n < 0:
        return "negative"
    else:
        return "non-negative"
'''
visible = ["assert sign_label(-3) == 'negative'", "assert sign_label(0) == 'non-negative'"]
hidden = ["assert sign_label(7) == 'non-negative'", "assert sign_label(-1) == 'negative'"]
)toml";

inline constexpr const char* kMiddle = R"toml(
id = "t/middle"
language = "python"
title = "Middle items"
entry_point = "middle"
prompt = "Write `middle(items)`: items without the first and last; empty when fewer than 3."
solution = '''
def middle(items):
    if len(items) < 3:
        return items[:0]
    return items[1:len(items) - 1]
'''
visible = ["assert middle([1, 2, 3, 4]) == [2, 3]", "assert middle([1, 2]) == []"]
hidden = ["assert middle('abcde') == 'bcd'", "assert middle([1, 2, 3]) == [2]", "assert middle('') == ''"]
)toml";

// Writes the four problems to `dir`/problems and returns that directory.
inline std::filesystem::path write_small_problems(const TempDir& dir) {
    dir.write("problems/running_max.toml", kRunningMax);
    dir.write("problems/evens_squared.toml", kEvensSquared);
    dir.write("problems/sign_label.toml", kSignLabel);
    dir.write("problems/middle.toml", kMiddle);
    return dir / "problems";
}

} // namespace assay::testing
