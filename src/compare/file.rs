//! The comparison file (docs/compare.md, "The comparison file") and `--sweep` specifications.
//!
//! A comparison file names a base scenario and variants; every problem is reported at
//! `file:line:column` with the field, what is wrong and what would be valid, like a scenario's.
//! Scenario files it names (`base`, `rules_from`) are read relative to it and validated as
//! scenarios, their own errors located in them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::knob::{as_written, check_finance, Knob};
use super::structure::{default_outcome_event, Schedule, Structure};
use super::{CompareError, VariantDef};
use crate::error::{Error, ScenarioError, ScenarioErrors};
use crate::evidence::search::EvidenceSearch;
use crate::scenario::{self, Event, Model};
use crate::span::{parse_toml, FieldPath, Source, Target};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComparison {
    name: Option<String>,
    description: Option<String>,
    /// Required; an `Option` so that its absence is reported as such ([`parse`]).
    base: Option<String>,
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
    /// The comparison's name (`name` in the file).
    pub name: String,
    /// What the comparison asks, for the report.
    pub description: String,
    /// Path of the base scenario, as resolved from the comparison file's folder.
    pub base_path: PathBuf,
    /// The scenario files the variants' `rules_from` name, as resolved, each once, in file order.
    pub rules_paths: Vec<PathBuf>,
    /// The base scenario, validated.
    pub base: Model,
    /// Whether money feeds back into delivery in every run (`feedback`, default true).
    pub feedback: bool,
    /// The variants, in file order (the base not included).
    pub variants: Vec<VariantDef>,
}

/// Whether `text` is a comparison file rather than a scenario: a TOML table with a `base` key or
/// `[[variants]]` (a comparison file missing its base is still one, and told so). A file TOML
/// cannot read is told by its top-level names as written, so that its error is reported by the
/// reader it was meant for.
pub fn is_comparison(text: &str) -> bool {
    let ours = |k: &str| k == "base" || k == "variants";
    match text.parse::<toml::Table>() {
        Ok(t) => t.keys().any(|k| ours(k)),
        Err(_) => top_level_names(text).any(ours),
    }
}

fn unquote(k: &str) -> &str {
    k.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// The top-level names of TOML `text` read line by line, without parsing it: the keys before the
/// first table header, and the first part of every header (`variants` for `[[variants]]` and
/// `[variants.set]`).
fn top_level_names(text: &str) -> impl Iterator<Item = &str> {
    let mut in_table = false;
    text.lines().filter_map(move |line| {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            in_table = true;
            let header = header.trim_start_matches('[');
            let end = header.find(['.', ']']).unwrap_or(header.len());
            Some(unquote(&header[..end]))
        } else if !in_table && !line.starts_with('#') {
            line.split_once('=').map(|(k, _)| unquote(k))
        } else {
            None
        }
    })
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
    parse_in(path, text, &EvidenceSearch::new())
}

/// [`parse`], the scenarios it names finding their evidence library by `search`
/// ([`crate::evidence::search`]).
///
/// # Errors
/// As [`load`].
pub fn parse_in(
    path: &Path,
    text: &str,
    search: &EvidenceSearch,
) -> Result<ComparisonFile, CompareError> {
    let src = Source::new(path.display().to_string(), text);
    let raw: RawComparison = parse_toml(&src)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let root = FieldPath::root();
    let Some(base_file) = &raw.base else {
        // Where the file starts being a comparison: its first [[variants]].
        let at = src.locate(&root.key("variants"), Target::Key);
        return Err(ScenarioErrors(vec![src.error_at(
            at,
            "base",
            "a comparison file needs base = \"…\": this one has [[variants]] but no base",
            "expected base = \"SCENARIO.toml\" before the first [[variants]], the base scenario's path relative to this file",
        )])
        .into());
    };
    let mut errors: Vec<ScenarioError> = Vec::new();
    let base_path = dir.join(base_file);
    let base = match read_scenario(&base_path, "the base", search)? {
        Ok(m) => Some(m),
        Err((problem, valid)) => {
            errors.push(src.error(&root.key("base"), Target::Value, problem, valid));
            None
        }
    };
    let mut variants = Vec::new();
    let mut rules_paths: Vec<PathBuf> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let vp = root.key("variants").index(i);
        let changes_nothing = v.rules_from.is_none()
            && v.block_share.is_none()
            && v.tariff_scale.is_none()
            && v.set.is_empty()
            && v.block_schedule.is_none()
            && v.outcome_event.is_none()
            && v.scale_caps.is_none();
        if changes_nothing {
            errors.push(src.error_at(
                src.locate(&vp.key("name"), Target::Key),
                &vp.to_string(),
                format!(
                    "variant \"{}\" changes nothing: it has only a name{}",
                    v.name,
                    if v.description.is_some() {
                        " and a description"
                    } else {
                        ""
                    }
                ),
                "expected at least one of rules_from, block_share, tariff_scale or a [variants.set] field",
            ));
        }
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
        // A value as the file writes it, for errors (1e300, not its 301 digits).
        let written = |p: &FieldPath, value: f64| {
            src.text
                .get(src.locate(p, Target::Value))
                .filter(|t| !t.is_empty())
                .map_or_else(|| as_written(value), str::to_string)
        };
        let mut def = VariantDef {
            name: v.name.clone(),
            description: v.description.clone().unwrap_or_default(),
            ..VariantDef::default()
        };
        if let Some(file) = &v.rules_from {
            let p = dir.join(file);
            match read_scenario(&p, "rules_from", search)? {
                Err((problem, valid)) => err(vp.key("rules_from"), Target::Value, problem, &valid),
                Ok(m) => {
                    if let Err(why) = super::take_rules(base, &m) {
                        err(
                            vp.key("rules_from"),
                            Target::Value,
                            format!("{file} cannot lend its rules: {why}"),
                            "expected a scenario with the base's start month, parties and sites",
                        );
                    }
                    def.rules_from = Some((file.clone(), m));
                    if !rules_paths.contains(&p) {
                        rules_paths.push(p.clone());
                    }
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
                Ok(k) => match k.check_as(value, &written(&at, value)) {
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
            match Knob::TariffScale.check_as(s, &written(&vp.key("tariff_scale"), s)) {
                Ok(()) => def.set.push((Knob::TariffScale, s)),
                Err(e) => err(vp.key("tariff_scale"), Target::Value, e.problem, &e.valid),
            }
        }
        let mut structure = None;
        if let Some(b) = v.block_share {
            match Knob::BlockShare.check_as(b, &written(&vp.key("block_share"), b)) {
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
        rules_paths,
        feedback: raw.feedback.unwrap_or(true),
        base,
        variants,
    })
}

/// Read and validate the scenario at `path`, which a comparison file names as `what` (the base,
/// or a variant's `rules_from`). `Ok(Err((problem, valid)))` is the comparison file's problem, to
/// be located at the name: the file cannot be read, or it is a comparison file itself.
///
/// # Errors
/// The scenario's own errors, located in it.
fn read_scenario(
    path: &Path,
    what: &str,
    search: &EvidenceSearch,
) -> Result<Result<Model, (String, String)>, CompareError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Err((
                format!("cannot read {} ({e})", path.display()),
                "expected the path of a scenario file, relative to this file".into(),
            )))
        }
    };
    if is_comparison(&text) {
        return Ok(Err((
            format!("{} is a comparison file, not a scenario", path.display()),
            format!("expected the path of a scenario file: {what} must be a scenario, not another comparison"),
        )));
    }
    Ok(Ok(scenario::parse_scenario_in(
        &path.display().to_string(),
        &text,
        search,
    )?))
}

/// Options of a structure sweep or seek that the command line sets.
#[derive(Debug, Clone, Copy)]
pub struct StructureOptions {
    /// How the new blocks of block-share variants are paid (`--block-schedule`).
    pub schedule: Schedule,
    /// `None`: [`default_outcome_event`].
    pub outcome_event: Option<Event>,
    /// Whether money caps covering only scaled tariffs scale with them (`scale_caps`, `--no-scale-caps`).
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
        knob.check_on_as(x, v, model)
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

    /// The first line of `parse`'s error for comparison file `text` at `scenarios/NAME`.
    fn first_line(name: &str, text: &str) -> String {
        let path = scenarios().join(name);
        let msg = parse(&path, text).unwrap_err().to_string();
        msg.lines().next().unwrap_or_default().to_string()
    }

    #[test]
    fn a_comparison_file_needs_a_base_that_is_a_scenario() {
        let f = scenarios().join("c.toml").display().to_string();
        // [[variants]] but no base: a comparison file, told so (not "unknown field `variants`").
        let text = "name = \"x\"\n\n[[variants]]\nname = \"a\"\ntariff_scale = 2\n";
        assert!(is_comparison(text));
        assert_eq!(
            first_line("c.toml", text),
            format!("{f}:3:3: base: a comparison file needs base = \"…\": this one has [[variants]] but no base; expected base = \"SCENARIO.toml\" before the first [[variants]], the base scenario's path relative to this file")
        );
        // A base that is a comparison file (the bundled one).
        let text =
            "base = \"mhep1_structures.toml\"\n\n[[variants]]\nname = \"a\"\ntariff_scale = 2\n";
        assert_eq!(
            first_line("c.toml", text),
            format!("{f}:1:8: base: {} is a comparison file, not a scenario; expected the path of a scenario file: the base must be a scenario, not another comparison", scenarios().join("mhep1_structures.toml").display())
        );
        // And a rules_from that is one.
        let text = "base = \"mhep1.toml\"\n\n[[variants]]\nname = \"a\"\nrules_from = \"mhep1_structures.toml\"\n";
        assert_eq!(
            first_line("c.toml", text),
            format!("{f}:5:14: variants[0].rules_from: {} is a comparison file, not a scenario; expected the path of a scenario file: rules_from must be a scenario, not another comparison", scenarios().join("mhep1_structures.toml").display())
        );
    }

    #[test]
    fn a_variant_that_changes_nothing_is_refused_where_it_is() {
        let f = scenarios().join("c.toml").display().to_string();
        let text = "base = \"mhep1.toml\"\n\n[[variants]]\nname = \"same\"\ndescription = \"x\"\n\n[[variants]]\nname = \"fine\"\ntariff_scale = 1\n\n[[variants]]\nname = \"bare\"\n";
        let msg = parse(&scenarios().join("c.toml"), text)
            .unwrap_err()
            .to_string();
        let heads: Vec<&str> = msg.lines().filter(|l| l.starts_with(&f)).collect();
        assert_eq!(
            heads,
            [
                format!("{f}:4:1: variants[0]: variant \"same\" changes nothing: it has only a name and a description; expected at least one of rules_from, block_share, tariff_scale or a [variants.set] field"),
                format!("{f}:12:1: variants[2]: variant \"bare\" changes nothing: it has only a name; expected at least one of rules_from, block_share, tariff_scale or a [variants.set] field"),
            ]
        );
    }

    #[test]
    fn values_are_echoed_as_the_file_writes_them() {
        let f = scenarios().join("c.toml").display().to_string();
        let text = "base = \"mhep1.toml\"\n\n[[variants]]\nname = \"a\"\ntariff_scale = 1e300\n[variants.set]\n\"caps.sof_grant\" = 2E20\n";
        let msg = parse(&scenarios().join("c.toml"), text)
            .unwrap_err()
            .to_string();
        let heads: Vec<&str> = msg.lines().filter(|l| l.starts_with(&f)).collect();
        assert_eq!(
            heads,
            [
                format!("{f}:5:16: variants[0].tariff_scale: 1e300 is out of range; expected a number ≤ 1e12"),
                format!("{f}:7:20: variants[0].set.caps.sof_grant: 2E20 is out of range; expected a number ≤ 1e12"),
            ]
        );
        // A float TOML cannot hold (1e400) is still a comparison file, and TOML's own error is
        // reported where it is, not "unknown field `base`" from the scenario reader.
        let text = "base = \"mhep1.toml\"\n\n[[variants]]\nname = \"a\"\ntariff_scale = 1e400\n";
        assert!(is_comparison(text));
        assert_eq!(
            first_line("c.toml", text),
            format!("{f}:5:16: variants[0].tariff_scale: floating-point number overflowed")
        );
        assert!(!is_comparison("name = \"s\"\n[simulation]\nbase = 1e400\n"));
    }

    #[test]
    fn a_sweep_value_is_echoed_as_written() {
        assert_eq!(
            sweep_error("tariff_scale=1,1e400"),
            "invalid --sweep: tariff_scale=1e400: 1e400 is out of range; expected a number ≤ 1e12"
        );
        assert_eq!(
            sweep_error("finance.loan=4e5"),
            "invalid --sweep: finance.loan=4e5: a loan of £4e5 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)"
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
