//! The drawn inputs summarised like the metrics (`summary.json`'s `inputs`): what the trials
//! actually drew, to set beside the distributions the scenario asked for.

use crate::analysis::summary::summarise_columns;
use crate::analysis::MetricSummary;
use crate::engine::record::InputTable;

/// Mean, spread and the `low` / 0.5 / `high` quantiles of every input, in table order, by the
/// metrics' estimators ([`summarise_columns`]). An input with an infinite value (an absent
/// `referral_dispersion`) has undefined (NaN) figures.
pub fn summarise_inputs(inputs: &InputTable, low: f64, high: f64) -> Vec<(String, MetricSummary)> {
    let store = inputs.store();
    let n = store.width().min(inputs.names.len());
    let figures = summarise_columns(store, 0..n, [low, 0.5, high]);
    inputs.names.iter().cloned().zip(figures).collect()
}
