#!/usr/bin/env bash
# Builds and runs the coverage-guided fuzz target on stable Rust (docs/fuzzing.md).
#   fuzz/run.sh [libFuzzer options…]      e.g. fuzz/run.sh -max_total_time=3600 -jobs=1
# libFuzzer's sanitizer-coverage instrumentation, as `cargo fuzz build --sanitizer none` passes it;
# with --target, RUSTFLAGS reach only the target's code, not build scripts (which would then
# miss libFuzzer's symbols).
set -euo pipefail
cd "$(dirname "$0")"
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo build --release --target "$target" --bin pipeline
mkdir -p corpus/grown artifacts/pipeline
exec "target/$target/release/pipeline" corpus/grown corpus/pipeline \
    -artifact_prefix=artifacts/pipeline/ -timeout=20 -rss_limit_mb=4096 -max_len=262144 "$@"
