# Trainer benchmarks (not run by ctest except tiny smoke runs): the client's overhead on a real
# ResNet-18 training step, probes on vs off in alternating blocks; and whole processes taking
# turns (trainer_gated_bench.py).
actiscope_cc_benchmark(NAME trainer_overhead_bench
  SRCS trainer_overhead_bench.cc
  DEPS actiscope_trainer actiscope_testing absl::flags absl::flags_parse)
add_test(NAME trainer_overhead_bench_smoke
  COMMAND trainer_overhead_bench --width=4 --batch_size=8 --blocks=2 --steps_per_block=1)
# trainer_gated_bench.py end to end on a tiny run: two servers and trainers taking turns, the
# progress lines parsed, the ratio and CPU per owner printed.
add_test(NAME trainer_gated_bench_smoke
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/trainer_gated_bench.py
          --build=${CMAKE_BINARY_DIR} --pairs=1 --seconds=3 --warmup_s=1 --slice=0.1 --width=4
          -- --batch_size=8)
set_tests_properties(trainer_gated_bench_smoke PROPERTIES TIMEOUT 120
  PASS_REGULAR_EXPRESSION "median CPU ms per step, probes: training [0-9.]+ +reporter")
