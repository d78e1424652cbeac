//! Contract checks that depend on volumes, so need a simulation: a top-up payer's share of all
//! payments against its `max_share` (a top-up fund may pay at most 50% of all payments,
//! 001_91c39e34d7f8be68.txt §3.4.2).

use crate::engine::metrics::column;
use serde::Serialize;

use crate::analysis::TrialTable;
use crate::engine::{run, RunOptions};
use crate::error::Error;
use crate::scenario::{self, Model};

/// Trials `sibsim validate` simulates for its contract checks.
pub const CHECK_TRIALS: u64 = 1_000;

/// The result of `sibsim validate` on a file that passed: what the scenario holds, and the notes
/// a designer should read (overlapping caps, correlations, `max_share` checks that passed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// The file as named by the caller.
    pub file: String,
    /// The scenario's name.
    pub scenario: String,
    /// Number of sites.
    pub sites: usize,
    /// Number of parties.
    pub parties: usize,
    /// Number of tariff lines.
    pub tariff_lines: usize,
    /// Number of blocks.
    pub blocks: usize,
    /// Number of caps.
    pub caps: usize,
    /// Number of plan figures.
    pub plan_figures: usize,
    /// The simulation horizon in months.
    pub months: u32,
    /// The first month simulated, `YYYY-MM`.
    pub start: String,
    /// Plausibility warnings ([`Model::warnings`]): values that are valid but look like a slip,
    /// each as `file:line:column: field: what it suspects; what to write`, then the line and a
    /// caret under the value.
    pub warnings: Vec<String>,
    /// One line each, prefixed by what it is about (`contract note:`, `correlation:`,
    /// `contract check:`), in that order.
    pub notes: Vec<String>,
    /// Every party with a `max_share`, checked on [`CHECK_TRIALS`] simulated trials.
    pub shares: Vec<ShareCheck>,
}

/// Validates scenario text `text` read from `file`, and checks its contract rules that depend on
/// volumes (a party's `max_share`) on a short simulation of [`CHECK_TRIALS`] trials.
///
/// # Errors
/// [`Error::InvalidScenario`] for a file that is not a valid scenario; [`Error::ContractCheck`]
/// when a party pays more than its `max_share` on average, located at that field.
pub fn validate(file: &str, text: &str) -> Result<Validation, Error> {
    validate_in(file, text, &crate::evidence::search::EvidenceSearch::new())
}

/// [`validate`], the scenario's evidence library found by `search` ([`crate::evidence::search`]).
///
/// # Errors
/// As [`validate`].
pub fn validate_in(
    file: &str,
    text: &str,
    search: &crate::evidence::search::EvidenceSearch,
) -> Result<Validation, Error> {
    let model = scenario::parse_scenario_in(file, text, search)?;
    // The 50% rule depends on volumes: check it on a short simulation.
    let shares = if model.parties.iter().any(|p| p.max_share.is_some()) {
        let opts = RunOptions {
            trials: Some(CHECK_TRIALS),
            ..RunOptions::default()
        };
        share_checks(&model, &run(&model, &opts, &|_| {})?)
    } else {
        Vec::new()
    };
    let mut errors = Vec::new();
    let mut notes: Vec<String> = cap_overlap_notes(&model)
        .into_iter()
        .map(|n| format!("contract note: {n}"))
        .collect();
    if let Some(c) = &model.copula {
        for (what, rho, rank) in &c.pairs {
            notes.push(format!(
                "correlation: {what}: {rho} between the underlying normals, a rank correlation of {rank:.3} between the inputs"
            ));
        }
    }
    for c in &shares {
        let line = format!(
            "{} pays {:.1}% of all payments on average (max_share {}%); above it in {:.1}% of {} simulated trials",
            c.party,
            c.mean_share * 100.0,
            c.max_share * 100.0,
            c.p_exceeded * 100.0,
            CHECK_TRIALS
        );
        if c.breached() {
            errors.push(scenario::field_error(
                file,
                text,
                &["parties", &c.party, "max_share"],
                line,
                "expected the contract's tariffs and caps to keep this party within its max_share on average",
            ));
        } else {
            notes.push(format!("contract check: {line}"));
        }
    }
    if !errors.is_empty() {
        return Err(Error::ContractCheck(errors));
    }
    Ok(Validation {
        file: file.to_owned(),
        scenario: model.name.clone(),
        sites: model.sites.len(),
        parties: model.parties.len(),
        tariff_lines: model.tariffs.len(),
        blocks: model.blocks.len(),
        caps: model.caps.len(),
        plan_figures: model.plan.len(),
        months: model.settings.horizon,
        start: model.settings.start.to_string(),
        warnings: model.warnings.iter().map(ToString::to_string).collect(),
        notes,
        shares,
    })
}

/// One party's share of all payments against its `max_share`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareCheck {
    /// The party's identifier.
    pub party: String,
    /// Its `max_share`, as a fraction.
    pub max_share: f64,
    /// Mean over trials of the party's share of all payments.
    pub mean_share: f64,
    /// Share of trials in which it paid more than its `max_share`.
    pub p_exceeded: f64,
}

impl ShareCheck {
    /// The contract breaks the rule on average, not just in some trials.
    pub fn breached(&self) -> bool {
        self.mean_share > self.max_share
    }
}

/// The share checks of every party with a `max_share`, from a finished run.
pub fn share_checks(model: &Model, table: &TrialTable) -> Vec<ShareCheck> {
    let mean = |name: &str, flags: bool| {
        let names = if flags {
            &table.flag_names
        } else {
            &table.metric_names
        };
        column(names, name).map(|j| {
            let col = if flags {
                table.flag_column(j)
            } else {
                table.metric_column(j)
            };
            col.iter().sum::<f64>() / col.len().max(1) as f64
        })
    };
    model
        .parties
        .iter()
        .filter_map(|p| {
            let max_share = p.max_share?;
            Some(ShareCheck {
                party: p.id.clone(),
                max_share,
                mean_share: mean(&format!("payments.share.{}", p.id), false)?,
                p_exceeded: mean(&format!("max_share.{}.exceeded", p.id), true)?,
            })
        })
        .collect()
}

/// Caps that overlap without nesting, or count and money caps on the same tariff: with such caps a
/// contract paid first come, first served can pay *less* after an extra event, which uses up two
/// budgets at once (an early event at one site takes the contract's last places and also part of
/// its own site's money). That is the contract's own arithmetic, which sibsim reproduces; these
/// notes tell the user where it can happen. With caps that nest — each cap's tariffs and scope
/// inside another's — and count caps apart from money caps, payments never fall as events rise.
pub fn cap_overlap_notes(model: &Model) -> Vec<String> {
    use crate::scenario::{CapScope, Limit};
    let rank = |s: CapScope| match s {
        CapScope::SiteYear => 0,
        CapScope::Site => 1,
        CapScope::Contract => 2,
    };
    let lines = |c: usize| -> Vec<usize> {
        (0..model.tariffs.len())
            .filter(|&i| model.tariffs[i].caps.contains(&c))
            .collect()
    };
    let mut notes = Vec::new();
    for a in 0..model.caps.len() {
        for b in a + 1..model.caps.len() {
            let (la, lb) = (lines(a), lines(b));
            let shared: Vec<usize> = la.iter().copied().filter(|i| lb.contains(i)).collect();
            let Some(&line) = shared.first() else {
                continue;
            };
            let (ca, cb) = (&model.caps[a], &model.caps[b]);
            let count_and_money =
                matches!(ca.limit, Limit::Events(_)) != matches!(cb.limit, Limit::Events(_));
            let a_in_b = shared.len() == la.len() && rank(ca.per) <= rank(cb.per);
            let b_in_a = shared.len() == lb.len() && rank(cb.per) <= rank(ca.per);
            if count_and_money || !(a_in_b || b_in_a) {
                notes.push(format!(
                    "caps {} and {} both cover tariff {} without one nesting in the other{}: an extra event can use up both, so more events may pay less (first come, first served)",
                    ca.name,
                    cb.name,
                    model.rules[model.tariffs[line].rule],
                    if count_and_money { " (one counts events, the other money)" } else { "" }
                ));
            }
        }
    }
    notes
}
