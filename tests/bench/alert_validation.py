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


def start_server(build, db, state):
    ports = os.path.join(state, "ports")
    server = subprocess.Popen(
        [os.path.join(build, "server", "actiscope-server"), "--grpc_addr=127.0.0.1:0",
         "--http_addr=127.0.0.1:0", f"--db={db}", f"--port_file={ports}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(ports) and os.path.getsize(ports) > 0:
            break
        if server.poll() is not None:
            sys.exit("actiscope-server failed to start")
        time.sleep(0.05)
    time.sleep(0.05)  # The file is written whole, but may have been seen mid-write.
    with open(ports) as f:
        grpc_port, http_port = f.read().split()
    return server, f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}"


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
            "counts": [c / n for c in h["counts"]],
            "moments": (h["sum"], h["sum_squares"]),
        })
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
    print("\n| run | expected | alerts (type, layer/kind, first step) | test error shows it at "
          "| lead (steps) |")
    print("|---|---|---|---|---|")
    for r in results:
        alerts = sorted(r["alerts"], key=lambda a: a["first_step"])
        text = "; ".join(f"{a['type']} {a['layer']}/{a['kind']} @{a['first_step']}"
                         for a in alerts) or "none"
        shown = shown_at(r, results)
        expected = [a for a in alerts if a["type"].startswith(r["expected"] or "-")]
        lead = ""
        if shown is not None and expected:
            lead = str(shown - expected[0]["first_step"])
        print(f"| {r['name']} | {r['expected'] or 'none'} | {text} | "
              f"{shown if shown is not None else 'never'} | {lead} |")
    healthy = [r for r in results if r["expected"] is None]
    print(f"\nhealthy runs with alerts: {sum(1 for r in healthy if r['alerts'])} of {len(healthy)}")
    print("\nmargins: each measure's extreme over every step of every healthy run's series")
    for measure, pick in (("near_zero", max), ("zeros", max), ("above", max),
                          ("std_ratio", max), ("std_ratio_min", min)):
        key = "std_ratio" if measure == "std_ratio_min" else measure
        values = []
        for r in healthy:
            for series, points in r["series"].items():
                if measure.startswith("std") != series.endswith("/gradient") and \
                        measure.startswith("std_ratio_min"):
                    continue
                values += [(p[key], r["name"], series, p["step"]) for p in points]
        if values:
            value, name, series, step = pick(values)
            print(f"  {measure}: {value:.4g} ({name}, {series}, step {step})")


if __name__ == "__main__":
    main()
