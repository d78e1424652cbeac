//! The settlement stage: a month's events become payments between parties (MODEL.md, "Contract
//! payment rules"; this first version has flat per-event tariffs, optionally per hours band, and
//! scheduled blocks). Every payment leaves one party and reaches another, so the books of all parties
//! sum to zero by construction; [`Ledger`] keeps the totals the metrics report.

use crate::engine::delivery::MonthEvents;
use crate::scenario::{Event, Model};
use crate::{Money, Month};

/// Money moved in one trial, by payer, payee and rule.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub paid_by: Vec<Money>,
    pub received_by: Vec<Money>,
    pub by_rule: Vec<Money>,
    pub total: Money,
}

impl Ledger {
    pub fn new(model: &Model) -> Ledger {
        Ledger {
            paid_by: vec![0.0; model.parties.len()],
            received_by: vec![0.0; model.parties.len()],
            by_rule: vec![0.0; model.rules.len()],
            total: 0.0,
        }
    }

    fn pay(&mut self, payer: usize, payee: usize, rule: usize, amount: Money) {
        self.paid_by[payer] += amount;
        self.received_by[payee] += amount;
        self.by_rule[rule] += amount;
        self.total += amount;
    }
}

/// The contract's rules, indexed for the monthly loop.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Tariff lines (indices into `model.tariffs`) per site.
    tariffs_by_site: Vec<Vec<usize>>,
    /// Blocks (indices into `model.blocks`) falling due in each month.
    blocks_by_month: Vec<Vec<usize>>,
}

/// How many of `ev` trigger a tariff on `event` in `band` (sustainments: claimable ones only).
fn count(ev: &MonthEvents, event: Event, band: Option<usize>) -> u64 {
    let banded = |v: &[u64; 2]| band.map_or(v[0] + v[1], |b| v[b]);
    match event {
        Event::Referral => ev.referrals,
        Event::Engagement => ev.engagements,
        Event::JobStart => banded(&ev.job_starts),
        Event::Sustain6w => banded(&ev.claimable_6w),
        Event::Sustain26w => banded(&ev.claimable_26w),
    }
}

impl Contract {
    pub fn new(model: &Model) -> Contract {
        let mut tariffs_by_site = vec![Vec::new(); model.sites.len()];
        for (i, t) in model.tariffs.iter().enumerate() {
            tariffs_by_site[t.site].push(i);
        }
        let mut blocks_by_month = vec![Vec::new(); model.settings.horizon as usize];
        for (i, b) in model.blocks.iter().enumerate() {
            for &m in &b.months {
                blocks_by_month[m as usize].push(i);
            }
        }
        Contract {
            tariffs_by_site,
            blocks_by_month,
        }
    }

    /// Pay the tariffs due on site `s`'s events this month. `site_net[s]` moves by the provider's
    /// net receipts.
    pub fn settle_events(
        &self,
        model: &Model,
        s: usize,
        ev: &MonthEvents,
        ledger: &mut Ledger,
        site_net: &mut [Money],
    ) {
        for &i in &self.tariffs_by_site[s] {
            let t = &model.tariffs[i];
            let n = count(ev, t.event, t.band.map(|b| b as usize));
            if n > 0 {
                let amount = t.amount * n as f64;
                ledger.pay(t.payer, t.payee, t.rule, amount);
                attribute(model, s, t.payer, t.payee, amount, site_net);
            }
        }
    }

    /// Pay the blocks falling due in month `m`.
    pub fn settle_blocks(
        &self,
        model: &Model,
        m: Month,
        ledger: &mut Ledger,
        site_net: &mut [Money],
    ) {
        for &i in &self.blocks_by_month[m as usize] {
            let b = &model.blocks[i];
            ledger.pay(b.payer, b.payee, b.rule, b.amount);
            attribute(model, b.site, b.payer, b.payee, b.amount, site_net);
        }
    }
}

/// A payment made under site `s`'s contract counts towards that site's provider income when the
/// provider receives it, and against it when the provider pays it.
fn attribute(
    model: &Model,
    s: usize,
    payer: usize,
    payee: usize,
    amount: Money,
    site_net: &mut [Money],
) {
    let provider = model.sites[s].provider;
    if payee == provider {
        site_net[s] += amount;
    }
    if payer == provider {
        site_net[s] -= amount;
    }
}
