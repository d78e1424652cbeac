//! The engine's output: one row of metrics and flags per trial, in trial order, with each trial's
//! drawn inputs and the monthly series of the first trials beside it. The analyses
//! (`analysis`) read it; the engine builds it, so it lives here, below them.

use crate::engine::metrics::column;
use crate::engine::record::{InputTable, MonthlyTable};

/// Per-trial results: one row per trial (in trial order), one column per metric, then one column
/// per flag.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialTable {
    /// Metric names, e.g. `engagements`, `site.haringey.engagements`, `payments.by_payer.sof`.
    pub metric_names: Vec<String>,
    /// Names of 0/1 indicators, e.g. `provider_loss`, `plan.engagements.met`.
    pub flag_names: Vec<String>,
    /// Number of rows pushed so far.
    pub trials: usize,
    /// Row-major: row t holds `metric_names.len()` metric values then `flag_names.len()` flag
    /// values (0.0 or 1.0).
    pub values: Vec<f64>,
    /// Each trial's drawn inputs, a block of their own (`input.<site>.<param>`).
    pub inputs: InputTable,
    /// The monthly series of the first trials (see [`crate::engine::record`]).
    pub monthly: MonthlyTable,
}

impl TrialTable {
    /// An empty table with these columns.
    pub fn new(metric_names: Vec<String>, flag_names: Vec<String>) -> Self {
        Self {
            metric_names,
            flag_names,
            trials: 0,
            values: Vec::new(),
            inputs: Default::default(),
            monthly: Default::default(),
        }
    }

    /// Values per row: metrics plus flags.
    pub fn width(&self) -> usize {
        self.metric_names.len() + self.flag_names.len()
    }

    /// Appends one trial's row (metrics, then flags).
    ///
    /// # Panics
    /// If `row.len() != self.width()`. The engine builds every row from the same column list, so a
    /// wrong width is a programming error, never a consequence of user input.
    pub fn push_row(&mut self, row: &[f64]) {
        assert_eq!(
            row.len(),
            self.width(),
            "TrialTable::push_row: row has {} values, table has {} columns",
            row.len(),
            self.width()
        );
        self.values.extend_from_slice(row);
        self.trials += 1;
    }

    /// Row `t` (metrics, then flags).
    ///
    /// # Panics
    /// If `t >= self.trials`.
    pub fn row(&self, t: usize) -> &[f64] {
        let w = self.width();
        &self.values[t * w..(t + 1) * w]
    }

    /// Metric `j` across all trials, in trial order.
    ///
    /// # Panics
    /// If `j >= self.metric_names.len()`.
    pub fn metric_column(&self, j: usize) -> Vec<f64> {
        assert!(
            j < self.metric_names.len(),
            "metric column {j} out of range"
        );
        self.column(j)
    }

    /// Flag `j` across all trials, in trial order (each 0.0 or 1.0).
    ///
    /// # Panics
    /// If `j >= self.flag_names.len()`.
    pub fn flag_column(&self, j: usize) -> Vec<f64> {
        assert!(j < self.flag_names.len(), "flag column {j} out of range");
        self.column(self.metric_names.len() + j)
    }

    /// Raw column `c` of the row-major storage (metrics first, then flags).
    fn column(&self, c: usize) -> Vec<f64> {
        let w = self.width();
        self.values.iter().skip(c).step_by(w).copied().collect()
    }
}

impl TrialTable {
    /// Column of metric `name` (`None`: no such metric).
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        column(&self.metric_names, name)
    }
    /// Column of flag `name` among the flags (`None`: no such flag).
    pub fn flag_index(&self, name: &str) -> Option<usize> {
        column(&self.flag_names, name)
    }
}
