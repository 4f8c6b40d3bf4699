# One helper per kind of target, so every actiscope target gets the same include root,
# warnings and test registration.
#
#   actiscope_cc_library(NAME name SRCS a.cc ... [HDRS ...] DEPS target ...)
#   actiscope_cc_binary(NAME name SRCS main.cc ... DEPS target ...)
#   actiscope_cc_test(NAME name SRCS a_test.cc ... DEPS target ... [LABELS ...])
#   actiscope_cc_benchmark(NAME name SRCS a_bench.cc ... DEPS target ...)
#   actiscope_cc_fuzzer(NAME name SRCS a_fuzzer.cc ... DEPS target ...)   (ACTISCOPE_FUZZ only)
include(CMakeParseArguments)
include(GoogleTest)

function(actiscope_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(ACTISCOPE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(actiscope_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
  target_include_directories(${ARG_NAME} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
  actiscope_apply_warnings(${ARG_NAME})
endfunction()

function(actiscope_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  actiscope_apply_warnings(${ARG_NAME})
endfunction()

function(actiscope_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  actiscope_apply_warnings(${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${ARG_NAME}
      WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
      PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
      DISCOVERY_TIMEOUT 60)
endfunction()

function(actiscope_cc_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  actiscope_apply_warnings(${ARG_NAME})
endfunction()

# A libFuzzer target (clang, -DACTISCOPE_FUZZ=ON, which instruments every actiscope target with
# AddressSanitizer and UndefinedBehaviorSanitizer): tests/fuzz/run.sh builds and runs them.
function(actiscope_cc_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
  actiscope_apply_warnings(${ARG_NAME})
endfunction()
