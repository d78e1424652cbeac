//! Running a model: [`Simulation`] gathers the options of a run (trials, seed, threads, summary
//! quantiles) and its observers, runs the engine and hands back [`Results`].
//!
//! After argmin's `Executor::new(problem, solver).add_observer(..).run()`: the run is configured
//! by chained calls and the observers see its progress without the engine knowing about them.
//! Results are the same for any thread count (the engine derives each trial's streams from the
//! seed and the trial's index only).

use crate::engine::sampling::Method;
use crate::engine::{run, RunOptions};
use crate::error::Error;
use crate::results::Results;
use crate::scenario::Model;

/// Something told how far a run has got, e.g. to draw a progress bar.
///
/// Called from the engine's worker threads, in no particular order, after each batch of trials;
/// `done` only grows across the calls of one thread, not necessarily across threads. Any
/// `Fn(u64, u64) + Sync` closure is an observer.
pub trait Observer: Sync {
    /// `done` trials of `total` have finished.
    fn progress(&self, done: u64, total: u64);
}

impl<F: Fn(u64, u64) + Sync> Observer for F {
    fn progress(&self, done: u64, total: u64) {
        self(done, total)
    }
}

/// A configured run of one model.
///
/// # Example
/// ```
/// use sibsim::{Scenario, Simulation};
///
/// let model = Scenario::load("scenarios/box1.toml")?;
/// let results = Simulation::new(&model).trials(200).seed(7).threads(1).run()?;
/// let starts = results.metric("job_starts")?;
/// assert!(starts.p10() <= starts.p50() && starts.p50() <= starts.p90());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Simulation<'a> {
    model: &'a Model,
    opts: RunOptions,
    quantiles: Option<(f64, f64)>,
    observers: Vec<Box<dyn Observer + 'a>>,
}

impl<'a> Simulation<'a> {
    /// A run of `model` with the scenario's own trials, seed and quantiles, on every core.
    pub fn new(model: &'a Model) -> Self {
        Simulation {
            model,
            opts: RunOptions::default(),
            quantiles: None,
            observers: Vec::new(),
        }
    }

    /// Number of trials (default: the scenario's).
    pub fn trials(mut self, n: u64) -> Self {
        self.opts.trials = Some(n);
        self
    }

    /// Master seed (default: the scenario's).
    pub fn seed(mut self, seed: u64) -> Self {
        self.opts.seed = Some(seed);
        self
    }

    /// Worker threads (default: one per core). The results do not depend on it.
    pub fn threads(mut self, n: usize) -> Self {
        self.opts.threads = Some(n);
        self
    }

    /// How the inputs are sampled (default: `mc`): `lhs` or `sobol` run in replicates whose
    /// spread gives every Monte Carlo error (see [`engine::sampling`](crate::engine::sampling)).
    pub fn sampling(mut self, method: Method) -> Self {
        self.opts.sampling = method;
        self
    }

    /// Replicates of `lhs` or `sobol` sampling (default 32); the trials are rounded up to fill
    /// every replicate.
    pub fn replicates(mut self, r: u64) -> Self {
        self.opts.replicates = Some(r);
        self
    }

    /// The low and high quantiles of [`Results::summary`] (default: the scenario's).
    pub fn quantiles(mut self, low: f64, high: f64) -> Self {
        self.quantiles = Some((low, high));
        self
    }

    /// Add an observer of the run's progress, e.g. `|done, total| bar.set(done, total)`.
    pub fn observe(mut self, observer: impl Observer + 'a) -> Self {
        self.observers.push(Box::new(observer));
        self
    }

    /// Run every trial and summarise them.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for zero or too many trials, zero threads or more than
    /// [`MAX_THREADS`](crate::limits::MAX_THREADS), a thread pool that cannot start, quantiles
    /// not `0 < low < 0.5 < high < 1`, or replicates that cannot be
    /// ([`Plan::new`](crate::engine::sampling::Plan::new)).
    pub fn run(self) -> Result<Results, Error> {
        let (low, high) = self
            .quantiles
            .unwrap_or((self.model.settings.low, self.model.settings.high));
        if !(low > 0.0 && low < 0.5 && high > 0.5 && high < 1.0) {
            return Err(Error::InvalidOption {
                option: "quantiles".into(),
                problem: format!("{low} and {high}"),
                valid: "expected 0 < low < 0.5 < high < 1, e.g. 0.1 and 0.9".into(),
            });
        }
        let plan = self.opts.plan(self.model)?;
        let total = plan.trials();
        let seed = self.opts.seed.unwrap_or(self.model.settings.seed);
        let observers = &self.observers;
        let table = run(self.model, &self.opts, &|done| {
            for o in observers {
                o.progress(done, total);
            }
        })?;
        Ok(Results::new(table, &self.model.name, seed, low, high).sampled_by(&plan))
    }
}
