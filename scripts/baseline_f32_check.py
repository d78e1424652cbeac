#!/usr/bin/env python3
"""Every figure of the tests/baseline runs that differs from the recorded one, grouped by kind
(mean, low, median, ...), with the largest relative difference, and those beyond 2^-24 — the
relative rounding of values the trial table holds as f32 (issue 9, item 4). Runs the same commands
as tests/baseline.rs. Usage, from the repository: cargo build --release && python3
scripts/baseline_f32_check.py"""
import csv, json, subprocess, sys, tempfile, os, math
BIN = "target/release/sibsim"
SCEN = ["scenarios/box1.toml", "scenarios/ips_new_service.toml", "scenarios/mhep1.toml",
        "scenarios/mhep1_reset.toml", "tests/fixtures/analytic.toml", "tests/fixtures/distress.toml",
        "tests/fixtures/rules.toml"]
EPS = 2.0 ** -24
diffs = []  # (where, old, new, rel)

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None

def walk(old, new, at):
    if isinstance(old, dict):
        for k, v in old.items():
            if k not in new:
                diffs.append((f"{at}.{k}", v, "MISSING", math.inf)); continue
            walk(v, new[k], f"{at}.{k}")
    elif isinstance(old, list):
        if len(old) != len(new):
            diffs.append((at, len(old), len(new), math.inf)); return
        for i, (a, b) in enumerate(zip(old, new)):
            walk(a, b, f"{at}[{i}]")
    elif old != new:
        a, b = num(old), num(new)
        rel = abs(a - b) / max(abs(a), abs(b)) if a is not None and b is not None and max(abs(a), abs(b)) > 0 else math.inf
        diffs.append((at, old, new, rel))

def csv_rows(path):
    with open(path) as f:
        r = list(csv.reader(f))
    return r[0], {row[0]: row for row in r[1:]}

def csv_cmp(old, new, where):
    oh, orows = csv_rows(old); nh, nrows = csv_rows(new)
    for ci, col in enumerate(oh):
        nci = nh.index(col)
        for key, orow in orows.items():
            a, b = orow[ci], nrows[key][nci]
            if a != b:
                x, y = num(a), num(b)
                rel = abs(x - y) / max(abs(x), abs(y)) if x is not None and y is not None and max(abs(x), abs(y)) > 0 else math.inf
                diffs.append((f"{where}:{key}:{col}", a, b, rel))

tmp = tempfile.mkdtemp()
for f in SCEN:
    name = os.path.splitext(os.path.basename(f))[0]
    out = os.path.join(tmp, name)
    subprocess.run([BIN, "run", f, "--trials", "1000", "--seed", "7", "--threads", "2", "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    base = os.path.join("tests/baseline", name)
    walk(json.load(open(os.path.join(base, "summary.json"))), json.load(open(os.path.join(out, "summary.json"))), f"{name}/summary.json")
    csv_cmp(os.path.join(base, "summary.csv"), os.path.join(out, "summary.csv"), f"{name}/summary.csv")
    if os.path.exists(os.path.join(base, "plan.csv")):
        csv_cmp(os.path.join(base, "plan.csv"), os.path.join(out, "plan.csv"), f"{name}/plan.csv")
opts = ["--trials", "1000", "--seed", "7", "--json"]
for name in ["mhep1", "ips_new_service", "mhep1_reset"]:
    o = subprocess.run([BIN, "outside-view", f"scenarios/{name}.toml"] + opts, check=True, capture_output=True).stdout
    walk(json.load(open(f"tests/baseline/{name}/outside_view.json")), json.loads(o), f"{name}/outside_view.json")
o = subprocess.run([BIN, "backtest", "scenarios/mhep1.toml"] + opts, check=True, capture_output=True).stdout
walk(json.load(open("tests/baseline/mhep1/backtest.json")), json.loads(o), "mhep1/backtest.json")

def kind(where):
    last = where.replace(":", ".").split(".")[-1]
    return last
from collections import defaultdict
by = defaultdict(list)
for d in diffs:
    by[kind(d[0])].append(d)
print(f"{len(diffs)} changed values")
for k, ds in sorted(by.items()):
    worst = max(ds, key=lambda d: d[3])
    print(f"  {k:>16}: {len(ds):4} changed, largest relative difference {worst[3]:.3g} ({worst[0]}: {worst[1]} -> {worst[2]})")
over = [d for d in diffs if d[3] > EPS]
print(f"{len(over)} values differ by more than 2^-24 = {EPS:.3g} relatively")
for d in sorted(over, key=lambda d: -d[3])[:30]:
    print("   ", d)
