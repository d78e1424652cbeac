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
    /// `finance.interest_rate`: the loan's annual rate, e.g. 0.08.
    InterestRate,
    /// `finance.equity`: equity, £.
    Equity,
    /// `finance.loan`: the loan, £.
    Loan,
    /// `finance.facility`: the most the investor lends in all, £.
    Facility,
    /// `finance.cash_reserve`: cash the SPV keeps before sweeping, £.
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
    /// What is wrong.
    pub problem: String,
    /// What would be valid.
    pub valid: String,
}

impl std::fmt::Display for KnobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.problem, self.valid)
    }
}

/// `x` as a number is written, exactly (it reads back as `x`): plainly, or in exponent form from
/// 1e16 on and below 1e-5, where the plain form runs to many digits (1e300 is `1e300`, not 301
/// digits).
pub fn as_written(x: f64) -> String {
    if x.is_finite() && x != 0.0 && (x.abs() >= 1e16 || x.abs() < 1e-5) {
        format!("{x:e}")
    } else {
        format!("{x}")
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
        self.check_as(value, &as_written(value))
    }

    /// [`Knob::check`] of `value`, read from the text `written`, which the error echoes (so that
    /// `1e400`, read as infinity, is reported as `1e400`).
    ///
    /// # Errors
    /// As [`Knob::check`].
    pub fn check_as(&self, value: f64, written: &str) -> Result<(), KnobError> {
        let fail = |valid: &str| {
            Err(KnobError {
                problem: format!("{written} is out of range"),
                valid: valid.to_string(),
            })
        };
        // An infinity (a number too large for f64, such as 1e400) fails the domain's own bound
        // below, whose message says what is valid.
        if value.is_nan() {
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

    /// Whether `value` is one this knob can take on `model`: [`Knob::check`], and for
    /// `finance.loan` and `finance.facility` the other term, since the facility must stay at
    /// least the loan (as a scenario's `[finance]` must).
    ///
    /// # Errors
    /// The value, and the range valid on this model.
    pub fn check_on(&self, value: f64, model: &Model) -> Result<(), KnobError> {
        self.check_on_as(value, &as_written(value), model)
    }

    /// [`Knob::check_on`] of `value`, read from the text `written`, which the error echoes.
    ///
    /// # Errors
    /// As [`Knob::check_on`].
    pub fn check_on_as(&self, value: f64, written: &str, model: &Model) -> Result<(), KnobError> {
        self.check_as(value, written)?;
        let Some(f) = &model.finance else {
            return Ok(());
        };
        match self {
            Knob::Finance(FinanceTerm::Loan) if value > f.facility => Err(KnobError {
                problem: format!(
                    "a loan of £{written} is above the scenario's facility of £{}",
                    f.facility
                ),
                valid: format!(
                    "expected finance.loan from 0 to the facility, £{} (the facility must stay ≥ the loan)",
                    f.facility
                ),
            }),
            Knob::Finance(FinanceTerm::Facility) if value < f.loan => Err(KnobError {
                problem: format!(
                    "a facility of £{written} is below the scenario's loan of £{}",
                    f.loan
                ),
                valid: format!(
                    "expected finance.facility from the loan, £{}, up to 1e12 (the facility must stay ≥ the loan)",
                    f.loan
                ),
            }),
            _ => Ok(()),
        }
    }

    /// The values this knob can take on `model`, lowest and highest: [`Knob::check`]'s domain,
    /// with `finance.loan` at most the facility and `finance.facility` at least the loan.
    pub fn domain(&self, model: &Model) -> [f64; 2] {
        let finance = model.finance.as_ref();
        match self {
            Knob::BlockShare | Knob::Finance(FinanceTerm::InterestRate) => [0.0, 1.0],
            Knob::TariffThreshold(_) => [0.0, 1e9],
            Knob::Finance(FinanceTerm::Loan) => [
                0.0,
                finance.map_or(crate::scenario::MAX_MONEY, |f| f.facility),
            ],
            Knob::Finance(FinanceTerm::Facility) => {
                [finance.map_or(0.0, |f| f.loan), crate::scenario::MAX_MONEY]
            }
            _ => [0.0, crate::scenario::MAX_MONEY],
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

/// Refuse `set` (a variant's knobs, applied in order) if it would leave `model`'s facility below
/// its loan. On failure, the index in `set` of the knob to blame (the last that sets the facility,
/// else the last that sets the loan) and why.
///
/// # Errors
/// The final facility below the final loan.
pub fn check_finance(model: &Model, set: &[(Knob, f64)]) -> Result<(), (usize, KnobError)> {
    let Some(f) = &model.finance else {
        return Ok(());
    };
    let (mut loan, mut facility) = (f.loan, f.facility);
    let (mut loan_at, mut facility_at) = (None, None);
    for (i, (k, v)) in set.iter().enumerate() {
        match k {
            Knob::Finance(FinanceTerm::Loan) => (loan, loan_at) = (*v, Some(i)),
            Knob::Finance(FinanceTerm::Facility) => (facility, facility_at) = (*v, Some(i)),
            _ => {}
        }
    }
    if facility >= loan {
        return Ok(());
    }
    let below = format!("the facility £{facility} would be below the loan £{loan}");
    let (at, problem, valid) = match (facility_at, loan_at) {
        (Some(i), None) => (
            i,
            below,
            format!("expected finance.facility from the loan, £{loan}, up to 1e12"),
        ),
        (None, Some(i)) => (
            i,
            format!("the loan £{loan} would be above the facility £{facility}"),
            format!("expected finance.loan from 0 to the facility, £{facility}"),
        ),
        (Some(i), Some(_)) => (
            i,
            below,
            "expected finance.facility ≥ finance.loan".to_string(),
        ),
        // Only a conflict the variant makes is its own (a model is validated with facility ≥ loan).
        (None, None) => return Ok(()),
    };
    Err((at, KnobError { problem, valid }))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// MHEP 1: loan £360,000, facility £360,000.
    fn mhep1() -> Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mhep1.toml");
        crate::scenario::load(&path).unwrap()
    }

    #[test]
    fn the_loan_stays_within_the_facility() {
        let m = mhep1();
        let loan = Knob::parse("finance.loan", &m).unwrap();
        let facility = Knob::parse("finance.facility", &m).unwrap();
        assert_eq!(loan.domain(&m), [0.0, 360_000.0]);
        assert_eq!(facility.domain(&m), [360_000.0, 1e12]);
        assert!(loan.check_on(360_000.0, &m).is_ok());
        assert!(facility.check_on(360_000.0, &m).is_ok());
        let e = loan.check_on(360_001.0, &m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a loan of £360001 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)"
        );
        let e = facility.check_on(359_999.0, &m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a facility of £359999 is below the scenario's loan of £360000; expected finance.facility from the loan, £360000, up to 1e12 (the facility must stay ≥ the loan)"
        );
        // The knob's own domain still comes first.
        assert_eq!(
            loan.check_on(-1.0, &m).unwrap_err().valid,
            "expected a number ≥ 0"
        );
    }

    /// A value is echoed as written: 1e400 reads as infinity, 1e300 prints as 301 digits.
    #[test]
    fn values_out_of_range_are_echoed_as_written() {
        let m = mhep1();
        let e = Knob::TariffScale
            .check_on_as(f64::INFINITY, "1e400", &m)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "1e400 is out of range; expected a number ≤ 1e12"
        );
        let e = Knob::BlockShare
            .check_as(f64::NEG_INFINITY, "-1e999")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "-1e999 is out of range; expected a block share from 0 to 1"
        );
        // Without the text: the number as it would be written, exactly.
        assert_eq!(
            Knob::TariffScale.check(1e300).unwrap_err().problem,
            "1e300 is out of range"
        );
        assert_eq!(
            Knob::BlockShare.check(1.000_000_1).unwrap_err().problem,
            "1.0000001 is out of range"
        );
        assert_eq!(
            Knob::TariffScale.check(f64::NAN).unwrap_err().valid,
            "expected a finite number"
        );
        for x in [1e300, 1.5e16, 123_456.789, 2.5e-7, 0.1, -3.0, 0.0] {
            assert_eq!(as_written(x).parse::<f64>().unwrap(), x, "{x}");
        }
        assert_eq!(as_written(1.5e16), "1.5e16");
        assert_eq!(as_written(2.5e-7), "2.5e-7");
        assert_eq!(as_written(123_456.789), "123456.789");
    }

    #[test]
    fn a_variants_finance_terms_are_checked_together() {
        let m = mhep1();
        let loan = Knob::Finance(FinanceTerm::Loan);
        let facility = Knob::Finance(FinanceTerm::Facility);
        let equity = Knob::Finance(FinanceTerm::Equity);
        // Raised together: fine.
        assert!(check_finance(
            &m,
            &[(facility.clone(), 500_000.0), (loan.clone(), 500_000.0)]
        )
        .is_ok());
        assert!(check_finance(&m, &[(equity.clone(), 0.0)]).is_ok());
        // The facility cut below the loan: the facility is blamed.
        let (at, e) =
            check_finance(&m, &[(equity, 1.0), (facility.clone(), 300_000.0)]).unwrap_err();
        assert_eq!(at, 1);
        assert_eq!(
            e.problem,
            "the facility £300000 would be below the loan £360000"
        );
        assert_eq!(
            e.valid,
            "expected finance.facility from the loan, £360000, up to 1e12"
        );
        // The loan raised above the facility: the loan is blamed.
        let (at, e) = check_finance(&m, &[(loan.clone(), 400_000.0)]).unwrap_err();
        assert_eq!(at, 0);
        assert_eq!(
            e.problem,
            "the loan £400000 would be above the facility £360000"
        );
        assert_eq!(
            e.valid,
            "expected finance.loan from 0 to the facility, £360000"
        );
        // Both set, crossed.
        let (at, e) = check_finance(&m, &[(facility, 100_000.0), (loan, 200_000.0)]).unwrap_err();
        assert_eq!(at, 0);
        assert_eq!(
            e.problem,
            "the facility £100000 would be below the loan £200000"
        );
        assert_eq!(e.valid, "expected finance.facility ≥ finance.loan");
    }
}
