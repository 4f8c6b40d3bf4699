# Histogram codec speed (not run by ctest): ns per 40-bin histogram to encode and decode.
actiscope_cc_benchmark(NAME codec_bench
  SRCS codec_bench.cc
  DEPS actiscope_codec absl::time absl::strings)
