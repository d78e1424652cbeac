//! The metrics a trial records, their stable names, and where each sits in a trial's row.
//!
//! A row holds, in order: the programme totals, each site's block, the payments, then the flags
//! (0/1 indicators summarised as probabilities). Names are a public contract (README, "Metric
//! names"): `engagements`, `site.<site>.engagements`, `payments.by_payer.<party>`, …
//!
//! The count block (per site and in total) is laid out from the one table of counts,
//! [`COUNTS`](crate::scenario::outputs::COUNTS), and filled from a month's events by what each
//! column counts, so that no offset of a count is written by hand.

use crate::scenario::outputs::{Counted, MetricNames};
use crate::scenario::{Event, Model};

pub use crate::scenario::outputs::{
    column, finance, money, FINANCE_FLAGS, FINANCE_METRICS, SITE_MONEY, SITE_STATUS,
};

/// Where every metric of one scenario sits in a trial row: the names from the catalogue
/// ([`MetricNames`]), and offsets into the row computed from where its sections start.
#[derive(Debug, Clone)]
pub struct Layout {
    names: MetricNames,
}

impl std::ops::Deref for Layout {
    type Target = MetricNames;
    fn deref(&self) -> &MetricNames {
        &self.names
    }
}

impl Layout {
    /// The row layout of `model`.
    pub fn new(model: &Model) -> Layout {
        Layout {
            names: MetricNames::new(model),
        }
    }

    /// Every metric name, in row order.
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
    /// Offset of programme total count `c` (index into [`MetricNames::counts`]).
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
    /// Offset of count `c` (index into [`MetricNames::counts`]) of site `s`.
    pub fn site_count(&self, s: usize, c: usize) -> usize {
        self.site_block(s) + c
    }
    /// Offset of provider money `k` (index into [`SITE_MONEY`]) of site `s`.
    pub fn site_money(&self, s: usize, k: usize) -> usize {
        self.site_block(s) + self.n_counts() + k
    }
    /// Offset of `payments.total`.
    pub fn payments_total(&self) -> usize {
        self.payments_base
    }
    /// Offset of `payments.by_payer.<id>` of party `p`.
    pub fn by_payer(&self, p: usize) -> usize {
        self.payments_base + 1 + p
    }
    /// Offset of `payments.by_payee.<id>` of party `p`.
    pub fn by_payee(&self, p: usize) -> usize {
        self.payments_base + 1 + self.n_parties + p
    }
    /// Offset of `payments.by_rule.<name>` of rule `r` (index into [`Model::rules`](crate::scenario::Model::rules)).
    pub fn by_rule(&self, r: usize) -> usize {
        self.payments_base + 1 + 2 * self.n_parties + r
    }
    /// Offset of `payments.due_after_horizon`.
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
    /// Offsets of payer `k`'s (index into [`MetricNames::payers`]) cost per job start and per
    /// sustained job.
    pub fn commissioning(&self, k: usize) -> (usize, usize) {
        let base = self.payers_base + 2 + 2 * k;
        (base, base + 1)
    }
    /// Offsets of budgeted party `k`'s (index into [`MetricNames::budgeted`]) spend against budget and
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load;
    use crate::scenario::outputs::count_columns;
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
