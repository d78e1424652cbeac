//! The SPV's account and the investor's capital built in code: typed compounding, drawdown and
//! repayment instead of the file format's strings and `"YYYY-MM"` schedules.

use super::month;
use crate::distributions::Input;
use crate::scenario::raw::*;
use crate::scenario::YearMonth;
use crate::Money;

/// How the loan's interest compounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compounding {
    /// The yearly rate compounded yearly, applied monthly as (1 + r)^(1/12) (the default).
    Annual,
    /// r / 12 a month.
    Monthly,
}

/// How the loan is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum DrawdownSpec {
    /// All at the start (the default).
    Upfront,
    /// When the SPV's cash would go below zero.
    AsNeeded,
    /// On these months, and as needed between them.
    Schedule(Vec<(YearMonth, Money)>),
}

/// How the SPV repays the investor.
#[derive(Debug, Clone, PartialEq)]
pub enum RepaymentSpec {
    /// Each month, cash above the reserve repays interest, then principal (the default).
    Sweep,
    /// The interest due, and these amounts of principal on these months, as cash allows.
    Schedule(Vec<(YearMonth, Money)>),
    /// Everything at the end of the horizon.
    AtEnd,
}

fn schedule(s: &[(YearMonth, Money)]) -> Vec<RawScheduled> {
    s.iter()
        .map(|&(m, amount)| RawScheduled {
            month: month(m),
            amount,
        })
        .collect()
}

/// The SPV's account, funded by the investor's equity and loan.
#[derive(Debug, Clone)]
pub struct FinanceSpec {
    pub(super) raw: RawFinance,
}

impl FinanceSpec {
    /// Finance between party `spv` (role [`Role::Spv`](crate::scenario::Role::Spv)) and party `investor` ([`Role::Investor`](crate::scenario::Role::Investor)).
    pub fn new(spv: &str, investor: &str) -> Self {
        FinanceSpec {
            raw: RawFinance {
                spv: spv.into(),
                investor: investor.into(),
                ..RawFinance::default()
            },
        }
    }

    /// Equity, £, paid in at the start of the horizon.
    pub fn equity(mut self, amount: Money) -> Self {
        self.raw.equity = Some(amount);
        self
    }

    /// A loan of `amount` £ at `annual_rate` (e.g. 0.08).
    pub fn loan(mut self, amount: Money, annual_rate: f64) -> Self {
        self.raw.loan = Some(amount);
        self.raw.interest_rate = Some(annual_rate);
        self
    }

    /// How interest compounds (default: annually).
    pub fn compounding(mut self, c: Compounding) -> Self {
        self.raw.compounding = Some(
            match c {
                Compounding::Annual => "annual",
                Compounding::Monthly => "monthly",
            }
            .into(),
        );
        self
    }

    /// How the loan is drawn (default: all up front).
    pub fn drawdown(mut self, d: DrawdownSpec) -> Self {
        let (name, sched) = match &d {
            DrawdownSpec::Upfront => ("upfront", None),
            DrawdownSpec::AsNeeded => ("as_needed", None),
            DrawdownSpec::Schedule(s) => ("schedule", Some(schedule(s))),
        };
        self.raw.drawdown = Some(name.into());
        self.raw.drawdown_schedule = sched;
        self
    }

    /// Most the investor will lend in all, £ (default: the loan).
    pub fn facility(mut self, amount: Money) -> Self {
        self.raw.facility = Some(amount);
        self
    }

    /// How the SPV repays (default: a monthly sweep).
    pub fn repayment(mut self, r: RepaymentSpec) -> Self {
        let (name, sched) = match &r {
            RepaymentSpec::Sweep => ("sweep", None),
            RepaymentSpec::Schedule(s) => ("schedule", Some(schedule(s))),
            RepaymentSpec::AtEnd => ("at_end", None),
        };
        self.raw.repayment = Some(name.into());
        self.raw.repayment_schedule = sched;
        self
    }

    /// Cash the SPV keeps before sweeping, £.
    pub fn cash_reserve(mut self, amount: Money) -> Self {
        self.raw.cash_reserve = Some(amount);
        self
    }

    /// The SPV's own monthly costs, £: central team, administration, evaluation.
    pub fn costs(
        mut self,
        central_team: impl Into<Input>,
        administration: impl Into<Input>,
        evaluation: impl Into<Input>,
    ) -> Self {
        self.raw.costs = Some(RawSpvCosts {
            central_team: Some(central_team.into()),
            administration: Some(administration.into()),
            evaluation: Some(evaluation.into()),
        });
        self
    }
}
