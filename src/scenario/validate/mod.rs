//! Scenario text → [`Model`], or every problem found, each at `file:line:column`.
//!
//! Two passes: serde (via `serde_path_to_error`, so a type error knows its field) turns the text into
//! [`RawScenario`] and stops at the first structural problem (syntax, unknown or missing field,
//! wrong type); then the semantic checks run over the whole file and report every problem they
//! find. Nothing is simulated unless both passes succeed.
//!
//! The checks are one `Validator` whose methods are spread by concern, one file per part of the
//! file format: `settings.rs` (`[simulation]`, parties, months), `sites.rs` (sites, their inputs,
//! distress and termination), `evidence.rs` (inputs given as `dist = "evidence"`), `contract.rs`
//! (tariffs and their pricing), `caps.rs`, `blocks.rs` (blocks, on-account, variations),
//! `finance.rs`, `correlation.rs` and `plan.rs` (plan figures and actuals). This file holds the
//! entry points and the walk over the whole scenario (`Validator::model`), whose order fixes which
//! checks can see which results.

use crate::error::{ScenarioError, ScenarioErrors};
use crate::scenario::model::*;
use crate::scenario::raw::*;
use crate::span::{parse_toml, FieldPath, Source, Target};

mod blocks;
mod caps;
mod contract;
mod correlation;
mod evidence;
mod finance;
mod plan;
mod plausible;
mod settings;
mod sites;
#[cfg(test)]
pub(crate) mod test_util;

pub use evidence::{uses_evidence, Evidence};
pub use plausible::{
    MAX_PLAUSIBLE_ON_COST_RATE, MAX_PLAUSIBLE_TURNOVER, MIN_PLAUSIBLE_BLOCK, MIN_PLAUSIBLE_SALARY,
    MIN_PLAUSIBLE_TARIFF,
};

/// Trials when neither the file nor a flag says.
pub const DEFAULT_TRIALS: u64 = 10_000;
/// Seed when neither the file nor a flag says.
pub const DEFAULT_SEED: u64 = 1;

/// Parse and validate a scenario held in memory; `file` names it in error messages, and
/// `{ dist = "evidence" }` inputs are resolved from `evidence`.
///
/// [`crate::scenario::parse_scenario`] does the same with the library found beside the file.
///
/// # Errors
/// Every problem found, sorted by position in the file.
pub fn parse_scenario_with(
    file: &str,
    text: &str,
    evidence: Evidence<'_>,
) -> Result<Model, ScenarioErrors> {
    let src = Source::new(file, text);
    let raw: RawScenario = parse_toml(&src)?;
    check(&src, &raw, evidence)
}

/// An error about the field at `keys` (e.g. `["parties", "sof", "max_share"]`) of scenario `text`.
pub fn field_error(
    file: &str,
    text: &str,
    keys: &[&str],
    problem: impl Into<String>,
    valid: impl Into<String>,
) -> ScenarioError {
    let path = keys.iter().fold(FieldPath::root(), |p, k| p.key(k));
    Source::new(file, text).error(&path, Target::Value, problem, valid)
}

/// Validate a scenario built in code (see `examples/`), resolving `{ dist = "evidence" }` inputs
/// from `evidence`; errors name the field but no position.
///
/// # Errors
/// Every problem found.
pub fn validate_raw_with(
    label: &str,
    raw: &RawScenario,
    evidence: Evidence<'_>,
) -> Result<Model, ScenarioErrors> {
    check(&Source::new(label, ""), raw, evidence)
}

/// Validate `raw`, read from `src`: every problem found, sorted by position and without repeats.
pub(crate) fn check<'s>(
    src: &'s Source<'_>,
    raw: &RawScenario,
    evidence: Evidence<'s>,
) -> Result<Model, ScenarioErrors> {
    let mut v = Validator {
        src,
        errors: Vec::new(),
        rules: Vec::new(),
        rule_sets: vec!["base".to_string()],
        evidence,
        unknown_roles: Vec::new(),
        sites_dropped: false,
        tariffs_refused: false,
        warnings: Vec::new(),
    };
    let model = v.model(raw);
    let mut errors = v.errors;
    if errors.is_empty() {
        if let Some(mut model) = model {
            // The work of the file's own trials, bounded up front (crate::engine::work).
            let work = crate::engine::work::Work::of(&model, model.settings.trials);
            if !work.is_refused() {
                model.warnings = v.warnings;
                model.warnings.sort_by_key(|w| (w.line, w.column));
                return Ok(model);
            }
            let (problem, valid) = work.refusal();
            errors.push(src.error(
                &FieldPath::root().key("simulation").key("trials"),
                Target::Value,
                problem,
                valid,
            ));
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    errors.dedup();
    Err(ScenarioErrors(errors))
}

/// The state of one validation: the problems found so far and the names handed out so far.
struct Validator<'s, 'a> {
    src: &'s Source<'a>,
    errors: Vec<ScenarioError>,
    /// Names of the payment rules so far (tariffs, then blocks): the model's `rules`.
    rules: Vec<String>,
    /// Rule set names so far; `"base"` first.
    rule_sets: Vec<String>,
    /// Where `{ dist = "evidence" }` inputs are resolved from.
    evidence: Evidence<'s>,
    /// Parties whose role is unknown (reported once, at the role): a reference to one that needs
    /// a role is not reported again.
    unknown_roles: Vec<String>,
    /// Whether a site was refused (its own errors reported): what would have applied at it —
    /// tariff lines, the tariffs a payer pays — is missing, and no error says so again.
    sites_dropped: bool,
    /// Whether a tariff was refused (its own errors reported): its lines are missing likewise.
    tariffs_refused: bool,
    /// Values that are valid but look like a slip ([`plausible`]), located like errors.
    warnings: Vec<ScenarioError>,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const ID_RULE: &str =
    "expected an identifier of letters, digits, '_' or '-' (it becomes part of metric names)";

fn fmt_num(x: f64) -> String {
    if x == f64::INFINITY {
        "∞".into()
    } else if x == f64::NEG_INFINITY {
        "-∞".into()
    } else if x.abs() >= 1e9 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Validator<'_, '_> {
    fn err(
        &mut self,
        path: &FieldPath,
        target: Target,
        problem: impl Into<String>,
        valid: impl Into<String>,
    ) {
        let e = self.src.error(path, target, problem, valid);
        self.errors.push(e);
    }

    fn model(&mut self, raw: &RawScenario) -> Option<Model> {
        let root = FieldPath::root();
        if raw.name.trim().is_empty() {
            self.err(
                &root.key("name"),
                Target::Value,
                "the scenario name is empty",
                "expected a short name such as \"MHEP 1\"",
            );
        }
        let settings = self.settings(&raw.simulation, &root.key("simulation"));
        let parties = self.parties(&raw.parties, &root.key("parties"));
        let sites = match &settings {
            Some(s) => self.sites(raw, &parties, s),
            None => Vec::new(),
        };
        let (mut tariffs, blocks, variations) = match &settings {
            Some(s) => {
                let before = self.errors.len();
                let tariffs = self.tariffs(raw, &parties, &sites, s);
                self.tariffs_refused = self.errors.len() > before;
                let blocks = self.blocks(raw, &parties, &sites, s, &tariffs);
                let variations = self.variations(raw, &sites, s);
                (tariffs, blocks, variations)
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let caps = if settings.is_some() {
            self.caps(raw, &parties, &mut tariffs)
        } else {
            Vec::new()
        };
        let finance = match (&raw.finance, &settings) {
            (Some(f), Some(s)) => self.finance(f, &parties, s),
            _ => None,
        };
        let rules = std::mem::take(&mut self.rules);
        let rule_sets = std::mem::take(&mut self.rule_sets);
        let settings = settings?;
        if !self.errors.is_empty() {
            return None;
        }
        let mut model = Model {
            name: raw.name.trim().to_string(),
            description: raw.description.clone().unwrap_or_default(),
            settings,
            parties,
            sites,
            rules,
            tariffs,
            blocks,
            caps,
            rule_sets,
            variations,
            finance,
            plan: Vec::new(),
            actuals: Vec::new(),
            copula: None,
            warnings: Vec::new(),
        };
        if let Some(c) = &raw.correlation {
            model.copula = self.copula(c, &model);
        }
        model.plan = self.plan(raw, &model);
        model.actuals = self.actuals(raw, &model);
        self.plausibility(raw, &model);
        Some(model)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;

    #[test]
    fn the_base_scenario_is_accepted() {
        let model = accept(BASE);
        assert_eq!(model.name, "unit");
        assert_eq!((model.sites.len(), model.tariffs.len()), (1, 1));
        assert_eq!(model.rules, ["per_engagement"]);
    }

    #[test]
    fn an_empty_name_and_an_unknown_field_are_refused() {
        assert_eq!(refuse(&edit(r#"name = "unit""#, r#"name = " ""#)), ["unit.toml:1:8: name: the scenario name is empty; expected a short name such as \"MHEP 1\""]);
        assert_eq!(refuse(&edit(r#"name = "unit""#, "name = \"unit\"\ncolour = \"blue\"")),
            ["unit.toml:2:1: colour: unknown field `colour`; expected one of `name`, `description`, `simulation`, `parties`, `sites`, `tariffs`, `blocks`, `caps`, `variations`, `plan`, `finance`, `actuals`, `correlation`"]
        );
    }
}
