#pragma once

#include <cstddef>

/// A replacement of every global operator new/delete that counts allocations, linked into
/// the test binaries that show a path allocates nothing in steady state (window fold,
/// generator). Kept in its own translation unit so that the compiler cannot pair it with
/// inlined deletes and warn. Take a count before and after the code under test.
/// @thread any (relaxed atomics: statistics only)
namespace pulso::test {
/// Heap allocations made through operator new (any form) in this process so far.
std::size_t allocation_count() noexcept;
/// Of those, the ones through the aligned forms (over-aligned types).
std::size_t aligned_allocation_count() noexcept;
} // namespace pulso::test
