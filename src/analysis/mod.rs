//! Analyses of simulated trials: what the per-trial results say once they are put together.
//!
//! The engine hands over a [`TrialTable`] (one row per trial); [`summarise`] turns it into the
//! [`Summary`] that every report format prints — means with their Monte Carlo standard errors,
//! quantiles of each metric, and the probability of each flagged event.

pub mod backtest;
pub mod contract;
pub mod inputs;
pub mod monthly;
pub mod outside_view;
pub mod plan;
pub mod precision;
pub mod replicates;
pub mod run;
pub mod summary;

pub use run::RunReport;
pub use summary::{
    percentile_of, quantile_sorted, summarise, MetricSummary, Probability, Summary, TrialTable,
};
