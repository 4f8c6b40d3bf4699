# Storage benchmark (not run by ctest): write throughput, bytes per stored histogram and
# heatmap latency of SqliteStore. Run: build/tests/bench/store_bench [--quick]
actiscope_cc_binary(NAME store_bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/store_bench.cc
  DEPS actiscope_store absl::strings absl::str_format absl::time Threads::Threads)
