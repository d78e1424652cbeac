//! Precision targets (issue 9, item 6), the pure part: parse `--precision METRIC=REL[,...]` and
//! judge, from the trials so far, whether each named metric's figures are as precise as asked. The
//! run loop that runs trials in deterministic batches and calls [`assess`] between them is the
//! runner's; this module needs only the targeted metrics' columns so far and the sampling plan, so
//! the same trials give the same verdict on any thread count.
//!
//! # What is judged
//! For each target `METRIC=REL`, four figures of the metric over the trials so far: its mean and
//! its P10, P50 and P90 (type-7 quantiles, as the summary's), each with its Monte Carlo standard
//! error by the plan's estimator ([`analysis::replicates`](crate::analysis::replicates): the
//! replicates' spread for `lhs` and `sobol`, `sd / √n` and the order-statistic interval for `mc`).
//! A target is met when every one of the four has a relative error at or below REL; all targets
//! must be met.
//!
//! # Relative error
//! `SE / |value|`, the standard error as a share of the figure's own size. Where that is not a
//! number:
//! - value 0 and SE 0 (the metric is 0 in every trial, say): 0 — the figure is exact;
//! - value 0 and SE > 0: +∞ — no relative precision can be reached around zero (target a metric
//!   away from zero, or one of its parts);
//! - SE or value undefined (NaN: no defined value yet, fewer than 2 replicates, or too few trials
//!   for the order-statistic interval): NaN, never met.
//!
//! # Which trials count
//! With `lhs` or `sobol` only whole replicates: a replicate's stratification holds only once all
//! its n trials are in, so a partial last one is left out. No verdict is "met" before
//! [`MIN_REPLICATES`] whole replicates (`lhs`, `sobol`) or [`MIN_TRIALS`] trials (`mc`): with fewer
//! the error estimate itself is too unsure to stop on (an SE from R replicates is off by about
//! 1/√(2(R − 1)) of itself: 18% at 16).

use std::fmt;

use serde::Serialize;

use std::ops::ControlFlow;

use crate::analysis::replicates::{metric_errors, select_type7};
use crate::engine::runner::{run_segments, RunOptions, Segment};
use crate::engine::sampling::Plan;
use crate::engine::TrialTable;
use crate::error::Error;
use crate::lookup::UnknownName;
use crate::scenario::Model;

/// The quantile levels judged beside the mean: P10, P50 and P90.
pub const LEVELS: [f64; 3] = [0.1, 0.5, 0.9];

/// Fewest whole replicates (`lhs`, `sobol`) before a target can be met.
pub const MIN_REPLICATES: u64 = 16;

/// Fewest trials (`mc`) before a target can be met.
pub const MIN_TRIALS: u64 = 1000;

/// One precision target: the relative Monte Carlo error a metric's figures must reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The metric, e.g. `engagements`.
    pub metric: String,
    /// The largest relative error accepted, in (0, 1): 0.005 is ±0.5%.
    pub relative: f64,
}

/// A `--precision` value that is not a list of `METRIC=REL`, located in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionError {
    /// The value as given.
    pub spec: String,
    /// Where the bad part starts, in characters from 0.
    pub at: usize,
    /// How many characters the bad part has (at least 1), for the caret under it.
    pub len: usize,
    /// What is wrong.
    pub problem: String,
    /// What would be valid.
    pub valid: String,
}

impl fmt::Display for PrecisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid --precision at character {}: {}; {}",
            self.at + 1,
            self.problem,
            self.valid
        )?;
        writeln!(f, "  {}", self.spec)?;
        write!(
            f,
            "  {}{}",
            " ".repeat(self.at),
            "^".repeat(self.len.max(1))
        )
    }
}

impl std::error::Error for PrecisionError {}

/// Parse `METRIC=REL[,METRIC=REL...]`, e.g. `engagements=0.005,investor.multiple=0.01`, against the
/// run's metric names.
///
/// # Errors
/// [`PrecisionError`], located at the bad part: an empty target, one without `=`, a REL that is no
/// number in (0, 1), an unknown metric (with the closest names) or one targeted twice.
pub fn parse_targets(spec: &str, metrics: &[String]) -> Result<Vec<Target>, PrecisionError> {
    let error = |at: usize, part: &str, problem: String, valid: &str| PrecisionError {
        spec: spec.to_string(),
        at,
        len: part.chars().count(),
        problem,
        valid: valid.to_string(),
    };
    const FORM: &str = "expected METRIC=REL, e.g. engagements=0.005";
    let mut targets: Vec<Target> = Vec::new();
    // Character offset of each comma-separated part.
    let mut at = 0;
    for part in spec.split(',') {
        let start = at;
        at += part.chars().count() + 1;
        let lead = part.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = part.trim();
        let start = start + lead;
        if trimmed.is_empty() {
            return Err(error(start, " ", "an empty target".into(), FORM));
        }
        let Some((name, rel)) = trimmed.split_once('=') else {
            return Err(error(
                start,
                trimmed,
                format!("\"{trimmed}\" has no '='"),
                FORM,
            ));
        };
        let (name_trim, rel_trim) = (name.trim(), rel.trim());
        let rel_at = start
            + name.chars().count()
            + 1
            + rel.chars().take_while(|c| c.is_whitespace()).count();
        let relative = match rel_trim.parse::<f64>() {
            Ok(x) if x > 0.0 && x < 1.0 => x,
            _ => {
                return Err(error(
                    rel_at,
                    rel_trim,
                    format!("\"{rel_trim}\" is not a relative error"),
                    "expected a number strictly between 0 and 1, e.g. 0.005 for ±0.5%",
                ))
            }
        };
        if !metrics.iter().any(|m| m == name_trim) {
            let unknown = UnknownName::new("metric", name_trim, metrics);
            let valid = if unknown.close.is_empty() {
                "expected a metric of the run, as in summary.csv".to_string()
            } else {
                format!("did you mean {}?", unknown.close.join(", "))
            };
            return Err(PrecisionError {
                valid,
                ..error(
                    start,
                    name_trim,
                    format!("no metric named \"{name_trim}\""),
                    "",
                )
            });
        }
        if targets.iter().any(|t| t.metric == name_trim) {
            return Err(error(
                start,
                name_trim,
                format!("{name_trim} is targeted twice"),
                "expected each metric once",
            ));
        }
        targets.push(Target {
            metric: name_trim.to_string(),
            relative,
        });
    }
    Ok(targets)
}

/// One target's figures so far and whether they are as precise as asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Achieved {
    /// The metric.
    pub metric: String,
    /// The relative error asked for.
    pub target: f64,
    /// Mean, P10, P50 and P90 over the trials judged (NaN if never defined).
    pub values: [f64; 4],
    /// Their Monte Carlo standard errors.
    pub errors: [f64; 4],
    /// Their relative errors (see the module docs for zeros and undefined errors).
    pub relative: [f64; 4],
    /// Whether every relative error is at or below the target.
    pub met: bool,
}

/// The verdict on every target, from the trials so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Trials judged (whole replicates only for `lhs` and `sobol`).
    pub trials: u64,
    /// Whole replicates judged (the trials, for `mc`).
    pub replicates: u64,
    /// One per target, in the order given.
    pub targets: Vec<Achieved>,
    /// Whether every target is met (and enough trials or replicates are in).
    pub met: bool,
}

/// `SE / |value|`, with the conventions of the module docs.
pub fn relative_error(value: f64, se: f64) -> f64 {
    if value.is_nan() || se.is_nan() {
        f64::NAN
    } else if se == 0.0 {
        0.0
    } else if value == 0.0 {
        f64::INFINITY
    } else {
        se / value.abs()
    }
}

/// Judge `targets` from their metrics' values so far: `columns[k]` holds target k's metric in
/// trials 0, 1, … in order (NaN where undefined), all of the same length; `plan` says how the
/// trials were sampled (its `replicates` is ignored: the replicates are those in the columns).
///
/// # Panics
/// If `columns` and `targets` differ in length.
pub fn assess(targets: &[Target], columns: &[&[f64]], plan: &Plan) -> Assessment {
    assert_eq!(targets.len(), columns.len(), "one column per target");
    let have = columns.first().map_or(0, |c| c.len() as u64);
    let (used, replicates, enough) = if plan.method.replicated() {
        let n = plan.per_replicate.max(1);
        let r = have / n;
        (r * n, r, r >= MIN_REPLICATES)
    } else {
        (have, have, have >= MIN_TRIALS)
    };
    let judged = Plan {
        replicates: replicates.max(1),
        per_replicate: if plan.method.replicated() {
            plan.per_replicate
        } else {
            used
        },
        ..*plan
    };
    let achieved: Vec<Achieved> = targets
        .iter()
        .zip(columns)
        .map(|(t, column)| {
            let column = &column[..used as usize];
            let mut defined: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
            let values = if defined.is_empty() {
                [f64::NAN; 4]
            } else {
                let mean = defined.iter().sum::<f64>() / defined.len() as f64;
                let [p10, p50, p90] = LEVELS.map(|p| select_type7(&mut defined, p));
                [mean, p10, p50, p90]
            };
            let e = metric_errors(column, &judged, LEVELS);
            let errors = [e.mean, e.low, e.median, e.high];
            let relative: [f64; 4] = std::array::from_fn(|k| relative_error(values[k], errors[k]));
            Achieved {
                metric: t.metric.clone(),
                target: t.relative,
                values,
                errors,
                relative,
                met: relative.iter().all(|&r| r <= t.relative),
            }
        })
        .collect();
    Assessment {
        trials: used,
        replicates,
        met: enough && achieved.iter().all(|a| a.met),
        targets: achieved,
    }
}

/// Default cap on the trials of a run to a precision (`--max-trials`).
pub const DEFAULT_MAX_TRIALS: u64 = 1_000_000;

/// How a run to a precision ended: its trials, plan and the last verdict.
#[derive(Debug, Clone)]
pub struct PrecisionRun {
    /// Every trial run (whole replicates with `lhs` or `sobol`).
    pub table: TrialTable,
    /// The plan the trials were drawn by, with the replicates actually run.
    pub plan: Plan,
    /// The verdict on the trials run: `met` is false when the run stopped at the cap first.
    pub assessment: Assessment,
    /// The cap on trials the run was given.
    pub max_trials: u64,
}

/// Trials per segment of a run to a precision: the finest step at which it can stop.
pub const PRECISION_SEGMENT: u64 = 1024;

/// Trials per replicate in a run to a precision with `lhs` or `sobol`: ⌈trials / replicates⌉
/// rounded up to a power of two, and at most one segment ([`PRECISION_SEGMENT`]), so every segment
/// holds whole replicates and every verdict judges every trial run.
pub fn replicate_size(trials: u64, replicates: u64) -> u64 {
    trials
        .div_ceil(replicates.max(1))
        .next_power_of_two()
        .min(PRECISION_SEGMENT)
}

/// The trials after which the next verdict is due, given one at `trials`: every segment up to
/// ten segments, then after about 10% more trials (rounded up to a whole segment), so the run
/// overshoots the trials it needs by at most ~10% while judging only O(log n) times past that.
pub fn next_check(trials: u64) -> u64 {
    let step = (trials / 10).max(PRECISION_SEGMENT);
    (trials + step).div_ceil(PRECISION_SEGMENT) * PRECISION_SEGMENT
}

/// Refuse a `max_trials` outside 1 to [`MAX_TRIALS`](crate::limits::MAX_TRIALS), or one whose
/// run could be beyond a day of CPU ([`crate::engine::work`]): before anything is announced or run.
///
/// # Errors
/// [`Error::InvalidOption`] for `--max-trials`.
pub fn check_max_trials(model: &Model, max_trials: u64) -> Result<(), Error> {
    let max = crate::limits::MAX_TRIALS as u64;
    if max_trials == 0 || max_trials > max {
        return Err(Error::InvalidOption {
            option: "--max-trials".into(),
            problem: crate::report::terminal::group_thousands(&max_trials.to_string()),
            valid: format!(
                "expected a whole number from 1 to {}",
                crate::report::terminal::group_thousands(&max.to_string())
            ),
        });
    }
    // A run to a precision may take up to `max_trials`: bounded as a plain run of that many is
    // (engine::work).
    let work = crate::engine::work::Work::of(model, max_trials);
    if work.is_refused() {
        let (problem, _) = work.refusal();
        return Err(Error::InvalidOption {
            option: "--max-trials".into(),
            problem: format!("up to {problem}"),
            valid: format!(
                "expected --max-trials of at most {} for this scenario (docs/performance.md: the work estimate)",
                crate::report::terminal::group_thousands(&work.max_trials().to_string())
            ),
        });
    }
    Ok(())
}

/// Run `model` until every target is met or `max_trials` trials have run (issue 9, item 6).
///
/// The run goes in segments of [`PRECISION_SEGMENT`] trials — a fixed size whatever the thread
/// count — and is judged by [`assess`] on the trials so far at the segment ends [`next_check`]
/// picks; it stops at the first verdict "met". The verdict depends only on the trials, which are the same on any thread
/// count, so the stopping point is too. With `lhs` or `sobol`, `opts.trials` and
/// `opts.replicates` set the size of a replicate ([`replicate_size`]); the run adds whole
/// replicates. `observer` sees each segment as [`run_segments`]'s does (e.g. to stream
/// `trials.csv`); if it stops the run, the trials so far are judged and returned.
///
/// # Errors
/// As [`run_segments`], and [`Error::InvalidOption`] for no target or a `max_trials` outside 1 to
/// [`MAX_TRIALS`](crate::limits::MAX_TRIALS).
pub fn run_to_precision(
    model: &Model,
    opts: &RunOptions,
    targets: &[Target],
    max_trials: u64,
    progress: &(dyn Fn(u64) + Sync),
    observer: &mut (dyn FnMut(&Segment<'_>) -> ControlFlow<()> + Send),
) -> Result<PrecisionRun, Error> {
    check_max_trials(model, max_trials)?;
    if targets.is_empty() {
        return Err(Error::InvalidOption {
            option: "precision".into(),
            problem: "no target".into(),
            valid: "expected at least one METRIC=REL".into(),
        });
    }
    let columns: Vec<usize> = targets
        .iter()
        .map(|t| {
            model_metric(model, &t.metric).ok_or_else(|| Error::InvalidOption {
                option: "precision".into(),
                problem: format!("no metric {}", t.metric),
                valid: "expected a metric of this scenario".into(),
            })
        })
        .collect::<Result<_, _>>()?;
    if opts.sampling.replicated() && max_trials < 2 {
        return Err(Error::InvalidOption {
            option: "--max-trials".into(),
            problem: format!("{max_trials} with {} sampling", opts.sampling.name()),
            valid: "expected at least 2: lhs and sobol need two replicates of a trial or more"
                .into(),
        });
    }
    let mut run_opts = opts.clone();
    let plan = if opts.sampling.replicated() {
        let r = opts
            .replicates
            .unwrap_or(crate::engine::sampling::DEFAULT_REPLICATES);
        // Whole replicates within the cap: smaller replicates if the cap holds fewer than two.
        let n = replicate_size(opts.trials.unwrap_or(model.settings.trials), r)
            .min((max_trials / 2).max(1).next_power_of_two() / 2)
            .max(1);
        let replicates = (max_trials / n).max(2);
        run_opts.trials = Some(replicates * n);
        run_opts.replicates = Some(replicates);
        Plan::new(opts.sampling, replicates * n, Some(replicates))?
    } else {
        run_opts.trials = Some(max_trials);
        Plan::mc(max_trials)
    };
    // The exact values of the targeted metrics (the table holds non-whole values to f32), so the
    // verdict's means are those of the summary and its quantiles those of exact values.
    let mut exact: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
    let judge = |exact: &[Vec<f64>]| {
        let cols: &[Vec<f64>] = exact;
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        assess(targets, &refs, &plan)
    };
    let mut last = None;
    let mut due = PRECISION_SEGMENT;
    let segment = PRECISION_SEGMENT as usize;
    let table = run_segments(model, &run_opts, segment, progress, &mut |segment| {
        if observer(segment).is_break() {
            return ControlFlow::Break(());
        }
        for (values, &j) in exact.iter_mut().zip(&columns) {
            values.extend((0..segment.len()).map(|i| segment.row(i)[j]));
        }
        let trials = segment.table.trials as u64;
        if trials < due {
            return ControlFlow::Continue(());
        }
        due = next_check(trials);
        let verdict = judge(&exact);
        let met = verdict.met;
        last = Some(verdict);
        if met {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    let assessment = last.unwrap_or_else(|| judge(&exact));
    let plan = if plan.method.replicated() {
        Plan {
            replicates: (table.trials as u64 / plan.per_replicate).max(1),
            ..plan
        }
    } else {
        Plan::mc(table.trials as u64)
    };
    Ok(PrecisionRun {
        table,
        plan,
        assessment,
        max_trials,
    })
}

/// Column of metric `name` in the runs of `model`.
fn model_metric(model: &Model, name: &str) -> Option<usize> {
    crate::engine::metrics::Layout::new(model).index_of(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sampling::Method;

    fn names() -> Vec<String> {
        [
            "engagements",
            "job_starts",
            "investor.multiple",
            "investor.irr",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn targets_parse_in_order() {
        let t = parse_targets("engagements=0.005, investor.multiple = 0.01", &names()).unwrap();
        assert_eq!(
            t,
            vec![
                Target {
                    metric: "engagements".into(),
                    relative: 0.005
                },
                Target {
                    metric: "investor.multiple".into(),
                    relative: 0.01
                }
            ]
        );
    }

    #[test]
    fn bad_targets_are_located_with_what_would_be_valid() {
        let err = |s: &str| parse_targets(s, &names()).unwrap_err().to_string();
        assert_eq!(
            err("engagements=0.005,investor.multple=0.01"),
            "invalid --precision at character 19: no metric named \"investor.multple\"; did you mean investor.multiple?\n  engagements=0.005,investor.multple=0.01\n                    ^^^^^^^^^^^^^^^^"
        );
        assert_eq!(
            err("engagements=5%"),
            "invalid --precision at character 13: \"5%\" is not a relative error; expected a number strictly between 0 and 1, e.g. 0.005 for ±0.5%\n  engagements=5%\n              ^^"
        );
        assert_eq!(
            err("engagements=0.01,job_starts"),
            "invalid --precision at character 18: \"job_starts\" has no '='; expected METRIC=REL, e.g. engagements=0.005\n  engagements=0.01,job_starts\n                   ^^^^^^^^^^"
        );
        assert_eq!(
            err("engagements=0.01,"),
            "invalid --precision at character 18: an empty target; expected METRIC=REL, e.g. engagements=0.005\n  engagements=0.01,\n                   ^"
        );
        assert_eq!(
            err("job_starts=0.1,job_starts=0.2"),
            "invalid --precision at character 16: job_starts is targeted twice; expected each metric once\n  job_starts=0.1,job_starts=0.2\n                 ^^^^^^^^^^"
        );
        assert_eq!(
            err("engagements=0"),
            "invalid --precision at character 13: \"0\" is not a relative error; expected a number strictly between 0 and 1, e.g. 0.005 for ±0.5%\n  engagements=0\n              ^"
        );
        assert!(err("zzz=0.1").contains("no metric named \"zzz\"; expected a metric of the run"));
    }

    #[test]
    fn relative_errors_at_zero_and_undefined() {
        assert_eq!(relative_error(-200.0, 2.0), 0.01);
        assert_eq!(relative_error(0.0, 0.0), 0.0);
        assert_eq!(relative_error(0.0, 1.0), f64::INFINITY);
        assert!(relative_error(f64::NAN, 1.0).is_nan());
        assert!(relative_error(3.0, f64::NAN).is_nan());
    }

    fn target(metric: &str, relative: f64) -> Target {
        Target {
            metric: metric.into(),
            relative,
        }
    }

    #[test]
    fn replicated_runs_are_judged_on_whole_replicates_by_their_spread() {
        // 16 replicates of 4 trials and half a seventeenth: replicate r's values are
        // 100 + r + {−1, 0, 0, 1}, so its mean and median are 100 + r. Over r = 0..15 those have
        // sd √(16·17/12) = 4.761, SE 4.761/4 = 1.190, relative to the mean 107.5: 1.107%.
        let mut x = Vec::new();
        for r in 0..16 {
            let c = 100.0 + r as f64;
            x.extend([c - 1.0, c, c, c + 1.0]);
        }
        x.extend([1e6, 1e6]);
        let plan = Plan::new(Method::Lhs, 64, Some(16)).unwrap();
        let a = assess(&[target("x", 0.012)], &[&x], &plan);
        assert_eq!((a.trials, a.replicates), (64, 16));
        let se = (16.0f64 * 17.0 / 12.0).sqrt() / 4.0;
        let got = &a.targets[0];
        assert!((got.values[0] - 107.5).abs() < 1e-12);
        assert!((got.errors[0] - se).abs() < 1e-12, "{got:?}");
        assert!((got.relative[0] - se / 107.5).abs() < 1e-12);
        assert!(
            (got.relative[2] - se / 107.5).abs() < 1e-12,
            "the median's, as the mean's"
        );
        assert!(got.met && a.met, "{a:?}");
        // A tighter target is not met; nor is any with too few replicates.
        assert!(!assess(&[target("x", 0.011)], &[&x], &plan).met);
        assert!(!assess(&[target("x", 0.5)], &[&x[..60]], &plan).met);
    }

    #[test]
    fn independent_trials_are_judged_by_sd_over_root_n_and_order_statistics() {
        // 2,000 trials cycling 0..=99 (shuffled by a stride coprime to 100): mean 49.5, sd 28.87.
        let x: Vec<f64> = (0..2000).map(|i| ((i * 37) % 100) as f64).collect();
        let plan = Plan::mc(2000);
        let a = assess(&[target("x", 0.02)], &[&x], &plan);
        let got = &a.targets[0];
        let sd = (x.iter().map(|v| (v - 49.5).powi(2)).sum::<f64>() / 1999.0).sqrt();
        assert!((got.errors[0] - sd / 2000f64.sqrt()).abs() < 1e-12);
        // P50: n·p = 1000, half-width 1.96·√500 = 43.8: ranks 956 and 1044 of 20 copies of each
        // value, i.e. 47 and 52: SE 5 / 3.92 = 1.276, relative to P50 49.5: 2.6% — not met.
        assert!(
            (got.errors[2] - 5.0 / 3.919_927_969_080_108).abs() < 1e-12,
            "{got:?}"
        );
        assert!(!got.met && !a.met);
        // The same with a looser target: met, and undefined figures never are.
        assert!(assess(&[target("x", 0.1)], &[&x], &plan).met);
        let nan = vec![f64::NAN; 2000];
        assert!(!assess(&[target("x", 0.1)], &[&nan], &plan).met);
        // Zero everywhere: exact, so met; zero on average with a spread: never.
        let zero = vec![0.0; 2000];
        assert!(assess(&[target("x", 0.001)], &[&zero], &plan).met);
        let around: Vec<f64> = (0..2000)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let a = assess(&[target("x", 0.5)], &[&around], &plan);
        assert_eq!(a.targets[0].relative[0], f64::INFINITY);
        assert!(!a.met);
    }
}
