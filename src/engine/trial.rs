//! One trial: draw each site's inputs, then step every month through delivery → settlement →
//! finance, and record the metrics into the trial's row.
//!
//! The inputs (the parameter layer) come from the run's sampling [`Plan`]: with `mc`, from each
//! site's own parameter stream (and the copula's and SPV costs' streams), as always; with `lhs` or
//! `sobol`, from the trial's point of the plan, one uniform per input, in [`ParamDims`] order.

use crate::engine::delivery::{MonthEvents, SiteDelivery, SiteParams};
use crate::engine::finance::ProviderBooks;
use crate::engine::investment::{LoanBasis, SpvAccount};
use crate::engine::metrics::{money, Layout};
use crate::engine::record::{RecordLayout, TrialRecorder};
use crate::engine::rng::{self, purpose};
use crate::engine::sampling::Plan;
use crate::engine::settlement::{Contract, Ledger};
use crate::scenario::{Event, Model, Param, Role, Site, Termination};
use crate::Month;

/// Everything about a model the trial loop needs, computed once per run.
#[derive(Debug, Clone)]
pub struct Prepared<'m> {
    /// The model run.
    pub model: &'m Model,
    /// Where each metric and flag sits in a trial's row.
    pub layout: Layout,
    /// What the trial records beside its row: inputs, monthly series, year metrics.
    pub record: RecordLayout,
    contract: Contract,
    /// Stream purposes per site: (parameters, delivery). Hashed from the site id, so adding or
    /// reordering sites leaves the other sites' streams unchanged.
    purposes: Vec<(u64, u64)>,
    /// Row index of each plan figure's metric.
    plan_metric: Vec<usize>,
    /// Per commissioner or outcome payer (in [`MetricNames::payers`] order): the sites whose outcomes
    /// its spend is set against — those it commissions, or those where it pays a tariff.
    payer_sites: Vec<Vec<usize>>,
    /// How each trial's inputs get their uniforms (default: `mc`).
    pub plan: Plan,
    /// Which dimension of a plan's point each input takes.
    pub dims: ParamDims,
}

/// The dimensions of the parameter layer's point: every site's inputs that the copula may cover
/// (site-major, site s's input i at `s × Param::N_CORE + i`, the copula's own order), then each
/// site's optional input (`p_13w`) where it sets one, then each site's demand multipliers, then
/// the SPV's monthly costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDims {
    /// Dimensions of the core inputs: sites × [`Param::N_CORE`].
    pub core: usize,
    /// Per site, the dimension of its `p_13w` (`None`: the site has none).
    pub optional: Vec<Option<usize>>,
    /// Per site, the dimension of its first demand multiplier (the others follow, one per shock).
    pub demand: Vec<usize>,
    /// The first SPV cost's dimension (the others follow).
    pub spv: usize,
    /// Dimensions in all (D).
    pub total: usize,
}

impl ParamDims {
    /// The dimensions of `model`'s parameter layer.
    pub fn new(model: &Model) -> ParamDims {
        let core = model.sites.len() * Param::N_CORE;
        let mut next = core;
        let optional = model
            .sites
            .iter()
            .map(|s| {
                s.sustain_13w.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let demand = model
            .sites
            .iter()
            .map(|s| {
                next += s.demand.len();
                next - s.demand.len()
            })
            .collect();
        let spv = next;
        let total = spv + model.finance.as_ref().map_or(0, |f| f.costs.len());
        ParamDims {
            core,
            optional,
            demand,
            spv,
            total,
        }
    }
}

impl<'m> Prepared<'m> {
    /// Lay out `model` for the trial loop: the row layout, the contract's rules, what to record.
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
        let payer_sites = layout
            .payers
            .iter()
            .map(|&p| {
                (0..model.sites.len())
                    .filter(|&s| match model.parties[p].role {
                        Role::Commissioner => model.sites[s].commissioner == p,
                        _ => model.tariffs.iter().any(|t| t.site == s && t.payer == p),
                    })
                    .collect()
            })
            .collect();
        Prepared {
            payer_sites,
            plan: Plan::mc(model.settings.trials),
            dims: ParamDims::new(model),
            contract: Contract::new(model),
            purposes: model
                .sites
                .iter()
                .map(|s| (purpose("params", &s.id), purpose("delivery", &s.id)))
                .collect(),
            plan_metric,
            layout,
            record: RecordLayout::new(model),
            model,
        }
    }

    /// The same, with trials drawing their inputs by `plan`.
    pub fn with_plan(mut self, plan: Plan) -> Prepared<'m> {
        self.plan = plan;
        self
    }
}

/// Add a month's events to one count block: column `c` of [`MetricNames::counts`] sits at `at(c)`.
fn add_counts(row: &mut [f64], layout: &Layout, at: impl Fn(usize) -> usize, ev: &MonthEvents) {
    for (c, &col) in layout.counts.iter().enumerate() {
        row[at(c)] += ev.count(col) as f64;
    }
}

/// One worker's reusable state for trials (issue 8, item 7): every per-trial vector, allocated
/// once per work unit and reset, not reallocated, for each trial. A trial's results do not depend
/// on what the scratch held before: everything is reset or overwritten at its start.
#[derive(Debug)]
pub struct Scratch<'p> {
    /// The trial's inputs, monthly series and year figures, read after [`simulate`].
    pub rec: TrialRecorder<'p>,
    delivery: Vec<SiteDelivery>,
    streams: Vec<rng::Stream>,
    books: Vec<ProviderBooks>,
    ledger: Ledger,
    spv: Option<SpvAccount>,
    spv_draws: Vec<f64>,
    /// The trial's point of the sampling plan (`lhs`, `sobol`), one uniform per input.
    points: Vec<f64>,
    params: Vec<SiteParams>,
    status: Vec<SiteStatus>,
    costs: Vec<f64>,
    live: Vec<bool>,
}

impl<'p> Scratch<'p> {
    /// Scratch for trials of `prep`.
    pub fn new(prep: &'p Prepared<'_>) -> Scratch<'p> {
        let model = prep.model;
        let n_sites = model.sites.len();
        Scratch {
            rec: TrialRecorder::new(&prep.record),
            delivery: Vec::with_capacity(n_sites),
            streams: Vec::with_capacity(n_sites),
            books: Vec::with_capacity(n_sites),
            ledger: Ledger::new(model, &prep.contract),
            spv: model
                .finance
                .as_ref()
                .map(|_| SpvAccount::new(model.settings.horizon, 0.0)),
            spv_draws: Vec::new(),
            points: vec![0.0; prep.dims.total],
            params: Vec::with_capacity(n_sites),
            status: vec![SiteStatus::default(); n_sites],
            costs: vec![0.0; n_sites],
            live: vec![false; n_sites],
        }
    }
}

/// Draw trial `trial`'s inputs: each site's into `params`, the SPV's monthly costs into
/// `spv_draws` (cleared first), from the parameter layer's point `points` (one uniform per
/// [`ParamDims`] dimension) or, without one (`mc`), from the trial's own streams.
fn draw_inputs(
    prep: &Prepared<'_>,
    seed: u64,
    trial: u64,
    points: Option<&[f64]>,
    params: &mut Vec<SiteParams>,
    spv_draws: &mut Vec<f64>,
) {
    let model = prep.model;
    params.clear();
    spv_draws.clear();
    let n_in = Param::N_CORE;
    let correlated = model.copula.as_ref().map(|c| match points {
        Some(u) => c.uniforms_from(&u[..prep.dims.core]),
        None => c.uniforms(&mut rng::stream(seed, trial, purpose("copula", ""))),
    });
    for (s, (site, &(p_purpose, _))) in model.sites.iter().zip(&prep.purposes).enumerate() {
        let core = correlated.as_deref().or(points);
        let p = match (core, points) {
            (Some(u), Some(pts)) => {
                let mut p = SiteParams::from_uniforms(site, &u[s * n_in..(s + 1) * n_in]);
                if let Some(d) = prep.dims.optional[s] {
                    optional_from_uniform(&mut p, site, pts[d]);
                }
                let d = prep.dims.demand[s];
                p.demand_from_uniforms(site, &pts[d..d + site.demand.len()]);
                p
            }
            // The copula covers the inputs every site has; optional ones and demand multipliers
            // are drawn from the site's own parameter stream (unused otherwise when there is a
            // copula), so they shift no dimension.
            (Some(u), None) => {
                let mut p = SiteParams::from_uniforms(site, &u[s * n_in..(s + 1) * n_in]);
                if site.sustain_13w || !site.demand.is_empty() {
                    let mut rng = rng::stream(seed, trial, p_purpose);
                    p.draw_optional(site, &mut rng);
                    p.draw_demand(site, &mut rng);
                }
                p
            }
            (None, _) => SiteParams::draw(site, &mut rng::stream(seed, trial, p_purpose)),
        };
        params.push(p);
    }
    if let Some(f) = &model.finance {
        match points {
            Some(u) => spv_draws.extend(
                f.costs
                    .iter()
                    .zip(&u[prep.dims.spv..])
                    .map(|(d, &u)| d.quantile(u)),
            ),
            None => {
                // A label no site id can take (ids have no spaces), so no site shares this stream.
                let mut rng = rng::stream(seed, trial, purpose("spv costs", ""));
                spv_draws.extend(f.costs.iter().map(|d| d.sample(&mut rng)));
            }
        }
    }
}

/// `p_13w` from the uniform `u`, as [`SiteParams::draw_optional`] draws it from a stream: the
/// quantile, clamped like every input, raised to the trial's `p_26w` (every 26-week sustainment is
/// a 13-week one).
fn optional_from_uniform(p: &mut SiteParams, site: &Site, u: f64) {
    let q = Param::P13w;
    let x = site.input(q).quantile(u);
    let x = q.max().map_or(x, |m| x.clamp(-m, m));
    p.values[q as usize] = x.max(p.get(Param::P26w));
}

/// Trial `trial`'s drawn inputs, in [`RecordLayout::input_names`] order, without simulating it:
/// what the trial records as its inputs.
pub fn inputs(prep: &Prepared<'_>, seed: u64, trial: u64) -> Vec<f64> {
    let (mut params, mut spv) = (Vec::new(), Vec::new());
    let mut points = vec![0.0; prep.dims.total];
    let points = plan_point(prep, seed, trial, &mut points);
    draw_inputs(prep, seed, trial, points, &mut params, &mut spv);
    let mut out: Vec<f64> = params
        .iter()
        .zip(&prep.model.sites)
        .flat_map(|(p, site)| p.drawn(site).iter().chain(&p.demand).copied())
        .collect();
    out.extend(spv);
    out
}

/// Trial `trial`'s point of the run's sampling plan, written into `buf` (`None` for `mc`, whose
/// inputs come from the trial's own streams).
fn plan_point<'b>(
    prep: &Prepared<'_>,
    seed: u64,
    trial: u64,
    buf: &'b mut [f64],
) -> Option<&'b [f64]> {
    prep.plan.method.replicated().then(|| {
        prep.plan.uniforms(seed, trial, buf);
        &*buf
    })
}

/// Simulate trial `trial` of a run seeded with `seed`, writing its row (width `layout.width()`,
/// zeroed by the caller) and its inputs and monthly series into `scratch.rec` (reset here).
pub fn simulate(
    prep: &Prepared<'_>,
    seed: u64,
    trial: u64,
    row: &mut [f64],
    scratch: &mut Scratch<'_>,
) {
    simulate_from(prep, seed, Source::Trial(trial), row, scratch);
}

/// Simulate one trial at a given point of the parameter layer, as a pick-freeze (Sobol) design
/// needs ([`crate::sensitivity::sobol`]): `point` writes the point's uniforms (one per
/// [`ParamDims`] dimension, each in the open interval (0, 1)) into the slice it is given and
/// returns the trial's *delivery key*. The trial is [`simulate`]'s, but for where its randomness
/// comes from: its inputs are drawn from the point exactly as from an `lhs` or `sobol` plan's
/// (the copula, if any, applied to the core dimensions), and its delivery streams are those of
/// trial `key` of a run seeded with `seed`.
pub fn simulate_at(
    prep: &Prepared<'_>,
    seed: u64,
    point: &dyn Fn(&mut [f64]) -> u64,
    row: &mut [f64],
    scratch: &mut Scratch<'_>,
) {
    simulate_from(prep, seed, Source::Point(point), row, scratch);
}

/// Where a trial's randomness comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Trial `t` of the run: its point of the run's plan, its own streams.
    Trial(u64),
    /// A given point, and the delivery key it returns ([`simulate_at`]).
    Point(&'a dyn Fn(&mut [f64]) -> u64),
}

/// [`simulate`] or [`simulate_at`].
fn simulate_from(
    prep: &Prepared<'_>,
    seed: u64,
    source: Source<'_>,
    row: &mut [f64],
    scratch: &mut Scratch<'_>,
) {
    let Scratch {
        rec,
        delivery,
        streams,
        books,
        ledger,
        spv: spv_slot,
        spv_draws,
        points,
        params,
        status,
        costs,
        live,
    } = scratch;
    rec.reset();
    ledger.reset();
    status.iter_mut().for_each(|s| *s = SiteStatus::default());
    live.iter_mut().for_each(|l| *l = false);
    streams.clear();
    books.clear();
    let model = prep.model;
    let layout = &prep.layout;
    let n_sites = model.sites.len();

    let (trial, points) = match source {
        Source::Point(fill) => {
            let key = fill(points);
            (key, Some(points.as_slice()))
        }
        Source::Trial(t) => (t, plan_point(prep, seed, t, points)),
    };
    draw_inputs(prep, seed, trial, points, params, spv_draws);
    for (s, (site, &(_, d_purpose))) in model.sites.iter().zip(&prep.purposes).enumerate() {
        let p = &params[s];
        match delivery.get_mut(s) {
            Some(d) => d.reset(site, p),
            None => delivery.push(SiteDelivery::new(site, p)),
        }
        books.push(ProviderBooks::new(p));
        streams.push(rng::stream(seed, trial, d_purpose));
        rec.site_inputs(s, p.drawn(site), &p.demand);
    }

    let mut spv = match (model.finance.as_ref(), spv_slot.as_mut()) {
        (Some(_), Some(a)) => {
            rec.spv_costs(spv_draws);
            let monthly: f64 = spv_draws.iter().sum();
            a.reset(monthly);
            Some(a)
        }
        _ => None,
    };
    let horizon = model.settings.horizon;
    for m in 0..horizon as Month {
        ledger.start_month();
        if let (Some(a), Some(f)) = (&mut spv, &model.finance) {
            a.start_month(f, m);
        }
        prep.contract.settle_start_of_month(model, m, ledger);
        costs.iter_mut().for_each(|c| *c = 0.0);
        for s in 0..n_sites {
            live[s] = delivery[s].live(m);
            if !live[s] {
                continue;
            }
            let ev = delivery[s].step(m, &params[s], &mut streams[s]);
            prep.contract.settle_events(model, s, m, &ev, ledger);
            costs[s] = ProviderBooks::month_cost(&params[s], &ev);
            rec.site_events(s, m, &ev);
            add_counts(row, layout, |c| layout.site_count(s, c), &ev);
            add_counts(row, layout, |c| layout.total_count(c), &ev);
            if let Some(t) = &model.sites[s].termination {
                if let Some(last) = status[s].judge(t, &model.sites[s], m, &ev) {
                    delivery[s].terminate_after(last);
                    ledger.site_closed_after[s] = Some(delivery[s].end());
                }
            }
        }
        for s in 0..n_sites {
            books[s].close_month(ledger.site_net_month[s], costs[s]);
            // Distress is judged on the month's closing cash and acts on the next month's delivery.
            if let (true, Some(d)) = (live[s], &model.sites[s].distress) {
                let distressed = books[s].cash < d.cash_floor;
                status[s].months_in_distress += u32::from(distressed);
                delivery[s].set_distress(distressed);
            }
        }
        if let (Some(a), Some(f)) = (&mut spv, &model.finance) {
            a.end_month(f, m, ledger.party_net_month[f.spv], m + 1 == horizon);
        }
        rec.end_month(m, books, ledger, costs, spv.as_deref());
    }
    for (s, st) in status.iter_mut().enumerate() {
        let site = &model.sites[s];
        let last = delivery[s].end().min(model.settings.horizon - 1);
        st.months_delivered = (last + 1).saturating_sub(site.start);
    }
    record(prep, books, ledger, status, row);
    if let Some(a) = &spv {
        record_finance(prep, a, row);
    }
    rec.finish(&mut row[layout.window()]);
    record_plan(prep, row);
}

/// The investor's and SPV's figures, and the loan's alone. An undefined IRR is recorded as NaN,
/// which the summary leaves out of the IRR's statistics, and flagged: `investor.irr_undefined`,
/// `investor.loan.irr_owed_undefined`, `investor.loan.irr_written_off_undefined`.
fn record_finance(prep: &Prepared<'_>, a: &SpvAccount, row: &mut [f64]) {
    use crate::engine::metrics::finance as f;
    let layout = &prep.layout;
    let irr = a.irr();
    let multiple = a.multiple();
    let mirr = prep.model.finance.as_ref().and_then(|fin| a.mirr(fin));
    let loan_owed = a.loan_irr(LoanBasis::Owed).rate();
    let loan_lost = a.loan_irr(LoanBasis::WrittenOff).rate();
    for (k, v) in [
        (f::INVESTED, a.invested),
        (f::RETURNED, a.returned),
        (f::INTEREST, a.interest_paid),
        (f::MULTIPLE, multiple.unwrap_or(f64::NAN)),
        (f::IRR, irr.rate().unwrap_or(f64::NAN)),
        (f::SPV_COSTS, a.costs),
        (f::SHORTFALL, a.shortfall),
        (f::UNFUNDED_END, if a.cash < 0.0 { -a.cash } else { 0.0 }),
        (f::MIRR, mirr.unwrap_or(f64::NAN)),
        (f::LOAN_DRAWN, a.lent),
        (f::LOAN_INTEREST_PAID, a.interest_paid),
        (f::LOAN_PRINCIPAL_REPAID, a.principal_repaid),
        (f::LOAN_OUTSTANDING, a.principal),
        (f::LOAN_IRR_OWED, loan_owed.unwrap_or(f64::NAN)),
        (f::LOAN_IRR_WRITTEN_OFF, loan_lost.unwrap_or(f64::NAN)),
    ] {
        row[layout.finance(k)] = v;
    }
    let flag = |b: bool| f64::from(u8::from(b));
    row[layout.finance_flag(0)] = flag(multiple.is_some_and(|x| x < 1.0));
    row[layout.finance_flag(1)] = flag(irr.rate().is_none());
    row[layout.finance_flag(2)] = flag(irr.is_multiple());
    row[layout.finance_flag(3)] = flag(a.shortfall > 0.0);
    row[layout.finance_flag(4)] = flag(loan_owed.is_none());
    row[layout.finance_flag(5)] = flag(loan_lost.is_none());
}

/// What became of a site in a trial, beyond its books.
#[derive(Debug, Clone, Default)]
struct SiteStatus {
    /// The judged event counted so far, and the months in a row below the bar.
    cumulative: u64,
    below_run: u32,
    terminated: bool,
    months_in_distress: u32,
    months_delivered: u32,
}

impl SiteStatus {
    /// Judge month `m` for termination: the cumulative count of the judged event against
    /// `below_share` of the plan pro rata to date (plan × months so far ÷ months planned), from
    /// the end of the grace period. Returns the last month of delivery once notice is given.
    fn judge(&mut self, t: &Termination, site: &Site, m: Month, ev: &MonthEvents) -> Option<Month> {
        self.cumulative += ev.total(t.event);
        let elapsed = m - site.start + 1;
        if self.terminated || elapsed <= t.grace_months {
            return None;
        }
        let planned = t.plan * elapsed as f64 / (site.end - site.start + 1) as f64;
        if (self.cumulative as f64) < t.below_share * planned {
            self.below_run += 1;
        } else {
            self.below_run = 0;
        }
        if self.below_run < t.months {
            return None;
        }
        // Notice running to the planned end or beyond is no early end: the contract runs out.
        if m + t.notice_months >= site.end {
            return None;
        }
        self.terminated = true;
        Some(m + t.notice_months)
    }
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
fn record(
    prep: &Prepared<'_>,
    books: &[ProviderBooks],
    ledger: &Ledger,
    status: &[SiteStatus],
    row: &mut [f64],
) {
    let model = prep.model;
    let layout = &prep.layout;
    let flag = |b: bool| f64::from(u8::from(b));
    let (mut any_distress, mut any_terminated) = (false, false);
    for (s, st) in status.iter().enumerate() {
        row[layout.site_status(s, 0)] = st.months_delivered as f64;
        row[layout.site_status(s, 1)] = st.months_in_distress as f64;
        row[layout.distress_flag(Some(s))] = flag(st.months_in_distress > 0);
        row[layout.terminated_flag(Some(s))] = flag(st.terminated);
        any_distress |= st.months_in_distress > 0;
        any_terminated |= st.terminated;
    }
    row[layout.distress_flag(None)] = flag(any_distress);
    row[layout.terminated_flag(None)] = flag(any_terminated);

    // Cost per outcome for each commissioner and outcome payer, and for all of them together; a
    // ratio with no outcomes is undefined (NaN: left out of the statistics).
    let ratio = |spend: f64, n: f64| if n > 0.0 { spend / n } else { f64::NAN };
    let outcomes = |row: &[f64], sites: &[usize], c: usize| -> f64 {
        sites.iter().map(|&s| row[layout.site_count(s, c)]).sum()
    };
    let mut all_spend = 0.0;
    for (k, &p) in layout.payers.iter().enumerate() {
        let sites = &prep.payer_sites[k];
        // Net of what the party received (a co-commissioner reimbursed by the SPV, say), so that
        // money passing through it is not counted as its own, nor twice overall.
        let spend = ledger.paid_by[p] - ledger.received_by[p];
        let starts = outcomes(row, sites, layout.event_count(Event::JobStart));
        let sustained = outcomes(row, sites, layout.event_count(Event::Sustain26w));
        let (per_start, per_sustained) = layout.commissioning(k);
        row[per_start] = ratio(spend, starts);
        row[per_sustained] = ratio(spend, sustained);
        all_spend += spend;
    }
    for (k, &p) in layout.budgeted.iter().enumerate() {
        let budget = model.parties[p].budget.unwrap_or(f64::INFINITY);
        let spend = ledger.paid_by[p] - ledger.received_by[p];
        let (vs_budget, over) = layout.budget(k);
        row[vs_budget] = spend / budget;
        row[over] = flag(spend > budget);
    }
    let (per_start, per_sustained) = layout.commissioning_overall();
    let total = |row: &[f64], e| row[layout.total_count(layout.event_count(e))];
    row[per_start] = ratio(all_spend, total(row, Event::JobStart));
    row[per_sustained] = ratio(all_spend, total(row, Event::Sustain26w));
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
}

/// Whether each plan figure was met, once every metric is in the row (an undefined value, such as
/// an IRR with no root, does not meet a plan).
fn record_plan(prep: &Prepared<'_>, row: &mut [f64]) {
    for (i, plan) in prep.model.plan.iter().enumerate() {
        let met = row[prep.plan_metric[i]] >= plan.value;
        row[prep.layout.plan_flag(i)] = f64::from(u8::from(met));
    }
}
