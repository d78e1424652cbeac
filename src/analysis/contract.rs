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
