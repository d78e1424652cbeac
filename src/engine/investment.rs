//! The SPV's cash account and the investor's capital (MODEL.md, "Investor and SPV finance"; the
//! *finance* stage of each month).
//!
//! The investor pays its equity in at the start of the horizon and lends as `drawdown` says:
//! all at the start, on a schedule, or whenever the SPV's cash would go below zero — always up to
//! the facility. Each month the SPV's cash moves by what it received and paid under the contract
//! and by its own costs; the loan balance (principal and unpaid interest) grows at the monthly
//! rate; then, by the waterfall, cash above the reserve pays interest, then principal (every month
//! with `repayment = "sweep"`; on the scheduled months, up to the principal due, with
//! `"schedule"`; at the end of the horizon with `"at_end"`). At the end of the
//! horizon what is left goes to equity. A shortfall the facility cannot cover is a default: the
//! contract's payments are still made, the SPV's cash goes below zero, and later income clears that
//! deficit before anything is repaid; the largest deficit is recorded, and any deficit left at the
//! end is money the SPV never had.
//!
//! The investor's flows are kept on month boundaries — index t is t months from the start — so a
//! drawdown at the start of month m sits at t = m and a repayment at the end of month m at
//! t = m + 1: a loan drawn at the start and repaid at the end of month 35 has accrued 36 months of
//! interest over 36 months of flows.

use crate::engine::irr::{irr, mirr, Irr};
use crate::scenario::{Drawdown, Finance, Repayment};
use crate::{Money, Month};

/// The annual rate at which the investor's receipts are taken to be reinvested for its MIRR:
/// 0%, an assumption (see [`SpvAccount::mirr`]).
pub const MIRR_REINVEST_RATE: f64 = 0.0;

/// One trial's SPV account and investor flows.
#[derive(Debug, Clone)]
pub struct SpvAccount {
    pub cash: Money,
    /// Loan principal outstanding and interest accrued but not paid.
    pub principal: Money,
    pub interest_due: Money,
    /// Loan drawn so far, and everything paid in (equity and loan).
    pub lent: Money,
    pub invested: Money,
    /// Everything paid back to the investor, and of it interest.
    pub returned: Money,
    pub interest_paid: Money,
    /// The SPV's own costs paid, and the largest deficit no facility covered.
    pub costs: Money,
    pub shortfall: Money,
    /// Investor's net flows by month boundary (negative: paid in).
    pub flows: Vec<Money>,
    /// This trial's monthly costs of the SPV.
    monthly_costs: Money,
    /// Scheduled principal that could not be paid on its date.
    principal_arrears: Money,
}

impl SpvAccount {
    /// An account for a horizon of `horizon` months, with this trial's monthly SPV costs.
    pub fn new(horizon: Month, monthly_costs: Money) -> SpvAccount {
        SpvAccount {
            cash: 0.0,
            principal: 0.0,
            interest_due: 0.0,
            lent: 0.0,
            invested: 0.0,
            returned: 0.0,
            interest_paid: 0.0,
            costs: 0.0,
            shortfall: 0.0,
            flows: vec![0.0; horizon as usize + 1],
            monthly_costs,
            principal_arrears: 0.0,
        }
    }

    /// Make the account as [`SpvAccount::new`] made it, for another trial, keeping its
    /// allocation.
    pub fn reset(&mut self, monthly_costs: Money) {
        self.flows.iter_mut().for_each(|x| *x = 0.0);
        for x in [
            &mut self.cash,
            &mut self.principal,
            &mut self.interest_due,
            &mut self.lent,
            &mut self.invested,
            &mut self.returned,
            &mut self.interest_paid,
            &mut self.costs,
            &mut self.shortfall,
            &mut self.principal_arrears,
        ] {
            *x = 0.0;
        }
        self.monthly_costs = monthly_costs;
    }

    fn pay_in(&mut self, t: usize, amount: Money, loan: bool) {
        if amount <= 0.0 {
            return;
        }
        self.cash += amount;
        self.invested += amount;
        self.flows[t] -= amount;
        if loan {
            self.lent += amount;
            self.principal += amount;
        }
    }

    fn pay_out(&mut self, t: usize, amount: Money) {
        self.cash -= amount;
        self.returned += amount;
        self.flows[t] += amount;
    }

    /// Start of month `m`: the equity (month 0) and any loan drawdown due.
    pub fn start_month(&mut self, f: &Finance, m: Month) {
        let t = m as usize;
        if m == 0 {
            self.pay_in(t, f.equity, false);
            if f.drawdown == Drawdown::Upfront {
                self.pay_in(t, f.loan.min(f.facility), true);
            }
        }
        if let Drawdown::Schedule(list) = &f.drawdown {
            for &(month, amount) in list {
                if month == m {
                    let room = (f.facility - self.lent).max(0.0);
                    self.pay_in(t, amount.min(room), true);
                }
            }
        }
    }

    /// End of month `m`: the SPV's net contract receipts `net`, its costs, interest, a drawdown if
    /// short, and the waterfall. `last` is the horizon's last month.
    pub fn end_month(&mut self, f: &Finance, m: Month, net: Money, last: bool) {
        let t = m as usize + 1;
        self.cash += net - self.monthly_costs;
        self.costs += self.monthly_costs;
        self.interest_due += (self.principal + self.interest_due) * f.monthly_rate;
        if self.cash < 0.0 {
            let room = (f.facility - self.lent).max(0.0);
            let draw = (-self.cash).min(room);
            self.pay_in(t, draw, true);
            // Beyond the facility the SPV is overdrawn: a debt (to those it has paid) that later
            // income clears before anything goes back to the investor.
            self.shortfall = self.shortfall.max(-self.cash);
        }
        // How much principal may be repaid this month, if the waterfall runs at all.
        let principal_cap = match &f.repayment {
            _ if last => Some(f64::INFINITY),
            Repayment::Sweep => Some(f64::INFINITY),
            Repayment::AtEnd => None,
            Repayment::Schedule(list) => {
                let due: Money = list
                    .iter()
                    .filter(|&&(month, _)| month == m)
                    .map(|&(_, a)| a)
                    .sum();
                (due > 0.0).then_some(due + self.principal_arrears)
            }
        };
        if let Some(cap) = principal_cap {
            let reserve = if last { 0.0 } else { f.cash_reserve };
            let interest = self.interest_due.min((self.cash - reserve).max(0.0));
            self.interest_due -= interest;
            self.interest_paid += interest;
            self.pay_out(t, interest);
            let principal = self.principal.min(cap).min((self.cash - reserve).max(0.0));
            self.principal -= principal;
            self.pay_out(t, principal);
            // Scheduled principal not paid on its date waits for the next one.
            self.principal_arrears = if cap.is_finite() {
                (cap - principal).min(self.principal)
            } else {
                0.0
            };
        }
        if last && self.cash > 0.0 {
            // The SPV's residual value goes to equity.
            let residual = self.cash;
            self.pay_out(t, residual);
        }
    }

    /// The investor's IRR (annual) on its monthly flows.
    pub fn irr(&self) -> Irr {
        irr(&self.flows)
    }

    /// The investor's modified IRR (annual) on its monthly flows over the whole horizon
    /// ([`mirr`]): money paid in is valued at the start at the loan's interest rate, as the
    /// effective annual rate the loan accrues (`(1 + monthly rate)^12 − 1`: the scenario's
    /// `interest_rate`, or more with monthly compounding) — the rate the investor charges for its
    /// capital, so its cost of that capital as the scenario states it;
    /// money received is carried to the end of the horizon at 0% (an assumption: held as cash,
    /// earning nothing, so the figure credits the investor with no return it is not shown to
    /// earn). `None` when nothing was paid in.
    pub fn mirr(&self, f: &Finance) -> Option<f64> {
        let finance_rate = (12.0 * f.monthly_rate.ln_1p()).exp_m1();
        mirr(&self.flows, finance_rate, MIRR_REINVEST_RATE)
    }

    /// Cash returned ÷ cash invested (`None` if nothing was invested).
    pub fn multiple(&self) -> Option<f64> {
        (self.invested > 0.0).then(|| self.returned / self.invested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_repayments_pay_what_is_due_and_catch_up() {
        let f = Finance {
            repayment: Repayment::Schedule(vec![(1, 100_000.0), (3, 100_000.0)]),
            ..loan_only(0.0, Repayment::AtEnd)
        };
        let mut spv = SpvAccount::new(5, 0.0);
        // £360,000 drawn at the start; the SPV spends £300,000 of it in month 0.
        spv.start_month(&f, 0);
        spv.end_month(&f, 0, -300_000.0, false);
        // Month 1: £100,000 due, only £60,000 of cash: £60,000 paid, £40,000 in arrears.
        spv.start_month(&f, 1);
        spv.end_month(&f, 1, 0.0, false);
        assert_eq!(spv.flows[2], 60_000.0);
        // Month 2: nothing due, £200,000 comes in. Month 3: £100,000 due + £40,000 arrears.
        spv.start_month(&f, 2);
        spv.end_month(&f, 2, 200_000.0, false);
        assert_eq!(spv.flows[3], 0.0);
        spv.start_month(&f, 3);
        spv.end_month(&f, 3, 0.0, false);
        assert_eq!(spv.flows[4], 140_000.0);
        // The end: the rest of the principal (£160,000 owed, £60,000 in cash).
        spv.start_month(&f, 4);
        spv.end_month(&f, 4, 0.0, true);
        assert_eq!(spv.returned, 60_000.0 + 140_000.0 + 60_000.0);
        assert_eq!(spv.principal, 100_000.0);
    }

    fn loan_only(rate: f64, repayment: Repayment) -> Finance {
        Finance {
            spv: 0,
            investor: 1,
            equity: 0.0,
            loan: 360_000.0,
            monthly_rate: (1.0 + rate).powf(1.0 / 12.0) - 1.0,
            interest_rate: rate,
            monthly_compounding: false,
            drawdown: Drawdown::Upfront,
            facility: 360_000.0,
            repayment,
            cash_reserve: 0.0,
            costs: Vec::new(),
        }
    }

    #[test]
    fn a_loan_repaid_at_the_end_earns_its_rate() {
        // £360,000 at 8% compounded annually, the SPV holding enough to repay after 36 months.
        let f = loan_only(0.08, Repayment::AtEnd);
        let mut spv = SpvAccount::new(36, 0.0);
        for m in 0..36 {
            spv.start_month(&f, m);
            let income = if m == 35 { 200_000.0 } else { 0.0 };
            spv.end_month(&f, m, income, m == 35);
        }
        let owed = 360_000.0 * 1.08f64.powi(3);
        assert!((spv.interest_paid + 360_000.0 - owed).abs() < 1e-6);
        // What is left after the loan goes to equity (none here: the investor is the lender).
        assert!((spv.returned - (360_000.0 + 200_000.0)).abs() < 1e-6);
        assert!(spv.shortfall == 0.0);
    }

    #[test]
    fn shortfalls_draw_the_facility_then_default() {
        let mut f = loan_only(0.0, Repayment::Sweep);
        f.drawdown = Drawdown::AsNeeded;
        f.facility = 100_000.0;
        let mut spv = SpvAccount::new(3, 0.0);
        spv.start_month(&f, 0);
        spv.end_month(&f, 0, -60_000.0, false);
        assert_eq!((spv.lent, spv.cash, spv.shortfall), (60_000.0, 0.0, 0.0));
        spv.start_month(&f, 1);
        spv.end_month(&f, 1, -60_000.0, false);
        assert_eq!(
            (spv.lent, spv.shortfall, spv.cash),
            (100_000.0, 20_000.0, -20_000.0)
        );
        spv.start_month(&f, 2);
        spv.end_month(&f, 2, 150_000.0, true);
        // The £20,000 deficit is cleared first; then the loan is repaid in full (no interest at
        // 0%) and the other £30,000 goes to equity.
        assert_eq!(spv.returned, 130_000.0);
        assert_eq!(spv.flows, vec![0.0, -60_000.0, -40_000.0, 130_000.0]);
    }
}
