//! What the validation unit tests share: a small valid scenario to edit, and the problems
//! [`crate::scenario::parse_scenario`] finds in a text, as the headlines a user reads.

use crate::scenario::{parse_scenario, Model};

/// A minimal valid scenario: one commissioner, one provider, one site, one tariff. Tests append
/// tables to it or replace one of its lines.
pub(crate) const BASE: &str = r#"name = "unit"

[simulation]
trials = 100
horizon_months = 24
start = "2030-01"

[parties.council]
role = "commissioner"

[parties.charity]
role = "provider"

[sites.only]
provider = "charity"
commissioner = "council"
start = "2030-01"
end = "2031-12"

[sites.only.delivery]
referrals_per_month = 30
p_engage = 0.6
caseload_per_es = 100
excess_referrals = "lost"
p_job_start = 0.3
time_to_job_months = 3
months_on_caseload_without_job = 4
share_ge16 = 0.75
p_6w = 0.7
p_26w = 0.5
p_evidence = 0.8

[sites.only.staffing]
es_posts = 10
turnover_per_month = 0
months_to_fill = 2

[sites.only.costs]
es_salary = 24000
on_cost_rate = 0.25

[[tariffs]]
name = "per_engagement"
payer = "site.commissioner"
payee = "site.provider"
event = "engagement"
amount = 100
"#;

/// [`BASE`] with the line `line` replaced by `by` (panics if `line` is not one of its lines, so a
/// test cannot silently edit nothing).
pub(super) fn edit(line: &str, by: &str) -> String {
    assert!(
        BASE.lines().any(|l| l == line),
        "no line {line:?} in the base scenario"
    );
    BASE.lines()
        .map(|l| if l == line { by } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// [`BASE`] with `tables` appended.
pub(super) fn with(tables: &str) -> String {
    format!("{BASE}\n{tables}")
}

/// The validated model of `text`, panicking with the problems if it is refused.
pub(super) fn accept(text: &str) -> Model {
    match parse_scenario("unit.toml", text) {
        Ok(model) => model,
        Err(e) => panic!("refused: {:#?}", headlines(&e)),
    }
}

/// The headlines (`file:line:column: field: problem; valid`) of every problem found in `text`.
pub(super) fn refuse(text: &str) -> Vec<String> {
    match parse_scenario("unit.toml", text) {
        Ok(_) => panic!("accepted a scenario that should be refused"),
        Err(e) => headlines(&e),
    }
}

pub(super) fn headlines(e: &crate::error::ScenarioErrors) -> Vec<String> {
    e.0.iter().map(|e| e.headline()).collect()
}
