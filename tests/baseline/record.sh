#!/usr/bin/env bash
# Re-records tests/baseline/ with the current build: the same commands tests/baseline.rs runs.
# Run it only when a change is meant to move the figures, and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
bin=target/release/sibsim
base=tests/baseline
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for file in scenarios/box1.toml scenarios/ips_new_service.toml scenarios/mhep1.toml \
    scenarios/mhep1_reset.toml tests/fixtures/analytic.toml tests/fixtures/distress.toml \
    tests/fixtures/rules.toml; do
    name=$(basename "$file" .toml)
    "$bin" run "$file" --trials 1000 --seed 7 --threads 2 --out "$tmp/$name" --quiet >/dev/null
    mkdir -p "$base/$name"
    # summary.json's meta (time, command line, paths) differs run to run: recorded without it.
    sed '/^  "meta": {$/,/^  },$/d' "$tmp/$name/summary.json" > "$base/$name/summary.json"
    cp "$tmp/$name/summary.csv" "$base/$name/"
    if [ -f "$base/$name/plan.csv" ]; then cp "$tmp/$name/plan.csv" "$base/$name/"; fi
done
for file in scenarios/mhep1.toml tests/fixtures/rules.toml; do
    name=$(basename "$file" .toml)
    "$bin" run "$file" --trials 200 --seed 7 --threads 2 --out "$tmp/pt-$name" --quiet --per-trial >/dev/null
    cp "$tmp/pt-$name/trials.csv" "$base/$name/trials.csv"
done
opts=(--trials 1000 --seed 7 --json)
for name in mhep1 ips_new_service mhep1_reset; do
    "$bin" outside-view "scenarios/$name.toml" "${opts[@]}" | sed '/^  "meta": {$/,/^  },$/d' > "$base/$name/outside_view.json"
done
for name in mhep1 mhep1_reset; do
    "$bin" backtest "scenarios/$name.toml" "${opts[@]}" | sed '/^  "meta": {$/,/^  },$/d' > "$base/$name/backtest.json"
done
"$bin" evidence --json > "$base/evidence.json"
"$bin" calibrate --json > "$base/calibrate.json"
echo "re-recorded $base"
