//! Back-test: where recorded outturns fall in the simulated distributions, beside the plan's place.
//!
//! For each actual `a` of a metric with simulated values v₁…vₙ: its **percentile** #{vᵢ ≤ a} / n, the
//! simulated median, and, when the scenario has a plan figure for the same metric, the plan's
//! percentile likewise. An actual near the middle says the model saw it coming; a plan far in the
//! upper tail with the actual in the body is optimism bias made visible.

use serde::Serialize;

use crate::analysis::summary::{percentile_of, quantile_sorted, sorted_defined, TrialTable};
use crate::scenario::Model;

/// The result of `sibsim backtest`; its JSON form (`--json`) is
/// `{"scenario", "trials", "seed", "actuals": [BacktestRow…]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The scenario's name.
    pub scenario: String,
    /// Trials simulated.
    pub trials: usize,
    /// The master seed they were run with.
    pub seed: u64,
    /// Every actual whose metric the simulation has, in the scenario's order.
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
    /// The metric, as named in the summary.
    pub metric: String,
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
}

/// Every actual of `model` against `table`'s trials.
pub fn backtest(model: &Model, table: &TrialTable) -> Vec<BacktestRow> {
    model
        .actuals
        .iter()
        .filter_map(|a| {
            let v = sorted_defined(table, &a.metric)?;
            let plan = model
                .plan
                .iter()
                .find(|p| p.metric == a.metric)
                .map(|p| p.value);
            Some(BacktestRow {
                metric: a.metric.clone(),
                actual: a.value,
                source: a.source.clone(),
                percentile: percentile_of(&v, a.value),
                median: quantile_sorted(&v, 0.5),
                plan,
                plan_percentile: plan.map(|p| percentile_of(&v, p)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_scenario, Actual, PlanFigure};

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
            value: 20.0,
            source: "000_a181213f7b897744.txt Table 4.1".into(),
            note: None,
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
}
