//! The JSON summary: the machine-readable result of a run, and a public contract.
//!
//! # Shape
//! ```json
//! {
//!   "scenario": "mhep1",
//!   "trials": 10000,
//!   "seed": 42,
//!   "quantiles": [0.1, 0.5, 0.9],
//!   "metrics": {
//!     "engagements": {"mean": 3412.7, "sd": 180.2, "mcse": 1.8,
//!                     "low": 3180.0, "median": 3415.0, "high": 3640.0},
//!     "...": {}
//!   },
//!   "probabilities": {"provider_loss": 0.123, "...": 0.0}
//! }
//! ```
//! - `scenario` (string), `trials` (integer, number of trials), `seed` (integer, master seed).
//! - `quantiles`: the levels `[low, 0.5, high]` that `low`, `median` and `high` refer to.
//! - `metrics`: one object per metric, keys in the order the engine lists them. `mean` is the
//!   sample mean, `sd` the sample standard deviation (n − 1), `mcse` the Monte Carlo standard
//!   error of the mean (`sd / √trials`); `low`, `median`, `high` are type-7 sample quantiles at the
//!   levels in `quantiles`.
//! - `probabilities`: for each flagged event, in engine order, the share of trials in which it
//!   occurred, as a plain number in [0, 1]. (Its MCSE is `√(p(1 − p) / trials)`; the CSV summary
//!   lists it.)
//!
//! Money is in pounds. The figures are finite, or null when undefined in every trial (see analysis::summary) for a run of at least one trial; a
//! non-finite number could not be represented in JSON and would appear as `null`.

use serde_json::{json, Map, Value};

use crate::analysis::Summary;

/// The summary as a JSON value of the documented shape, keys in table order.
pub fn to_json(summary: &Summary) -> Value {
    let metrics: Map<String, Value> = summary
        .metrics
        .iter()
        .map(|(name, m)| {
            let figures = json!({
                "mean": m.mean,
                "sd": m.sd,
                "mcse": m.mcse,
                "low": m.low,
                "median": m.median,
                "high": m.high,
            });
            (name.clone(), figures)
        })
        .collect();
    let probabilities: Map<String, Value> = summary
        .probabilities
        .iter()
        .map(|(name, p)| (name.clone(), json!(p.p)))
        .collect();
    json!({
        "scenario": summary.scenario,
        "trials": summary.trials,
        "seed": summary.seed,
        "quantiles": summary.quantiles,
        "metrics": metrics,
        "probabilities": probabilities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{MetricSummary, Probability};

    fn small_summary() -> Summary {
        let m = |x: f64| MetricSummary {
            mean: x,
            sd: 2.0,
            mcse: 0.5,
            low: x - 1.0,
            median: x,
            high: x + 1.5,
        };
        Summary {
            scenario: "demo".into(),
            trials: 16,
            seed: 42,
            quantiles: [0.1, 0.5, 0.9],
            // Deliberately not alphabetical: the order must survive.
            metrics: vec![("zeta".into(), m(10.0)), ("alpha".into(), m(-3.25))],
            probabilities: vec![
                (
                    "provider_loss".into(),
                    Probability {
                        p: 0.125,
                        mcse: 0.08,
                    },
                ),
                (
                    "plan.engagements.met".into(),
                    Probability { p: 1.0, mcse: 0.0 },
                ),
            ],
        }
    }

    #[test]
    fn shape_keys_order_and_values() {
        let v = to_json(&small_summary());
        let top: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            top,
            [
                "scenario",
                "trials",
                "seed",
                "quantiles",
                "metrics",
                "probabilities"
            ]
        );
        let metric_keys: Vec<&str> = v["metrics"]
            .as_object()
            .expect("metrics object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(metric_keys, ["zeta", "alpha"]);
        let field_keys: Vec<&str> = v["metrics"]["alpha"]
            .as_object()
            .expect("metric object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(field_keys, ["mean", "sd", "mcse", "low", "median", "high"]);

        assert_eq!(
            serde_json::to_string(&v).expect("serialises"),
            concat!(
                r#"{"scenario":"demo","trials":16,"seed":42,"quantiles":[0.1,0.5,0.9],"#,
                r#""metrics":{"zeta":{"mean":10.0,"sd":2.0,"mcse":0.5,"low":9.0,"median":10.0,"high":11.5},"#,
                r#""alpha":{"mean":-3.25,"sd":2.0,"mcse":0.5,"low":-4.25,"median":-3.25,"high":-1.75}},"#,
                r#""probabilities":{"provider_loss":0.125,"plan.engagements.met":1.0}}"#
            )
        );
    }
}
