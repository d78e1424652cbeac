//! The comparison file (docs/compare.md, "The comparison file") and `--sweep` specifications.
//!
//! A comparison file names a base scenario and variants; every problem is reported at
//! `file:line:column` with the field, what is wrong and what would be valid, like a scenario's.
//! Scenario files it names (`base`, `rules_from`) are read relative to it and validated as
//! scenarios, their own errors located in them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::knob::{check_finance, Knob};
use super::structure::{default_outcome_event, Schedule, Structure};
use super::{CompareError, VariantDef};
use crate::error::{Error, ScenarioError, ScenarioErrors};
use crate::scenario::{self, Event, Model};
use crate::span::{parse_toml, FieldPath, Source, Target};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComparison {
    name: Option<String>,
    description: Option<String>,
    base: String,
    feedback: Option<bool>,
    #[serde(default)]
    variants: Vec<RawVariant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    description: Option<String>,
    rules_from: Option<String>,
    block_share: Option<f64>,
    outcome_event: Option<String>,
    block_schedule: Option<String>,
    scale_caps: Option<bool>,
    tariff_scale: Option<f64>,
    #[serde(default)]
    set: BTreeMap<String, f64>,
}

/// A comparison file, read and checked.
#[derive(Debug, Clone)]
pub struct ComparisonFile {
    pub name: String,
    pub description: String,
    pub base_path: PathBuf,
    pub base: Model,
    pub feedback: bool,
    pub variants: Vec<VariantDef>,
}

/// Whether `text` is a comparison file rather than a scenario: a TOML table with a `base` key.
pub fn is_comparison(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("base"))
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Read the comparison file at `path`.
///
/// # Errors
/// The file cannot be read; the base or a `rules_from` scenario is invalid (located in that
/// file); or the comparison file's own problems, every one located.
pub fn load(path: &Path) -> Result<ComparisonFile, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Parse comparison file `text`, read from `path` (which places the scenarios it names).
///
/// # Errors
/// As [`load`].
pub fn parse(path: &Path, text: &str) -> Result<ComparisonFile, CompareError> {
    let src = Source::new(path.display().to_string(), text);
    let raw: RawComparison = parse_toml(&src)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let root = FieldPath::root();
    let mut errors: Vec<ScenarioError> = Vec::new();
    let base_path = dir.join(&raw.base);
    let base = match std::fs::read_to_string(&base_path) {
        Err(e) => {
            errors.push(src.error(
                &root.key("base"),
                Target::Value,
                format!("cannot read {} ({e})", base_path.display()),
                "expected the path of a scenario file, relative to this file",
            ));
            None
        }
        Ok(t) => Some(scenario::parse_scenario(
            &base_path.display().to_string(),
            &t,
        )?),
    };
    let mut variants = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let vp = root.key("variants").index(i);
        let mut err = |p: FieldPath, t: Target, problem: String, valid: &str| {
            errors.push(src.error(&p, t, problem, valid));
        };
        if !valid_name(&v.name) || v.name == "base" {
            err(
                vp.key("name"),
                Target::Value,
                format!("variant name \"{}\"", v.name),
                "expected 1 to 64 of a-z, 0-9, _ or -, and not \"base\"",
            );
        } else if names.contains(&v.name.as_str()) {
            err(
                vp.key("name"),
                Target::Value,
                format!("a second variant named \"{}\"", v.name),
                "expected each variant's name once",
            );
        }
        names.push(&v.name);
        let Some(base) = &base else { continue };
        let mut def = VariantDef {
            name: v.name.clone(),
            description: v.description.clone().unwrap_or_default(),
            ..VariantDef::default()
        };
        if let Some(file) = &v.rules_from {
            let p = dir.join(file);
            match std::fs::read_to_string(&p) {
                Err(e) => err(
                    vp.key("rules_from"),
                    Target::Value,
                    format!("cannot read {} ({e})", p.display()),
                    "expected the path of a scenario file, relative to this file",
                ),
                Ok(t) => {
                    let m = scenario::parse_scenario(&p.display().to_string(), &t)?;
                    if let Err(why) = super::take_rules(base, &m) {
                        err(
                            vp.key("rules_from"),
                            Target::Value,
                            format!("{file} cannot lend its rules: {why}"),
                            "expected a scenario with the base's start month, parties and sites",
                        );
                    }
                    def.rules_from = Some((file.clone(), m));
                }
            }
        }
        // The path of each knob in `def.set`, to locate a conflict between them.
        let mut set_paths = Vec::new();
        for (path, &value) in &v.set {
            let at = vp.key("set").key(path);
            match Knob::parse(path, base) {
                Ok(k) if k.is_structure() => err(
                    at,
                    Target::Key,
                    format!("{path} is not a field"),
                    &format!("expected it as variants.{}.{path} = …", v.name),
                ),
                Ok(k) => match k.check(value) {
                    Ok(()) => {
                        def.set.push((k, value));
                        set_paths.push(at);
                    }
                    Err(e) => err(at, Target::Value, e.problem, &e.valid),
                },
                Err(e) => err(at, Target::Key, e.problem, &e.valid),
            }
        }
        if let Err((i, e)) = check_finance(base, &def.set) {
            err(
                set_paths[i].clone(),
                Target::Value,
                format!("variant \"{}\": {}", v.name, e.problem),
                &e.valid,
            );
        }
        if let Some(s) = v.tariff_scale {
            match Knob::TariffScale.check(s) {
                Ok(()) => def.set.push((Knob::TariffScale, s)),
                Err(e) => err(vp.key("tariff_scale"), Target::Value, e.problem, &e.valid),
            }
        }
        let mut structure = None;
        if let Some(b) = v.block_share {
            match Knob::BlockShare.check(b) {
                Ok(()) => {
                    structure = Some(Structure {
                        block_share: b,
                        schedule: Schedule::Monthly,
                        outcome_event: default_outcome_event(base),
                        scale_caps: v.scale_caps.unwrap_or(true),
                    })
                }
                Err(e) => err(vp.key("block_share"), Target::Value, e.problem, &e.valid),
            }
        }
        let only_with = |key: &str| format!("{key} is set without block_share");
        if let Some(s) = &v.block_schedule {
            match (Schedule::parse(s), &mut structure) {
                (Some(sch), Some(st)) => st.schedule = sch,
                (None, _) => err(
                    vp.key("block_schedule"),
                    Target::Value,
                    format!("unknown block schedule \"{s}\""),
                    "expected \"monthly\", \"quarterly\" or \"annual\"",
                ),
                (Some(_), None) => err(
                    vp.key("block_schedule"),
                    Target::Key,
                    only_with("block_schedule"),
                    "expected it only beside block_share",
                ),
            }
        }
        if let Some(e) = &v.outcome_event {
            match (Event::parse(e), &mut structure) {
                (Some(ev), Some(st)) if ev != Event::Referral => st.outcome_event = ev,
                (Some(_), None) => err(
                    vp.key("outcome_event"),
                    Target::Key,
                    only_with("outcome_event"),
                    "expected it only beside block_share",
                ),
                _ => err(
                    vp.key("outcome_event"),
                    Target::Value,
                    format!("unknown outcome event \"{e}\""),
                    "expected engagement, job_start, sustain_6w, sustain_13w or sustain_26w",
                ),
            }
        }
        if v.scale_caps.is_some() && structure.is_none() {
            err(
                vp.key("scale_caps"),
                Target::Key,
                only_with("scale_caps"),
                "expected it only beside block_share",
            );
        }
        def.structure = structure;
        variants.push(def);
    }
    if raw.variants.is_empty() {
        errors.push(src.error(
            &root.key("base"),
            Target::Key,
            "the comparison has no [[variants]]",
            "expected at least one [[variants]] table (or use `sibsim compare SCENARIO --sweep …`)",
        ));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.column));
        return Err(ScenarioErrors(errors).into());
    }
    let base = base.expect("no errors, so the base was read");
    Ok(ComparisonFile {
        name: raw.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or("comparison".into(), |s| s.to_string_lossy().into_owned())
        }),
        description: raw.description.unwrap_or_default(),
        base_path,
        feedback: raw.feedback.unwrap_or(true),
        base,
        variants,
    })
}

/// Options of a structure sweep or seek that the command line sets.
#[derive(Debug, Clone, Copy)]
pub struct StructureOptions {
    pub schedule: Schedule,
    /// `None`: [`default_outcome_event`].
    pub outcome_event: Option<Event>,
    pub scale_caps: bool,
}

impl Default for StructureOptions {
    fn default() -> Self {
        StructureOptions {
            schedule: Schedule::Monthly,
            outcome_event: None,
            scale_caps: true,
        }
    }
}

/// The variant that sets `knob` to `value` on `model`.
pub fn variant_at(knob: &Knob, value: f64, model: &Model, opts: &StructureOptions) -> VariantDef {
    let name = format!("{knob}={value}");
    let mut def = VariantDef {
        name,
        ..VariantDef::default()
    };
    if *knob == Knob::BlockShare {
        def.structure = Some(Structure {
            block_share: value,
            schedule: opts.schedule,
            outcome_event: opts
                .outcome_event
                .unwrap_or_else(|| default_outcome_event(model)),
            scale_caps: opts.scale_caps,
        });
    } else {
        def.set.push((knob.clone(), value));
    }
    def
}

/// Parse `--sweep PATH=V1,V2,…` against `model`.
///
/// Every error names the option, the item at fault (the whole spec, the path, or `PATH=VALUE`),
/// what is wrong and what would be valid.
///
/// # Errors
/// A missing `=`, an unknown path, no values, an empty value, a value that is not a number or is
/// out of the path's range on `model` (`finance.loan` above the facility, `finance.facility` below
/// the loan), or a value given twice.
pub fn parse_sweep(spec: &str, model: &Model) -> Result<(Knob, Vec<f64>), CompareError> {
    let bad = |problem: String, valid: String| CompareError::Option {
        option: "--sweep".into(),
        problem,
        valid,
    };
    let (path, values) = spec.split_once('=').ok_or_else(|| {
        bad(
            format!("\"{spec}\" has no = between the path and its values"),
            "expected PATH=V1,V2,…, e.g. block_share=0,0.5,1".into(),
        )
    })?;
    let path = path.trim();
    let knob = Knob::parse(path, model)
        .map_err(|e| bad(format!("path \"{path}\": {}", e.problem), e.valid))?;
    let numbers = || format!("expected comma-separated numbers after {path}=, e.g. {path}=0,0.5,1");
    if values.trim().is_empty() {
        return Err(bad(format!("{path}= has no values"), numbers()));
    }
    let mut out = Vec::new();
    for (i, v) in values.split(',').enumerate() {
        let v = v.trim();
        if v.is_empty() {
            return Err(bad(
                format!("{path}={values}: value {} of the list is empty", i + 1),
                numbers(),
            ));
        }
        let x: f64 = v
            .parse()
            .map_err(|_| bad(format!("{path}={v}: \"{v}\" is not a number"), numbers()))?;
        knob.check_on(x, model)
            .map_err(|e| bad(format!("{path}={v}: {}", e.problem), e.valid))?;
        if out.contains(&x) {
            return Err(bad(
                format!("{path}={v}: {x} is in the list twice"),
                "expected each value once".into(),
            ));
        }
        out.push(x);
    }
    Ok((knob, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenarios() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
    }

    #[test]
    fn a_variant_leaving_the_facility_below_the_loan_is_refused_where_it_is_set() {
        // MHEP 1: loan £360,000, facility £360,000.
        let path = scenarios().join("finance_check.toml");
        let text = "base = \"mhep1.toml\"\n\n[[variants]]\nname = \"small\"\n[variants.set]\n\"finance.facility\" = 300000\n\n[[variants]]\nname = \"big_loan\"\n[variants.set]\n\"finance.loan\" = 400000.0\n\n[[variants]]\nname = \"both\"\n[variants.set]\n\"finance.facility\" = 500000\n\"finance.loan\" = 500000\n";
        let msg = parse(&path, text).unwrap_err().to_string();
        let f = path.display();
        // The first line of each problem (the others show the line with a caret).
        let heads: Vec<&str> = msg
            .lines()
            .filter(|l| l.starts_with(&f.to_string()))
            .collect();
        assert_eq!(
            heads,
            [
                format!("{f}:6:22: variants[0].set.finance.facility: variant \"small\": the facility £300000 would be below the loan £360000; expected finance.facility from the loan, £360000, up to 1e12"),
                format!("{f}:11:18: variants[1].set.finance.loan: variant \"big_loan\": the loan £400000 would be above the facility £360000; expected finance.loan from 0 to the facility, £360000"),
            ]
        );
    }

    fn sweep_error(spec: &str) -> String {
        let m = crate::scenario::load(&scenarios().join("mhep1.toml")).unwrap();
        parse_sweep(spec, &m).unwrap_err().to_string()
    }

    #[test]
    fn sweep_errors_name_the_option_the_item_the_problem_and_what_is_valid() {
        for (spec, want) in [
            ("block_share", "invalid --sweep: \"block_share\" has no = between the path and its values; expected PATH=V1,V2,…, e.g. block_share=0,0.5,1"),
            ("cap.nope=1", "invalid --sweep: path \"cap.nope\": no cap `nope`; expected one of the scenario's caps: cbo_grant_2018_19, cbo_haringey_2018_19, haringey_topup_50pct, sof_grant"),
            ("nothing=1", "invalid --sweep: path \"nothing\": unknown path `nothing`; expected block_share, tariff_scale, tariffs.<name>.amount|scale|threshold, blocks.<name>.amount|scale, caps.<name> (or cap.<name>), caps.<name>.scale, or finance.interest_rate|equity|loan|facility|cash_reserve (docs/compare.md, \"Paths\")"),
            ("block_share=", "invalid --sweep: block_share= has no values; expected comma-separated numbers after block_share=, e.g. block_share=0,0.5,1"),
            ("block_share=0,,1", "invalid --sweep: block_share=0,,1: value 2 of the list is empty; expected comma-separated numbers after block_share=, e.g. block_share=0,0.5,1"),
            ("tariff_scale=1,x", "invalid --sweep: tariff_scale=x: \"x\" is not a number; expected comma-separated numbers after tariff_scale=, e.g. tariff_scale=0,0.5,1"),
            ("block_share=0,2", "invalid --sweep: block_share=2: 2 is out of range; expected a block share from 0 to 1"),
            ("block_share=0.5,0.50", "invalid --sweep: block_share=0.50: 0.5 is in the list twice; expected each value once"),
            ("finance.loan=100000,400000", "invalid --sweep: finance.loan=400000: a loan of £400000 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)"),
            ("finance.facility=200000", "invalid --sweep: finance.facility=200000: a facility of £200000 is below the scenario's loan of £360000; expected finance.facility from the loan, £360000, up to 1e12 (the facility must stay ≥ the loan)"),
        ] {
            assert_eq!(sweep_error(spec), want, "{spec}");
        }
    }
}
