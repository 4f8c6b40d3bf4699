# Client library benchmarks (not run by ctest): histogram kernel throughput, where splitting a
# tensor over threads pays, and wire bytes.
actiscope_cc_benchmark(NAME client_kernel_bench
  SRCS client_kernel_bench.cc
  DEPS actiscope_client)

find_package(ZLIB REQUIRED)
actiscope_cc_benchmark(NAME client_wire_bench
  SRCS client_wire_bench.cc
  DEPS actiscope_client ZLIB::ZLIB)

actiscope_cc_benchmark(NAME client_split_bench
  SRCS client_split_bench.cc
  DEPS actiscope_client)
