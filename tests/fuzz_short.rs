//! The short structure-aware fuzz CI runs (issue 14): a fixed seed, a fixed number of generated
//! scenarios (`sibsim::fuzz::generate`), each through parse → validate → run → render
//! (`sibsim::fuzz::check`) under a per-case time limit; any panic, hang, unlocated error or
//! non-finite figure fails the suite. docs/fuzzing.md says how to run more of it.

use std::time::Duration;

use sibsim::fuzz::runner::{fuzz, Budget, Kind};

/// The seed CI fuzzes with; `SIBSIM_FUZZ_SEED` and `SIBSIM_FUZZ_CASES` run others.
const SEED: u64 = 14;
const CASES: u64 = 3_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn generated_scenarios_fail_cleanly_or_give_finite_results() {
    let seed = env_u64("SIBSIM_FUZZ_SEED", SEED);
    let budget = Budget {
        cases: env_u64("SIBSIM_FUZZ_CASES", CASES),
        time: Duration::from_secs(env_u64("SIBSIM_FUZZ_SECONDS", 240)),
        per_case: Duration::from_secs(20),
    };
    let tally = fuzz(seed, budget, &|_| None);
    eprintln!(
        "fuzz seed {seed}: {} cases in {:.1} s: {} rejected with located errors, {} ran and rendered, {} failed",
        tally.cases,
        tally.elapsed.as_secs_f64(),
        tally.rejected,
        tally.ran,
        tally.failures.len()
    );
    for f in &tally.failures {
        eprintln!("case {} (from {}; {}): {:?}", f.case, f.generated.seed, f.generated.edits.join("; "), f.kind);
    }
    assert!(tally.failures.is_empty());
    let _ = Kind::Hang;
}
