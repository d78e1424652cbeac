//! Scenario text → [`Model`], or every problem found, each at `file:line:column`.
//!
//! Two passes: serde (via `serde_path_to_error`, so a type error knows its field) turns the text into
//! [`RawScenario`] and stops at the first structural problem (syntax, unknown or missing field,
//! wrong type); then the semantic checks below run over the whole file and report every problem they
//! find. Nothing is simulated unless both passes succeed.

use std::collections::{BTreeMap, HashSet};

use crate::distributions::{Dist, DistSpec, Input, NotPositiveDefinite};
use crate::error::{ScenarioError, ScenarioErrors};
use crate::scenario::model::*;
use crate::scenario::raw::*;
use crate::scenario::span::{FieldPath, Source, Target};
use crate::{Money, Month};
use std::path::{Path, PathBuf};

use crate::limits::{MAX_HORIZON, MAX_TRIALS};
/// Trials when neither the file nor a flag says.
pub const DEFAULT_TRIALS: u64 = 10_000;
/// Seed when neither the file nor a flag says.
pub const DEFAULT_SEED: u64 = 1;

/// Parse and validate a scenario held in memory; `file` names it in error messages.
///
/// # Errors
/// Every problem found, sorted by position in the file.
pub fn parse_scenario(file: &str, text: &str) -> Result<Model, ScenarioErrors> {
    let src = Source::new(file, text);
    let raw: RawScenario = parse_toml(&src)?;
    check(&src, &raw)
}

/// An error about the field at `keys` (e.g. `["parties", "sof", "max_share"]`) of scenario `text`.
pub fn field_error(
    file: &str,
    text: &str,
    keys: &[&str],
    problem: impl Into<String>,
    valid: impl Into<String>,
) -> ScenarioError {
    let path = keys.iter().fold(FieldPath::root(), |p, k| p.key(k));
    Source::new(file, text).error(&path, Target::Value, problem, valid)
}

/// Validate a scenario built in code (see `examples/`); errors name the field but no position.
///
/// # Errors
/// Every problem found.
pub fn validate_raw(label: &str, raw: &RawScenario) -> Result<Model, ScenarioErrors> {
    check(&Source::new(label, ""), raw)
}

fn check(src: &Source<'_>, raw: &RawScenario) -> Result<Model, ScenarioErrors> {
    let mut v = Validator {
        src,
        errors: Vec::new(),
        rules: Vec::new(),
        rule_sets: vec!["base".to_string()],
        evidence: None,
    };
    let model = v.model(raw);
    let mut errors = v.errors;
    if errors.is_empty() {
        if let Some(model) = model {
            return Ok(model);
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    errors.dedup();
    Err(ScenarioErrors(errors))
}

/// Read TOML `src` into `T`, stopping at the first structural problem (syntax, unknown or missing
/// field, wrong type), located in the file.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    src: &Source<'_>,
) -> Result<T, ScenarioErrors> {
    let de = toml::Deserializer::parse(src.text).map_err(|e| {
        let (problem, valid) = split_message(e.message());
        ScenarioErrors(vec![src.error_at(
            e.span().unwrap_or(0..0),
            "",
            problem,
            valid,
        )])
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let mut path = FieldPath::root();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => path = path.index(*index),
                serde_path_to_error::Segment::Map { key } => path = path.key(key),
                _ => {}
            }
        }
        let (problem, valid) = split_message(e.inner().message());
        let span = match e.inner().span() {
            Some(s) if !s.is_empty() => s,
            _ => src.locate(&path, Target::Value),
        };
        ScenarioErrors(vec![src.error_at(span, &path.to_string(), problem, valid)])
    })
}

/// Split a serde message "invalid type: string \"a\", expected f64" into what is wrong and what
/// would be valid, and put Rust's type names into words.
fn split_message(msg: &str) -> (String, String) {
    let msg = msg.trim().trim_end_matches('.');
    let words = |s: &str| {
        s.replace("expected f64", "expected a number")
            .replace("expected i64", "expected a whole number")
            .replace("expected a sequence", "expected an array")
            .replace("expected a string", "expected a string in quotes")
    };
    match msg.find(", expected ") {
        Some(i) => (msg[..i].to_string(), words(&msg[i + 2..])),
        None if msg.starts_with("duplicate key") => (
            msg.to_string(),
            "expected each key once in a table (and each [table] header once)".to_string(),
        ),
        None if msg.starts_with("missing field") => (
            msg.to_string(),
            "expected it in this table (docs/scenario-format.md lists every field)".to_string(),
        ),
        None => (words(msg), String::new()),
    }
}

struct Validator<'s, 'a> {
    src: &'s Source<'a>,
    errors: Vec<ScenarioError>,
    /// Names of the payment rules so far (tariffs, then blocks): the model's `rules`.
    rules: Vec<String>,
    /// Rule set names so far; `"base"` first.
    rule_sets: Vec<String>,
    /// The evidence library, read on the first `{ dist = "evidence" }`: `Err` holds why it could
    /// not be.
    evidence: Option<Result<crate::evidence::Library, String>>,
}

/// A party reference as written in a tariff or block.
enum PartyRef {
    Party(usize),
    SiteCommissioner,
    SiteProvider,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const ID_RULE: &str =
    "expected an identifier of letters, digits, '_' or '-' (it becomes part of metric names)";

fn raw_input(site: &RawSite, p: Param) -> Option<&Input> {
    let d = &site.delivery;
    let s = &site.staffing;
    let c = &site.costs;
    match p {
        Param::ReferralsPerMonth => Some(&d.referrals_per_month),
        Param::ReferralDispersion => d.referral_dispersion.as_ref(),
        Param::RampMonths => d.ramp_months.as_ref(),
        Param::PEngage => Some(&d.p_engage),
        Param::CaseloadPerEs => Some(&d.caseload_per_es),
        Param::WaitDropout => d.wait_dropout.as_ref(),
        Param::PJobStart => Some(&d.p_job_start),
        Param::TimeToJobMonths => Some(&d.time_to_job_months),
        Param::MonthsWithoutJob => Some(&d.months_on_caseload_without_job),
        Param::ShareGe16 => Some(&d.share_ge16),
        Param::P6w => Some(&d.p_6w),
        Param::P26w => Some(&d.p_26w),
        Param::PEvidence => Some(&d.p_evidence),
        Param::EsPosts => Some(&s.es_posts),
        Param::TeamLeaders => s.team_leaders.as_ref(),
        Param::TurnoverPerMonth => Some(&s.turnover_per_month),
        Param::MonthsToFill => Some(&s.months_to_fill),
        Param::EsSalary => Some(&c.es_salary),
        Param::TeamLeaderSalary => c.team_leader_salary.as_ref(),
        Param::OnCostRate => Some(&c.on_cost_rate),
        Param::OverheadsPerMonth => c.overheads_per_month.as_ref(),
        Param::RecruitmentCostPerHire => c.recruitment_cost_per_hire.as_ref(),
        Param::OpeningCash => c.opening_cash.as_ref(),
    }
}

/// The metric name counting an event: `engagement` → `engagements`.
fn event_metric(event: &str) -> &'static str {
    match event {
        "referral" => "referrals",
        "engagement" => "engagements",
        "job_start" => "job_starts",
        "sustain_6w" => "sustain_6w",
        _ => "sustain_26w",
    }
}

fn fmt_num(x: f64) -> String {
    if x == f64::INFINITY {
        "∞".into()
    } else if x == f64::NEG_INFINITY {
        "-∞".into()
    } else if x.abs() >= 1e9 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Validator<'_, '_> {
    fn err(
        &mut self,
        path: &FieldPath,
        target: Target,
        problem: impl Into<String>,
        valid: impl Into<String>,
    ) {
        let e = self.src.error(path, target, problem, valid);
        self.errors.push(e);
    }

    fn model(&mut self, raw: &RawScenario) -> Option<Model> {
        let root = FieldPath::root();
        if raw.name.trim().is_empty() {
            self.err(
                &root.key("name"),
                Target::Value,
                "the scenario name is empty",
                "expected a short name such as \"MHEP 1\"",
            );
        }
        let settings = self.settings(&raw.simulation, &root.key("simulation"));
        let parties = self.parties(&raw.parties, &root.key("parties"));
        let sites = match &settings {
            Some(s) => self.sites(raw, &parties, s),
            None => Vec::new(),
        };
        let (mut tariffs, blocks, variations) = match &settings {
            Some(s) => {
                let tariffs = self.tariffs(raw, &parties, &sites, s);
                let blocks = self.blocks(raw, &parties, &sites, s, &tariffs);
                let variations = self.variations(raw, &sites, s);
                (tariffs, blocks, variations)
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let caps = if settings.is_some() {
            self.caps(raw, &parties, &mut tariffs)
        } else {
            Vec::new()
        };
        let finance = match (&raw.finance, &settings) {
            (Some(f), Some(s)) => self.finance(f, &parties, s),
            _ => None,
        };
        let rules = std::mem::take(&mut self.rules);
        let rule_sets = std::mem::take(&mut self.rule_sets);
        let settings = settings?;
        if !self.errors.is_empty() {
            return None;
        }
        let mut model = Model {
            name: raw.name.trim().to_string(),
            description: raw.description.clone().unwrap_or_default(),
            settings,
            parties,
            sites,
            rules,
            tariffs,
            blocks,
            caps,
            rule_sets,
            variations,
            finance,
            plan: Vec::new(),
            actuals: Vec::new(),
            copula: None,
        };
        if let Some(c) = &raw.correlation {
            model.copula = self.copula(c, &model);
        }
        model.plan = self.plan(raw, &model);
        model.actuals = self.actuals(raw, &model);
        Some(model)
    }

    fn settings(&mut self, s: &RawSimulation, path: &FieldPath) -> Option<Settings> {
        let mut ok = true;
        let trials = s.trials.unwrap_or(DEFAULT_TRIALS as i64);
        if !(1..=MAX_TRIALS).contains(&trials) {
            self.err(
                &path.key("trials"),
                Target::Value,
                format!("{trials} trials"),
                format!("expected a whole number from 1 to {MAX_TRIALS}"),
            );
            ok = false;
        }
        let seed = s.seed.unwrap_or(DEFAULT_SEED as i64);
        if seed < 0 {
            self.err(
                &path.key("seed"),
                Target::Value,
                format!("seed {seed} is negative"),
                "expected a whole number ≥ 0",
            );
            ok = false;
        }
        if !(1..=MAX_HORIZON).contains(&s.horizon_months) {
            self.err(
                &path.key("horizon_months"),
                Target::Value,
                format!("horizon of {} months", s.horizon_months),
                format!("expected a whole number of months from 1 to {MAX_HORIZON}"),
            );
            ok = false;
        }
        let start = YearMonth::parse(&s.start);
        if start.is_none() {
            self.err(
                &path.key("start"),
                Target::Value,
                format!("\"{}\" is not a month", s.start),
                "expected \"YYYY-MM\", e.g. \"2016-01\"",
            );
            ok = false;
        }
        let (mut low, mut high) = (0.1, 0.9);
        if let Some(q) = &s.quantiles {
            let valid = "expected [low, high] with 0 < low < 0.5 < high < 1, e.g. [0.1, 0.9]";
            if q.len() != 2 {
                self.err(
                    &path.key("quantiles"),
                    Target::Value,
                    format!("{} values given", q.len()),
                    valid,
                );
                ok = false;
            } else if !(q[0] > 0.0 && q[0] < 0.5 && q[1] > 0.5 && q[1] < 1.0) {
                self.err(
                    &path.key("quantiles"),
                    Target::Value,
                    format!("quantiles [{}, {}]", q[0], q[1]),
                    valid,
                );
                ok = false;
            } else {
                (low, high) = (q[0], q[1]);
            }
        }
        ok.then(|| Settings {
            trials: trials as u64,
            seed: seed as u64,
            horizon: s.horizon_months as Month,
            start: start.expect("checked above"),
            low,
            high,
        })
    }

    fn parties(&mut self, raw: &BTreeMap<String, RawParty>, path: &FieldPath) -> Vec<Party> {
        let mut out = Vec::new();
        if raw.is_empty() {
            self.err(
                path,
                Target::Key,
                "no parties are defined",
                "expected at least a [parties.<id>] table for each commissioner and provider",
            );
        }
        for (id, p) in raw {
            let pp = path.key(id);
            if !valid_id(id) {
                self.err(
                    &pp,
                    Target::Key,
                    format!("party id \"{id}\" is not an identifier"),
                    ID_RULE,
                );
            }
            let role = Role::parse(&p.role);
            if role.is_none() {
                self.err(
                    &pp.key("role"),
                    Target::Value,
                    format!("unknown role \"{}\"", p.role),
                    format!("expected one of: {}", Role::NAMES.join(", ")),
                );
            }
            if let Some(b) = p.budget {
                if !matches!(role, Some(Role::Commissioner | Role::OutcomePayer)) {
                    self.err(&pp.key("budget"), Target::Key, format!("a budget for a party with role {}", p.role), "expected budgets only for commissioners and outcome payers (their spend is reported against it)");
                } else if !(b.is_finite() && b > 0.0 && b <= MAX_MONEY) {
                    self.err(
                        &pp.key("budget"),
                        Target::Value,
                        format!("budget £{}", fmt_num(b)),
                        format!(
                            "expected an amount in £ above 0 and up to {}",
                            fmt_num(MAX_MONEY)
                        ),
                    );
                }
            }
            if let Some(share) = p.max_share {
                if !(share > 0.0 && share <= 1.0) {
                    self.err(
                        &pp.key("max_share"),
                        Target::Value,
                        format!("max_share {} is not a share", fmt_num(share)),
                        "expected a share above 0 and up to 1, e.g. 0.5",
                    );
                }
            }
            out.push(Party {
                id: id.clone(),
                name: p.name.clone().unwrap_or_else(|| id.clone()),
                role: role.unwrap_or(Role::Commissioner),
                max_share: p.max_share,
                budget: p.budget,
            });
        }
        out
    }

    fn party_index(
        &mut self,
        parties: &[Party],
        id: &str,
        path: &FieldPath,
        role: Option<Role>,
    ) -> Option<usize> {
        let Some(i) = parties.iter().position(|p| p.id == id) else {
            let known: Vec<&str> = parties.iter().map(|p| p.id.as_str()).collect();
            self.err(
                path,
                Target::Value,
                format!("party \"{id}\" is not defined"),
                format!("expected one of the [parties] ids: {}", known.join(", ")),
            );
            return None;
        };
        if let Some(role) = role {
            if parties[i].role != role {
                let want = Role::NAMES[role as usize];
                self.err(
                    path,
                    Target::Value,
                    format!(
                        "party \"{id}\" has role {}",
                        Role::NAMES[parties[i].role as usize]
                    ),
                    format!("expected a party with role {want}"),
                );
                return None;
            }
        }
        Some(i)
    }

    fn month(&mut self, s: &str, settings: &Settings, path: &FieldPath) -> Option<Month> {
        let last = settings.start.plus(settings.horizon - 1);
        let valid = format!(
            "expected \"YYYY-MM\" from {} to {} (the simulation horizon)",
            settings.start, last
        );
        let Some(ym) = YearMonth::parse(s) else {
            self.err(
                path,
                Target::Value,
                format!("\"{s}\" is not a month"),
                valid,
            );
            return None;
        };
        let idx = settings.start.months_until(ym);
        if idx < 0 || idx >= settings.horizon as i64 {
            self.err(
                path,
                Target::Value,
                format!("{s} is outside the simulation horizon"),
                valid,
            );
            return None;
        }
        Some(idx as Month)
    }

    fn sites(&mut self, raw: &RawScenario, parties: &[Party], settings: &Settings) -> Vec<Site> {
        let path = FieldPath::root().key("sites");
        if raw.sites.is_empty() {
            self.err(
                &path,
                Target::Key,
                "no sites are defined",
                "expected at least one [sites.<id>] table",
            );
        }
        let mut out = Vec::new();
        for (id, s) in &raw.sites {
            let sp = path.key(id);
            if !valid_id(id) {
                self.err(
                    &sp,
                    Target::Key,
                    format!("site id \"{id}\" is not an identifier"),
                    ID_RULE,
                );
            }
            let provider = self.party_index(
                parties,
                &s.provider,
                &sp.key("provider"),
                Some(Role::Provider),
            );
            let commissioner = self.party_index(
                parties,
                &s.commissioner,
                &sp.key("commissioner"),
                Some(Role::Commissioner),
            );
            let start = self.month(&s.start, settings, &sp.key("start"));
            let end = self.month(&s.end, settings, &sp.key("end"));
            if let (Some(a), Some(b)) = (start, end) {
                if b < a {
                    self.err(
                        &sp.key("end"),
                        Target::Value,
                        format!("end {} is before start {}", s.end, s.start),
                        "expected end ≥ start (both inclusive)",
                    );
                }
            }
            let excess = match s.delivery.excess_referrals.as_str() {
                "wait" => Excess::Wait,
                "lost" => Excess::Lost,
                other => {
                    self.err(
                        &sp.key("delivery").key("excess_referrals"),
                        Target::Value,
                        format!("unknown policy \"{other}\""),
                        "expected \"wait\" or \"lost\"",
                    );
                    Excess::Lost
                }
            };
            if excess == Excess::Lost && s.delivery.wait_dropout.is_some() {
                self.err(
                    &sp.key("delivery").key("wait_dropout"),
                    Target::Key,
                    "wait_dropout is set but excess referrals are lost, not waiting",
                    "expected no wait_dropout, or excess_referrals = \"wait\"",
                );
            }
            let mut inputs = Vec::with_capacity(Param::ALL.len());
            for &p in Param::ALL {
                let fp = sp.key(p.table()).key(p.field());
                let dist = match raw_input(s, p) {
                    None => Dist::fixed(
                        p.default()
                            .expect("required fields are not Option in RawSite"),
                    ),
                    Some(input) => self.input(input, p, &fp),
                };
                inputs.push(dist);
            }
            let distress = s
                .distress
                .as_ref()
                .and_then(|d| self.distress(d, &sp.key("distress")));
            let termination = s
                .termination
                .as_ref()
                .and_then(|t| self.termination(t, s, id, &raw.plan, &sp.key("termination")));
            if s.distress.is_some() && distress.is_none()
                || s.termination.is_some() && termination.is_none()
            {
                continue;
            }
            if let (Some(provider), Some(commissioner), Some(start), Some(end)) =
                (provider, commissioner, start, end)
            {
                out.push(Site {
                    id: id.clone(),
                    provider,
                    commissioner,
                    start,
                    end,
                    excess,
                    inputs,
                    distress,
                    termination,
                });
            }
        }
        out
    }

    fn money_field(&mut self, x: Option<f64>, default: f64, path: &FieldPath) -> Option<f64> {
        let v = x.unwrap_or(default);
        if v.is_finite() && (0.0..=MAX_MONEY).contains(&v) {
            Some(v)
        } else {
            self.err(
                path,
                Target::Value,
                format!("£{}", fmt_num(v)),
                format!("expected an amount in £ from 0 to {}", fmt_num(MAX_MONEY)),
            );
            None
        }
    }

    /// A `drawdown_schedule` or `repayment_schedule` (`what` is `drawdown` or `repayment`).
    fn schedule(
        &mut self,
        list: Option<&Vec<RawScheduled>>,
        what: &str,
        settings: &Settings,
        fp: &FieldPath,
    ) -> Option<Vec<(Month, Money)>> {
        let key = format!("{what}_schedule");
        let Some(list) = list else {
            self.err(
                &fp.key(what),
                Target::Value,
                format!("a schedule with no {key}"),
                format!("expected {key} = [{{ month = \"YYYY-MM\", amount = £ }}, …]"),
            );
            return None;
        };
        let mut v = Vec::new();
        for (k, d) in list.iter().enumerate() {
            let dp = fp.key(&key).index(k);
            let m = self.month(&d.month, settings, &dp.key("month"));
            let a = self.money_field(Some(d.amount), 0.0, &dp.key("amount"));
            if let (Some(m), Some(a)) = (m, a) {
                v.push((m, a));
            }
        }
        (v.len() == list.len()).then_some(v)
    }

    fn finance(
        &mut self,
        f: &RawFinance,
        parties: &[Party],
        settings: &Settings,
    ) -> Option<Finance> {
        let fp = FieldPath::root().key("finance");
        let spv = self.party_index(parties, &f.spv, &fp.key("spv"), Some(Role::Spv));
        let investor = self.party_index(
            parties,
            &f.investor,
            &fp.key("investor"),
            Some(Role::Investor),
        );
        let equity = self.money_field(f.equity, 0.0, &fp.key("equity"));
        let loan = self.money_field(f.loan, 0.0, &fp.key("loan"));
        let reserve = self.money_field(f.cash_reserve, 0.0, &fp.key("cash_reserve"));
        let facility = self.money_field(f.facility, f.loan.unwrap_or(0.0), &fp.key("facility"));
        if let (Some(l), Some(fa)) = (loan, facility) {
            if fa < l {
                self.err(
                    &fp.key("facility"),
                    Target::Value,
                    format!(
                        "facility £{} is below the loan of £{}",
                        fmt_num(fa),
                        fmt_num(l)
                    ),
                    "expected a facility at least as large as the loan",
                );
            }
        }
        if equity == Some(0.0) && loan == Some(0.0) {
            self.err(
                &fp,
                Target::Key,
                "the investor puts in nothing",
                "expected equity or loan above 0",
            );
        }
        let rate = f.interest_rate.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&rate) {
            self.err(
                &fp.key("interest_rate"),
                Target::Value,
                format!("interest rate {}", fmt_num(rate)),
                "expected an annual rate from 0 to 1, e.g. 0.08",
            );
        }
        let monthly_rate = match f.compounding.as_deref() {
            None | Some("annual") => Some((1.0 + rate).powf(1.0 / 12.0) - 1.0),
            Some("monthly") => Some(rate / 12.0),
            Some(other) => {
                self.err(
                    &fp.key("compounding"),
                    Target::Value,
                    format!("unknown compounding \"{other}\""),
                    "expected \"annual\" or \"monthly\"",
                );
                None
            }
        };
        let drawdown = match f.drawdown.as_deref() {
            None | Some("upfront") => Some(Drawdown::Upfront),
            Some("as_needed") => Some(Drawdown::AsNeeded),
            Some("schedule") => self
                .schedule(f.drawdown_schedule.as_ref(), "drawdown", settings, &fp)
                .and_then(|v| {
                    let total: f64 = v.iter().map(|&(_, a)| a).sum();
                    let facility = f.facility.or(f.loan).unwrap_or(0.0);
                    if total > facility {
                        self.err(
                            &fp.key("drawdown_schedule"),
                            Target::Value,
                            format!("the schedule draws £{} in all, more than the facility of £{}", fmt_num(total), fmt_num(facility)),
                            "expected scheduled drawdowns within the facility (or a larger facility)",
                        );
                        return None;
                    }
                    Some(Drawdown::Schedule(v))
                }),
            Some(other) => {
                self.err(
                    &fp.key("drawdown"),
                    Target::Value,
                    format!("unknown drawdown \"{other}\""),
                    "expected \"upfront\", \"as_needed\" or \"schedule\"",
                );
                None
            }
        };
        if f.drawdown_schedule.is_some() && f.drawdown.as_deref() != Some("schedule") {
            self.err(
                &fp.key("drawdown_schedule"),
                Target::Key,
                "a drawdown schedule without drawdown = \"schedule\"",
                "expected drawdown = \"schedule\" with it, or no drawdown_schedule",
            );
        }
        if f.repayment_schedule.is_some() && f.repayment.as_deref() != Some("schedule") {
            self.err(
                &fp.key("repayment_schedule"),
                Target::Key,
                "a repayment schedule without repayment = \"schedule\"",
                "expected repayment = \"schedule\" with it, or no repayment_schedule",
            );
        }
        let repayment = match f.repayment.as_deref() {
            None | Some("sweep") => Some(Repayment::Sweep),
            Some("at_end") => Some(Repayment::AtEnd),
            Some("schedule") => self
                .schedule(f.repayment_schedule.as_ref(), "repayment", settings, &fp)
                .map(Repayment::Schedule),
            Some(other) => {
                self.err(
                    &fp.key("repayment"),
                    Target::Value,
                    format!("unknown repayment \"{other}\""),
                    "expected \"sweep\" (each month), \"schedule\" or \"at_end\"",
                );
                None
            }
        };
        let mut costs = Vec::new();
        let raw_costs = f.costs.as_ref();
        for (key, input) in [
            (
                "central_team",
                raw_costs.and_then(|c| c.central_team.as_ref()),
            ),
            (
                "administration",
                raw_costs.and_then(|c| c.administration.as_ref()),
            ),
            ("evaluation", raw_costs.and_then(|c| c.evaluation.as_ref())),
        ] {
            costs.push(match input {
                None => Dist::fixed(0.0),
                Some(i) => self.input(i, Param::OverheadsPerMonth, &fp.key("costs").key(key)),
            });
        }
        Some(Finance {
            spv: spv?,
            investor: investor?,
            equity: equity?,
            loan: loan?,
            monthly_rate: monthly_rate?,
            drawdown: drawdown?,
            facility: facility?,
            repayment: repayment?,
            cash_reserve: reserve?,
            costs,
        })
    }

    fn distress(&mut self, d: &RawDistress, path: &FieldPath) -> Option<Distress> {
        let mut ok = true;
        let cash_floor = d.cash_floor.unwrap_or(0.0);
        if !cash_floor.is_finite() || cash_floor.abs() > MAX_MONEY {
            self.err(
                &path.key("cash_floor"),
                Target::Value,
                format!("cash floor {}", fmt_num(cash_floor)),
                format!("expected an amount in £ within ±{}", fmt_num(MAX_MONEY)),
            );
            ok = false;
        }
        let turnover_multiplier = d.turnover_multiplier.unwrap_or(1.0);
        if !(1.0..=100.0).contains(&turnover_multiplier) {
            self.err(
                &path.key("turnover_multiplier"),
                Target::Value,
                format!("multiplier {}", fmt_num(turnover_multiplier)),
                "expected a number from 1 (no effect) to 100",
            );
            ok = false;
        }
        let posts_cut = d.posts_cut.unwrap_or(0);
        if !(0..=10_000).contains(&posts_cut) {
            self.err(
                &path.key("posts_cut"),
                Target::Value,
                format!("{posts_cut} posts"),
                "expected a whole number of ES posts from 0 to 10000",
            );
            ok = false;
        }
        ok.then_some(Distress {
            cash_floor,
            turnover_multiplier,
            recruitment_freeze: d.recruitment_freeze.unwrap_or(false),
            posts_cut: posts_cut as u32,
        })
    }

    fn termination(
        &mut self,
        t: &RawTermination,
        site: &RawSite,
        site_id: &str,
        programme_plan: &BTreeMap<String, f64>,
        path: &FieldPath,
    ) -> Option<Termination> {
        let mut ok = true;
        let event = Event::NAMES
            .iter()
            .position(|e| event_metric(e) == t.metric)
            .and_then(|i| Event::parse(Event::NAMES[i]));
        let plan = match event {
            None => {
                self.err(
                    &path.key("metric"),
                    Target::Value,
                    format!("unknown metric \"{}\"", t.metric),
                    format!(
                        "expected one of: {}",
                        Event::NAMES.map(event_metric).join(", ")
                    ),
                );
                None
            }
            Some(e) => match site
                .plan
                .get(event_metric(Event::NAMES[e as usize]))
                .or_else(|| programme_plan.get(&format!("site.{site_id}.{}", t.metric)))
            {
                Some(&p) if p > 0.0 => Some(p),
                _ => {
                    self.err(&path.key("metric"), Target::Value, format!("the site has no plan figure above 0 for {}", t.metric), format!("expected {} = N in this site's [plan] table, to judge performance against", t.metric));
                    None
                }
            },
        };
        if !(t.below_share > 0.0 && t.below_share <= 1.0) {
            self.err(
                &path.key("below_share"),
                Target::Value,
                format!("share {}", fmt_num(t.below_share)),
                "expected a share of plan above 0 and up to 1, e.g. 0.5",
            );
            ok = false;
        }
        let whole = |v: &mut Self, x: i64, key: &str, min: i64| -> Option<u32> {
            if (min..=1200).contains(&x) {
                Some(x as u32)
            } else {
                v.err(
                    &path.key(key),
                    Target::Value,
                    format!("{x} months"),
                    format!("expected a whole number of months from {min} to 1200"),
                );
                None
            }
        };
        let months = whole(self, t.months, "months", 1);
        let grace = whole(self, t.grace_months.unwrap_or(0), "grace_months", 0);
        let notice = whole(self, t.notice_months.unwrap_or(0), "notice_months", 0);
        let (Some(event), Some(plan), true, Some(months), Some(grace_months), Some(notice_months)) =
            (event, plan, ok, months, grace, notice)
        else {
            return None;
        };
        Some(Termination {
            event,
            plan,
            below_share: t.below_share,
            months,
            grace_months,
            notice_months,
        })
    }

    /// Validate one numeric input: parameters, then its support against the field's domain.
    /// The evidence library for this scenario: `evidence/` beside the scenario's folder, else in
    /// the working folder.
    fn library(&mut self) -> Result<&crate::evidence::Library, String> {
        if self.evidence.is_none() {
            let file = Path::new(&self.src.file);
            let beside = file
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("evidence"));
            let dir = beside
                .filter(|d| d.is_dir())
                .unwrap_or_else(|| PathBuf::from("evidence"));
            self.evidence = Some(crate::evidence::Library::load(&dir).map_err(|e| {
                format!(
                    "the evidence library at {} cannot be used ({e})",
                    dir.display()
                )
            }));
        }
        match self.evidence.as_ref().expect("set above") {
            Ok(lib) => Ok(lib),
            Err(e) => Err(e.clone()),
        }
    }

    /// `{ dist = "evidence", key, level }` → the distribution it stands for: a calibrated rate
    /// (`bit2020.job_start_rate` at level `pooled` or `new_site`), a figure with a denominator at
    /// level `pooled` (its counts as a Beta), or a figure's value.
    fn resolve_evidence(
        &mut self,
        key: &str,
        level: Option<&str>,
        path: &FieldPath,
    ) -> Option<DistSpec> {
        let lib = match self.library() {
            Ok(lib) => lib.clone(),
            Err(e) => {
                self.err(
                    &path.key("key"),
                    Target::Value,
                    e,
                    "expected an evidence/ folder beside the scenarios (see `sibsim evidence`)",
                );
                return None;
            }
        };
        // A library figure named without a level is that figure, even where a calibrated
        // quantity shares its key.
        if level.is_none() {
            if let Some(f) = lib.get(key) {
                return Some(DistSpec::Fixed { value: f.value });
            }
        }
        let values = crate::evidence::calibrate::calibrate_values(&lib);
        if let Some(v) = values.iter().find(|v| format!("bit2020.{}", v.name) == key) {
            return match level {
                Some("pooled") => Some(v.pooled.clone()),
                Some("new_site") => Some(v.new_site.clone()),
                _ => {
                    self.err(&path.key("level"), Target::Value, format!("{key} is calibrated and needs level = \"pooled\" or \"new_site\""), "expected level = \"pooled\" (the typical provider) or \"new_site\" (with the spread between providers)");
                    None
                }
            };
        }
        let rates = crate::evidence::calibrate::calibrate(&lib);
        let levels = "expected level = \"pooled\" (all providers' counts) or \"new_site\" (with the spread between providers)";
        if let Some(r) = rates.iter().find(|r| format!("bit2020.{}", r.name) == key) {
            return match level {
                Some("pooled") => Some(r.pooled.clone()),
                Some("new_site") => Some(r.new_site.clone()),
                Some(other) => {
                    self.err(
                        &path.key("level"),
                        Target::Value,
                        format!("unknown level \"{other}\""),
                        levels,
                    );
                    None
                }
                None => {
                    self.err(
                        &path.key("key"),
                        Target::Value,
                        format!("{key} is a calibrated rate and needs a level"),
                        levels,
                    );
                    None
                }
            };
        }
        let Some(f) = lib.get(key) else {
            let calibrated: Vec<String> = rates
                .iter()
                .map(|r| r.name)
                .chain(values.iter().map(|v| v.name))
                .map(|n| format!("bit2020.{n}"))
                .collect();
            self.err(
                &path.key("key"),
                Target::Value,
                format!("\"{key}\" is not in the evidence library"),
                format!(
                    "expected a key listed by `sibsim evidence`, or a calibrated rate: {}",
                    calibrated.join(", ")
                ),
            );
            return None;
        };
        match (level, f.of) {
            (None, _) => Some(DistSpec::Fixed { value: f.value }),
            (Some("pooled"), Some(of)) => Some(DistSpec::BetaCounts {
                successes: f.value,
                trials: of,
            }),
            (Some(other), _) => {
                self.err(&path.key("level"), Target::Value, format!("level \"{other}\" for a single figure"), "expected no level (the figure's value), or \"pooled\" for a count out of trials (its `of`)");
                None
            }
        }
    }

    fn input(&mut self, input: &Input, p: Param, path: &FieldPath) -> Dist {
        let resolved;
        let input = match input {
            Input::Dist(DistSpec::Evidence { key, level }) => {
                match self.resolve_evidence(key, level.as_deref(), path) {
                    Some(spec) => {
                        resolved = Input::Dist(spec);
                        &resolved
                    }
                    None => return Dist::fixed(0.0),
                }
            }
            other => other,
        };
        let fallback = Dist::fixed(0.0);
        let dist = match Dist::from_input(input) {
            Ok(d) => d,
            Err(e) => {
                let at = match input {
                    Input::Fixed(_) => path.clone(),
                    Input::Dist(_) => path.key(e.param),
                };
                self.err(&at, Target::Value, e.problem, e.valid);
                return fallback;
            }
        };
        let (lo, hi) = dist.support();
        let domain = p.domain();
        if let (Domain::Count, Input::Fixed(x)) = (domain, input) {
            if x.fract() != 0.0 && *x >= 0.0 {
                self.err(
                    path,
                    Target::Value,
                    format!("{x} is not a whole number"),
                    format!("expected {}", domain.describe()),
                );
                return fallback;
            }
        }
        if !domain.contains(lo, hi) {
            let problem = match input {
                Input::Fixed(x) => format!("{} is out of range", fmt_num(*x)),
                Input::Dist(_) => format!(
                    "{} can take values in [{}, {}], outside the valid range",
                    dist.describe(),
                    fmt_num(lo),
                    fmt_num(hi)
                ),
            };
            self.err(
                path,
                Target::Value,
                problem,
                format!("expected {}", domain.describe()),
            );
            return fallback;
        }
        if let Some(max) = p.max() {
            // Unbounded distributions are fine if their tails beyond the limit are negligible.
            let far_hi = if hi.is_finite() {
                hi
            } else {
                dist.quantile(1.0 - 1e-9)
            };
            let far_lo = if lo.is_finite() {
                lo
            } else {
                dist.quantile(1e-9)
            };
            if far_hi > max || far_lo < -max {
                let problem = match input {
                    Input::Fixed(x) => {
                        format!("{} is beyond the limit of {}", fmt_num(*x), fmt_num(max))
                    }
                    Input::Dist(_) => format!(
                        "{} can draw values beyond the limit of {}",
                        dist.describe(),
                        fmt_num(max)
                    ),
                };
                let valid = if far_lo < -max {
                    format!("expected values within ±{}", fmt_num(max))
                } else {
                    format!(
                        "expected values up to {} for one site (split a larger service into sites)",
                        fmt_num(max)
                    )
                };
                self.err(path, Target::Value, problem, valid);
                return fallback;
            }
        }
        dist
    }

    fn party_ref(
        &mut self,
        who: Option<&String>,
        what: &str,
        parties: &[Party],
        path: &FieldPath,
    ) -> Option<PartyRef> {
        let Some(who) = who else {
            self.err(
                path,
                Target::Key,
                format!("{what} is missing"),
                format!("expected {what} = a party id, \"site.commissioner\" or \"site.provider\""),
            );
            return None;
        };
        match who.as_str() {
            "site.commissioner" => Some(PartyRef::SiteCommissioner),
            "site.provider" => Some(PartyRef::SiteProvider),
            id => self
                .party_index(parties, id, &path.key(what), None)
                .map(PartyRef::Party),
        }
    }

    fn rule_name(&mut self, name: &str, path: &FieldPath) -> usize {
        if !valid_id(name) {
            self.err(
                &path.key("name"),
                Target::Value,
                format!("rule name \"{name}\" is not an identifier"),
                ID_RULE,
            );
        } else if self.rules.iter().any(|r| r == name) {
            self.err(
                &path.key("name"),
                Target::Value,
                format!("rule name \"{name}\" is used twice"),
                "expected a name unique among tariffs and blocks",
            );
        }
        self.rules.push(name.to_string());
        self.rules.len() - 1
    }

    fn resolve(r: &PartyRef, site: &Site) -> usize {
        match r {
            PartyRef::Party(i) => *i,
            PartyRef::SiteCommissioner => site.commissioner,
            PartyRef::SiteProvider => site.provider,
        }
    }

    /// The index of site `name` among the valid `sites`; an error if no such site is defined
    /// (a site that is defined but invalid has had its own errors reported already).
    fn site_index(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        name: &str,
        path: &FieldPath,
    ) -> Option<usize> {
        let found = sites.iter().position(|s| s.id == name);
        if found.is_none() && !raw.sites.contains_key(name) {
            let known: Vec<&str> = raw.sites.keys().map(String::as_str).collect();
            self.err(
                path,
                Target::Value,
                format!("site \"{name}\" is not defined"),
                format!("expected one of the [sites] ids: {}", known.join(", ")),
            );
        }
        found
    }

    fn amount(&mut self, amount: f64, path: &FieldPath) -> bool {
        if amount.is_finite() && (0.0..=MAX_MONEY).contains(&amount) {
            return true;
        }
        self.err(
            &path.key("amount"),
            Target::Value,
            format!("amount {} is not a payment", fmt_num(amount)),
            format!("expected an amount in £ from 0 to {}", fmt_num(MAX_MONEY)),
        );
        false
    }

    /// The sites a rule or variation applies to: all, or those listed (each once, each defined).
    fn site_list(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        list: Option<&Vec<String>>,
        path: &FieldPath,
        what: &str,
    ) -> Vec<usize> {
        let Some(list) = list else {
            return (0..sites.len()).collect();
        };
        if list.is_empty() {
            self.err(
                &path.key("sites"),
                Target::Value,
                "the list of sites is empty",
                format!("expected at least one site id, or no `sites` field to apply the {what} at every site"),
            );
        }
        let mut v = Vec::new();
        for (k, name) in list.iter().enumerate() {
            let at = path.key("sites").index(k);
            match self.site_index(raw, sites, name, &at) {
                Some(j) if v.contains(&j) => self.err(
                    &at,
                    Target::Value,
                    format!("site \"{name}\" is listed twice"),
                    "expected each site once",
                ),
                Some(j) => v.push(j),
                None => {}
            }
        }
        v
    }

    /// The index of a rule set by name, creating it on first use (`"base"` is index 0).
    fn rule_set(&mut self, name: Option<&String>, path: &FieldPath) -> usize {
        let Some(name) = name else { return 0 };
        if !valid_id(name) {
            self.err(
                &path.key("rule_set"),
                Target::Value,
                format!("rule set \"{name}\" is not an identifier"),
                ID_RULE,
            );
        }
        match self.rule_sets.iter().position(|r| r == name) {
            Some(i) => i,
            None => {
                self.rule_sets.push(name.clone());
                self.rule_sets.len() - 1
            }
        }
    }

    fn pricing(&mut self, t: &RawTariff, path: &FieldPath) -> Option<Pricing> {
        match (t.amount, &t.tiers) {
            (Some(a), None) => self.amount(a, path).then_some(Pricing::Flat(a)),
            (None, Some(tiers)) => {
                let tp = path.key("tiers");
                let valid = "expected tiers like [{ up_to = 20, amount = 3850 }, { amount = 1600 }]: every tier but the last with `up_to`, strictly increasing, the last without";
                if tiers.is_empty() {
                    self.err(&tp, Target::Value, "the list of tiers is empty", valid);
                    return None;
                }
                let mut out = Vec::new();
                let mut last_up = 0i64;
                let mut ok = true;
                for (k, tier) in tiers.iter().enumerate() {
                    let kp = tp.index(k);
                    ok &= self.amount(tier.amount, &kp);
                    let is_last = k + 1 == tiers.len();
                    match (tier.up_to, is_last) {
                        (Some(u), false) if u > last_up => {
                            last_up = u;
                            out.push((Some(u as u64), tier.amount));
                        }
                        (Some(u), false) => {
                            self.err(
                                &kp.key("up_to"),
                                Target::Value,
                                format!(
                                    "up_to {u} does not increase on the tier before ({last_up})"
                                ),
                                valid,
                            );
                            ok = false;
                        }
                        (None, false) => {
                            self.err(
                                &kp,
                                Target::Value,
                                "only the last tier may leave out up_to",
                                valid,
                            );
                            ok = false;
                        }
                        (Some(u), true) => {
                            self.err(
                                &kp.key("up_to"),
                                Target::Value,
                                format!("the last tier ends at {u}"),
                                format!("{valid} (to stop paying after {u} events, use a [[caps]] count)"),
                            );
                            ok = false;
                        }
                        (None, true) => out.push((None, tier.amount)),
                    }
                }
                ok.then_some(Pricing::Tiers(out))
            }
            (Some(_), Some(_)) => {
                self.err(
                    &path.key("tiers"),
                    Target::Key,
                    "both amount and tiers are given",
                    "expected either amount (a flat tariff) or tiers",
                );
                None
            }
            (None, None) => {
                self.err(
                    path,
                    Target::Key,
                    "the tariff has no amount",
                    "expected amount = £ per event, or tiers = [...]",
                );
                None
            }
        }
    }

    fn tariffs(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        sites: &[Site],
        settings: &Settings,
    ) -> Vec<TariffLine> {
        let mut out = Vec::new();
        for (i, t) in raw.tariffs.iter().enumerate() {
            let tp = FieldPath::root().key("tariffs").index(i);
            let rule = self.rule_name(&t.name, &tp);
            let payer = self.party_ref(t.payer.as_ref(), "payer", parties, &tp);
            let payee = self.party_ref(t.payee.as_ref(), "payee", parties, &tp);
            let event = Event::parse(&t.event);
            if event.is_none() {
                self.err(
                    &tp.key("event"),
                    Target::Value,
                    format!("unknown event \"{}\"", t.event),
                    format!("expected one of: {}", Event::NAMES.join(", ")),
                );
            }
            let band = match (&t.band, event) {
                (None, _) => None,
                (Some(b), ev) => {
                    let band = Band::parse(b);
                    if band.is_none() {
                        self.err(
                            &tp.key("band"),
                            Target::Value,
                            format!("unknown hours band \"{b}\""),
                            "expected \"lt16\" (under 16 hours a week) or \"ge16\" (16 or more)",
                        );
                    } else if ev.is_some_and(|e| !e.has_band()) {
                        self.err(
                            &tp.key("band"),
                            Target::Value,
                            format!("the event {} has no hours band", t.event),
                            "expected no band, or an event that is a job start or sustainment",
                        );
                    }
                    band
                }
            };
            let pricing = self.pricing(t, &tp);
            let threshold = match t.threshold {
                None => Some(0),
                Some(n) if n >= 0 => Some(n as u64),
                Some(n) => {
                    self.err(
                        &tp.key("threshold"),
                        Target::Value,
                        format!("threshold {n} is negative"),
                        "expected the whole number of events at a site that are not paid, ≥ 0",
                    );
                    None
                }
            };
            let from = match &t.from {
                None => Some(0),
                Some(m) => self.month(m, settings, &tp.key("from")),
            };
            let to = match &t.to {
                None => Some(settings.horizon - 1),
                Some(m) => self.month(m, settings, &tp.key("to")),
            };
            if let (Some(a), Some(b)) = (from, to) {
                if b < a {
                    self.err(
                        &tp.key("to"),
                        Target::Value,
                        "the window ends before it starts",
                        "expected to ≥ from (both inclusive)",
                    );
                }
            }
            let lag = match t.lag.as_deref() {
                None | Some("none") => Some(Lag::None),
                Some("monthly") => Some(Lag::Monthly),
                Some("quarterly") => Some(Lag::Quarterly),
                Some(other) => {
                    self.err(
                        &tp.key("lag"),
                        Target::Value,
                        format!("unknown lag \"{other}\""),
                        "expected \"none\" (paid in the month of the event), \"monthly\" or \"quarterly\" (in arrears)",
                    );
                    None
                }
            };
            let pass_through = t.pass_through.as_ref().and_then(|pt| {
                let pp = tp.key("pass_through");
                let to = self.party_index(parties, &pt.to, &pp.key("to"), None);
                if !(0.0..=1.0).contains(&pt.share) {
                    self.err(
                        &pp.key("share"),
                        Target::Value,
                        format!("share {} is not a share", fmt_num(pt.share)),
                        "expected a number from 0 to 1",
                    );
                    return None;
                }
                // Derived from a valid name, so it cannot clash with a rule's own (no dots there).
                self.rules.push(format!("{}.pass_through", t.name));
                let rule = self.rules.len() - 1;
                to.map(|to| PassThrough {
                    to,
                    share: pt.share,
                    rule,
                })
            });
            let rule_set = self.rule_set(t.rule_set.as_ref(), &tp);
            let applies = self.site_list(raw, sites, t.sites.as_ref(), &tp, "tariff");
            let (Some(payer), Some(payee), Some(event), Some(pricing), Some(threshold)) =
                (payer, payee, event, pricing, threshold)
            else {
                continue;
            };
            let (Some(from), Some(to), Some(lag)) = (from, to, lag) else {
                continue;
            };
            if t.pass_through.is_some() && pass_through.is_none() {
                continue;
            }
            for &s in &applies {
                let (a, b) = (
                    Self::resolve(&payer, &sites[s]),
                    Self::resolve(&payee, &sites[s]),
                );
                if a == b {
                    self.err(
                        &tp.key("payee"),
                        Target::Value,
                        format!(
                            "at site {} the payer and payee are both \"{}\"",
                            sites[s].id, parties[a].id
                        ),
                        "expected a payment between two different parties",
                    );
                    break;
                }
                if pass_through.is_some_and(|pt| pt.to == b) {
                    self.err(
                        &tp.key("pass_through").key("to"),
                        Target::Value,
                        format!("the payee \"{}\" would pass money to itself", parties[b].id),
                        "expected a party other than the tariff's payee",
                    );
                    break;
                }
                out.push(TariffLine {
                    rule,
                    site: s,
                    payer: a,
                    payee: b,
                    event,
                    band,
                    pricing: pricing.clone(),
                    threshold,
                    from,
                    to,
                    lag,
                    pass_through,
                    rule_set,
                    caps: Vec::new(),
                });
            }
        }
        out
    }

    /// `[[caps]]`: resolve the tariffs each covers and attach the cap to their lines.
    fn caps(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        tariffs: &mut [TariffLine],
    ) -> Vec<Cap> {
        let mut out = Vec::new();
        for (i, c) in raw.caps.iter().enumerate() {
            let cp = FieldPath::root().key("caps").index(i);
            if !valid_id(&c.name) {
                self.err(
                    &cp.key("name"),
                    Target::Value,
                    format!("cap name \"{}\" is not an identifier", c.name),
                    ID_RULE,
                );
            } else if raw.caps[..i].iter().any(|o| o.name == c.name) {
                self.err(
                    &cp.key("name"),
                    Target::Value,
                    format!("cap name \"{}\" is used twice", c.name),
                    "expected a name unique among caps",
                );
            }
            let per = match c.per.as_str() {
                "contract" => Some(CapScope::Contract),
                "site" => Some(CapScope::Site),
                "site_year" => Some(CapScope::SiteYear),
                other => {
                    self.err(&cp.key("per"), Target::Value, format!("unknown scope \"{other}\""), "expected \"contract\" (all sites, whole horizon), \"site\" (each site) or \"site_year\" (each site, each 12 months from its start)");
                    None
                }
            };
            let limit = match (c.money, c.count) {
                (Some(m), None) if m.is_finite() && m > 0.0 && m <= MAX_MONEY => {
                    Some(Limit::Money(m))
                }
                (Some(m), None) => {
                    self.err(
                        &cp.key("money"),
                        Target::Value,
                        format!("cap of £{}", fmt_num(m)),
                        format!(
                            "expected an amount in £ above 0 and up to {}",
                            fmt_num(MAX_MONEY)
                        ),
                    );
                    None
                }
                (None, Some(n)) if n >= 1 => Some(Limit::Events(n as u64)),
                (None, Some(n)) => {
                    self.err(
                        &cp.key("count"),
                        Target::Value,
                        format!("cap of {n} events"),
                        "expected a whole number of events ≥ 1",
                    );
                    None
                }
                (Some(_), Some(_)) => {
                    self.err(
                        &cp.key("count"),
                        Target::Key,
                        "both money and count are given",
                        "expected one cap per [[caps]] entry: money = £ or count = events",
                    );
                    None
                }
                (None, None) => {
                    self.err(
                        &cp,
                        Target::Key,
                        "the cap has no limit",
                        "expected money = £ or count = events",
                    );
                    None
                }
            };
            // The tariff lines covered: every line of the rules named, or every line the payer pays.
            let covered: Option<Vec<usize>> = match (&c.rules, &c.payer) {
                (Some(rules), None) => {
                    let mut v = Vec::new();
                    for (k, name) in rules.iter().enumerate() {
                        let rule = self.rules.iter().position(|r| r == name);
                        match rule {
                            Some(r) if tariffs.iter().any(|t| t.rule == r) => {
                                v.extend((0..tariffs.len()).filter(|&i| tariffs[i].rule == r))
                            }
                            Some(_) if raw.blocks.iter().any(|b| &b.name == name) => self.err(
                                &cp.key("rules").index(k),
                                Target::Value,
                                format!("\"{name}\" is a block"),
                                "expected tariff names: caps limit what tariffs pay, not blocks",
                            ),
                            _ if raw.tariffs.iter().any(|t| &t.name == name) => {}
                            _ => self.err(
                                &cp.key("rules").index(k),
                                Target::Value,
                                format!("\"{name}\" is not a tariff"),
                                "expected the names of [[tariffs]] entries",
                            ),
                        }
                    }
                    if rules.is_empty() {
                        self.err(
                            &cp.key("rules"),
                            Target::Value,
                            "the list of rules is empty",
                            "expected at least one tariff name",
                        );
                    }
                    Some(v)
                }
                (None, Some(payer)) => self
                    .party_index(parties, payer, &cp.key("payer"), None)
                    .map(|p| {
                        (0..tariffs.len())
                            .filter(|&i| tariffs[i].payer == p)
                            .collect()
                    }),
                (Some(_), Some(_)) => {
                    self.err(
                        &cp.key("payer"),
                        Target::Key,
                        "both rules and payer are given",
                        "expected either rules = [tariff names] or payer = a party id",
                    );
                    None
                }
                (None, None) => {
                    self.err(
                        &cp,
                        Target::Key,
                        "the cap covers nothing",
                        "expected rules = [tariff names] or payer = a party id",
                    );
                    None
                }
            };
            let (Some(per), Some(limit), Some(covered)) = (per, limit, covered) else {
                continue;
            };
            if covered.is_empty() && c.payer.is_some() {
                self.err(
                    &cp.key("payer"),
                    Target::Value,
                    format!(
                        "\"{}\" pays no tariff",
                        c.payer.as_deref().unwrap_or_default()
                    ),
                    "expected a party that pays at least one tariff",
                );
                continue;
            }
            if let Limit::Money(m) = limit {
                if let Some(t) = covered
                    .iter()
                    .map(|&i| &tariffs[i])
                    .find(|t| t.pricing.first() > m)
                {
                    self.err(
                        &cp.key("money"),
                        Target::Value,
                        format!(
                            "a cap of £{} is smaller than one payment of £{} under tariff \"{}\"",
                            fmt_num(m),
                            fmt_num(t.pricing.first()),
                            self.rules[t.rule]
                        ),
                        "expected a cap of at least one payment",
                    );
                    continue;
                }
            }
            if let Limit::Events(_) = limit {
                // First come, first served: with different prices under one count cap, an extra
                // cheap event could crowd out a dearer one and payments fall as events rise.
                let lines: Vec<&TariffLine> = covered.iter().map(|&i| &tariffs[i]).collect();
                let prices: Vec<&Pricing> = lines.iter().map(|t| &t.pricing).collect();
                let one_rule = lines.iter().all(|t| t.rule == lines[0].rule);
                // Tier ordinals are per site: a contract-wide count cap over a tiered tariff at
                // several sites has the same problem across sites.
                let one_site = lines.iter().all(|t| t.site == lines[0].site);
                let tiered = prices.iter().any(|p| matches!(p, Pricing::Tiers(_)));
                let mixed = prices.windows(2).any(|w| w[0] != w[1]);
                if (!one_rule && (mixed || tiered))
                    || (tiered && !one_site && per == CapScope::Contract)
                {
                    self.err(
                        &cp.key("count"),
                        Target::Key,
                        "a count cap covers tariffs that pay different amounts, or tiers counted per site",
                        "expected a count cap on one tariff (per site or site_year if it is tiered and at several sites), or on tariffs with the same flat amount; use a money cap across tariffs with different amounts",
                    );
                    continue;
                }
            }
            let index = out.len();
            for &i in &covered {
                tariffs[i].caps.push(index);
            }
            out.push(Cap {
                name: c.name.clone(),
                per,
                limit,
            });
        }
        out
    }

    fn variations(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        settings: &Settings,
    ) -> Vec<Variation> {
        let mut out: Vec<Variation> = Vec::new();
        for (i, v) in raw.variations.iter().enumerate() {
            let vp = FieldPath::root().key("variations").index(i);
            let from = self.month(&v.from, settings, &vp.key("from"));
            let rule_set = self.rule_sets.iter().position(|r| *r == v.rule_set);
            if rule_set.is_none() {
                self.err(
                    &vp.key("rule_set"),
                    Target::Value,
                    format!("no tariff or block belongs to rule set \"{}\"", v.rule_set),
                    format!(
                        "expected one of the rule sets in use: {}",
                        self.rule_sets.join(", ")
                    ),
                );
            }
            let applies = self.site_list(raw, sites, v.sites.as_ref(), &vp, "variation");
            let (Some(from), Some(rule_set)) = (from, rule_set) else {
                continue;
            };
            if let Some(s) = applies
                .iter()
                .find(|&&s| out.iter().any(|o| o.from == from && o.sites.contains(&s)))
            {
                self.err(
                    &vp.key("from"),
                    Target::Value,
                    format!(
                        "site {} already has a variation from {}",
                        sites[*s].id, v.from
                    ),
                    "expected at most one variation per site and month",
                );
                continue;
            }
            out.push(Variation {
                from,
                rule_set,
                sites: applies,
            });
        }
        out
    }

    fn blocks(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        sites: &[Site],
        settings: &Settings,
        tariffs: &[TariffLine],
    ) -> Vec<Block> {
        let mut out = Vec::new();
        for (i, b) in raw.blocks.iter().enumerate() {
            let bp = FieldPath::root().key("blocks").index(i);
            let rule = self.rule_name(&b.name, &bp);
            let payer = self.party_ref(b.payer.as_ref(), "payer", parties, &bp);
            let payee = self.party_ref(b.payee.as_ref(), "payee", parties, &bp);
            let site = self.site_index(raw, sites, &b.site, &bp.key("site"));
            let amount_ok = self.amount(b.amount, &bp);
            if b.months.is_empty() {
                self.err(
                    &bp.key("months"),
                    Target::Value,
                    "no months are listed",
                    "expected at least one \"YYYY-MM\" month when the block falls due",
                );
            }
            let months: Vec<Option<Month>> = b
                .months
                .iter()
                .enumerate()
                .map(|(k, m)| self.month(m, settings, &bp.key("months").index(k)))
                .collect();
            for (k, m) in b.months.iter().enumerate() {
                if b.months[..k].contains(m) {
                    self.err(
                        &bp.key("months").index(k),
                        Target::Value,
                        format!("{m} is listed twice"),
                        "expected each month once (use a larger amount to pay more in one month)",
                    );
                }
            }
            let (Some(payer), Some(payee), Some(site), true) = (payer, payee, site, amount_ok)
            else {
                continue;
            };
            let (a, c) = (
                Self::resolve(&payer, &sites[site]),
                Self::resolve(&payee, &sites[site]),
            );
            if a == c {
                self.err(
                    &bp.key("payee"),
                    Target::Value,
                    format!("the payer and payee are both \"{}\"", parties[a].id),
                    "expected a payment between two different parties",
                );
                continue;
            }
            let rule_set = self.rule_set(b.rule_set.as_ref(), &bp);
            let on_account = match &b.on_account_of {
                None => None,
                Some(oa) => {
                    let Some(line) = self.on_account(oa, tariffs, site, (a, c), &bp) else {
                        continue;
                    };
                    Some(line)
                }
            };
            if months.iter().all(Option::is_some) {
                out.push(Block {
                    rule,
                    site,
                    payer: a,
                    payee: c,
                    amount: b.amount,
                    months: months.into_iter().flatten().collect(),
                    on_account,
                    rule_set,
                });
            }
        }
        out
    }

    /// Resolve a block's `on_account_of`: the tariff must apply at the block's site with the same
    /// payer and payee (a block on account is an advance of that tariff's payments).
    fn on_account(
        &mut self,
        oa: &RawOnAccount,
        tariffs: &[TariffLine],
        site: usize,
        (payer, payee): (usize, usize),
        path: &FieldPath,
    ) -> Option<OnAccount> {
        let path = path.key("on_account_of");
        if oa.events < 1 {
            self.err(
                &path.key("events"),
                Target::Value,
                format!("{} events", oa.events),
                "expected the whole number of events the block pays for in advance, ≥ 1",
            );
            return None;
        }
        let rules = &self.rules;
        let rule = rules.iter().position(|r| *r == oa.tariff);
        let line = tariffs
            .iter()
            .position(|t| Some(t.rule) == rule && t.site == site);
        let Some(line) = line else {
            let problem = if rule.is_some_and(|r| tariffs.iter().any(|t| t.rule == r)) {
                format!(
                    "tariff \"{}\" does not apply at this block's site",
                    oa.tariff
                )
            } else {
                format!("\"{}\" is not a tariff", oa.tariff)
            };
            let names: Vec<String> = tariffs
                .iter()
                .filter(|t| t.site == site)
                .map(|t| rules[t.rule].clone())
                .collect();
            self.err(
                &path.key("tariff"),
                Target::Value,
                problem,
                format!(
                    "expected the name of a tariff that applies at the block's site: {}",
                    names.join(", ")
                ),
            );
            return None;
        };
        if (tariffs[line].payer, tariffs[line].payee) != (payer, payee) {
            self.err(
                &path.key("tariff"),
                Target::Value,
                format!(
                    "tariff \"{}\" is paid by a different party, or to a different party, than the block",
                    oa.tariff
                ),
                "expected a tariff with the block's own payer and payee (the block pays it in advance)",
            );
            return None;
        }
        Some(OnAccount {
            tariff: line,
            events: oa.events as u64,
        })
    }

    /// `[correlation]` → a copula, checking the inputs named and that the matrix is a valid
    /// correlation matrix (positive definite).
    fn copula(&mut self, c: &RawCorrelation, model: &Model) -> Option<Copula> {
        let cp = FieldPath::root().key("correlation");
        let n_in = Param::ALL.len();
        let dim = model.sites.len() * n_in;
        let index = |name: &str| {
            Param::ALL
                .iter()
                .position(|p| format!("{}.{}", p.table(), p.field()) == name)
        };
        let valid_inputs = "expected an input as \"<table>.<field>\", e.g. \"delivery.p_engage\" or \"staffing.turnover_per_month\"";
        let rho_ok = |r: f64| r.is_finite() && r > -1.0 && r < 1.0;
        let mut corr = vec![0.0; dim * dim];
        for i in 0..dim {
            corr[i * dim + i] = 1.0;
        }
        let mut pairs = Vec::new();
        let spearman = |r: f64| 6.0 / std::f64::consts::PI * (r / 2.0).asin();
        let mut ok = true;
        for (name, &rho) in &c.across_sites {
            let at = cp.key("across_sites").key(name);
            let Some(i) = index(name) else {
                self.err(
                    &at,
                    Target::Key,
                    format!("\"{name}\" is not an input"),
                    valid_inputs,
                );
                ok = false;
                continue;
            };
            if !rho_ok(rho) {
                self.err(
                    &at,
                    Target::Value,
                    format!("correlation {}", fmt_num(rho)),
                    "expected a number strictly between -1 and 1",
                );
                ok = false;
                continue;
            }
            for s in 0..model.sites.len() {
                for t in 0..model.sites.len() {
                    if s != t {
                        corr[(s * n_in + i) * dim + t * n_in + i] = rho;
                    }
                }
            }
            pairs.push((format!("{name} across sites"), rho, spearman(rho)));
        }
        for (k, pair) in c.within_site.iter().enumerate() {
            let at = cp.key("within_site").index(k);
            let a = index(&pair.a);
            let b = index(&pair.b);
            if a.is_none() {
                self.err(
                    &at.key("a"),
                    Target::Value,
                    format!("\"{}\" is not an input", pair.a),
                    valid_inputs,
                );
            }
            if b.is_none() {
                self.err(
                    &at.key("b"),
                    Target::Value,
                    format!("\"{}\" is not an input", pair.b),
                    valid_inputs,
                );
            }
            if !rho_ok(pair.rho) {
                self.err(
                    &at.key("rho"),
                    Target::Value,
                    format!("correlation {}", fmt_num(pair.rho)),
                    "expected a number strictly between -1 and 1",
                );
            }
            let (Some(a), Some(b), true) = (a, b, rho_ok(pair.rho)) else {
                ok = false;
                continue;
            };
            if a == b {
                self.err(
                    &at.key("b"),
                    Target::Value,
                    "an input paired with itself",
                    "expected two different inputs",
                );
                ok = false;
                continue;
            }
            let same = |q: &RawPair| {
                let (qa, qb) = (index(&q.a), index(&q.b));
                (qa, qb) == (Some(a), Some(b)) || (qa, qb) == (Some(b), Some(a))
            };
            if c.within_site[..k].iter().any(same) {
                self.err(
                    &at,
                    Target::Value,
                    format!("{} and {} are paired twice", pair.a, pair.b),
                    "expected each pair of inputs once",
                );
                ok = false;
                continue;
            }
            for s in 0..model.sites.len() {
                corr[(s * n_in + a) * dim + s * n_in + b] = pair.rho;
                corr[(s * n_in + b) * dim + s * n_in + a] = pair.rho;
            }
            pairs.push((
                format!("{} with {} within each site", pair.a, pair.b),
                pair.rho,
                spearman(pair.rho),
            ));
        }
        if !ok || pairs.is_empty() {
            return None;
        }
        match Copula::new(&corr, dim, pairs) {
            Ok(copula) => Some(copula),
            Err(NotPositiveDefinite) => {
                self.err(&cp, Target::Key, "these correlations do not form a valid correlation matrix (it is not positive definite)", "expected correlations that can hold together, e.g. smaller ones, or fewer pairs pulling in opposite directions");
                None
            }
        }
    }

    fn actuals(&mut self, raw: &RawScenario, model: &Model) -> Vec<Actual> {
        let names: HashSet<String> = crate::engine::metrics::Layout::new(model)
            .metric_names()
            .into_iter()
            .collect();
        let mut out = Vec::new();
        for (metric, a) in &raw.actuals {
            let path = FieldPath::root().key("actuals").key(metric);
            if !names.contains(metric) {
                self.err(&path, Target::Key, format!("\"{metric}\" is not a metric of this scenario"), "expected a metric name such as engagements or \"site.<id>.job_starts\" (quoted when it has dots)");
            } else if !a.value.is_finite() {
                self.err(
                    &path.key("value"),
                    Target::Value,
                    format!("value {}", fmt_num(a.value)),
                    "expected a finite number",
                );
            } else if !a.source.contains(".txt") {
                self.err(&path.key("source"), Target::Value, format!("\"{}\" names no report file", a.source), "expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\"");
            } else {
                out.push(Actual {
                    metric: metric.clone(),
                    value: a.value,
                    source: a.source.clone(),
                    note: a.note.clone(),
                });
            }
        }
        out
    }

    fn plan(&mut self, raw: &RawScenario, model: &Model) -> Vec<PlanFigure> {
        let names: HashSet<String> = crate::engine::metrics::Layout::new(model)
            .metric_names()
            .into_iter()
            .collect();
        let mut out = Vec::new();
        let mut check = |v: &mut Self,
                         metric: String,
                         value: f64,
                         path: FieldPath,
                         example: &str| {
            if !names.contains(&metric) {
                v.err(
                    &path,
                    Target::Key,
                    format!("\"{metric}\" is not a metric of this scenario"),
                    format!("expected a metric name such as {example} (the README lists them all)"),
                );
            } else if !value.is_finite() {
                v.err(
                    &path,
                    Target::Value,
                    format!("plan value {} is not a planned figure", fmt_num(value)),
                    "expected a finite number",
                );
            } else if out.iter().any(|p: &PlanFigure| p.metric == metric) {
                v.err(
                        &path,
                        Target::Key,
                        format!("\"{metric}\" has a plan figure already"),
                        "expected one plan figure per metric (in [plan] or in the site's own plan table, not both)",
                    );
            } else {
                out.push(PlanFigure { metric, value });
            }
        };
        for (k, &v) in &raw.plan {
            check(
                self,
                k.clone(),
                v,
                FieldPath::root().key("plan").key(k),
                "engagements, job_starts, sustain_6w or payments.by_payer.<party>",
            );
        }
        for (id, s) in &raw.sites {
            for (k, &v) in &s.plan {
                check(
                    self,
                    format!("site.{id}.{k}"),
                    v,
                    FieldPath::root().key("sites").key(id).key("plan").key(k),
                    "engagements, job_starts or sustain_6w",
                );
            }
        }
        out
    }
}
