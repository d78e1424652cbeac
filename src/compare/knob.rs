//! Knobs: the fields a comparison may set, sweep or seek, named by a path (`block_share`,
//! `tariffs.<name>.amount`, `caps.<name>`, `finance.interest_rate`, …; docs/compare.md, "Paths").
//!
//! A knob is parsed against the base model, so an unknown tariff, block or cap is refused with the
//! names that exist; a value is checked against the knob's domain before anything runs. Field knobs
//! act on a [`Model`] directly ([`Knob::apply`]); the structure knobs (`block_share`,
//! `tariff_scale`) are applied by [`super::structure`], which needs the base run.

use crate::scenario::{Limit, Model, Pricing, Role};

/// A settable field of a contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Knob {
    /// The share of the provider's expected commissioner income paid as blocks (structure
    /// transform, docs/compare.md).
    BlockShare,
    /// Multiply every tariff paid by a commissioner or an outcome payer.
    TariffScale,
    /// A tariff's amount (the flat amount, or the first tier with the others in proportion).
    TariffAmount(String),
    /// Multiply a tariff's amounts.
    TariffScaleOf(String),
    /// A tariff's threshold: the first N events at each site are not paid.
    TariffThreshold(String),
    /// A block's amount per payment.
    BlockAmount(String),
    /// Multiply a block's amount.
    BlockScale(String),
    /// A cap's level (money or events, as the cap is).
    CapLevel(String),
    /// Multiply a cap's level.
    CapScale(String),
    /// A finance term.
    Finance(FinanceTerm),
}

/// The finance terms a knob can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinanceTerm {
    InterestRate,
    Equity,
    Loan,
    Facility,
    CashReserve,
}

impl FinanceTerm {
    const ALL: [(&'static str, FinanceTerm); 5] = [
        ("interest_rate", FinanceTerm::InterestRate),
        ("equity", FinanceTerm::Equity),
        ("loan", FinanceTerm::Loan),
        ("facility", FinanceTerm::Facility),
        ("cash_reserve", FinanceTerm::CashReserve),
    ];
}

/// Why a knob path or value was refused: what is wrong and what would be valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnobError {
    pub problem: String,
    pub valid: String,
}

impl std::fmt::Display for KnobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.problem, self.valid)
    }
}

/// What every path may be, for error messages.
pub const PATHS: &str =
    "expected block_share, tariff_scale, tariffs.<name>.amount|scale|threshold, \
blocks.<name>.amount|scale, caps.<name> (or cap.<name>), caps.<name>.scale, or \
finance.interest_rate|equity|loan|facility|cash_reserve (docs/compare.md, \"Paths\")";

fn names_of<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        format!("the scenario has no {what}")
    } else {
        format!("expected one of the scenario's {what}: {}", v.join(", "))
    }
}

impl Knob {
    /// Parse `path` against `model`.
    ///
    /// # Errors
    /// An unknown path, or a name the model does not have (with the names it has).
    pub fn parse(path: &str, model: &Model) -> Result<Knob, KnobError> {
        let bad = |problem: String, valid: String| Err(KnobError { problem, valid });
        match path {
            "block_share" => return Ok(Knob::BlockShare),
            "tariff_scale" => return Ok(Knob::TariffScale),
            _ => {}
        }
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["tariffs", name, field] => {
                if !model.tariffs.iter().any(|t| model.rules[t.rule] == *name) {
                    let names = model.tariffs.iter().map(|t| model.rules[t.rule].as_str());
                    return bad(format!("no tariff `{name}`"), names_of("tariffs", names));
                }
                let name = name.to_string();
                match *field {
                    "amount" => Ok(Knob::TariffAmount(name)),
                    "scale" => Ok(Knob::TariffScaleOf(name)),
                    "threshold" => Ok(Knob::TariffThreshold(name)),
                    f => bad(
                        format!("a tariff has no settable field `{f}`"),
                        "expected amount, scale or threshold".into(),
                    ),
                }
            }
            ["blocks", name, field] => {
                if !model.blocks.iter().any(|b| model.rules[b.rule] == *name) {
                    let names = model.blocks.iter().map(|b| model.rules[b.rule].as_str());
                    return bad(format!("no block `{name}`"), names_of("blocks", names));
                }
                let name = name.to_string();
                match *field {
                    "amount" => Ok(Knob::BlockAmount(name)),
                    "scale" => Ok(Knob::BlockScale(name)),
                    f => bad(
                        format!("a block has no settable field `{f}`"),
                        "expected amount or scale".into(),
                    ),
                }
            }
            ["caps" | "cap", name, rest @ ..] if rest.len() <= 1 => {
                if !model.caps.iter().any(|c| c.name == *name) {
                    let names = model.caps.iter().map(|c| c.name.as_str());
                    return bad(format!("no cap `{name}`"), names_of("caps", names));
                }
                let name = name.to_string();
                match rest {
                    [] => Ok(Knob::CapLevel(name)),
                    ["scale"] => Ok(Knob::CapScale(name)),
                    [f] => bad(
                        format!("a cap has no settable field `{f}`"),
                        format!("expected caps.{name} (its level) or caps.{name}.scale"),
                    ),
                    _ => unreachable!("rest has at most one part"),
                }
            }
            ["finance", term] => {
                if model.finance.is_none() {
                    return bad(
                        "the scenario has no [finance] section".into(),
                        "expected a scenario with SPV and investor finance for finance.* paths"
                            .into(),
                    );
                }
                FinanceTerm::ALL
                    .iter()
                    .find(|(n, _)| n == term)
                    .map(|&(_, t)| Knob::Finance(t))
                    .ok_or_else(|| KnobError {
                        problem: format!("no finance term `{term}`"),
                        valid: "expected interest_rate, equity, loan, facility or cash_reserve"
                            .into(),
                    })
            }
            _ => bad(format!("unknown path `{path}`"), PATHS.into()),
        }
    }

    /// Whether `value` is one this knob can take.
    ///
    /// # Errors
    /// The value and the knob's domain.
    pub fn check(&self, value: f64) -> Result<(), KnobError> {
        let fail = |valid: &str| {
            Err(KnobError {
                problem: format!("{value} is out of range"),
                valid: valid.to_string(),
            })
        };
        if !value.is_finite() {
            return fail("expected a finite number");
        }
        match self {
            Knob::BlockShare if !(0.0..=1.0).contains(&value) => {
                fail("expected a block share from 0 to 1")
            }
            Knob::TariffThreshold(_) if value < 0.0 || value.fract() != 0.0 || value > 1e9 => {
                fail("expected a whole number of events from 0 to 1,000,000,000")
            }
            Knob::Finance(FinanceTerm::InterestRate) if !(0.0..=1.0).contains(&value) => {
                fail("expected an annual rate from 0 to 1, e.g. 0.08")
            }
            _ if value < 0.0 => fail("expected a number ≥ 0"),
            _ if value > crate::scenario::MAX_MONEY => fail("expected a number ≤ 1e12"),
            _ => Ok(()),
        }
    }

    /// Whether the knob is a structure transform (applied by [`super::structure`]).
    pub fn is_structure(&self) -> bool {
        matches!(self, Knob::BlockShare | Knob::TariffScale)
    }

    /// Set this (field) knob to `value` in `model`. Structure knobs are not applied here: see
    /// [`super::structure`]; [`Knob::TariffScale`] is, since it needs no run.
    pub fn apply(&self, model: &mut Model, value: f64) {
        let rules = model.rules.clone();
        let rule_is = |r: usize, name: &str| rules[r] == name;
        let scale_pricing = |p: &mut Pricing, k: f64| match p {
            Pricing::Flat(a) => *a *= k,
            Pricing::Tiers(t) => t.iter_mut().for_each(|(_, a)| *a *= k),
        };
        match self {
            Knob::BlockShare => {}
            Knob::TariffScale => {
                let payers: Vec<bool> = model
                    .parties
                    .iter()
                    .map(|p| matches!(p.role, Role::Commissioner | Role::OutcomePayer))
                    .collect();
                for t in &mut model.tariffs {
                    if payers[t.payer] {
                        scale_pricing(&mut t.pricing, value);
                    }
                }
            }
            Knob::TariffAmount(name) => {
                for t in model.tariffs.iter_mut().filter(|t| rule_is(t.rule, name)) {
                    match &mut t.pricing {
                        Pricing::Flat(a) => *a = value,
                        Pricing::Tiers(tiers) => {
                            let first = tiers.first().map_or(0.0, |&(_, a)| a);
                            if first > 0.0 {
                                let k = value / first;
                                tiers.iter_mut().for_each(|(_, a)| *a *= k);
                            } else {
                                tiers.iter_mut().for_each(|(_, a)| *a = value);
                            }
                        }
                    }
                }
            }
            Knob::TariffScaleOf(name) => {
                for t in model.tariffs.iter_mut().filter(|t| rule_is(t.rule, name)) {
                    scale_pricing(&mut t.pricing, value);
                }
            }
            Knob::TariffThreshold(name) => {
                for t in model.tariffs.iter_mut().filter(|t| rule_is(t.rule, name)) {
                    t.threshold = value as u64;
                }
            }
            Knob::BlockAmount(name) => {
                for b in model.blocks.iter_mut().filter(|b| rule_is(b.rule, name)) {
                    b.amount = value;
                }
            }
            Knob::BlockScale(name) => {
                for b in model.blocks.iter_mut().filter(|b| rule_is(b.rule, name)) {
                    b.amount *= value;
                }
            }
            Knob::CapLevel(name) | Knob::CapScale(name) => {
                let scale = matches!(self, Knob::CapScale(_));
                for c in model.caps.iter_mut().filter(|c| &c.name == name) {
                    c.limit = match (c.limit, scale) {
                        (Limit::Money(m), true) => Limit::Money(m * value),
                        (Limit::Money(_), false) => Limit::Money(value),
                        (Limit::Events(n), true) => {
                            Limit::Events((n as f64 * value).round() as u64)
                        }
                        (Limit::Events(_), false) => Limit::Events(value.round() as u64),
                    };
                }
            }
            Knob::Finance(term) => {
                if let Some(f) = &mut model.finance {
                    match term {
                        FinanceTerm::InterestRate => {
                            f.interest_rate = value;
                            f.monthly_rate = crate::scenario::Finance::monthly_rate_for(
                                value,
                                f.monthly_compounding,
                            );
                        }
                        FinanceTerm::Equity => f.equity = value,
                        FinanceTerm::Loan => f.loan = value,
                        FinanceTerm::Facility => f.facility = value,
                        FinanceTerm::CashReserve => f.cash_reserve = value,
                    }
                }
            }
        }
    }
}

impl std::fmt::Display for Knob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Knob::BlockShare => write!(f, "block_share"),
            Knob::TariffScale => write!(f, "tariff_scale"),
            Knob::TariffAmount(n) => write!(f, "tariffs.{n}.amount"),
            Knob::TariffScaleOf(n) => write!(f, "tariffs.{n}.scale"),
            Knob::TariffThreshold(n) => write!(f, "tariffs.{n}.threshold"),
            Knob::BlockAmount(n) => write!(f, "blocks.{n}.amount"),
            Knob::BlockScale(n) => write!(f, "blocks.{n}.scale"),
            Knob::CapLevel(n) => write!(f, "caps.{n}"),
            Knob::CapScale(n) => write!(f, "caps.{n}.scale"),
            Knob::Finance(t) => {
                let name = FinanceTerm::ALL
                    .iter()
                    .find(|(_, x)| x == t)
                    .map_or("?", |(n, _)| n);
                write!(f, "finance.{name}")
            }
        }
    }
}
