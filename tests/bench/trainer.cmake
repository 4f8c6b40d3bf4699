# Trainer benchmarks (not run by ctest except a tiny smoke run): the client's overhead on a real
# ResNet-18 training step, probes on vs off in alternating blocks.
actiscope_cc_benchmark(NAME trainer_overhead_bench
  SRCS trainer_overhead_bench.cc
  DEPS actiscope_trainer actiscope_testing absl::flags absl::flags_parse)
add_test(NAME trainer_overhead_bench_smoke
  COMMAND trainer_overhead_bench --width=4 --batch_size=8 --blocks=2 --steps_per_block=1)
