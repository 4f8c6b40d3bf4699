#!/usr/bin/python3
"""Whole-process steps/s of actiscope-train with and without probes, the two taking turns.

On a shared machine the speed of separate runs drifts by tens of percent from minute to minute
(trainer_cost_bench.py saw rounds from 0.86 to 1.41), far more than the effect sought. Here the
variants run at the same time but never together: each variant is a local actiscope-server (its
own fresh database) and an actiscope-train streaming to it, and the two process groups take turns
on the machine in slices (SIGSTOP / SIGCONT), so that drift hits both alike. The server of a
variant runs only in that variant's slices, so its ingest work counts against that variant.

Each variant's steps/s is measured on its own running clock (the sum of its slices), from its
progress lines (--progress_interval), leaving out the first --warmup_s seconds. One pair = one
such gated run; the printed ratio is none's steps/s / probes' steps/s, per pair and the median.
Over the same window it reads each variant's CPU time per step by owner from /proc (as
trainer_cost_bench.py does): the training threads, the reporter's, gRPC's and the server's.
Taking turns costs a server with live streams CPU of its own (about 0.13 ms per step here, in
both variants alike): compare the variants' server figures with each other, and take absolute
ones from trainer_cost_bench.py.

  tests/bench/trainer_gated_bench.py [--build=build] [--pairs=5] [--seconds=40] [--slice=0.5]
      [--width=16] [--variant='label:flags' (twice)] [-- extra actiscope-train flags]
"""

import argparse
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from local_server import start_server
from trainer_cost_bench import cpu_seconds, thread_cpu

OWNERS = ("training", "reporter", "grpc", "server")

# "epoch E/EE step S/SS  X steps/s ..." (the non-TTY progress line).
PROGRESS = re.compile(r"^epoch (\d+)/\d+ step (\d+)/(\d+) ")


class Variant:
    """One process group: a server and a trainer streaming to it, and its running clock."""

    def __init__(self, label, flags, build, work, args):
        self.label = label
        state = os.path.join(work, label)
        os.makedirs(state)
        self.server, grpc, _ = start_server(build, os.path.join(state, "bench.db"), state)
        command = [os.path.join(build, "trainer", "actiscope-train"), f"--server={grpc}",
                   f"--width={args.width}", "--epochs=1000", "--test_limit=256",
                   "--progress_interval=100ms", f"--run_name=trainer_gated_bench {label}"]
        command += shlex.split(flags) + args.extra
        self.trainer = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.running_since = None  # Monotonic time of the current slice's start.
        self.ran = 0.0  # Seconds of finished slices.
        self.lock = threading.Lock()
        self.points = []  # (running clock, global step) per progress line.
        self.marks = []  # (global step, CPU seconds by owner) at the window's start and end.
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def wait_until_training(self):
        """Waits for the first progress line: the trainer has connected and started its run
        (which must not be paused midway: gRPC deadlines run on wall time)."""
        while not self.points:
            if not self.alive():
                sys.exit(f"{self.label}: a process exited before training "
                         f"(trainer rc {self.trainer.poll()})")
            time.sleep(0.05)

    def clock(self):
        with self.lock:
            if self.running_since is None:
                return self.ran
            return self.ran + time.monotonic() - self.running_since

    def read(self):
        for line in self.trainer.stdout:
            m = PROGRESS.match(line)
            if m:
                epoch, step, per_epoch = (int(x) for x in m.groups())
                self.points.append((self.clock(), (epoch - 1) * per_epoch + step))

    def pids(self):
        return [self.server.pid, self.trainer.pid]

    def resume(self):
        for pid in self.pids():
            os.kill(pid, signal.SIGCONT)
        with self.lock:
            self.running_since = time.monotonic()

    def pause(self):
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)
        with self.lock:
            self.ran += time.monotonic() - self.running_since
            self.running_since = None

    def cpu_by_owner(self):
        """CPU seconds so far by owner; called while paused, so nothing moves meanwhile."""
        totals = dict.fromkeys(OWNERS, 0.0)
        for owner, seconds in thread_cpu(self.trainer.pid).values():
            totals[owner] += seconds
        with open(f"/proc/{self.server.pid}/stat") as f:
            totals["server"] = cpu_seconds(f.read())
        return totals

    def mark(self):
        """Notes the last step reported and the CPU times, for cpu_ms_per_step."""
        self.marks.append((self.points[-1][1] if self.points else 0, self.cpu_by_owner()))

    def cpu_ms_per_step(self):
        (step0, cpu0), (step1, cpu1) = self.marks
        return {owner: 1000 * (cpu1[owner] - cpu0[owner]) / max(step1 - step0, 1)
                for owner in OWNERS}

    def alive(self):
        return self.trainer.poll() is None and self.server.poll() is None

    def stop(self):
        for process in (self.trainer, self.server):
            process.kill()
            process.wait()
        self.reader.join()

    def steps_per_second(self, warmup_s):
        points = [p for p in self.points if p[0] >= warmup_s]
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            sys.exit(f"{self.label}: too few progress lines after the warm-up ({len(points)})")
        return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


def run_pair(variants_spec, build, args, first):
    work = tempfile.mkdtemp(prefix="trainer_gated_bench.")
    order = variants_spec[first:] + variants_spec[:first]
    variants = []
    try:
        # One group starts at a time and is paused once it trains; from then on one group
        # runs at a time.
        for label, flags in order:
            variants.append(Variant(label, flags, build, work, args))
            variants[-1].wait_until_training()
            for pid in variants[-1].pids():
                os.kill(pid, signal.SIGSTOP)
        turn = 0
        while min(v.clock() for v in variants) < args.seconds:
            v = variants[turn % len(variants)]
            v.resume()
            time.sleep(args.slice)
            v.pause()
            if not v.alive():
                sys.exit(f"{v.label}: a process exited early (trainer rc {v.trainer.poll()})")
            if not v.marks and v.clock() >= args.warmup_s:
                v.mark()
            turn += 1
        for v in variants:
            v.mark()
        return {v.label: (v.steps_per_second(args.warmup_s), v.cpu_ms_per_step())
                for v in variants}
    finally:
        for v in variants:
            for pid in v.pids():
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            v.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=40,
                        help="running seconds per variant and pair, warm-up included")
    parser.add_argument("--warmup_s", type=float, default=8,
                        help="running seconds left out at the start (start-up, data loading)")
    parser.add_argument("--slice", type=float, default=0.5, help="seconds per turn")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--variant", action="append", default=[],
                        help="LABEL:FLAGS, twice (default: none:--probes=none and probes:)")
    parser.add_argument("extra", nargs="*", help="flags for every actiscope-train run")
    args = parser.parse_args()
    spec = [v.split(":", 1) for v in args.variant] or [["none", "--probes=none"], ["probes", ""]]
    if len(spec) != 2:
        sys.exit("--variant: give exactly two, or none for the default pair")
    build = os.path.abspath(args.build)
    base, other = spec[0][0], spec[1][0]
    print(f"ResNet-18 width {args.width}, {args.pairs} pairs, {args.seconds:.0f} s per variant "
          f"and pair ({args.warmup_s:.0f} s warm-up left out), turns of {args.slice} s, "
          f"{os.cpu_count()} cores")
    print(f"{'pair':>4} {base + ' steps/s':>16} {other + ' steps/s':>16} {'ratio':>7}   "
          f"CPU ms per step, {base} / {other}: " + "  ".join(OWNERS))
    ratios = []
    cpu = {base: [], other: []}
    for pair in range(args.pairs):
        results = run_pair(spec, build, args, pair % 2)
        ratios.append(results[base][0] / results[other][0])
        for label in cpu:
            cpu[label].append(results[label][1])
        owners = "  ".join(f"{results[base][1][o]:.3f} / {results[other][1][o]:.3f}"
                           for o in OWNERS)
        print(f"{pair:>4} {results[base][0]:>16.2f} {results[other][0]:>16.2f} "
              f"{ratios[-1]:>7.4f}   {owners}", flush=True)
    print(f"median ratio {base}/{other} steps/s: {statistics.median(ratios):.4f}   "
          f"(pairs: {' '.join(f'{r:.4f}' for r in ratios)})")
    for label in cpu:
        medians = "  ".join(f"{o} {statistics.median(c[o] for c in cpu[label]):.3f}"
                            for o in OWNERS)
        print(f"median CPU ms per step, {label}: {medians}")


if __name__ == "__main__":
    main()
