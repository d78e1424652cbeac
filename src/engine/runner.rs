//! Trials in parallel (rayon), reproducibly: each trial writes its own row of a table allocated up
//! front, from streams derived from (seed, trial, purpose) only, so the table is bit-identical for
//! any thread count (rand's own rayon example, STYLE.md).

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::record::{ChunkSlots, RecordSink};
use crate::engine::sampling::{Method, Plan};
use crate::engine::table::TrialTable;
use crate::engine::trial::{simulate, Prepared, Scratch};
use crate::error::Error;
use crate::limits::MAX_THREADS;
use crate::scenario::Model;

/// How to run a model.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Trials (default: the scenario's).
    pub trials: Option<u64>,
    /// Master seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (default: rayon's, one per core).
    pub threads: Option<usize>,
    /// How the parameter layer is sampled (default: `mc`, plain Monte Carlo).
    pub sampling: Method,
    /// Randomised replicates for `lhs` and `sobol` (default
    /// [`DEFAULT_REPLICATES`](crate::engine::sampling::DEFAULT_REPLICATES)).
    pub replicates: Option<u64>,
}

impl RunOptions {
    /// The sampling plan these options give for `model`: its trials (the scenario's unless set)
    /// split into replicates. A run of them runs [`Plan::trials`] trials.
    ///
    /// # Errors
    /// As [`Plan::new`].
    pub fn plan(&self, model: &Model) -> Result<Plan, Error> {
        let trials = self.trials.unwrap_or(model.settings.trials);
        Plan::new(self.sampling, trials, self.replicates)
    }
}

/// Largest table of trial results a run may hold in memory (8 GiB).
const MAX_TABLE_BYTES: f64 = 8.0 * 1024.0 * 1024.0 * 1024.0;

/// Trials per unit of parallel work and per progress tick.
const CHUNK: usize = 64;

/// Run every trial of `model` — [`RunOptions::plan`]'s, which with `lhs` or `sobol` may be a few
/// more than asked, to fill the last replicate; `progress` is called (from worker threads) with
/// the number of trials finished so far.
///
/// # Errors
/// [`Error::InvalidOption`] for zero or too many trials, zero threads or more than
/// [`MAX_THREADS`], a thread pool that cannot start, or a sampling plan that cannot be
/// ([`Plan::new`]).
pub fn run(
    model: &Model,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TrialTable, Error> {
    let trials = opts.trials.unwrap_or(model.settings.trials);
    let seed = opts.seed.unwrap_or(model.settings.seed);
    if trials == 0 || trials > crate::limits::MAX_TRIALS as u64 {
        return Err(Error::InvalidOption {
            option: "trials".into(),
            problem: format!("{trials} trials"),
            valid: format!(
                "expected a whole number from 1 to {}",
                crate::limits::MAX_TRIALS
            ),
        });
    }
    // Each thread is an OS thread with its own stack: thousands would exhaust the machine before
    // the first trial. Checked before anything is allocated.
    if let Some(t) = opts.threads.filter(|&t| t > MAX_THREADS) {
        return Err(Error::InvalidOption {
            option: "threads".into(),
            problem: format!("{t} threads"),
            valid: format!("expected a whole number from 1 to {MAX_THREADS}"),
        });
    }
    let plan = opts.plan(model)?;
    let trials = plan.trials();
    let prep = Prepared::new(model).with_plan(plan);
    let width = prep.layout.width();
    // Every trial's row and inputs are kept (for quantiles and trials.csv): refuse a run that
    // cannot fit. The monthly series have their own cap (engine::record).
    let kept = width + prep.record.input_names.len();
    let bytes = trials as f64 * kept as f64 * 8.0;
    if bytes > MAX_TABLE_BYTES {
        let most = (MAX_TABLE_BYTES / (kept as f64 * 8.0)).floor();
        return Err(Error::InvalidOption {
            option: "trials".into(),
            problem: format!(
                "{trials} trials of {kept} values each need {:.1} GB of memory",
                bytes / 1e9
            ),
            valid: format!("expected at most {most} trials for this scenario"),
        });
    }
    let mut values = vec![0.0; trials as usize * width];
    let done = AtomicU64::new(0);
    let mut sink = RecordSink::new(&prep.record, trials as usize);
    let slots = sink.chunks(CHUNK);
    let work = |values: &mut [f64], slots: Vec<ChunkSlots<'_>>| {
        values
            .par_chunks_mut(width * CHUNK)
            .zip(slots)
            .enumerate()
            .for_each(|(c, (chunk, mut slots))| {
                // One scratch per chunk of CHUNK trials: its vectors are allocated once here and
                // reset for each trial (issue 8, item 7).
                let mut scratch = Scratch::new(&prep);
                for (i, row) in chunk.chunks_mut(width).enumerate() {
                    simulate(&prep, seed, (c * CHUNK + i) as u64, row, &mut scratch);
                    slots.store(i, &scratch.rec);
                }
                let n = (chunk.len() / width) as u64;
                progress(done.fetch_add(n, Ordering::Relaxed) + n);
            });
    };
    match opts.threads {
        None => work(&mut values, slots),
        Some(0) => {
            return Err(Error::InvalidOption {
                option: "threads".into(),
                problem: "0 threads".into(),
                valid: "expected a whole number ≥ 1".into(),
            })
        }
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| Error::InvalidOption {
                option: "threads".into(),
                problem: format!("cannot start {t} threads: {e}"),
                valid: "expected a smaller number".into(),
            })?
            .install(|| work(&mut values, slots)),
    }
    let mut table = TrialTable::new(prep.layout.metrics.clone(), prep.layout.flags.clone());
    table.trials = trials as usize;
    table.values = values;
    (table.inputs, table.monthly) = sink.into_tables();
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::replay::replay;
    use crate::scenario::load;

    fn mhep1() -> Model {
        load(std::path::Path::new("scenarios/mhep1.toml")).expect("the bundled scenario loads")
    }

    /// Values bit for bit (an undefined IRR is NaN, which is not equal to itself).
    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn opts(trials: u64, threads: usize) -> RunOptions {
        RunOptions {
            trials: Some(trials),
            seed: Some(11),
            threads: Some(threads),
            ..RunOptions::default()
        }
    }

    #[test]
    fn zero_trials_and_zero_or_too_many_threads_are_refused() {
        let model = mhep1();
        let err = run(&model, &opts(0, 1), &|_| {}).unwrap_err();
        assert!(err.to_string().contains("0 trials"), "{err}");
        let err = run(&model, &opts(5, 0), &|_| {}).unwrap_err();
        assert!(err.to_string().contains("0 threads"), "{err}");
        let err = run(&model, &opts(5, 100_000), &|_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid threads: 100000 threads; expected a whole number from 1 to 1024"
        );
    }

    #[test]
    fn one_and_three_threads_give_the_same_rows() {
        let model = mhep1();
        let one = run(&model, &opts(150, 1), &|_| {}).unwrap();
        let three = run(&model, &opts(150, 3), &|_| {}).unwrap();
        assert_eq!(bits(&one.values), bits(&three.values));
        assert_eq!(bits(&one.inputs.values), bits(&three.inputs.values));
        assert_eq!(one.monthly.values, three.monthly.values);
    }

    #[test]
    fn a_short_last_chunk_and_reused_scratch_change_no_trial() {
        // 2 full chunks and 5 trials: each row equals the same trial simulated alone with fresh
        // scratch, so neither the chunking nor the reuse of a worker's scratch leaks into a trial.
        let model = mhep1();
        let n = 2 * CHUNK + 5;
        let table = run(&model, &opts(n as u64, 2), &|_| {}).unwrap();
        assert_eq!(table.trials, n);
        for t in [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK, n - 1] {
            let alone = replay(&model, 11, t as u64);
            assert_eq!(bits(table.row(t)), bits(&alone.row), "trial {t}");
            assert_eq!(bits(table.inputs.row(t)), bits(&alone.inputs), "trial {t}");
        }
        let longer = run(&model, &opts(200, 2), &|_| {}).unwrap();
        assert_eq!(
            bits(&table.values),
            bits(&longer.values[..table.values.len()])
        );
    }
}
