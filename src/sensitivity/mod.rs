//! Sensitivity and reverse stress (docs/sensitivity.md): which inputs drive an output — rank
//! correlations and a tornado of conditional medians, variance-based (Sobol) indices by a
//! pick-freeze design — and what the trials that fail have in common.

pub mod analysis;
pub mod event;
pub mod inputs;
pub mod rank;
pub mod report;
pub mod sobol;
pub mod stress;
