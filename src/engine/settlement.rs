//! The settlement stage: a month's events become payments between parties under the contract's
//! rules (MODEL.md, "Contract payment rules").
//!
//! A tariff pays its payee per event — flat, or tiered by the event's ordinal at the site — while it
//! is live: inside its window and while its rule set is in force at the site (variations switch
//! rule sets from a month on). The first `threshold` events at a site are not paid; events a block
//! has paid for on account are not paid again (001_91c39e34d7f8be68.txt §3.5.2); caps cut payments
//! so that no cap is ever exceeded. Payments are made in the month of the event or in arrears
//! (monthly, quarterly); a share may pass from the payee on to another party. Blocks fall due on
//! their months while their rule set is in force. Every payment leaves one party and reaches
//! another, so the books of all parties sum to zero by construction; [`Ledger`] keeps the totals.

use crate::engine::delivery::MonthEvents;
use crate::scenario::{CapScope, Lag, Limit, Model, TariffLine};
use crate::{Money, Month};

/// Whether money reached a provider as a block or per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Events,
}

/// A payment accrued now and made in a later month.
#[derive(Debug, Clone, Copy)]
struct Due {
    line: usize,
    amount: Money,
}

/// Money moved in one trial, and the contract state that decides the next payments.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub paid_by: Vec<Money>,
    pub received_by: Vec<Money>,
    pub by_rule: Vec<Money>,
    pub total: Money,
    /// Accrued under tariffs with a lag but due after the horizon (not paid within it).
    pub due_after_horizon: Money,
    /// Per party: net receipts this month (for the SPV's account).
    pub party_net_month: Vec<Money>,
    /// Per site: the provider's net receipts this month (for its cash), and in total by kind.
    pub site_net_month: Vec<Money>,
    pub site_income_block: Vec<Money>,
    pub site_income_events: Vec<Money>,
    /// Per cap slot: money or events used so far.
    pub cap_used: Vec<f64>,
    /// Per cap: whether it cut a payment.
    pub cap_binds: Vec<bool>,
    /// Per tariff line: events seen while live (for tiers and thresholds), and events a block has
    /// paid for on account and the tariff has not yet met.
    seen: Vec<u64>,
    advance: Vec<u64>,
    /// Per tariff line: the month the current on-account period began.
    advance_since: Vec<Option<Month>>,
    /// Lagged payments by the month they fall due.
    due: Vec<Vec<Due>>,
    /// Every payment made, when asked for (`sibsim pay`): payer, payee, rule, amount.
    pub log: Option<Vec<(usize, usize, usize, Money)>>,
    /// Per site: the last month of delivery of a site the commissioner terminated. Its blocks
    /// falling due later are not paid.
    pub site_closed_after: Vec<Option<Month>>,
}

impl Ledger {
    pub fn new(model: &Model, contract: &Contract) -> Ledger {
        let n_sites = model.sites.len();
        Ledger {
            paid_by: vec![0.0; model.parties.len()],
            received_by: vec![0.0; model.parties.len()],
            by_rule: vec![0.0; model.rules.len()],
            total: 0.0,
            due_after_horizon: 0.0,
            party_net_month: vec![0.0; model.parties.len()],
            site_net_month: vec![0.0; n_sites],
            site_income_block: vec![0.0; n_sites],
            site_income_events: vec![0.0; n_sites],
            cap_used: vec![0.0; contract.cap_slots],
            cap_binds: vec![false; model.caps.len()],
            seen: vec![0; model.tariffs.len()],
            advance: vec![0; model.tariffs.len()],
            advance_since: vec![None; model.tariffs.len()],
            due: vec![Vec::new(); model.settings.horizon as usize],
            log: None,
            site_closed_after: vec![None; n_sites],
        }
    }

    /// Make the ledger as [`Ledger::new`] made it, for another trial, keeping its allocations
    /// (per-worker scratch: issue 8, item 7).
    pub fn reset(&mut self) {
        for v in [
            &mut self.paid_by,
            &mut self.received_by,
            &mut self.by_rule,
            &mut self.party_net_month,
            &mut self.site_net_month,
            &mut self.site_income_block,
            &mut self.site_income_events,
            &mut self.cap_used,
        ] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        (self.total, self.due_after_horizon) = (0.0, 0.0);
        self.cap_binds.iter_mut().for_each(|b| *b = false);
        self.seen.iter_mut().for_each(|x| *x = 0);
        self.advance.iter_mut().for_each(|x| *x = 0);
        self.advance_since.iter_mut().for_each(|x| *x = None);
        self.due.iter_mut().for_each(Vec::clear);
        self.log = None;
        self.site_closed_after.iter_mut().for_each(|x| *x = None);
    }

    /// Start a month: the provider's monthly receipts start from zero.
    pub fn start_month(&mut self) {
        self.site_net_month.iter_mut().for_each(|x| *x = 0.0);
        self.party_net_month.iter_mut().for_each(|x| *x = 0.0);
    }

    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        model: &Model,
        site: usize,
        payer: usize,
        payee: usize,
        rule: usize,
        amount: Money,
        kind: Kind,
    ) {
        if let Some(log) = &mut self.log {
            log.push((payer, payee, rule, amount));
        }
        self.paid_by[payer] += amount;
        self.received_by[payee] += amount;
        self.party_net_month[payer] -= amount;
        self.party_net_month[payee] += amount;
        self.by_rule[rule] += amount;
        self.total += amount;
        // A payment under a site's rule counts towards that site's provider income when the
        // provider receives it, and against it when the provider pays it.
        let provider = model.sites[site].provider;
        let signed = if payee == provider {
            amount
        } else if payer == provider {
            -amount
        } else {
            return;
        };
        self.site_net_month[site] += signed;
        match kind {
            Kind::Block => self.site_income_block[site] += signed,
            Kind::Events => self.site_income_events[site] += signed,
        }
    }

    /// Pay `amount` under tariff line `t`, with its pass-through.
    fn pay_tariff(&mut self, model: &Model, t: &TariffLine, amount: Money) {
        self.pay(
            model,
            t.site,
            t.payer,
            t.payee,
            t.rule,
            amount,
            Kind::Events,
        );
        if let Some(pt) = t.pass_through {
            let passed = amount * pt.share;
            if passed > 0.0 {
                self.pay(model, t.site, t.payee, pt.to, pt.rule, passed, Kind::Events);
            }
        }
    }
}

/// The contract's rules, indexed for the monthly loop.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Tariff lines (indices into `model.tariffs`) per site.
    tariffs_by_site: Vec<Vec<usize>>,
    /// Blocks (indices into `model.blocks`) falling due in each month.
    blocks_by_month: Vec<Vec<usize>>,
    /// The rule set in force, per site and month.
    rule_set: Vec<Vec<usize>>,
    /// Per cap, its first slot in [`Ledger::cap_used`]; the slots of a cap are its instances
    /// (one, one per site, or one per site and contract year).
    cap_base: Vec<usize>,
    cap_slots: usize,
    /// Contract years per site the slots allow for.
    years: usize,
    /// Per month, the months to wait until the end of its calendar quarter.
    to_quarter_end: Vec<u32>,
}

impl Contract {
    pub fn new(model: &Model) -> Contract {
        let horizon = model.settings.horizon as usize;
        let mut tariffs_by_site = vec![Vec::new(); model.sites.len()];
        for (i, t) in model.tariffs.iter().enumerate() {
            tariffs_by_site[t.site].push(i);
        }
        let mut blocks_by_month = vec![Vec::new(); horizon];
        for (i, b) in model.blocks.iter().enumerate() {
            for &m in &b.months {
                blocks_by_month[m as usize].push(i);
            }
        }
        let rule_set = (0..model.sites.len())
            .map(|s| {
                (0..horizon as Month)
                    .map(|m| model.rule_set_at(s, m))
                    .collect()
            })
            .collect();
        let years = horizon / 12 + 1;
        let mut cap_base = Vec::with_capacity(model.caps.len());
        let mut cap_slots = 0;
        for cap in &model.caps {
            cap_base.push(cap_slots);
            cap_slots += match cap.per {
                CapScope::Contract => 1,
                CapScope::Site => model.sites.len(),
                CapScope::SiteYear => model.sites.len() * years,
            };
        }
        let first = model.settings.start.month - 1;
        let to_quarter_end = (0..horizon as u32)
            .map(|m| 2 - (first + m) % 12 % 3)
            .collect();
        Contract {
            tariffs_by_site,
            blocks_by_month,
            rule_set,
            cap_base,
            cap_slots,
            years,
            to_quarter_end,
        }
    }

    /// The slots of cap `c` in [`Ledger::cap_used`].
    pub fn cap_slot_range(&self, c: usize) -> std::ops::Range<usize> {
        let end = self.cap_base.get(c + 1).copied().unwrap_or(self.cap_slots);
        self.cap_base[c]..end
    }

    /// The slot of cap `c` for site `s` in month `m`.
    fn slot(&self, model: &Model, c: usize, s: usize, m: Month) -> usize {
        self.cap_base[c]
            + match model.caps[c].per {
                CapScope::Contract => 0,
                CapScope::Site => s,
                CapScope::SiteYear => {
                    let year = (m.saturating_sub(model.sites[s].start) / 12) as usize;
                    s * self.years + year.min(self.years - 1)
                }
            }
    }

    /// Whether tariff line `t` is live in month `m`.
    fn live(&self, t: &TariffLine, m: Month) -> bool {
        m >= t.from && m <= t.to && self.rule_set[t.site][m as usize] == t.rule_set
    }

    /// The money tariff line `i` earns for `events` events at its site in month `m`, after
    /// threshold, blocks on account and caps; updates the line's counters and the caps.
    pub fn accrue(
        &self,
        model: &Model,
        i: usize,
        m: Month,
        events: u64,
        ledger: &mut Ledger,
    ) -> Money {
        let t = &model.tariffs[i];
        let before = ledger.seen[i];
        ledger.seen[i] += events;
        // Ordinals `after + 1 ..= after + k` are the ones that may be paid.
        let below_threshold = t.threshold.saturating_sub(before).min(events);
        let mut after = before + below_threshold;
        let mut k = events - below_threshold;
        let covered = k.min(ledger.advance[i]);
        ledger.advance[i] -= covered;
        after += covered;
        k -= covered;
        if k == 0 {
            return 0.0;
        }
        let mut allowed = k;
        for &c in &t.caps {
            if let Limit::Events(n) = model.caps[c].limit {
                let left =
                    (n as f64 - ledger.cap_used[self.slot(model, c, t.site, m)]).max(0.0) as u64;
                if left < k {
                    ledger.cap_binds[c] = true;
                }
                allowed = allowed.min(left);
            }
        }
        let uncapped = t.pricing.money(after, allowed);
        let money_left = |c: usize, ledger: &Ledger| match model.caps[c].limit {
            Limit::Money(limit) => {
                Some((limit - ledger.cap_used[self.slot(model, c, t.site, m)]).max(0.0))
            }
            Limit::Events(_) => None,
        };
        let money = t
            .caps
            .iter()
            .filter_map(|&c| money_left(c, ledger))
            .fold(uncapped, f64::min);
        if money < uncapped {
            // The cap (or caps) that cut the payment: those with the least left.
            for &c in &t.caps {
                if money_left(c, ledger) == Some(money) {
                    ledger.cap_binds[c] = true;
                }
            }
        }
        for &c in &t.caps {
            let slot = self.slot(model, c, t.site, m);
            ledger.cap_used[slot] += match model.caps[c].limit {
                Limit::Events(_) => allowed as f64,
                Limit::Money(_) => money,
            };
        }
        money
    }

    /// Pay what falls due at the start of month `m`: lagged tariff payments, then blocks whose rule
    /// set is in force at their site.
    pub fn settle_start_of_month(&self, model: &Model, m: Month, ledger: &mut Ledger) {
        for due in std::mem::take(&mut ledger.due[m as usize]) {
            ledger.pay_tariff(model, &model.tariffs[due.line], due.amount);
        }
        for &i in &self.blocks_by_month[m as usize] {
            let b = &model.blocks[i];
            let closed = ledger.site_closed_after[b.site].is_some_and(|last| m > last);
            if self.rule_set[b.site][m as usize] != b.rule_set || closed {
                continue;
            }
            ledger.pay(
                model,
                b.site,
                b.payer,
                b.payee,
                b.rule,
                b.amount,
                Kind::Block,
            );
            if let Some(oa) = b.on_account {
                // A block on account of a tariff starts a new period for it: what is left of the
                // last period's base lapses (blocks are not repayable). Blocks paid in the same
                // month add their bases to the same period.
                let line = oa.tariff;
                if ledger.advance_since[line] == Some(m) {
                    ledger.advance[line] += oa.events;
                } else {
                    ledger.advance[line] = oa.events;
                    ledger.advance_since[line] = Some(m);
                }
            }
        }
    }

    /// Settle site `s`'s events of month `m` under its live tariffs.
    pub fn settle_events(
        &self,
        model: &Model,
        s: usize,
        m: Month,
        ev: &MonthEvents,
        ledger: &mut Ledger,
    ) {
        self.settle(model, s, m, ev, ledger, false);
    }

    /// Settle as [`Contract::settle_events`], but pay everything at once, whatever the tariffs'
    /// lags (`sibsim pay` shows what a month's events earn).
    pub fn settle_events_now(
        &self,
        model: &Model,
        s: usize,
        m: Month,
        ev: &MonthEvents,
        ledger: &mut Ledger,
    ) {
        self.settle(model, s, m, ev, ledger, true);
    }

    /// The tariff lines live at site `s` in month `m`.
    pub fn live_tariffs(&self, model: &Model, s: usize, m: Month) -> Vec<usize> {
        self.tariffs_by_site[s]
            .iter()
            .copied()
            .filter(|&i| self.live(&model.tariffs[i], m))
            .collect()
    }

    /// The rule set in force at site `s` in month `m`.
    pub fn rule_set_in_force(&self, s: usize, m: Month) -> usize {
        self.rule_set[s][m as usize]
    }

    fn settle(
        &self,
        model: &Model,
        s: usize,
        m: Month,
        ev: &MonthEvents,
        ledger: &mut Ledger,
        now: bool,
    ) {
        for &i in &self.tariffs_by_site[s] {
            let t = &model.tariffs[i];
            if !self.live(t, m) {
                continue;
            }
            let events = ev.claims(t.event, t.band);
            if events == 0 {
                continue;
            }
            let amount = self.accrue(model, i, m, events, ledger);
            if amount <= 0.0 {
                continue;
            }
            let delay = match t.lag {
                _ if now => 0,
                Lag::None => 0,
                Lag::Monthly => 1,
                Lag::Quarterly => self.to_quarter_end[m as usize] + 1,
            };
            if delay == 0 {
                ledger.pay_tariff(model, t, amount);
            } else if let Some(due) = ledger.due.get_mut((m + delay) as usize) {
                due.push(Due { line: i, amount });
            } else {
                ledger.due_after_horizon += amount;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_scenario, Event};

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
        let mut ledger = Ledger::new(&model, &contract);
        let engagements = |n| {
            let mut ev = MonthEvents::default();
            ev.add(Event::Engagement, None, n);
            ev
        };
        let mut paid_per_month = Vec::new();
        for (m, n) in [(0, 4), (1, 8), (2, 3), (3, 20)] {
            let before = ledger.total;
            contract.settle_start_of_month(&model, m, &mut ledger);
            contract.settle_events(&model, 0, m, &engagements(n), &mut ledger);
            paid_per_month.push(ledger.total - before);
        }
        // Month 0: block £1,000 covers 10; 4 engagements → nothing more.
        // Month 1: 8 engagements, 6 left of the base → 2 × £100.
        // Month 2: the block's second payment renews the base (nothing carried over); 3 covered.
        // Month 3: 20 engagements, 7 left of the base → 13 × £100.
        assert_eq!(paid_per_month, vec![1000.0, 200.0, 1000.0, 1300.0]);
        assert_eq!(ledger.total, 3500.0);
        assert_eq!(ledger.site_income_block[0], 2000.0);
        assert_eq!(ledger.site_income_events[0], 1500.0);
    }

    #[test]
    fn blocks_on_account_paid_in_the_same_month_add_their_bases() {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let block = "[[blocks]]\nname = \"mobilisation\"\npayer = \"council\"\npayee = \"charity\"\nsite = \"only\"\namount = 5000\nmonths = [\"2030-01\", \"2030-07\"]";
        assert!(text.contains(block));
        let two = "[[blocks]]\nname = \"adv_a\"\npayer = \"site.commissioner\"\npayee = \"site.provider\"\nsite = \"only\"\namount = 1000\nmonths = [\"2030-01\"]\non_account_of = { tariff = \"per_engagement\", events = 10 }\n\n[[blocks]]\nname = \"adv_b\"\npayer = \"site.commissioner\"\npayee = \"site.provider\"\nsite = \"only\"\namount = 1000\nmonths = [\"2030-01\"]\non_account_of = { tariff = \"per_engagement\", events = 10 }";
        let model = parse_scenario("two_blocks.toml", &text.replace(block, two)).unwrap();
        let contract = Contract::new(&model);
        let mut ledger = Ledger::new(&model, &contract);
        contract.settle_start_of_month(&model, 0, &mut ledger);
        let mut ev = MonthEvents::default();
        ev.add(Event::Engagement, None, 25);
        contract.settle_events(&model, 0, 0, &ev, &mut ledger);
        // Two £1,000 blocks, each for 10 engagements: 20 covered, 5 paid at £100.
        assert_eq!(ledger.total, 2000.0 + 500.0);
    }
}
