//! The finance stage, first version: each site's provider pays its costs and its cash moves
//! (MODEL.md, "One trial", step 2, *finance*). Costs per month of delivery: ES in post × annual
//! salary / 12 × (1 + on-cost rate), team leaders likewise, overheads, and a recruitment cost per
//! hire. Cash starts at the opening balance in month 0; the lowest month-end balance is recorded.

use crate::engine::delivery::{MonthEvents, SiteParams};
use crate::scenario::Param;
use crate::Money;

/// One site's provider books within a trial.
#[derive(Debug, Clone)]
pub struct ProviderBooks {
    /// Income received so far, net of pass-throughs, £.
    pub income: Money,
    /// Costs paid so far, £.
    pub cost: Money,
    /// Cash now: the opening cash plus income less costs, £.
    pub cash: Money,
    /// The lowest month-end cash so far, £ (the opening cash at the start).
    pub lowest_cash: Money,
}

impl ProviderBooks {
    /// The books at the start of delivery: nothing received or spent, cash at `opening_cash`.
    pub fn new(params: &SiteParams) -> ProviderBooks {
        let opening = params.get(Param::OpeningCash);
        ProviderBooks {
            income: 0.0,
            cost: 0.0,
            cash: opening,
            lowest_cash: opening,
        }
    }

    /// The provider's cost of a month of delivery.
    pub fn month_cost(params: &SiteParams, ev: &MonthEvents) -> Money {
        let on_cost = 1.0 + params.get(Param::OnCostRate);
        let es = ev.es_in_post as f64 * params.get(Param::EsSalary) / 12.0 * on_cost;
        let tl = params.count(Param::TeamLeaders) as f64 * params.get(Param::TeamLeaderSalary)
            / 12.0
            * on_cost;
        let hires = ev.hires as f64 * params.get(Param::RecruitmentCostPerHire);
        es + tl + params.get(Param::OverheadsPerMonth) + hires
    }

    /// Close a month: `income` received (net of anything the provider paid on), `cost` spent.
    pub fn close_month(&mut self, income: Money, cost: Money) {
        self.income += income;
        self.cost += cost;
        self.cash += income - cost;
        self.lowest_cash = self.lowest_cash.min(self.cash);
    }

    /// Income less costs so far, £.
    pub fn margin(&self) -> Money {
        self.income - self.cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_cost_follows_the_formula() {
        let mut values = vec![0.0; Param::ALL.len()];
        for (p, v) in [
            (Param::EsSalary, 24_000.0),
            (Param::OnCostRate, 0.25),
            (Param::TeamLeaders, 1.0),
            (Param::TeamLeaderSalary, 36_000.0),
            (Param::OverheadsPerMonth, 1_000.0),
            (Param::RecruitmentCostPerHire, 2_500.0),
            (Param::OpeningCash, 10_000.0),
        ] {
            values[p as usize] = v;
        }
        let params = SiteParams {
            values,
            demand: Vec::new(),
        };
        let mut ev = MonthEvents::default();
        (ev.es_in_post, ev.hires) = (3, 1);
        // 3 × 24,000/12 × 1.25 + 36,000/12 × 1.25 + 1,000 + 2,500 = 7,500 + 3,750 + 3,500.
        let cost = ProviderBooks::month_cost(&params, &ev);
        assert_eq!(cost, 14_750.0);

        let mut books = ProviderBooks::new(&params);
        books.close_month(5_000.0, cost);
        books.close_month(20_000.0, cost);
        assert_eq!(books.cash, 10_000.0 + 25_000.0 - 2.0 * cost);
        assert_eq!(books.lowest_cash, 10_000.0 + 5_000.0 - cost);
        assert_eq!(books.margin(), 25_000.0 - 2.0 * cost);
    }
}
