//! The settlement stage: a month's events become payments between parties under the contract's
//! rules (MODEL.md, "Contract payment rules").
//!
//! A tariff pays its payee per event — flat, or tiered by the event's ordinal at the site — while it
//! is live: inside its window and while its rule set is in force at the site (variations switch
//! rule sets from a month on). The first `threshold` events at a site are not paid; events a block
//! has paid for on account are not paid again (001_91c39e34d7f8be68.txt §3.5.2) while its base
//! stands — until the next block on account of the tariff or its `until` month, after which what
//! is left of it lapses; caps cut payments
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
    /// Per party: paid so far, £.
    pub paid_by: Vec<Money>,
    /// Per party: received so far, £.
    pub received_by: Vec<Money>,
    /// Per rule (index into [`Model::rules`]): paid so far, £.
    pub by_rule: Vec<Money>,
    /// All payments so far, £.
    pub total: Money,
    /// Accrued under tariffs with a lag but due after the horizon (not paid within it).
    pub due_after_horizon: Money,
    /// Per party: net receipts this month (for the SPV's account).
    pub party_net_month: Vec<Money>,
    /// Per site: the provider's net receipts this month (for its cash).
    pub site_net_month: Vec<Money>,
    /// Per site: the provider's income from blocks so far, £.
    pub site_income_block: Vec<Money>,
    /// Per site: the provider's income from per-event payments so far, £.
    pub site_income_events: Vec<Money>,
    /// Per cap slot: money or events used so far.
    pub cap_used: Vec<f64>,
    /// Per cap: whether it cut a payment.
    pub cap_binds: Vec<bool>,
    /// Per tariff line: events seen while live (for tiers and thresholds), and events a block has
    /// paid for on account and the tariff has not yet met.
    seen: Vec<u64>,
    advance: Vec<u64>,
    /// Per tariff line: the month the current on-account period began, and the last month its
    /// base covers (`None`: until the next block on account of the line).
    advance_since: Vec<Option<Month>>,
    advance_until: Vec<Option<Month>>,
    /// Lagged payments by the month they fall due.
    due: Vec<Vec<Due>>,
    /// Every payment made, when asked for (`sibsim pay`): payer, payee, rule, amount.
    pub log: Option<Vec<(usize, usize, usize, Money)>>,
    /// Per site: the last month of delivery of a site the commissioner terminated. Its blocks
    /// falling due later are not paid.
    pub site_closed_after: Vec<Option<Month>>,
}

impl Ledger {
    /// A ledger at the start of a trial: nothing paid, no cap used.
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
            advance_until: vec![None; model.tariffs.len()],
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
        self.advance_until.iter_mut().for_each(|x| *x = None);
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

/// A tariff line live in a period, with the cap slots its payments count against then.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LiveLine {
    /// Index into `model.tariffs`.
    line: usize,
    /// Its caps' slots in [`Ledger::cap_used`] (in the order of the line's `caps`), as a range
    /// of [`Contract::cap_slots_of_lines`].
    slots: std::ops::Range<usize>,
}

/// The contract's rules, indexed for the monthly loop.
///
/// Which tariff lines are live, and which cap slots they count against, depends only on the site
/// and the month, not on the trial: it is worked out once per run here. Each site's months fall
/// into periods in which that is the same (the lines' windows, the rule set in force and, for
/// caps per site and contract year, the year); a month's settlement visits only the lines of its
/// period, in the scenario's order (which matters when lines share a cap), and finds their cap
/// slots ready.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Per site and period: the live lines, as a range of `live_lines`.
    periods: Vec<std::ops::Range<usize>>,
    live_lines: Vec<LiveLine>,
    cap_slots_of_lines: Vec<usize>,
    /// The period (index into `periods`) of site `s` in month `m`, at `s * horizon + m`.
    period_at: Vec<usize>,
    horizon: usize,
    /// Blocks (indices into `model.blocks`) falling due in each month.
    blocks_by_month: Vec<Vec<usize>>,
    /// Tariff lines some block is paid on account of (whose bases may lapse).
    on_account_lines: Vec<usize>,
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
    /// The model's rules laid out for settlement: live lines per site and period, blocks by month, cap slots.
    pub fn new(model: &Model) -> Contract {
        let horizon = model.settings.horizon as usize;
        let mut blocks_by_month = vec![Vec::new(); horizon];
        for (i, b) in model.blocks.iter().enumerate() {
            for &m in &b.months {
                blocks_by_month[m as usize].push(i);
            }
        }
        let mut on_account_lines: Vec<usize> = model
            .blocks
            .iter()
            .filter_map(|b| b.on_account.map(|oa| oa.tariff))
            .collect();
        on_account_lines.sort_unstable();
        on_account_lines.dedup();
        let rule_set: Vec<Vec<usize>> = (0..model.sites.len())
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
        let mut contract = Contract {
            periods: Vec::new(),
            live_lines: Vec::new(),
            cap_slots_of_lines: Vec::new(),
            period_at: vec![0; model.sites.len() * horizon],
            horizon,
            blocks_by_month,
            on_account_lines,
            rule_set,
            cap_base,
            cap_slots,
            years,
            to_quarter_end,
        };
        contract.index_live_lines(model);
        contract
    }

    /// Fill `periods`, `live_lines`, `cap_slots_of_lines` and `period_at`: for each site, month by
    /// month, the live lines and their cap slots, a new period whenever they differ from the last
    /// month's.
    fn index_live_lines(&mut self, model: &Model) {
        let mut lines_by_site = vec![Vec::new(); model.sites.len()];
        for (i, t) in model.tariffs.iter().enumerate() {
            lines_by_site[t.site].push(i);
        }
        // The month's (line, cap slots) pairs, compared with the current period's.
        let mut month: Vec<(usize, Vec<usize>)> = Vec::new();
        for (s, lines) in lines_by_site.iter().enumerate() {
            let mut current: Option<usize> = None;
            for m in 0..self.horizon {
                month.clear();
                for &i in lines {
                    let t = &model.tariffs[i];
                    let m = m as Month;
                    if m >= t.from && m <= t.to && self.rule_set[s][m as usize] == t.rule_set {
                        let slots = t.caps.iter().map(|&c| self.slot(model, c, s, m)).collect();
                        month.push((i, slots));
                    }
                }
                let same = current.is_some_and(|p| {
                    let live = &self.live_lines[self.periods[p].clone()];
                    live.len() == month.len()
                        && live.iter().zip(&month).all(|(l, (i, slots))| {
                            l.line == *i && self.cap_slots_of_lines[l.slots.clone()] == slots[..]
                        })
                });
                if !same {
                    let start = self.live_lines.len();
                    for (i, slots) in &month {
                        let from = self.cap_slots_of_lines.len();
                        self.cap_slots_of_lines.extend_from_slice(slots);
                        self.live_lines.push(LiveLine {
                            line: *i,
                            slots: from..self.cap_slots_of_lines.len(),
                        });
                    }
                    self.periods.push(start..self.live_lines.len());
                    current = Some(self.periods.len() - 1);
                }
                self.period_at[s * self.horizon + m] = current.unwrap_or(0);
            }
        }
    }

    /// The lines live at site `s` in month `m`.
    fn live(&self, s: usize, m: Month) -> &[LiveLine] {
        match self.period_at.get(s * self.horizon + m as usize) {
            Some(&p) => &self.live_lines[self.periods[p].clone()],
            None => &[],
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
        self.accrue_with(model, i, events, ledger, |k| {
            self.slot(model, t.caps[k], t.site, m)
        })
    }

    /// [`Contract::accrue`], with the slot of the line's `k`-th cap given by `slot`.
    fn accrue_with(
        &self,
        model: &Model,
        i: usize,
        events: u64,
        ledger: &mut Ledger,
        slot: impl Fn(usize) -> usize,
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
        if t.caps.is_empty() {
            return t.pricing.money(after, k);
        }
        let mut allowed = k;
        for (j, &c) in t.caps.iter().enumerate() {
            if let Limit::Events(n) = model.caps[c].limit {
                let left = (n as f64 - ledger.cap_used[slot(j)]).max(0.0) as u64;
                if left < k {
                    ledger.cap_binds[c] = true;
                }
                allowed = allowed.min(left);
            }
        }
        let uncapped = t.pricing.money(after, allowed);
        let money_left = |j: usize, ledger: &Ledger| match model.caps[t.caps[j]].limit {
            Limit::Money(limit) => Some((limit - ledger.cap_used[slot(j)]).max(0.0)),
            Limit::Events(_) => None,
        };
        let money = (0..t.caps.len())
            .filter_map(|j| money_left(j, ledger))
            .fold(uncapped, f64::min);
        if money < uncapped {
            // The cap (or caps) that cut the payment: those with the least left.
            for (j, &c) in t.caps.iter().enumerate() {
                if money_left(j, ledger) == Some(money) {
                    ledger.cap_binds[c] = true;
                }
            }
        }
        for (j, &c) in t.caps.iter().enumerate() {
            ledger.cap_used[slot(j)] += match model.caps[c].limit {
                Limit::Events(_) => allowed as f64,
                Limit::Money(_) => money,
            };
        }
        money
    }

    /// Pay what falls due at the start of month `m`: lagged tariff payments, then blocks whose rule
    /// set is in force at their site; bases on account whose last month has passed lapse first.
    pub fn settle_start_of_month(&self, model: &Model, m: Month, ledger: &mut Ledger) {
        // A base past its `until` is lost to the provider, who keeps the block: 001 §3.5.2 says
        // the blocks "were not repayable by providers if the base threshold was not reached", and
        // each was paid for one financial year (§3.4.2.1, §3.4.2.2: "in 2016/17", "in 2017/18").
        // So from the next month the tariff pays every event again, none counted against the
        // old base.
        for &line in &self.on_account_lines {
            if ledger.advance_until[line].is_some_and(|last| m > last) {
                ledger.advance[line] = 0;
                ledger.advance_until[line] = None;
            }
        }
        // Taken out to pay from, and put back empty to keep its allocation for the next trial.
        let mut dues = std::mem::take(&mut ledger.due[m as usize]);
        for due in &dues {
            ledger.pay_tariff(model, &model.tariffs[due.line], due.amount);
        }
        dues.clear();
        ledger.due[m as usize] = dues;
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
                // month add their bases to the same period, which lapses once: validation makes
                // them state the same `until`.
                let line = oa.tariff;
                if ledger.advance_since[line] == Some(m) {
                    ledger.advance[line] += oa.events;
                } else {
                    ledger.advance[line] = oa.events;
                    ledger.advance_since[line] = Some(m);
                }
                ledger.advance_until[line] = oa.until;
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

    /// The tariff lines live at site `s` in month `m`, in the scenario's order.
    pub fn live_tariffs(&self, s: usize, m: Month) -> Vec<usize> {
        self.live(s, m).iter().map(|l| l.line).collect()
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
        for live in self.live(s, m) {
            let i = live.line;
            let t = &model.tariffs[i];
            let events = ev.claims(t.event, t.band);
            if events == 0 {
                continue;
            }
            let slots = &self.cap_slots_of_lines[live.slots.clone()];
            let amount = self.accrue_with(model, i, events, ledger, |k| slots[k]);
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
    use crate::scenario::{parse_scenario, Band, Event};
    use proptest::prelude::*;
    use rand::RngExt;
    use std::sync::OnceLock;

    /// Scenarios with windows, variations (rule sets switching from a month) and caps of every
    /// scope, site-year caps included.
    fn models() -> &'static [Model] {
        static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
        MODELS.get_or_init(|| {
            [
                "tests/fixtures/rules.toml",
                "scenarios/mhep1.toml",
                "scenarios/mhep1_reset.toml",
            ]
            .iter()
            .map(|path| parse_scenario(path, &std::fs::read_to_string(path).unwrap()).unwrap())
            .collect()
        })
    }

    /// Whether tariff line `t` is live at its site in month `m`, by the rules' definition.
    fn in_force(model: &Model, t: &TariffLine, m: Month) -> bool {
        m >= t.from && m <= t.to && model.rule_set_at(t.site, m) == t.rule_set
    }

    #[test]
    fn each_months_live_lines_and_cap_slots_are_those_in_force() {
        for model in models() {
            let contract = Contract::new(model);
            let horizon = model.settings.horizon;
            let mut changes = 0;
            for s in 0..model.sites.len() {
                for m in 0..horizon {
                    let expected: Vec<usize> = (0..model.tariffs.len())
                        .filter(|&i| model.tariffs[i].site == s)
                        .filter(|&i| in_force(model, &model.tariffs[i], m))
                        .collect();
                    assert_eq!(contract.live_tariffs(s, m), expected, "site {s} month {m}");
                    for live in contract.live(s, m) {
                        let t = &model.tariffs[live.line];
                        let slots: Vec<usize> = t
                            .caps
                            .iter()
                            .map(|&c| contract.slot(model, c, s, m))
                            .collect();
                        assert_eq!(contract.cap_slots_of_lines[live.slots.clone()], slots[..]);
                    }
                    if m > 0 && contract.live_tariffs(s, m) != contract.live_tariffs(s, m - 1) {
                        changes += 1;
                    }
                }
            }
            // The periods are shared by the months between changes.
            assert!(contract.periods.len() < model.sites.len() * horizon as usize / 4);
            assert!(changes > 0 || model.variations.is_empty());
        }
        assert!(contract_of(1).live_tariffs(0, 0).len() < lines_of(1, 0));
    }

    fn contract_of(k: usize) -> Contract {
        Contract::new(&models()[k])
    }

    fn lines_of(k: usize, s: usize) -> usize {
        models()[k].tariffs.iter().filter(|t| t.site == s).count()
    }

    /// The monthly settlement as it was before issue 9 — every line of the site, its window and
    /// rule set checked each month, cap slots worked out on every payment: the reference.
    fn settle_reference(
        contract: &Contract,
        model: &Model,
        s: usize,
        m: Month,
        ev: &MonthEvents,
        ledger: &mut Ledger,
    ) {
        for (i, t) in model.tariffs.iter().enumerate() {
            if t.site != s || !in_force(model, t, m) {
                continue;
            }
            let events = ev.claims(t.event, t.band);
            if events == 0 {
                continue;
            }
            let amount = contract.accrue(model, i, m, events, ledger);
            if amount <= 0.0 {
                continue;
            }
            let delay = match t.lag {
                Lag::None => 0,
                Lag::Monthly => 1,
                Lag::Quarterly => contract.to_quarter_end[m as usize] + 1,
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

    /// Everything a ledger holds, as bits.
    fn snapshot(ledger: &Ledger) -> Vec<u64> {
        let money = [
            &ledger.paid_by,
            &ledger.received_by,
            &ledger.by_rule,
            &ledger.party_net_month,
            &ledger.site_net_month,
            &ledger.site_income_block,
            &ledger.site_income_events,
            &ledger.cap_used,
        ];
        let mut out: Vec<u64> = money
            .iter()
            .flat_map(|v| v.iter().map(|x| x.to_bits()))
            .collect();
        out.extend([ledger.total.to_bits(), ledger.due_after_horizon.to_bits()]);
        out.extend(ledger.cap_binds.iter().map(|&b| b as u64));
        out.extend(ledger.seen.iter().chain(&ledger.advance));
        for due in &ledger.due {
            out.extend(due.iter().flat_map(|d| [d.line as u64, d.amount.to_bits()]));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Settling only the precomputed live lines, with their precomputed cap slots, moves the
        /// same money, bit for bit, as checking every line every month.
        #[test]
        fn settling_the_live_lines_matches_checking_every_line(
            k in 0usize..3,
            seed in any::<u64>(),
            busy in 1u64..400,
        ) {
            let model = &models()[k];
            let contract = Contract::new(model);
            let mut fast = Ledger::new(model, &contract);
            let mut reference = Ledger::new(model, &contract);
            let mut rng = crate::engine::rng::stream(seed, 0, 0);
            for m in 0..model.settings.horizon {
                fast.start_month();
                reference.start_month();
                contract.settle_start_of_month(model, m, &mut fast);
                contract.settle_start_of_month(model, m, &mut reference);
                for s in 0..model.sites.len() {
                    let mut ev = MonthEvents::default();
                    for event in Event::ALL {
                        let bands: &[Option<Band>] = if event.has_band() {
                            &[Some(Band::Lt16), Some(Band::Ge16)]
                        } else {
                            &[None]
                        };
                        for &band in bands {
                            // Mostly a few, sometimes none, sometimes many (to reach the caps).
                            let n = match rng.random_range(0..4) {
                                0 => 0,
                                1 => rng.random_range(0..busy),
                                _ => rng.random_range(0..8),
                            };
                            ev.add_claims(event, band, n);
                        }
                    }
                    contract.settle_events(model, s, m, &ev, &mut fast);
                    settle_reference(&contract, model, s, m, &ev, &mut reference);
                }
                prop_assert_eq!(snapshot(&fast), snapshot(&reference), "month {}", m);
            }
            prop_assert!(fast.total > 0.0);
        }
    }

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

    /// The analytic fixture (24 months from 2030-01) with one £1,000 block paid in January of year 1
    /// on account of 10 engagements of the £100 tariff, and `until` as given (or none).
    fn model_lapsing(until: Option<&str>) -> Model {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let until = until.map_or(String::new(), |u| format!(", until = \"{u}\""));
        let block = "amount = 5000\nmonths = [\"2030-01\", \"2030-07\"]";
        let payer = "payer = \"council\"\npayee = \"charity\"\nsite = \"only\"";
        assert!(text.contains(block) && text.contains(payer));
        let text = text.replace(
            block,
            &format!("amount = 1000\nmonths = [\"2030-01\"]\non_account_of = {{ tariff = \"per_engagement\", events = 10{until} }}"),
        );
        let text = text.replace(
            payer,
            "payer = \"site.commissioner\"\npayee = \"site.provider\"\nsite = \"only\"",
        );
        parse_scenario("lapse.toml", &text).unwrap()
    }

    /// What the per-engagement tariff pays in year 1 and in year 2 for 6 engagements in year 1 (in
    /// March, 3 and in September, 3) and 8 in year 2 (in February, 5 and in June, 3).
    fn tariff_by_year(model: &Model) -> (Money, Money) {
        let contract = Contract::new(model);
        let mut ledger = Ledger::new(model, &contract);
        let line = model
            .rules
            .iter()
            .position(|r| r == "per_engagement")
            .unwrap();
        let mut by_year = [0.0; 2];
        for m in 0..24 {
            let before = ledger.by_rule[line];
            contract.settle_start_of_month(model, m, &mut ledger);
            let n = match m {
                2 | 8 | 17 => 3,
                13 => 5,
                _ => 0,
            };
            let mut ev = MonthEvents::default();
            ev.add(Event::Engagement, None, n);
            contract.settle_events(model, 0, m, &ev, &mut ledger);
            by_year[m as usize / 12] += ledger.by_rule[line] - before;
        }
        assert_eq!(ledger.site_income_block[0], 1000.0);
        (by_year[0], by_year[1])
    }

    /// A base that lapses at the end of year 1, worked by hand. The block covers 10 engagements
    /// from January 2030. Year 1 has 6 engagements: all covered, the tariff pays £0, and 4 of the
    /// base are left. With `until = "2030-12"` those 4 lapse at the end of December, so all 8 of
    /// year 2 are paid: 8 × £100 = £800. Without `until` (the base stands until a next block, and
    /// none comes) the 4 left cover the first 4 of year 2, so only 8 − 4 = 4 are paid: £400.
    #[test]
    fn a_base_lapses_after_its_until_and_the_tariff_pays_every_event_again() {
        assert_eq!(
            tariff_by_year(&model_lapsing(Some("2030-12"))),
            (0.0, 800.0)
        );
        assert_eq!(tariff_by_year(&model_lapsing(None)), (0.0, 400.0));
        // Lapsing after February of year 2 instead: the 5 of February are covered by 4 left, the
        // fifth and June's 3 are paid: 4 × £100.
        assert_eq!(
            tariff_by_year(&model_lapsing(Some("2031-02"))),
            (0.0, 400.0)
        );
        // Lapsing after January of year 2: nothing of year 2 is covered.
        assert_eq!(
            tariff_by_year(&model_lapsing(Some("2031-01"))),
            (0.0, 800.0)
        );
        // Lapsing after March of year 1, when 3 were used: the September 3 are paid.
        assert_eq!(
            tariff_by_year(&model_lapsing(Some("2030-03"))),
            (300.0, 800.0)
        );
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
