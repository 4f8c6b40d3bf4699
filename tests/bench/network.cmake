# Network benchmark: real actiscope-server processes with tokens under hostile peers, hostile
# max-size requests against server RSS, and ingest over TLS + tokens against plaintext. Built,
# not run by ctest (about two minutes): build/tests/bench/network_bench
actiscope_cc_binary(NAME network_bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/network_bench.cc
  DEPS actiscope_load_driver actiscope_hostile_peers actiscope_test_process actiscope_testing
       absl::flags absl::flags_parse absl::strings absl::time)
target_compile_definitions(network_bench PRIVATE
    ACTISCOPE_SERVER_BIN="$<TARGET_FILE:actiscope-server>")
add_dependencies(network_bench actiscope-server)
