//! The metrics a trial records, their stable names, and where each sits in a trial's row.
//!
//! A row holds, in order: the programme totals, each site's block, the payments, then the flags
//! (0/1 indicators summarised as probabilities). Names are a public contract (README, "Metric
//! names"): `engagements`, `site.<site>.engagements`, `payments.by_payer.<party>`, …

use crate::scenario::Model;

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

/// Provider money per site: income, cost, margin (income − cost), lowest cash balance.
pub const SITE_MONEY: [&str; 4] = [
    "provider.income",
    "provider.cost",
    "provider.margin",
    "provider.lowest_cash",
];
/// Provider money in total (the lowest cash is per site only).
pub const TOTAL_MONEY: [&str; 3] = ["provider.income", "provider.cost", "provider.margin"];

/// Where every metric of one scenario sits in a trial row.
#[derive(Debug, Clone)]
pub struct Layout {
    pub metrics: Vec<String>,
    pub flags: Vec<String>,
    n_sites: usize,
    n_parties: usize,
    n_rules: usize,
}

impl Layout {
    pub fn new(model: &Model) -> Layout {
        let mut metrics: Vec<String> = COUNT_NAMES.iter().map(|s| s.to_string()).collect();
        metrics.extend(TOTAL_MONEY.iter().map(|s| s.to_string()));
        for site in &model.sites {
            for name in COUNT_NAMES.iter().chain(SITE_MONEY.iter()) {
                metrics.push(format!("site.{}.{name}", site.id));
            }
        }
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
        let mut flags = vec!["provider_loss".to_string()];
        for site in &model.sites {
            flags.push(format!("site.{}.provider_loss", site.id));
        }
        for plan in &model.plan {
            flags.push(format!("plan.{}.met", plan.metric));
        }
        Layout {
            metrics,
            flags,
            n_sites: model.sites.len(),
            n_parties: model.parties.len(),
            n_rules: model.rules.len(),
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
    /// Offset of programme provider money `k` (index into [`TOTAL_MONEY`]).
    pub fn total_money(&self, k: usize) -> usize {
        count::N + k
    }
    fn site_base(&self, s: usize) -> usize {
        count::N + TOTAL_MONEY.len() + s * (count::N + SITE_MONEY.len())
    }
    /// Offset of count `c` of site `s`.
    pub fn site_count(&self, s: usize, c: usize) -> usize {
        self.site_base(s) + c
    }
    /// Offset of provider money `k` (index into [`SITE_MONEY`]) of site `s`.
    pub fn site_money(&self, s: usize, k: usize) -> usize {
        self.site_base(s) + count::N + k
    }
    pub fn payments_total(&self) -> usize {
        self.site_base(self.n_sites)
    }
    pub fn by_payer(&self, p: usize) -> usize {
        self.payments_total() + 1 + p
    }
    pub fn by_payee(&self, p: usize) -> usize {
        self.payments_total() + 1 + self.n_parties + p
    }
    pub fn by_rule(&self, r: usize) -> usize {
        self.payments_total() + 1 + 2 * self.n_parties + r
    }
    /// Offset (in the row) of flag `f`.
    pub fn flag(&self, f: usize) -> usize {
        debug_assert_eq!(self.by_rule(self.n_rules), self.metrics.len());
        self.metrics.len() + f
    }
}
