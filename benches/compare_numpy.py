#!/usr/bin/env python3
"""CPU per trial of sibsim against the vectorised NumPy peer, measured in one run.

Usage (from the repository root):
    python3 benches/compare_numpy.py [--trials N] [--rounds R] [--peer PATH] [--scenario FILE]

Runs `sibsim run SCENARIO --threads 1` and the NumPy peer (`numpy_peer.py`, not in this repository:
`--peer PATH`, by default the development machine's copy beside it; a vectorised model of a similar
contract that does less model work per trial) on the same trial count,
alternating R times, and prints each process's CPU time (user + system, from the kernel's rusage of
the child, so a busy machine's waiting does not count) in µs per trial, and the ratio. Both are
single-threaded: sibsim by `--threads 1`, NumPy by `OMP_NUM_THREADS=1` / `OPENBLAS_NUM_THREADS=1`.
The CPU time is the whole process (start-up, the summary and the files for sibsim; interpreter
start-up and `import numpy` for the peer), so use enough trials (≥ 100,000) for per-trial figures.

NumPy is installed into a local virtualenv (`target/numpy-venv`) when the system Python lacks it; if
that fails, the peer is skipped with a message and only sibsim is measured. Why a script and not a
criterion bench: the peer is another program, and the comparison is a ratio of CPU times taken
side by side, which is what survives a shared machine (wall times there swing by 4×).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(cmd, env=None):
    """Run `cmd` to completion (output discarded) and return the child's user + system CPU time."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"compare_numpy: {' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err}")
    return usage.ru_utime + usage.ru_stime


def python_with_numpy():
    """A Python that imports numpy: the system one, else a local virtualenv made for it."""
    probe = [sys.executable, "-c", "import numpy"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return sys.executable
    venv = ROOT / "target" / "numpy-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"compare_numpy: installing numpy into {venv} ...", file=sys.stderr)
        if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
            return None
    if subprocess.run([str(py), "-c", "import numpy"], capture_output=True).returncode != 0:
        pip = [str(py), "-m", "pip", "install", "--quiet", "numpy"]
        if subprocess.run(pip).returncode != 0:
            return None
    return str(py)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="scenarios/mhep1.toml")
    ap.add_argument("--peer", default=str(ROOT.parent / "shared" / "bench" / "numpy_peer.py"))
    args = ap.parse_args()
    if args.trials < 1 or args.rounds < 1:
        sys.exit("compare_numpy: --trials and --rounds must be at least 1")

    build = ["cargo", "build", "--release", "--quiet"]
    if subprocess.run(build, cwd=ROOT).returncode != 0:
        sys.exit("compare_numpy: cargo build --release failed")
    sibsim = ROOT / "target" / "release" / "sibsim"

    py = None
    if not Path(args.peer).is_file():
        print(f"compare_numpy: no NumPy peer at {args.peer}; measuring sibsim only", file=sys.stderr)
    else:
        py = python_with_numpy()
        if py is None:
            print("compare_numpy: numpy could not be installed; measuring sibsim only",
                  file=sys.stderr)
    one_thread = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                      MKL_NUM_THREADS="1")
    # Some machines pin OpenBLAS to an older kernel for old builds' sake; that slows a current
    # NumPy, and the peer should run at its best. Both are dropped together, for the peer only.
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        one_thread.pop(var, None)

    n = args.trials
    ours, peers = [], []
    with tempfile.TemporaryDirectory() as out:
        for r in range(args.rounds):
            cmd = [sibsim, "run", ROOT / args.scenario, "--trials", str(n), "--seed",
                   str(args.seed), "--threads", "1", "--quiet", "--out", out]
            ours.append(cpu_seconds(cmd) / n * 1e6)
            line = f"round {r + 1}: sibsim {ours[-1]:8.1f} µs/trial"
            if py:
                peer = [py, args.peer, "--trials", str(n), "--seed", str(args.seed)]
                peers.append(cpu_seconds(peer, env=one_thread) / n * 1e6)
                line += f"   numpy peer {peers[-1]:8.1f} µs/trial   ratio {peers[-1] / ours[-1]:5.2f}"
            print(line, flush=True)
    s = statistics.median(ours)
    print(f"median over {args.rounds} rounds of {n:,} trials: sibsim {s:.1f} µs CPU per trial"
          f" ({args.scenario}, 1 thread)")
    if peers:
        p = statistics.median(peers)
        print(f"numpy peer {p:.1f} µs CPU per trial; sibsim's throughput per core is "
              f"{p / s:.2f}× the peer's")


if __name__ == "__main__":
    main()
