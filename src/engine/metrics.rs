//! The metrics a trial records, their stable names, and where each sits in a trial's row.
//!
//! A row holds, in order: the programme totals, each site's block, the payments, then the flags
//! (0/1 indicators summarised as probabilities). Names are a public contract (README, "Metric
//! names"): `engagements`, `site.<site>.engagements`, `payments.by_payer.<party>`, …

use crate::scenario::{Model, Role};

/// Outcome counts recorded per site and in total. Band-split counts come as a triple: the total,
/// then `.lt16`, then `.ge16`.
pub const COUNT_NAMES: [&str; 21] = [
    "referrals",
    "referrals_declined",
    "referrals_lost",
    "engagements",
    "job_starts",
    "job_starts.lt16",
    "job_starts.ge16",
    "sustain_6w",
    "sustain_6w.lt16",
    "sustain_6w.ge16",
    "sustain_26w",
    "sustain_26w.lt16",
    "sustain_26w.ge16",
    "claimable_6w",
    "claimable_6w.lt16",
    "claimable_6w.ge16",
    "claimable_26w",
    "claimable_26w.lt16",
    "claimable_26w.ge16",
    "hires",
    "es_in_post_months",
];

/// Offsets of the counts in [`COUNT_NAMES`].
pub mod count {
    pub const REFERRALS: usize = 0;
    pub const REFERRALS_DECLINED: usize = 1;
    pub const REFERRALS_LOST: usize = 2;
    pub const ENGAGEMENTS: usize = 3;
    /// Triples: total, lt16, ge16.
    pub const JOB_STARTS: usize = 4;
    pub const SUSTAIN_6W: usize = 7;
    pub const SUSTAIN_26W: usize = 10;
    pub const CLAIMABLE_6W: usize = 13;
    pub const CLAIMABLE_26W: usize = 16;
    pub const HIRES: usize = 19;
    pub const ES_IN_POST_MONTHS: usize = 20;
    pub const N: usize = 21;
}

/// Provider money per site: income, cost, margin (income − cost), lowest cash balance, and the
/// income split into blocks and per-event payments with the block share of it.
pub const SITE_MONEY: [&str; 7] = [
    "provider.income",
    "provider.cost",
    "provider.margin",
    "provider.lowest_cash",
    "provider.income_block",
    "provider.income_events",
    "provider.block_share",
];
/// Offsets in [`SITE_MONEY`].
pub mod money {
    pub const INCOME: usize = 0;
    pub const COST: usize = 1;
    pub const MARGIN: usize = 2;
    pub const LOWEST_CASH: usize = 3;
    pub const INCOME_BLOCK: usize = 4;
    pub const INCOME_EVENTS: usize = 5;
    pub const BLOCK_SHARE: usize = 6;
}

/// Per-site status figures (no programme total): months the site delivered (fewer than planned
/// if it was terminated) and months its provider spent in distress.
pub const SITE_STATUS: [&str; 2] = ["months_delivered", "provider.months_in_distress"];

/// The investor's and SPV's figures, when the scenario has `[finance]`.
pub const FINANCE_METRICS: [&str; 8] = [
    "investor.invested",
    "investor.returned",
    "investor.interest",
    "investor.multiple",
    "investor.irr",
    "spv.costs",
    "spv.shortfall",
    "spv.unfunded_end",
];
/// Offsets in [`FINANCE_METRICS`].
pub mod finance {
    pub const INVESTED: usize = 0;
    pub const RETURNED: usize = 1;
    pub const INTEREST: usize = 2;
    pub const MULTIPLE: usize = 3;
    pub const IRR: usize = 4;
    pub const SPV_COSTS: usize = 5;
    pub const SHORTFALL: usize = 6;
    pub const UNFUNDED_END: usize = 7;
}
/// The investor's and SPV's flags.
pub const FINANCE_FLAGS: [&str; 4] = [
    "investor.capital_loss",
    "investor.irr_undefined",
    "investor.irr_multiple",
    "spv.default",
];

/// Where every metric of one scenario sits in a trial row.
#[derive(Debug, Clone)]
pub struct Layout {
    pub metrics: Vec<String>,
    pub flags: Vec<String>,
    site_base: usize,
    payments_base: usize,
    n_parties: usize,
    n_rules: usize,
    /// Parties with a `max_share`, in order, and where their shares sit.
    capped_parties: Vec<usize>,
    shares_base: usize,
    caps_base: usize,
    /// Flag offsets.
    plan_flags: usize,
    cap_flags: usize,
    share_flags: usize,
    status_flags: usize,
    n_sites: usize,
    /// Commissioners and outcome payers, in party order, and where their figures sit.
    pub payers: Vec<usize>,
    payers_base: usize,
    /// Parties with a budget, in party order.
    pub budgeted: Vec<usize>,
    budget_base: usize,
    budget_flags: usize,
    finance_base: usize,
    finance_flags: usize,
    /// Where the financial-year metrics ([`crate::engine::record`]) start.
    window_base: usize,
}

impl Layout {
    pub fn new(model: &Model) -> Layout {
        let mut metrics: Vec<String> = COUNT_NAMES.iter().map(|s| s.to_string()).collect();
        // Programme totals of provider money: every per-site figure but the lowest cash, which
        // is a per-site balance.
        metrics.extend(
            SITE_MONEY
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != money::LOWEST_CASH)
                .map(|(_, s)| s.to_string()),
        );
        let site_base = metrics.len();
        for site in &model.sites {
            for name in COUNT_NAMES.iter().chain(&SITE_MONEY).chain(&SITE_STATUS) {
                metrics.push(format!("site.{}.{name}", site.id));
            }
        }
        let payments_base = metrics.len();
        metrics.push("payments.total".into());
        for p in &model.parties {
            metrics.push(format!("payments.by_payer.{}", p.id));
        }
        for p in &model.parties {
            metrics.push(format!("payments.by_payee.{}", p.id));
        }
        for r in &model.rules {
            metrics.push(format!("payments.by_rule.{r}"));
        }
        metrics.push("payments.due_after_horizon".into());
        let shares_base = metrics.len();
        let capped_parties: Vec<usize> = (0..model.parties.len())
            .filter(|&p| model.parties[p].max_share.is_some())
            .collect();
        for &p in &capped_parties {
            metrics.push(format!("payments.share.{}", model.parties[p].id));
        }
        let caps_base = metrics.len();
        for c in &model.caps {
            metrics.push(format!("caps.{}.used", c.name));
            metrics.push(format!("caps.{}.utilisation", c.name));
        }
        let payers: Vec<usize> = (0..model.parties.len())
            .filter(|&p| {
                matches!(
                    model.parties[p].role,
                    Role::Commissioner | Role::OutcomePayer
                )
            })
            .collect();
        let payers_base = metrics.len();
        metrics.push("commissioning.cost_per_job_start".into());
        metrics.push("commissioning.cost_per_sustained_job".into());
        for &p in &payers {
            let id = &model.parties[p].id;
            metrics.push(format!("commissioning.{id}.cost_per_job_start"));
            metrics.push(format!("commissioning.{id}.cost_per_sustained_job"));
        }
        let budgeted: Vec<usize> = (0..model.parties.len())
            .filter(|&p| model.parties[p].budget.is_some())
            .collect();
        let budget_base = metrics.len();
        for &p in &budgeted {
            metrics.push(format!(
                "commissioning.{}.spend_vs_budget",
                model.parties[p].id
            ));
        }
        let finance_base = metrics.len();
        if model.finance.is_some() {
            metrics.extend(FINANCE_METRICS.iter().map(|s| s.to_string()));
        }
        // Last, so that every other metric keeps its place.
        let window_base = metrics.len();
        metrics.extend(crate::engine::record::window_metric_names(model));

        let mut flags = vec!["provider_loss".to_string()];
        for site in &model.sites {
            flags.push(format!("site.{}.provider_loss", site.id));
        }
        let plan_flags = flags.len();
        for plan in &model.plan {
            flags.push(format!("plan.{}.met", plan.metric));
        }
        let cap_flags = flags.len();
        for c in &model.caps {
            flags.push(format!("caps.{}.binds", c.name));
        }
        let share_flags = flags.len();
        for &p in &capped_parties {
            flags.push(format!("max_share.{}.exceeded", model.parties[p].id));
        }
        let budget_flags = flags.len();
        for &p in &budgeted {
            flags.push(format!("commissioning.{}.over_budget", model.parties[p].id));
        }
        let finance_flags = flags.len();
        if model.finance.is_some() {
            flags.extend(FINANCE_FLAGS.iter().map(|s| s.to_string()));
        }
        let status_flags = flags.len();
        for what in ["provider_distress", "terminated"] {
            flags.push(what.to_string());
            for site in &model.sites {
                flags.push(format!("site.{}.{what}", site.id));
            }
        }
        Layout {
            metrics,
            flags,
            site_base,
            payments_base,
            n_parties: model.parties.len(),
            n_rules: model.rules.len(),
            capped_parties,
            shares_base,
            caps_base,
            plan_flags,
            cap_flags,
            share_flags,
            status_flags,
            n_sites: model.sites.len(),
            payers,
            payers_base,
            budgeted,
            budget_base,
            budget_flags,
            finance_base,
            finance_flags,
            window_base,
        }
    }

    pub fn metric_names(&self) -> Vec<String> {
        self.metrics.clone()
    }
    /// Values per row: metrics then flags.
    pub fn width(&self) -> usize {
        self.metrics.len() + self.flags.len()
    }
    /// Index of a metric by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m == name)
    }
    /// Offset of programme total count `c`.
    pub fn total_count(&self, c: usize) -> usize {
        c
    }
    /// Offset of programme provider money `k` (index into [`SITE_MONEY`], not the lowest cash).
    pub fn total_money(&self, k: usize) -> usize {
        debug_assert_ne!(
            k,
            money::LOWEST_CASH,
            "the lowest cash has no programme total"
        );
        count::N + if k > money::LOWEST_CASH { k - 1 } else { k }
    }
    fn site_block(&self, s: usize) -> usize {
        self.site_base + s * (count::N + SITE_MONEY.len() + SITE_STATUS.len())
    }
    /// Offset of status figure `k` (index into [`SITE_STATUS`]) of site `s`.
    pub fn site_status(&self, s: usize, k: usize) -> usize {
        self.site_block(s) + count::N + SITE_MONEY.len() + k
    }
    /// Offset of the distress flag of site `s` (`None`: any site).
    pub fn distress_flag(&self, s: Option<usize>) -> usize {
        self.flag(self.status_flags + s.map_or(0, |s| 1 + s))
    }
    /// Offset of the termination flag of site `s` (`None`: any site).
    pub fn terminated_flag(&self, s: Option<usize>) -> usize {
        self.flag(self.status_flags + 1 + self.n_sites + s.map_or(0, |s| 1 + s))
    }
    /// Offset of count `c` of site `s`.
    pub fn site_count(&self, s: usize, c: usize) -> usize {
        self.site_block(s) + c
    }
    /// Offset of provider money `k` (index into [`SITE_MONEY`]) of site `s`.
    pub fn site_money(&self, s: usize, k: usize) -> usize {
        self.site_block(s) + count::N + k
    }
    pub fn payments_total(&self) -> usize {
        self.payments_base
    }
    pub fn by_payer(&self, p: usize) -> usize {
        self.payments_base + 1 + p
    }
    pub fn by_payee(&self, p: usize) -> usize {
        self.payments_base + 1 + self.n_parties + p
    }
    pub fn by_rule(&self, r: usize) -> usize {
        self.payments_base + 1 + 2 * self.n_parties + r
    }
    pub fn due_after_horizon(&self) -> usize {
        self.by_rule(self.n_rules)
    }
    /// Parties with a `max_share` and the offsets of their share metric and exceeded flag.
    pub fn capped_parties(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.capped_parties
            .iter()
            .enumerate()
            .map(|(k, &p)| (p, self.shares_base + k, self.flag(self.share_flags + k)))
    }
    /// Offsets of cap `c`'s used and utilisation metrics and its binds flag.
    pub fn cap(&self, c: usize) -> (usize, usize, usize) {
        let base = self.caps_base + 2 * c;
        (base, base + 1, self.flag(self.cap_flags + c))
    }
    /// Offsets of the overall cost per job start and per sustained job.
    pub fn commissioning_overall(&self) -> (usize, usize) {
        (self.payers_base, self.payers_base + 1)
    }
    /// Offsets of payer `k`'s (index into [`Layout::payers`]) cost per job start and per
    /// sustained job.
    pub fn commissioning(&self, k: usize) -> (usize, usize) {
        let base = self.payers_base + 2 + 2 * k;
        (base, base + 1)
    }
    /// Offsets of budgeted party `k`'s (index into [`Layout::budgeted`]) spend against budget and
    /// over-budget flag.
    pub fn budget(&self, k: usize) -> (usize, usize) {
        (self.budget_base + k, self.flag(self.budget_flags + k))
    }
    /// Offset of finance metric `k` (index into [`FINANCE_METRICS`]).
    pub fn finance(&self, k: usize) -> usize {
        self.finance_base + k
    }
    /// Offset of finance flag `k` (index into [`FINANCE_FLAGS`]).
    pub fn finance_flag(&self, k: usize) -> usize {
        self.flag(self.finance_flags + k)
    }
    /// Offsets of the financial-year metrics, the last of the metrics.
    pub fn window(&self) -> std::ops::Range<usize> {
        self.window_base..self.metrics.len()
    }
    /// Offset (in the row) of flag `f`.
    pub fn flag(&self, f: usize) -> usize {
        self.metrics.len() + f
    }
    /// Offset of the loss flag of site `s` (`None`: any site).
    pub fn loss_flag(&self, s: Option<usize>) -> usize {
        self.flag(s.map_or(0, |s| 1 + s))
    }
    /// Offset of the flag of plan figure `i`.
    pub fn plan_flag(&self, i: usize) -> usize {
        self.flag(self.plan_flags + i)
    }
}
