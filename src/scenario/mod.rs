//! Scenario files: the TOML format ([`raw`]), its validation ([`validate`]) with errors located in
//! the file ([`crate::span`]), and the validated [`Model`] the engine runs, which library users know as
//! [`Scenario`]: loaded from a file or text, or made in code by the typed [`builder`]. Reading
//! files — the scenario and the evidence library it may need — is the loader's ([`load`],
//! [`parse_scenario`]); validation itself is handed both ([`parse_scenario_with`]).

pub mod builder;
mod facade;
mod loader;
pub mod model;
pub mod outputs;
pub mod raw;
pub mod schema;
pub mod units;

pub mod validate;

pub use facade::Scenario;
pub use loader::{load, load_with, parse_scenario, parse_scenario_in, validate_raw};
pub use model::*;
pub use validate::{field_error, parse_scenario_with, validate_raw_with, Evidence};
