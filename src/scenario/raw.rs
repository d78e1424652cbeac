//! The scenario file as written: the TOML format, one serde type per table.
//!
//! These types are the file format and nothing more. They accept anything TOML can say in the right
//! shape (unknown fields are refused here); every semantic check (probabilities in [0, 1], references
//! to parties and sites, months inside the horizon, distribution parameters) happens in
//! [`crate::scenario::validate`], which turns a [`RawScenario`] into a [`crate::scenario::Model`].
//! The format is documented field by field, with units, in `docs/scenario-format.md`. The same types,
//! with their doc comments as descriptions, give the JSON Schema `sibsim schema` prints
//! ([`crate::scenario::schema`]).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::distributions::Input;

/// A whole scenario file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name, used in reports and `summary.json`.
    pub name: String,
    /// Free text: what the scenario is and where its figures come from.
    #[serde(default)]
    pub description: Option<String>,
    /// `[simulation]`: trials, seed, horizon, start month and summary quantiles.
    pub simulation: RawSimulation,
    /// Parties by identifier (`[parties.mhep]`).
    pub parties: BTreeMap<String, RawParty>,
    /// Sites (contracts) by identifier (`[sites.staffordshire]`).
    pub sites: BTreeMap<String, RawSite>,
    /// Flat per-event tariffs (`[[tariffs]]`).
    #[serde(default)]
    pub tariffs: Vec<RawTariff>,
    /// Scheduled block payments (`[[blocks]]`).
    #[serde(default)]
    pub blocks: Vec<RawBlock>,
    /// Caps on what tariffs pay, in money or events (`[[caps]]`).
    #[serde(default)]
    pub caps: Vec<RawCap>,
    /// Contract variations: from a month on, a site's rules are those of another rule set
    /// (`[[variations]]`).
    #[serde(default)]
    pub variations: Vec<RawVariation>,
    /// Programme-wide business-case plan figures: metric name → planned value.
    #[serde(default)]
    pub plan: BTreeMap<String, f64>,
    /// The SPV's account and the investor's capital (optional).
    #[serde(default)]
    pub finance: Option<RawFinance>,
    /// Recorded outturns, for `sibsim backtest`: metric name → `{ value, source }`.
    #[serde(default)]
    pub actuals: BTreeMap<String, RawActual>,
    /// Correlated inputs (optional).
    #[serde(default)]
    pub correlation: Option<RawCorrelation>,
}

/// `[correlation]`: a Gaussian copula on the inputs' draws.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    /// Input (`"delivery.p_engage"`) → correlation of its draws between any two sites: a shared
    /// programme-level draw with site-level spread around it.
    #[serde(default)]
    pub across_sites: BTreeMap<String, f64>,
    /// Pairs of inputs correlated within each site.
    #[serde(default)]
    pub within_site: Vec<RawPair>,
}

/// `{ a = "delivery.p_engage", b = "delivery.p_job_start", rho = 0.3 }`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPair {
    /// The first input, as `"<table>.<field>"`, e.g. `"delivery.p_engage"`.
    pub a: String,
    /// The second input, in the same form.
    pub b: String,
    /// Correlation of the underlying normals, in (−1, 1).
    pub rho: f64,
}

/// `[actuals]`: what actually happened, cited.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActual {
    /// The recorded outturn, in the metric's unit (a count, £, a share).
    pub value: f64,
    /// Where the figure comes from: free text, never empty (a report and page, a web page, a file).
    pub source: String,
    /// Its scope and caveats, shown by the back-test under "Notes".
    #[serde(default)]
    pub note: Option<String>,
    /// A short name shown in the back-test's table in place of the (long) key.
    #[serde(default)]
    pub label: Option<String>,
    /// Another reading of an ambiguous report, below `value` (needs `assumption`).
    #[serde(default)]
    pub low: Option<f64>,
    /// Another reading of an ambiguous report, above `value` (needs `assumption`).
    #[serde(default)]
    pub high: Option<f64>,
    /// What `value`, `low` and `high` each take the report to cover.
    #[serde(default)]
    pub assumption: Option<String>,
}

/// `[finance]`: the SPV's cash account, funded by the investor's equity and loan, and repaid by
/// its waterfall (MODEL.md, "Investor and SPV finance").
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFinance {
    /// Party id of the SPV (role `spv`).
    pub spv: String,
    /// Party id of the investor (role `investor`).
    pub investor: String,
    /// Equity, £, paid in at the start of the horizon.
    #[serde(default)]
    pub equity: Option<f64>,
    /// Loan, £ (committed; drawn as `drawdown` says).
    #[serde(default)]
    pub loan: Option<f64>,
    /// Annual interest rate on the loan, e.g. 0.08.
    #[serde(default)]
    pub interest_rate: Option<f64>,
    /// `"annual"` (8% a year compounded yearly: the balance grows by 1.08^(1/12) a month, the
    /// default) or `"monthly"` (8%/12 a month).
    #[serde(default)]
    #[schemars(schema_with = "choice::compounding")]
    pub compounding: Option<String>,
    /// How the loan is drawn: `"upfront"` (all at the start, the default), `"as_needed"` (when the
    /// SPV's cash would go below zero) or `"schedule"` (on `drawdown_schedule`, and as needed).
    #[serde(default)]
    #[schemars(schema_with = "choice::drawdown")]
    pub drawdown: Option<String>,
    /// `[{ month = "YYYY-MM", amount = £ }]` for `drawdown = "schedule"`.
    #[serde(default)]
    pub drawdown_schedule: Option<Vec<RawScheduled>>,
    /// Most the investor will lend in all, £, drawing further when the SPV is short (default: `loan`).
    #[serde(default)]
    pub facility: Option<f64>,
    /// `"sweep"` (each month, cash above the reserve repays interest, then principal; the default),
    /// `"schedule"` (interest due and the principal on `repayment_schedule`, as cash allows) or
    /// `"at_end"` (everything at the end of the horizon).
    #[serde(default)]
    #[schemars(schema_with = "choice::repayment")]
    pub repayment: Option<String>,
    /// `[{ month = "YYYY-MM", amount = £ }]` of principal for `repayment = "schedule"`.
    #[serde(default)]
    pub repayment_schedule: Option<Vec<RawScheduled>>,
    /// Cash the SPV keeps before sweeping, £ (default 0).
    #[serde(default)]
    pub cash_reserve: Option<f64>,
    /// The SPV's own monthly costs (each a number or a distribution, £ per month).
    #[serde(default)]
    pub costs: Option<RawSpvCosts>,
}

/// A scheduled amount.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    /// The month it falls in, `"YYYY-MM"`.
    pub month: String,
    /// The amount, £.
    pub amount: f64,
}

/// `[finance.costs]`: the SPV's own costs, £ per month of the horizon.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpvCosts {
    /// The central performance-management team.
    #[serde(default)]
    pub central_team: Option<Input>,
    /// SPV administration: audit, insurance, board, oversight.
    #[serde(default)]
    pub administration: Option<Input>,
    /// Evaluation.
    #[serde(default)]
    pub evaluation: Option<Input>,
}

/// `[simulation]`: how many trials, which seed, how long, how to summarise.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Number of Monte Carlo trials (default 10,000).
    #[serde(default)]
    pub trials: Option<i64>,
    /// Master seed (default 1).
    #[serde(default)]
    pub seed: Option<i64>,
    /// Contract horizon in months.
    pub horizon_months: i64,
    /// Calendar month of simulation month 1, `"YYYY-MM"`.
    pub start: String,
    /// Low and high quantiles of the summary, e.g. `[0.1, 0.9]` (the default).
    #[serde(default)]
    pub quantiles: Option<Vec<f64>>,
}

/// `[parties.<id>]`: someone who pays or is paid.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParty {
    /// `commissioner`, `outcome_payer`, `spv`, `provider` or `investor`.
    #[schemars(schema_with = "choice::role")]
    pub role: String,
    /// Display name (defaults to the identifier).
    #[serde(default)]
    pub name: Option<String>,
    /// Budget, £ over the horizon, for a commissioner or outcome payer: spend is reported against it.
    #[serde(default)]
    pub budget: Option<f64>,
    /// Largest share of all payments this party may make (e.g. 0.5 for a top-up fund): checked at
    /// the plan's volumes when the plan allows, and in every trial.
    #[serde(default)]
    pub max_share: Option<f64>,
}

/// `[sites.<id>]`: one contract delivered by one provider for one commissioner.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// Party id of the provider delivering the service.
    pub provider: String,
    /// Party id of the local commissioner.
    pub commissioner: String,
    /// First month of delivery, `"YYYY-MM"` (inclusive).
    pub start: String,
    /// Last month of delivery, `"YYYY-MM"` (inclusive).
    pub end: String,
    /// `[sites.<id>.delivery]`: referrals, engagement, job starts and sustainment.
    pub delivery: RawDelivery,
    /// `[sites.<id>.staffing]`: employment specialists and their turnover.
    pub staffing: RawStaffing,
    /// `[sites.<id>.costs]`: the provider's costs and its opening cash.
    pub costs: RawCosts,
    /// Business-case plan figures for this site: metric name (without the `site.<id>.` prefix) → value.
    #[serde(default)]
    pub plan: BTreeMap<String, f64>,
    /// What happens to delivery when the provider's cash for this site runs low (optional).
    #[serde(default)]
    pub distress: Option<RawDistress>,
    /// When the commissioner ends the contract for poor performance (optional).
    #[serde(default)]
    pub termination: Option<RawTermination>,
    /// Demand shocks: windows of months in which the referral rate is multiplied (optional;
    /// `[[sites.<id>.demand]]`).
    #[serde(default)]
    pub demand: Vec<RawDemand>,
}

/// `[[sites.<id>.demand]]`: from `from` to `to` (inclusive), the site's referrals per month (after
/// the ramp) are multiplied by `multiplier` — a number, or a distribution drawn once per trial and
/// used for every month of the window. Windows that overlap multiply.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// First month of the window, `"YYYY-MM"`.
    pub from: String,
    /// Last month of the window, `"YYYY-MM"` (default: `from`, a window of one month).
    #[serde(default)]
    pub to: Option<String>,
    /// What referrals are multiplied by: 0.4 for a dip to 40% of normal, ≥ 0.
    pub multiplier: Input,
}

/// `[sites.<id>.distress]`: from the month after the provider's cash for the site ends a month below
/// `cash_floor`, and for as long as it stays below, delivery suffers (MODEL.md: the vicious circle).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDistress {
    /// £: the provider is in distress after a month ending with cash below this (default 0).
    #[serde(default)]
    pub cash_floor: Option<f64>,
    /// Staff turnover is multiplied by this while in distress (≥ 1; default 1).
    #[serde(default)]
    pub turnover_multiplier: Option<f64>,
    /// No vacancy is filled while in distress (default false).
    #[serde(default)]
    pub recruitment_freeze: Option<bool>,
    /// ES posts cut, for good, the first time the provider falls into distress (default 0).
    #[serde(default)]
    pub posts_cut: Option<i64>,
}

/// `[sites.<id>.termination]`: the commissioner ends the site when its cumulative `metric` stays
/// below `below_share` of the plan to date for `months` months in a row.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTermination {
    /// `referrals`, `engagements`, `job_starts`, `sustain_6w`, `sustain_13w` or `sustain_26w`:
    /// needs a site plan figure (and `sustain_13w`, the site's `p_13w`).
    #[schemars(schema_with = "choice::metric")]
    pub metric: String,
    /// Share of the plan to date below which a month counts against the site, in (0, 1].
    pub below_share: f64,
    /// Months in a row below it before the commissioner gives notice.
    pub months: i64,
    /// Months from the site's start before performance is judged (default 0).
    #[serde(default)]
    pub grace_months: Option<i64>,
    /// Months of notice: delivery continues this long after the decision (default 0).
    #[serde(default)]
    pub notice_months: Option<i64>,
}

/// `[sites.<id>.delivery]`: the client flow. Every field is a number or a distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    /// Referrals per month at full running (after the ramp).
    pub referrals_per_month: Input,
    /// Over-dispersion of monthly referrals: negative-binomial shape k (variance = μ + μ²/k).
    /// Absent → Poisson.
    #[serde(default)]
    pub referral_dispersion: Option<Input>,
    /// Mobilisation ramp: months over which the referral rate rises linearly to full (0 = none).
    #[serde(default)]
    pub ramp_months: Option<Input>,
    /// Probability that a referral taken on completes a vocational profile (engages).
    pub p_engage: Input,
    /// Active clients one employment specialist can hold (IPS fidelity: about 20).
    pub caseload_per_es: Input,
    /// What happens to referrals beyond free caseload capacity: `"wait"` or `"lost"`.
    #[schemars(schema_with = "choice::excess_referrals")]
    pub excess_referrals: String,
    /// Monthly probability that a waiting referral gives up (only with `"wait"`; default 0).
    #[serde(default)]
    pub wait_dropout: Option<Input>,
    /// Probability that an engaged client starts a job.
    pub p_job_start: Input,
    /// Mean months from engagement to job start (for those who start one).
    pub time_to_job_months: Input,
    /// Mean months an engaged client who never starts a job stays on the caseload.
    pub months_on_caseload_without_job: Input,
    /// Share of job starts at 16 hours a week or more.
    pub share_ge16: Input,
    /// Probability that a job start is sustained 6 weeks.
    pub p_6w: Input,
    /// Probability that a 6-week sustainment reaches 26 weeks.
    pub p_26w: Input,
    /// Probability that a 6-week sustainment reaches 13 weeks (optional: absent, no 13-week
    /// sustainment is drawn or counted).
    pub p_13w: Option<Input>,
    /// Probability that a sustainment is evidenced, and so can be claimed.
    pub p_evidence: Input,
}

/// `[sites.<id>.staffing]`: employment specialists (ES) and their turnover.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStaffing {
    /// Funded ES posts (rounded to a whole number when drawn).
    pub es_posts: Input,
    /// Team leaders (whole number; cost only, no caseload).
    #[serde(default)]
    pub team_leaders: Option<Input>,
    /// Monthly probability that an ES in post leaves.
    pub turnover_per_month: Input,
    /// Months a vacancy stays empty before it is filled.
    pub months_to_fill: Input,
}

/// `[sites.<id>.costs]`: the provider's costs of running this site, and its opening cash.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// Annual salary of one ES, £.
    pub es_salary: Input,
    /// Annual salary of one team leader, £ (default 0).
    #[serde(default)]
    pub team_leader_salary: Option<Input>,
    /// Employer on-costs as a share of salary (e.g. 0.25).
    pub on_cost_rate: Input,
    /// Other provider costs, £ per month of delivery.
    #[serde(default)]
    pub overheads_per_month: Option<Input>,
    /// One-off cost of each hire, £.
    #[serde(default)]
    pub recruitment_cost_per_hire: Option<Input>,
    /// Provider cash at the start of delivery, £.
    #[serde(default)]
    pub opening_cash: Option<Input>,
}

/// `[[tariffs]]`: a payment per event, from payer to payee.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTariff {
    /// Unique name, used in reports.
    pub name: String,
    /// Party id, or `site.commissioner` / `site.provider` for the paying site's own.
    pub payer: Option<String>,
    /// Party id, or `site.commissioner` / `site.provider`.
    pub payee: Option<String>,
    /// `referral`, `engagement`, `job_start`, `sustain_6w`, `sustain_13w` or `sustain_26w`.
    #[schemars(schema_with = "choice::event")]
    pub event: String,
    /// Only events in this hours band: `lt16` or `ge16` (job starts and sustainments only).
    #[serde(default)]
    #[schemars(schema_with = "choice::band")]
    pub band: Option<String>,
    /// £ per event (a flat tariff). Exactly one of `amount` and `tiers`.
    #[serde(default)]
    pub amount: Option<f64>,
    /// £ per event by cumulative count at the site: `[{ up_to = 20, amount = 3850 }, { amount = 1600 }]`.
    #[serde(default)]
    pub tiers: Option<Vec<RawTier>>,
    /// Nothing is paid for the first `threshold` events at a site; events beyond it are paid.
    #[serde(default)]
    pub threshold: Option<i64>,
    /// First month the tariff is live, `"YYYY-MM"` (default: the start of the horizon).
    #[serde(default)]
    pub from: Option<String>,
    /// Last month the tariff is live, `"YYYY-MM"` (default: the end of the horizon).
    #[serde(default)]
    pub to: Option<String>,
    /// When it is paid: `"none"` (in the month of the event, the default), `"monthly"` (the month
    /// after) or `"quarterly"` (the month after the calendar quarter ends).
    #[serde(default)]
    #[schemars(schema_with = "choice::lag")]
    pub lag: Option<String>,
    /// A share of each payment the provider receives passes on to another party.
    #[serde(default)]
    pub pass_through: Option<RawPassThrough>,
    /// The rule set the tariff belongs to (default `"base"`); see `[[variations]]`.
    #[serde(default)]
    pub rule_set: Option<String>,
    /// Sites the tariff applies to (default: all).
    #[serde(default)]
    pub sites: Option<Vec<String>>,
}

/// One tier of a tiered tariff.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    /// The tier covers events up to this cumulative count at the site; absent on the last tier.
    #[serde(default)]
    pub up_to: Option<i64>,
    /// £ per event in this tier.
    pub amount: f64,
}

/// `pass_through = { to = "mhep", share = 0.3 }`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPassThrough {
    /// Party id the payee passes the share on to.
    pub to: String,
    /// Share of each payment passed on, in [0, 1].
    pub share: f64,
}

/// `[[caps]]`: a limit on what some tariffs pay, in money or in events.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCap {
    /// Unique name, used in reports (`caps.<name>.used`).
    pub name: String,
    /// Tariffs the cap covers, by name. With `payer` instead: every tariff that party pays.
    #[serde(default)]
    pub rules: Option<Vec<String>>,
    /// Party id: the cap covers every tariff this party pays.
    #[serde(default)]
    pub payer: Option<String>,
    /// Scope: `"contract"` (all sites, whole horizon), `"site"` (each site, whole horizon) or
    /// `"site_year"` (each site, each 12 months from the site's start).
    #[schemars(schema_with = "choice::per")]
    pub per: String,
    /// £ limit. Exactly one of `money` and `count`.
    #[serde(default)]
    pub money: Option<f64>,
    /// Limit in events paid.
    #[serde(default)]
    pub count: Option<i64>,
}

/// `[[variations]]`: from month `from`, the sites listed (default: all) follow rule set `rule_set`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVariation {
    /// First month of the variation, `"YYYY-MM"`.
    pub from: String,
    /// The rule set in force from then on.
    pub rule_set: String,
    /// Sites it applies to (default: all).
    #[serde(default)]
    pub sites: Option<Vec<String>>,
}

/// `[[blocks]]`: a fixed payment on given months.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBlock {
    /// Unique name, used in reports.
    pub name: String,
    /// Party id, or `site.commissioner` / `site.provider` of `site`.
    pub payer: Option<String>,
    /// Party id, or `site.commissioner` / `site.provider` of `site`.
    pub payee: Option<String>,
    /// The site the block is for (its provider's income is attributed to it).
    pub site: String,
    /// £ paid on each month listed.
    pub amount: f64,
    /// Months the block falls due, paid at the start of the month: a list of `"YYYY-MM"` months,
    /// or an inclusive range `"YYYY-MM..YYYY-MM"` stepped by `every`.
    pub months: RawMonths,
    /// With a range of months: `"month"` (every month of it, the default), `"quarter"` (every 3rd
    /// month from its first) or `"year"` (every 12th).
    #[serde(default)]
    #[schemars(schema_with = "choice::every")]
    pub every: Option<String>,
    /// Paid in advance *on account of* a base number of a tariff's events (optional).
    #[serde(default)]
    pub on_account_of: Option<RawOnAccount>,
    /// The rule set the block belongs to (default `"base"`): a block is paid only in months its
    /// rule set is in force at its site.
    #[serde(default)]
    pub rule_set: Option<String>,
}

/// `on_account_of = { tariff = "...", events = N, until = "YYYY-MM" }`: each payment of the block
/// stands for the first `events` events the named tariff would pay at the block's site, until the
/// next payment on account of that tariff or the end of month `until`, whichever comes first; the
/// tariff pays only beyond them. Any unused base lapses (a block is not repayable).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOnAccount {
    /// Name of a `[[tariffs]]` entry that applies at the block's site, with the same payer and payee.
    pub tariff: String,
    /// Events covered by each payment of the block.
    pub events: i64,
    /// The last month the base covers, `"YYYY-MM"` (optional: without it, the base stands until
    /// the next payment on account of the tariff, or the horizon).
    #[serde(default)]
    pub until: Option<String>,
}

/// A list of months, `["2020-04", "2020-07"]`, or an inclusive range, `"2020-04..2024-07"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawMonths {
    /// Each month written out, `"YYYY-MM"`.
    List(Vec<String>),
    /// `"YYYY-MM..YYYY-MM"`, first and last month inclusive, as written (checked by validation).
    Range(String),
}

impl Default for RawMonths {
    fn default() -> Self {
        RawMonths::List(Vec::new())
    }
}

// Deserialised by hand (a string or a list), so described by hand: either shape, as the visitor
// below accepts.
impl JsonSchema for RawMonths {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Months".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Months: a list of `\"YYYY-MM\"` months, or an inclusive range `\"YYYY-MM..YYYY-MM\"`.",
            "anyOf": [
                { "type": "array", "items": { "type": "string" } },
                { "type": "string" }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawMonths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Months;
        impl<'de> serde::de::Visitor<'de> for Months {
            type Value = RawMonths;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of months [\"YYYY-MM\", …] or a range \"YYYY-MM..YYYY-MM\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RawMonths, E> {
                Ok(RawMonths::Range(s.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<RawMonths, A::Error> {
                let de = serde::de::value::SeqAccessDeserializer::new(seq);
                Vec::<String>::deserialize(de).map(RawMonths::List)
            }
        }
        d.deserialize_any(Months)
    }
}

/// The fields whose value is one of a closed set of words, described as an `enum` in the schema so
/// that an editor offers the words and flags a slip. Only the schema: serde reads each as a plain
/// string and validation refuses a word outside the set with its located message, as before. The
/// lists are the words validation accepts (`Role::NAMES` and `Event::NAMES` / `METRICS` where they
/// exist; tests/schema.rs checks each word validates).
pub(crate) mod choice {
    use schemars::{json_schema, Schema, SchemaGenerator};

    use crate::scenario::model::{Event, Role};

    /// A string that is one of `words`.
    pub(crate) fn one_of(words: &[&str]) -> Schema {
        json_schema!({ "type": "string", "enum": words })
    }

    pub(crate) fn role(_: &mut SchemaGenerator) -> Schema {
        one_of(&Role::NAMES)
    }
    pub(crate) fn event(_: &mut SchemaGenerator) -> Schema {
        one_of(&Event::NAMES)
    }
    pub(crate) fn metric(_: &mut SchemaGenerator) -> Schema {
        one_of(&Event::METRICS)
    }
    pub(crate) fn excess_referrals(_: &mut SchemaGenerator) -> Schema {
        one_of(&["wait", "lost"])
    }
    pub(crate) fn band(_: &mut SchemaGenerator) -> Schema {
        one_of(&["lt16", "ge16"])
    }
    pub(crate) fn lag(_: &mut SchemaGenerator) -> Schema {
        one_of(&["none", "monthly", "quarterly"])
    }
    pub(crate) fn per(_: &mut SchemaGenerator) -> Schema {
        one_of(&["contract", "site", "site_year"])
    }
    pub(crate) fn every(_: &mut SchemaGenerator) -> Schema {
        one_of(&["month", "quarter", "year"])
    }
    pub(crate) fn compounding(_: &mut SchemaGenerator) -> Schema {
        one_of(&["annual", "monthly"])
    }
    pub(crate) fn drawdown(_: &mut SchemaGenerator) -> Schema {
        one_of(&["upfront", "as_needed", "schedule"])
    }
    pub(crate) fn repayment(_: &mut SchemaGenerator) -> Schema {
        one_of(&["sweep", "schedule", "at_end"])
    }
    pub(crate) fn evidence_level(_: &mut SchemaGenerator) -> Schema {
        one_of(&["pooled", "new_site"])
    }
}
