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
    /// The calendar year, e.g. 2016.
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
    /// Number of Monte Carlo trials.
    pub trials: u64,
    /// Master seed: every trial's random streams derive from it and the trial's index.
    pub seed: u64,
    /// Number of monthly steps.
    pub horizon: Month,
    /// Calendar month of step 0.
    pub start: YearMonth,
    /// Low summary quantile, a share in (0, 1), e.g. 0.1 for P10 (the median is always reported).
    pub low: f64,
    /// High summary quantile, a share in (0, 1) above `low`, e.g. 0.9 for P90.
    pub high: f64,
}

/// The role a party plays in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Contracts for the service locally and usually pays its blocks and part of the outcomes.
    Commissioner,
    /// Pays for outcomes, often in part (a central fund such as the SOF or the Life Chances Fund).
    OutcomePayer,
    /// The special-purpose vehicle or intermediary: holds the contract, pays the providers, takes the investor's capital.
    Spv,
    /// Delivers the service at one or more sites and bears its staff costs.
    Provider,
    /// Puts capital into the SPV as equity or loan and is repaid from outcome payments.
    Investor,
}

impl Role {
    /// The role names as a scenario writes them, in variant order.
    pub const NAMES: [&'static str; 5] = [
        "commissioner",
        "outcome_payer",
        "spv",
        "provider",
        "investor",
    ];

    /// The role a name denotes (`None`: not a role).
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

/// Someone who pays or is paid (`[parties.<id>]`).
#[derive(Debug, Clone)]
pub struct Party {
    /// The identifier the scenario uses for the party (the key of `[parties.<id>]`).
    pub id: String,
    /// The display name (the identifier when none is given).
    pub name: String,
    /// What the party does in the contract.
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
    /// Party index of the SPV.
    pub spv: usize,
    /// Party index of the investor.
    pub investor: usize,
    /// Equity, £, paid in at the start of the horizon.
    pub equity: Money,
    /// Loan, £, committed (drawn as `drawdown` says).
    pub loan: Money,
    /// Interest per month on the balance (principal and unpaid interest): (1 + r)^(1/12) − 1 for
    /// annual compounding, r / 12 for monthly ([`Finance::monthly_rate_for`]).
    pub monthly_rate: f64,
    /// The annual rate r as written (e.g. 0.08): kept so that a comparison can change the rate ([`crate::compare`]).
    pub interest_rate: f64,
    /// Whether the rate compounds monthly (r / 12 a month) rather than annually.
    pub monthly_compounding: bool,
    /// How the loan is drawn.
    pub drawdown: Drawdown,
    /// Most the investor lends in all.
    pub facility: Money,
    /// How the SPV repays the investor.
    pub repayment: Repayment,
    /// Cash the SPV keeps, £, before sweeping the rest to the investor.
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

/// Smallest positive amount of money a budget, equity, loan or other fixed sum may be: a penny.
/// Below it the ratios to it (spend ÷ budget, returned ÷ invested) reach 1e300 and beyond, or ∞.
pub const MIN_MONEY: f64 = 0.01;
/// The largest amount of money, in £, a single input, tariff or block may hold: far beyond any
/// contract, small enough that every sum over a horizon stays finite.
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
    /// Whether a distribution whose support is `[lo, hi]` lies within the domain.
    pub fn contains(self, lo: f64, hi: f64) -> bool {
        match self {
            Domain::Probability => lo >= 0.0 && hi <= 1.0,
            Domain::NonNegative | Domain::Count => lo >= 0.0,
            Domain::Positive => lo > 0.0,
            Domain::Any => true,
        }
    }

    /// The domain in words, for an error's "expected …".
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
    ($( $(#[$doc:meta])* $var:ident => $table:literal, $field:literal, $domain:ident, $default:expr; )*) => {
        /// Every per-site numeric input, in stream order: a trial draws them in this order, one
        /// uniform each, from the site's parameter stream.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Param { $($(#[$doc])* $var),* }

        impl Param {
            /// Every input, in stream order.
            pub const ALL: &'static [Param] = &[$(Param::$var),*];
            /// The table the field sits in under `[sites.<id>]`.
            pub fn table(self) -> &'static str { match self { $(Param::$var => $table),* } }
            /// The field name.
            pub fn field(self) -> &'static str { match self { $(Param::$var => $field),* } }
            /// The valid range of the input's values (a probability, a count, …).
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
    /// Referrals per month at full running, after the ramp.
    ReferralsPerMonth => "delivery", "referrals_per_month", NonNegative, None;
    /// Negative-binomial shape k of monthly referrals, variance μ + μ²/k (∞: Poisson).
    ReferralDispersion => "delivery", "referral_dispersion", Positive, Some(f64::INFINITY);
    /// Months over which the referral rate rises linearly to full (0: no ramp).
    RampMonths => "delivery", "ramp_months", Count, Some(0.0);
    /// Probability that a referral taken on engages.
    PEngage => "delivery", "p_engage", Probability, None;
    /// Active clients one employment specialist can hold.
    CaseloadPerEs => "delivery", "caseload_per_es", Count, None;
    /// Monthly probability that a referral waiting for capacity gives up.
    WaitDropout => "delivery", "wait_dropout", Probability, Some(0.0);
    /// Probability that an engaged client starts a job.
    PJobStart => "delivery", "p_job_start", Probability, None;
    /// Mean months from engagement to job start, for those who start one.
    TimeToJobMonths => "delivery", "time_to_job_months", NonNegative, None;
    /// Mean months an engaged client who never starts a job stays on the caseload.
    MonthsWithoutJob => "delivery", "months_on_caseload_without_job", NonNegative, None;
    /// Share of job starts at 16 hours a week or more, 0–1.
    ShareGe16 => "delivery", "share_ge16", Probability, None;
    /// Probability that a job start is sustained 6 weeks.
    P6w => "delivery", "p_6w", Probability, None;
    /// Probability that a 6-week sustainment reaches 26 weeks.
    P26w => "delivery", "p_26w", Probability, None;
    /// Probability that a sustainment is evidenced, and so can be claimed.
    PEvidence => "delivery", "p_evidence", Probability, None;
    /// Funded employment specialist posts.
    EsPosts => "staffing", "es_posts", Count, None;
    /// Team leaders: cost only, no caseload.
    TeamLeaders => "staffing", "team_leaders", Count, Some(0.0);
    /// Monthly probability that an ES in post leaves.
    TurnoverPerMonth => "staffing", "turnover_per_month", Probability, None;
    /// Months a vacancy stays empty before it is filled.
    MonthsToFill => "staffing", "months_to_fill", NonNegative, None;
    /// Annual salary of one ES, £ a year.
    EsSalary => "costs", "es_salary", NonNegative, None;
    /// Annual salary of one team leader, £ a year.
    TeamLeaderSalary => "costs", "team_leader_salary", NonNegative, Some(0.0);
    /// Employer on-costs as a share of salary, e.g. 0.25.
    OnCostRate => "costs", "on_cost_rate", NonNegative, None;
    /// Other provider costs, £ per month of delivery.
    OverheadsPerMonth => "costs", "overheads_per_month", NonNegative, Some(0.0);
    /// One-off cost of each hire, £.
    RecruitmentCostPerHire => "costs", "recruitment_cost_per_hire", NonNegative, Some(0.0);
    /// Provider cash at the start of delivery, £ (may be negative).
    OpeningCash => "costs", "opening_cash", Any, Some(0.0);
    // Optional inputs come last, after every input a site always draws (see `Param::N_CORE`).
    /// Probability that a 6-week sustainment reaches 13 weeks (optional).
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
    /// The site's identifier (the key of `[sites.<id>]`).
    pub id: String,
    /// Party index of the provider.
    pub provider: usize,
    /// Party index of the local commissioner.
    pub commissioner: usize,
    /// First month of delivery (inclusive).
    pub start: Month,
    /// Last month of delivery (inclusive).
    pub end: Month,
    /// What happens to referrals beyond free caseload capacity.
    pub excess: Excess,
    /// One distribution per [`Param`], indexed by `Param as usize` (an absent optional input is
    /// a fixed NaN, never drawn).
    pub inputs: Vec<Dist>,
    /// Whether the site sets `p_13w`, and so draws and counts 13-week sustainments.
    pub sustain_13w: bool,
    /// What the provider's distress does to delivery here (`None`: nothing).
    pub distress: Option<Distress>,
    /// When the commissioner ends the site for poor performance (`None`: never).
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
    /// First month of the window (inclusive).
    pub from: Month,
    /// Last month of the window (inclusive).
    pub to: Month,
    /// The multiplier of the referral rate (≥ 0, at most [`MAX_DEMAND_MULTIPLIER`]).
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
    /// £: the provider is in distress after a month ending with cash below this.
    pub cash_floor: Money,
    /// Staff turnover is multiplied by this while in distress (≥ 1).
    pub turnover_multiplier: f64,
    /// Whether no vacancy is filled while in distress.
    pub recruitment_freeze: bool,
    /// ES posts cut, for good, the first time the provider falls into distress.
    pub posts_cut: u32,
}

/// When the commissioner ends a site (see [`crate::scenario::raw::RawTermination`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Termination {
    /// The event judged (its count, not its claims).
    pub event: Event,
    /// The site's plan figure for it, over the site's whole term.
    pub plan: f64,
    /// Share of the plan to date, in (0, 1], below which a month counts against the site.
    pub below_share: f64,
    /// Months in a row below it before the commissioner gives notice.
    pub months: u32,
    /// Months from the site's start before performance is judged.
    pub grace_months: u32,
    /// Months of notice: delivery continues this long after the decision.
    pub notice_months: u32,
}

impl Site {
    /// The distribution of input `p` at this site.
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
    /// A referral reaches the provider (whether or not capacity is free).
    Referral,
    /// A referral engages: takes up the service (completes a vocational profile).
    Engagement,
    /// An engaged client starts a job.
    JobStart,
    /// A job start is sustained 6 weeks.
    Sustain6w,
    /// Sustained 13 weeks (optional: recorded only where a site sets `p_13w` or a rule uses it).
    Sustain13w,
    /// A 6-week sustainment reaches 26 weeks.
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
    /// Under 16 hours a week (`lt16`).
    Lt16 = 0,
    /// 16 hours a week or more (`ge16`).
    Ge16 = 1,
}

impl Band {
    /// Both bands, in index order.
    pub const ALL: [Band; 2] = [Band::Lt16, Band::Ge16];
    /// The band's name as a scenario writes it: `lt16` or `ge16`.
    pub fn name(self) -> &'static str {
        match self {
            Band::Lt16 => "lt16",
            Band::Ge16 => "ge16",
        }
    }
    /// The band a name denotes (`None`: not `lt16` or `ge16`).
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
    /// Party index of the party the share goes to (the SPV under single commissioning).
    pub to: usize,
    /// The share of each payment passed on, 0–1.
    pub share: f64,
    /// Index into [`Model::rules`] of the pass-through payments (`<tariff>.pass_through`).
    pub rule: usize,
}

/// A tariff as applied at one site: payer and payee resolved to party indices.
#[derive(Debug, Clone)]
pub struct TariffLine {
    /// Index into [`Model::rules`].
    pub rule: usize,
    /// Index into [`Model::sites`] of the site the line pays for.
    pub site: usize,
    /// Party index of the payer.
    pub payer: usize,
    /// Party index of the payee.
    pub payee: usize,
    /// The event it pays for.
    pub event: Event,
    /// Only events in this hours band (`None`: both).
    pub band: Option<Band>,
    /// What it pays per event.
    pub pricing: Pricing,
    /// The first `threshold` events at the site are not paid.
    pub threshold: u64,
    /// First live month (inclusive), within the rule set's months.
    pub from: Month,
    /// Last live month (inclusive).
    pub to: Month,
    /// When payments are made after the event.
    pub lag: Lag,
    /// The share its payee passes on, if any.
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
    /// At most this much money, £.
    Money(Money),
    /// At most this many events paid for.
    Events(u64),
}

impl Limit {
    /// The limit as a number: £ or a count.
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
    /// The cap's name, used in reports.
    pub name: String,
    /// What the cap is counted over: the contract, each site, or each site-year.
    pub per: CapScope,
    /// How much it allows.
    pub limit: Limit,
}

/// From month `from`, the sites listed follow rule set `rule_set`.
#[derive(Debug, Clone)]
pub struct Variation {
    /// The month the variation takes effect.
    pub from: Month,
    /// Index into [`Model::rule_sets`] of the rule set the sites follow from then on.
    pub rule_set: usize,
    /// Indices into [`Model::sites`] of the sites it applies to.
    pub sites: Vec<usize>,
}

/// A scheduled block payment.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index into [`Model::rules`].
    pub rule: usize,
    /// Index into [`Model::sites`] of the site it is paid for.
    pub site: usize,
    /// Party index of the payer.
    pub payer: usize,
    /// Party index of the payee.
    pub payee: usize,
    /// £ paid each month it falls due.
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
    /// Index into [`Model::tariffs`] of the tariff line the block pays on account of.
    pub tariff: usize,
    /// How many of the line's events each payment covers.
    pub events: u64,
    /// The last month the base covers; `None`: until the next payment on account of the tariff.
    pub until: Option<Month>,
}

/// A business-case plan figure: the planned value of one metric.
#[derive(Debug, Clone)]
pub struct PlanFigure {
    /// The full metric name, e.g. `engagements` or `site.haringey.engagements`.
    pub metric: String,
    /// The planned value, in the metric's unit (a count, £, a share).
    pub value: f64,
}

/// A recorded outturn of one metric.
#[derive(Debug, Clone)]
pub struct Actual {
    /// A metric, or a sum of metrics trial by trial written `a + b` (e.g. two financial years).
    pub metric: String,
    /// A short name for tables, in place of a long `metric` (e.g. a sum of two years).
    pub label: Option<String>,
    /// The value recorded, in the metric's unit.
    pub value: f64,
    /// Where the figure comes from: a report and page, a web page, a file (free text, never empty).
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
    /// The lowest reading, if the report allows one below `value`.
    pub low: Option<f64>,
    /// The highest reading, if the report allows one above `value`.
    pub high: Option<f64>,
    /// What each of `value`, `low` and `high` takes the report to cover.
    pub assumption: String,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario's name (`scenario.name`), used for output folders and titles.
    pub name: String,
    /// What the scenario models, in a sentence or two (`scenario.description`).
    pub description: String,
    /// Trials, seed, horizon, start month and summary quantiles.
    pub settings: Settings,
    /// The parties, in file order; indices into this are "party indices".
    pub parties: Vec<Party>,
    /// The sites, in file order.
    pub sites: Vec<Site>,
    /// Names of the payment rules (tariffs, each followed by its `<tariff>.pass_through` if it has
    /// one, then blocks), for `payments.by_rule.<name>`.
    pub rules: Vec<String>,
    /// The tariffs, one line per site they apply to.
    pub tariffs: Vec<TariffLine>,
    /// The block payments, one per site they apply to.
    pub blocks: Vec<Block>,
    /// The caps on tariffs.
    pub caps: Vec<Cap>,
    /// Rule set names; index 0 is `"base"`, in force until a variation says otherwise.
    pub rule_sets: Vec<String>,
    /// Switches of sites to other rule sets (contract resets).
    pub variations: Vec<Variation>,
    /// The SPV and investor finance (`None`: no `[finance]` table).
    pub finance: Option<Finance>,
    /// Recorded outturns, for the back-test.
    pub actuals: Vec<Actual>,
    /// The rank correlation between inputs, if the scenario sets one.
    pub copula: Option<Copula>,
    /// The business case's plan figures, for the plan check.
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
