//! The deterministic fuzz runner on stable Rust: case `i` of seed `s` is the scenario
//! [`generate::from_bytes`] builds from 4,096 bytes of a PCG stream seeded by `(s, i)`, so any
//! case can be rebuilt from its two numbers ([`case`]). Each case runs [`check`] on a thread of
//! its own, with a large stack, under a time limit: a panic (the thread's join error), a hang
//! (no answer within the limit; the thread is left behind) and a [`Violation`] are each a
//! [`Failure`]. Cases run until a count or a time budget is spent, whichever comes first.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::generate::{self, Generated, Mode};
use super::{check, Outcome, Violation};

/// Bytes of generator input per case.
pub const CASE_BYTES: usize = 4_096;

/// Stack of each case's thread: deep nesting in a generated file must not overflow it.
pub const CASE_STACK: usize = 64 << 20;

/// How long to fuzz, and each case's time limit.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Cases to run at most.
    pub cases: u64,
    /// Time to run for at most (the case running then finishes).
    pub time: Duration,
    /// A case that has not answered within this is a hang.
    pub per_case: Duration,
}

/// What went wrong with one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The pipeline panicked, with this message.
    Panic(String),
    /// No answer within the per-case limit.
    Hang,
    /// A promise [`check`] saw broken.
    Violation(String),
}

/// One failing case: how to rebuild it, what it was and what went wrong.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The runner's seed.
    pub seed: u64,
    /// The case's index.
    pub case: u64,
    /// The generated scenario.
    pub generated: Generated,
    /// What went wrong.
    pub kind: Kind,
}

/// The counts of a fuzz run, and its failures.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Cases run.
    pub cases: u64,
    /// Cases refused with located errors.
    pub rejected: u64,
    /// Cases that ran and rendered (reached the engine and the exporters).
    pub ran: u64,
    /// Cases that broke a promise.
    pub failures: Vec<Failure>,
    /// Time taken.
    pub elapsed: Duration,
}

/// The input bytes of case `case` of `seed`.
pub fn case_bytes(seed: u64, case: u64) -> Vec<u8> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut bytes = vec![0u8; CASE_BYTES];
    rng.fill(&mut bytes[..]);
    bytes
}

/// Case `case` of `seed`: the scenario it checks.
pub fn case(seed: u64, case: u64) -> Generated {
    generate::from_bytes(&case_bytes(seed, case))
}

/// Case `case` of `seed` generated in `mode`.
pub fn case_in(seed: u64, case: u64, mode: Mode) -> Generated {
    generate::from_bytes_in(&case_bytes(seed, case), mode)
}

/// Runs [`check`] on `text` on its own thread, within `limit`.
///
/// # Errors
/// The [`Kind`] of failure.
pub fn check_bounded(file: &str, text: &str, limit: Duration) -> Result<Outcome, Kind> {
    let (tx, rx) = mpsc::channel();
    let file = file.to_string();
    let text = text.to_string();
    let worker = thread::Builder::new()
        .name("fuzz-case".into())
        .stack_size(CASE_STACK)
        .spawn(move || {
            let r = check(&file, &text);
            let _ = tx.send(r);
        })
        .map_err(|e| Kind::Panic(format!("cannot start the case's thread: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(r) => {
            let _ = worker.join();
            r.map_err(|Violation(v)| Kind::Violation(v))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Kind::Panic(match worker.join() {
            Err(payload) => panic_message(payload.as_ref()),
            Ok(()) => "the case ended without an answer".into(),
        })),
        // Left running: a thread cannot be stopped from outside.
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Kind::Hang),
    }
}

/// The text of a panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a payload that is not text".into()
    }
}

/// Runs cases `0, 1, …` of `seed` within `budget`. `skip` may pass over a case before it runs
/// (answering why), for the classes of failure known and being fixed; skipped cases are not
/// counted. Stops at the first hang: its thread goes on using a core.
pub fn fuzz(seed: u64, budget: Budget, skip: &dyn Fn(&Generated) -> Option<&'static str>) -> Tally {
    fuzz_in(seed, Mode::Any, budget, skip)
}

/// [`fuzz`] with cases generated in `mode`.
pub fn fuzz_in(
    seed: u64,
    mode: Mode,
    budget: Budget,
    skip: &dyn Fn(&Generated) -> Option<&'static str>,
) -> Tally {
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut i = 0u64;
    while tally.cases < budget.cases && started.elapsed() < budget.time {
        let generated = case_in(seed, i, mode);
        i += 1;
        if skip(&generated).is_some() {
            continue;
        }
        tally.cases += 1;
        match check_bounded("fuzz.toml", &generated.text, budget.per_case) {
            Ok(Outcome::Rejected(_)) => tally.rejected += 1,
            Ok(Outcome::Ran) => tally.ran += 1,
            Err(kind) => {
                let hang = kind == Kind::Hang;
                tally.failures.push(Failure {
                    seed,
                    case: i - 1,
                    generated,
                    kind,
                });
                if hang {
                    break;
                }
            }
        }
    }
    tally.elapsed = started.elapsed();
    tally
}
