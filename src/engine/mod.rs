//! The simulation engine: one trial is a month-by-month history of the whole scenario, each month in
//! three stages — [`delivery`] (client flow and staffing), [`settlement`] (payments between
//! parties), [`finance`] (provider costs and cash) — recorded into a row laid out by [`metrics`];
//! [`runner`] runs trials in parallel from independent streams ([`rng`]) into a [`table::TrialTable`].

pub mod delivery;
pub mod finance;
pub mod investment;
pub mod irr;
pub mod metrics;
pub mod pay;
pub mod record;
pub mod replay;
pub mod rng;
pub mod runner;
pub mod sampling;
pub mod settlement;
pub mod table;
pub mod trial;
pub mod work;

pub use runner::{run, RunOptions};
pub use table::TrialTable;
