//! What a [`crate::Simulation`] hands back: every trial's metrics and flags, looked up by name,
//! and the [`Summary`] the reports print.
//!
//! A metric's figures come from the same estimators as the summary's (mean and sd over the trials
//! where the metric is defined; quantiles by Hyndman & Fan type 7, [`quantile_sorted`]), so
//! `results.metric("engagements")?.p50()` is the summary's median, to the bit. A name that is not
//! there is an [`UnknownName`] error listing the closest names.

use crate::engine::metrics::column;
pub use crate::lookup::UnknownName;

use crate::analysis::inputs::summarise_inputs;
use crate::analysis::replicates::{replace_mcse, run_errors};
use crate::analysis::{
    quantile_sorted, summarise, MetricSummary, Probability, Summary, TrialTable,
};
use crate::engine::sampling::Plan;

/// The trials of one run and their summary.
#[derive(Debug, Clone)]
pub struct Results {
    table: TrialTable,
    summary: Summary,
    /// The drawn inputs' figures, like the metrics' (`summary.json`'s `inputs`).
    inputs: Vec<(String, MetricSummary)>,
    /// How the trials sampled their inputs.
    plan: Plan,
}

impl Results {
    /// Results of `table`, summarised at quantiles `low`, 0.5 and `high`, its trials independent
    /// (`mc` sampling; see [`Results::sampled_by`] for the others).
    pub fn new(table: TrialTable, scenario: &str, seed: u64, low: f64, high: f64) -> Self {
        let summary = summarise(&table, scenario, seed, low, high);
        let inputs = summarise_inputs(&table.inputs, low, high);
        let plan = Plan::mc(table.trials as u64);
        Results {
            table,
            summary,
            inputs,
            plan,
        }
    }

    /// The same results, their trials drawn by sampling plan `plan`: with `lhs` or `sobol`, every
    /// MCSE becomes the replicates' (see [`analysis::replicates`](crate::analysis::replicates)).
    pub fn sampled_by(mut self, plan: &Plan) -> Self {
        if plan.method.replicated() {
            let errors = run_errors(&self.table, plan, self.summary.quantiles);
            replace_mcse(&mut self.summary, &mut self.inputs, &errors);
        }
        self.plan = *plan;
        self
    }

    /// How the trials sampled their inputs: the method and its replicates.
    pub fn sampling(&self) -> &Plan {
        &self.plan
    }

    /// Number of trials.
    pub fn trials(&self) -> usize {
        self.table.trials
    }

    /// The master seed of the run.
    pub fn seed(&self) -> u64 {
        self.summary.seed
    }

    /// The summary every report prints: each metric's mean, sd, MCSE and quantiles, each flag's
    /// probability.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Every trial's row, as the engine wrote it (e.g. for `trials.csv`).
    pub fn table(&self) -> &TrialTable {
        &self.table
    }

    /// Names of the metrics, e.g. `engagements`, `site.haringey.job_starts`, `investor.irr`.
    pub fn metric_names(&self) -> &[String] {
        &self.table.metric_names
    }

    /// Names of the flags, e.g. `provider_loss`, `investor.capital_loss`.
    pub fn flag_names(&self) -> &[String] {
        &self.table.flag_names
    }

    /// Names of the recorded inputs, e.g. `input.haringey.p_engage`, `input.spv.central_team`.
    pub fn input_names(&self) -> &[String] {
        &self.table.inputs.names
    }

    /// Metric or recorded input `name` across the trials: mean, sd and any quantile.
    ///
    /// # Errors
    /// [`UnknownName`] if there is no such metric or input, with the closest names (a flag's name
    /// says to use [`Results::probability`]).
    ///
    /// # Example
    /// ```
    /// # let model = sibsim::Scenario::load("scenarios/box1.toml")?;
    /// # let results = sibsim::Simulation::new(&model).trials(100).run()?;
    /// let starts = results.metric("job_starts")?;
    /// println!("job starts: mean {:.0}, P10 {:.0}, P90 {:.0}", starts.mean(), starts.p10(), starts.p90());
    /// assert!(results.metric("job_sarts").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn metric(&self, name: &str) -> Result<Metric<'_>, UnknownName> {
        if let Some(j) = self.table.inputs.index_of(name) {
            let mut sorted = self.table.inputs.get(name).unwrap_or_default();
            sorted.retain(|x| !x.is_nan());
            sorted.sort_unstable_by(f64::total_cmp);
            return Ok(Metric {
                name: &self.table.inputs.names[j],
                figures: self.inputs[j].1,
                sorted,
                held_f32: !self.table.inputs.store().is_exact(j),
            });
        }
        let j = self.metric_index(name)?;
        let mut sorted: Vec<f64> = self
            .table
            .metric_column(j)
            .into_iter()
            .filter(|x| !x.is_nan())
            .collect();
        sorted.sort_unstable_by(f64::total_cmp);
        Ok(Metric {
            name: &self.table.metric_names[j],
            figures: self.summary.metrics[j].1,
            sorted,
            held_f32: !self.table.store().is_exact(j),
        })
    }

    /// The probability of flag `name` (share of trials where it is set) with its MCSE.
    ///
    /// # Errors
    /// [`UnknownName`] if there is no such flag, with the closest names.
    pub fn probability(&self, name: &str) -> Result<Probability, UnknownName> {
        match column(&self.table.flag_names, name) {
            Some(j) => Ok(self.summary.probabilities[j].1),
            None => Err(UnknownName::new("flag", name, &self.table.flag_names)),
        }
    }

    /// Metric, flag or recorded input `name` in every trial, in trial order (NaN where a metric
    /// is undefined, 0 or 1 for a flag).
    ///
    /// # Errors
    /// [`UnknownName`] if there is no such metric, flag or input.
    pub fn column(&self, name: &str) -> Result<Vec<f64>, UnknownName> {
        let m = self.table.metric_names.len();
        match self.column_index(name) {
            Some(c) if c < m => Ok(self.table.metric_column(c)),
            Some(c) => Ok(self.table.flag_column(c - m)),
            None => self
                .table
                .inputs
                .get(name)
                .ok_or_else(|| self.unknown_column(name)),
        }
    }

    /// Trial `t` (0-based), or `None` beyond the last.
    pub fn trial(&self, t: usize) -> Option<Trial<'_>> {
        (t < self.table.trials).then(|| Trial {
            results: self,
            t,
            row: self.table.row(t),
        })
    }

    fn metric_index(&self, name: &str) -> Result<usize, UnknownName> {
        if let Some(j) = column(&self.table.metric_names, name) {
            return Ok(j);
        }
        let names: Vec<String> = self
            .table
            .metric_names
            .iter()
            .chain(&self.table.inputs.names)
            .cloned()
            .collect();
        let mut e = UnknownName::new("metric or input", name, &names);
        if self.table.flag_names.iter().any(|n| n == name) {
            e.hint = Some(format!("\"{name}\" is a flag: use probability(\"{name}\")"));
        }
        Err(e)
    }

    /// Column of the row: metrics first, then flags.
    fn column_index(&self, name: &str) -> Option<usize> {
        let m = &self.table.metric_names;
        column(m, name).or_else(|| {
            let f = column(&self.table.flag_names, name)?;
            Some(m.len() + f)
        })
    }

    fn unknown_column(&self, name: &str) -> UnknownName {
        let all: Vec<String> = self
            .table
            .metric_names
            .iter()
            .chain(&self.table.flag_names)
            .chain(&self.table.inputs.names)
            .cloned()
            .collect();
        UnknownName::new("metric, flag or input", name, &all)
    }
}

/// One metric across the trials where it is defined (an IRR with no sign change, or a cost per
/// outcome with no outcomes, is undefined in that trial and left out).
#[derive(Debug, Clone)]
pub struct Metric<'r> {
    name: &'r str,
    figures: MetricSummary,
    sorted: Vec<f64>,
    /// Its values are held to f32 precision: quantiles are given as the summary gives them.
    held_f32: bool,
}

impl Metric<'_> {
    /// The metric's name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Sample mean (NaN if it is never defined).
    pub fn mean(&self) -> f64 {
        self.figures.mean
    }

    /// Sample standard deviation (n − 1 denominator).
    pub fn sd(&self) -> f64 {
        self.figures.sd
    }

    /// Monte Carlo standard error of the mean: `sd / √n` for independent trials, the replicates'
    /// with `lhs` or `sobol` sampling.
    pub fn mcse(&self) -> f64 {
        self.figures.mcse
    }

    /// The quantile at level `p` (clamped to [0, 1]), Hyndman & Fan type 7, over the trials where
    /// the metric is defined; NaN if it is never defined.
    ///
    /// For the IRRs (`investor.irr`, `investor.loan.irr_owed`, `investor.loan.irr_written_off`)
    /// the trials with no IRR are mostly losses, so this quantile is over the better trials; the
    /// run's own low / median / high ([`Metric::summary`]) are over all trials, those with no IRR
    /// ranked by money multiple (`NaN` there, with the reason in the summary's notes, when the
    /// quantile falls among them).
    pub fn quantile(&self, p: f64) -> f64 {
        let q = quantile_sorted(&self.sorted, p);
        if self.held_f32 {
            crate::analysis::summary::as_held(q)
        } else {
            q
        }
    }

    /// The 10th percentile.
    pub fn p10(&self) -> f64 {
        self.quantile(0.1)
    }

    /// The median.
    pub fn p50(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The 90th percentile.
    pub fn p90(&self) -> f64 {
        self.quantile(0.9)
    }

    /// The summary's figures: mean, sd, MCSE and the run's low / median / high quantiles.
    pub fn summary(&self) -> &MetricSummary {
        &self.figures
    }

    /// The defined values, ascending.
    pub fn sorted_values(&self) -> &[f64] {
        &self.sorted
    }

    /// Number of trials where the metric is defined.
    pub fn defined(&self) -> usize {
        self.sorted.len()
    }
}

/// One trial's metrics and flags, by name, as the run holds them (whole numbers exactly, other
/// values to `f32` precision: see [`crate::engine::table::store`]).
#[derive(Debug, Clone)]
pub struct Trial<'r> {
    results: &'r Results,
    t: usize,
    row: Vec<f64>,
}

impl Trial<'_> {
    /// Metric, flag or recorded input `name` in this trial (NaN for an undefined metric, 0 or 1
    /// for a flag); `None` if there is no such name.
    pub fn get(&self, name: &str) -> Option<f64> {
        if let Some(c) = self.results.column_index(name) {
            return Some(self.row[c]);
        }
        let inputs = &self.results.table.inputs;
        let j = inputs.index_of(name)?;
        (self.t < inputs.trials).then(|| inputs.value(self.t, j))
    }

    /// The row: metrics in [`Results::metric_names`] order, then flags.
    pub fn values(&self) -> &[f64] {
        &self.row
    }
}
