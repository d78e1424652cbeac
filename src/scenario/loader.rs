//! Where scenarios come from: reading a file, and finding the evidence library its
//! `{ dist = "evidence" }` inputs need. The only disk reads of the scenario layer are here;
//! validation ([`super::validate`]) is handed the text and the library.

use std::path::{Path, PathBuf};

use crate::error::{Error, ScenarioErrors};
use crate::evidence::Library;
use crate::scenario::model::Model;
use crate::scenario::raw::RawScenario;
use crate::scenario::validate::{check, uses_evidence, Evidence};
use crate::span::{parse_toml, Source};

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario `scenarios/x.toml` beside a broken `evidence/` folder: the library is read only
    /// when an input needs it, and why it cannot be used is reported at that input.
    #[test]
    fn the_library_beside_the_file_is_read_only_when_needed() {
        let root = std::env::temp_dir().join(format!("sibsim-loader-{}", std::process::id()));
        std::fs::create_dir_all(root.join("evidence")).unwrap();
        std::fs::write(root.join("evidence/bad.toml"), "[figures.x]\nvalue = 1\n").unwrap();
        let file = root.join("scenarios/x.toml").display().to_string();
        assert_eq!(evidence_dir(&file), root.join("evidence"));

        let base = crate::scenario::validate::test_util::BASE;
        assert!(parse_scenario(&file, base).is_ok());
        let text = base.replace(
            "p_engage = 0.6",
            r#"p_engage = { dist = "evidence", key = "bit2020.engage" }"#,
        );
        let e = parse_scenario(&file, &text).unwrap_err();
        let dir = root.join("evidence");
        let bad = dir.join("bad.toml");
        assert_eq!(
            e.0[0].headline(),
            format!(
                "{file}:22:39: sites.only.delivery.p_engage.key: the evidence library at {} cannot be used ({}:1:1: figures.x: missing field `unit`; expected it in this table (docs/scenario-format.md lists every field)\n  |\n1 | [figures.x]\n  | ^^^^^^^^^^^\n1 problem found; nothing was simulated); expected an evidence/ folder beside the scenarios (see `sibsim evidence`)",
                dir.display(),
                bad.display()
            )
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn without_a_folder_beside_it_the_library_is_the_working_folders() {
        assert_eq!(evidence_dir("x.toml"), PathBuf::from("evidence"));
        assert_eq!(
            evidence_dir("/no/such/place/x.toml"),
            PathBuf::from("evidence")
        );
    }
}
