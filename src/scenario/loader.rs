//! Where scenarios come from: reading a file, and finding the evidence library its
//! `{ dist = "evidence" }` inputs need. The only disk reads of the scenario layer are here;
//! validation ([`super::validate`]) is handed the text and the library.

use std::path::{Path, PathBuf};

use crate::error::{Error, ScenarioErrors};
use crate::evidence::Library;
use crate::scenario::model::Model;
use crate::scenario::raw::RawScenario;
use crate::scenario::span::{parse_toml, Source};
use crate::scenario::validate::{check, uses_evidence, Evidence};

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

/// Parse and validate a scenario held in memory; `file` names it in error messages and places
/// it for [`evidence_dir`], whose library is read only if the scenario has an evidence input.
///
/// # Errors
/// Every problem found, sorted by position in the file.
pub fn parse_scenario(file: &str, text: &str) -> Result<Model, ScenarioErrors> {
    let src = Source::new(file, text);
    let raw: RawScenario = parse_toml(&src)?;
    with_library(file, &raw, |evidence| check(&src, &raw, evidence))
}

/// Validate a scenario built in code (see `examples/`); errors name the field but no position.
/// Evidence inputs are resolved as [`parse_scenario`] does, with `label` as the file name.
///
/// # Errors
/// Every problem found.
pub fn validate_raw(label: &str, raw: &RawScenario) -> Result<Model, ScenarioErrors> {
    with_library(label, raw, |evidence| {
        check(&Source::new(label, ""), raw, evidence)
    })
}

/// The evidence library for the scenario file `file`: `evidence/` beside the scenario's folder
/// (`scenarios/x.toml` → `evidence/` next to `scenarios/`) if there is one, else `evidence` in
/// the working folder.
pub fn evidence_dir(file: &str) -> PathBuf {
    let beside = Path::new(file)
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("evidence"));
    beside
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("evidence"))
}

/// Run `validate` with the library `raw` needs: none if it has no evidence input, else the one
/// at [`evidence_dir`], or why that cannot be read (reported at each evidence input).
fn with_library<T>(file: &str, raw: &RawScenario, validate: impl FnOnce(Evidence<'_>) -> T) -> T {
    if !uses_evidence(raw) {
        return validate(Evidence::None);
    }
    let dir = evidence_dir(file);
    match Library::load(&dir) {
        Ok(lib) => validate(Evidence::Library(&lib)),
        Err(e) => {
            let why = format!(
                "the evidence library at {} cannot be used ({e})",
                dir.display()
            );
            validate(Evidence::Unavailable(&why))
        }
    }
}
