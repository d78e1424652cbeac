//! The catalogue of outcome counts a trial records: one table ([`COUNTS`]) says what each count
//! counts, so the row layout, the per-month recording and the settlement read one description
//! instead of hand-numbered offsets.
//!
//! A count of a banded event comes as a triple in the row: the total, then `.lt16`, then `.ge16`
//! (README, "Metric names").
//!
//! Beside the counts, the catalogue holds every other name a model's results carry: the provider
//! money and status figures per site, the finance figures, the financial-year metrics, and
//! [`MetricNames`], the full list of a model's metric and flag names in row order. It sits in the
//! scenario layer so that validation (plan and actual figures name metrics) can read it without
//! reaching up into the engine, whose `engine::metrics::Layout` builds from it.

use crate::scenario::{Band, Event, Model, Role, YearMonth};

/// What one count counts in a month at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Every occurrence of the event.
    Event(Event),
    /// The evidenced occurrences of an event that needs evidence (the ones a tariff pays on).
    Claimable(Event),
    /// Referrals taken on that did not engage.
    Declined,
    /// Referrals lost for want of capacity.
    Lost,
    /// ES taken on (replacements).
    Hires,
    /// ES in post, summed over months.
    EsInPost,
}

impl Counted {
    /// The event behind the count, if any.
    pub fn event(self) -> Option<Event> {
        match self {
            Counted::Event(e) | Counted::Claimable(e) => Some(e),
            _ => None,
        }
    }
    /// Whether the count is split by hours band (a triple in the row).
    pub fn banded(self) -> bool {
        self.event().is_some_and(Event::has_band)
    }
}

/// One count: its metric name and what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountDef {
    /// The metric name, e.g. `job_starts` or `claimable_6w`.
    pub name: &'static str,
    /// What it counts.
    pub counted: Counted,
}

const fn def(name: &'static str, counted: Counted) -> CountDef {
    CountDef { name, counted }
}

/// Every count recorded per site and in total, in row order. The names and their order are a
/// public contract: add new counts where they read naturally only if they are optional (see
/// [`counts`]), so that no existing scenario's row moves.
pub const COUNTS: [CountDef; 13] = [
    def("referrals", Counted::Event(Event::Referral)),
    def("referrals_declined", Counted::Declined),
    def("referrals_lost", Counted::Lost),
    def("engagements", Counted::Event(Event::Engagement)),
    def("job_starts", Counted::Event(Event::JobStart)),
    def("sustain_6w", Counted::Event(Event::Sustain6w)),
    def("sustain_13w", Counted::Event(Event::Sustain13w)),
    def("sustain_26w", Counted::Event(Event::Sustain26w)),
    def("claimable_6w", Counted::Claimable(Event::Sustain6w)),
    def("claimable_13w", Counted::Claimable(Event::Sustain13w)),
    def("claimable_26w", Counted::Claimable(Event::Sustain26w)),
    def("hires", Counted::Hires),
    def("es_in_post_months", Counted::EsInPost),
];

/// One column of the count block: a count in one band (`None`: both bands, the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountColumn {
    /// What the column counts.
    pub counted: Counted,
    /// The hours band counted (`None`: both bands, the total).
    pub band: Option<Band>,
}

/// The counts `model` records, in row order: every count but those of optional events the
/// model does not use ([`Model::records`]).
pub fn counts(model: &Model) -> impl Iterator<Item = &'static CountDef> + '_ {
    COUNTS
        .iter()
        .filter(|d| d.counted.event().is_none_or(|e| model.records(e)))
}

/// The columns of `model`'s count block with their names (`job_starts`, `job_starts.lt16`, …), in
/// row order.
pub fn count_columns(model: &Model) -> Vec<(String, CountColumn)> {
    let mut out = Vec::new();
    for d in counts(model) {
        out.push((
            d.name.to_string(),
            CountColumn {
                counted: d.counted,
                band: None,
            },
        ));
        if d.counted.banded() {
            for b in Band::ALL {
                out.push((
                    format!("{}.{}", d.name, b.name()),
                    CountColumn {
                        counted: d.counted,
                        band: Some(b),
                    },
                ));
            }
        }
    }
    out
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
    /// `provider.income`: payments the provider received, £.
    pub const INCOME: usize = 0;
    /// `provider.cost`: the provider's costs (staff, overheads, recruitment), £.
    pub const COST: usize = 1;
    /// `provider.margin`: income − cost, £.
    pub const MARGIN: usize = 2;
    /// `provider.lowest_cash`: the lowest month-end cash balance, £.
    pub const LOWEST_CASH: usize = 3;
    /// `provider.income_block`: the part of income from block payments, £.
    pub const INCOME_BLOCK: usize = 4;
    /// `provider.income_events`: the part of income from per-event (tariff) payments, £.
    pub const INCOME_EVENTS: usize = 5;
    /// `provider.block_share`: block income ÷ income, 0–1.
    pub const BLOCK_SHARE: usize = 6;
}

/// Per-site status figures (no programme total): months the site delivered (fewer than planned
/// if it was terminated) and months its provider spent in distress.
pub const SITE_STATUS: [&str; 2] = ["months_delivered", "provider.months_in_distress"];

/// The investor's and SPV's figures, when the scenario has `[finance]`: first the investor's
/// equity and loan together, then the SPV's, then (`investor.loan.…`) the loan alone — drawn,
/// interest paid, principal repaid, principal outstanding at the horizon, and its IRR with that
/// principal still owed or written off (`engine::investment::LoanBasis`).
pub const FINANCE_METRICS: [&str; 15] = [
    "investor.invested",
    "investor.returned",
    "investor.interest",
    "investor.multiple",
    "investor.irr",
    "spv.costs",
    "spv.shortfall",
    "spv.unfunded_end",
    "investor.mirr",
    "investor.loan.drawn",
    "investor.loan.interest_paid",
    "investor.loan.principal_repaid",
    "investor.loan.outstanding",
    "investor.loan.irr_owed",
    "investor.loan.irr_written_off",
];
/// Offsets in [`FINANCE_METRICS`].
pub mod finance {
    /// `investor.invested`: capital paid in, equity and loan drawn, £.
    pub const INVESTED: usize = 0;
    /// `investor.returned`: cash paid back to the investor, £.
    pub const RETURNED: usize = 1;
    /// `investor.interest`: the part of `investor.returned` that was interest, £.
    pub const INTEREST: usize = 2;
    /// `investor.multiple`: returned ÷ invested.
    pub const MULTIPLE: usize = 3;
    /// `investor.irr`: the annualised IRR of the investor's monthly cash flows (undefined without a sign change).
    pub const IRR: usize = 4;
    /// `spv.costs`: the SPV's own costs over the horizon, £.
    pub const SPV_COSTS: usize = 5;
    /// `spv.shortfall`: the largest month-end deficit of the SPV beyond the investor's facility, £.
    pub const SHORTFALL: usize = 6;
    /// `spv.unfunded_end`: the SPV's deficit left at the horizon, £.
    pub const UNFUNDED_END: usize = 7;
    /// `investor.mirr`: the investor's modified IRR, annual (finance rate the loan's, reinvestment 0%).
    pub const MIRR: usize = 8;
    /// `investor.loan.drawn`: loan principal drawn, £.
    pub const LOAN_DRAWN: usize = 9;
    /// `investor.loan.interest_paid`: loan interest paid, £.
    pub const LOAN_INTEREST_PAID: usize = 10;
    /// `investor.loan.principal_repaid`: loan principal repaid, £.
    pub const LOAN_PRINCIPAL_REPAID: usize = 11;
    /// `investor.loan.outstanding`: loan principal still owed at the horizon, £.
    pub const LOAN_OUTSTANDING: usize = 12;
    /// `investor.loan.irr_owed`: the loan's IRR counting the outstanding principal as still owed.
    pub const LOAN_IRR_OWED: usize = 13;
    /// `investor.loan.irr_written_off`: the loan's IRR with the outstanding principal written off.
    pub const LOAN_IRR_WRITTEN_OFF: usize = 14;
}
/// The investor's and SPV's flags; the last two say when a loan IRR is undefined (why: see
/// `engine::investment::SpvAccount::loan_irr` — no loan drawn, or drawn only at the horizon
/// itself, or, written off, a loss no rate zeroes).
pub const FINANCE_FLAGS: [&str; 6] = [
    "investor.capital_loss",
    "investor.irr_undefined",
    "investor.irr_multiple",
    "spv.default",
    "investor.loan.irr_owed_undefined",
    "investor.loan.irr_written_off_undefined",
];

/// The events counted monthly and per financial year, per site and in total: every outcome event
/// the model records (so a new trigger appears here without being listed), in [`Event::ALL`]
/// order — for today's events engagements, job starts, 6-week, 26-week and, where a site sets
/// `p_13w` or a rule pays on it, 13-week sustainments. Referrals are not outcomes and are left out.
pub fn recorded_events(model: &Model) -> Vec<Event> {
    Event::ALL
        .into_iter()
        .filter(|&e| e != Event::Referral && model.records(e))
        .collect()
}
/// The provider money recorded per financial year, after the counts.
pub const YEAR_MONEY: [&str; 3] = ["provider.income", "provider.cost", "provider.margin"];
/// The financial year (April–March) a calendar month falls in, by the year it starts.
pub fn financial_year(ym: YearMonth) -> i32 {
    if ym.month >= 4 {
        ym.year
    } else {
        ym.year - 1
    }
}

/// The names of the financial-year metrics of `model`, in row order (see the module doc).
pub fn window_metric_names(model: &Model) -> Vec<String> {
    let counted: Vec<&str> = recorded_events(model).iter().map(|e| e.metric()).collect();
    let mut names = Vec::new();
    for y in years(model) {
        for n in counted.iter().chain(&YEAR_MONEY) {
            names.push(format!("fy{y}.{n}"));
        }
        for site in &model.sites {
            for n in counted.iter().chain(&YEAR_MONEY) {
                names.push(format!("fy{y}.site.{}.{n}", site.id));
            }
        }
        for p in &model.parties {
            names.push(format!("fy{y}.payments.by_payer.{}", p.id));
        }
    }
    names
}

/// Whether `name` is a per-financial-year metric (`fy<YYYY>.…`). No other metric name starts
/// with `fy`: site and party ids only ever follow a `site.` or `payments.…` prefix.
pub fn is_financial_year_metric(name: &str) -> bool {
    name.strip_prefix("fy")
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(y, _)| !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()))
}

/// The financial years the horizon touches, first to last.
pub fn years(model: &Model) -> std::ops::RangeInclusive<i32> {
    let s = &model.settings;
    let last = s.start.plus(s.horizon.saturating_sub(1));
    financial_year(s.start)..=financial_year(last)
}

/// The position of `name` in `names`: the one lookup of a column by name, for every table of
/// named columns (metrics, flags, inputs, series).
pub fn column<S: AsRef<str>>(names: &[S], name: &str) -> Option<usize> {
    names.iter().position(|n| n.as_ref() == name)
}

/// The names of every metric and flag of one scenario, in row order, and where each section of
/// the row starts (the engine's `engine::metrics::Layout` reads its offsets from
/// them).
#[derive(Debug, Clone)]
pub struct MetricNames {
    /// Every metric name, in row order.
    pub metrics: Vec<String>,
    /// The columns of the count block (per site and in total), from
    /// [`COUNTS`].
    pub counts: Vec<CountColumn>,
    /// Every flag name (0/1 per trial), in row order.
    pub flags: Vec<String>,
    /// Where the per-site metrics (`site.<id>.…`) start in `metrics`.
    pub site_base: usize,
    /// Where the payment metrics (`payments.…`) start in `metrics`.
    pub payments_base: usize,
    /// The number of parties.
    pub n_parties: usize,
    /// The number of payment rules ([`Model::rules`]).
    pub n_rules: usize,
    /// Parties with a `max_share`, in order, and where their shares sit.
    pub capped_parties: Vec<usize>,
    /// Where the `payments.share.<party>` metrics start in `metrics`.
    pub shares_base: usize,
    /// Where the `caps.<name>.used` / `.utilisation` pairs start in `metrics`.
    pub caps_base: usize,
    /// Where the `plan.<metric>.met` flags start in `flags`.
    pub plan_flags: usize,
    /// Where the `caps.<name>.binds` flags start in `flags`.
    pub cap_flags: usize,
    /// Where the `max_share.<party>.exceeded` flags start in `flags`.
    pub share_flags: usize,
    /// Where the per-site status flags (`site.<id>.provider_distress`, `.terminated`) start in `flags`.
    pub status_flags: usize,
    /// The number of sites.
    pub n_sites: usize,
    /// Commissioners and outcome payers, in party order, and where their figures sit.
    pub payers: Vec<usize>,
    /// Where the `commissioning.…` cost-per-outcome metrics start in `metrics`.
    pub payers_base: usize,
    /// Parties with a budget, in party order.
    pub budgeted: Vec<usize>,
    /// Where the `commissioning.<party>.spend_vs_budget` metrics start in `metrics`.
    pub budget_base: usize,
    /// Where the `commissioning.<party>.over_budget` flags start in `flags`.
    pub budget_flags: usize,
    /// Where [`FINANCE_METRICS`] start in `metrics` (the end of the list when there is no finance).
    pub finance_base: usize,
    /// Where [`FINANCE_FLAGS`] start in `flags`.
    pub finance_flags: usize,
    /// Where the financial-year metrics (`engine::record`) start.
    pub window_base: usize,
}

impl MetricNames {
    /// The names of `model`'s metrics and flags.
    pub fn new(model: &Model) -> MetricNames {
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
        metrics.extend(window_metric_names(model));

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
        MetricNames {
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
}

#[cfg(test)]
mod year_name_tests {
    use super::is_financial_year_metric;

    #[test]
    fn financial_year_metrics_are_told_from_the_others() {
        for name in ["fy2017.engagements", "fy2018.site.haringey.provider.margin"] {
            assert!(is_financial_year_metric(name), "{name}");
        }
        for name in [
            "engagements",
            "fy.engagements",
            "fyx2017.a",
            "site.fy2017.engagements",
        ] {
            assert!(!is_financial_year_metric(name), "{name}");
        }
    }
}
