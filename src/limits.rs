//! Limits every layer checks against: validation refuses files beyond them, and the engine refuses
//! options beyond them, so that no run can overflow or exhaust memory.

/// Largest horizon accepted: 100 years of months.
pub const MAX_HORIZON: i64 = 1200;
/// Largest number of trials accepted in a file or by flag.
pub const MAX_TRIALS: i64 = 10_000_000;
/// Most worker threads a run may ask for: each is an OS thread with its own stack, and no machine
/// this runs on has cores anywhere near it.
pub const MAX_THREADS: usize = 1024;
/// Most variables a `[correlation]` copula may cover: sites × the 23 inputs every site draws
/// ([`Param::N_CORE`](crate::scenario::Param::N_CORE)), so 50 sites. Its Cholesky factor is
/// computed when the file is read, in dim³/3 multiply-adds: 5.1 × 10⁸ at this limit, 0.3 s of CPU
/// measured (issue 14: 100 sites, dimension 2,300, took 3.7 s and 200 sites 28 s, growing as the
/// cube); every trial then multiplies by it, dim²/2 multiply-adds, which the work estimate counts
/// ([`crate::engine::work`]). The matrix and its factor take dim² × 8 bytes each, 10.6 MB here.
pub const MAX_COPULA_DIM: usize = 1_150;
