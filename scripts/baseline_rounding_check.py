#!/usr/bin/env python3
"""Before tests/baseline/ is re-recorded for issue 15's output format (CSV rounded by unit,
quantile columns named p10/p50/p90, a unit column, summary.json's meta): runs the commands of
tests/baseline.rs with the current build and checks, against the recorded files,
- every number of every recorded summary.json (and backtest / outside-view JSON) equals the new
  one exactly, `meta` (new) ignored, and every recorded key is still there;
- every recorded CSV value (summary.csv, plan.csv, trials.csv) equals the new cell within the new
  cell's rounding: |new - old| <= half the new cell's last printed digit (plus a few ulps of the
  subtraction), columns mapped low/median/high -> p10/p50/p90 and mcse_low/... -> mcse_p10/...,
  text cells (name, kind, note: figure named as its column) equal.
Prints a count per file and every difference; exits 1 if any. Usage, from the repository:
cargo build --release && python3 scripts/baseline_rounding_check.py"""
import csv, json, math, os, subprocess, sys, tempfile

BIN = "target/release/sibsim"
BASE = "tests/baseline"
SCEN = ["scenarios/box1.toml", "scenarios/ips_new_service.toml", "scenarios/mhep1.toml",
        "scenarios/mhep1_reset.toml", "tests/fixtures/analytic.toml", "tests/fixtures/distress.toml",
        "tests/fixtures/rules.toml"]
RENAME = {"low": "p10", "median": "p50", "high": "p90",
          "mcse_low": "mcse_p10", "mcse_median": "mcse_p50", "mcse_high": "mcse_p90"}
problems = []
counts = {}


def json_contained(old, new, at, where):
    if isinstance(old, dict):
        for k, v in old.items():
            if k not in new:
                problems.append(f"{where}{at}.{k}: missing")
                continue
            json_contained(v, new[k], f"{at}.{k}", where)
    elif isinstance(old, list):
        if len(old) != len(new):
            problems.append(f"{where}{at}: {len(old)} items, now {len(new)}")
            return
        for i, (a, b) in enumerate(zip(old, new)):
            json_contained(a, b, f"{at}[{i}]", where)
    else:
        counts[where] = counts.get(where, 0) + 1
        # Exact: the same float (or string, bool, null).
        if type(old) != type(new) or old != new:
            problems.append(f"{where}{at}: was {old!r}, now {new!r}")


def half_digit(cell):
    decimals = len(cell.split(".", 1)[1]) if "." in cell else 0
    return 0.5 * 10.0 ** -decimals


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def csv_within(old_path, new_path, keyed):
    oh, orows = read_csv(old_path)
    nh, nrows = read_csv(new_path)
    where = new_path
    if not keyed and len(orows) != len(nrows):
        problems.append(f"{where}: {len(orows)} rows, now {len(nrows)}")
        return
    index = {r[0]: r for r in nrows} if keyed else None
    for ci, col in enumerate(oh):
        ncol = RENAME.get(col, col)
        if ncol not in nh:
            problems.append(f"{where}: column {col} (as {ncol}) missing")
            continue
        nci = nh.index(ncol)
        for ri, orow in enumerate(orows):
            nrow = index.get(orow[0]) if keyed else nrows[ri]
            if nrow is None:
                problems.append(f"{where}: row {orow[0]} missing")
                continue
            o, n = orow[ci], nrow[nci]
            counts[where] = counts.get(where, 0) + 1
            if col == "note":
                for old_name, new_name in (("low: ", "p10: "), ("median: ", "p50: "), ("high: ", "p90: ")):
                    o = o.replace(old_name, new_name)
            try:
                fo = float(o)
            except ValueError:
                if o != n:
                    problems.append(f"{where}: row {orow[0]} column {col}: was {o!r}, now {n!r}")
                continue
            if o == "" or n == "":
                if o != n:
                    problems.append(f"{where}: row {orow[0]} column {col}: was {o!r}, now {n!r}")
                continue
            fn = float(n)
            if math.isinf(fo) or math.isinf(fn):
                ok = fo == fn
            else:
                ok = abs(fn - fo) <= half_digit(n) + 4 * sys.float_info.epsilon * abs(fo)
            if not ok:
                problems.append(f"{where}: row {orow[0]} column {col}: was {o}, now {n} "
                                f"(beyond half of its last digit, {half_digit(n)})")


def main():
    tmp = tempfile.mkdtemp()
    for f in SCEN:
        name = os.path.splitext(os.path.basename(f))[0]
        out = os.path.join(tmp, name)
        subprocess.run([BIN, "run", f, "--trials", "1000", "--seed", "7", "--threads", "2",
                        "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
        new = json.load(open(os.path.join(out, "summary.json")))
        assert "meta" in new
        new.pop("meta")
        json_contained(json.load(open(os.path.join(BASE, name, "summary.json"))), new, "",
                       f"{name}/summary.json")
        csv_within(os.path.join(BASE, name, "summary.csv"), os.path.join(out, "summary.csv"), True)
        if os.path.exists(os.path.join(BASE, name, "plan.csv")):
            csv_within(os.path.join(BASE, name, "plan.csv"), os.path.join(out, "plan.csv"), True)
    for f in ["scenarios/mhep1.toml", "tests/fixtures/rules.toml"]:
        name = os.path.splitext(os.path.basename(f))[0]
        out = os.path.join(tmp, "pt-" + name)
        subprocess.run([BIN, "run", f, "--trials", "200", "--seed", "7", "--threads", "2",
                        "--out", out, "--quiet", "--per-trial"], check=True, stdout=subprocess.DEVNULL)
        csv_within(os.path.join(BASE, name, "trials.csv"), os.path.join(out, "trials.csv"), False)
    opts = ["--trials", "1000", "--seed", "7", "--json"]
    for cmd, names, fname in [("outside-view", ["mhep1", "ips_new_service", "mhep1_reset"], "outside_view.json"),
                              ("backtest", ["mhep1", "mhep1_reset"], "backtest.json")]:
        for name in names:
            new = json.loads(subprocess.run([BIN, cmd, f"scenarios/{name}.toml"] + opts, check=True,
                                            capture_output=True).stdout)
            json_contained(json.load(open(os.path.join(BASE, name, fname))), new, "", f"{name}/{fname}")
    for where, n in sorted(counts.items()):
        print(f"{n:8d} values checked  {where}")
    for p in problems:
        print("DIFFERENCE", p)
    print(f"{sum(counts.values())} values checked, {len(problems)} differences")
    sys.exit(1 if problems else 0)


main()
