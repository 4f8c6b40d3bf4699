#!/usr/bin/env python3
"""What watching a PyTorch model costs a training step, against the seed's method.

A plain training loop of torchvision's ResNet-18 (conv1 adapted to one input channel) on
Fashion-MNIST, batch 64, on the CPU, in three variants, each on its own copy of the same model:
  plain      no instrumentation
  actiscope  run.watch(model) (activations of the model's direct children) with a local
             actiscope-server (started from ACTISCOPE_BUILD_DIR unless --server is given)
  histc      the seed's method (fastai's ActivationStats): a forward hook on the same modules
             that keeps output.detach().float().histc(40, 0, 10).cpu()
They run in alternating blocks of --steps steps (the order rotating), --blocks times; the table
gives each variant's median steps/s over the blocks, and the time each adds to a step as the
median over blocks of (variant - plain) of the same round, which cancels most of the load that
other processes put on a shared machine.

    PYTHONPATH=build/python /usr/bin/python3 tests/bench/python_overhead_bench.py --blocks=30 --steps=2
"""

import argparse
import copy
import gzip
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch
import torchvision
from torch import nn

import actiscope

REPO = pathlib.Path(__file__).resolve().parents[2]


def load_images(data_dir, count):
    data = gzip.open(pathlib.Path(data_dir) / "train-images-idx3-ubyte.gz", "rb").read()
    images = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[:count]
    labels = gzip.open(pathlib.Path(data_dir) / "train-labels-idx1-ubyte.gz", "rb").read()
    labels = np.frombuffer(labels, dtype=np.uint8, offset=8)[:count].astype(np.int64)
    x = torch.from_numpy(images.copy()).float() / 255
    return (x - x.mean()) / x.std(), torch.from_numpy(labels)


def resnet18():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def start_server(scratch):
    build = pathlib.Path(os.environ.get("ACTISCOPE_BUILD_DIR", REPO / "build"))
    port_file = pathlib.Path(scratch) / "ports"
    process = subprocess.Popen(
        [str(build / "server" / "actiscope-server"), "--grpc_addr=127.0.0.1:0",
         "--http_addr=127.0.0.1:0", f"--db={scratch}/runs.db", f"--port_file={port_file}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while len(port_file.read_text().split() if port_file.exists() else []) < 2:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("actiscope-server did not start")
        time.sleep(0.05)
    return process, f"127.0.0.1:{port_file.read_text().split()[0]}"


class Variant:
    """One copy of the model, its optimizer and its instrumentation."""

    def __init__(self, name, model):
        self.name = name
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        self.kept = []  # The seed method's histograms.
        self.times = []  # Seconds per step, one entry per block.

    def step(self, x, y):
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--steps", type=int, default=2, help="steps per block")
    parser.add_argument("--warmup", type=int, default=2, help="steps per variant, untimed")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--server", default=None, help="default: start a local actiscope-server")
    parser.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    images, labels = load_images(args.data_dir, args.batch_size * 64)

    scratch = tempfile.TemporaryDirectory()
    server_process, address = (None, args.server) if args.server else start_server(scratch.name)
    base = resnet18()
    plain = Variant("plain", copy.deepcopy(base))
    watched = Variant("actiscope", copy.deepcopy(base))
    seed = Variant("histc", copy.deepcopy(base))
    run = actiscope.init(server=address, run_name="python-overhead-bench")
    run.watch(watched.model)
    for _, module in seed.model.named_children():
        module.register_forward_hook(
            lambda m, i, o: seed.kept.append(o.detach().float().histc(40, 0, 10).cpu()))
    variants = [plain, watched, seed]

    batches = len(images) // args.batch_size
    position = 0

    def next_batch():
        nonlocal position
        b = position % batches
        position += 1
        return (images[b * args.batch_size:(b + 1) * args.batch_size],
                labels[b * args.batch_size:(b + 1) * args.batch_size])

    for v in variants:
        for _ in range(args.warmup):
            v.step(*next_batch())
    for block in range(args.blocks):
        # Rotating the order keeps any variant from always following the same one.
        for v in variants[block % 3:] + variants[:block % 3]:
            data = [next_batch() for _ in range(args.steps)]
            start = time.perf_counter()
            for x, y in data:
                v.step(x, y)
            v.times.append((time.perf_counter() - start) / args.steps)
    report = run.finish(timeout=60)

    plain_s = statistics.median(plain.times)
    print(f"ResNet-18 (1-channel conv1), Fashion-MNIST 28x28, batch {args.batch_size}, CPU, "
          f"{args.threads} threads; {args.blocks} alternating blocks of {args.steps} steps")
    print(f"{'variant':<10} {'steps/s':>8} {'ms/step':>8} {'added ms/step':>14} {'added %':>8}")
    added = {}
    for v in variants:
        median = statistics.median(v.times)
        added[v.name] = statistics.median(t - p for t, p in zip(v.times, plain.times))
        print(f"{v.name:<10} {1 / median:8.2f} {median * 1000:8.1f} {added[v.name] * 1000:14.2f} "
              f"{added[v.name] / plain_s * 100:+7.2f}%")
    if added["actiscope"] > 0:
        print(f"histc adds {added['histc'] / added['actiscope']:.1f}x what actiscope adds")
    print(f"actiscope: {report.acked} histograms acked, {report.dropped} dropped, "
          f"{report.wire_bytes} wire bytes")
    if server_process:
        server_process.terminate()
        server_process.wait()


if __name__ == "__main__":
    main()
