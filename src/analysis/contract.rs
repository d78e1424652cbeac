//! Contract checks that depend on volumes, so need a simulation: a top-up payer's share of all
//! payments against its `max_share` (a top-up fund may pay at most 50% of all payments,
//! 001_91c39e34d7f8be68.txt §3.4.2).

use crate::analysis::TrialTable;
use crate::scenario::Model;

/// Trials `sibsim validate` simulates for its contract checks.
pub const CHECK_TRIALS: u64 = 1_000;

/// One party's share of all payments against its `max_share`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareCheck {
    pub party: String,
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
        names.iter().position(|n| n == name).map(|j| {
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
