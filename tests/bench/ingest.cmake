# Ingest benchmark: a real actiscope-server, 16 loadgen streams, durable acks. Built, not run by
# ctest (it takes tens of seconds): build/tests/bench/ingest_bench
actiscope_cc_binary(NAME ingest_bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/ingest_bench.cc
  DEPS actiscope_load_driver actiscope_test_process actiscope_testing absl::flags absl::flags_parse
       absl::strings absl::str_format)
target_compile_definitions(ingest_bench PRIVATE
    ACTISCOPE_SERVER_BIN="$<TARGET_FILE:actiscope-server>")
add_dependencies(ingest_bench actiscope-server)
