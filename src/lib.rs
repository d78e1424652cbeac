//! sibsim: a Monte Carlo simulator for the business cases of social impact bonds.
//!
//! The data flow, one module each:
//! scenario file ([`scenario`]) → validated [`scenario::Model`] (distributions from [`distributions`]) →
//! trials, month by month through delivery, settlement and finance ([`engine`]) → per-trial metrics →
//! summary ([`analysis`]) → reports ([`report`]).

pub mod analysis;
pub mod distributions;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod limits;
pub mod report;
pub mod scenario;

/// Pounds sterling.
pub type Money = f64;
/// A month index from the start of the simulation (0 = the month named `simulation.start`).
pub type Month = u32;
