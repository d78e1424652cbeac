//! The drawn inputs summarised like the metrics (`summary.json`'s `inputs`): what the trials
//! actually drew, to set beside the distributions the scenario asked for.

use crate::analysis::{summarise, MetricSummary, TrialTable};
use crate::engine::record::InputTable;

/// Mean, spread and the `low` / 0.5 / `high` quantiles of every input, in table order. An input
/// with an infinite value (an absent `referral_dispersion`) has undefined (NaN) figures.
pub fn summarise_inputs(inputs: &InputTable, low: f64, high: f64) -> Vec<(String, MetricSummary)> {
    let mut table = TrialTable::new(inputs.names.clone(), Vec::new());
    table.trials = inputs.trials;
    table.values = inputs.values.clone();
    summarise(&table, "", 0, low, high).metrics
}
