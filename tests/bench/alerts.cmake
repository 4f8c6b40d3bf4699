# Alert detectors' cost at ingest (not run by ctest): ns per histogram AlertEngine::Observe adds.
actiscope_cc_binary(NAME alerts_bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/alerts_bench.cc
  DEPS actiscope_alerts absl::strings)
