//! The result of `sibsim run`: the summary of every metric and probability, the plan checks and
//! the `max_share` checks, as one value — and its JSON form, `summary.json`, a public contract.
//!
//! # `summary.json`
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
//!   "probabilities": {"provider_loss": 0.123, "...": 0.0},
//!   "plan": {"engagements": {"plan": 3600.0, "percentile": 0.93, "p_meet": 0.07,
//!            "optimism_ratio": 1.05, "confidence": 0.8, "derisked_target": 3250.0}}
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
//! - `plan` (only in a run's report, not in a bare [`Summary`]): one object per plan figure, see
//!   [`PlanCheck`].
//! - `inputs` (only in a run's report): every drawn input of the trial record
//!   (`input.<site>.<param>`, `input.spv.<cost>`), shaped like `metrics`.
//! - `monthly_trials` (only in a run's report): how many trials `monthly.csv`'s figures are over
//!   — all of them, or the first 10,000 of a larger run (its memory bound).
//!
//! Money is in pounds. The figures are finite, or null when undefined in every trial (see
//! [`summary`](crate::analysis::summary)); a non-finite number cannot be represented in JSON and
//! appears as `null`. The `max_share` checks are not repeated in the JSON: their figures are the
//! metrics `payments.share.<party>` and the probabilities `max_share.<party>.exceeded`.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::analysis::contract::{share_checks, ShareCheck};
use crate::analysis::inputs::summarise_inputs;
use crate::analysis::monthly::{summarise_monthly, MonthlySummary};
use crate::analysis::plan::{plan_checks, PlanCheck};
use crate::analysis::{summarise, MetricSummary, Probability, Summary, TrialTable};
use crate::scenario::Model;

/// Everything `sibsim run` reports about one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// Means, spreads and quantiles of every metric; the probability of every flag.
    #[serde(flatten)]
    pub summary: Summary,
    /// Each plan figure against the simulated distribution, keyed by metric in the JSON.
    #[serde(serialize_with = "plan_map")]
    pub plan: Vec<PlanCheck>,
    /// Each drawn input (`input.<site>.<param>`, `input.spv.<cost>`), summarised like a metric:
    /// the `inputs` object of `summary.json`.
    #[serde(serialize_with = "metric_map")]
    pub inputs: Vec<(String, MetricSummary)>,
    /// Each party with a `max_share` against it (see the module docs for why not in the JSON).
    #[serde(skip)]
    pub shares: Vec<ShareCheck>,
    /// The monthly series' fan (`monthly.csv`; not in the JSON).
    #[serde(skip)]
    pub monthly: MonthlySummary,
    /// How many trials `monthly.csv`'s figures are over: all of them, or the first
    /// [`MONTHLY_TRIALS`](crate::engine::record::MONTHLY_TRIALS) when there are more.
    pub monthly_trials: usize,
}

impl RunReport {
    /// The report of a finished run of `model`: `seed` is the master seed the table was run with,
    /// `(low, high)` the quantile levels, `confidence` that of the de-risked plan targets.
    pub fn new(
        model: &Model,
        table: &TrialTable,
        seed: u64,
        (low, high): (f64, f64),
        confidence: f64,
    ) -> RunReport {
        RunReport {
            summary: summarise(table, &model.name, seed, low, high),
            plan: plan_checks(model, table, confidence),
            inputs: summarise_inputs(&table.inputs, low, high),
            shares: share_checks(model, table),
            monthly: summarise_monthly(&table.monthly, low, high),
            monthly_trials: table.monthly.trials,
        }
    }
}

/// `{metric: {plan, percentile, p_meet, optimism_ratio, confidence, derisked_target}}`: the
/// `plan` object of `summary.json`, also what the JSON exporter writes for plan checks alone.
pub(crate) fn plan_map<S: Serializer>(checks: &[PlanCheck], s: S) -> Result<S::Ok, S::Error> {
    /// One check without its metric, which is the key.
    struct Figures<'a>(&'a PlanCheck);
    impl Serialize for Figures<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let c = self.0;
            let mut st = s.serialize_struct("PlanCheck", 6)?;
            st.serialize_field("plan", &c.plan)?;
            st.serialize_field("percentile", &c.percentile)?;
            st.serialize_field("p_meet", &c.p_meet)?;
            st.serialize_field("optimism_ratio", &c.optimism_ratio)?;
            st.serialize_field("confidence", &c.confidence)?;
            st.serialize_field("derisked_target", &c.derisked_target)?;
            st.end()
        }
    }
    let mut map = s.serialize_map(Some(checks.len()))?;
    for c in checks {
        map.serialize_entry(&c.metric, &Figures(c))?;
    }
    map.end()
}

/// `{name: {mean, sd, mcse, low, median, high}}`, in the given order.
struct Metrics<'a>(&'a [(String, MetricSummary)]);
impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, m) in self.0 {
            map.serialize_entry(name, &Figures(m))?;
        }
        map.end()
    }
}

/// One metric's figures.
struct Figures<'a>(&'a MetricSummary);
impl Serialize for Figures<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut st = s.serialize_struct("MetricSummary", 6)?;
        st.serialize_field("mean", &m.mean)?;
        st.serialize_field("sd", &m.sd)?;
        st.serialize_field("mcse", &m.mcse)?;
        st.serialize_field("low", &m.low)?;
        st.serialize_field("median", &m.median)?;
        st.serialize_field("high", &m.high)?;
        st.end()
    }
}

/// The `inputs` object of `summary.json`: metric-shaped figures by name.
fn metric_map<S: Serializer>(figures: &[(String, MetricSummary)], s: S) -> Result<S::Ok, S::Error> {
    Metrics(figures).serialize(s)
}

/// The documented shape above (without `plan`). Written by hand because the metrics and
/// probabilities are ordered pairs in memory and objects in the JSON, and a probability's MCSE is
/// left to the CSV.
impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Probabilities<'a>(&'a [(String, Probability)]);
        impl Serialize for Probabilities<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (name, p) in self.0 {
                    map.serialize_entry(name, &p.p)?;
                }
                map.end()
            }
        }
        let mut st = s.serialize_struct("Summary", 6)?;
        st.serialize_field("scenario", &self.scenario)?;
        st.serialize_field("trials", &self.trials)?;
        st.serialize_field("seed", &self.seed)?;
        st.serialize_field("quantiles", &self.quantiles)?;
        st.serialize_field("metrics", &Metrics(&self.metrics))?;
        st.serialize_field("probabilities", &Probabilities(&self.probabilities))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn summary_shape_keys_order_and_values() {
        assert_eq!(
            serde_json::to_string(&small_summary()).expect("serialises"),
            concat!(
                r#"{"scenario":"demo","trials":16,"seed":42,"quantiles":[0.1,0.5,0.9],"#,
                r#""metrics":{"zeta":{"mean":10.0,"sd":2.0,"mcse":0.5,"low":9.0,"median":10.0,"high":11.5},"#,
                r#""alpha":{"mean":-3.25,"sd":2.0,"mcse":0.5,"low":-4.25,"median":-3.25,"high":-1.75}},"#,
                r#""probabilities":{"provider_loss":0.125,"plan.engagements.met":1.0}}"#
            )
        );
    }

    #[test]
    fn run_report_has_the_plan_then_inputs_last_and_no_shares() {
        let report = RunReport {
            summary: Summary {
                metrics: vec![],
                probabilities: vec![],
                ..small_summary()
            },
            plan: vec![PlanCheck {
                metric: "engagements".into(),
                plan: 30.0,
                percentile: 0.6,
                p_meet: 0.6,
                optimism_ratio: f64::NAN,
                confidence: 0.8,
                derisked_target: 18.0,
            }],
            shares: vec![ShareCheck {
                party: "tuf".into(),
                max_share: 0.5,
                mean_share: 0.4,
                p_exceeded: 0.1,
            }],
            inputs: vec![],
            monthly: MonthlySummary::default(),
            monthly_trials: 0,
        };
        assert_eq!(
            serde_json::to_string(&report).expect("serialises"),
            concat!(
                r#"{"scenario":"demo","trials":16,"seed":42,"quantiles":[0.1,0.5,0.9],"#,
                r#""metrics":{},"probabilities":{},"plan":{"engagements":{"plan":30.0,"#,
                r#""percentile":0.6,"p_meet":0.6,"optimism_ratio":null,"confidence":0.8,"#,
                r#""derisked_target":18.0}},"inputs":{},"monthly_trials":0}"#
            )
        );
    }
}
