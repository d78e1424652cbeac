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
pub mod search;
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
    #[serde(default)]
    programme: Option<String>,
    #[serde(default)]
    plan_kind: Option<String>,
    #[serde(default)]
    actual: Option<f64>,
    #[serde(default)]
    plan: Option<f64>,
}

/// The reference classes of actual/plan ratios (the outside view): volumes (referrals, starts,
/// engagements) and outcomes (jobs and other outcomes).
pub const CLASSES: [&str; 2] = ["volume", "outcomes"];

/// What a plan was: a central case (`base`), a best case or maximum (`best`), or a contractual
/// target or payment threshold (`target`).
pub const PLAN_KINDS: [&str; 3] = ["base", "best", "target"];

/// What a reference case is besides its ratio: which programme it belongs to, what kind of plan it
/// was measured against, and the published numbers the ratio comes from where they are given.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseInfo {
    /// The programme (outcomes fund, DWP scheme, or the single SIB itself) the project belongs to.
    pub programme: String,
    /// One of [`PLAN_KINDS`].
    pub plan_kind: String,
    /// The published actual, when the source gives the numbers and not only the ratio.
    pub actual: Option<f64>,
    /// The published plan, likewise.
    pub plan: Option<f64>,
}

/// One figure of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// `<file stem>.<key>`, e.g. `bit2020.job_starts_p1`.
    pub key: String,
    /// The figure, in `unit`.
    pub value: f64,
    /// Its unit as the source states it, e.g. `engagements`, `6-week sustained jobs`, `hours per week`.
    pub unit: String,
    /// Report file name and table or section.
    pub source: String,
    /// The denominator, when `value` is a count out of `of` trials.
    pub of: Option<f64>,
    /// Its scope and caveats, if any.
    pub note: Option<String>,
    /// The reference class a plan-vs-actual ratio belongs to (one of [`CLASSES`]), for the
    /// outside view.
    pub class: Option<String>,
    /// For a reference case (a figure with a class): its programme and plan.
    pub case: Option<CaseInfo>,
}

/// Every figure, in key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Library {
    /// The figures, sorted by key.
    pub figures: Vec<Figure>,
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A source names a report by its file name (`….txt`, listed in docs/sources.md) or a web page
/// (`https://…`), followed in the latter case by the table or section the figure is read from.
fn cites_a_source(source: &str) -> bool {
    if source.contains(".txt") {
        return true;
    }
    let mut words = source.split_whitespace();
    let url_ok = words
        .next()
        .and_then(|w| w.strip_prefix("https://"))
        .is_some_and(|rest| rest.contains('.') && !rest.starts_with('/'));
    url_ok && words.next().is_some()
}

/// A figure with a class is a reference case: it must name its programme and plan kind, and
/// agree with its published numbers.
fn check_case(f: &RawFigure, err: &mut impl FnMut(&str, Target, String, &str)) -> Option<CaseInfo> {
    let Some(class) = &f.class else {
        for (field, given) in [
            ("programme", f.programme.is_some()),
            ("plan_kind", f.plan_kind.is_some()),
            ("actual", f.actual.is_some()),
            ("plan", f.plan.is_some()),
        ] {
            if given {
                err(
                    field,
                    Target::Key,
                    format!("{field} is given but the figure has no class"),
                    "expected class = \"volume\" or \"outcomes\" on a reference case, or no reference-case fields",
                );
            }
        }
        return None;
    };
    if !CLASSES.contains(&class.as_str()) {
        err(
            "class",
            Target::Value,
            format!("unknown class \"{class}\""),
            "expected \"volume\" (referrals, starts, engagements) or \"outcomes\" (job or other outcomes)",
        );
    }
    // A non-finite ratio is reported once, by the general check of `value`.
    if f.value.is_finite() && f.value <= 0.0 {
        err(
            "value",
            Target::Value,
            format!("a reference case's ratio of {}", f.value),
            "expected actual / plan > 0 (its logarithm is modelled)",
        );
    }
    let programme = match &f.programme {
        Some(p) if valid_key(p) => p.clone(),
        Some(p) => {
            err(
                "programme",
                Target::Value,
                format!("programme \"{p}\" is not an identifier"),
                "expected lowercase letters, digits and '_', e.g. \"dwp_work_programme\"",
            );
            p.clone()
        }
        None => {
            err(
                "",
                Target::Key,
                "a reference case names no programme".into(),
                "expected programme = \"<id>\": the fund or scheme it belongs to, or its own id when it stands alone",
            );
            String::new()
        }
    };
    let plan_kind = match &f.plan_kind {
        Some(k) if PLAN_KINDS.contains(&k.as_str()) => k.clone(),
        Some(k) => {
            err(
                "plan_kind",
                Target::Value,
                format!("unknown plan kind \"{k}\""),
                "expected \"base\" (central case), \"best\" (best case or maximum) or \"target\" (contractual target or threshold)",
            );
            k.clone()
        }
        None => {
            err(
                "",
                Target::Key,
                "a reference case gives no plan_kind".into(),
                "expected plan_kind = \"base\", \"best\" or \"target\"",
            );
            String::new()
        }
    };
    for (field, x) in [("actual", f.actual), ("plan", f.plan)] {
        if let Some(x) = x {
            if !(x.is_finite() && x > 0.0) {
                err(
                    field,
                    Target::Value,
                    format!("{field} {x}"),
                    "expected a number > 0",
                );
            }
        }
    }
    if let (Some(a), Some(p)) = (f.actual, f.plan) {
        // Ratios are stated to three significant figures.
        if p > 0.0 && ((a / p) - f.value).abs() > 0.0005 * (a / p).max(1.0) + 0.0005 {
            err(
                "value",
                Target::Value,
                format!(
                    "value {} but actual / plan = {a} / {p} = {:.4}",
                    f.value,
                    a / p
                ),
                "expected the ratio of the case's actual to its plan",
            );
        }
    }
    Some(CaseInfo {
        programme,
        plan_kind,
        actual: f.actual,
        plan: f.plan,
    })
}

/// The largest count a figure may give: 2⁵³, below which every whole number is exact in an `f64`.
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// A whole number from 0 to [`MAX_COUNT`].
fn is_count(x: f64) -> bool {
    (0.0..=MAX_COUNT).contains(&x) && x.fract() == 0.0
}

/// A figure with `of` is a count of events out of `of` trials (the calibration reads it as
/// Binomial): both whole numbers, `of` ≥ 1, `value` ≤ `of`. A non-finite value is reported once,
/// by the general check.
fn check_count(value: f64, of: f64, err: &mut impl FnMut(&str, Target, String, &str)) {
    if value.is_finite() && !is_count(value) {
        err(
            "value",
            Target::Value,
            format!("a count of {value} out of {of}"),
            "expected a whole number of events from 0 to `of` (a figure with `of` counts events out of trials)",
        );
    }
    if !(is_count(of) && of >= 1.0) {
        err(
            "of",
            Target::Value,
            format!("of {of}"),
            "expected the denominator: a whole number of trials from 1 to 2^53",
        );
    } else if value > of {
        err(
            "of",
            Target::Value,
            format!("of {of} for a value of {value}"),
            "expected the denominator: a whole number of trials ≥ value",
        );
    }
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
        if !cites_a_source(&f.source) {
            err("source", Target::Value, format!("\"{}\" names no report file or web address with its section", f.source), "expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\", or a web address and its section, e.g. \"https://www.nao.org.uk/reports/restart/ para 3\"");
        }
        let case = check_case(&f, &mut err);
        if let Some(of) = f.of {
            check_count(f.value, of, &mut err);
        }
        out.push(Figure {
            key: format!("{stem}.{key}"),
            value: f.value,
            unit: f.unit,
            source: f.source,
            of: f.of,
            note: f.note,
            class: f.class,
            case,
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
    /// [`Error::ReadEvidence`] for an unreadable folder or file, or a folder with no `*.toml` in
    /// it; [`Error::InvalidScenario`] with every problem of the first bad file.
    pub fn load(dir: &Path) -> Result<Library, Error> {
        let read_err = |path: &Path, source| Error::ReadEvidence {
            path: path.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for path in search::toml_files(dir).map_err(|e| read_err(dir, e))? {
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            files.push((path.display().to_string(), text));
        }
        // A folder with no evidence file is not a library (a wrong folder, or an empty one): used,
        // it would answer every key with "not in the evidence library".
        if files.is_empty() {
            return Err(read_err(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the folder holds no evidence file (*.toml); expected a folder like the \
                     repository's evidence/ (docs/calibration-evidence.md)",
                ),
            ));
        }
        Ok(Library::from_files(
            files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
        )?)
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
                "bit.toml:3:6: figures.x.of: of 156 for a value of 200; expected the denominator: a whole number of trials ≥ value",
                "bit.toml:4:8: figures.x.unit: the unit is empty; expected the unit of the value, e.g. \"engagements\", \"share\", \"£\"",
                "bit.toml:5:10: figures.x.source: \"BIT\" names no report file or web address with its section; expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\", or a web address and its section, e.g. \"https://www.nao.org.uk/reports/restart/ para 3\"",
            ]
        );
    }

    /// Counts out of trials are whole, not negative and within their denominator; each problem is
    /// located at the field that has it.
    #[test]
    fn counts_are_whole_non_negative_and_within_of() {
        let figure = |value: &str, of: &str| {
            format!("[figures.x]\nvalue = {value}\nof = {of}\nunit = \"job starts\"\nsource = \"000_a181213f7b897744.txt Table 4.1\"\n")
        };
        let heads = |value: &str, of: &str| -> Vec<String> {
            match parse_file("bit.toml", "bit2020", &figure(value, of)) {
                Ok(_) => vec![],
                Err(e) => e.0.iter().map(|e| e.headline()).collect(),
            }
        };
        let value_err = |v: f64, of: f64| {
            format!("bit.toml:2:9: figures.x.value: a count of {v} out of {of}; expected a whole number of events from 0 to `of` (a figure with `of` counts events out of trials)")
        };
        let of_err = |of: f64| {
            format!("bit.toml:3:6: figures.x.of: of {of}; expected the denominator: a whole number of trials from 1 to 2^53")
        };
        assert!(heads("0", "1").is_empty());
        assert!(heads("9007199254740992", "9007199254740992").is_empty());
        assert_eq!(heads("-68", "156"), [value_err(-68.0, 156.0)]);
        assert_eq!(heads("68.5", "156"), [value_err(68.5, 156.0)]);
        assert_eq!(heads("-0.5", "0.5"), [value_err(-0.5, 0.5), of_err(0.5)]);
        assert_eq!(heads("0", "0"), [of_err(0.0)]);
        assert_eq!(
            heads("1e300", "1e300"),
            [value_err(1e300, 1e300), of_err(1e300)]
        );
        assert_eq!(
            heads("nan", "156"),
            ["bit.toml:2:9: figures.x.value: value NaN; expected a finite number"]
        );
        assert_eq!(heads("3", "inf"), [of_err(f64::INFINITY)]);
    }

    #[test]
    fn reference_cases_cite_a_web_source_and_name_programme_and_plan_kind() {
        let ok = "[figures.wp]\nclass = \"outcomes\"\nprogramme = \"dwp_work_programme\"\nplan_kind = \"base\"\nactual = 27\nplan = 39\nvalue = 0.692\nunit = \"ratio actual/plan\"\nsource = \"https://www.nao.org.uk/press-release/work-programme/ para 2\"\n";
        let figs = parse_file("rc.toml", "rc", ok).unwrap();
        let case = figs[0].case.as_ref().unwrap();
        assert_eq!(
            (case.programme.as_str(), case.plan_kind.as_str()),
            ("dwp_work_programme", "base")
        );
        assert_eq!((case.actual, case.plan), (Some(27.0), Some(39.0)));

        let bad = "[figures.wp]\nclass = \"outcomes\"\nplan_kind = \"hope\"\nactual = 27\nplan = 39\nvalue = 0.6\nunit = \"ratio\"\nsource = \"https://www.nao.org.uk/x\"\n";
        let e = parse_file("rc.toml", "rc", bad).unwrap_err();
        let heads: Vec<String> = e.0.iter().map(|e| e.headline()).collect();
        assert_eq!(
            heads,
            [
                "rc.toml:1:10: figures.wp: a reference case names no programme; expected programme = \"<id>\": the fund or scheme it belongs to, or its own id when it stands alone",
                "rc.toml:3:13: figures.wp.plan_kind: unknown plan kind \"hope\"; expected \"base\" (central case), \"best\" (best case or maximum) or \"target\" (contractual target or threshold)",
                "rc.toml:6:9: figures.wp.value: value 0.6 but actual / plan = 27 / 39 = 0.6923; expected the ratio of the case's actual to its plan",
                "rc.toml:8:10: figures.wp.source: \"https://www.nao.org.uk/x\" names no report file or web address with its section; expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\", or a web address and its section, e.g. \"https://www.nao.org.uk/reports/restart/ para 3\"",
            ]
        );
    }
}
