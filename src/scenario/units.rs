//! The unit of every figure sibsim writes, and the precision its CSV cells carry.
//!
//! A metric's unit follows from its name (README "Metric names"): counts of events, months,
//! ES-months, money in pounds, shares, annual rates (IRRs), money multiples; a flag's share of
//! trials is a probability. The CSV exporters ([`report::csv`](crate::report::csv), `compare.csv`,
//! `sensitivity.csv`) round each number to what its unit can mean — the JSON outputs keep the
//! exact values:
//!
//! | unit | rounded to | e.g. |
//! |---|---|---|
//! | `count`, `months`, `ES-months` | 0.1 | `1238.3` |
//! | `GBP` | pence, 0.01 | `2505.86` |
//! | `fraction`, `fraction/year`, `multiple`, `number` | 4 significant figures | `2.114`, `-0.4107` |
//! | `probability` | 4 significant figures of the nearer of p and 1 − p | `0.6015`, `0.99996` |
//!
//! A probability is rounded on its distance to 0 or 1 so that rounding never turns "almost
//! never" into "never" (0.99996 stays 0.99996, where 4 significant figures of p would print 1).
//! A number of 10,000 or more is never rounded to fewer than its units (4 significant figures of
//! 123,456.7 print 123457). Spreads and errors (`sd`, `mcse`, `se_paired`, …) are rounded to the
//! finer of their unit's rule and 4 significant figures, so that a small error is never printed
//! as 0. Trailing zeros after the point are dropped (`1238`, not `1238.0`; `0.5`, not `0.5000`):
//! every digit printed is significant, and a cell differs from the exact value by at most half its
//! last printed digit. An undefined value (NaN) is an empty cell; ±∞ print as `inf` and `-inf`.

/// The unit of a figure (see the module docs for how each is rounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of events or people (engagements, job starts, hires).
    Count,
    /// A number of months (months delivered, months in distress).
    Months,
    /// Employment specialists in post, summed over months.
    EsMonths,
    /// Pounds sterling.
    Money,
    /// A share, as a fraction (0.25 = 25%): block share of income, cap utilisation, spend ÷ budget.
    Share,
    /// An annual rate as a fraction (0.08 = 8% a year): IRRs.
    AnnualRate,
    /// A money multiple: returned ÷ invested.
    Multiple,
    /// A probability: the share of trials in which an event happened.
    Probability,
    /// A plain number with no unit of its own (a ratio, a correlation, an index).
    Number,
}

/// Money figures by the last part of their name (`site.haringey.provider.margin` → `margin`).
const MONEY: [&str; 22] = [
    "income",
    "income_block",
    "income_events",
    "cost",
    "costs",
    "margin",
    "lowest_cash",
    "cash",
    "invested",
    "returned",
    "interest",
    "interest_paid",
    "principal_repaid",
    "outstanding",
    "drawn",
    "used",
    "shortfall",
    "unfunded_end",
    "cost_per_job_start",
    "cost_per_sustained_job",
    "net_spend",
    "spend",
];

impl Unit {
    /// The unit's name in the `unit` column of `summary.csv` and `plan.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Months => "months",
            Unit::EsMonths => "ES-months",
            Unit::Money => "GBP",
            Unit::Share => "fraction",
            Unit::AnnualRate => "fraction/year",
            Unit::Multiple => "multiple",
            Unit::Probability => "probability",
            Unit::Number => "number",
        }
    }

    /// The unit of metric (or monthly series) `name`, from its name. `caps.<cap>.used` is taken
    /// as money; a cap on a number of events counts events ([`Unit::of_metric_in`] knows which).
    pub fn of_metric(name: &str) -> Unit {
        // fy<YYYY>.… is the same figure over one financial year.
        let name = match name.split_once('.') {
            Some((head, rest))
                if head.len() == 6
                    && head.starts_with("fy")
                    && head[2..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                rest
            }
            _ => name,
        };
        let last = name.rsplit('.').next().unwrap_or(name);
        if name.starts_with("payments.share.") {
            return Unit::Share;
        }
        if name.starts_with("payments.") {
            return Unit::Money;
        }
        match last {
            "irr" | "mirr" | "irr_owed" | "irr_written_off" => Unit::AnnualRate,
            "block_share" | "utilisation" | "spend_vs_budget" => Unit::Share,
            "multiple" => Unit::Multiple,
            "months_delivered" | "months_in_distress" => Unit::Months,
            "es_in_post_months" => Unit::EsMonths,
            _ if MONEY.contains(&last) => Unit::Money,
            _ => Unit::Count,
        }
    }

    /// [`Unit::of_metric`], knowing the scenario: `caps.<cap>.used` of a cap on a number of
    /// events is a count.
    pub fn of_metric_in(model: &crate::scenario::Model, name: &str) -> Unit {
        let events_cap = model.caps.iter().any(|c| {
            matches!(c.limit, crate::scenario::Limit::Events(_))
                && name
                    .strip_prefix("caps.")
                    .and_then(|r| r.strip_suffix(".used"))
                    == Some(c.name.as_str())
        });
        if events_cap {
            Unit::Count
        } else {
            Unit::of_metric(name)
        }
    }

    /// The unit of a recorded input (`input.<site>.<param>`, `input.spv.<cost>`), for its
    /// rounding in `trials.csv`: costs are money, the delivery probabilities probabilities,
    /// the whole-number fields (posts, caseload, ramp) counts, anything else a number.
    pub fn of_input(name: &str) -> Unit {
        if name.starts_with("input.spv.") {
            return Unit::Money;
        }
        let param = name.rsplit('.').next().unwrap_or(name);
        match param {
            "es_salary"
            | "team_leader_salary"
            | "overheads_per_month"
            | "recruitment_cost_per_hire"
            | "opening_cash" => Unit::Money,
            "p_engage" | "wait_dropout" | "p_job_start" | "share_ge16" | "p_6w" | "p_13w"
            | "p_26w" | "p_evidence" | "turnover_per_month" => Unit::Probability,
            "es_posts" | "team_leaders" | "caseload_per_es" | "ramp_months" => Unit::Count,
            _ => Unit::Number,
        }
    }

    /// `x` as a CSV cell of a figure in this unit (a mean, a quantile, a plan figure).
    pub fn cell(self, x: f64) -> String {
        if !x.is_finite() {
            return non_finite(x);
        }
        let decimals = match self {
            Unit::Count | Unit::Months | Unit::EsMonths => 1,
            Unit::Money => 2,
            Unit::Share | Unit::AnnualRate | Unit::Multiple | Unit::Number => {
                significant_decimals(x, 4)
            }
            Unit::Probability => probability_decimals(x),
        };
        fixed(x, decimals)
    }

    /// `x` as a CSV cell of a spread or an error in this unit (`sd`, `mcse`, a standard error of
    /// a difference): the finer of the unit's rounding and 4 significant figures.
    pub fn error_cell(self, x: f64) -> String {
        if !x.is_finite() {
            return non_finite(x);
        }
        let unit = match self {
            Unit::Count | Unit::Months | Unit::EsMonths => 1,
            Unit::Money => 2,
            Unit::Share | Unit::AnnualRate | Unit::Multiple | Unit::Number | Unit::Probability => 0,
        };
        fixed(x, unit.max(significant_decimals(x, 4)))
    }
}

/// An undefined value is an empty cell; ±∞ are spelled out.
fn non_finite(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

/// Decimals that give `x` `sig` significant figures, never fewer than 0 (a number of 10^sig or
/// more keeps its units).
fn significant_decimals(x: f64, sig: i32) -> usize {
    let a = x.abs();
    if a == 0.0 || !a.is_finite() {
        return 0;
    }
    // The decimal exponent e with 10^e <= a < 10^(e+1), corrected for log10's rounding.
    let mut e = a.log10().floor() as i32;
    if 10f64.powi(e) > a {
        e -= 1;
    } else if 10f64.powi(e + 1) <= a {
        e += 1;
    }
    (sig - 1 - e).clamp(0, 340) as usize
}

/// Decimals for probability `p`: 4 significant figures of the nearer of p and 1 − p.
fn probability_decimals(p: f64) -> usize {
    let near = if (0.0..=1.0).contains(&p) {
        p.min(1.0 - p)
    } else {
        p
    };
    significant_decimals(near, 4).max(significant_decimals(p, 4))
}

/// `x` rounded to `decimals` places (Rust's correctly rounded formatting), trailing zeros after
/// the point dropped, and never `-0`.
fn fixed(x: f64, decimals: usize) -> String {
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        s.remove(0);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_metric_names() {
        assert_eq!(Unit::of_metric("engagements"), Unit::Count);
        assert_eq!(
            Unit::of_metric("site.haringey.job_starts.ge16"),
            Unit::Count
        );
        assert_eq!(
            Unit::of_metric("site.haringey.provider.margin"),
            Unit::Money
        );
        assert_eq!(Unit::of_metric("payments.by_payer.sof"), Unit::Money);
        assert_eq!(Unit::of_metric("payments.by_rule.margin"), Unit::Money);
        assert_eq!(Unit::of_metric("fy2017.payments.by_payer.sof"), Unit::Money);
        assert_eq!(Unit::of_metric("fy2017.site.a.engagements"), Unit::Count);
        assert_eq!(Unit::of_metric("payments.share.sof"), Unit::Share);
        assert_eq!(Unit::of_metric("investor.irr"), Unit::AnnualRate);
        assert_eq!(Unit::of_metric("investor.loan.irr_owed"), Unit::AnnualRate);
        assert_eq!(Unit::of_metric("investor.multiple"), Unit::Multiple);
        assert_eq!(Unit::of_metric("site.a.months_delivered"), Unit::Months);
        assert_eq!(Unit::of_metric("site.a.es_in_post_months"), Unit::EsMonths);
        assert_eq!(Unit::of_metric("site.a.provider.cash"), Unit::Money);
        assert_eq!(Unit::of_metric("caps.sof.utilisation"), Unit::Share);
        assert_eq!(Unit::of_input("input.spv.central_team"), Unit::Money);
        assert_eq!(Unit::of_input("input.a.p_engage"), Unit::Probability);
        assert_eq!(Unit::of_input("input.a.es_posts"), Unit::Count);
        assert_eq!(Unit::of_input("input.a.referrals_per_month"), Unit::Number);
    }

    #[test]
    fn cells_are_rounded_by_unit() {
        assert_eq!(Unit::Money.cell(2505.8645999999994), "2505.86");
        assert_eq!(Unit::Money.cell(-42650.5), "-42650.5");
        assert_eq!(Unit::Money.cell(-0.001), "0");
        assert_eq!(Unit::Count.cell(1238.0), "1238");
        assert_eq!(Unit::Count.cell(1273.4803000000004), "1273.5");
        assert_eq!(Unit::Multiple.cell(2.1140350877192984), "2.114");
        assert_eq!(Unit::AnnualRate.cell(-0.41069), "-0.4107");
        assert_eq!(Unit::AnnualRate.cell(0.000123456), "0.0001235");
        assert_eq!(Unit::Number.cell(123_456.7), "123457");
        assert_eq!(Unit::Number.cell(9.99996), "10");
        assert_eq!(Unit::Number.cell(0.0), "0");
        assert_eq!(Unit::Probability.cell(0.6015), "0.6015");
        assert_eq!(Unit::Probability.cell(0.99996), "0.99996");
        assert_eq!(Unit::Probability.cell(0.0000123456), "0.00001235");
        assert_eq!(Unit::Probability.cell(1.0), "1");
        assert_eq!(Unit::Money.cell(f64::NAN), "");
        assert_eq!(Unit::Money.cell(f64::NEG_INFINITY), "-inf");
        // Errors: never rounded away.
        assert_eq!(Unit::Count.error_cell(2.8002910106211147), "2.8");
        assert_eq!(Unit::Count.error_cell(0.031234), "0.03123");
        assert_eq!(Unit::Money.error_cell(28001.2345), "28001.23");
        assert_eq!(Unit::Probability.error_cell(0.004899), "0.004899");
    }

    #[test]
    fn rounding_moves_no_value_by_more_than_half_its_last_digit() {
        let mut x = 1e-9f64;
        let units = [
            Unit::Count,
            Unit::Money,
            Unit::Multiple,
            Unit::Probability,
            Unit::Number,
        ];
        while x < 1e9 {
            for v in [x, -x, x * 1.2345678, 1.0 - x.min(0.999)] {
                for u in units {
                    for cell in [u.cell(v), u.error_cell(v)] {
                        let back: f64 = cell.parse().expect("a number");
                        let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
                        let half = 0.5 * 10f64.powi(-(decimals as i32));
                        assert!(
                            (back - v).abs() <= half + 4.0 * f64::EPSILON * v.abs(),
                            "{u:?} {v} printed {cell}"
                        );
                    }
                }
            }
            x *= 3.7;
        }
    }
}
