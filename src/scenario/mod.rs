//! Scenario files: the TOML format ([`raw`]), its validation ([`validate`]) with errors located in
//! the file ([`span`]), and the validated [`Model`] the engine runs. Reading files — the scenario
//! and the evidence library it may need — is the loader's ([`load`], [`parse_scenario`]); validation
//! itself is handed both ([`parse_scenario_with`]).

mod loader;
pub mod model;
pub mod raw;
pub mod span;
pub mod validate;

pub use loader::{evidence_dir, load, parse_scenario, validate_raw};
pub use model::*;
pub use validate::{field_error, parse_scenario_with, validate_raw_with, Evidence};
