//! Trials in parallel (rayon), reproducibly, in **segments** of [`SEGMENT_TRIALS`] consecutive
//! trials — a fixed size, whatever the thread count. Within a segment the trials run in parallel,
//! each writing its own row of the segment's buffer from streams derived from (seed, trial,
//! purpose) only (rand's own rayon example, STYLE.md); then the segment's rows are compacted into
//! the table's column store ([`crate::engine::table::store`]) and shown, exact, to an observer.
//! Segments follow one another in trial order, so the table, and everything an observer sees, is
//! bit-identical for any thread count.
//!
//! # Observers
//! [`run_observed`] calls an observer after each segment with the segment's exact rows and inputs
//! and the table so far ([`Segment`]). It is how `trials.csv` is streamed to disk during the run,
//! and it may stop the run ([`ControlFlow::Break`]) — e.g. once the Monte Carlo error of some
//! metrics is small enough. The decision can depend only on what it has seen, which is the same
//! for any thread count, so the stopping point is too.
//!
//! # Memory
//! A run holds its table (compact: about 0.9 kB per MHEP 1 trial), one segment's exact rows and
//! inputs (`SEGMENT_TRIALS` × (metrics + flags + inputs) × 8 bytes: 30 MB for MHEP 1; fewer
//! trials a segment for rows too wide for [`SEGMENT_BYTES`]) and the monthly series of its first
//! trials ([`crate::engine::record`]).

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::record::{InputTable, RecordSink};
use crate::engine::sampling::{Method, Plan};
use crate::engine::table::{Moments, TrialTable, BLOCK_TRIALS};
use crate::engine::trial::{simulate, simulate_at, Prepared, Scratch};
use crate::engine::work;
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

/// Trials per segment: the unit of compaction, of observation and of stopping. Equal to the
/// store's block, so each segment is one block.
pub const SEGMENT_TRIALS: usize = BLOCK_TRIALS;

/// Most bytes of one segment's exact rows and inputs (256 MiB). A scenario whose rows are very
/// wide (hundreds of sites over a century: 223,000 values, 1.8 MB a trial) runs in shorter
/// segments so that this buffer stays within it — [`SEGMENT_TRIALS`] of them would be 14.6 GB,
/// allocated before the first trial. MHEP 1's segment is 30 MB.
pub const SEGMENT_BYTES: usize = 256 << 20;

/// The trials of a segment asked as `segment`, for rows of `row_values` values (metrics, flags
/// and inputs): at most what fits in [`SEGMENT_BYTES`], in whole chunks of 64 trials, and at
/// least one chunk. A function of the scenario alone, so a run is the same on any thread count.
pub fn segment_trials(segment: usize, row_values: usize) -> usize {
    let fit = SEGMENT_BYTES / (row_values.max(1) * std::mem::size_of::<f64>()) / CHUNK * CHUNK;
    segment.max(1).min(fit.max(CHUNK))
}

/// One finished segment of a run, as an observer of [`run_observed`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Index of the segment's first trial.
    pub first: usize,
    /// Its trials' rows exactly as simulated (not as stored): row-major, [`TrialTable::width`]
    /// values each, metrics then flags.
    pub rows: &'a [f64],
    /// Its trials' recorded inputs, exactly: row-major, one value per input name.
    pub inputs: &'a [f64],
    /// Every trial so far, this segment's included, as stored. Its monthly series are attached
    /// only when the run ends.
    pub table: &'a TrialTable,
}

impl Segment<'_> {
    /// Number of trials in the segment.
    pub fn len(&self) -> usize {
        self.rows.len() / self.table.width().max(1)
    }

    /// The segment has no trials (never the case for a segment a run shows).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The exact row of the segment's `i`-th trial.
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.table.width();
        &self.rows[i * w..(i + 1) * w]
    }

    /// The exact moments of row column `c` (metrics first, then flags) over the segment's trials
    /// where it is defined: merged segment after segment ([`Moments::merge`]) they are the
    /// table's [`moments`](crate::engine::table::ColumnStore::moments) so far, bit for bit — the
    /// running mean and Monte Carlo error of a metric at the cost of one segment.
    ///
    /// # Panics
    /// If `c >= self.table.width()`.
    pub fn moments(&self, c: usize) -> Moments {
        let w = self.table.width();
        assert!(c < w, "column {c} of {w}");
        let values: Vec<f64> = self.rows.iter().skip(c).step_by(w).copied().collect();
        Moments::of(&values)
    }

    /// The exact inputs of the segment's `i`-th trial.
    pub fn inputs_row(&self, i: usize) -> &[f64] {
        let w = self.table.inputs.names.len();
        &self.inputs[i * w..(i + 1) * w]
    }
}

/// Run every trial of `model`; `progress` is called (from worker threads) with the number of
/// trials finished so far.
///
/// # Errors
/// [`Error::InvalidOption`] for zero or too many trials (including more than the 8 GiB the table
/// of results may take), zero threads or more than [`MAX_THREADS`], or a thread pool that cannot
/// start.
pub fn run(
    model: &Model,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TrialTable, Error> {
    run_observed(model, opts, progress, &mut |_| ControlFlow::Continue(()))
}

/// Like [`run`], calling `observer` after each segment of [`SEGMENT_TRIALS`] trials, in trial
/// order, from the calling thread (inside the run's thread pool, so its own parallel work uses
/// the run's threads). When it answers [`ControlFlow::Break`] the run stops there and returns the
/// trials so far.
///
/// # Errors
/// As [`run`].
pub fn run_observed(
    model: &Model,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
    observer: &mut (dyn FnMut(&Segment<'_>) -> ControlFlow<()> + Send),
) -> Result<TrialTable, Error> {
    run_segments(model, opts, SEGMENT_TRIALS, progress, observer)
}

/// [`run_observed`] with segments of `segment` trials (≥ 1): finer stopping points for a run to a
/// precision, and short segments for tests. Each segment is one block of the table's store, so
/// the exact rows are the same for any segment size, and the held values too but for which
/// blocks' non-whole values are held to f32 (see [`crate::engine::table`]).
pub fn run_segments(
    model: &Model,
    opts: &RunOptions,
    segment: usize,
    progress: &(dyn Fn(u64) + Sync),
    observer: &mut (dyn FnMut(&Segment<'_>) -> ControlFlow<()> + Send),
) -> Result<TrialTable, Error> {
    let seed = opts.seed.unwrap_or(model.settings.seed);
    check_trials(opts.trials.unwrap_or(model.settings.trials))?;
    let pool = thread_pool(opts.threads)?;
    let plan = opts.plan(model)?;
    check_work(model, plan.trials())?;
    let trials = plan.trials() as usize;
    let prep = Prepared::new(model).with_plan(plan);
    run_loop(
        &prep,
        trials,
        pool,
        segment,
        progress,
        observer,
        &|prep, t, row, scratch| simulate(prep, seed, t, row, scratch),
    )
}

/// Run `trials` trials of `model`, trial t at the parameter layer's point that `point(t, out)`
/// writes into `out` (one uniform in (0, 1) per [`ParamDims`](crate::engine::trial::ParamDims)
/// dimension) with the delivery streams of the key it returns (see [`simulate_at`]), in the same
/// segments and chunks as [`run`] — so the table is bit-identical for any thread count. The
/// table's rows are in trial order. `point` must be a function of its arguments alone. This is
/// how a pick-freeze design runs ([`crate::sensitivity::sobol::run_design`]).
///
/// # Errors
/// As [`run`].
pub fn run_points(
    model: &Model,
    trials: u64,
    seed: u64,
    threads: Option<usize>,
    progress: &(dyn Fn(u64) + Sync),
    point: &(dyn Fn(u64, &mut [f64]) -> u64 + Sync),
) -> Result<TrialTable, Error> {
    check_trials(trials)?;
    let pool = thread_pool(threads)?;
    let prep = Prepared::new(model).with_plan(Plan::mc(trials));
    run_loop(
        &prep,
        trials as usize,
        pool,
        SEGMENT_TRIALS,
        progress,
        &mut |_| ControlFlow::Continue(()),
        &|prep, t, row, scratch| simulate_at(prep, seed, &|out| point(t, out), row, scratch),
    )
}

/// How one trial of a run is simulated: trial `t` into its zeroed `row`, with a worker's scratch.
type TrialFn<'a> = dyn Fn(&Prepared<'_>, u64, &mut [f64], &mut Scratch<'_>) + Sync + 'a;

/// A whole number of at most 2^53 with thousands separators: `1234567.0` → `"1,234,567"`.
fn thousands(x: f64) -> String {
    crate::report::terminal::group_thousands(&format!("{x:.0}"))
}

/// Refuse zero trials or more than [`MAX_TRIALS`](crate::limits::MAX_TRIALS).
fn check_trials(trials: u64) -> Result<(), Error> {
    if trials == 0 || trials > crate::limits::MAX_TRIALS as u64 {
        return Err(Error::InvalidOption {
            option: "--trials".into(),
            problem: format!("{} trials", thousands(trials as f64)),
            valid: format!(
                "expected a whole number from 1 to {}",
                thousands(crate::limits::MAX_TRIALS as f64)
            ),
        });
    }
    Ok(())
}

/// Refuse a run whose estimated work is beyond [`work::MAX_CPU_SECONDS`] (crate::engine::work).
fn check_work(model: &Model, trials: u64) -> Result<(), Error> {
    let work = work::Work::of(model, trials);
    if !work.is_refused() {
        return Ok(());
    }
    let (problem, valid) = work.refusal();
    Err(Error::InvalidOption {
        option: "--trials".into(),
        problem,
        valid,
    })
}

/// The thread pool of a run on `threads` threads (`None`: rayon's global pool).
pub(crate) fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>, Error> {
    // Each thread is an OS thread with its own stack: thousands would exhaust the machine before
    // the first trial. Checked before anything is allocated.
    match threads {
        None => Ok(None),
        Some(0) => Err(Error::InvalidOption {
            option: "threads".into(),
            problem: "0 threads".into(),
            valid: "expected a whole number ≥ 1".into(),
        }),
        Some(t) if t > MAX_THREADS => Err(Error::InvalidOption {
            option: "threads".into(),
            problem: format!("{t} threads"),
            valid: format!("expected a whole number from 1 to {MAX_THREADS}"),
        }),
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map(Some)
            .map_err(|e| Error::InvalidOption {
                option: "threads".into(),
                problem: format!("cannot start {t} threads: {e}"),
                valid: "expected a smaller number".into(),
            }),
    }
}

/// The run itself: `trials` trials of `prep`, each by `trial`, segment after segment in trial
/// order (chunks of [`CHUNK`] in parallel within a segment), on `pool`.
fn run_loop(
    prep: &Prepared<'_>,
    trials: usize,
    pool: Option<rayon::ThreadPool>,
    segment: usize,
    progress: &(dyn Fn(u64) + Sync),
    observer: &mut (dyn FnMut(&Segment<'_>) -> ControlFlow<()> + Send),
    trial: &TrialFn<'_>,
) -> Result<TrialTable, Error> {
    let width = prep.layout.width();
    let n_inputs = prep.record.input_names.len();
    let segment = segment_trials(segment, width + n_inputs);
    let done = AtomicU64::new(0);
    let mut body = || -> Result<TrialTable, Error> {
        let mut table = TrialTable::new(prep.layout.metrics.clone(), prep.layout.flags.clone());
        table.inputs = InputTable::new(prep.record.input_names.clone());
        let mut sink = RecordSink::new(&prep.record, trials);
        let room = segment.min(trials);
        let mut rows = vec![0.0; room * width];
        let mut inputs = vec![0.0; room * n_inputs];
        let mut first = 0;
        while first < trials {
            let len = segment.min(trials - first);
            let (rows, inputs) = (&mut rows[..len * width], &mut inputs[..len * n_inputs]);
            let slots = sink.chunks(first, inputs, n_inputs, len, CHUNK);
            rows.par_chunks_mut(width * CHUNK)
                .zip(slots)
                .enumerate()
                .for_each(|(c, (chunk, mut slots))| {
                    // One scratch per chunk of CHUNK trials: its vectors are allocated once here
                    // and reset for each trial (issue 8, item 7).
                    let mut scratch = Scratch::new(prep);
                    for (i, row) in chunk.chunks_mut(width).enumerate() {
                        // An interrupt stops the run within one trial per thread: the rest of
                        // the segment is skipped and the segment is refused below.
                        if crate::interrupt::requested() {
                            return;
                        }
                        row.fill(0.0);
                        let t = first + c * CHUNK + i;
                        trial(prep, t as u64, row, &mut scratch);
                        slots.store(i, &scratch.rec);
                    }
                    let n = (chunk.len() / width) as u64;
                    progress(done.fetch_add(n, Ordering::Relaxed) + n);
                });
            if crate::interrupt::requested() {
                return Err(Error::Interrupted);
            }
            non_finite(prep, first, rows, inputs)?;
            table.push_block(rows, inputs);
            first += len;
            check_size(&table, trials)?;
            let seen = Segment {
                first: first - len,
                rows,
                inputs,
                table: &table,
            };
            if observer(&seen).is_break() {
                break;
            }
        }
        table.monthly = sink.into_monthly(table.trials);
        Ok(table)
    };
    match pool {
        None => body(),
        Some(pool) => pool.install(body),
    }
}

/// Refuse a segment in which a trial drew a NaN input or recorded an infinite metric or
/// flag. NaN is how a metric records "undefined" (an IRR with no root, a ratio with nothing to
/// divide by), counted and explained in the summary; ±∞ is never a figure, and a NaN input means
/// a sampler failed. Either would otherwise be dropped from the statistics without a word.
fn non_finite(
    prep: &Prepared<'_>,
    first: usize,
    rows: &[f64],
    inputs: &[f64],
) -> Result<(), Error> {
    let names = &prep.record.input_names;
    let (metrics, flags) = (&prep.layout.metrics, &prep.layout.flags);
    let width = prep.layout.width();
    // An input may be ∞ by design (`referral_dispersion`'s default: no overdispersion), never NaN.
    if let Some(i) = inputs.iter().position(|x| x.is_nan()) {
        let (row, c) = (i / names.len().max(1), i % names.len().max(1));
        return Err(Error::NonFiniteValue {
            trial: (first + row) as u64,
            what: format!("the drawn input {}", names[c]),
            value: inputs[i],
        });
    }
    if let Some(i) = rows.iter().position(|x| x.is_infinite()) {
        let (row, c) = (i / width.max(1), i % width.max(1));
        let name = metrics
            .get(c)
            .or_else(|| flags.get(c - metrics.len()))
            .map_or("?", String::as_str);
        return Err(Error::NonFiniteValue {
            trial: (first + row) as u64,
            what: format!("the metric {name}"),
            value: rows[i],
        });
    }
    Ok(())
}

/// Estimated memory, in bytes, of a run of `trials` trials of `model`, before it starts: one
/// segment's exact rows and inputs (8 bytes a value), the table of every trial (at most 4 bytes a
/// value as stored, [`crate::engine::table::store`]) and the monthly series kept
/// ([`crate::engine::record::monthly_trials`], 4 bytes a value). An upper estimate: whole numbers
/// are stored in less.
pub fn memory_estimate(model: &Model, trials: u64) -> f64 {
    let width = crate::engine::metrics::Layout::new(model).width() as f64;
    let record = crate::engine::record::RecordLayout::new(model);
    let row = width + record.input_names.len() as f64;
    let segment_trials = segment_trials(SEGMENT_TRIALS, row as usize) as u64;
    let segment = trials.min(segment_trials) as f64 * row * 8.0;
    let table = trials as f64 * row * 4.0;
    let monthly = crate::engine::record::monthly_trials(&record, trials as usize) as f64
        * record.series_len() as f64
        * 4.0;
    segment + table + monthly
}

/// Refuse a run whose table would outgrow [`MAX_TABLE_BYTES`], projected from the bytes per trial
/// of the trials so far (the store's size depends on the values, so it is known only as they come).
fn check_size(table: &TrialTable, trials: usize) -> Result<(), Error> {
    let per_trial = table.heap_bytes() as f64 / table.trials.max(1) as f64;
    let bytes = per_trial * trials as f64;
    if bytes <= MAX_TABLE_BYTES {
        return Ok(());
    }
    Err(Error::InvalidOption {
        option: "--trials".into(),
        problem: format!(
            "{} trials of {} bytes each (as stored so far) need {:.1} GB of memory",
            thousands(trials as f64),
            thousands(per_trial.round()),
            bytes / 1e9
        ),
        valid: format!(
            "expected at most {} trials for this scenario",
            thousands((MAX_TABLE_BYTES / per_trial).floor())
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::replay::replay;
    use crate::engine::table::store::holds;
    use crate::scenario::load;

    /// 256 MiB = 268,435,456 bytes: rows of 460 values (3,680 bytes) fit 72,944 trials, so the
    /// asked 8,192 stand; rows of 223,000 values (1,784,000 bytes) fit 150, cut to 2 chunks of
    /// 64; rows of 10⁸ values fit none, and get one chunk.
    #[test]
    fn wide_rows_run_in_shorter_segments() {
        assert_eq!(segment_trials(8_192, 460), 8_192);
        assert_eq!(segment_trials(25, 460), 25);
        assert_eq!(segment_trials(8_192, 223_000), 128);
        assert_eq!(segment_trials(8_192, 100_000_000), 64);
        assert_eq!(segment_trials(0, 0), 1);
    }

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

    /// Every held value of the table (metrics, flags, inputs) column by column, bit for bit, with
    /// each column's exact moments and the monthly store.
    fn held(t: &TrialTable) -> (Vec<Vec<u64>>, Vec<Moments>, Vec<f32>) {
        let stores = [t.store(), t.inputs.store()];
        let cols = stores
            .iter()
            .flat_map(|s| (0..s.width()).map(|c| bits(&s.column(c))))
            .collect();
        let moments = stores
            .iter()
            .flat_map(|s| (0..s.width()).map(|c| s.moments(c)))
            .collect();
        (cols, moments, t.monthly.values.clone())
    }

    /// A run in segments of `segment` trials, with the exact rows and inputs its observer saw,
    /// stopping after `stop` segments if given.
    fn observed(
        model: &Model,
        o: &RunOptions,
        segment: usize,
        stop: Option<usize>,
    ) -> (TrialTable, Vec<f64>, Vec<f64>, Vec<usize>) {
        let (mut rows, mut inputs, mut firsts) = (Vec::new(), Vec::new(), Vec::new());
        let table = run_segments(model, o, segment, &|_| {}, &mut |s| {
            assert_eq!(s.table.trials, s.first + s.len(), "the table so far");
            rows.extend_from_slice(s.rows);
            inputs.extend_from_slice(s.inputs);
            firsts.push(s.first);
            if stop == Some(firsts.len()) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        (table, rows, inputs, firsts)
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
    fn one_and_three_threads_give_the_same_table_and_segments() {
        // Segments of 40: three full ones and a short one, each compacted as its own block.
        let model = mhep1();
        let (one, rows1, inputs1, firsts) = observed(&model, &opts(150, 1), 40, None);
        let (three, rows3, inputs3, _) = observed(&model, &opts(150, 3), 40, None);
        assert_eq!(firsts, [0, 40, 80, 120]);
        assert_eq!(held(&one), held(&three));
        assert_eq!(bits(&rows1), bits(&rows3));
        assert_eq!(bits(&inputs1), bits(&inputs3));
        assert_eq!(one.trials, 150);
        assert_eq!(one.monthly.trials, 150);
    }

    #[test]
    fn segments_and_reused_scratch_change_no_trial() {
        // Segments of 16 and of 2 chunks and 5 trials: every exact row the observer sees equals
        // the same trial simulated alone with fresh scratch, so neither the segments, the chunking
        // nor the reuse of a worker's scratch leaks into a trial; the table holds each value as
        // the store promises, and the monthly series of trials in later segments are theirs.
        let model = mhep1();
        let n = 2 * CHUNK + 5;
        let (short, rows16, inputs16, _) = observed(&model, &opts(n as u64, 2), 16, None);
        let (long, rows, inputs, firsts) = observed(&model, &opts(n as u64, 2), n, None);
        assert_eq!(firsts, [0]);
        assert_eq!(bits(&rows16), bits(&rows));
        assert_eq!(bits(&inputs16), bits(&inputs));
        let (w, k) = (long.width(), long.inputs.names.len());
        for t in [0, 1, 15, 16, CHUNK - 1, CHUNK, 2 * CHUNK, n - 1] {
            let alone = replay(&model, 11, t as u64);
            assert_eq!(
                bits(&rows[t * w..(t + 1) * w]),
                bits(&alone.row),
                "trial {t}"
            );
            assert_eq!(
                bits(&inputs[t * k..(t + 1) * k]),
                bits(&alone.inputs),
                "trial {t}"
            );
            for table in [&short, &long] {
                for (c, &x) in alone.row.iter().enumerate() {
                    assert!(holds(x, table.value(t, c)), "trial {t} column {c}");
                }
                for (j, &x) in alone.inputs.iter().enumerate() {
                    assert!(holds(x, table.inputs.value(t, j)), "trial {t} input {j}");
                }
                let name = &alone.series_names[3];
                let stored = table.monthly.series(t, name).expect("stored");
                let exact = alone.series(name).expect("replayed");
                let as_f32: Vec<f32> = exact.iter().map(|&x| x as f32).collect();
                assert_eq!(stored, as_f32.as_slice(), "trial {t} {name}");
            }
        }
        assert_eq!(short.monthly.values, long.monthly.values);
    }

    #[test]
    fn segment_moments_merge_into_the_tables() {
        // What a precision-based stop needs: each segment's exact moments, merged in order, are
        // the table's so far, bit for bit, for every column (whole numbers, f32-held, flags).
        let model = mhep1();
        let mut merged: Vec<Moments> = Vec::new();
        let mut checked = 0;
        run_segments(&model, &opts(90, 2), 25, &|_| {}, &mut |s| {
            let w = s.table.width();
            merged.resize(w, Moments::default());
            for (c, m) in merged.iter_mut().enumerate() {
                *m = m.merge(s.moments(c));
                let table = s.table.store().moments(c);
                assert_eq!(
                    (m.n, m.mean.to_bits(), m.m2.to_bits()),
                    (table.n, table.mean.to_bits(), table.m2.to_bits()),
                    "column {c} after trial {}",
                    s.first + s.len()
                );
            }
            checked += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(checked, 4);
    }

    #[test]
    fn a_table_that_would_outgrow_memory_is_refused() {
        let model = mhep1();
        let table = run(&model, &opts(20, 1), &|_| {}).unwrap();
        assert!(check_size(&table, 1_000).is_ok());
        let err = check_size(&table, 1_000_000_000).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid --trials: 1,000,000,000 trials of ")
                && err.contains(" bytes each (as stored so far) need ")
                && err.contains("; expected at most "),
            "{err}"
        );
    }

    #[test]
    fn an_observer_stops_the_run_after_a_segment() {
        // Stopped after 2 segments of 30, the table is the first 60 trials of the full run, block
        // for block, and its monthly series are cut to them.
        let model = mhep1();
        let (stopped, rows, _, firsts) = observed(&model, &opts(100, 2), 30, Some(2));
        let (full, all_rows, _, _) = observed(&model, &opts(100, 2), 30, None);
        assert_eq!(firsts, [0, 30]);
        assert_eq!((stopped.trials, stopped.inputs.trials), (60, 60));
        assert_eq!(bits(&rows), bits(&all_rows[..rows.len()]));
        for c in 0..stopped.width() {
            let (a, b) = (stopped.store().column(c), full.store().column(c));
            assert_eq!(bits(&a), bits(&b[..60]), "column {c}");
        }
        assert_eq!(stopped.monthly.trials, 60);
        assert_eq!(
            stopped.monthly.values,
            full.monthly.values[..stopped.monthly.values.len()]
        );
    }
}
