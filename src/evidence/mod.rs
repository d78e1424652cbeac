//! The evidence library: every figure from the source reports that the model can use, each with its
//! value, unit and source (report file name and table or section), kept as data in `evidence/*.toml`
//! (one file per source, whose stem prefixes its keys: `bit2020.job_starts_p1`).
//!
//! Files are checked like scenarios: unknown fields, wrong types and bad values are errors at
//! `file:line:column` naming the field and what would be valid.

use std::collections::BTreeMap;
use std::path::Path;

pub mod calibrate;
pub mod results;
pub mod window;

use serde::Deserialize;

use crate::error::{Error, ScenarioErrors};
use crate::span::{parse_toml, FieldPath, Source, Target};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    figures: BTreeMap<String, RawFigure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFigure {
    value: f64,
    unit: String,
    source: String,
    #[serde(default)]
    of: Option<f64>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    class: Option<String>,
}

/// One figure of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// `<file stem>.<key>`, e.g. `bit2020.job_starts_p1`.
    pub key: String,
    pub value: f64,
    pub unit: String,
    /// Report file name and table or section.
    pub source: String,
    /// The denominator, when `value` is a count out of `of` trials.
    pub of: Option<f64>,
    pub note: Option<String>,
    /// The reference class a plan-vs-actual ratio belongs to (e.g. `volume`), for the outside view.
    pub class: Option<String>,
}

/// Every figure, in key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Library {
    pub figures: Vec<Figure>,
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parse and check one evidence file; `stem` prefixes its keys.
///
/// # Errors
/// Every problem found, located in the file.
pub fn parse_file(file: &str, stem: &str, text: &str) -> Result<Vec<Figure>, ScenarioErrors> {
    let src = Source::new(file, text);
    let raw: RawFile = parse_toml(&src)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (key, f) in raw.figures {
        let path = FieldPath::root().key("figures").key(&key);
        let mut err = |field: &str, target: Target, problem: String, valid: &str| {
            let at = if field.is_empty() {
                path.clone()
            } else {
                path.key(field)
            };
            errors.push(src.error(&at, target, problem, valid));
        };
        if !valid_key(&key) {
            err(
                "",
                Target::Key,
                format!("key \"{key}\" is not an identifier"),
                "expected lowercase letters, digits and '_'",
            );
        }
        if !f.value.is_finite() {
            err(
                "value",
                Target::Value,
                format!("value {}", f.value),
                "expected a finite number",
            );
        }
        if f.unit.trim().is_empty() {
            err(
                "unit",
                Target::Value,
                "the unit is empty".into(),
                "expected the unit of the value, e.g. \"engagements\", \"share\", \"£\"",
            );
        }
        if !f.source.contains(".txt") {
            err("source", Target::Value, format!("\"{}\" names no report file", f.source), "expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\"");
        }
        if let Some(of) = f.of {
            if !(of.is_finite() && of > 0.0 && of >= f.value) {
                err(
                    "of",
                    Target::Value,
                    format!("of {of} for a value of {}", f.value),
                    "expected the denominator: a number > 0 and ≥ value",
                );
            }
        }
        out.push(Figure {
            key: format!("{stem}.{key}"),
            value: f.value,
            unit: f.unit,
            source: f.source,
            of: f.of,
            note: f.note,
            class: f.class,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| (e.line, e.column));
        Err(ScenarioErrors(errors))
    }
}

impl Library {
    /// Load every `*.toml` in `dir`, in file-name order.
    ///
    /// # Errors
    /// [`Error::ReadEvidence`] for an unreadable folder or file, [`Error::InvalidScenario`] with every
    /// problem of the first bad file.
    pub fn load(dir: &Path) -> Result<Library, Error> {
        let read_err = |path: &Path, source| Error::ReadEvidence {
            path: path.to_path_buf(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| read_err(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut figures = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            let stem = path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            figures.extend(parse_file(&path.display().to_string(), &stem, &text)?);
        }
        Ok(Library { figures })
    }

    /// The figure with key `key`.
    pub fn get(&self, key: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_parse_and_bad_ones_are_located() {
        let ok = "[figures.job_starts_p1]\nvalue = 68\nof = 156\nunit = \"job starts\"\nsource = \"000_a181213f7b897744.txt Table 4.1\"\n";
        let figs = parse_file("bit.toml", "bit2020", ok).unwrap();
        assert_eq!(figs[0].key, "bit2020.job_starts_p1");
        assert_eq!((figs[0].value, figs[0].of), (68.0, Some(156.0)));

        let bad = "[figures.x]\nvalue = 200\nof = 156\nunit = \"\"\nsource = \"BIT\"\n";
        let e = parse_file("bit.toml", "bit2020", bad).unwrap_err();
        let heads: Vec<String> = e.0.iter().map(|e| e.headline()).collect();
        assert_eq!(
            heads,
            [
                "bit.toml:3:6: figures.x.of: of 156 for a value of 200; expected the denominator: a number > 0 and ≥ value",
                "bit.toml:4:8: figures.x.unit: the unit is empty; expected the unit of the value, e.g. \"engagements\", \"share\", \"£\"",
                "bit.toml:5:10: figures.x.source: \"BIT\" names no report file; expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\"",
            ]
        );
    }
}
