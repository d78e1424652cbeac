//! `[finance]`: the SPV and investor, equity and loan, interest, drawdown and repayment (with their
//! schedules) and the SPV's own costs.

use super::*;
use crate::distributions::Dist;
use crate::span::{FieldPath, Target};
use crate::{Money, Month};

impl Validator<'_, '_> {
    pub(super) fn money_field(
        &mut self,
        x: Option<f64>,
        default: f64,
        path: &FieldPath,
    ) -> Option<f64> {
        let v = x.unwrap_or(default);
        if v.is_finite() && (v == 0.0 || (MIN_MONEY..=MAX_MONEY).contains(&v)) {
            Some(v)
        } else {
            self.err(
                path,
                Target::Value,
                if v != 0.0 && v.abs() < MIN_MONEY {
                    format!("£{v:e}")
                } else {
                    format!("£{}", fmt_num(v))
                },
                format!(
                    "expected 0 or an amount in £ from {} (a penny) to {}",
                    fmt_num(MIN_MONEY),
                    fmt_num(MAX_MONEY)
                ),
            );
            None
        }
    }

    /// A `drawdown_schedule` or `repayment_schedule` (`what` is `drawdown` or `repayment`).
    pub(super) fn schedule(
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

    pub(super) fn finance(
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
        let monthly = match f.compounding.as_deref() {
            None | Some("annual") => Some(false),
            Some("monthly") => Some(true),
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
            monthly_rate: Finance::monthly_rate_for(rate, monthly?),
            interest_rate: rate,
            monthly_compounding: monthly?,
            drawdown: drawdown?,
            facility: facility?,
            repayment: repayment?,
            cash_reserve: reserve?,
            costs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    const FINANCE: &str = "[parties.spv]\nrole = \"spv\"\n\n[parties.bank]\nrole = \"investor\"\n\n\
                           [finance]\nspv = \"spv\"\ninvestor = \"bank\"\nequity = 2000\nloan = 5000\n\
                           interest_rate = 0.08\ncompounding = \"monthly\"\nrepayment = \"at_end\"\n";

    #[test]
    fn investor_finance_is_read() {
        let model = accept(&with(FINANCE));
        let f = model.finance.expect("a finance table");
        assert_eq!((f.equity, f.loan, f.facility), (2000.0, 5000.0, 5000.0));
        assert_eq!(f.monthly_rate, 0.08 / 12.0);
        assert!(matches!(f.drawdown, Drawdown::Upfront));
        assert!(matches!(f.repayment, Repayment::AtEnd));
        assert_eq!(f.costs.len(), 3);
    }

    #[test]
    fn finance_problems_are_each_refused() {
        let small = FINANCE.replace("loan = 5000", "loan = 5000\nfacility = 4000");
        assert_eq!(refuse(&with(&small)), ["unit.toml:60:12: finance.facility: facility £4000 is below the loan of £5000; expected a facility at least as large as the loan"]);
        let wrong = FINANCE.replace("investor = \"bank\"", "investor = \"spv\"");
        assert_eq!(refuse(&with(&wrong)), ["unit.toml:57:12: finance.investor: party \"spv\" has role spv; expected a party with role investor"]);
        let schedule = FINANCE.replace("repayment = \"at_end\"", "repayment = \"schedule\"");
        assert_eq!(refuse(&with(&schedule)), ["unit.toml:62:13: finance.repayment: a schedule with no repayment_schedule; expected repayment_schedule = [{ month = \"YYYY-MM\", amount = £ }, …]"]);
    }
}
