//! sibsim: a Monte Carlo simulator for the business cases of social impact bonds.
//!
//! The data flow, one module each:
//! scenario file ([`scenario`]) → validated [`scenario::Model`] (distributions from [`distributions`]) →
//! trials, month by month through delivery, settlement and finance ([`engine`]) → per-trial metrics →
//! summary ([`analysis`]) → reports ([`report`]).
//!
//! For library use, the crate root has the short path: [`Scenario`] (load, parse or
//! [build](Scenario::builder) a model), [`Simulation`] (run it) and [`Results`] (look figures up by
//! name).
//!
//! # Example
//! ```
//! use sibsim::{Scenario, Simulation};
//!
//! let model = Scenario::load("scenarios/box1.toml")?;
//! let results = Simulation::new(&model).trials(500).seed(1).run()?;
//! let starts = results.metric("job_starts")?;
//! println!("job starts P10 {:.0} / P50 {:.0} / P90 {:.0}", starts.p10(), starts.p50(), starts.p90());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod compare;
pub mod distributions;
pub mod engine;
pub mod error;
pub mod evidence;
#[cfg(feature = "fuzzing")]
pub mod fuzz;
pub mod interrupt;
pub mod limits;
pub mod lookup;
pub mod report;
pub mod results;
pub mod scenario;
pub mod sensitivity;
pub mod simulation;
pub mod span;

pub use results::{Metric, Results, Trial, UnknownName};
pub use scenario::builder::{
    BlockSpec, CapSpec, FinanceSpec, PartyRef, PartySpec, ScenarioBuilder, SiteSpec, TariffSpec,
};
pub use scenario::{Band, Event, Model, Role, Scenario, YearMonth};
pub use simulation::{Observer, Simulation};

/// Pounds sterling.
pub type Money = f64;
/// A month index from the start of the simulation (0 = the month named `simulation.start`).
pub type Month = u32;
