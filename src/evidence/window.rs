//! Window-aware calibration of conversion rates: how much of a site's eventual successes the
//! engine lets into its observation window, the `exposure` of a `beta_counts` rate
//! (docs/calibration.md).
//!
//! MHEP 1's rates are ratios BIT observed within its window (`000_a181213f7b897744.txt` Table 4.1,
//! Jan 2016 – Mar 2019), which is also the scenario's horizon; the engine draws each rate as an
//! eventual probability and then drops the outcomes that fall after a site's end. So the drawn
//! rate must be the eventual one, `q / exposure` with `q` the observed ratio's posterior, and the
//! exposure is what the simulation itself lets in: per site and stage, by the ratio estimator
//! over trials `t`, each with its drawn eventual rate `p_t`,
//!
//! ```text
//! w_job = Σ starts_t / Σ p_job_t·engagements_t
//! w_6w  = Σ W6_t     / Σ p_6w_t·starts_t
//! w_26w = Σ W26_t    / Σ p_26w_t·W6_t
//! ```
//!
//! (the per-site counts are within the window when the horizon is the observation window). A new
//! exposure changes the eventual rates and so, slightly, the dynamics (caseload turnover,
//! distress, termination), so the exposures are iterated to a fixed point `e = w(e)`. Each run
//! is the scenario's own seeded run, so the result is the same on any thread count.

use crate::distributions::{Dist, DistError, DistSpec};
use crate::error::Error;
use crate::scenario::{Model, Param};
use crate::simulation::Simulation;

/// The three conversion stages calibrated, with their rate and the counts of their ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Job starts of engagements (`p_job_start`).
    JobStart,
    /// 6-week sustainments of job starts (`p_6w`).
    Sustain6w,
    /// 26-week sustainments of 6-week ones (`p_26w`).
    Sustain26w,
}

impl Stage {
    /// Every stage, in delivery order.
    pub const ALL: [Stage; 3] = [Stage::JobStart, Stage::Sustain6w, Stage::Sustain26w];

    /// The site input holding the stage's rate.
    pub fn param(self) -> Param {
        match self {
            Stage::JobStart => Param::PJobStart,
            Stage::Sustain6w => Param::P6w,
            Stage::Sustain26w => Param::P26w,
        }
    }

    /// The per-site metrics of the ratio: (numerator, denominator), without `site.<id>.`.
    pub fn counts(self) -> (&'static str, &'static str) {
        match self {
            Stage::JobStart => ("job_starts", "engagements"),
            Stage::Sustain6w => ("sustain_6w", "job_starts"),
            Stage::Sustain26w => ("sustain_26w", "sustain_6w"),
        }
    }
}

/// How to run the calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowOptions {
    /// Trials of each run.
    pub trials: u64,
    /// Master seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (default: every core); the result does not depend on it.
    pub threads: Option<usize>,
    /// Most runs of the fixed point, the first (at the file's exposures) included.
    pub max_rounds: usize,
    /// The fixed point is reached when no exposure moves by more than this between rounds.
    pub tolerance: f64,
}

impl Default for WindowOptions {
    /// 4,000 trials a run, at most 6 rounds, tolerance 0.002.
    fn default() -> Self {
        WindowOptions {
            trials: 4000,
            seed: None,
            threads: None,
            max_rounds: 6,
            tolerance: 0.002,
        }
    }
}

/// Percentiles and mean of a within-window ratio over trials.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioFigures {
    /// P10 over the trials whose denominator is positive.
    pub p10: f64,
    /// P50 over the same trials.
    pub p50: f64,
    /// P90 over the same trials.
    pub p90: f64,
    /// Mean of the per-trial ratios.
    pub mean: f64,
    /// Monte Carlo standard error of the mean (sd / √n).
    pub mcse: f64,
    /// Trials with a positive denominator (the others have no ratio and are left out).
    pub defined: usize,
    /// The per-trial ratios, ascending.
    pub sorted: Vec<f64>,
}

impl RatioFigures {
    fn new(num: &[f64], den: &[f64]) -> RatioFigures {
        let mut sorted: Vec<f64> = num
            .iter()
            .zip(den)
            .filter(|&(_, &d)| d > 0.0)
            .map(|(&n, &d)| n / d)
            .collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let mean = sorted.iter().sum::<f64>() / n as f64;
        let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        let q = |p: f64| quantile_sorted(&sorted, p);
        RatioFigures {
            p10: q(0.1),
            p50: q(0.5),
            p90: q(0.9),
            mean,
            mcse: (var / n as f64).sqrt(),
            defined: n,
            sorted,
        }
    }

    /// The share of trials whose ratio is at or below `x` (mid-rank for ties), NaN without trials.
    pub fn percentile_of(&self, x: f64) -> f64 {
        let below = self.sorted.partition_point(|&r| r < x);
        let at_or_below = self.sorted.partition_point(|&r| r <= x);
        (below + at_or_below) as f64 / 2.0 / self.sorted.len() as f64
    }
}

/// Linear interpolation between order statistics (Hyndman & Fan type 7); NaN when empty.
fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The exposure estimated from one run: `Σ num / Σ p·den` and its standard error.
///
/// The ratio estimator's error by the delta method, `SE(R) = √(Σ (y_t − R·x_t)² / (n(n − 1))) /
/// x̄` with `y = num`, `x = p·den` (Cochran, *Sampling Techniques*, 3rd ed., §6.3); NaN when no
/// trial has an eventual success expected (`Σ x = 0`).
fn ratio_estimate(num: &[f64], den: &[f64], rate: &[f64]) -> (f64, f64) {
    let x: Vec<f64> = den.iter().zip(rate).map(|(d, p)| d * p).collect();
    let (sy, sx) = (num.iter().sum::<f64>(), x.iter().sum::<f64>());
    if sx <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let r = sy / sx;
    let n = num.len() as f64;
    let ss = num
        .iter()
        .zip(&x)
        .map(|(y, x)| (y - r * x).powi(2))
        .sum::<f64>();
    (r, (ss / (n * (n - 1.0))).sqrt() / (sx / n))
}

/// One site's stage, calibrated.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCalibration {
    /// The site's id.
    pub site: String,
    /// The conversion stage.
    pub stage: Stage,
    /// The file's counts `(successes, trials)`, when the rate is a `beta_counts`.
    pub observed: Option<(f64, f64)>,
    /// The file's exposure (`None`: absent, the counts taken as eventual).
    pub file_exposure: Option<f64>,
    /// The exposure the simulation lets in, at the fixed point: the share of eventual successes seen in the window, 0–1.
    pub exposure: f64,
    /// Monte Carlo standard error of `exposure`.
    pub exposure_se: f64,
    /// The exposure estimated from the run at the file's own exposures.
    pub file_run_exposure: f64,
    /// Monte Carlo standard error of `file_run_exposure`.
    pub file_run_exposure_se: f64,
    /// The eventual rate at the computed exposure: the mean of its distribution (of the file's
    /// distribution when the rate is not a `beta_counts`).
    pub eventual_mean: f64,
    /// P10 of the eventual rate.
    pub eventual_p10: f64,
    /// P90 of the eventual rate.
    pub eventual_p90: f64,
    /// The simulated within-window ratio over trials, at the file's exposures.
    pub window_file: RatioFigures,
    /// The simulated within-window ratio over trials, at the computed exposures.
    pub window: RatioFigures,
}

impl StageCalibration {
    /// Whether the file's exposure differs from the computed one by more than
    /// `max(3·SE, 0.01)`; an absent exposure counts as 1. `false` when the rate is not a
    /// `beta_counts` (there is no exposure to set).
    pub fn stale(&self) -> bool {
        self.observed.is_some()
            && (self.file_exposure.unwrap_or(1.0) - self.exposure).abs() > self.stale_threshold()
    }

    /// `max(3·SE, 0.01)`: how far a file's exposure may lie from the computed one.
    pub fn stale_threshold(&self) -> f64 {
        (3.0 * self.exposure_se).max(0.01)
    }

    /// The observed ratio `successes / trials`, when the rate is a `beta_counts`.
    pub fn observed_ratio(&self) -> Option<f64> {
        self.observed.map(|(s, n)| s / n)
    }
}

/// The calibration of every site's conversion rates.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCalibration {
    /// The scenario's name.
    pub scenario: String,
    /// Trials of each run.
    pub trials: u64,
    /// Master seed of each run.
    pub seed: u64,
    /// Runs made (the first at the file's exposures).
    pub rounds: usize,
    /// Whether the last round moved no exposure by more than the tolerance.
    pub converged: bool,
    /// Largest move of an exposure in the last round.
    pub last_move: f64,
    /// The largest move of an exposure at which a round counts as converged.
    pub tolerance: f64,
    /// Per site (in file order), per stage.
    pub stages: Vec<StageCalibration>,
}

/// What stops a calibration.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    /// A run of the scenario failed.
    #[error(transparent)]
    Run(#[from] Error),
    /// A computed exposure is too small for the site's counts (the eventual rate would exceed 1):
    /// the model lets fewer of the rate's successes into the window than the counts show were
    /// seen in it. The cause is in the message once (not also as a source, which the binary would
    /// print a second time).
    #[error(
        "sites.{site}.delivery.{field}: the counts could not have been seen in this window: {}; {} \
         (the window — the site's months in this scenario — is too short, or the timing too slow, \
         for these counts)",
        problem.problem,
        problem.valid
    )]
    Exposure {
        /// The site's id.
        site: String,
        /// The rate's field under `delivery`, e.g. `p_job_start`.
        field: &'static str,
        /// Why the eventual rate is out of range, and what would be valid.
        problem: DistError,
    },
    /// The run records no such metric (a scenario without the site's counts).
    #[error("the run has no {0}")]
    Missing(String),
}

/// The `beta_counts` of a distribution: `(successes, trials, exposure)`.
fn counts_of(dist: &Dist) -> Option<(f64, f64, Option<f64>)> {
    match dist.spec()? {
        DistSpec::BetaCounts {
            successes,
            trials,
            exposure,
        } => Some((*successes, *trials, *exposure)),
        _ => None,
    }
}

/// `model` with each `beta_counts` conversion rate's exposure set to `exposures[site][stage]`.
///
/// # Errors
/// [`WindowError::Exposure`] when an exposure is refused for its counts.
pub fn with_exposures(model: &Model, exposures: &[[f64; 3]]) -> Result<Model, WindowError> {
    let mut m = model.clone();
    for (site, e) in m.sites.iter_mut().zip(exposures) {
        for (stage, &e) in Stage::ALL.iter().zip(e) {
            let p = stage.param() as usize;
            if let Some((s, n, _)) = counts_of(&site.inputs[p]) {
                site.inputs[p] = Dist::new(&DistSpec::BetaCounts {
                    successes: s,
                    trials: n,
                    exposure: Some(e),
                })
                .map_err(|problem| WindowError::Exposure {
                    site: site.id.clone(),
                    field: stage.param().field(),
                    problem,
                })?;
            }
        }
    }
    Ok(m)
}

/// One run's per-site, per-stage exposure estimates (value, SE) and within-window ratios.
type RoundFigures = Vec<[(f64, f64, RatioFigures); 3]>;

fn one_round(model: &Model, opts: &WindowOptions, seed: u64) -> Result<RoundFigures, WindowError> {
    let mut sim = Simulation::new(model).trials(opts.trials).seed(seed);
    if let Some(t) = opts.threads {
        sim = sim.threads(t);
    }
    let results = sim.run()?;
    let col = |name: String| {
        results
            .column(&name)
            .map_err(|_| WindowError::Missing(name))
    };
    model
        .sites
        .iter()
        .map(|site| {
            let mut out = Vec::with_capacity(3);
            for stage in Stage::ALL {
                let (num, den) = stage.counts();
                let num = col(format!("site.{}.{num}", site.id))?;
                let den = col(format!("site.{}.{den}", site.id))?;
                let rate = col(format!("input.{}.{}", site.id, stage.param().field()))?;
                let (w, se) = ratio_estimate(&num, &den, &rate);
                out.push((w, se, RatioFigures::new(&num, &den)));
            }
            let [a, b, c]: [_; 3] = out.try_into().map_err(|_| {
                WindowError::Missing("the three stages".into()) // unreachable: three pushed
            })?;
            Ok([a, b, c])
        })
        .collect()
}

/// Calibrate the exposure of every site's `p_job_start`, `p_6w` and `p_26w` by simulation, to
/// the fixed point (module docs).
///
/// Starts at the file's exposures (1 where absent), runs, sets each `beta_counts` rate's exposure
/// to the estimate, and repeats until no exposure moves by more than `opts.tolerance` or
/// `opts.max_rounds` runs are made. A rate that is not a `beta_counts` keeps its distribution;
/// its exposure is reported but not iterated.
///
/// # Errors
/// A run's error, a computed exposure refused for its counts, or a missing per-site metric.
pub fn calibrate_window(
    model: &Model,
    opts: &WindowOptions,
) -> Result<WindowCalibration, WindowError> {
    let seed = opts.seed.unwrap_or(model.settings.seed);
    let file: Vec<[Option<f64>; 3]> = model
        .sites
        .iter()
        .map(|s| Stage::ALL.map(|st| counts_of(s.input(st.param())).and_then(|c| c.2)))
        .collect();
    let mut current: Vec<[f64; 3]> = file.iter().map(|f| f.map(|e| e.unwrap_or(1.0))).collect();
    let first = one_round(model, opts, seed)?;
    let mut last = first.clone();
    let mut rounds = 1;
    let mut last_move;
    let mut calibrated = model.clone();
    loop {
        let next: Vec<[f64; 3]> = last
            .iter()
            .zip(&current)
            .zip(&model.sites)
            .map(|((r, cur), site)| {
                let mut e = *cur;
                for (k, st) in Stage::ALL.iter().enumerate() {
                    if counts_of(site.input(st.param())).is_some() && r[k].0.is_finite() {
                        e[k] = r[k].0.min(1.0);
                    }
                }
                e
            })
            .collect();
        last_move = next
            .iter()
            .zip(&current)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        if last_move < opts.tolerance || rounds >= opts.max_rounds.max(1) {
            break;
        }
        current = next;
        calibrated = with_exposures(model, &current)?;
        last = one_round(&calibrated, opts, seed)?;
        rounds += 1;
    }
    let mut stages = Vec::new();
    for (i, site) in calibrated.sites.iter().enumerate() {
        for (k, st) in Stage::ALL.iter().enumerate() {
            let dist = site.input(st.param());
            let counts = counts_of(dist);
            let (w, se, window) = last[i][k].clone();
            let (w0, se0, window_file) = first[i][k].clone();
            // The eventual rate at the computed exposure (the last run's is within the tolerance).
            let eventual = match counts {
                Some((s, n, _)) if w.is_finite() => Dist::new(&DistSpec::BetaCounts {
                    successes: s,
                    trials: n,
                    exposure: Some(w.min(1.0)),
                })
                .map_err(|problem| WindowError::Exposure {
                    site: site.id.clone(),
                    field: st.param().field(),
                    problem,
                })?,
                _ => dist.clone(),
            };
            stages.push(StageCalibration {
                site: site.id.clone(),
                stage: *st,
                observed: counts.map(|c| (c.0, c.1)),
                file_exposure: file[i][k],
                exposure: w,
                exposure_se: se,
                file_run_exposure: w0,
                file_run_exposure_se: se0,
                eventual_mean: eventual.mean(),
                eventual_p10: eventual.quantile(0.1),
                eventual_p90: eventual.quantile(0.9),
                window_file,
                window,
            });
        }
    }
    Ok(WindowCalibration {
        scenario: model.name.clone(),
        trials: opts.trials,
        seed,
        rounds,
        converged: last_move < opts.tolerance,
        last_move,
        tolerance: opts.tolerance,
        stages,
    })
}
