#!/usr/bin/env bash
# Builds and runs a coverage-guided fuzz target on stable Rust (docs/fuzzing.md).
#   fuzz/run.sh [pipeline|parse] [libFuzzer options…]   e.g. fuzz/run.sh parse -runs=10000000
# The target defaults to `pipeline`. libFuzzer's sanitizer-coverage instrumentation, as
# `cargo fuzz build --sanitizer none` passes it; with --target, RUSTFLAGS reach only the target's
# code, not build scripts (which would then miss libFuzzer's symbols).
set -euo pipefail
cd "$(dirname "$0")"
name=pipeline
case "${1:-}" in pipeline|parse) name=$1; shift ;; esac
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo build --release --target "$target" --bin "$name"
mkdir -p "corpus/grown/$name" "artifacts/$name"
# Seeds: `pipeline`'s are committed in corpus/pipeline/ (a mode byte first); `parse` starts from
# the repository's own scenarios, fixtures, bad-input files and fuzz regressions as they are.
if [ "$name" = parse ]; then
    seeds=(../scenarios ../tests/fixtures ../tests/bad ../tests/fuzz_regressions)
else
    seeds=(corpus/pipeline)
fi
exec "target/$target/release/$name" "corpus/grown/$name" "${seeds[@]}" \
    -artifact_prefix="artifacts/$name/" -timeout=20 -rss_limit_mb=4096 -max_len=262144 "$@"
