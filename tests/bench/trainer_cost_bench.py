#!/usr/bin/python3
"""Whole-process cost of actiscope on a real CPU training run, and where it goes.

Starts actiscope-server on a fresh database, then runs actiscope-train (ResNet-18 on
Fashion-MNIST) in alternating rounds of variants, by default without probes (--probes=none)
and with the default 5 activation probes x 40 bins; each round rotates which variant goes
first, so drift in machine load hits all alike. For every run it records the trainer's own
steps/s and the CPU seconds spent by: the training threads (the main thread and LibTorch's
intra-op workers), the reporter's threads (actiscope-batch, actiscope-send), gRPC's threads, and
the local server process. On a machine whose cores training already fills, every CPU second
of the last three is taken from training.

  tests/bench/trainer_cost_bench.py [--build=build] [--pairs=5] [--steps=600] [--width=16]
      [--variant='label:flags'...] [-- extra actiscope-train flags]

Prints one line per run, then per variant the median steps/s, the median of the per-round
ratios against the first variant, and the median CPU milliseconds per step by owner.
"""

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading

from local_server import start_server

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stat_line):
    """utime + stime from a /proc/.../stat line (the comm field may hold spaces)."""
    fields = stat_line[stat_line.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def owner_of(comm):
    if comm.startswith("actiscope-batch") or comm.startswith("actiscope-send"):
        return "reporter"
    if comm.startswith("grpc") or comm in ("default-executo", "resolver-execu"):
        return "grpc"
    return "training"


def thread_cpu(pid):
    """{tid: (owner, CPU seconds)} of the live threads of process `pid` ({} once it is gone)."""
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                line = f.read()
        except OSError:
            continue
        threads[tid] = (owner_of(line[line.index("(") + 1:line.rindex(")")]), cpu_seconds(line))
    return threads


class ThreadSampler:
    """Polls /proc/PID/task every 50 ms and keeps each thread's last CPU time: a thread's
    total is exact once it has been seen after its last CPU use (within 50 ms of its end)."""

    def __init__(self, pid):
        self.pid = pid
        self.last = {}  # tid -> (owner, cpu seconds)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def sample(self):
        self.last.update(thread_cpu(self.pid))

    def loop(self):
        while not self.done.wait(0.05):
            self.sample()

    def stop(self):
        self.done.set()
        self.thread.join()
        totals = {}
        for owner, seconds in self.last.values():
            totals[owner] = totals.get(owner, 0.0) + seconds
        return totals


def process_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        return cpu_seconds(f.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    parser.add_argument("--pairs", type=int, default=5, help="rounds of all variants")
    parser.add_argument("--steps", type=int, default=600, help="training steps per run")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--variant", action="append", default=[],
                        help="LABEL:FLAGS, repeatable (default: none:--probes=none and probes:)")
    parser.add_argument("extra", nargs="*", help="flags for every actiscope-train run")
    args = parser.parse_args()
    variants = [v.split(":", 1) for v in args.variant] or [["none", "--probes=none"],
                                                           ["probes", ""]]
    build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="trainer_cost_bench.")
    server, grpc, _ = start_server(build, f"{work}/bench.db", work,
                                   stderr=open(os.path.join(work, "server.log"), "w"))
    grpc_port = grpc.split(":")[1]
    try:
        results = {label: [] for label, _ in variants}
        print(f"ResNet-18 width {args.width}, {args.steps} steps per run, {args.pairs} rounds, "
              f"server on 127.0.0.1:{grpc_port}, {os.cpu_count()} cores")
        print(f"{'round':>5} {'variant':<24} {'steps/s':>8} {'training':>9} {'reporter':>9} "
              f"{'grpc':>7} {'server':>7}   (CPU ms per step)")
        for round_index in range(args.pairs):
            shift = round_index % len(variants)
            for label, flags in variants[shift:] + variants[:shift]:
                command = [f"{build}/trainer/actiscope-train", f"--server=127.0.0.1:{grpc_port}",
                           f"--width={args.width}", "--epochs=1", f"--max_steps={args.steps}",
                           "--test_limit=256", f"--run_name=trainer_cost_bench {label}"]
                command += shlex.split(flags) + args.extra
                server_before = process_cpu(server.pid)
                trainer = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
                sampler = ThreadSampler(trainer.pid)
                output = trainer.communicate()[0]
                owners = sampler.stop()
                server_cpu = process_cpu(server.pid) - server_before
                if trainer.returncode != 0:
                    sys.exit(f"{label}: actiscope-train exited {trainer.returncode}:\n{output}")
                # The summary line: "steps N  steps/s X  ..." (progress lines say "X steps/s").
                steps_per_s = float(re.search(r"^steps \d+\s+steps/s ([\d.]+)", output,
                                              re.MULTILINE).group(1))
                per_step = {k: 1000 * v / args.steps for k, v in owners.items()}
                per_step["server"] = 1000 * server_cpu / args.steps
                results[label].append((steps_per_s, per_step))
                print(f"{round_index:>5} {label:<24} {steps_per_s:>8.2f} "
                      f"{per_step.get('training', 0):>9.2f} {per_step.get('reporter', 0):>9.2f} "
                      f"{per_step.get('grpc', 0):>7.2f} {per_step['server']:>7.2f}", flush=True)
    finally:
        server.terminate()
        server.wait()

    base = variants[0][0]
    print(f"\nmedians; ratio = {base} steps/s / variant steps/s in the same round")
    print(f"{'variant':<24} {'steps/s':>8} {'ratio':>6} {'training':>9} {'reporter':>9} "
          f"{'grpc':>7} {'server':>7}   (CPU ms per step)   ratios per round")
    for label, _ in variants:
        runs = results[label]
        ratios = [b[0] / r[0] for b, r in zip(results[base], runs)]

        def median_of(owner):
            return statistics.median(r[1].get(owner, 0.0) for r in runs)

        print(f"{label:<24} {statistics.median(r[0] for r in runs):>8.2f} "
              f"{statistics.median(ratios):>6.3f} {median_of('training'):>9.2f} "
              f"{median_of('reporter'):>9.2f} {median_of('grpc'):>7.2f} {median_of('server'):>7.2f}"
              f"   {' '.join(f'{x:.3f}' for x in ratios)}")


if __name__ == "__main__":
    main()
