//! The outside view (reference-class forecasting; 001_91c39e34d7f8be68.txt §5.2.1 on explicit,
//! empirically based adjustments for optimism bias): scale a plan figure by how actual outturns
//! compared with their plans in past projects, with an interval as wide as the cases warrant.
//!
//! **Model.** A reference case is one project's y = ln(actual / plan). Projects sit in programmes
//! (an outcomes fund, a DWP scheme, or a stand-alone SIB as its own programme):
//! y_ij = μ + u_j + e_ij, u_j ~ N(0, τ_prog²), e_ij ~ N(0, τ_proj²). Published ratios are
//! taken as exact (their counting noise, ~1/actual on the log scale, is small beside the
//! heterogeneity between projects).
//!
//! **Estimation** (method of moments for the unbalanced one-way random-effects model; Searle,
//! Casella & McCulloch, *Variance Components*, §3.6): with N cases in k programmes of n_j cases,
//! programme means ȳ_j and grand mean ȳ,
//! τ̂_proj² = Σ(y_ij − ȳ_j)² / (N − k) and
//! τ̂_prog² = max(0, [Σ n_j(ȳ_j − ȳ)² − (k − 1)τ̂_proj²] / (N − Σn_j²/N)).
//! μ̂ = Σ w_j ȳ_j / Σ w_j with w_j = 1 / (τ̂_prog² + τ̂_proj²/n_j), se(μ̂)² = 1 / Σ w_j.
//! When every programme has one case (N = k) the two levels are not separately identified: all
//! spread is put in τ_prog² and τ_proj² is reported as 0 with `levels_identified = false` — the
//! predictive interval of a new project in a new programme needs only their sum.
//!
//! **Predictive interval** for a new project in a new programme (Higgins, Thompson &
//! Spiegelhalter 2009, *J. R. Stat. Soc. A* 172, §3.3): μ̂ ± t₍ₖ₋₁₎·√(τ̂_prog² + τ̂_proj² +
//! se(μ̂)²), on the ratio scale exp(·). The degrees of freedom are k − 1, the programmes less the
//! one spent on μ̂: programmes are the independent units a new programme is drawn from, and with
//! one case per programme this is exactly the normal model's predictive x̄ ± t₍ₙ₋₁₎·s·√(1 + 1/n)
//! (unknown mean and variance, flat prior; Gelman et al., *Bayesian Data Analysis*, §3.2).
//! HTS's k − 2 is for a DerSimonian–Laird fit with known within-study variances, which this
//! model does not have. A class needs at least two programmes; the fit says so otherwise.
//!
//! A plan figure P then has outside-view quantiles P·exp(q). The view disagrees with the inside
//! view (the simulation) when either one's median lies outside the other's low–high interval.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::{summarise, TrialTable};
use crate::evidence::{Library, CLASSES};
use crate::scenario::Model;

/// The reference class `sibsim outside-view` uses unless `--class` names another, and the one the
/// run's distribution charts mark the outside view with: `volume`, for every plan figure.
pub const DEFAULT_CLASS: &str = "volume";

/// One past project of a reference class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceCase {
    /// The evidence figure's key.
    pub key: String,
    /// Its actual/plan ratio.
    pub ratio: f64,
    /// The programme it belongs to.
    pub programme: String,
    /// What its plan was: `base`, `best` or `target` (see [`crate::evidence::PLAN_KINDS`]).
    pub plan_kind: String,
}

/// Why a class could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Fewer than two programmes: no spread between programmes to estimate, no t degrees of
    /// freedom for a new programme.
    #[error("class \"{class}\" has {cases} reference case(s) in {programmes} programme(s); a predictive interval for a new programme needs cases from at least two programmes")]
    TooFewProgrammes {
        /// The reference class, e.g. `volume` or `outcomes`.
        class: String,
        /// The number of reference cases in the class.
        cases: usize,
        /// The number of distinct programmes they come from.
        programmes: usize,
    },
    /// A case whose ratio has no logarithm: it would otherwise be dropped without a word. The
    /// evidence loader refuses such a figure in the file; this guards a library built in code.
    #[error("reference case {key} has a ratio actual/plan of {ratio}; expected a finite ratio > 0 (its logarithm is modelled)")]
    RatioNotPositive {
        /// The case's key in the evidence library.
        key: String,
        /// The case's actual ÷ plan ratio as given (zero, negative or not finite).
        ratio: f64,
    },
}

/// The fitted reference class: the two-level random-effects model of ln(actual/plan).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceClass {
    /// The class fitted (`volume`, `outcomes`): which figures of the library it pools.
    pub class: String,
    /// The cases, in key order.
    pub cases: Vec<ReferenceCase>,
    /// The number of programmes k.
    pub programmes: usize,
    /// μ̂, the mean of ln(actual/plan).
    pub mean_log: f64,
    /// se(μ̂).
    pub se_mean: f64,
    /// τ̂_prog², the variance between programmes.
    pub tau2_programme: f64,
    /// τ̂_proj², the variance between projects of one programme (0 when not identified).
    pub tau2_project: f64,
    /// Whether some programme has two or more cases, so that τ_proj² is estimated apart from
    /// τ_prog²; when not, all spread is in τ_prog².
    pub levels_identified: bool,
}

impl ReferenceClass {
    /// Fit class `class` from the reference cases (figures with that class) of `library`.
    ///
    /// # Errors
    /// [`FitError::TooFewProgrammes`] when the cases come from fewer than two programmes,
    /// [`FitError::RatioNotPositive`] for a case whose ratio is not a finite number > 0.
    pub fn fit(library: &Library, class: &str) -> Result<ReferenceClass, FitError> {
        let cases = library
            .figures
            .iter()
            .filter(|f| f.class.as_deref() == Some(class))
            .map(|f| ReferenceCase {
                key: f.key.clone(),
                ratio: f.value,
                programme: f
                    .case
                    .as_ref()
                    .map_or_else(|| f.key.clone(), |c| c.programme.clone()),
                plan_kind: f
                    .case
                    .as_ref()
                    .map_or_else(String::new, |c| c.plan_kind.clone()),
            })
            .collect();
        Self::from_cases(class, cases)
    }

    /// Fit the model to `cases` (see the module documentation for the estimator).
    ///
    /// # Errors
    /// [`FitError::TooFewProgrammes`] when the cases come from fewer than two programmes,
    /// [`FitError::RatioNotPositive`] for a case whose ratio is not a finite number > 0.
    pub fn from_cases(class: &str, cases: Vec<ReferenceCase>) -> Result<ReferenceClass, FitError> {
        if let Some(c) = cases
            .iter()
            .find(|c| !(c.ratio.is_finite() && c.ratio > 0.0))
        {
            return Err(FitError::RatioNotPositive {
                key: c.key.clone(),
                ratio: c.ratio,
            });
        }
        let mut groups: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for c in &cases {
            groups
                .entry(c.programme.as_str())
                .or_default()
                .push(c.ratio.ln());
        }
        let (n, k) = (cases.len(), groups.len());
        if k < 2 {
            return Err(FitError::TooFewProgrammes {
                class: class.to_string(),
                cases: n,
                programmes: k,
            });
        }
        let means: Vec<(f64, f64)> = groups
            .values()
            .map(|ys| (ys.len() as f64, ys.iter().sum::<f64>() / ys.len() as f64))
            .collect();
        let ssw: f64 = groups
            .values()
            .zip(&means)
            .map(|(ys, (_, m))| ys.iter().map(|y| (y - m).powi(2)).sum::<f64>())
            .sum();
        let levels_identified = n > k;
        let tau2_project = if levels_identified {
            ssw / (n - k) as f64
        } else {
            0.0
        };
        let nf = n as f64;
        let grand = means.iter().map(|(nj, m)| nj * m).sum::<f64>() / nf;
        let ssb: f64 = means.iter().map(|(nj, m)| nj * (m - grand).powi(2)).sum();
        let c = nf - means.iter().map(|(nj, _)| nj * nj).sum::<f64>() / nf;
        let tau2_programme = ((ssb - (k - 1) as f64 * tau2_project) / c).max(0.0);
        let weights: Vec<f64> = means
            .iter()
            .map(|(nj, _)| tau2_programme + tau2_project / nj)
            .map(|v| if v > 0.0 { 1.0 / v } else { f64::INFINITY })
            .collect();
        // Zero variance at both levels means every case is equal: the mean is exact.
        let (mean_log, se_mean) = if weights.iter().any(|w| w.is_infinite()) {
            (grand, 0.0)
        } else {
            let sw: f64 = weights.iter().sum();
            let m = weights
                .iter()
                .zip(&means)
                .map(|(w, (_, m))| w * m)
                .sum::<f64>()
                / sw;
            (m, (1.0 / sw).sqrt())
        };
        Ok(ReferenceClass {
            class: class.to_string(),
            cases,
            programmes: k,
            mean_log,
            se_mean,
            tau2_programme,
            tau2_project,
            levels_identified,
        })
    }

    /// The predictive standard deviation of a new project's ln ratio (before the t factor).
    pub fn predictive_sd(&self) -> f64 {
        (self.tau2_programme + self.tau2_project + self.se_mean.powi(2)).sqrt()
    }

    fn t(&self) -> Option<StudentsT> {
        StudentsT::new(0.0, 1.0, (self.programmes - 1) as f64).ok()
    }

    /// The predictive quantile of a new project's actual/plan ratio at probability `p`.
    pub fn ratio_quantile(&self, p: f64) -> f64 {
        let scale = self.predictive_sd();
        if scale == 0.0 {
            return self.mean_log.exp();
        }
        let t = self.t().map_or(0.0, |t| t.inverse_cdf(p));
        (self.mean_log + scale * t).exp()
    }

    /// The predictive probability that a new project's actual falls below its plan: the plan's
    /// own place (a percentile) in the outside view.
    pub fn plan_percentile(&self) -> f64 {
        let scale = self.predictive_sd();
        if scale == 0.0 {
            return if self.mean_log < 0.0 {
                1.0
            } else if self.mean_log > 0.0 {
                0.0
            } else {
                0.5
            };
        }
        self.t().map_or(0.5, |t| t.cdf(-self.mean_log / scale))
    }
}

/// One class of the library in summary: its fit, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassSummary {
    /// The class (`volume`, `outcomes`).
    pub class: String,
    /// The number of reference cases.
    pub cases: usize,
    /// The number of programmes they come from.
    pub programmes: usize,
    /// exp(μ̂): the typical actual/plan ratio; `null` when not fitted (see `unfitted`).
    pub ratio_median: Option<f64>,
    /// se(μ̂) on the log scale; `null` when not fitted.
    pub se_mean: Option<f64>,
    /// τ̂_prog, the standard deviation between programmes on the log scale; `null` when not fitted.
    pub tau_programme: Option<f64>,
    /// τ̂_proj, the standard deviation between projects of one programme on the log scale; `null` when not fitted.
    pub tau_project: Option<f64>,
    /// Whether τ_proj is estimated apart from τ_prog (some programme has two or more cases).
    pub levels_identified: bool,
    /// The predictive actual/plan ratio of a new project at the report's low, median and high
    /// quantiles; `null` when not fitted.
    pub interval: Option<[f64; 3]>,
    /// The plan's place: the predictive probability that actual < plan; `null` when not fitted.
    pub plan_percentile: Option<f64>,
    /// Why the class has no fit, when it has none.
    pub unfitted: Option<String>,
}

impl ClassSummary {
    /// The summary of `class` in `library` at the quantile `levels`.
    pub fn new(library: &Library, class: &str, levels: [f64; 3]) -> ClassSummary {
        match ReferenceClass::fit(library, class) {
            Ok(rc) => ClassSummary::of(&rc, levels),
            Err(e) => {
                let mut programmes: Vec<String> = library
                    .figures
                    .iter()
                    .filter(|f| f.class.as_deref() == Some(class))
                    .map(|f| {
                        f.case
                            .as_ref()
                            .map_or(f.key.clone(), |c| c.programme.clone())
                    })
                    .collect();
                let cases = programmes.len();
                programmes.sort();
                programmes.dedup();
                ClassSummary {
                    class: class.to_string(),
                    cases,
                    programmes: programmes.len(),
                    ratio_median: None,
                    se_mean: None,
                    tau_programme: None,
                    tau_project: None,
                    levels_identified: false,
                    interval: None,
                    plan_percentile: None,
                    unfitted: Some(e.to_string()),
                }
            }
        }
    }

    /// The summary of a fitted class.
    pub fn of(rc: &ReferenceClass, levels: [f64; 3]) -> ClassSummary {
        ClassSummary {
            class: rc.class.clone(),
            cases: rc.cases.len(),
            programmes: rc.programmes,
            ratio_median: Some(rc.mean_log.exp()),
            se_mean: Some(rc.se_mean),
            tau_programme: Some(rc.tau2_programme.sqrt()),
            tau_project: Some(rc.tau2_project.sqrt()),
            levels_identified: rc.levels_identified,
            interval: Some(levels.map(|p| rc.ratio_quantile(p))),
            plan_percentile: Some(rc.plan_percentile()),
            unfitted: None,
        }
    }
}

/// Every class of [`CLASSES`] in `library`, summarised at `levels`.
pub fn summarise_classes(library: &Library, levels: [f64; 3]) -> Vec<ClassSummary> {
    CLASSES
        .iter()
        .map(|c| ClassSummary::new(library, c, levels))
        .collect()
}

/// The result of `sibsim outside-view`; its JSON form (`--json`) is `{"scenario", "class",
/// "cases": [{"key", "ratio", "programme", "plan_kind"}], "quantiles": [low, 0.5, high],
/// "plan": [OutsideView…], "classes": [ClassSummary…]}`.
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
    /// Every class of the library: cases, programmes, fit and predictive interval, or why none.
    pub classes: Vec<ClassSummary>,
    /// The predictive actual/plan ratio at the three levels (for the terminal's headline; left
    /// out of the JSON, whose shape is a contract, as it follows from `outside` ÷ `plan`).
    #[serde(skip)]
    pub ratio_quantiles: [f64; 3],
}

impl OutsideViewReport {
    /// Both views of every plan figure of `model`: the outside from `rc`, the inside from
    /// `table`'s trials at the scenario's low and high quantiles.
    /// `library` gives the summary of every class.
    pub fn new(
        model: &Model,
        table: &TrialTable,
        rc: &ReferenceClass,
        library: &Library,
    ) -> OutsideViewReport {
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
            cases: rc.cases.clone(),
            quantiles: levels,
            plan,
            classes: summarise_classes(library, levels),
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

/// The outside view of plan figure `plan`: plan × the predictive actual/plan ratio of `rc` at
/// each of `levels`.
pub fn outside_quantiles(rc: &ReferenceClass, plan: f64, levels: [f64; 3]) -> [f64; 3] {
    levels.map(|p| plan * rc.ratio_quantile(p))
}

/// Both views of one plan figure.
pub fn compare(
    rc: &ReferenceClass,
    metric: &str,
    plan: f64,
    inside: [f64; 3],
    levels: [f64; 3],
) -> OutsideView {
    let outside = outside_quantiles(rc, plan, levels);
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
            case: None,
        }
    }

    fn rc_case(programme: &str, ratio: f64) -> ReferenceCase {
        ReferenceCase {
            key: format!("{programme}.{ratio}"),
            ratio,
            programme: programme.into(),
            plan_kind: "base".into(),
        }
    }

    /// 3 programmes × 2 projects, log ratios A: 0, 0.2; B: −0.4, −0.2; C: 0.3, 0.5. By hand:
    /// within SS = 6 × 0.1² = 0.06 on N − k = 3 df, τ_proj² = 0.02; programme means 0.1, −0.3,
    /// 0.4, grand mean 1/15; between SS = 2(1/30² + 11/30² ·… ) = 1.48/3; N − Σn²/N = 6 − 12/6 =
    /// 4; τ_prog² = (1.48/3 − 2 × 0.02)/4 = 0.34/3. Balanced, so μ̂ = 1/15 and se² = (0.34/3 +
    /// 0.01)/3.
    #[test]
    fn moments_by_hand_for_three_programmes_of_two() {
        let cases = [
            ("a", 0.0),
            ("a", 0.2),
            ("b", -0.4),
            ("b", -0.2),
            ("c", 0.3),
            ("c", 0.5),
        ]
        .map(|(p, y): (&str, f64)| rc_case(p, y.exp()))
        .to_vec();
        let rc = ReferenceClass::from_cases("volume", cases).unwrap();
        assert_eq!(rc.programmes, 3);
        assert!(rc.levels_identified);
        assert!(
            (rc.tau2_project - 0.02).abs() < 1e-12,
            "{}",
            rc.tau2_project
        );
        assert!(
            (rc.tau2_programme - 0.34 / 3.0).abs() < 1e-12,
            "{}",
            rc.tau2_programme
        );
        assert!((rc.mean_log - 1.0 / 15.0).abs() < 1e-12);
        let se2 = (0.34 / 3.0 + 0.01) / 3.0;
        assert!((rc.se_mean.powi(2) - se2).abs() < 1e-12);
        // t with 2 df: its 0.9 quantile is 1.885618 (tables).
        let sd = (0.34 / 3.0 + 0.02 + se2).sqrt();
        let hi = (1.0 / 15.0 + 1.885_618_083 * sd).exp();
        assert!(
            (rc.ratio_quantile(0.9) - hi).abs() < 1e-6,
            "{}",
            rc.ratio_quantile(0.9)
        );
    }

    /// Six identical cases in three programmes: no heterogeneity, τ̂ = 0 at both levels, so
    /// se(μ̂) = 0 and the interval is the point μ ± t·0. The same count in the same programmes,
    /// dispersed about the same mean, gives a wider interval around the same median.
    #[test]
    fn the_interval_widens_with_heterogeneity() {
        let m = 0.6f64.ln();
        let make = |d: [f64; 6]| {
            let cases = ["a", "a", "b", "b", "c", "c"]
                .iter()
                .zip(d)
                .map(|(p, d)| rc_case(p, (m + d).exp()))
                .collect();
            ReferenceClass::from_cases("volume", cases).unwrap()
        };
        let same = make([0.0; 6]);
        assert_eq!(
            (same.tau2_programme, same.tau2_project, same.se_mean),
            (0.0, 0.0, 0.0)
        );
        for p in [0.1, 0.5, 0.9] {
            assert!((same.ratio_quantile(p) - 0.6).abs() < 1e-12);
        }
        let spread = make([-0.2, 0.2, -0.1, 0.1, -0.3, 0.3]);
        assert!((spread.mean_log - m).abs() < 1e-12);
        assert!(spread.tau2_project > 0.0);
        let (lo, hi) = (spread.ratio_quantile(0.1), spread.ratio_quantile(0.9));
        assert!(lo < 0.6 && hi > 0.6 && hi - lo > 0.1, "{lo}..{hi}");
        assert!((spread.ratio_quantile(0.5) - 0.6).abs() < 1e-12);
    }

    /// One case per programme: the levels are not separately identified, all spread goes to
    /// τ_prog², and the interval is the single-level normal predictive x̄ ± t₍ₙ₋₁₎·s·√(1 + 1/n).
    #[test]
    fn single_case_programmes_reduce_to_the_normal_predictive() {
        let ys: [f64; 4] = [-0.7, -0.4, 0.1, -0.2];
        let cases = ys
            .iter()
            .enumerate()
            .map(|(i, y)| rc_case(&format!("p{i}"), y.exp()))
            .collect();
        let rc = ReferenceClass::from_cases("outcomes", cases).unwrap();
        assert!(!rc.levels_identified);
        assert_eq!(rc.tau2_project, 0.0);
        let mean = ys.iter().sum::<f64>() / 4.0;
        let s2 = ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / 3.0;
        assert!((rc.tau2_programme - s2).abs() < 1e-12);
        let t = StudentsT::new(0.0, 1.0, 3.0).unwrap().inverse_cdf(0.9);
        let hi = (mean + t * (s2 * 1.25).sqrt()).exp();
        assert!((rc.ratio_quantile(0.9) - hi).abs() < 1e-9);
        // The plan (ratio 1) sits above the median here: most new projects fall short.
        assert!(rc.plan_percentile() > 0.5);
    }

    #[test]
    fn one_programme_is_not_enough() {
        let cases = vec![rc_case("a", 0.5), rc_case("a", 0.7)];
        let e = ReferenceClass::from_cases("volume", cases).unwrap_err();
        assert_eq!(
            e.to_string(),
            "class \"volume\" has 2 reference case(s) in 1 programme(s); a predictive interval for a new programme needs cases from at least two programmes"
        );
    }

    /// A ratio with no logarithm stops the fit with its key instead of being dropped (a library
    /// built in code; the loader refuses it in the file).
    #[test]
    fn a_case_without_a_positive_ratio_is_refused_not_dropped() {
        for bad in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            let lib = Library {
                figures: vec![case("a", 0.5), case("b", 0.7), case("c", bad)],
            };
            let e = ReferenceClass::fit(&lib, "volume").unwrap_err();
            assert!(
                matches!(&e, FitError::RatioNotPositive { key, ratio } if key == "c" && ratio.to_bits() == bad.to_bits()),
                "{bad}: {e:?}"
            );
            assert_eq!(e.to_string(), format!("reference case c has a ratio actual/plan of {bad}; expected a finite ratio > 0 (its logarithm is modelled)"));
        }
    }

    #[test]
    fn predictive_quantiles_by_hand() {
        // Two cases (each its own programme: no case info), ratios e^-1 and e^1: mean log 0, sd √2, scale √2·√1.5 = √3; t with 1 df is
        // Cauchy, whose 0.75 quantile is 1: the upper quartile ratio is e^√3.
        let lib = Library {
            figures: vec![case("a", (-1f64).exp()), case("b", 1f64.exp())],
        };
        let rc = ReferenceClass::fit(&lib, "volume").unwrap();
        assert!((rc.ratio_quantile(0.5) - 1.0).abs() < 1e-12);
        assert!((rc.ratio_quantile(0.75) - 3f64.sqrt().exp()).abs() < 1e-9);
        assert!(ReferenceClass::fit(&lib, "other").is_err());
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
