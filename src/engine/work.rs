//! How much work a run is, estimated before it starts (issue 14): a run far beyond what a machine
//! can do in a day is refused up front with an error saying what drives it, and a long one runs
//! with a warning and its estimated time — never an unannounced wait of hours.
//!
//! **The estimate.** A trial steps through every month of the horizon; each month it steps every
//! site that delivers (its client flow and staff, all drawn as counts: a binomial or Poisson draw
//! costs the same for 30 referrals as for 100,000), then settles the month's payments and the
//! parties' finances. So a run's work is, in *units*,
//!
//! ```text
//! units = trials × (horizon_months × (sites + 1 + payment_items / 100) + copula_dim² / 600)
//! ```
//!
//! where `payment_items` counts tariff lines, blocks and caps (a hundred of them cost about as much
//! a month as one site), and `copula_dim` is the number of draws a `[correlation]` copula
//! correlates (sites × 23; 0 without one): each trial multiplies them by the copula's Cholesky
//! factor ([`COPULA_SQUARES_PER_UNIT`]). The factorisation itself is done once, when the file is
//! read, and is bounded by [`MAX_COPULA_DIM`](crate::limits::MAX_COPULA_DIM) instead. Referral volume does not enter: the draws for large counts cost about
//! twice those for small ones, but no more however large (measured: a one-site trial of 1,200
//! months takes 2.76 ms at 100,000 referrals a month and 1.47 ms at 30; docs/performance.md). The
//! CPU time is `units ×` [`MICROS_PER_UNIT`], measured on the development machine (a shared
//! two-core virtual machine of 2026) with room to spare; the wall time is that over the threads.
//!
//! **The limits.** Above [`WARN_CPU_SECONDS`] (ten minutes of CPU) the command line warns with the
//! estimate; above [`MAX_CPU_SECONDS`] (a day of CPU) a run is refused: in the scenario file at its
//! `trials`, by the engine for a `--trials` (or a sampling plan) that asks for more.

use crate::report::terminal::group_thousands;
use crate::scenario::Model;

/// Estimated CPU time of one unit of work (one month of one site, or of the contract's settlement
/// and finance), in microseconds: 0.6 to 1.1 µs measured on the bundled scenarios and 1,200-month
/// variants of them, up to about 1.4 µs with very large counts (docs/performance.md), rounded up.
pub const MICROS_PER_UNIT: f64 = 2.0;

/// Estimated CPU time above which the command line warns before a run: ten minutes.
pub const WARN_CPU_SECONDS: f64 = 600.0;

/// Estimated CPU time above which a run is refused: a day.
pub const MAX_CPU_SECONDS: f64 = 86_400.0;

/// A payment item (tariff line, block or cap) costs a hundredth of a site's month.
const ITEMS_PER_SITE: f64 = 100.0;

/// A copula's per-trial product z = L·ε, dim²/2 multiply-adds (then dim normal draws and dim
/// Φ's), costs `dim² /` this many units: measured 1.9 ms of CPU a trial more with a copula of
/// dimension 1,150 (50 sites, 12 months, 4,000 trials on one thread) than without, at 0.87 µs a
/// unit for the rest of the trial — 2,200 units, about 300 multiply-adds a unit (docs/performance.md).
pub const COPULA_SQUARES_PER_UNIT: f64 = 600.0;

/// Estimated CPU time of one step of a Sobol bootstrap (one base sample of one resample of one
/// index of one output: [`Bootstrap`]), in nanoseconds: 7.6 ns measured at 1,024 base samples
/// and 15.6 ns at 8,192 (whose columns outgrow the caches), one thread of the shared development
/// machine under load (docs/performance.md), rounded up.
pub const NANOS_PER_BOOTSTRAP_STEP: f64 = 20.0;

/// The estimated work of `runs` runs of `trials` trials each of a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    /// Runs of the scenario (1 for `sibsim run`; a comparison's or a seek's runs).
    pub runs: u64,
    /// Whether `runs` is a guess (a comparison's structure solves, a seek's evaluations).
    pub approx: bool,
    /// Trials in each run.
    pub trials: u64,
    /// Months of the horizon.
    pub horizon: u64,
    /// Sites.
    pub sites: u64,
    /// Tariff lines, blocks and caps.
    pub payment_items: u64,
    /// Variables of the `[correlation]` copula (sites × inputs), 0 without one.
    pub copula_dim: u64,
}

impl Work {
    /// The work of `trials` trials of `model`.
    pub fn of(model: &Model, trials: u64) -> Work {
        Work {
            runs: 1,
            approx: false,
            trials,
            horizon: u64::from(model.settings.horizon),
            sites: model.sites.len() as u64,
            payment_items: (model.tariffs.len() + model.blocks.len() + model.caps.len()) as u64,
            copula_dim: model.copula.as_ref().map_or(0, |c| c.dim as u64),
        }
    }

    /// The same work repeated over `runs` runs (`approx`: that count is a guess).
    pub fn times(self, runs: u64, approx: bool) -> Work {
        Work {
            runs,
            approx,
            ..self
        }
    }

    /// Units of work in one trial: `horizon × (sites + 1 + payment_items / 100)`, plus
    /// `copula_dim² / 600` with a copula.
    pub fn units_per_trial(&self) -> f64 {
        let dim = self.copula_dim as f64;
        self.horizon as f64 * (self.sites as f64 + 1.0 + self.payment_items as f64 / ITEMS_PER_SITE)
            + dim * dim / COPULA_SQUARES_PER_UNIT
    }

    /// Units of work in all the runs.
    pub fn units(&self) -> f64 {
        self.runs as f64 * self.trials as f64 * self.units_per_trial()
    }

    /// Estimated CPU time, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        self.units() * MICROS_PER_UNIT * 1e-6
    }

    /// Whether the command line should warn before running it.
    pub fn is_long(&self) -> bool {
        self.cpu_seconds() > WARN_CPU_SECONDS
    }

    /// Whether it is refused.
    pub fn is_refused(&self) -> bool {
        self.cpu_seconds() > MAX_CPU_SECONDS
    }

    /// The most trials a run of this scenario within [`MAX_CPU_SECONDS`] for all the runs (at
    /// least 1).
    pub fn max_trials(&self) -> u64 {
        let per_trial = self.runs.max(1) as f64 * self.units_per_trial() * MICROS_PER_UNIT * 1e-6;
        if per_trial <= 0.0 {
            return u64::MAX;
        }
        ((MAX_CPU_SECONDS / per_trial).floor() as u64).max(1)
    }

    /// What the estimate is made of: `"10,000,000 trials × 1,200 months × (20 sites + 1 + 28
    /// payment items / 100)"`, after `"≈7 runs × "` for several runs.
    pub fn describe(&self) -> String {
        let runs = if self.runs == 1 && !self.approx {
            String::new()
        } else {
            format!(
                "{}{} run{} × ",
                if self.approx { "≈" } else { "" },
                count(self.runs),
                plural(self.runs)
            )
        };
        let months = format!(
            "{} month{} × ({} site{} + 1 + {} payment item{} / 100)",
            count(self.horizon),
            plural(self.horizon),
            count(self.sites),
            plural(self.sites),
            count(self.payment_items),
            plural(self.payment_items)
        );
        let per_trial = if self.copula_dim == 0 {
            months
        } else {
            format!(
                "({months} + {} correlated draws² / {COPULA_SQUARES_PER_UNIT})",
                count(self.copula_dim)
            )
        };
        format!(
            "{runs}{} trial{} × {per_trial}",
            count(self.trials),
            plural(self.trials)
        )
    }

    /// Why it is refused, and what would be accepted: `(problem, valid)`, for a located scenario
    /// error or an invalid option.
    pub fn refusal(&self) -> (String, String) {
        let valid = if self.runs == 1 && !self.approx {
            format!(
                "expected at most {} trials of this scenario, or a shorter horizon or fewer sites \
                 (docs/performance.md: the work estimate)",
                count(self.max_trials())
            )
        } else {
            format!(
                "expected at most {} trials a run for these {} runs, fewer runs, or a shorter \
                 horizon or fewer sites (docs/performance.md: the work estimate)",
                count(self.max_trials()),
                count(self.runs)
            )
        };
        (Total::from(*self).problem(), valid)
    }

    /// The warning before a long run on `threads` threads: its estimated CPU and wall time.
    pub fn warning(&self, threads: usize) -> String {
        Total::from(*self).warning("run", threads, "fewer trials, or --precision, run shorter")
    }
}

/// The estimated work of a sensitivity analysis' Sobol bootstrap after its design has run: each
/// resample recomputes every index of every output from a resample of the base samples, so it is
///
/// ```text
/// steps = resamples × base samples × indices × outputs
/// ```
///
/// where the indices are the design's inputs, groups and the delivery randomness. The base
/// samples are those of the design (an output undefined in some of them uses fewer: the estimate
/// is an upper bound). The CPU time is `steps ×` [`NANOS_PER_BOOTSTRAP_STEP`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Bootstrap resamples (`--bootstrap`).
    pub resamples: u64,
    /// Base samples of the design (`--sobol-n`).
    pub samples: u64,
    /// Indices of each output: inputs + groups + 1 (the delivery randomness).
    pub indices: u64,
    /// Outputs (`--metric`).
    pub metrics: u64,
}

impl Bootstrap {
    /// Steps in all: `resamples × samples × indices × metrics`.
    pub fn steps(&self) -> f64 {
        self.resamples as f64 * self.samples as f64 * self.indices as f64 * self.metrics as f64
    }

    /// Estimated CPU time, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        self.steps() * NANOS_PER_BOOTSTRAP_STEP * 1e-9
    }

    /// What the estimate is made of: `"100,000 bootstrap resamples × 8,192 samples × 99 indices
    /// × 2 metrics"`.
    pub fn describe(&self) -> String {
        format!(
            "{} bootstrap resample{} × {} sample{} × {} ind{} × {} metric{}",
            count(self.resamples),
            plural(self.resamples),
            count(self.samples),
            plural(self.samples),
            count(self.indices),
            if self.indices == 1 { "ex" } else { "ices" },
            count(self.metrics),
            plural(self.metrics)
        )
    }
}

/// The work of a command that makes several kinds of run (a report: its run, its comparison's
/// runs and its sensitivity analysis' trials), and the Sobol bootstrap of a sensitivity analysis:
/// the sum of their [`Work`]s and [`Bootstrap`]s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Total {
    /// Each kind of run's work.
    pub parts: Vec<Work>,
    /// Each Sobol bootstrap's work, after the runs.
    pub bootstraps: Vec<Bootstrap>,
}

impl From<Work> for Total {
    fn from(w: Work) -> Total {
        Total {
            parts: vec![w],
            bootstraps: Vec::new(),
        }
    }
}

impl Total {
    /// Add a kind of run.
    pub fn add(&mut self, w: Work) {
        self.parts.push(w);
    }

    /// Add a Sobol bootstrap.
    pub fn add_bootstrap(&mut self, b: Bootstrap) {
        self.bootstraps.push(b);
    }

    /// Estimated CPU time of all the parts, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        self.parts.iter().map(Work::cpu_seconds).sum::<f64>() + self.bootstrap_seconds()
    }

    /// Estimated CPU time of the Sobol bootstraps alone, in seconds.
    pub fn bootstrap_seconds(&self) -> f64 {
        self.bootstraps.iter().map(Bootstrap::cpu_seconds).sum()
    }

    /// Whether the command line should warn before it starts.
    pub fn is_long(&self) -> bool {
        self.cpu_seconds() > WARN_CPU_SECONDS
    }

    /// Whether it is refused.
    pub fn is_refused(&self) -> bool {
        self.cpu_seconds() > MAX_CPU_SECONDS
    }

    /// What the estimate is made of: each part's [`Work::describe`], then each bootstrap's
    /// [`Bootstrap::describe`], joined by `" + "`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(Work::describe)
            .chain(self.bootstraps.iter().map(Bootstrap::describe))
            .collect();
        parts.join(" + ")
    }

    /// Why it is refused: `"… is an estimated 34 hours of CPU time, beyond the limit of 24
    /// hours"` (what would be valid depends on the command: each says it).
    pub fn problem(&self) -> String {
        format!(
            "{} is an estimated {} of CPU time, beyond the limit of {}",
            self.describe(),
            duration(self.cpu_seconds()),
            duration(MAX_CPU_SECONDS)
        )
    }

    /// The warning before a long `what` ("run", "comparison", …) on `threads` threads: its
    /// estimated CPU and wall time, then `hint` (what runs shorter).
    pub fn warning(&self, what: &str, threads: usize, hint: &str) -> String {
        let threads = threads.max(1);
        format!(
            "this {what} is long: {} is an estimated {} of CPU time, about {} on {} thread{} \
             (docs/performance.md: the work estimate); {hint}",
            self.describe(),
            duration(self.cpu_seconds()),
            duration(self.cpu_seconds() / threads as f64),
            threads,
            plural(threads as u64)
        )
    }
}

fn count(n: u64) -> String {
    group_thousands(&n.to_string())
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A duration in words, to two significant figures at most: "45 seconds", "12 minutes", "3.5
/// hours", "41 days".
pub fn duration(seconds: f64) -> String {
    let (value, unit) = if seconds < 90.0 {
        (seconds, "second")
    } else if seconds < 5_400.0 {
        (seconds / 60.0, "minute")
    } else if seconds < 172_800.0 {
        (seconds / 3_600.0, "hour")
    } else {
        (seconds / 86_400.0, "day")
    };
    let shown = if value < 9.95 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    let shown = shown.strip_suffix(".0").unwrap_or(&shown).to_string();
    let s = if shown == "1" { "" } else { "s" };
    format!("{} {unit}{s}", group_thousands(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(trials: u64, horizon: u64, sites: u64, items: u64) -> Work {
        Work {
            runs: 1,
            approx: false,
            trials,
            horizon,
            sites,
            payment_items: items,
            copula_dim: 0,
        }
    }

    #[test]
    fn the_estimate_is_the_documented_product() {
        // 10,000 trials × 39 months × (3 + 1 + 28/100) = 1,669,200 units; × 2 µs = 3.3384 s.
        let w = work(10_000, 39, 3, 28);
        assert!((w.units() - 1_669_200.0).abs() < 1e-6);
        assert!((w.cpu_seconds() - 3.3384).abs() < 1e-9);
        assert!(!w.is_long() && !w.is_refused());
    }

    #[test]
    fn the_limits_fall_where_documented() {
        // 1,200 months × (1 site + 1) × 2 µs = 4.8 ms a trial: 125,000 trials are exactly ten
        // minutes (not yet long); a day is 18,000,000 trials.
        assert!(!work(125_000, 1_200, 1, 0).is_long());
        assert!(work(125_001, 1_200, 1, 0).is_long());
        assert_eq!(work(1, 1_200, 1, 0).max_trials(), 18_000_000);
        assert!(!work(18_000_000, 1_200, 1, 0).is_refused());
        assert!(work(18_000_001, 1_200, 1, 0).is_refused());
    }

    #[test]
    fn runs_multiply_the_work_and_divide_the_trials_allowed() {
        // 6 runs of the one-site, 1,200-month scenario above: 4.8 ms × 6 = 28.8 ms a trial of
        // all the runs, so a day is 3,000,000 trials a run.
        let w = work(1, 1_200, 1, 0).times(6, false);
        assert_eq!(w.max_trials(), 3_000_000);
        assert!(!w.times(6, false).is_refused());
        let big = work(3_000_001, 1_200, 1, 0).times(6, true);
        assert!(big.is_refused());
        assert_eq!(
            big.describe(),
            "≈6 runs × 3,000,001 trials × 1,200 months × (1 site + 1 + 0 payment items / 100)"
        );
        // Parts add: half a day twice is a day (not refused), a trial more is.
        let half = work(9_000_000, 1_200, 1, 0);
        let mut t = Total::from(half);
        t.add(half);
        assert!((t.cpu_seconds() - MAX_CPU_SECONDS).abs() < 1e-6);
        assert!(!t.is_refused());
        t.add(work(1, 1_200, 1, 0));
        assert!(t.is_refused());
    }

    #[test]
    fn a_copula_adds_its_product_to_every_trial() {
        // 50 sites × 23 inputs: 12 × (50 + 1 + 1/100) = 612.12 units of months, plus
        // 1,150² / 600 = 2,204.1667 of the product L·ε, a trial.
        let w = Work {
            copula_dim: 1_150,
            ..work(4_000, 12, 50, 1)
        };
        assert!((w.units_per_trial() - (612.12 + 1_322_500.0 / 600.0)).abs() < 1e-9);
        assert_eq!(
            w.describe(),
            "4,000 trials × (12 months × (50 sites + 1 + 1 payment item / 100) + 1,150 correlated draws² / 600)"
        );
    }

    #[test]
    fn a_sobol_bootstrap_adds_its_steps_to_the_total() {
        // 100,000 × 8,192 × 99 × 2 = 162,201,600,000 steps; × 20 ns = 3,244.032 s.
        let b = Bootstrap {
            resamples: 100_000,
            samples: 8_192,
            indices: 99,
            metrics: 2,
        };
        assert_eq!(b.steps(), 162_201_600_000.0);
        assert!((b.cpu_seconds() - 3_244.032).abs() < 1e-6);
        assert_eq!(
            b.describe(),
            "100,000 bootstrap resamples × 8,192 samples × 99 indices × 2 metrics"
        );
        // With the 10,000-trial run above (3.3384 s): 3,247.3704 s, long but not refused.
        let mut t = Total::from(work(10_000, 39, 3, 28));
        t.add_bootstrap(b);
        assert!((t.cpu_seconds() - 3_247.370_4).abs() < 1e-6);
        assert!((t.bootstrap_seconds() - 3_244.032).abs() < 1e-6);
        assert!(t.is_long() && !t.is_refused());
        assert_eq!(
            t.describe(),
            "10,000 trials × 39 months × (3 sites + 1 + 28 payment items / 100) + 100,000 \
             bootstrap resamples × 8,192 samples × 99 indices × 2 metrics"
        );
        // 52 outputs more: 54 × 1,622.016 s = 87,588.864 s in bootstraps, beyond the day.
        t.add_bootstrap(Bootstrap { metrics: 52, ..b });
        assert!(t.is_refused());
        let one = Bootstrap {
            resamples: 1,
            samples: 1,
            indices: 1,
            metrics: 1,
        };
        assert_eq!(
            one.describe(),
            "1 bootstrap resample × 1 sample × 1 index × 1 metric"
        );
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(1.0), "1 second");
        assert_eq!(duration(3.3384), "3.3 seconds");
        assert_eq!(duration(600.0), "10 minutes");
        assert_eq!(duration(86_400.0), "24 hours");
        assert_eq!(duration(12_600.0), "3.5 hours");
        assert_eq!(duration(3_542_400.0), "41 days");
    }
}
