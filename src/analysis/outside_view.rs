//! The outside view (reference-class forecasting; 001_91c39e34d7f8be68.txt §5.2.1 on explicit,
//! empirically based adjustments for optimism bias): scale a plan figure by how actual outturns
//! compared with their plans in past projects, with an interval as wide as so few cases warrant.
//!
//! The reference cases are the evidence library's ratios of actual to plan in a class (e.g.
//! `volume`: MHEP 1's three sites, DWP Restart). With log ratios x₁…xₙ, mean x̄ and sample sd s, a
//! new project's log ratio has the Student-t predictive distribution
//! x̄ + s·√(1 + 1/n)·t₍ₙ₋₁₎ (normal model, unknown mean and variance, flat prior; Gelman et al.,
//! *Bayesian Data Analysis*, §3.2), whose tails are heavy when n is small. A plan figure P then
//! has outside-view quantiles P·exp(q). The view disagrees with the inside view (the simulation)
//! when either one's median lies outside the other's low–high interval.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::{summarise, TrialTable};
use crate::evidence::Library;
use crate::scenario::Model;

/// The fitted reference class.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceClass {
    pub class: String,
    /// The cases: key and ratio.
    pub cases: Vec<(String, f64)>,
    pub mean_log: f64,
    pub sd_log: f64,
}

impl ReferenceClass {
    /// Fit class `class` from `library`; `None` with fewer than two cases (no spread to estimate).
    pub fn fit(library: &Library, class: &str) -> Option<ReferenceClass> {
        let cases: Vec<(String, f64)> = library
            .figures
            .iter()
            .filter(|f| f.class.as_deref() == Some(class) && f.value > 0.0)
            .map(|f| (f.key.clone(), f.value))
            .collect();
        let n = cases.len();
        if n < 2 {
            return None;
        }
        let logs: Vec<f64> = cases.iter().map(|(_, r)| r.ln()).collect();
        let mean_log = logs.iter().sum::<f64>() / n as f64;
        let var = logs.iter().map(|x| (x - mean_log).powi(2)).sum::<f64>() / (n - 1) as f64;
        Some(ReferenceClass {
            class: class.to_string(),
            cases,
            mean_log,
            sd_log: var.sqrt(),
        })
    }

    /// The predictive quantile of a new project's actual/plan ratio at probability `p`.
    pub fn ratio_quantile(&self, p: f64) -> f64 {
        let n = self.cases.len() as f64;
        let scale = self.sd_log * (1.0 + 1.0 / n).sqrt();
        if scale == 0.0 {
            return self.mean_log.exp();
        }
        let t = StudentsT::new(0.0, 1.0, n - 1.0).map_or(0.0, |t| t.inverse_cdf(p));
        (self.mean_log + scale * t).exp()
    }
}

/// The result of `sibsim outside-view`; its JSON form (`--json`) is `{"scenario", "class",
/// "cases": [{"key", "ratio"}], "quantiles": [low, 0.5, high], "plan": [OutsideView…]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutsideViewReport {
    /// The scenario's name.
    pub scenario: String,
    /// The reference class used.
    pub class: String,
    /// Its cases: each past project's actual/plan ratio.
    pub cases: Vec<ReferenceCase>,
    /// The levels of the low, median and high quantiles of both views.
    pub quantiles: [f64; 3],
    /// Every plan figure whose metric the simulation has, in the scenario's order.
    pub plan: Vec<OutsideView>,
    /// The predictive actual/plan ratio at the three levels (for the terminal's headline; left
    /// out of the JSON, whose shape is a contract, as it follows from `outside` ÷ `plan`).
    #[serde(skip)]
    pub ratio_quantiles: [f64; 3],
}

/// One past project of a reference class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceCase {
    /// The evidence figure's key.
    pub key: String,
    /// Its actual/plan ratio.
    pub ratio: f64,
}

impl OutsideViewReport {
    /// Both views of every plan figure of `model`: the outside from `rc`, the inside from
    /// `table`'s trials at the scenario's low and high quantiles.
    pub fn new(model: &Model, table: &TrialTable, rc: &ReferenceClass) -> OutsideViewReport {
        let (low, high) = (model.settings.low, model.settings.high);
        let levels = [low, 0.5, high];
        // Only the quantiles are used, so the seed recorded in this summary does not matter.
        let summary = summarise(table, &model.name, model.settings.seed, low, high);
        let plan = model
            .plan
            .iter()
            .filter_map(|p| {
                let m = &summary.metrics.iter().find(|(n, _)| *n == p.metric)?.1;
                Some(compare(
                    rc,
                    &p.metric,
                    p.value,
                    [m.low, m.median, m.high],
                    levels,
                ))
            })
            .collect();
        OutsideViewReport {
            scenario: model.name.clone(),
            class: rc.class.clone(),
            cases: rc
                .cases
                .iter()
                .map(|(key, ratio)| ReferenceCase {
                    key: key.clone(),
                    ratio: *ratio,
                })
                .collect(),
            quantiles: levels,
            plan,
            ratio_quantiles: levels.map(|p| rc.ratio_quantile(p)),
        }
    }
}

/// A plan figure under the outside and the inside view (JSON keys in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutsideView {
    /// The metric, as named in the summary.
    pub metric: String,
    /// The plan figure.
    pub plan: f64,
    /// Plan × the ratio's low, median and high quantiles.
    pub outside: [f64; 3],
    /// The simulation's low, median and high.
    pub inside: [f64; 3],
    /// Either median outside the other's interval.
    pub disagree: bool,
}

/// Both views of one plan figure.
pub fn compare(
    rc: &ReferenceClass,
    metric: &str,
    plan: f64,
    inside: [f64; 3],
    levels: [f64; 3],
) -> OutsideView {
    let outside = levels.map(|p| plan * rc.ratio_quantile(p));
    let outside_of = |x: f64, [lo, _, hi]: [f64; 3]| x < lo || x > hi;
    OutsideView {
        metric: metric.to_string(),
        plan,
        disagree: outside_of(inside[1], outside) || outside_of(outside[1], inside),
        outside,
        inside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Figure;

    fn case(key: &str, value: f64) -> Figure {
        Figure {
            key: key.into(),
            value,
            unit: "ratio actual/plan".into(),
            source: "001_91c39e34d7f8be68.txt".into(),
            of: None,
            note: None,
            class: Some("volume".into()),
        }
    }

    #[test]
    fn predictive_quantiles_by_hand() {
        // Two cases, ratios e^-1 and e^1: mean log 0, sd √2, scale √2·√1.5 = √3; t with 1 df is
        // Cauchy, whose 0.75 quantile is 1: the upper quartile ratio is e^√3.
        let lib = Library {
            figures: vec![case("a", (-1f64).exp()), case("b", 1f64.exp())],
        };
        let rc = ReferenceClass::fit(&lib, "volume").unwrap();
        assert!((rc.ratio_quantile(0.5) - 1.0).abs() < 1e-12);
        assert!((rc.ratio_quantile(0.75) - 3f64.sqrt().exp()).abs() < 1e-9);
        assert!(ReferenceClass::fit(&lib, "other").is_none());
    }

    #[test]
    fn disagreement_when_a_median_falls_outside_the_other_interval() {
        let lib = Library {
            figures: vec![case("a", 0.5), case("b", 0.6), case("c", 0.55)],
        };
        let rc = ReferenceClass::fit(&lib, "volume").unwrap();
        let levels = [0.1, 0.5, 0.9];
        let near = compare(&rc, "engagements", 1000.0, [450.0, 550.0, 650.0], levels);
        assert!(!near.disagree, "{near:?}");
        let far = compare(&rc, "engagements", 1000.0, [900.0, 1000.0, 1100.0], levels);
        assert!(far.disagree, "{far:?}");
    }
}
