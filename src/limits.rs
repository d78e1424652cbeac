//! Limits every layer checks against: validation refuses files beyond them, and the engine refuses
//! options beyond them, so that no run can overflow or exhaust memory.

/// Largest horizon accepted: 100 years of months.
pub const MAX_HORIZON: i64 = 1200;
/// Largest number of trials accepted in a file or by flag.
pub const MAX_TRIALS: i64 = 10_000_000;
/// Most worker threads a run may ask for: each is an OS thread with its own stack, and no machine
/// this runs on has cores anywhere near it.
pub const MAX_THREADS: usize = 1024;
