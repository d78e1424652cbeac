//! Contract checks that depend on volumes, so need a simulation: a top-up payer's share of all
//! payments against its `max_share` (a top-up fund may pay at most 50% of all payments,
//! 001_91c39e34d7f8be68.txt §3.4.2).

use crate::engine::metrics::column;
use serde::Serialize;

use crate::analysis::TrialTable;
use crate::engine::work::{Total, Work};
use crate::engine::{run, RunOptions};
use crate::error::Error;
use crate::scenario::{self, Model};

/// Trials `sibsim validate` simulates for its contract checks.
pub const CHECK_TRIALS: u64 = 1_000;

/// Most memory, in bytes, `sibsim validate`'s `max_share` check may take (2 GB): a check, unlike a
/// run, is not asked for, so one that would take more is skipped with a note saying how to run it.
pub const MAX_CHECK_BYTES: f64 = 2e9;

/// What `sibsim validate`'s `max_share` check costs: [`CHECK_TRIALS`] trials of the scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckCost {
    /// Its work ([`crate::engine::work`]).
    pub work: Work,
    /// Its estimated memory, in bytes ([`crate::engine::runner::memory_estimate`]).
    pub memory: f64,
}

impl CheckCost {
    /// The cost of checking `model`.
    pub fn of(model: &Model) -> CheckCost {
        CheckCost {
            work: Work::of(model, CHECK_TRIALS),
            memory: crate::engine::runner::memory_estimate(model, CHECK_TRIALS),
        }
    }

    /// Why the check is skipped — beyond a day of CPU ([`crate::engine::work::MAX_CPU_SECONDS`])
    /// or [`MAX_CHECK_BYTES`] of memory — or `None` if it runs.
    pub fn skipped(&self) -> Option<String> {
        let total = Total::from(self.work);
        if total.is_refused() {
            Some(total.problem())
        } else if self.memory > MAX_CHECK_BYTES {
            Some(format!(
                "{} would need an estimated {:.1} GB of memory, beyond the check's limit of {:.0} GB",
                self.work.describe(),
                self.memory / 1e9,
                MAX_CHECK_BYTES / 1e9
            ))
        } else {
            None
        }
    }

    /// Whether the check runs and is long enough to warn about (beyond ten minutes of CPU).
    pub fn is_long(&self) -> bool {
        self.skipped().is_none() && self.work.is_long()
    }

    /// The warning before a long check on `threads` threads: its estimated CPU and wall time
    /// and memory, and what runs shorter.
    pub fn warning(&self, threads: usize) -> String {
        Total::from(self.work).warning(
            "max_share check",
            threads,
            &format!(
                "it takes an estimated {:.1} GB of memory; `sibsim run FILE --trials 100` checks max_share on fewer trials",
                self.memory / 1e9
            ),
        )
    }
}

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
    validate_announced(file, text, search, &mut |_| {})
}

/// [`validate_in`], calling `announce` with the cost of the `max_share` check before it runs
/// (only for a scenario that has one and runs it), so that a caller can warn about a long one.
/// A check beyond [`CheckCost::skipped`]'s limits is not run: a `contract check:` note says why
/// and how to check it instead.
///
/// # Errors
/// As [`validate`].
pub fn validate_announced(
    file: &str,
    text: &str,
    search: &crate::evidence::search::EvidenceSearch,
    announce: &mut dyn FnMut(&CheckCost),
) -> Result<Validation, Error> {
    let model = scenario::parse_scenario_in(file, text, search)?;
    let mut skipped = None;
    // The 50% rule depends on volumes: check it on a short simulation, if its cost is bounded.
    let shares = if model.parties.iter().any(|p| p.max_share.is_some()) {
        let cost = CheckCost::of(&model);
        skipped = cost.skipped();
        if skipped.is_none() {
            announce(&cost);
            let opts = RunOptions {
                trials: Some(CHECK_TRIALS),
                ..RunOptions::default()
            };
            share_checks(&model, &run(&model, &opts, &|_| {})?)
        } else {
            Vec::new()
        }
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
    if let Some(why) = skipped {
        notes.push(format!(
            "contract check: max_share not checked: {why}; `sibsim run {file} --trials 100` checks it on fewer trials (it warns when a party pays more than its max_share on average)"
        ));
    }
    for c in &shares {
        let line = format!(
            "{} pays {:.1}% of all payments on average (max_share {}%); above it in {:.1}% of {} simulated trials",
            c.party,
            c.mean_share * 100.0,
            c.max_share * 100.0,
            c.p_exceeded * 100.0,
            crate::report::terminal::group_thousands(&CHECK_TRIALS.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(sites: u64, memory: f64) -> CheckCost {
        CheckCost {
            work: Work {
                runs: 1,
                approx: false,
                trials: CHECK_TRIALS,
                horizon: 1_200,
                sites,
                payment_items: 2,
                copula_dim: 0,
            },
            memory,
        }
    }

    #[test]
    fn a_long_check_is_announced_with_its_time_and_memory() {
        // 1,000 × 1,200 × (300 + 1 + 2/100) = 361,224,000 units × 2 µs = 722.4 s: 12 minutes,
        // 6 on 2 threads; beyond the ten minutes that are warned about, within a day and 2 GB.
        let c = cost(300, 1.5e9);
        assert_eq!(c.skipped(), None);
        assert!(c.is_long());
        assert_eq!(
            c.warning(2),
            "this max_share check is long: 1,000 trials × 1,200 months × (300 sites + 1 + 2 payment items / 100) is an estimated 12 minutes of CPU time, about 6 minutes on 2 threads (docs/performance.md: the work estimate); it takes an estimated 1.5 GB of memory; `sibsim run FILE --trials 100` checks max_share on fewer trials"
        );
        // 200 sites: 481.6 s, not long.
        assert!(!cost(200, 1.0e9).is_long());
    }

    #[test]
    fn a_check_beyond_its_limits_is_skipped_saying_why() {
        assert_eq!(
            cost(300, 3.0e9).skipped().as_deref(),
            Some("1,000 trials × 1,200 months × (300 sites + 1 + 2 payment items / 100) would need an estimated 3.0 GB of memory, beyond the check's limit of 2 GB")
        );
        assert!(!cost(300, 3.0e9).is_long());
        // 40,000 sites: 1,000 × 1,200 × 40,001.02 × 2 µs = 96,002 s, 27 hours: beyond a day.
        assert_eq!(
            cost(40_000, 1.0).skipped().as_deref(),
            Some("1,000 trials × 1,200 months × (40,000 sites + 1 + 2 payment items / 100) is an estimated 27 hours of CPU time, beyond the limit of 24 hours")
        );
    }
}
