#!/usr/bin/env python3
"""Monte Carlo error per CPU second of `--sampling mc`, `lhs` and `sobol` (issue 9, item 5).

Usage (from the repository root, after `cargo build --release`):
    python3 benches/sampling_error.py [--trials N] [--seeds K] [--scenario FILE] [--metric M ...]

For each method, runs `sibsim run SCENARIO --trials N --threads 1` at K different seeds and measures,
for each metric's mean and P50:
- the *achieved* error: the standard deviation of the K estimates across seeds (the honest error at
  N trials, whatever the method; its own relative error is about 1/sqrt(2(K - 1)));
- the *reported* error: the mean over seeds of the run's own `mcse` / `mcse_median` in summary.json
  (sd/sqrt(N) and the order-statistic interval for mc, the replicates' spread for lhs and sobol),
  and its ratio to the achieved one (about 1 when the estimate is honest);
- the CPU time per run (user + system from the kernel's rusage of the child);
- the gain in error per CPU second over mc: (err_mc^2 * cpu_mc) / (err^2 * cpu), i.e. how many times
  fewer CPU seconds the method needs for the same error; and the ratio of errors at equal CPU,
  (err * sqrt(cpu)) / (err_mc * sqrt(cpu_mc)).

The seeds and methods are interleaved so that a busy machine slows them alike. N should be a multiple
of 32 (the default replicates) so that every method runs exactly N trials, and N/32 a power of two for
sobol's nets.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODS = ["mc", "lhs", "sobol"]


def run(binary, scenario, trials, seed, method, out):
    """One run: its summary.json and the child's CPU seconds."""
    cmd = [str(binary), "run", scenario, "--trials", str(trials), "--seed", str(seed),
           "--threads", "1", "--quiet", "--sampling", method, "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"sampling_error: {' '.join(cmd)} failed:\n{err}")
    summary = json.loads((Path(out) / "summary.json").read_text())
    return summary, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=4096)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--scenario", default="scenarios/mhep1.toml")
    ap.add_argument("--metric", action="append", default=None)
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "sibsim"))
    args = ap.parse_args()
    metrics = args.metric or ["engagements", "investor.multiple"]
    figures = [(m, stat) for m in metrics for stat in ("mean", "median")]
    est = {meth: {f: [] for f in figures} for meth in METHODS}
    rep = {meth: {f: [] for f in figures} for meth in METHODS}
    cpu = {meth: [] for meth in METHODS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            for meth in METHODS:
                summary, seconds = run(args.binary, args.scenario, args.trials, seed, meth,
                                       Path(tmp) / meth)
                if summary["trials"] != args.trials:
                    sys.exit(f"sampling_error: {meth} ran {summary['trials']} trials, not "
                             f"{args.trials}: use a multiple of the replicates")
                cpu[meth].append(seconds)
                for (m, stat) in figures:
                    fig = summary["metrics"][m]
                    est[meth][(m, stat)].append(fig[stat])
                    rep[meth][(m, stat)].append(fig["mcse" if stat == "mean" else "mcse_median"])
    print(f"{args.scenario}: {args.trials} trials x {args.seeds} seeds per method, --threads 1")
    print(f"CPU per run (median): " + ", ".join(
        f"{m} {statistics.median(cpu[m]):.3f} s" for m in METHODS))
    header = (f"{'figure':28s} {'method':6s} {'achieved':>10s} {'reported':>10s} {'rep/ach':>8s}"
              f" {'err ratio':>9s} {'gain':>6s}")
    print(header)
    print("-" * len(header))
    for f in figures:
        base = statistics.stdev(est["mc"][f]), statistics.median(cpu["mc"])
        for meth in METHODS:
            achieved = statistics.stdev(est[meth][f])
            reported = statistics.mean(x for x in rep[meth][f] if x is not None)
            c = statistics.median(cpu[meth])
            ratio = achieved * math.sqrt(c) / (base[0] * math.sqrt(base[1]))
            gain = (base[0] ** 2 * base[1]) / (achieved ** 2 * c) if achieved > 0 else math.inf
            name = f"{f[0]} {'P50' if f[1] == 'median' else 'mean'}"
            print(f"{name:28s} {meth:6s} {achieved:10.4g} {reported:10.4g} "
                  f"{reported / achieved:8.2f} {ratio:9.2f} {gain:6.1f}")


if __name__ == "__main__":
    main()
