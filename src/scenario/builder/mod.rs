//! A scenario built in code, with types instead of the file format's strings: months are
//! [`YearMonth`]s, roles a [`Role`], events an [`Event`] and bands a [`Band`](crate::scenario::Band), inputs
//! [`Input`]s or [`DistSpec`]s.
//!
//! The builder writes the same [`RawScenario`] a scenario file would give and validates it with
//! [`validate_raw`], so a model built here passes every check a file does, and a mistake comes
//! back as the library's [`Error`] naming the field (`sites.borough.delivery.p_engage: …`).
//! Optional fields keep the file format's defaults (`docs/scenario-format.md`); the builder adds
//! only the IPS fidelity caseload of 20 per employment specialist, referrals beyond capacity
//! waiting, and every sustainment evidenced.
//!
//! # Example
//! ```
//! use sibsim::scenario::builder::{SiteSpec, TariffSpec};
//! use sibsim::scenario::{Event, Role, YearMonth};
//! use sibsim::Scenario;
//!
//! let (start, end) = (YearMonth::new(2027, 4), YearMonth::new(2030, 3));
//! let model = Scenario::builder("one site", start, 36)
//!     .party("council", Role::Commissioner)
//!     .party("provider", Role::Provider)
//!     .site(
//!         SiteSpec::new("borough", "provider", "council", start, end)
//!             .referrals_per_month(20.0)
//!             .p_engage(0.6)
//!             .p_job_start(0.3)
//!             .time_to_job_months(4.0)
//!             .months_on_caseload_without_job(5.0)
//!             .share_ge16(0.75)
//!             .p_6w(0.7)
//!             .p_26w(0.6)
//!             .es_posts(5.0)
//!             .turnover_per_month(0.02)
//!             .months_to_fill(3.0)
//!             .es_salary(27_000.0)
//!             .on_cost_rate(0.25),
//!     )
//!     .tariff(TariffSpec::flat("job_start", Event::JobStart, 2_000.0))
//!     .build()?;
//! assert_eq!(model.sites.len(), 1);
//! # Ok::<(), sibsim::error::Error>(())
//! ```

use std::collections::BTreeMap;

#[cfg(doc)]
use crate::distributions::DistSpec;
use crate::distributions::Input;
use crate::error::{Error, ScenarioErrors};
use crate::scenario::raw::*;
use crate::scenario::{field_error, validate_raw, Event, Model, Param, Role};
use crate::scenario::{Excess, YearMonth};
use crate::Money;

mod finance;
mod rules;

pub use finance::{Compounding, DrawdownSpec, FinanceSpec, RepaymentSpec};
pub use rules::{BlockSpec, CapSpec, TariffSpec};

impl YearMonth {
    /// The calendar month `year`-`month` (`month` from 1 to 12). Not checked here: a month out of
    /// range is refused, naming its field, when the scenario is built.
    pub const fn new(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }
}

/// A party a payment comes from or goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyRef {
    /// The commissioner of the site the payment is for.
    SiteCommissioner,
    /// The provider of the site the payment is for.
    SiteProvider,
    /// A party by identifier.
    Party(String),
}

impl From<&str> for PartyRef {
    fn from(id: &str) -> Self {
        PartyRef::Party(id.to_string())
    }
}

impl PartyRef {
    fn raw(&self) -> String {
        match self {
            PartyRef::SiteCommissioner => "site.commissioner".into(),
            PartyRef::SiteProvider => "site.provider".into(),
            PartyRef::Party(id) => id.clone(),
        }
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Commissioner => "commissioner",
        Role::OutcomePayer => "outcome_payer",
        Role::Spv => "spv",
        Role::Provider => "provider",
        Role::Investor => "investor",
    }
}

/// Typed months go through the file's `"YYYY-MM"` so validation reads them as it reads a file.
fn month(m: YearMonth) -> String {
    m.to_string()
}

/// Start a scenario: its name, the calendar month of simulation month 1, and the horizon.
///
/// Defaults: 10,000 trials, seed 1, quantiles P10 / P90 (as for a file).
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    raw: RawScenario,
    /// Sites in the order given, kept as specs until `build` so missing inputs can be reported.
    sites: Vec<SiteSpec>,
}

impl ScenarioBuilder {
    /// A scenario with no parties or sites yet; see [`crate::Scenario::builder`].
    pub fn new(name: impl Into<String>, start: YearMonth, horizon_months: u32) -> Self {
        ScenarioBuilder {
            raw: RawScenario {
                name: name.into(),
                simulation: RawSimulation {
                    horizon_months: horizon_months.into(),
                    start: month(start),
                    ..RawSimulation::default()
                },
                ..RawScenario::default()
            },
            sites: Vec::new(),
        }
    }

    /// Free text: what the scenario is and where its figures come from.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.raw.description = Some(text.into());
        self
    }

    /// Default number of trials of a run.
    pub fn trials(mut self, n: u64) -> Self {
        self.raw.simulation.trials = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Default master seed of a run.
    pub fn seed(mut self, seed: u64) -> Self {
        // Seeds above i64::MAX wrap to negative and are refused by validation, as in a file.
        self.raw.simulation.seed = Some(seed as i64);
        self
    }

    /// The low and high quantiles of the summary (default 0.1 and 0.9).
    pub fn quantiles(mut self, low: f64, high: f64) -> Self {
        self.raw.simulation.quantiles = Some(vec![low, high]);
        self
    }

    /// A party with this identifier and role.
    pub fn party(self, id: impl Into<String>, role: Role) -> Self {
        self.party_with(PartySpec::new(id, role))
    }

    /// A party with a budget or a largest share of payments.
    pub fn party_with(mut self, p: PartySpec) -> Self {
        self.raw.parties.insert(p.id, p.raw);
        self
    }

    /// A site (one contract delivered by one provider for one commissioner).
    pub fn site(mut self, site: SiteSpec) -> Self {
        self.sites.push(site);
        self
    }

    /// A per-event tariff.
    pub fn tariff(mut self, t: TariffSpec) -> Self {
        self.raw.tariffs.push(t.raw);
        self
    }

    /// A scheduled block payment.
    pub fn block(mut self, b: BlockSpec) -> Self {
        self.raw.blocks.push(b.raw);
        self
    }

    /// A cap on what some tariffs pay.
    pub fn cap(mut self, c: CapSpec) -> Self {
        self.raw.caps.push(c.raw);
        self
    }

    /// From `from`, `sites` (all if empty) follow rule set `rule_set`.
    pub fn variation(mut self, from: YearMonth, rule_set: &str, sites: &[&str]) -> Self {
        self.raw.variations.push(RawVariation {
            from: month(from),
            rule_set: rule_set.into(),
            sites: strings(sites),
        });
        self
    }

    /// The SPV's account and the investor's capital.
    pub fn finance(mut self, f: FinanceSpec) -> Self {
        self.raw.finance = Some(f.raw);
        self
    }

    /// A programme-wide plan figure: the planned value of `metric` (e.g. `"engagements"`).
    pub fn plan(mut self, metric: impl Into<String>, value: f64) -> Self {
        self.raw.plan.insert(metric.into(), value);
        self
    }

    /// The scenario as the file format has it, e.g. to compare with a parsed file.
    ///
    /// # Errors
    /// [`Error::InvalidScenario`] naming every required site input not given.
    pub fn to_raw(&self) -> Result<RawScenario, Error> {
        let mut raw = self.raw.clone();
        let mut errors = Vec::new();
        for s in &self.sites {
            match s.raw() {
                Ok(site) => {
                    raw.sites.insert(s.id.clone(), site);
                }
                Err(missing) => {
                    for p in missing {
                        errors.push(field_error(
                            "<code>",
                            "",
                            &["sites", &s.id, p.table(), p.field()],
                            "missing input",
                            format!("set it with SiteSpec::{}", p.field()),
                        ));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(raw)
        } else {
            Err(ScenarioErrors(errors).into())
        }
    }

    /// Validate and return the model, as [`crate::Scenario::load`] does for a file.
    ///
    /// # Errors
    /// [`Error::InvalidScenario`] with every problem found, each naming its field.
    pub fn build(&self) -> Result<Model, Error> {
        Ok(validate_raw("<code>", &self.to_raw()?)?)
    }
}

fn strings(ids: &[&str]) -> Option<Vec<String>> {
    (!ids.is_empty()).then(|| ids.iter().map(|s| s.to_string()).collect())
}

/// A party with a budget or a cap on its share of payments.
#[derive(Debug, Clone)]
pub struct PartySpec {
    id: String,
    raw: RawParty,
}

impl PartySpec {
    /// A party with this identifier and role.
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        PartySpec {
            id: id.into(),
            raw: RawParty {
                role: role_name(role).into(),
                ..RawParty::default()
            },
        }
    }

    /// Display name (default: the identifier).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.raw.name = Some(name.into());
        self
    }

    /// Budget over the horizon, £: spend is reported against it.
    pub fn budget(mut self, budget: Money) -> Self {
        self.raw.budget = Some(budget);
        self
    }

    /// Largest share of all payments this party may make (e.g. 0.5 for a top-up fund).
    pub fn max_share(mut self, share: f64) -> Self {
        self.raw.max_share = Some(share);
        self
    }
}

macro_rules! input_setters {
    ($( $method:ident => $param:ident ),* $(,)?) => {
        $(
            #[doc = concat!("Sets `", stringify!($method), "` (see [`Param::", stringify!($param), "`]): a number or a [`DistSpec`].")]
            pub fn $method(self, value: impl Into<Input>) -> Self {
                self.input(Param::$param, value)
            }
        )*
    };
}

/// One site: who delivers for whom and when, and its delivery, staffing and cost inputs.
///
/// Inputs without a file default must be set (the builder reports each one missing); the builder's
/// own defaults are a caseload of 20 per employment specialist, `p_evidence` 1 and waiting excess
/// referrals.
#[derive(Debug, Clone)]
pub struct SiteSpec {
    id: String,
    provider: String,
    commissioner: String,
    start: YearMonth,
    end: YearMonth,
    excess: Excess,
    /// One slot per [`Param`], indexed by `Param as usize`.
    inputs: Vec<Option<Input>>,
    plan: BTreeMap<String, f64>,
    distress: Option<RawDistress>,
    termination: Option<RawTermination>,
    demand: Vec<RawDemand>,
}

impl SiteSpec {
    /// A site delivered by party `provider` for party `commissioner` from `start` to `end`
    /// (inclusive).
    pub fn new(
        id: impl Into<String>,
        provider: impl Into<String>,
        commissioner: impl Into<String>,
        start: YearMonth,
        end: YearMonth,
    ) -> Self {
        let mut inputs = vec![None; Param::ALL.len()];
        // IPS fidelity: about 20 active clients per employment specialist.
        inputs[Param::CaseloadPerEs as usize] = Some(Input::Fixed(20.0));
        inputs[Param::PEvidence as usize] = Some(Input::Fixed(1.0));
        SiteSpec {
            id: id.into(),
            provider: provider.into(),
            commissioner: commissioner.into(),
            start,
            end,
            excess: Excess::Wait,
            inputs,
            plan: BTreeMap::new(),
            distress: None,
            termination: None,
            demand: Vec::new(),
        }
    }

    /// A demand shock: from `from` to `to` (inclusive) referrals are multiplied by `multiplier`,
    /// a number or a [`DistSpec`] drawn once per trial (windows that overlap multiply).
    pub fn demand(mut self, from: YearMonth, to: YearMonth, multiplier: impl Into<Input>) -> Self {
        self.demand.push(RawDemand {
            from: month(from),
            to: Some(month(to)),
            multiplier: multiplier.into(),
        });
        self
    }

    /// Sets one input to a number or a distribution.
    pub fn input(mut self, p: Param, value: impl Into<Input>) -> Self {
        self.inputs[p as usize] = Some(value.into());
        self
    }

    /// Sets several inputs at once, e.g. `[(Param::P6w, 0.7), (Param::P26w, 0.6)]`.
    pub fn inputs<I: Into<Input>>(mut self, values: impl IntoIterator<Item = (Param, I)>) -> Self {
        for (p, v) in values {
            self.inputs[p as usize] = Some(v.into());
        }
        self
    }

    input_setters! {
        referrals_per_month => ReferralsPerMonth,
        referral_dispersion => ReferralDispersion,
        ramp_months => RampMonths,
        p_engage => PEngage,
        caseload_per_es => CaseloadPerEs,
        wait_dropout => WaitDropout,
        p_job_start => PJobStart,
        time_to_job_months => TimeToJobMonths,
        months_on_caseload_without_job => MonthsWithoutJob,
        share_ge16 => ShareGe16,
        p_6w => P6w,
        p_26w => P26w,
        p_13w => P13w,
        p_evidence => PEvidence,
        es_posts => EsPosts,
        team_leaders => TeamLeaders,
        turnover_per_month => TurnoverPerMonth,
        months_to_fill => MonthsToFill,
        es_salary => EsSalary,
        team_leader_salary => TeamLeaderSalary,
        on_cost_rate => OnCostRate,
        overheads_per_month => OverheadsPerMonth,
        recruitment_cost_per_hire => RecruitmentCostPerHire,
        opening_cash => OpeningCash,
    }

    /// What happens to referrals beyond free caseload capacity (default: they wait).
    pub fn excess_referrals(mut self, excess: Excess) -> Self {
        self.excess = excess;
        self
    }

    /// A plan figure for this site: `metric` without the `site.<id>.` prefix.
    pub fn plan(mut self, metric: impl Into<String>, value: f64) -> Self {
        self.plan.insert(metric.into(), value);
        self
    }

    /// Delivery suffers while the provider's cash for the site is below `cash_floor`: turnover is
    /// multiplied, and recruitment frozen if asked.
    pub fn distress(
        mut self,
        cash_floor: Money,
        turnover_multiplier: f64,
        recruitment_freeze: bool,
    ) -> Self {
        self.distress = Some(RawDistress {
            cash_floor: Some(cash_floor),
            turnover_multiplier: Some(turnover_multiplier),
            recruitment_freeze: Some(recruitment_freeze),
            posts_cut: None,
        });
        self
    }

    /// The commissioner ends the site when its cumulative `event` count stays below `below_share`
    /// of the site's plan to date for `months` months in a row (needs a site plan figure).
    pub fn termination(mut self, event: Event, below_share: f64, months: u32) -> Self {
        self.termination = Some(RawTermination {
            metric: event.metric().into(),
            below_share,
            months: months.into(),
            ..RawTermination::default()
        });
        self
    }

    /// The file-format site, or the required inputs not given.
    fn raw(&self) -> Result<RawSite, Vec<Param>> {
        let missing: Vec<Param> = Param::ALL
            .iter()
            .copied()
            .filter(|&p| {
                p.default().is_none() && !p.optional() && self.inputs[p as usize].is_none()
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let opt = |p: Param| self.inputs[p as usize].clone();
        // Every required input is present (checked above); the fallback is never used.
        let req = |p: Param| opt(p).unwrap_or(Input::Fixed(f64::NAN));
        use Param::*;
        Ok(RawSite {
            provider: self.provider.clone(),
            commissioner: self.commissioner.clone(),
            start: month(self.start),
            end: month(self.end),
            delivery: RawDelivery {
                referrals_per_month: req(ReferralsPerMonth),
                referral_dispersion: opt(ReferralDispersion),
                ramp_months: opt(RampMonths),
                p_engage: req(PEngage),
                caseload_per_es: req(CaseloadPerEs),
                excess_referrals: match self.excess {
                    Excess::Wait => "wait".into(),
                    Excess::Lost => "lost".into(),
                },
                wait_dropout: opt(WaitDropout),
                p_job_start: req(PJobStart),
                time_to_job_months: req(TimeToJobMonths),
                months_on_caseload_without_job: req(MonthsWithoutJob),
                share_ge16: req(ShareGe16),
                p_6w: req(P6w),
                p_26w: req(P26w),
                p_13w: opt(P13w),
                p_evidence: req(PEvidence),
            },
            staffing: RawStaffing {
                es_posts: req(EsPosts),
                team_leaders: opt(TeamLeaders),
                turnover_per_month: req(TurnoverPerMonth),
                months_to_fill: req(MonthsToFill),
            },
            costs: RawCosts {
                es_salary: req(EsSalary),
                team_leader_salary: opt(TeamLeaderSalary),
                on_cost_rate: req(OnCostRate),
                overheads_per_month: opt(OverheadsPerMonth),
                recruitment_cost_per_hire: opt(RecruitmentCostPerHire),
                opening_cash: opt(OpeningCash),
            },
            plan: self.plan.clone(),
            distress: self.distress.clone(),
            termination: self.termination.clone(),
            demand: self.demand.clone(),
        })
    }
}
