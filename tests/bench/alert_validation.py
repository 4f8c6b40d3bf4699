#!/usr/bin/python3
"""Validates the collector's alert detectors (server/alerts/alert_rules.h) on real training runs.

Starts actiscope-server on a fresh database, trains each case with actiscope-train (the seed's
three settings, a NaN injected at a chosen step, a diverging run, and healthy runs over several
seeds of both models), then prints, per run, which alerts fired (type, layer, kind, first step)
and when the test error showed the problem: the first evaluation (--eval_every) whose test
error is 0.05 or more above the healthy run of the same model and seed at that step. Then, for
each rule, the margin: the most extreme value its measure took on the healthy runs against the
threshold and the value on the runs it flagged (measures recomputed here from the stored
per-step histograms, GET /api/runs/{id}/heatmap, the way the detectors compute them).

  /usr/bin/python3 tests/bench/alert_validation.py [--build=build] [--steps=1000] [--seeds=5]
      [--quick] [--db=PATH] [--json=OUT]

--quick runs the seed cases and two healthy seeds per model at 300 steps (a few minutes).
Timings are not measured here; this is about what the detectors say on real data.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from local_server import start_server

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DISCRIMINATIVE = "conv1=1e-6,conv2_x=1e-6,conv3_x=1e-2,conv4_x=1e-2,conv5_x=1e-2,head=1e-2"


def cases(args):
    """(name, model, seed, expected pathology or None, extra flags)."""
    out = [
        ("lr 1e-2 (seed)", "resnet18", 1, None, ["--lr=1e-2"]),
        ("lr 1 (seed)", "resnet18", 1, "collapse", ["--lr=1"]),
        ("discriminative 1e-6..1e-2 (seed)", "resnet18", 1, "frozen",
         [f"--lr_groups={DISCRIMINATIVE}"]),
        (f"NaN at step {args.nan_step}", "resnet18", 1, "nonfinite",
         ["--lr=1e-2", f"--inject_nan_at={args.nan_step}"]),
        ("SGD lr 3, momentum 0.9 (diverges)", "resnet18", 1, "exploding",
         ["--optimizer=sgd", "--lr=3", "--momentum=0.9"]),
    ]
    seeds = 2 if args.quick else args.seeds
    for model in ("resnet18", "small_cnn"):
        for seed in range(1, seeds + 1):
            if model == "resnet18" and seed == 1:
                continue  # The seed's lr 1e-2 run above is this one.
            out.append((f"healthy {model} seed {seed}", model, seed, None, ["--lr=1e-2"]))
    return out


def http_json(base, path, **params):
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}{path}?{query}", timeout=60) as response:
        return json.load(response)


def train(build, grpc, name, model, seed, flags, steps):
    command = [os.path.join(build, "trainer", "actiscope-train"), f"--server={grpc}",
               f"--model={model}", "--width=16", "--epochs=2", f"--max_steps={steps}",
               "--batch_size=64", "--bins=40", "--kinds=activation,gradient,weight",
               "--eval_every=25", "--test_limit=1000", f"--seed={seed}", f"--run_name={name}",
               # One intra-op thread: two OpenMP threads spin-wait badly whenever anything
               # else (a compiler, the local server) takes one of a 2-core machine's cores.
               "--threads=1"]
    command += flags
    done = subprocess.run(command, capture_output=True, text=True)
    run_id = None
    for line in done.stdout.splitlines():
        if line.startswith("run_id "):
            run_id = line.split()[1]
    if run_id is None:
        sys.exit(f"{name}: actiscope-train failed (rc {done.returncode}):\n{done.stderr}")
    return run_id


def test_errors(base, run_id):
    scalars = http_json(base, f"/api/runs/{run_id}/scalars", names="test_error_rate",
                        points=10000)["scalars"]
    if not scalars:
        return {}
    return dict(zip(scalars[0]["steps"], scalars[0]["values"]))


def step_histograms(base, run_id, layer, kind, steps):
    """Per-step histograms of one series: a list of dicts with the heatmap fields."""
    data = http_json(base, f"/api/runs/{run_id}/heatmap", layer=layer, kind=kind,
                     columns=steps)
    bins = data["bins"]
    out = []
    for c, (first, last) in enumerate(zip(data["step_from"], data["step_to"])):
        if first != last:
            sys.exit(f"heatmap of {layer} is not per step (columns {first}..{last})")
        out.append({"step": first, "counts": data["counts"][c * bins:(c + 1) * bins],
                    "edges": data["bin_edges"], "below": data["below"][c],
                    "above": data["above"][c], "zeros": data["zeros"][c],
                    "nonfinite": data["nonfinite"][c], "n": data["elements"][c],
                    "sum": data["sum"][c], "sum_squares": data["sum_squares"][c]})
    return out


def measures(histograms):
    """Per step, the detectors' measures (server/alerts/series_detector.cc) for one series."""
    out = []
    baseline = []
    for h in histograms:
        n = h["n"]
        if n <= 0:
            continue
        edges = h["edges"]
        zero_bin = next((b for b in range(len(edges) - 1) if edges[b] <= 0 < edges[b + 1]), None)
        finite = n - h["nonfinite"]
        mean = h["sum"] / finite if finite else 0
        var = max(0.0, h["sum_squares"] / finite - mean * mean) if finite else 0
        std = var ** 0.5
        if len(baseline) < 10:
            baseline.append(std)
        base = sum(baseline) / len(baseline)
        out.append({
            "step": h["step"],
            "near_zero": h["counts"][zero_bin] / n if zero_bin is not None else 0,
            "zeros": h["zeros"] / n,
            "above": h["above"] / n,
            "std_ratio": std / base if base > 0 else 1,
            "shares": [c / finite for c in h["counts"]] + [h["below"] / finite,
                                                           h["above"] / finite] if finite else [],
        })
    return out


def moved(points, baseline_frames=10, ema_weight=0.1):
    """Per step, the frozen rule's moved (alert_rules.h): the largest total-variation distance
    so far between a running average of the series' element shares and their first frames."""
    base, average, out, largest = [], None, {}, 0.0
    for p in points:
        shares = p["shares"]
        if not shares:
            continue
        if len(base) < baseline_frames:
            base.append(shares)
            if len(base) == baseline_frames:
                average = [sum(c) / baseline_frames for c in zip(*base)]
                baseline = list(average)
            continue
        average = [a + ema_weight * (x - a) for a, x in zip(average, shares)]
        largest = max(largest, sum(abs(a - b) for a, b in zip(average, baseline)) / 2)
        out[p["step"]] = largest
    return out


def sustained_moved_shares(run, frames=100, moved_floor=0.05):
    """Per activation series, the lowest share of the run's most-moved other series that its
    moved stayed under for `frames` frames (None if the others never moved moved_floor)."""
    series = {s: moved(points) for s, points in run["series"].items()
              if s.endswith("/activation")}
    steps = sorted(set(step for m in series.values() for step in m))
    out = {}
    for name, own in series.items():
        ratios = []
        for step in steps:
            others = max((m.get(step, 0) for other, m in series.items() if other != name),
                         default=0)
            ratios.append(own.get(step, 0) / others if others >= moved_floor else None)
        best = None
        for i in range(len(ratios) - frames + 1):
            window = ratios[i:i + frames]
            if None not in window:
                best = max(window) if best is None else min(best, max(window))
        out[name] = best
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--nan_step", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", default="")
    parser.add_argument("--json", default="", help="write every run's alerts and measures here")
    parser.add_argument("--analyze_only", action="store_true",
                        help="train nothing: analyze the runs already in --db, by name")
    args = parser.parse_args()
    if args.quick:
        args.steps = min(args.steps, 300)
        args.nan_step = min(args.nan_step, 150)
    build = os.path.abspath(args.build)
    state = tempfile.mkdtemp(prefix="actiscope-alert-validation-")
    db = args.db or os.path.join(state, "actiscope.db")
    server, grpc, base = start_server(build, db, state)
    results = []
    try:
        stored = {}
        if args.analyze_only:
            stored = {run["name"]: run["id"] for run in http_json(base, "/api/runs", limit=1000)}
        for name, model, seed, expected, flags in cases(args):
            started = time.time()
            if args.analyze_only:
                if name not in stored:
                    continue
                run_id = stored[name]
            else:
                run_id = train(build, grpc, name, model, seed, flags, args.steps)
            print(f"# {name}: run {run_id} ({time.time() - started:.0f} s)", flush=True)
            results.append({"name": name, "model": model, "seed": seed, "expected": expected,
                            "run_id": run_id})
        for r in results:
            r["alerts"] = http_json(base, f"/api/runs/{r['run_id']}/alerts")["alerts"]
            r["test_error"] = test_errors(base, r["run_id"])
            detail = http_json(base, f"/api/runs/{r['run_id']}")
            r["series"] = {}
            for layer in detail["layers"]:
                for kind in layer["kinds"]:
                    r["series"][f"{layer['name']}/{kind}"] = measures(
                        step_histograms(base, r["run_id"], layer["name"], kind, args.steps))
    finally:
        server.terminate()
        server.wait()
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f)


def shown_at(run, results):
    """The first evaluation step whose test error is >= 0.05 above the healthy twin's."""
    twin = next((r for r in results if r["expected"] is None and r["model"] == run["model"]
                 and r["seed"] == run["seed"] and not r["alerts"]), None)
    if twin is None or run is twin:
        return None
    for step in sorted(run["test_error"]):
        healthy = twin["test_error"].get(step)
        if healthy is not None and run["test_error"][step] >= healthy + 0.05:
            return step
    return None


def report(results):
    print("\n| run | expected | first alert | first of the expected type | test error shows it at "
          "| lead of the first alert (steps) | every alert (type layer/kind @first step, "
          "grouped) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        alerts = sorted(r["alerts"], key=lambda a: a["first_step"])
        groups = {}
        for a in alerts:
            key = (a["type"], a["kind"])
            groups.setdefault(key, []).append(f"{a['layer']} @{a['first_step']}")
        text = "; ".join(f"{t} ({k}): " + ", ".join(v) for (t, k), v in groups.items()) or "none"
        shown = shown_at(r, results)
        expected = [a for a in alerts if a["type"].startswith(r["expected"] or "-")]
        describe = lambda a: f"{a['type']} {a['layer']}/{a['kind']} @{a['first_step']}"
        first = describe(alerts[0]) if alerts else "none"
        first_expected = describe(expected[0]) if expected else "none"
        lead = str(shown - alerts[0]["first_step"]) if shown is not None and alerts else ""
        print(f"| {r['name']} | {r['expected'] or 'none'} | {first} | {first_expected} | "
              f"{shown if shown is not None else 'never'} | {lead} | {text} |")
    healthy = [r for r in results if r["expected"] is None]
    print(f"\nhealthy runs with alerts: {sum(1 for r in healthy if r['alerts'])} of {len(healthy)}")
    print("\nmargins: each rule's measure at its most extreme over every step of every healthy "
          "run, against the default (server/alerts/alert_rules.h)")
    rules = (("collapse", "activation", "near_zero", max, 0.85),
             ("dead", "activation", "zeros", max, 0.95),
             ("saturated", "activation", "above", max, 0.05),
             ("exploding", "activation", "std_ratio", max, 10),
             ("exploding", "weight", "std_ratio", max, 10),
             ("exploding_gradient", "gradient", "std_ratio", max, 100),
             ("vanishing_gradient", "gradient", "std_ratio", min, 1e-3))
    for rule, kind, measure, pick, default in rules:
        values = [(p[measure], r["name"], series, p["step"]) for r in healthy
                  for series, points in r["series"].items() if series.endswith("/" + kind)
                  for p in points if measure != "std_ratio" or p["step"] >= 10]
        if values:
            value, name, series, step = pick(values)
            print(f"  {rule} ({kind} {measure}): healthy {'max' if pick is max else 'min'} "
                  f"{value:.4g} ({name}, {series}, step {step}); default {default:g}")
    lowest = min(((share, r["name"], series) for r in healthy
                  for series, share in sustained_moved_shares(r).items() if share is not None),
                 default=None)
    if lowest is not None:
        print(f"  frozen (activations): lowest share of the most-moved layer's moved held for 100 "
              f"frames by a healthy layer {lowest[0]:.4f} ({lowest[1]}, {lowest[2]}); "
              "default 0.07")
    for r in results:
        if r["expected"] == "frozen":
            shares = {s.split("/")[0]: round(v, 4) for s, v in sustained_moved_shares(r).items()
                      if v is not None}
            print(f"  frozen (activations) in {r['name']}: {shares}")


if __name__ == "__main__":
    main()
