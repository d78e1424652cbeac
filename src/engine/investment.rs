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
//!
//! Beside the investor's flows (equity and loan together) the account keeps the **loan's own**
//! flows: each drawdown out, each payment of interest or principal back, on the same month
//! boundaries — the basis of a lender's return, as `001` §4.2.3.2 reports MHEP 1's: "an internal
//! rate of return (IRR) on the £110k invested of 4.5%", loan only, with "only half the principal
//! invested (£55k)" repaid at close and the rest still owed, not written off. The loan's IRR is
//! given on both bases ([`LoanBasis`]): the principal outstanding at the horizon still owed
//! (received at the horizon, the report's basis) or written off (lost). Interest accrued and unpaid
//! at the horizon counts on neither basis: only interest paid, as the report's £15.6k return is.

use crate::engine::irr::{irr, mirr, Irr};
use crate::scenario::{Drawdown, Finance, Repayment};
use crate::{Money, Month};

/// The annual rate at which the investor's receipts are taken to be reinvested for its MIRR:
/// 0%, an assumption (see [`SpvAccount::mirr`]).
pub const MIRR_REINVEST_RATE: f64 = 0.0;

/// What becomes of the loan principal still outstanding at the horizon, for the loan's IRR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanBasis {
    /// Still owed: counted as received at the horizon (`001` §4.2.3.2's basis for MHEP 1's 4.5%).
    Owed,
    /// Written off: never received.
    WrittenOff,
}

/// One trial's SPV account and investor flows.
#[derive(Debug, Clone)]
pub struct SpvAccount {
    /// The SPV's cash, £ (negative: a deficit the facility did not cover).
    pub cash: Money,
    /// Loan principal outstanding, £.
    pub principal: Money,
    /// Interest accrued on the loan but not yet paid, £.
    pub interest_due: Money,
    /// Loan drawn so far, £.
    pub lent: Money,
    /// Everything paid in by the investor, equity and loan, £.
    pub invested: Money,
    /// Everything paid back to the investor, £.
    pub returned: Money,
    /// Of `returned`, the interest, £.
    pub interest_paid: Money,
    /// The SPV's own costs paid, £.
    pub costs: Money,
    /// The largest deficit no facility covered, £.
    pub shortfall: Money,
    /// Investor's net flows by month boundary (negative: paid in).
    pub flows: Vec<Money>,
    /// The loan's own net flows by month boundary (negative: drawn; positive: interest and
    /// principal paid back), a part of `flows`.
    pub loan_flows: Vec<Money>,
    /// Loan principal paid back so far (`lent − principal`).
    pub principal_repaid: Money,
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
            loan_flows: vec![0.0; horizon as usize + 1],
            principal_repaid: 0.0,
            monthly_costs,
            principal_arrears: 0.0,
        }
    }

    /// Make the account as [`SpvAccount::new`] made it, for another trial, keeping its
    /// allocation.
    pub fn reset(&mut self, monthly_costs: Money) {
        self.flows.iter_mut().for_each(|x| *x = 0.0);
        self.loan_flows.iter_mut().for_each(|x| *x = 0.0);
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
            &mut self.principal_repaid,
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
            self.loan_flows[t] -= amount;
        }
    }

    /// Pay `amount` to the investor at boundary `t`; `loan`: as interest or principal of the
    /// loan (else the SPV's residual, to equity).
    fn pay_out(&mut self, t: usize, amount: Money, loan: bool) {
        self.cash -= amount;
        self.returned += amount;
        self.flows[t] += amount;
        if loan {
            self.loan_flows[t] += amount;
        }
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
            self.pay_out(t, interest, true);
            let principal = self.principal.min(cap).min((self.cash - reserve).max(0.0));
            self.principal -= principal;
            self.principal_repaid += principal;
            self.pay_out(t, principal, true);
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
            self.pay_out(t, residual, false);
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

    /// The IRR (annual) of the loan alone: its drawdowns out, its interest and principal paid
    /// back, and — on [`LoanBasis::Owed`] — the principal outstanding at the horizon as received
    /// at the horizon (the last boundary). Found by [`irr`] like the investor's, with its rules
    /// (several roots: the one nearest 0% on the side of the undiscounted net).
    ///
    /// [`Irr::Undefined`] when no loan was drawn (no flows to earn a rate on), and on
    /// [`LoanBasis::WrittenOff`] when a loan drawn again after part of it was repaid was never
    /// repaid, so that no rate zeroes its flows: their value is negative at every rate, a loss
    /// worse than any IRR above −100% (everything drawn and nothing paid back is −100%). On
    /// [`LoanBasis::Owed`] a drawn loan has one unless it was all drawn at the horizon itself
    /// (the SPV short in its last month): drawn and owed at the same moment, the flows net to
    /// nothing and no time passes to earn a rate. Otherwise its undiscounted net is the interest
    /// paid, never negative, and its first flow is a drawdown, so `NPV` changes sign.
    pub fn loan_irr(&self, basis: LoanBasis) -> Irr {
        if self.lent <= 0.0 {
            return Irr::Undefined;
        }
        match basis {
            LoanBasis::WrittenOff => irr(&self.loan_flows),
            LoanBasis::Owed => {
                let mut flows = self.loan_flows.clone();
                if let Some(last) = flows.last_mut() {
                    *last += self.principal;
                }
                irr(&flows)
            }
        }
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

    /// A small loan drawn in month 1, part repaid and part outstanding at the horizon, worked by
    /// hand. Finance: £500 equity at the start; £1,000 of loan drawn on schedule at the start of
    /// month 1 (boundary t = 1); 1% a month, compounded; repaid at the end; horizon 3 months
    /// (boundaries 0–3); no SPV costs.
    /// - Month 0: £500 of equity in. Month 1: £1,000 drawn; the SPV pays out £1,500, cash 0;
    ///   interest accrues 1% of £1,000 = £10. Month 2 (last): £620.10 comes in; interest accrues
    ///   1% of £1,010 = £10.10, £20.10 owed in all; the waterfall pays the £20.10 of interest, then
    ///   £600 of principal, and nothing is left for equity.
    /// - Loan: drawn £1,000, interest paid £20.10, principal repaid £600, outstanding £400.
    /// - Loan flows: −1,000 at t = 1, +620.10 at t = 3.
    ///   - Owed: +620.10 + 400 = 1,020.10 at t = 3, so (1 + m)² = 1.0201, m = 1% a month: the
    ///     loan earned its own rate, as a loan whose interest was all paid must; annual
    ///     1.01¹² − 1 = 0.126825030…
    ///   - Written off: (1 + m)² = 0.6201, annual 0.6201⁶ − 1 = −0.943144774…
    /// - The investor's view, equity and loan: −500 at t = 0, −1,000 at t = 1, +620.10 at t = 3;
    ///   invested £1,500, returned £620.10 — another figure altogether.
    #[test]
    fn the_loan_alone_worked_by_hand() {
        let f = Finance {
            equity: 500.0,
            loan: 0.0,
            facility: 1_000.0,
            monthly_rate: 0.01,
            drawdown: Drawdown::Schedule(vec![(1, 1_000.0)]),
            ..loan_only(0.0, Repayment::AtEnd)
        };
        let mut spv = SpvAccount::new(3, 0.0);
        for (m, net) in [(0, 0.0), (1, -1_500.0), (2, 620.10)] {
            spv.start_month(&f, m);
            spv.end_month(&f, m, net, m == 2);
        }
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert_eq!(spv.lent, 1_000.0);
        assert!(near(spv.interest_paid, 20.10), "{}", spv.interest_paid);
        assert!(
            near(spv.principal_repaid, 600.0),
            "{}",
            spv.principal_repaid
        );
        assert!(near(spv.principal, 400.0), "{}", spv.principal);
        assert_eq!(spv.loan_flows[..2], [0.0, -1_000.0]);
        assert!(near(spv.loan_flows[3], 620.10));
        let owed = spv.loan_irr(LoanBasis::Owed).rate().unwrap();
        assert!(near(owed, 0.126_825_030_131_97), "{owed}");
        let lost = spv.loan_irr(LoanBasis::WrittenOff).rate().unwrap();
        assert!(near(lost, -0.943_144_774_276_81), "{lost}");
        // Equity and loan together: another basis.
        assert_eq!(
            (spv.invested, spv.flows[0], spv.flows[1]),
            (1_500.0, -500.0, -1_000.0)
        );
        assert!(near(spv.returned, 620.10));
    }

    /// Two drawings, a repayment between them, and the second never repaid, at 0%: loan flows
    /// −100 at t = 0 (drawn at the start), +10 at t = 2 (swept at the end of month 1), −50 at
    /// t = 3 (drawn at the start of month 3); £140 outstanding at the horizon (t = 5).
    /// - Written off: NPV = −100 + 10x² − 50x³ with x = 1/(1 + m); its largest value for x > 0,
    ///   at x = 2/15, is about −99.94, so no rate zeroes it: undefined.
    /// - Owed: +140 at t = 5 makes the undiscounted net 0 (no interest at 0%), so 0% is a root,
    ///   and the only one (the polynomial 140x⁵ − 50x³ + 10x² − 100 rises through x = 1 and is
    ///   below 0 for x < 1).
    /// - No loan drawn: both undefined.
    /// - £30 drawn only at the horizon (the SPV short in its last month): owed, −30 + 30 at the
    ///   same boundary, no flows, undefined; written off, −30 and nothing back, −100%.
    #[test]
    fn loan_irrs_are_undefined_only_with_no_rate_to_find_or_no_time() {
        let mut f = loan_only(0.0, Repayment::Sweep);
        f.drawdown = Drawdown::Schedule(vec![(0, 100.0), (3, 50.0)]);
        f.facility = 150.0;
        let mut spv = SpvAccount::new(5, 0.0);
        for (m, net) in [(0, -100.0), (1, 10.0), (2, 0.0), (3, -50.0), (4, 0.0)] {
            spv.start_month(&f, m);
            spv.end_month(&f, m, net, m == 4);
        }
        assert_eq!(spv.loan_flows, vec![-100.0, 0.0, 10.0, -50.0, 0.0, 0.0]);
        assert_eq!((spv.principal_repaid, spv.principal), (10.0, 140.0));
        assert_eq!(spv.loan_irr(LoanBasis::WrittenOff), Irr::Undefined);
        let owed = spv.loan_irr(LoanBasis::Owed).rate().unwrap();
        assert!(owed.abs() < 1e-10, "{owed}");

        let none = Finance {
            equity: 100.0,
            loan: 0.0,
            facility: 0.0,
            ..loan_only(0.0, Repayment::Sweep)
        };
        let mut spv = SpvAccount::new(2, 0.0);
        for m in 0..2 {
            spv.start_month(&none, m);
            spv.end_month(&none, m, 50.0, m == 1);
        }
        assert_eq!((spv.lent, spv.returned), (0.0, 200.0));
        assert_eq!(spv.loan_irr(LoanBasis::Owed), Irr::Undefined);
        assert_eq!(spv.loan_irr(LoanBasis::WrittenOff), Irr::Undefined);

        let mut late = loan_only(0.0, Repayment::Sweep);
        late.drawdown = Drawdown::AsNeeded;
        let mut spv = SpvAccount::new(2, 0.0);
        for (m, net) in [(0, 0.0), (1, -30.0)] {
            spv.start_month(&late, m);
            spv.end_month(&late, m, net, m == 1);
        }
        assert_eq!((spv.lent, spv.principal), (30.0, 30.0));
        assert_eq!(spv.loan_irr(LoanBasis::Owed), Irr::Undefined);
        assert_eq!(spv.loan_irr(LoanBasis::WrittenOff), Irr::Unique(-1.0));
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
