//! One trial of a run, re-run and recorded in full: its row of metrics and flags, its inputs and
//! its monthly series in full precision (the run itself stores series as `f32`, for its first
//! trials only; see [`record`](crate::engine::record)). A trial depends only on (model, seed,
//! trial index) and the sampling plan, so the replay is the very trial the run simulated — of an
//! `mc` run here; a trial of an `lhs` or `sobol` run draws its inputs from its plan's point
//! ([`Prepared::with_plan`]).

use crate::engine::metrics::column;
use crate::engine::record::RecordLayout;
use crate::engine::trial::{simulate, Prepared, Scratch};
use crate::scenario::{Model, YearMonth};

/// Everything one trial recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRecord {
    /// Metric names, then flag names: the columns of [`TrialRecord::row`].
    pub columns: Vec<String>,
    /// The trial's row, as in the run's trial table.
    pub row: Vec<f64>,
    /// Input names (`input.<site>.<param>`, `input.spv.<cost>`) and values.
    pub input_names: Vec<String>,
    /// The input values, one per name in `input_names`.
    pub inputs: Vec<f64>,
    /// Series names, e.g. `engagements`, `site.haringey.provider.cash`.
    pub series_names: Vec<String>,
    /// The calendar month of each step.
    pub months: Vec<YearMonth>,
    /// The series' values, series-major: series k's month m at `k × months.len() + m`.
    pub series: Vec<f64>,
}

impl TrialRecord {
    /// Metric or flag `name` (`None`: no such column).
    pub fn value(&self, name: &str) -> Option<f64> {
        Some(self.row[column(&self.columns, name)?])
    }
    /// Input `name`, e.g. `input.haringey.p_engage`.
    pub fn input(&self, name: &str) -> Option<f64> {
        Some(self.inputs[column(&self.input_names, name)?])
    }
    /// Series `name`, one value per month.
    pub fn series(&self, name: &str) -> Option<&[f64]> {
        let k = column(&self.series_names, name)?;
        let h = self.months.len();
        Some(&self.series[k * h..(k + 1) * h])
    }
}

/// Trial `trial` of an `mc` run of `model` seeded with `seed`, recorded in full.
pub fn replay(model: &Model, seed: u64, trial: u64) -> TrialRecord {
    let prep = Prepared::new(model);
    let layout: &RecordLayout = &prep.record;
    let mut row = vec![0.0; prep.layout.width()];
    let mut scratch = Scratch::new(&prep);
    simulate(&prep, seed, trial, &mut row, &mut scratch);
    let rec = &scratch.rec;
    TrialRecord {
        columns: prep
            .layout
            .metrics
            .iter()
            .chain(&prep.layout.flags)
            .cloned()
            .collect(),
        row,
        input_names: layout.input_names.clone(),
        inputs: rec.inputs.clone(),
        series_names: layout.series_names.clone(),
        months: layout.months.clone(),
        series: rec.series.clone(),
    }
}
