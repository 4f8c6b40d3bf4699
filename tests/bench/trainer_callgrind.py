#!/usr/bin/python3
"""Where actiscope's cost goes in a real run, in instructions: counts that machine noise does
not move (issue 13's "account for each percentage point").

Starts actiscope-server on a fresh database and runs actiscope-train (ResNet-18 width 16 on
Fashion-MNIST, default probes: 5 activation layers x 40 bins, per-step loss and lr scalars,
streaming to the server) under valgrind's callgrind with one intra-op thread, then prints the
instructions of each of actiscope's parts against those of the training steps (forward,
backward, optimizer) of the same run. About 8 minutes for the default 20 steps.

Valgrind reports a processor without AVX-512 to the program, so LibTorch and the histogram
kernel take their AVX2 paths here: the kernel executes about twice the instructions of its
AVX-512 path, and instructions are not time (convolutions retire several per cycle). The
figures say which parts matter and how they compare, not the wall-clock ratio
(trainer_overhead_bench and trainer_gated_bench.py measure that).

  tests/bench/trainer_callgrind.py [--build=build] [--steps=20] [-- extra actiscope-train flags]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from local_server import start_server

# (label, regular expression for callgrind_annotate's inclusive function lines). The training
# step's parts sum to the denominator; each actiscope part is reported against it.
STEP_PARTS = [
    ("forward (with the probes)", r"actiscope::trainer::ResNet18::Forward\("),
    ("backward", r"at::Tensor::_backward\("),
    ("optimizer step", r"torch::optim::AdamW::step\("),
    ("zero_grad", r"torch::optim::Optimizer::zero_grad\("),
]
ACTISCOPE_PARTS = [
    ("probes: histograms + Record (training thread)",
     r"probes\.cc:std::_Function_handler<void \(std::__cxx11::basic_string"),
    ("  of which the histogram kernel", r"actiscope::client::Accumulate\(actiscope::client::KernelPath"),
    ("RecordScalar (loss, lr)", r"actiscope::client::Reporter::RecordScalar\("),
    ("progress line", r"actiscope::trainer::Progress::Step\("),
    ("alerts poll", r"actiscope::trainer::\(anonymous namespace\)::PrintAlerts\("),
    ("reporter batch thread: frames + zstd", r"actiscope::client::Reporter::Impl::BatchLoop\(\)"),
    ("  of which zstd", r"\?\?\?:ZSTD_compress \["),
    ("sender thread: spool + gRPC calls", r"actiscope::client::Sender::Run\(\)"),
    ("gRPC executor threads", r"grpc_core::Executor::ThreadMain\("),
    ("gRPC timer thread", r"grpc_event_engine::posix_engine::TimerManager::MainLoop\(\)"),
]


def inclusive_costs(annotated):
    """Largest inclusive count per pattern (a function appears once per file it inlines from;
    the line naming its own file carries the whole inclusive cost)."""
    costs = {}
    for label, pattern in STEP_PARTS + ACTISCOPE_PARTS:
        best = 0
        for line in annotated:
            if re.search(pattern, line):
                m = re.match(r"\s*([\d,]+) ", line)
                if m:
                    best = max(best, int(m.group(1).replace(",", "")))
        costs[label] = best
    return costs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("extra", nargs="*", help="flags for actiscope-train")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory() as work:
        server, grpc, _ = start_server(build, f"{work}/bench.db", work)
        try:
            out = os.path.join(work, "callgrind.out")
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                       f"{build}/trainer/actiscope-train", f"--server={grpc}",
                       "--width=16", "--epochs=1", f"--max_steps={args.steps}",
                       "--train_limit=2560", "--test_limit=64", "--threads=1",
                       "--run_name=trainer_callgrind"] + args.extra
            started = time.time()
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"actiscope-train under callgrind exited {run.returncode}:\n"
                         f"{run.stderr[-2000:]}")
            annotated = subprocess.run(
                ["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                capture_output=True, text=True, check=True).stdout.splitlines()
        finally:
            server.terminate()
            server.wait()
    costs = inclusive_costs(annotated)
    step = sum(costs[label] for label, _ in STEP_PARTS)
    print(f"ResNet-18 width 16, {args.steps} steps, 1 intra-op thread, default probes, "
          f"streaming to a local server; callgrind ({time.time() - started:.0f} s)")
    print(f"training steps: {step / args.steps / 1e6:.1f} M instructions per step "
          "(forward incl. probes + backward + optimizer + zero_grad)")
    print(f"{'part':48} {'M instr/step':>13} {'% of step':>10}")
    total = 0
    for label, _ in ACTISCOPE_PARTS:
        share = 100 * costs[label] / step
        if not label.startswith("  "):
            total += costs[label]
        print(f"{label:48} {costs[label] / args.steps / 1e6:13.3f} {share:10.3f}")
    print(f"{'actiscope in the trainer process, total':48} {total / args.steps / 1e6:13.3f} "
          f"{100 * total / step:10.3f}")


if __name__ == "__main__":
    main()
