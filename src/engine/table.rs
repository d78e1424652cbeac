//! The engine's output: one row of metrics and flags per trial, in trial order, with each trial's
//! drawn inputs and the monthly series of the first trials beside it. The analyses
//! (`analysis`) read it; the engine builds it, so it lives here, below them.
//!
//! The rows are held column by column in a compact [`ColumnStore`] (see [`store`] for the
//! encodings and exactly what is held at `f32` precision), so reading a row or a column decodes
//! it: [`TrialTable::row`] and the column accessors return owned vectors.

pub mod store;

pub use store::{ColumnStore, Moments, BLOCK_TRIALS, F32_RELATIVE_ERROR};

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
    /// Number of rows held (kept equal to the store's by [`TrialTable::push_row`] and the
    /// runner; read it, do not set it).
    pub trials: usize,
    /// The rows: `metric_names.len()` metric values then `flag_names.len()` flag values (0.0 or
    /// 1.0) each.
    values: ColumnStore,
    /// Each trial's drawn inputs, a block of their own (`input.<site>.<param>`).
    pub inputs: InputTable,
    /// The monthly series of the first trials (see [`crate::engine::record`]).
    pub monthly: MonthlyTable,
}

impl TrialTable {
    /// An empty table with these columns.
    pub fn new(metric_names: Vec<String>, flag_names: Vec<String>) -> Self {
        let width = metric_names.len() + flag_names.len();
        Self {
            metric_names,
            flag_names,
            trials: 0,
            values: ColumnStore::new(width),
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
        self.values.push_row(row);
        self.trials = self.values.len();
    }

    /// Appends the rows of consecutive trials (row-major) and their inputs as one block of the
    /// store, compacted now (in parallel, on the current rayon pool).
    ///
    /// # Panics
    /// If the slices are not whole rows of the table's and its inputs' widths, or hold different
    /// numbers of trials.
    pub fn push_block(&mut self, rows: &[f64], inputs: &[f64]) {
        let n = rows.len() / self.width().max(1);
        assert_eq!(
            inputs.len(),
            n * self.inputs.names.len(),
            "TrialTable::push_block: inputs for {n} trials expected"
        );
        self.values.push_block(rows);
        self.trials = self.values.len();
        if !self.inputs.names.is_empty() {
            self.inputs.values.push_block(inputs);
        }
        self.inputs.trials = self.trials;
    }

    /// The store holding the rows.
    pub fn store(&self) -> &ColumnStore {
        &self.values
    }

    /// Heap bytes held by the rows and the inputs (not the monthly series).
    pub fn heap_bytes(&self) -> usize {
        self.values.heap_bytes() + self.inputs.values.heap_bytes()
    }

    /// Row `t` (metrics, then flags), as held (see [`store`]).
    ///
    /// # Panics
    /// If `t >= self.trials`.
    pub fn row(&self, t: usize) -> Vec<f64> {
        self.values.row(t)
    }

    /// Value of trial `t` in column `c` of the row (metrics first, then flags), as held.
    ///
    /// # Panics
    /// If `t >= self.trials` or `c >= self.width()`.
    pub fn value(&self, t: usize, c: usize) -> f64 {
        self.values.get(t, c)
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
        self.values.column(j)
    }

    /// Flag `j` across all trials, in trial order (each 0.0 or 1.0).
    ///
    /// # Panics
    /// If `j >= self.flag_names.len()`.
    pub fn flag_column(&self, j: usize) -> Vec<f64> {
        assert!(j < self.flag_names.len(), "flag column {j} out of range");
        self.values.column(self.metric_names.len() + j)
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
