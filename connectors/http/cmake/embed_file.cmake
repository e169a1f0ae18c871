# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -P embed_file.cmake
# Turns the live page into a C++ byte array, so the binary serves it with no files around
# (works offline, no build step beyond CMake). Writes only when the content changed.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# Break the array into lines of 16 bytes for readable diagnostics.
string(REGEX REPLACE "(('[^']+',){16})" "\\1\n    " bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
set(content "// Generated from ${name} by connectors/http/cmake/embed_file.cmake. Do not edit.
#include \"pulso/http/http_server.h\"

namespace pulso::http {

namespace {
constexpr char k_page[] = {
    ${bytes}'\\0'};
} // namespace

std::string_view live_page_html() noexcept { return {k_page, sizeof(k_page) - 1}; }

} // namespace pulso::http
")
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" old)
    if(old STREQUAL content)
        return()
    endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
