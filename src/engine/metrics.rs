//! The metrics a trial records, their stable names, and where each sits in a trial's row.
//!
//! A row holds, in order: the programme totals, each site's block, the payments, then the flags
//! (0/1 indicators summarised as probabilities). Names are a public contract (README, "Metric
//! names"): `engagements`, `site.<site>.engagements`, `payments.by_payer.<party>`, …
//!
//! The count block (per site and in total) is laid out from the one table of counts,
//! [`COUNTS`](crate::scenario::outputs::COUNTS), and filled from a month's events by what each
//! column counts, so that no offset of a count is written by hand.

use crate::scenario::outputs::{count_columns, CountColumn, Counted};
use crate::scenario::{Event, Model, Role};

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
    /// The columns of the count block (per site and in total), from
    /// [`COUNTS`](crate::scenario::outputs::COUNTS).
    pub counts: Vec<CountColumn>,
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
        let (count_names, counts): (Vec<String>, Vec<CountColumn>) =
            count_columns(model).into_iter().unzip();
        let mut metrics = count_names.clone();
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
            let names = count_names.iter().map(String::as_str);
            for name in names.chain(SITE_MONEY).chain(SITE_STATUS) {
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
            counts,
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
        column(&self.metrics, name)
    }
    /// Index in the count block of the total (both bands) of `counted`, if the model records it.
    pub fn count_of(&self, counted: Counted) -> Option<usize> {
        self.counts
            .iter()
            .position(|c| c.counted == counted && c.band.is_none())
    }
    /// Index in the count block of the total of `event`.
    ///
    /// # Panics
    /// If the model does not record `event` (every model records the events that are not
    /// optional).
    pub fn event_count(&self, event: Event) -> usize {
        self.count_of(Counted::Event(event))
            .expect("every model records its non-optional events")
    }
    /// Columns per count block.
    fn n_counts(&self) -> usize {
        self.counts.len()
    }
    /// Offset of programme total count `c` (index into [`Layout::counts`]).
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
        self.n_counts() + if k > money::LOWEST_CASH { k - 1 } else { k }
    }
    fn site_block(&self, s: usize) -> usize {
        self.site_base + s * (self.n_counts() + SITE_MONEY.len() + SITE_STATUS.len())
    }
    /// Offset of status figure `k` (index into [`SITE_STATUS`]) of site `s`.
    pub fn site_status(&self, s: usize, k: usize) -> usize {
        self.site_block(s) + self.n_counts() + SITE_MONEY.len() + k
    }
    /// Offset of the distress flag of site `s` (`None`: any site).
    pub fn distress_flag(&self, s: Option<usize>) -> usize {
        self.flag(self.status_flags + s.map_or(0, |s| 1 + s))
    }
    /// Offset of the termination flag of site `s` (`None`: any site).
    pub fn terminated_flag(&self, s: Option<usize>) -> usize {
        self.flag(self.status_flags + 1 + self.n_sites + s.map_or(0, |s| 1 + s))
    }
    /// Offset of count `c` (index into [`Layout::counts`]) of site `s`.
    pub fn site_count(&self, s: usize, c: usize) -> usize {
        self.site_block(s) + c
    }
    /// Offset of provider money `k` (index into [`SITE_MONEY`]) of site `s`.
    pub fn site_money(&self, s: usize, k: usize) -> usize {
        self.site_block(s) + self.n_counts() + k
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

/// The position of `name` in `names`: the one lookup of a column by name, for every table of
/// named columns (metrics, flags, inputs, series).
pub fn column<S: AsRef<str>>(names: &[S], name: &str) -> Option<usize> {
    names.iter().position(|n| n.as_ref() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load;
    use std::collections::HashSet;

    fn mhep1() -> Model {
        load(std::path::Path::new("scenarios/mhep1.toml")).expect("the bundled scenario loads")
    }

    #[test]
    fn names_are_unique_and_the_width_counts_them_all() {
        let model = mhep1();
        let l = Layout::new(&model);
        let all: Vec<&String> = l.metrics.iter().chain(&l.flags).collect();
        let unique: HashSet<&&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "a metric or flag name is repeated");
        assert_eq!(l.width(), l.metrics.len() + l.flags.len());
        assert_eq!(l.counts.len(), 21);
    }

    #[test]
    fn every_offset_names_the_metric_it_stands_for() {
        let model = mhep1();
        let l = Layout::new(&model);
        let name = |i: usize| -> &str {
            if i < l.metrics.len() {
                &l.metrics[i]
            } else {
                &l.flags[i - l.metrics.len()]
            }
        };
        for (s, site) in model.sites.iter().enumerate() {
            let p = format!("site.{}.", site.id);
            for (c, (n, _)) in count_columns(&model).iter().enumerate() {
                assert_eq!(name(l.total_count(c)), n);
                assert_eq!(name(l.site_count(s, c)), format!("{p}{n}"));
                assert_eq!(l.index_of(&format!("{p}{n}")), Some(l.site_count(s, c)));
            }
            for (k, n) in SITE_MONEY.iter().enumerate() {
                assert_eq!(name(l.site_money(s, k)), format!("{p}{n}"));
                if k != money::LOWEST_CASH {
                    assert_eq!(name(l.total_money(k)), *n);
                }
            }
            for (k, n) in SITE_STATUS.iter().enumerate() {
                assert_eq!(name(l.site_status(s, k)), format!("{p}{n}"));
            }
            assert_eq!(name(l.loss_flag(Some(s))), format!("{p}provider_loss"));
            assert_eq!(
                name(l.distress_flag(Some(s))),
                format!("{p}provider_distress")
            );
            assert_eq!(name(l.terminated_flag(Some(s))), format!("{p}terminated"));
        }
        for (p, party) in model.parties.iter().enumerate() {
            assert_eq!(
                name(l.by_payer(p)),
                format!("payments.by_payer.{}", party.id)
            );
            assert_eq!(
                name(l.by_payee(p)),
                format!("payments.by_payee.{}", party.id)
            );
        }
        for (r, rule) in model.rules.iter().enumerate() {
            assert_eq!(name(l.by_rule(r)), format!("payments.by_rule.{rule}"));
        }
        assert_eq!(name(l.due_after_horizon()), "payments.due_after_horizon");
        for (k, n) in FINANCE_METRICS.iter().enumerate() {
            assert_eq!(name(l.finance(k)), *n);
        }
        for (k, n) in FINANCE_FLAGS.iter().enumerate() {
            assert_eq!(name(l.finance_flag(k)), *n);
        }
        for (i, plan) in model.plan.iter().enumerate() {
            assert_eq!(name(l.plan_flag(i)), format!("plan.{}.met", plan.metric));
        }
        assert_eq!(l.window().end, l.metrics.len());
        assert!(l.metrics[l.window().start].starts_with("fy"));
        assert_eq!(l.index_of("no.such.metric"), None);
    }

    #[test]
    fn counts_of_events_are_found_by_what_they_count() {
        let l = Layout::new(&mhep1());
        assert_eq!(l.metrics[l.event_count(Event::JobStart)], "job_starts");
        assert_eq!(l.metrics[l.event_count(Event::Sustain26w)], "sustain_26w");
        let c = l.count_of(Counted::Claimable(Event::Sustain6w));
        assert_eq!(c.map(|c| l.metrics[c].as_str()), Some("claimable_6w"));
    }
}
