#!/usr/bin/env python3
"""The seed experiment in plain PyTorch, watched by the actiscope Python package.

torchvision's ResNet-18 (one input channel) on Fashion-MNIST, with fastai's recipe as
actiscope-train uses it (AdamW: betas (0.95, 0.99), eps 1e-5, weight decay 0.01; one-cycle
schedule), in the seed's three settings:
    healthy         lr 1e-2
    collapse        lr 1
    discriminative  lr 1e-6 for the first layer group (conv1, conv2_x), 1e-2 for the rest
The stages are reported under the seed's names (conv1, conv2_x .. conv5_x), activations in 40
bins over [0, 10), so the web page draws the same pictures as for actiscope-train's runs.

    actiscope-server --db=/tmp/runs.db &
    PYTHONPATH=build/python /usr/bin/python3 examples/python/seed.py --epochs=1 --max_steps=300
"""

import argparse
import os
import gzip
import pathlib
import time

import numpy as np
import torch
import torchvision
from torch import nn

import actiscope

SETTINGS = {
    "healthy": {"lr": 1e-2, "first_group_lr": 1e-2},
    "collapse": {"lr": 1.0, "first_group_lr": 1.0},
    "discriminative": {"lr": 1e-2, "first_group_lr": 1e-6},
}
# torchvision's conv1 is the bare convolution; the seed's conv1 stage ends with BatchNorm and
# ReLU, so its output is that of the model's (top-level) relu. layer1..layer4 are conv2_x..conv5_x.
STAGES = {"relu": "conv1", "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x",
          "layer4": "conv5_x"}
FIRST_GROUP = ("conv1.", "bn1.", "layer1.")


def read_idx(path):
    """An IDX file (gzip'ed) as a numpy array of its dimensions."""
    data = gzip.open(path, "rb").read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, split):
    """(images [N, 1, 28, 28] float32 normalized by the training set's mean/std, labels)."""
    d = pathlib.Path(data_dir)
    train = torch.from_numpy(read_idx(d / "train-images-idx3-ubyte.gz").copy()).float() / 255
    mean, std = train.mean(), train.std()
    images = train if split == "train" else torch.from_numpy(
        read_idx(d / "t10k-images-idx3-ubyte.gz").copy()).float() / 255
    prefix = "train" if split == "train" else "t10k"
    labels = torch.from_numpy(read_idx(d / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return ((images - mean) / std).unsqueeze(1), labels


def resnet18():
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def train(setting, args, images, labels, test_images, test_labels):
    torch.manual_seed(args.seed)
    model = resnet18()
    rates = SETTINGS[setting]
    first = [p for n, p in model.named_parameters() if n.startswith(FIRST_GROUP)]
    rest = [p for n, p in model.named_parameters() if not n.startswith(FIRST_GROUP)]
    optimizer = torch.optim.AdamW(
        [{"params": first, "lr": rates["first_group_lr"]}, {"params": rest, "lr": rates["lr"]}],
        betas=(0.95, 0.99), eps=1e-5, weight_decay=0.01)
    steps_per_epoch = len(images) // args.batch_size
    total = steps_per_epoch * args.epochs
    if args.max_steps:
        total = min(total, args.max_steps)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[rates["first_group_lr"], rates["lr"]], total_steps=total,
        pct_start=0.25, base_momentum=0.85, max_momentum=0.95)
    config = {"model": "torchvision-resnet18", "dataset": "fashion-mnist", "setting": setting,
              "batch_size": args.batch_size, "epochs": args.epochs, "steps": total, **rates}
    generator = torch.Generator().manual_seed(args.seed)
    with actiscope.init(server=args.server, run_name=f"py-{setting}", config=config,
                        spool_dir=args.spool_dir) as run:
        run.watch(model, modules=STAGES, kinds=args.kinds.split(","), every=args.every)
        step = 0
        start = time.monotonic()
        while step < total:
            order = torch.randperm(len(images), generator=generator)
            for i in range(steps_per_epoch):
                if step >= total:
                    break
                batch = order[i * args.batch_size:(i + 1) * args.batch_size]
                loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                if step % 10 == 0:
                    run.log(loss=loss.item(), lr=schedule.get_last_lr()[-1])
                step += 1
            model.eval()
            with torch.no_grad():
                correct = sum(int((model(test_images[j:j + 1000]).argmax(1) ==
                                   test_labels[j:j + 1000]).sum())
                              for j in range(0, len(test_images), 1000))
            model.train()
            run.log(test_accuracy=correct / len(test_images))
        report = run.finish()
    print(f"{setting}: run {run.run_id}, {total} steps in {time.monotonic() - start:.0f} s, "
          f"test accuracy {correct / len(test_images):.3f}, {report.acked} histograms stored")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--settings", default="healthy,collapse,discriminative")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max_steps", type=int, default=0, help="0: no limit")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--test_limit", type=int, default=0, help="0: the whole test set")
    parser.add_argument("--kinds", default="activation")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--spool_dir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    images, labels = load(args.data_dir, "train")
    test_images, test_labels = load(args.data_dir, "test")
    if args.test_limit:
        test_images, test_labels = test_images[:args.test_limit], test_labels[:args.test_limit]
    for setting in args.settings.split(","):
        train(setting, args, images, labels, test_images, test_labels)


if __name__ == "__main__":
    main()
