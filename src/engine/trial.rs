//! One trial: draw each site's inputs, then step every month through delivery → settlement →
//! finance, and record the metrics into the trial's row.

use crate::engine::delivery::{MonthEvents, SiteDelivery, SiteParams};
use crate::engine::finance::ProviderBooks;
use crate::engine::metrics::{count, money, Layout};
use crate::engine::rng::{self, purpose};
use crate::engine::settlement::{Contract, Ledger};
use crate::scenario::Model;
use crate::Month;

/// Everything about a model the trial loop needs, computed once per run.
#[derive(Debug, Clone)]
pub struct Prepared<'m> {
    pub model: &'m Model,
    pub layout: Layout,
    contract: Contract,
    /// Stream purposes per site: (parameters, delivery). Hashed from the site id, so adding or
    /// reordering sites leaves the other sites' streams unchanged.
    purposes: Vec<(u64, u64)>,
    /// Row index of each plan figure's metric.
    plan_metric: Vec<usize>,
}

impl<'m> Prepared<'m> {
    pub fn new(model: &'m Model) -> Prepared<'m> {
        let layout = Layout::new(model);
        let plan_metric = model
            .plan
            .iter()
            .map(|p| {
                layout
                    .index_of(&p.metric)
                    .expect("validation only accepts plan figures naming a metric")
            })
            .collect();
        Prepared {
            contract: Contract::new(model),
            purposes: model
                .sites
                .iter()
                .map(|s| (purpose("params", &s.id), purpose("delivery", &s.id)))
                .collect(),
            plan_metric,
            layout,
            model,
        }
    }
}

fn add_counts(row: &mut [f64], at: impl Fn(usize) -> usize, ev: &MonthEvents) {
    let mut add = |c: usize, v: u64| row[at(c)] += v as f64;
    add(count::REFERRALS, ev.referrals);
    add(count::REFERRALS_DECLINED, ev.referrals_declined);
    add(count::REFERRALS_LOST, ev.referrals_lost);
    add(count::ENGAGEMENTS, ev.engagements);
    for (base, v) in [
        (count::JOB_STARTS, ev.job_starts),
        (count::SUSTAIN_6W, ev.sustain_6w),
        (count::SUSTAIN_26W, ev.sustain_26w),
        (count::CLAIMABLE_6W, ev.claimable_6w),
        (count::CLAIMABLE_26W, ev.claimable_26w),
    ] {
        add(base, v[0] + v[1]);
        add(base + 1, v[0]);
        add(base + 2, v[1]);
    }
    add(count::HIRES, ev.hires);
    add(count::ES_IN_POST_MONTHS, ev.es_in_post);
}

/// Simulate trial `trial` of a run seeded with `seed`, writing its row (width `layout.width()`,
/// zeroed by the caller).
pub fn simulate(prep: &Prepared<'_>, seed: u64, trial: u64, row: &mut [f64]) {
    let model = prep.model;
    let layout = &prep.layout;
    let n_sites = model.sites.len();

    let mut params = Vec::with_capacity(n_sites);
    let mut delivery = Vec::with_capacity(n_sites);
    let mut streams = Vec::with_capacity(n_sites);
    let mut books = Vec::with_capacity(n_sites);
    for (site, &(p_purpose, d_purpose)) in model.sites.iter().zip(&prep.purposes) {
        let p = SiteParams::draw(site, &mut rng::stream(seed, trial, p_purpose));
        delivery.push(SiteDelivery::new(site, &p));
        books.push(ProviderBooks::new(&p));
        streams.push(rng::stream(seed, trial, d_purpose));
        params.push(p);
    }

    let mut ledger = Ledger::new(model, &prep.contract);
    let mut costs = vec![0.0; n_sites];
    for m in 0..model.settings.horizon as Month {
        ledger.start_month();
        prep.contract.settle_start_of_month(model, m, &mut ledger);
        costs.iter_mut().for_each(|c| *c = 0.0);
        for s in 0..n_sites {
            if !delivery[s].live(m) {
                continue;
            }
            let ev = delivery[s].step(m, &params[s], &mut streams[s]);
            prep.contract.settle_events(model, s, m, &ev, &mut ledger);
            costs[s] = ProviderBooks::month_cost(&params[s], &ev);
            add_counts(row, |c| layout.site_count(s, c), &ev);
            add_counts(row, |c| layout.total_count(c), &ev);
        }
        for s in 0..n_sites {
            books[s].close_month(ledger.site_net_month[s], costs[s]);
        }
    }
    record(prep, &books, &ledger, row);
}

/// Block income as a share of income (0 when there is no income).
fn block_share(block: f64, income: f64) -> f64 {
    if income > 0.0 {
        block / income
    } else {
        0.0
    }
}

/// Write a finished trial's money, payments, caps and flags into its row.
fn record(prep: &Prepared<'_>, books: &[ProviderBooks], ledger: &Ledger, row: &mut [f64]) {
    let model = prep.model;
    let layout = &prep.layout;
    let mut any_loss = false;
    for (s, b) in books.iter().enumerate() {
        let (block, events) = (ledger.site_income_block[s], ledger.site_income_events[s]);
        let values = [
            (money::INCOME, b.income),
            (money::COST, b.cost),
            (money::MARGIN, b.margin()),
            (money::LOWEST_CASH, b.lowest_cash),
            (money::INCOME_BLOCK, block),
            (money::INCOME_EVENTS, events),
            (money::BLOCK_SHARE, block_share(block, b.income)),
        ];
        for (k, v) in values {
            row[layout.site_money(s, k)] = v;
            if k != money::LOWEST_CASH && k != money::BLOCK_SHARE {
                row[layout.total_money(k)] += v;
            }
        }
        let loss = b.margin() < 0.0;
        any_loss |= loss;
        row[layout.loss_flag(Some(s))] = f64::from(u8::from(loss));
    }
    row[layout.total_money(money::BLOCK_SHARE)] = block_share(
        row[layout.total_money(money::INCOME_BLOCK)],
        row[layout.total_money(money::INCOME)],
    );
    row[layout.loss_flag(None)] = f64::from(u8::from(any_loss));

    row[layout.payments_total()] = ledger.total;
    for p in 0..model.parties.len() {
        row[layout.by_payer(p)] = ledger.paid_by[p];
        row[layout.by_payee(p)] = ledger.received_by[p];
    }
    for r in 0..model.rules.len() {
        row[layout.by_rule(r)] = ledger.by_rule[r];
    }
    row[layout.due_after_horizon()] = ledger.due_after_horizon;
    for (p, share_at, flag_at) in layout.capped_parties() {
        let share = if ledger.total > 0.0 {
            ledger.paid_by[p] / ledger.total
        } else {
            0.0
        };
        row[share_at] = share;
        let max = model.parties[p].max_share.unwrap_or(1.0);
        row[flag_at] = f64::from(u8::from(share > max));
    }
    for (c, cap) in model.caps.iter().enumerate() {
        let (used_at, utilisation_at, binds_at) = layout.cap(c);
        let slots = prep.contract.cap_slot_range(c);
        let used = &ledger.cap_used[slots];
        row[used_at] = used.iter().sum();
        row[utilisation_at] = used
            .iter()
            .fold(0.0, |a: f64, &u| a.max(u / cap.limit.value()));
        row[binds_at] = f64::from(u8::from(ledger.cap_binds[c]));
    }
    for (i, plan) in model.plan.iter().enumerate() {
        let met = row[prep.plan_metric[i]] >= plan.value;
        row[layout.plan_flag(i)] = f64::from(u8::from(met));
    }
}
