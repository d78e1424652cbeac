//! Back-test: where recorded outturns fall in the simulated distributions, beside the plan's place.
//!
//! For each actual `a` of a metric with simulated values v₁…vₙ: its **percentile** #{vᵢ ≤ a} / n, the
//! simulated median, and, when the scenario has a plan figure for the same metric, the plan's
//! percentile likewise. An actual near the middle says the model saw it coming; a plan far in the
//! upper tail with the actual in the body is optimism bias made visible.
//!
//! An actual can name a sum of metrics (`fy2017.x + fy2018.x`, a report's two financial years):
//! its simulated values are the sums trial by trial, a trial where any term is undefined left out.
//! Where the report's scope is ambiguous the actual carries other readings (`low`, `high`, with an
//! assumption saying what each covers), and each is placed in the distribution the same way.

use serde::Serialize;

use crate::analysis::summary::{percentile_of, quantile_sorted, sorted_defined, TrialTable};
use crate::scenario::Model;

/// The result of `sibsim backtest`; its JSON form (`--json`) is
/// `{"scenario", "trials", "seed", "actuals": [BacktestRow…]}`; a row's `label` and `note` are
/// `null` or the actual's text, and its `readings` is `null` or
/// `{"low", "low_percentile", "high", "high_percentile", "assumption"}` (a side not given is `null`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The scenario's name.
    pub scenario: String,
    /// Trials simulated.
    pub trials: usize,
    /// The master seed they were run with.
    pub seed: u64,
    /// Every actual whose metric the simulation has, in the order of their keys (`[actuals]` is read as a sorted table).
    pub actuals: Vec<BacktestRow>,
}

impl Backtest {
    /// The back-test of `model`'s actuals against `table`, run with master seed `seed`.
    pub fn new(model: &Model, table: &TrialTable, seed: u64) -> Backtest {
        Backtest {
            scenario: model.name.clone(),
            trials: table.trials,
            seed,
            actuals: backtest(model, table),
        }
    }
}

/// One recorded outturn against the simulation (JSON keys in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    /// The metric, as named in the summary (the actual's key).
    pub metric: String,
    /// The actual's short name for tables, if it has one (`null` in the JSON).
    pub label: Option<String>,
    /// The recorded outturn.
    pub actual: f64,
    /// Share of trials at or below the actual, in [0, 1].
    pub percentile: f64,
    /// The simulated median.
    pub median: f64,
    /// The scenario's plan figure for the metric, if any (`null` in the JSON).
    pub plan: Option<f64>,
    /// Share of trials at or below the plan figure.
    pub plan_percentile: Option<f64>,
    /// Where the actual is recorded (report and table).
    pub source: String,
    /// The actual's scope and caveats, if given (`null` in the JSON).
    pub note: Option<String>,
    /// The actual's other readings, if its report's scope is ambiguous (`null` in the JSON).
    pub readings: Option<ReadingsRow>,
}

/// An ambiguous actual's other readings against the simulation (JSON keys in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingsRow {
    /// The low reading, if given.
    pub low: Option<f64>,
    /// Share of trials at or below it.
    pub low_percentile: Option<f64>,
    /// The high reading, if given.
    pub high: Option<f64>,
    /// Share of trials at or below it.
    pub high_percentile: Option<f64>,
    /// What each reading takes the report to cover.
    pub assumption: String,
}

/// The values of `metric` (one name, or names joined by `" + "`, summed trial by trial) over the
/// trials where every term is defined, sorted; `None` if a term is missing or none is defined.
fn sorted_sum(table: &TrialTable, metric: &str) -> Option<Vec<f64>> {
    let terms: Vec<&str> = metric.split('+').map(str::trim).collect();
    if let [one] = terms[..] {
        return sorted_defined(table, one);
    }
    let mut sum = vec![0.0; table.trials];
    for t in terms {
        let col = table.metric_column(table.metric_index(t)?);
        for (s, x) in sum.iter_mut().zip(col) {
            *s += x;
        }
    }
    sum.retain(|x| !x.is_nan());
    sum.sort_by(f64::total_cmp);
    (!sum.is_empty()).then_some(sum)
}

/// Every actual of `model` against `table`'s trials.
pub fn backtest(model: &Model, table: &TrialTable) -> Vec<BacktestRow> {
    model
        .actuals
        .iter()
        .filter_map(|a| {
            let v = sorted_sum(table, &a.metric)?;
            let plan = model
                .plan
                .iter()
                .find(|p| p.metric == a.metric)
                .map(|p| p.value);
            Some(BacktestRow {
                metric: a.metric.clone(),
                label: a.label.clone(),
                actual: a.value,
                source: a.source.clone(),
                note: a.note.clone(),
                percentile: percentile_of(&v, a.value),
                median: quantile_sorted(&v, 0.5),
                plan,
                plan_percentile: plan.map(|p| percentile_of(&v, p)),
                readings: a.readings.as_ref().map(|r| ReadingsRow {
                    low: r.low,
                    low_percentile: r.low.map(|x| percentile_of(&v, x)),
                    high: r.high,
                    high_percentile: r.high.map(|x| percentile_of(&v, x)),
                    assumption: r.assumption.clone(),
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_scenario, Actual, PlanFigure, Readings};

    #[test]
    fn actual_and_plan_percentiles_by_hand() {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let mut model = parse_scenario("analytic.toml", &text).unwrap();
        model.plan = vec![PlanFigure {
            metric: "engagements".into(),
            value: 45.0,
        }];
        model.actuals = vec![Actual {
            metric: "engagements".into(),
            label: None,
            value: 20.0,
            source: "000_a181213f7b897744.txt Table 4.1".into(),
            note: None,
            readings: None,
        }];
        let mut table = TrialTable::new(vec!["engagements".into()], vec![]);
        for x in [10.0, 20.0, 30.0, 40.0] {
            table.push_row(&[x]);
        }
        let r = &backtest(&model, &table)[0];
        // 2 of 4 trials at or below 20; all 4 at or below 45; median 25.
        assert_eq!(
            (r.percentile, r.median, r.plan, r.plan_percentile),
            (0.5, 25.0, Some(45.0), Some(1.0))
        );
    }

    #[test]
    fn sums_and_readings_placed_by_hand() {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let mut model = parse_scenario("analytic.toml", &text).unwrap();
        model.actuals = vec![Actual {
            metric: "a + b".into(),
            label: Some("a and b".into()),
            value: 25.0,
            source: "000_a181213f7b897744.txt Table 5".into(),
            note: Some("scope: both".into()),
            readings: Some(Readings {
                low: Some(11.0),
                high: Some(42.0),
                assumption: "value: one site; low: less; high: more".into(),
            }),
        }];
        let mut table = TrialTable::new(vec!["a".into(), "b".into()], vec![]);
        // Sums 11, 22, 33, 44 and one trial where b is undefined (left out).
        for (a, b) in [
            (10.0, 1.0),
            (20.0, 2.0),
            (30.0, 3.0),
            (40.0, 4.0),
            (1.0, f64::NAN),
        ] {
            table.push_row(&[a, b]);
        }
        let r = &backtest(&model, &table)[0];
        // Of the sums 11, 22, 33, 44: 2 ≤ 25, 1 ≤ 11, 3 ≤ 42; median (22 + 33) / 2.
        assert_eq!((r.percentile, r.median), (0.5, 27.5));
        assert_eq!(
            (r.label.as_deref(), r.note.as_deref()),
            (Some("a and b"), Some("scope: both"))
        );
        let g = r.readings.as_ref().expect("readings");
        assert_eq!(
            (g.low, g.low_percentile, g.high, g.high_percentile),
            (Some(11.0), Some(0.25), Some(42.0), Some(0.75))
        );
    }
}
