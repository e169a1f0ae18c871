# Warnings live in an INTERFACE target that every pulso target links PRIVATE.
add_library(pulso_warnings INTERFACE)
target_compile_options(pulso_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wimplicit-fallthrough -Wno-missing-field-initializers
    $<$<BOOL:${PULSO_WERROR}>:-Werror>)

add_library(pulso_sanitize INTERFACE)
if(PULSO_SANITIZE)
    target_compile_options(pulso_sanitize INTERFACE -fsanitize=${PULSO_SANITIZE} -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
    target_link_options(pulso_sanitize INTERFACE -fsanitize=${PULSO_SANITIZE})
    # GCC 12's sanitizer instrumentation makes -Wmaybe-uninitialized fire inside libstdc++
    # (std::regex, std::function) where nothing is uninitialised. Sanitizer presets also build
    # without -Werror: the release build (CI) is the warnings gate.
    target_compile_options(pulso_sanitize INTERFACE -Wno-maybe-uninitialized)
endif()

# pulso_add_library(name SRCS a.cpp ... DEPS pulso::core ... PRIVATE_DEPS ...)
# Makes pulso_<name> with alias pulso::<name>; include/ is its only PUBLIC include directory.
function(pulso_add_library name)
    cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
    if(ARG_SRCS)
        add_library(pulso_${name} STATIC ${ARG_SRCS})
        target_include_directories(pulso_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
            PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
        target_link_libraries(pulso_${name} PUBLIC ${ARG_DEPS} pulso_sanitize
            PRIVATE ${ARG_PRIVATE_DEPS} pulso_warnings)
    else()
        add_library(pulso_${name} INTERFACE)
        target_include_directories(pulso_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
        target_link_libraries(pulso_${name} INTERFACE ${ARG_DEPS} pulso_sanitize)
    endif()
    add_library(pulso::${name} ALIAS pulso_${name})
endfunction()

# pulso_add_test(name SRCS ... DEPS ... LABELS unit ...) — one GoogleTest binary, registered with ctest.
function(pulso_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS;ARGS" ${ARGN})
    add_executable(${name} ${ARG_SRCS})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main pulso_warnings
        pulso_sanitize)
    target_compile_definitions(${name} PRIVATE PULSO_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        PULSO_BINARY_DIR="${PROJECT_BINARY_DIR}")
    if(NOT ARG_LABELS)
        set(ARG_LABELS unit)
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    add_test(NAME ${name} COMMAND ${name} ${ARG_ARGS})
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# pulso_add_bench(name SRCS ... DEPS ...) — a Google Benchmark binary, also a short ctest smoke run.
function(pulso_add_bench name)
    cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SRCS})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark pulso_warnings
        pulso_sanitize)
    target_compile_definitions(${name} PRIVATE PULSO_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    if(PULSO_BUILD_TESTS)
        add_test(NAME ${name}_smoke COMMAND ${name} --benchmark_min_time=0.01)
        set_tests_properties(${name}_smoke PROPERTIES LABELS bench TIMEOUT 300)
    endif()
endfunction()

# pulso_add_fuzz_smoke(name SRCS ... DEPS ... ARGS ...) — a fuzz body driven without libFuzzer
# (its corpus plus seeded mutations, any compiler), test <name>_smoke labelled unit so that the
# sanitizer builds run it. The executable is <name>_replay.
function(pulso_add_fuzz_smoke name)
    cmake_parse_arguments(ARG "" "" "SRCS;DEPS;ARGS" ${ARGN})
    add_executable(${name}_replay ${ARG_SRCS})
    target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS} pulso_warnings pulso_sanitize)
    add_test(NAME ${name}_smoke COMMAND ${name}_replay ${ARG_ARGS}
        WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(${name}_smoke PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# pulso_add_fuzz_target(name SRCS ... DEPS ... CORPUS dir ARGS ...) — a libFuzzer target (clang,
# ASan+UBSan) run for 30 s under ctest, label fuzz. libFuzzer adds what it finds to a scratch
# corpus in the build tree, never to the seed corpus in the source tree.
function(pulso_add_fuzz_target name)
    cmake_parse_arguments(ARG "" "CORPUS" "SRCS;DEPS;ARGS" ${ARGN})
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "PULSO_BUILD_FUZZ needs clang (libFuzzer); use the `fuzz` preset")
    endif()
    set(fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer)
    add_executable(${name} ${ARG_SRCS})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} pulso_warnings)
    target_compile_options(${name} PRIVATE ${fuzz_flags})
    target_link_options(${name} PRIVATE ${fuzz_flags})
    set(work_corpus ${CMAKE_CURRENT_BINARY_DIR}/corpus_work)
    file(MAKE_DIRECTORY ${work_corpus})
    add_test(NAME ${name}
        COMMAND ${name} -max_total_time=30 ${ARG_ARGS}
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/ ${work_corpus} ${ARG_CORPUS}
        WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 120)
endfunction()
