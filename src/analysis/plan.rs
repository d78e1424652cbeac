//! Plan against simulation: where each business-case plan figure sits in the simulated
//! distribution (MODEL.md, "Optimism bias"; 001_91c39e34d7f8be68.txt §5.2.1 on making explicit,
//! empirically based adjustments for optimism bias).
//!
//! For a plan figure `x` of a metric with simulated values v₁…vₙ:
//! - its **percentile** is the share of trials at or below it, #{vᵢ ≤ x} / n (the empirical CDF);
//! - **P(meet)** is the share of trials that reach it, #{vᵢ ≥ x} / n;
//! - the **optimism ratio** is x ÷ the simulated median (above 1: the plan is above the middle
//!   outcome);
//! - the **de-risked target** at confidence c is the value reached in a share c of trials: the
//!   (1 − c) quantile (type 7, as everywhere), so `--confidence 0.8` gives the P20 value.

use crate::analysis::summary::{percentile_of, quantile_sorted, sorted_defined, TrialTable};
use crate::scenario::Model;

/// Default confidence of the de-risked target.
pub const DEFAULT_CONFIDENCE: f64 = 0.8;

/// One plan figure against its simulated distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCheck {
    /// The metric the plan figure is for, e.g. `engagements` or `investor.irr`.
    pub metric: String,
    /// The business case's figure, in the metric's unit.
    pub plan: f64,
    /// The plan's percentile: the share of trials at or below it, 0–1.
    pub percentile: f64,
    /// P(meet): the share of trials that reach the plan, 0–1.
    pub p_meet: f64,
    /// Plan ÷ simulated median (NaN when the median is 0).
    pub optimism_ratio: f64,
    /// The confidence `c` the de-risked target was computed at, 0–1.
    pub confidence: f64,
    /// The value reached in a share `c` of trials: the (1 − c) quantile.
    pub derisked_target: f64,
}

/// The checks of every plan figure of `model` over `table`'s trials.
pub fn plan_checks(model: &Model, table: &TrialTable, confidence: f64) -> Vec<PlanCheck> {
    model
        .plan
        .iter()
        .filter_map(|p| {
            let v = sorted_defined(table, &p.metric)?;
            let n = v.len() as f64;
            let median = quantile_sorted(&v, 0.5);
            let reached = v.len() - v.partition_point(|&x| x < p.value);
            Some(PlanCheck {
                metric: p.metric.clone(),
                plan: p.value,
                percentile: percentile_of(&v, p.value),
                p_meet: reached as f64 / n,
                optimism_ratio: if median != 0.0 {
                    p.value / median
                } else {
                    f64::NAN
                },
                confidence,
                derisked_target: quantile_sorted(&v, 1.0 - confidence),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_scenario, PlanFigure};

    #[test]
    fn percentile_meet_ratio_and_target_by_hand() {
        let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
        let mut model = parse_scenario("analytic.toml", &text).unwrap();
        model.plan = vec![PlanFigure {
            metric: "engagements".into(),
            value: 30.0,
        }];
        let mut table = TrialTable::new(vec!["engagements".into()], vec![]);
        for x in [10.0, 20.0, 30.0, 40.0, 50.0] {
            table.push_row(&[x]);
        }
        let c = &plan_checks(&model, &table, 0.8)[0];
        // 3 of 5 trials at or below 30; 3 of 5 reach it; median 30; P20 (type 7) = 10 + 0.8 × 10.
        assert_eq!(
            (c.percentile, c.p_meet, c.optimism_ratio, c.derisked_target),
            (0.6, 0.6, 1.0, 18.0)
        );
    }
}
