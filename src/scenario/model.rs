//! The validated model: what the engine simulates. Built only by [`crate::scenario::validate`], so
//! every value here has been checked (parties and sites resolved to indices, months inside the
//! horizon, every distribution's support inside its field's domain).

use std::fmt;

pub use crate::distributions::Copula;
use crate::distributions::Dist;
use crate::{Money, Month};

/// A calendar month, for labels and for reading `"YYYY-MM"` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// Parse `"YYYY-MM"`: exactly four digits, `-`, two digits from 01 to 12 (no sign, space or
    /// other width, which `str::parse` alone would let through: `"2030-+1"` is not a month).
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.split_once('-')?;
        let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y, 4) && digits(m, 2)) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    /// Months from `self` to `other` (negative if `other` is earlier).
    pub fn months_until(self, other: YearMonth) -> i64 {
        (other.year as i64 - self.year as i64) * 12 + other.month as i64 - self.month as i64
    }

    /// The month `n` months after `self`.
    pub fn plus(self, n: u32) -> YearMonth {
        let idx = self.year as i64 * 12 + (self.month as i64 - 1) + n as i64;
        YearMonth {
            year: idx.div_euclid(12) as i32,
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Simulation settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub trials: u64,
    pub seed: u64,
    /// Number of monthly steps.
    pub horizon: Month,
    /// Calendar month of step 0.
    pub start: YearMonth,
    /// Low and high summary quantiles (the median is always reported).
    pub low: f64,
    pub high: f64,
}

/// The role a party plays in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Commissioner,
    OutcomePayer,
    Spv,
    Provider,
    Investor,
}

impl Role {
    pub const NAMES: [&'static str; 5] = [
        "commissioner",
        "outcome_payer",
        "spv",
        "provider",
        "investor",
    ];

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "commissioner" => Role::Commissioner,
            "outcome_payer" => Role::OutcomePayer,
            "spv" => Role::Spv,
            "provider" => Role::Provider,
            "investor" => Role::Investor,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Largest share of all payments this party may make (the 50% top-up rule), if any.
    pub max_share: Option<f64>,
    /// Budget over the horizon, £, if any (spend is reported against it).
    pub budget: Option<Money>,
}

impl Finance {
    /// The monthly rate of annual rate `rate`: (1 + r)^(1/12) − 1 compounded annually, r / 12
    /// monthly.
    pub fn monthly_rate_for(rate: f64, monthly_compounding: bool) -> f64 {
        if monthly_compounding {
            rate / 12.0
        } else {
            (1.0 + rate).powf(1.0 / 12.0) - 1.0
        }
    }
}

/// How the investor's loan is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawdown {
    /// All at the start of the horizon.
    Upfront,
    /// When the SPV's cash would go below zero, up to the facility.
    AsNeeded,
    /// On the months given, and as needed between them.
    Schedule(Vec<(Month, Money)>),
}

/// How the SPV repays the investor.
#[derive(Debug, Clone, PartialEq)]
pub enum Repayment {
    /// Each month, cash above the reserve pays interest, then principal.
    Sweep,
    /// On the months given: the interest due, then up to that much principal (as cash above the
    /// reserve allows; what cannot be paid waits for the next date or the end).
    Schedule(Vec<(Month, Money)>),
    /// Everything at the end of the horizon.
    AtEnd,
}

/// The SPV's account and the investor's capital.
#[derive(Debug, Clone)]
pub struct Finance {
    pub spv: usize,
    pub investor: usize,
    pub equity: Money,
    pub loan: Money,
    /// Interest per month on the balance (principal and unpaid interest): (1 + r)^(1/12) − 1 for
    /// annual compounding, r / 12 for monthly ([`Finance::monthly_rate_for`]).
    pub monthly_rate: f64,
    /// The annual rate r as written, and whether it compounds monthly (else annually): kept so that
    /// a comparison can change the rate ([`crate::compare`]).
    pub interest_rate: f64,
    pub monthly_compounding: bool,
    pub drawdown: Drawdown,
    /// Most the investor lends in all.
    pub facility: Money,
    pub repayment: Repayment,
    pub cash_reserve: Money,
    /// The SPV's monthly costs: central team, administration, evaluation.
    pub costs: Vec<Dist>,
}

/// What happens to referrals beyond free caseload capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Excess {
    /// They wait for capacity (dropping out at the `wait_dropout` rate each month).
    Wait,
    /// They are lost.
    Lost,
}

/// The largest amount of money, in £, a single input, tariff or block may hold: far beyond any
/// contract, small enough that every sum over a horizon stays finite.
/// Smallest positive amount of money a budget, equity, loan or other fixed sum may be: a penny.
/// Below it the ratios to it (spend ÷ budget, returned ÷ invested) reach 1e300 and beyond, or ∞.
pub const MIN_MONEY: f64 = 0.01;
pub const MAX_MONEY: f64 = 1e12;

/// The valid range of a numeric input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// A probability or share, in [0, 1].
    Probability,
    /// Zero or more (months, money, rates).
    NonNegative,
    /// Zero or more, used as a whole number (rounded to the nearest when drawn).
    Count,
    /// Strictly positive.
    Positive,
    /// Any finite number (cash may start negative).
    Any,
}

impl Domain {
    pub fn contains(self, lo: f64, hi: f64) -> bool {
        match self {
            Domain::Probability => lo >= 0.0 && hi <= 1.0,
            Domain::NonNegative | Domain::Count => lo >= 0.0,
            Domain::Positive => lo > 0.0,
            Domain::Any => true,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Domain::Probability => "a probability: a number from 0 to 1, or a distribution whose values all lie in [0, 1] (beta, beta_mean, beta_counts, or uniform/triangular/pert/truncated normal within [0, 1])",
            Domain::NonNegative => "a number ≥ 0, or a distribution whose values are all ≥ 0 (e.g. gamma, lognormal, pert with min ≥ 0, or normal with min = 0)",
            Domain::Count => "a whole number ≥ 0, or a distribution whose values are all ≥ 0 (drawn values are rounded)",
            Domain::Positive => "a number > 0, or a distribution whose values are all > 0 (e.g. gamma, lognormal)",
            Domain::Any => "a finite number or a distribution",
        }
    }
}

macro_rules! params {
    ($( $var:ident => $table:literal, $field:literal, $domain:ident, $default:expr; )*) => {
        /// Every per-site numeric input, in stream order: a trial draws them in this order, one
        /// uniform each, from the site's parameter stream.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Param { $($var),* }

        impl Param {
            pub const ALL: &'static [Param] = &[$(Param::$var),*];
            /// The table the field sits in under `[sites.<id>]`.
            pub fn table(self) -> &'static str { match self { $(Param::$var => $table),* } }
            /// The field name.
            pub fn field(self) -> &'static str { match self { $(Param::$var => $field),* } }
            pub fn domain(self) -> Domain { match self { $(Param::$var => Domain::$domain),* } }
            /// The value used when an optional field is absent (`None`: the field is required).
            pub fn default(self) -> Option<f64> { match self { $(Param::$var => $default),* } }
            /// The largest magnitude a site may plausibly need, for inputs whose size sets the work a
            /// trial does or whose sums must stay finite: validation refuses distributions with more
            /// than a 1e-9 chance of a draw beyond it, and the engine clamps draws to it (so a trial
            /// always ends in good time with finite numbers).
            pub fn max(self) -> Option<f64> {
                match self {
                    Param::ReferralsPerMonth => Some(100_000.0),
                    Param::EsPosts | Param::CaseloadPerEs | Param::TeamLeaders => Some(10_000.0),
                    Param::RampMonths
                    | Param::TimeToJobMonths
                    | Param::MonthsWithoutJob
                    | Param::MonthsToFill => Some(1_200.0),
                    Param::EsSalary
                    | Param::TeamLeaderSalary
                    | Param::OverheadsPerMonth
                    | Param::RecruitmentCostPerHire => Some(MAX_MONEY),
                    Param::OnCostRate => Some(100.0),
                    Param::OpeningCash => Some(MAX_MONEY),
                    _ => None,
                }
            }
        }
    };
}

params! {
    ReferralsPerMonth => "delivery", "referrals_per_month", NonNegative, None;
    ReferralDispersion => "delivery", "referral_dispersion", Positive, Some(f64::INFINITY);
    RampMonths => "delivery", "ramp_months", Count, Some(0.0);
    PEngage => "delivery", "p_engage", Probability, None;
    CaseloadPerEs => "delivery", "caseload_per_es", Count, None;
    WaitDropout => "delivery", "wait_dropout", Probability, Some(0.0);
    PJobStart => "delivery", "p_job_start", Probability, None;
    TimeToJobMonths => "delivery", "time_to_job_months", NonNegative, None;
    MonthsWithoutJob => "delivery", "months_on_caseload_without_job", NonNegative, None;
    ShareGe16 => "delivery", "share_ge16", Probability, None;
    P6w => "delivery", "p_6w", Probability, None;
    P26w => "delivery", "p_26w", Probability, None;
    PEvidence => "delivery", "p_evidence", Probability, None;
    EsPosts => "staffing", "es_posts", Count, None;
    TeamLeaders => "staffing", "team_leaders", Count, Some(0.0);
    TurnoverPerMonth => "staffing", "turnover_per_month", Probability, None;
    MonthsToFill => "staffing", "months_to_fill", NonNegative, None;
    EsSalary => "costs", "es_salary", NonNegative, None;
    TeamLeaderSalary => "costs", "team_leader_salary", NonNegative, Some(0.0);
    OnCostRate => "costs", "on_cost_rate", NonNegative, None;
    OverheadsPerMonth => "costs", "overheads_per_month", NonNegative, Some(0.0);
    RecruitmentCostPerHire => "costs", "recruitment_cost_per_hire", NonNegative, Some(0.0);
    OpeningCash => "costs", "opening_cash", Any, Some(0.0);
    // Optional inputs come last, after every input a site always draws (see `Param::N_CORE`).
    P13w => "delivery", "p_13w", Probability, None;
}

impl Param {
    /// How many inputs every site draws: those before the first optional one ([`Param::P13w`]).
    /// The copula covers these only, so an optional input shifts no copula dimension.
    pub const N_CORE: usize = Param::P13w as usize;

    /// Whether the input may be absent, switching off what it models instead of taking a default
    /// (`p_13w`: no 13-week sustainment is drawn or counted at the site).
    pub fn optional(self) -> bool {
        self == Param::P13w
    }
}

/// One site (contract): who delivers, for whom, when, and the distributions of its inputs.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    /// Party index of the provider.
    pub provider: usize,
    /// Party index of the local commissioner.
    pub commissioner: usize,
    /// First and last month of delivery (inclusive).
    pub start: Month,
    pub end: Month,
    pub excess: Excess,
    /// One distribution per [`Param`], indexed by `Param as usize` (an absent optional input is
    /// a fixed NaN, never drawn).
    pub inputs: Vec<Dist>,
    /// Whether the site sets `p_13w`, and so draws and counts 13-week sustainments.
    pub sustain_13w: bool,
    pub distress: Option<Distress>,
    pub termination: Option<Termination>,
    /// Demand shocks on the referral rate, in file order (empty: none).
    pub demand: Vec<DemandShock>,
}

/// The largest demand multiplier a window may have (validation refuses a distribution with more
/// than a 1e-9 chance of a draw beyond it; the engine clamps draws to it).
pub const MAX_DEMAND_MULTIPLIER: f64 = 100.0;

/// A demand shock (see [`crate::scenario::raw::RawDemand`]): in months `from..=to` the site's
/// referral rate, after the ramp, is multiplied by `multiplier`, drawn once per trial.
#[derive(Debug, Clone)]
pub struct DemandShock {
    pub from: Month,
    pub to: Month,
    pub multiplier: Dist,
}

impl DemandShock {
    /// Whether month `m` is in the window.
    pub fn covers(&self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }
}

/// What distress does to delivery (see [`crate::scenario::raw::RawDistress`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distress {
    pub cash_floor: Money,
    pub turnover_multiplier: f64,
    pub recruitment_freeze: bool,
    pub posts_cut: u32,
}

/// When the commissioner ends a site (see [`crate::scenario::raw::RawTermination`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Termination {
    /// The event judged (its count, not its claims).
    pub event: Event,
    /// The site's plan figure for it, over the site's whole term.
    pub plan: f64,
    pub below_share: f64,
    pub months: u32,
    pub grace_months: u32,
    pub notice_months: u32,
}

impl Site {
    pub fn input(&self, p: Param) -> &Dist {
        &self.inputs[p as usize]
    }
}

/// An event that can trigger a payment, be judged for termination and be counted.
///
/// The one table of events: a new trigger is a variant here, its two names in [`Event::NAMES`] and
/// [`Event::METRICS`], its place in delivery, and its counts in
/// [`COUNTS`](crate::scenario::outputs::COUNTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Referral,
    Engagement,
    JobStart,
    Sustain6w,
    /// Sustained 13 weeks (optional: recorded only where a site sets `p_13w` or a rule uses it).
    Sustain13w,
    Sustain26w,
}

impl Event {
    /// Every event, in discriminant order (the order of [`Event::NAMES`]).
    pub const ALL: [Event; 6] = [
        Event::Referral,
        Event::Engagement,
        Event::JobStart,
        Event::Sustain6w,
        Event::Sustain13w,
        Event::Sustain26w,
    ];
    /// How many events there are: the length of arrays indexed by `Event as usize`.
    pub const N: usize = Event::ALL.len();
    /// Trigger names, as tariffs and `sibsim pay --count` write them.
    pub const NAMES: [&'static str; Event::N] = [
        "referral",
        "engagement",
        "job_start",
        "sustain_6w",
        "sustain_13w",
        "sustain_26w",
    ];
    /// Names of the metrics counting each event, as plans and termination rules write them.
    pub const METRICS: [&'static str; Event::N] = [
        "referrals",
        "engagements",
        "job_starts",
        "sustain_6w",
        "sustain_13w",
        "sustain_26w",
    ];

    /// The event a trigger name denotes.
    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.name() == s)
    }
    /// The trigger name, e.g. `job_start`.
    pub const fn name(self) -> &'static str {
        Event::NAMES[self as usize]
    }
    /// The name of the metric counting the event, e.g. `job_starts`.
    pub const fn metric(self) -> &'static str {
        Event::METRICS[self as usize]
    }

    /// Whether the event has an hours band (job starts and sustainments do).
    pub fn has_band(self) -> bool {
        !matches!(self, Event::Referral | Event::Engagement)
    }
    /// Whether a tariff pays on evidenced events only (sustainments: claimable with `p_evidence`).
    pub fn needs_evidence(self) -> bool {
        matches!(
            self,
            Event::Sustain6w | Event::Sustain13w | Event::Sustain26w
        )
    }
    /// Whether the event is optional: counted only in models that use it (see
    /// [`Model::records`]), so that models without it keep their outputs as they were.
    pub fn optional(self) -> bool {
        self == Event::Sustain13w
    }
}

/// Hours band of a job: under 16 hours a week, or 16 and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Band {
    Lt16 = 0,
    Ge16 = 1,
}

impl Band {
    pub const ALL: [Band; 2] = [Band::Lt16, Band::Ge16];
    pub fn name(self) -> &'static str {
        match self {
            Band::Lt16 => "lt16",
            Band::Ge16 => "ge16",
        }
    }
    pub fn parse(s: &str) -> Option<Band> {
        match s {
            "lt16" => Some(Band::Lt16),
            "ge16" => Some(Band::Ge16),
            _ => None,
        }
    }
}

/// What a tariff pays per event.
#[derive(Debug, Clone, PartialEq)]
pub enum Pricing {
    /// The same amount for every event.
    Flat(Money),
    /// By the event's ordinal among the rule's events at the site: `(up_to, amount)`, `up_to`
    /// strictly increasing, `None` on the last tier.
    Tiers(Vec<(Option<u64>, Money)>),
}

impl Pricing {
    /// The amount paid for events with ordinals `after + 1 ..= after + n` (1-based).
    pub fn money(&self, after: u64, n: u64) -> Money {
        match self {
            Pricing::Flat(a) => *a * n as f64,
            Pricing::Tiers(tiers) => {
                let (mut total, mut lo, end) = (0.0, after, after + n);
                for &(up_to, amount) in tiers {
                    let hi = up_to.unwrap_or(u64::MAX).min(end);
                    if hi > lo {
                        total += amount * (hi - lo) as f64;
                        lo = hi;
                    }
                    if lo >= end {
                        break;
                    }
                }
                total
            }
        }
    }

    /// The amount of the first event: the smallest payment the tariff can make that is not zero
    /// for flat tariffs, and the first tier's for tiered ones.
    pub fn first(&self) -> Money {
        match self {
            Pricing::Flat(a) => *a,
            Pricing::Tiers(t) => t.first().map_or(0.0, |&(_, a)| a),
        }
    }
}

/// When a tariff's payments are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lag {
    /// In the month of the event.
    None,
    /// The month after.
    Monthly,
    /// The month after the calendar quarter of the event ends.
    Quarterly,
}

/// A share of each payment under a tariff that its payee passes on.
#[derive(Debug, Clone, Copy)]
pub struct PassThrough {
    pub to: usize,
    pub share: f64,
    /// Index into [`Model::rules`] of the pass-through payments (`<tariff>.pass_through`).
    pub rule: usize,
}

/// A tariff as applied at one site: payer and payee resolved to party indices.
#[derive(Debug, Clone)]
pub struct TariffLine {
    /// Index into [`Model::rules`].
    pub rule: usize,
    pub site: usize,
    pub payer: usize,
    pub payee: usize,
    pub event: Event,
    pub band: Option<Band>,
    pub pricing: Pricing,
    /// The first `threshold` events at the site are not paid.
    pub threshold: u64,
    /// Live months (inclusive), within the rule set's months.
    pub from: Month,
    pub to: Month,
    pub lag: Lag,
    pub pass_through: Option<PassThrough>,
    /// Index into [`Model::rule_sets`].
    pub rule_set: usize,
    /// Caps covering this line (indices into [`Model::caps`]).
    pub caps: Vec<usize>,
}

/// The scope of a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapScope {
    /// All sites together, the whole horizon.
    Contract,
    /// Each site separately, the whole horizon.
    Site,
    /// Each site separately, each 12 months from the site's start.
    SiteYear,
}

/// What a cap limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Money(Money),
    Events(u64),
}

impl Limit {
    pub fn value(self) -> f64 {
        match self {
            Limit::Money(m) => m,
            Limit::Events(n) => n as f64,
        }
    }
}

/// A cap on what some tariffs pay.
#[derive(Debug, Clone)]
pub struct Cap {
    pub name: String,
    pub per: CapScope,
    pub limit: Limit,
}

/// From month `from`, the sites listed follow rule set `rule_set`.
#[derive(Debug, Clone)]
pub struct Variation {
    pub from: Month,
    pub rule_set: usize,
    pub sites: Vec<usize>,
}

/// A scheduled block payment.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index into [`Model::rules`].
    pub rule: usize,
    pub site: usize,
    pub payer: usize,
    pub payee: usize,
    pub amount: Money,
    /// Months it falls due (paid at the start of each).
    pub months: Vec<Month>,
    /// Paid on account of a base number of events of a tariff line (index into [`Model::tariffs`]).
    pub on_account: Option<OnAccount>,
    /// Index into [`Model::rule_sets`]: the block is paid only in months its set is in force.
    pub rule_set: usize,
}

/// A block's base: each payment covers the next `events` events of `tariff` until the next payment
/// on account of that tariff or the end of month `until`, whichever comes first, and the tariff
/// pays only beyond them. What is left of a base then lapses.
#[derive(Debug, Clone, Copy)]
pub struct OnAccount {
    pub tariff: usize,
    pub events: u64,
    /// The last month the base covers; `None`: until the next payment on account of the tariff.
    pub until: Option<Month>,
}

/// A business-case plan figure: the planned value of one metric.
#[derive(Debug, Clone)]
pub struct PlanFigure {
    /// The full metric name, e.g. `engagements` or `site.haringey.engagements`.
    pub metric: String,
    pub value: f64,
}

/// A recorded outturn of one metric.
#[derive(Debug, Clone)]
pub struct Actual {
    /// A metric, or a sum of metrics trial by trial written `a + b` (e.g. two financial years).
    pub metric: String,
    /// A short name for tables, in place of a long `metric` (e.g. a sum of two years).
    pub label: Option<String>,
    pub value: f64,
    pub source: String,
    /// Its scope and caveats, shown by the back-test under "Notes".
    pub note: Option<String>,
    /// Other readings of a report whose scope is ambiguous, if any.
    pub readings: Option<Readings>,
}

/// The alternatives of an actual whose report can be read more than one way (MHEP 1 alone or
/// MHEP 1 and 2, one recipient or another): `low ≤ value ≤ high`, at least one of them given.
#[derive(Debug, Clone, PartialEq)]
pub struct Readings {
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// What each of `value`, `low` and `high` takes the report to cover.
    pub assumption: String,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub settings: Settings,
    pub parties: Vec<Party>,
    pub sites: Vec<Site>,
    /// Names of the payment rules (tariffs, each followed by its `<tariff>.pass_through` if it has
    /// one, then blocks), for `payments.by_rule.<name>`.
    pub rules: Vec<String>,
    pub tariffs: Vec<TariffLine>,
    pub blocks: Vec<Block>,
    pub caps: Vec<Cap>,
    /// Rule set names; index 0 is `"base"`, in force until a variation says otherwise.
    pub rule_sets: Vec<String>,
    pub variations: Vec<Variation>,
    pub finance: Option<Finance>,
    pub actuals: Vec<Actual>,
    pub copula: Option<Copula>,
    pub plan: Vec<PlanFigure>,
    /// Values that are valid but look like a slip (a percentage typed as a whole number, a
    /// monthly salary for an annual one, …), each located like an error: `validate` and `run`
    /// show them; nothing else depends on them.
    pub warnings: Vec<crate::error::ScenarioError>,
}

impl Model {
    /// Whether the model counts `event`: always for events that are not optional; a 13-week
    /// sustainment only when some site sets `p_13w` or some tariff or termination rule uses it.
    pub fn records(&self, event: Event) -> bool {
        !event.optional()
            || self.sites.iter().any(|s| {
                (event == Event::Sustain13w && s.sustain_13w)
                    || s.termination.is_some_and(|t| t.event == event)
            })
            || self.tariffs.iter().any(|t| t.event == event)
    }
    /// The rule set in force at `site` in month `m`: the latest variation for the site that has
    /// started, else `"base"` (index 0).
    pub fn rule_set_at(&self, site: usize, m: Month) -> usize {
        self.variations
            .iter()
            .filter(|v| v.from <= m && v.sites.contains(&site))
            .max_by_key(|v| v.from)
            .map_or(0, |v| v.rule_set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiered_money_by_ordinal() {
        // Haringey after the reset: £3,850 for each of the first 20 job starts, then £1,600
        // (001_91c39e34d7f8be68.txt §4.1.4).
        let t = Pricing::Tiers(vec![(Some(20), 3850.0), (None, 1600.0)]);
        assert_eq!(t.money(0, 20), 77_000.0);
        assert_eq!(t.money(0, 25), 77_000.0 + 5.0 * 1600.0);
        assert_eq!(t.money(18, 4), 2.0 * 3850.0 + 2.0 * 1600.0);
        assert_eq!(t.money(30, 3), 3.0 * 1600.0);
        assert_eq!(t.money(5, 0), 0.0);
        let three = Pricing::Tiers(vec![(Some(2), 10.0), (Some(5), 5.0), (None, 1.0)]);
        assert_eq!(three.money(1, 6), 10.0 + 3.0 * 5.0 + 2.0 * 1.0);
        assert_eq!(Pricing::Flat(700.0).money(100, 3), 2100.0);
    }

    #[test]
    fn year_month_arithmetic() {
        let a = YearMonth::parse("2016-01").unwrap();
        let b = YearMonth::parse("2020-03").unwrap();
        assert_eq!(a.months_until(b), 50);
        assert_eq!(a.plus(50), b);
        assert_eq!(a.plus(11).to_string(), "2016-12");
        assert_eq!(a.plus(12).to_string(), "2017-01");
        assert!(YearMonth::parse("2016-13").is_none());
        assert!(YearMonth::parse("2016-1").is_none());
        assert!(YearMonth::parse("16-01").is_none());
        for signed in [
            "2030-+1", "+030-01", "-030-01", "2030- 1", " 030-01", "2030-1 ", "2030-00",
        ] {
            assert!(YearMonth::parse(signed).is_none(), "{signed}");
        }
        assert_eq!(
            YearMonth::parse("0999-12"),
            Some(YearMonth {
                year: 999,
                month: 12
            })
        );
    }
}
