//! Scenario files: the TOML format ([`raw`]), its validation ([`validate`]) with errors located in
//! the file ([`span`]), and the validated [`Model`] the engine runs, which library users know as
//! [`Scenario`]: loaded from a file or text, or made in code by the typed [`builder`].

pub mod builder;
mod facade;
pub mod model;
pub mod raw;
pub mod span;
pub mod validate;

use std::path::Path;

pub use facade::Scenario;
pub use model::*;
pub use validate::{field_error, parse_scenario, validate_raw};

use crate::error::Error;

/// Read and validate a scenario file.
///
/// # Errors
/// [`Error::ReadScenario`] if the file cannot be read; [`Error::InvalidScenario`] with every problem
/// found, each at `file:line:column`.
pub fn load(path: &Path) -> Result<Model, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse_scenario(&path.display().to_string(), &text)?)
}
