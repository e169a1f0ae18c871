#pragma once

#include <cstddef>

namespace pulso::test {
/// While set, calls of the global operator new are counted in g_allocations
/// (alloc_counter.cpp replaces it; kept in its own translation unit so the compiler cannot
/// pair it with inlined deletes and warn).
extern bool g_count_allocations;
extern std::size_t g_allocations;
} // namespace pulso::test
