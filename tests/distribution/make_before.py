#!/usr/bin/env python3
"""Writes the committed "before" table of tests/distribution.rs from a run's trials.csv.

Usage: make_before.py SCENARIO_NAME TRIALS_CSV >> before.csv

For each metric: the mean and its standard error sd/sqrt(n), and P10, P50, P90 (linear interpolation
between order statistics, as sibsim's summary) with a distribution-free standard error from the 95%
order-statistic interval: ranks n*p -/+ 1.96*sqrt(n*p*(1-p)), SE = (x_hi - x_lo) / (2 * 1.96).
"""
import csv
import math
import sys

METRICS = {
    "mhep1": [
        "engagements", "job_starts", "sustain_26w", "payments.total", "provider.margin",
        "site.haringey.provider.margin", "site.staffordshire.provider.margin",
        "site.tower_hamlets.provider.margin", "investor.multiple",
    ],
    "analytic": ["engagements", "job_starts", "sustain_26w", "site.only.provider.margin"],
}


def quantile(xs, p):
    h = (len(xs) - 1) * p
    i = math.floor(h)
    if i + 1 >= len(xs):
        return xs[-1]
    return xs[i] + (h - i) * (xs[i + 1] - xs[i])


def quantile_se(xs, p):
    n = len(xs)
    half = 1.96 * math.sqrt(n * p * (1 - p))
    lo = xs[max(0, math.floor(n * p - half))]
    hi = xs[min(n - 1, math.ceil(n * p + half))]
    return (hi - lo) / (2 * 1.96)


def main():
    name, path = sys.argv[1], sys.argv[2]
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        want = METRICS[name]
        idx = [header.index(m) for m in want]
        cols = [[] for _ in want]
        for row in rows:
            for c, j in zip(cols, idx):
                c.append(float(row[j]))
    for m, xs in zip(want, cols):
        n = len(xs)
        mean = math.fsum(xs) / n
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
        xs.sort()
        print(f"{name},{m},mean,{mean!r},{sd / math.sqrt(n)!r}")
        for label, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            print(f"{name},{m},{label},{quantile(xs, p)!r},{quantile_se(xs, p)!r}")


if __name__ == "__main__":
    main()
