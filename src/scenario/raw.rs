//! The scenario file as written: the TOML format, one serde type per table.
//!
//! These types are the file format and nothing more. They accept anything TOML can say in the right
//! shape (unknown fields are refused here); every semantic check (probabilities in [0, 1], references
//! to parties and sites, months inside the horizon, distribution parameters) happens in
//! [`crate::scenario::validate`], which turns a [`RawScenario`] into a [`crate::scenario::Model`].
//! The format is documented field by field, with units, in `docs/scenario-format.md`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dist::Input;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name, used in reports and `summary.json`.
    pub name: String,
    /// Free text: what the scenario is and where its figures come from.
    #[serde(default)]
    pub description: Option<String>,
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
    /// Programme-wide business-case plan figures: metric name → planned value.
    #[serde(default)]
    pub plan: BTreeMap<String, f64>,
}

/// `[simulation]`: how many trials, which seed, how long, how to summarise.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParty {
    /// `commissioner`, `outcome_payer`, `spv`, `provider` or `investor`.
    pub role: String,
    /// Display name (defaults to the identifier).
    #[serde(default)]
    pub name: Option<String>,
}

/// `[sites.<id>]`: one contract delivered by one provider for one commissioner.
#[derive(Debug, Clone, Deserialize)]
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
    pub delivery: RawDelivery,
    pub staffing: RawStaffing,
    pub costs: RawCosts,
    /// Business-case plan figures for this site: metric name (without the `site.<id>.` prefix) → value.
    #[serde(default)]
    pub plan: BTreeMap<String, f64>,
}

/// `[sites.<id>.delivery]`: the client flow. Every field is a number or a distribution.
#[derive(Debug, Clone, Deserialize)]
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
    /// Probability that a sustainment is evidenced, and so can be claimed.
    pub p_evidence: Input,
}

/// `[sites.<id>.staffing]`: employment specialists (ES) and their turnover.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
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

/// `[[tariffs]]`: a flat amount per event, from payer to payee.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTariff {
    /// Unique name, used in reports.
    pub name: String,
    /// Party id, or `site.commissioner` / `site.provider` for the paying site's own.
    pub payer: Option<String>,
    /// Party id, or `site.commissioner` / `site.provider`.
    pub payee: Option<String>,
    /// `referral`, `engagement`, `job_start`, `sustain_6w` or `sustain_26w`.
    pub event: String,
    /// Only events in this hours band: `lt16` or `ge16` (job starts and sustainments only).
    #[serde(default)]
    pub band: Option<String>,
    /// £ per event.
    pub amount: f64,
    /// Sites the tariff applies to (default: all).
    #[serde(default)]
    pub sites: Option<Vec<String>>,
}

/// `[[blocks]]`: a fixed payment on given months.
#[derive(Debug, Clone, Deserialize)]
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
    /// Months the block falls due, `"YYYY-MM"`, paid at the start of the month.
    pub months: Vec<String>,
    /// Paid in advance *on account of* a base number of a tariff's events (optional).
    #[serde(default)]
    pub on_account_of: Option<RawOnAccount>,
}

/// `on_account_of = { tariff = "...", events = N }`: each payment of the block stands for the first
/// `events` events the named tariff would pay at the block's site until the block's next payment;
/// the tariff pays only beyond them. Any unused base lapses (a block is not repayable).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOnAccount {
    /// Name of a `[[tariffs]]` entry that applies at the block's site, with the same payer and payee.
    pub tariff: String,
    /// Events covered by each payment of the block.
    pub events: i64,
}
