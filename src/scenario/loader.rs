//! Where scenarios come from: reading a file, and finding the evidence library its
//! `{ dist = "evidence" }` inputs need. The only disk reads of the scenario layer are here;
//! validation ([`super::validate`]) is handed the text and the library.

use std::path::Path;

use crate::error::{Error, ScenarioErrors};
use crate::evidence::search::EvidenceSearch;
use crate::scenario::model::Model;
use crate::scenario::raw::RawScenario;
use crate::scenario::validate::{check, uses_evidence, Evidence};
use crate::span::{parse_toml, Source};

/// Read and validate a scenario file, its evidence library found by the default search order
/// ([`crate::evidence::search`]: beside the file, else the bundled copy).
///
/// # Errors
/// [`Error::ReadScenario`] if the file cannot be read; [`Error::InvalidScenario`] with every problem
/// found, each at `file:line:column`.
pub fn load(path: &Path) -> Result<Model, Error> {
    load_with(path, &EvidenceSearch::new())
}

/// [`load`] with the evidence library found by `search` (e.g. with the command line's
/// `--evidence`).
///
/// # Errors
/// As [`load`]; a library that cannot be used is reported at each evidence input.
pub fn load_with(path: &Path, search: &EvidenceSearch) -> Result<Model, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse_scenario_in(
        &path.display().to_string(),
        &text,
        search,
    )?)
}

/// Parse and validate a scenario held in memory; `file` names it in error messages and places
/// it for the default search order ([`crate::evidence::search`]), whose library is read only if
/// the scenario has an evidence input.
///
/// # Errors
/// Every problem found, sorted by position in the file.
pub fn parse_scenario(file: &str, text: &str) -> Result<Model, ScenarioErrors> {
    parse_scenario_in(file, text, &EvidenceSearch::new())
}

/// [`parse_scenario`] with the evidence library found by `search`.
///
/// # Errors
/// Every problem found, sorted by position in the file; a library that cannot be used (which,
/// how it was chosen and why) is reported at each evidence input.
pub fn parse_scenario_in(
    file: &str,
    text: &str,
    search: &EvidenceSearch,
) -> Result<Model, ScenarioErrors> {
    let src = Source::new(file, text);
    let raw: RawScenario = parse_toml(&src)?;
    with_library(file, &raw, search, |evidence| check(&src, &raw, evidence))
}

/// Validate a scenario built in code (see `examples/`); errors name the field but no position.
/// Evidence inputs are resolved as [`parse_scenario`] does, with `label` as the file name.
///
/// # Errors
/// Every problem found.
pub fn validate_raw(label: &str, raw: &RawScenario) -> Result<Model, ScenarioErrors> {
    with_library(label, raw, &EvidenceSearch::new(), |evidence| {
        check(&Source::new(label, ""), raw, evidence)
    })
}

/// Run `validate` with the library `raw` needs: none if it has no evidence input, else the one
/// `search` finds for `file`, or why that cannot be used (reported at each evidence input).
fn with_library<T>(
    file: &str,
    raw: &RawScenario,
    search: &EvidenceSearch,
    validate: impl FnOnce(Evidence<'_>) -> T,
) -> T {
    if !uses_evidence(raw) {
        return validate(Evidence::None);
    }
    match search.load(Some(Path::new(file))) {
        Ok((lib, _)) => validate(Evidence::Library(&lib)),
        Err(e) => validate(Evidence::Unavailable(&e.one_line())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario `scenarios/x.toml` beside a broken `evidence/` folder: the library is read only
    /// when an input needs it, and why it cannot be used — which library, how it was chosen — is
    /// reported at that input.
    #[test]
    fn the_library_beside_the_file_is_read_only_when_needed() {
        let root = std::env::temp_dir().join(format!("sibsim-loader-{}", std::process::id()));
        std::fs::create_dir_all(root.join("evidence")).unwrap();
        std::fs::write(root.join("evidence/bad.toml"), "[figures.x]\nvalue = 1\n").unwrap();
        let file = root.join("scenarios/x.toml").display().to_string();

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
                "{file}:22:39: sites.only.delivery.p_engage.key: the evidence library at {} (found beside the scenario) is invalid: {}:1:1: figures.x: missing field `unit`; expected it in this table (docs/scenario-format.md lists every field); expected a valid library there, or another named by --evidence or SIBSIM_EVIDENCE (docs/calibration-evidence.md, \"Which library\")",
                dir.display(),
                bad.display()
            )
        );
        // The same text with a good library named explicitly: it wins over the broken one.
        let search = EvidenceSearch {
            flag: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("evidence")),
            env: None,
        };
        let e = parse_scenario_in(&file, &text, &search).unwrap_err();
        assert!(
            e.0[0]
                .headline()
                .contains("\"bit2020.engage\" is not in the evidence library"),
            "{}",
            e.0[0].headline()
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
