//! The settlement stage: a month's events become payments between parties (MODEL.md, "Contract
//! payment rules"; this first version has flat per-event tariffs, optionally per hours band, and
//! scheduled blocks, which may be paid on account of a base number of a tariff's events: the
//! tariff then pays only beyond the base, 001_91c39e34d7f8be68.txt §3.5.2). Every payment leaves one party and reaches another, so the books of all parties
//! sum to zero by construction; [`Ledger`] keeps the totals the metrics report.

use crate::engine::delivery::MonthEvents;
use crate::scenario::{Event, Model};
use crate::{Money, Month};

/// Money moved in one trial, by payer, payee and rule, and the events already paid for in advance.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub paid_by: Vec<Money>,
    pub received_by: Vec<Money>,
    pub by_rule: Vec<Money>,
    pub total: Money,
    /// Per tariff line: events a block has paid for on account and the tariff has not yet met.
    advance: Vec<u64>,
}

impl Ledger {
    pub fn new(model: &Model) -> Ledger {
        Ledger {
            paid_by: vec![0.0; model.parties.len()],
            received_by: vec![0.0; model.parties.len()],
            by_rule: vec![0.0; model.rules.len()],
            total: 0.0,
            advance: vec![0; model.tariffs.len()],
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
            let events = count(ev, t.event, t.band.map(|b| b as usize));
            // Events a block has paid for in advance are not paid again.
            let covered = events.min(ledger.advance[i]);
            ledger.advance[i] -= covered;
            let n = events - covered;
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
            if let Some(oa) = b.on_account {
                // A new period's base replaces what is left of the last: unused base lapses.
                ledger.advance[oa.tariff] = oa.events;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    /// The analytic fixture with its block paid on account of 10 engagements.
    fn model() -> Model {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let text = text.replace(
            "amount = 5000\nmonths = [\"2030-01\", \"2030-07\"]",
            "amount = 1000\nmonths = [\"2030-01\", \"2030-03\"]\non_account_of = { tariff = \"per_engagement\", events = 10 }",
        );
        let text = text.replace(
            "payer = \"council\"\npayee = \"charity\"\nsite = \"only\"",
            "payer = \"site.commissioner\"\npayee = \"site.provider\"\nsite = \"only\"",
        );
        parse_scenario("on_account.toml", &text).unwrap()
    }

    #[test]
    fn a_block_on_account_pays_the_base_in_advance_and_the_tariff_only_beyond_it() {
        let model = model();
        let contract = Contract::new(&model);
        let mut ledger = Ledger::new(&model);
        let mut net = vec![0.0];
        let engagements = |n| MonthEvents {
            engagements: n,
            ..MonthEvents::default()
        };
        let mut paid_per_month = Vec::new();
        for (m, n) in [(0, 4), (1, 8), (2, 3), (3, 20)] {
            let before = ledger.total;
            contract.settle_blocks(&model, m, &mut ledger, &mut net);
            contract.settle_events(&model, 0, &engagements(n), &mut ledger, &mut net);
            paid_per_month.push(ledger.total - before);
        }
        // Month 0: block £1,000 covers 10; 4 engagements → nothing more.
        // Month 1: 8 engagements, 6 left of the base → 2 × £100.
        // Month 2: the block's second payment renews the base (nothing carried over); 3 covered.
        // Month 3: 20 engagements, 7 left of the base → 13 × £100.
        assert_eq!(paid_per_month, vec![1000.0, 200.0, 1000.0, 1300.0]);
        assert_eq!(ledger.total, 3500.0);
        assert_eq!(net[0], 3500.0);
    }
}
