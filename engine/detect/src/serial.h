#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

/// Little helpers for the detector's snapshot: fixed-width little-endian-as-stored values
/// (snapshots are read back by the same build on the same machine kind) and length-prefixed
/// strings. Readers check bounds and return false on truncation; the floating-point readers
/// also refuse NaN and infinities, which no saved state holds (a NaN baseline would silence a
/// brand's rules for good instead of failing the restore).
namespace pulso::detail {

template <class T> inline void put_raw(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}
inline void put_u8(std::string& out, std::uint8_t v) {
    put_raw(out, v);
}
inline void put_u32(std::string& out, std::uint32_t v) {
    put_raw(out, v);
}
inline void put_u64(std::string& out, std::uint64_t v) {
    put_raw(out, v);
}
inline void put_i64(std::string& out, std::int64_t v) {
    put_raw(out, v);
}
inline void put_f32(std::string& out, float v) {
    put_raw(out, v);
}
inline void put_f64(std::string& out, double v) {
    put_raw(out, v);
}
inline void put_str(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

template <class T> [[nodiscard]] inline bool get_raw(std::string_view in, std::size_t& pos, T& v) {
    if (pos > in.size() || in.size() - pos < sizeof(T)) {
        return false;
    }
    std::memcpy(&v, in.data() + pos, sizeof(T));
    pos += sizeof(T);
    return true;
}
[[nodiscard]] inline bool get_u8(std::string_view in, std::size_t& pos, std::uint8_t& v) {
    return get_raw(in, pos, v);
}
[[nodiscard]] inline bool get_u32(std::string_view in, std::size_t& pos, std::uint32_t& v) {
    return get_raw(in, pos, v);
}
[[nodiscard]] inline bool get_u64(std::string_view in, std::size_t& pos, std::uint64_t& v) {
    return get_raw(in, pos, v);
}
[[nodiscard]] inline bool get_i64(std::string_view in, std::size_t& pos, std::int64_t& v) {
    return get_raw(in, pos, v);
}
[[nodiscard]] inline bool get_f32(std::string_view in, std::size_t& pos, float& v) {
    return get_raw(in, pos, v) && std::isfinite(v);
}
[[nodiscard]] inline bool get_f64(std::string_view in, std::size_t& pos, double& v) {
    return get_raw(in, pos, v) && std::isfinite(v);
}
[[nodiscard]] inline bool get_str(std::string_view in, std::size_t& pos, std::string& s) {
    std::uint32_t n = 0;
    if (!get_u32(in, pos, n) || in.size() - pos < n) {
        return false;
    }
    s.assign(in.data() + pos, n);
    pos += n;
    return true;
}

} // namespace pulso::detail
