//! Plausibility warnings: values that are valid but look like a slip — a percentage typed as a
//! whole number, a monthly salary where an annual one belongs, an annual staff turnover typed as a
//! monthly one, money typed in thousands of pounds. They do not stop a run; `validate` and `run`
//! show them, each located like an error, with what it suspects and what to write instead.
//!
//! Each check looks at the value as written, or at the median of a distribution (so one odd tail
//! does not trip it). The thresholds sit far from any plausible value, so that a warning is worth
//! reading:
//! - `on_cost_rate` above 1: employer on-costs above the salary itself.
//! - `es_salary` / `team_leader_salary` from £1 to below £5,000 a year: under half a full-time year at the
//!   lowest National Living Wage there has been (£7.20 an hour from April 2016 × 37.5 hours × 52
//!   weeks = £14,040; GOV.UK, "National Minimum Wage and National Living Wage rates",
//!   <https://www.gov.uk/national-minimum-wage-rates>, previous rates), and far above 12 × any
//!   plausible monthly salary's share of it — so it reads as a month's pay.
//! - `turnover_per_month` above 0.2: 1 − 0.8¹² = 93% of the staff gone within a year, which reads
//!   as an annual rate typed as a monthly one.
//! - a tariff amount from a penny to below £10, a block amount from a penny to below £1,000: MHEP 1's
//!   smallest tariff is £300 (MHEP's share per engagement) and its smallest block £27,900
//!   (001_91c39e34d7f8be68.txt §3.4.2.1), so amounts this small read as thousands of pounds.

use super::*;
use crate::distributions::Dist;
use crate::report::terminal::group_thousands;
use crate::span::{FieldPath, Target};

/// Employer on-costs as a share of salary above which the rate reads as a percentage.
pub const MAX_PLAUSIBLE_ON_COST_RATE: f64 = 1.0;
/// An annual salary, £, below which it reads as a monthly one (see the module docs).
pub const MIN_PLAUSIBLE_SALARY: f64 = 5_000.0;
/// A monthly staff turnover above which it reads as an annual one.
pub const MAX_PLAUSIBLE_TURNOVER: f64 = 0.2;
/// A tariff's payment per event, £, below which it reads as thousands of pounds.
pub const MIN_PLAUSIBLE_TARIFF: f64 = 10.0;
/// A block payment, £, below which it reads as thousands of pounds.
pub const MIN_PLAUSIBLE_BLOCK: f64 = 1_000.0;

/// `x` to 4 significant figures, for a message.
fn sig4(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// `x` for prose, with thousands separators: `2500` → `"2,500"`, `2025.5` → `"2,025.5"`. (A value
/// the user is told to write stays plain, as TOML reads it: [`fmt_num`].)
fn prose(x: f64) -> String {
    let s = fmt_num(x);
    if !x.is_finite() || x.abs() >= 1e9 {
        return s;
    }
    match s.split_once('.') {
        Some((int, frac)) => format!("{}.{frac}", group_thousands(int)),
        None => group_thousands(&s),
    }
}

/// `unit` applied to `x` (`£2,000`) for a fixed input; `£2,025 (the distribution's median)` for a
/// distribution, whose median `x` is rounded to 4 significant figures. (The caret shows the
/// distribution; its description could hold an infinite bound, which a warning does not need.)
fn value_of(d: &Dist, x: f64, unit: impl Fn(String) -> String) -> String {
    if d.support().0 == d.support().1 {
        unit(prose(x))
    } else {
        format!("{} (the distribution's median)", unit(prose(sig4(x))))
    }
}

impl Validator<'_, '_> {
    fn warn(&mut self, path: &FieldPath, problem: impl Into<String>, valid: impl Into<String>) {
        let w = self.src.error(path, Target::Value, problem, valid);
        self.warnings.push(w);
    }

    /// Warn about every value of a valid `model` (read from `raw`) that looks like a slip.
    pub(super) fn plausibility(&mut self, raw: &RawScenario, model: &Model) {
        for site in &model.sites {
            let sp = FieldPath::root().key("sites").key(&site.id);
            self.site_plausibility(site, &sp);
        }
        for (i, t) in raw.tariffs.iter().enumerate() {
            let tp = FieldPath::root().key("tariffs").index(i);
            let amounts: Vec<(f64, FieldPath)> = match (&t.amount, &t.tiers) {
                (Some(a), _) => vec![(*a, tp.key("amount"))],
                (None, Some(tiers)) => tiers
                    .iter()
                    .enumerate()
                    .map(|(k, tier)| (tier.amount, tp.key("tiers").index(k).key("amount")))
                    .collect(),
                (None, None) => Vec::new(),
            };
            for (a, path) in amounts {
                if (MIN_MONEY..MIN_PLAUSIBLE_TARIFF).contains(&a) {
                    self.warn(
                        &path,
                        format!("£{} per event looks like thousands of pounds", prose(a)),
                        format!(
                            "write amounts in £, e.g. {} for £{}k",
                            fmt_num(a * 1000.0),
                            fmt_num(a)
                        ),
                    );
                }
            }
        }
        for (i, b) in raw.blocks.iter().enumerate() {
            if (MIN_MONEY..MIN_PLAUSIBLE_BLOCK).contains(&b.amount) {
                let path = FieldPath::root().key("blocks").index(i).key("amount");
                self.warn(
                    &path,
                    format!(
                        "a block of £{} looks like thousands of pounds",
                        prose(b.amount)
                    ),
                    format!(
                        "write amounts in £, e.g. {} for £{}k",
                        fmt_num(b.amount * 1000.0),
                        fmt_num(b.amount)
                    ),
                );
            }
        }
    }

    fn site_plausibility(&mut self, site: &Site, sp: &FieldPath) {
        let path = |p: Param| sp.key(p.table()).key(p.field());
        let d = site.input(Param::OnCostRate);
        let x = d.quantile(0.5);
        if x > MAX_PLAUSIBLE_ON_COST_RATE {
            self.warn(
                &path(Param::OnCostRate),
                format!(
                    "on-costs of {} are {}% of salary, which looks like a percentage typed as a whole number",
                    value_of(d, x, |v| v),
                    prose(sig4(x * 100.0))
                ),
                format!(
                    "write a share of salary, e.g. {} for {}%",
                    fmt_num(sig4(x) / 100.0),
                    prose(sig4(x))
                ),
            );
        }
        for p in [Param::EsSalary, Param::TeamLeaderSalary] {
            let d = site.input(p);
            let x = d.quantile(0.5);
            if (1.0..MIN_PLAUSIBLE_SALARY).contains(&x) {
                self.warn(
                    &path(p),
                    format!(
                        "an annual salary of {} is under half a full-time year at the National Living Wage, which looks like a monthly salary",
                        value_of(d, x, |v| format!("£{v}")),
                    ),
                    format!(
                        "write the annual salary, e.g. {} for £{} a month",
                        fmt_num(sig4(x) * 12.0),
                        prose(sig4(x))
                    ),
                );
            }
        }
        let d = site.input(Param::TurnoverPerMonth);
        let x = d.quantile(0.5);
        if x > MAX_PLAUSIBLE_TURNOVER {
            let year = 1.0 - (1.0 - x).powi(12);
            let monthly = 1.0 - (1.0 - x).powf(1.0 / 12.0);
            self.warn(
                &path(Param::TurnoverPerMonth),
                format!(
                    "a monthly turnover of {} means {:.0}% of staff leave within a year, which looks like an annual rate",
                    value_of(d, x, |v| v),
                    year * 100.0
                ),
                format!(
                    "write the monthly rate 1 − (1 − r)^(1/12) of an annual rate r: {} for {}% a year",
                    fmt_num(sig4(monthly)),
                    prose(sig4(x * 100.0))
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use crate::scenario::parse_scenario;

    /// The warnings' headlines for `text`, which must validate.
    fn warnings(text: &str) -> Vec<String> {
        let model = parse_scenario("unit.toml", text).expect("valid");
        headlines(&crate::error::ScenarioErrors(model.warnings))
    }

    #[test]
    fn the_base_scenario_has_no_warnings() {
        assert!(warnings(BASE).is_empty());
    }

    #[test]
    fn values_just_inside_the_thresholds_have_none() {
        let text = edit("on_cost_rate = 0.25", "on_cost_rate = 1")
            .replace("es_salary = 24000", "es_salary = 5000")
            .replace("turnover_per_month = 0", "turnover_per_month = 0.2")
            .replace("amount = 100", "amount = 10");
        assert!(warnings(&text).is_empty());
        // Nothing paid is not a slip: a zero tariff or salary is a choice.
        assert!(warnings(&BASE.replace("amount = 100", "amount = 0")).is_empty());
    }

    #[test]
    fn a_distribution_is_judged_by_its_median() {
        let text = edit(
            "on_cost_rate = 0.25",
            r#"on_cost_rate = { dist = "pert", min = 0.2, mode = 25, max = 30 }"#,
        );
        let w = warnings(&text);
        assert_eq!(w.len(), 1);
        // PERT(0.2, 25, 30): α = 1 + 4 × 24.8 / 29.8, β = 1 + 4 × 5 / 29.8; its median is near
        // the mode, far above 1.
        assert!(
            w[0].starts_with("unit.toml:40:16: sites.only.costs.on_cost_rate: on-costs of 2"),
            "{}",
            w[0]
        );
        assert!(
            w[0].contains(" (the distribution's median) are "),
            "{}",
            w[0]
        );
    }
}
