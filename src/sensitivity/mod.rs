//! Sensitivity and reverse stress (docs/sensitivity.md): which inputs drive an output — rank
//! correlations and a tornado of conditional medians, variance-based (Sobol) indices by a
//! pick-freeze design — and what the trials that fail have in common.

// `analysis` and `report` join when the rank and stress modules land (issue 11, in progress).
pub mod event;
pub mod inputs;
pub mod sobol;
