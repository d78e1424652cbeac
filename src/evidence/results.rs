//! The results of `sibsim evidence` and `sibsim calibrate`, as values an exporter can print or
//! serialise. Their JSON forms (`--json`) are:
//! - evidence: `[{"key", "value", "of", "unit", "source", "note"}…]`, every figure in key order;
//! - calibrate: `{"rates": [{"name", "what", "sites": [{"key", "successes", "trials",
//!   "observed", "window_months", "time_to_job_months", "exposure", "exposure_sd", "eventual":
//!   {"mean", "sd", "p10", "p90", "undefined"}}], "pooled": {"spec", "mean", "p10", "p90"},
//!   "new_site": {…}}], "values": [{"name", "what", "unit", "sites": [{"key", "value"}],
//!   "pooled": {"mean", "p10", "p90"}, "new_site": {…}}]}`, where `spec` is the distribution as a
//!   scenario file would write it. A rate's `pooled` and `new_site` are for its **eventual** value
//!   (the within-window ratio `observed` divided by the `exposure`, the chance that an eventual
//!   success falls inside the provider's window; `src/evidence/calibrate.rs`); a provider's
//!   `eventual.p10` / `p90` are `null` only with the reason in `undefined` (otherwise `null`).

use serde::Serialize;

use crate::distributions::DistSpec;
use crate::evidence::calibrate::{calibrate, calibrate_values, describe};
use crate::evidence::Library;

/// The evidence library as listed: serialised as a bare array of figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Listing {
    /// Every figure, in key order.
    pub figures: Vec<ListedFigure>,
    /// Where the library was read from, as the caller names it (for the terminal's headline).
    #[serde(skip)]
    pub source: String,
}

/// One figure as listed (the reference class is left out: it is the outside view's business).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedFigure {
    /// `<file stem>.<key>`.
    pub key: String,
    /// The figure.
    pub value: f64,
    /// Its denominator, when it is a count out of `of`.
    pub of: Option<f64>,
    /// Its unit.
    pub unit: String,
    /// Report file name and table or section.
    pub source: String,
    /// A remark on how it was read, if any.
    pub note: Option<String>,
}

impl Listing {
    /// Every figure of `library`, read from `source`.
    pub fn new(library: &Library, source: &str) -> Listing {
        Listing {
            figures: library
                .figures
                .iter()
                .map(|f| ListedFigure {
                    key: f.key.clone(),
                    value: f.value,
                    of: f.of,
                    unit: f.unit.clone(),
                    source: f.source.clone(),
                    note: f.note.clone(),
                })
                .collect(),
            source: source.to_owned(),
        }
    }
}

/// Everything the library calibrates: rates from counts, and quantities from one value per
/// provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Rates calibrated from counts per site.
    pub rates: Vec<RateFit>,
    /// Quantities calibrated from one value per provider.
    pub values: Vec<ValueFit>,
    /// Where the library was read from, as the caller names it (for the terminal's headline).
    #[serde(skip)]
    pub source: String,
}

/// A rate calibrated from counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateFit {
    /// The rate's name, e.g. `p_engage`.
    pub name: &'static str,
    /// What it measures.
    pub what: &'static str,
    /// The counts used, per site.
    pub sites: Vec<SiteCount>,
    /// All sites' counts pooled.
    pub pooled: Fitted,
    /// A new site, allowing for the spread between sites.
    pub new_site: Fitted,
}

/// One provider's counts inside its window, and the eventual rate they give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteCount {
    /// The successes figure's key.
    pub key: String,
    /// Successes seen inside the window.
    pub successes: f64,
    /// Trials.
    pub trials: f64,
    /// successes / trials.
    pub observed: f64,
    /// The observation window, months (000 Table 1).
    pub window_months: u32,
    /// Mean months from engagement to job start (000 §3.4).
    pub time_to_job_months: f64,
    /// The probability that an eventual success falls inside the window.
    pub exposure: f64,
    /// The exposure's sd, from the time to job's uncertainty.
    pub exposure_sd: f64,
    /// The eventual rate, observed / exposure, with its uncertainty.
    pub eventual: Eventual,
}

/// A provider's eventual rate: mean, sd and the 10th and 90th percentiles of its Beta.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eventual {
    /// observed / exposure.
    pub mean: f64,
    /// Binomial noise scaled by 1/exposure, plus the exposure's uncertainty.
    pub sd: f64,
    /// 10th percentile (NaN, `null` in the JSON, when `undefined` says why).
    pub p10: f64,
    /// 90th percentile (as `p10`).
    pub p90: f64,
    /// Why there is no interval, if there is none.
    pub undefined: Option<String>,
}

/// A quantity calibrated from one value per provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueFit {
    /// The quantity's name.
    pub name: &'static str,
    /// What it measures.
    pub what: &'static str,
    /// Its unit.
    pub unit: &'static str,
    /// The values used, per provider.
    pub sites: Vec<SiteValue>,
    /// The typical provider.
    pub pooled: Fitted,
    /// A new provider.
    pub new_site: Fitted,
}

/// One provider's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteValue {
    /// The figure's key.
    pub key: String,
    /// Its value, in the quantity's unit.
    pub value: f64,
}

/// A fitted distribution with its mean and 10th and 90th percentiles (NaN, `null` in the JSON,
/// when the spec cannot be sampled).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fitted {
    /// The spec as a scenario file's inline table; only for rates (left out of the JSON of values,
    /// whose shape is a contract; the terminal prints their specs from `dist`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// Mean.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// The distribution itself.
    #[serde(skip)]
    pub dist: DistSpec,
}

impl Fitted {
    fn new(dist: &DistSpec, with_spec: bool) -> Fitted {
        let (mean, p10, p90) = describe(dist, 0.1, 0.9).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        Fitted {
            spec: with_spec.then(|| spec_toml(dist)),
            mean,
            p10,
            p90,
            dist: dist.clone(),
        }
    }
}

/// A Beta spec as the inline TOML a scenario would hold (the Debug form for any other).
fn spec_toml(spec: &DistSpec) -> String {
    match spec {
        DistSpec::BetaCounts {
            successes,
            trials,
            exposure: None,
        } => {
            format!("{{ dist = \"beta_counts\", successes = {successes}, trials = {trials} }}")
        }
        DistSpec::BetaMean { mean, sd } => {
            format!("{{ dist = \"beta_mean\", mean = {mean:.4}, sd = {sd:.4} }}")
        }
        other => format!("{other:?}"),
    }
}

impl Calibration {
    /// Everything `library` (read from `source`) calibrates. Check
    /// [`problems`](crate::evidence::calibrate::problems) first: what cannot be calibrated is
    /// silently left out here.
    pub fn new(library: &Library, source: &str) -> Calibration {
        Calibration {
            rates: calibrate(library)
                .into_iter()
                .map(|r| RateFit {
                    name: r.name,
                    what: r.what,
                    sites: r
                        .sites
                        .into_iter()
                        .map(|x| {
                            let (p10, p90, undefined) = match x.interval() {
                                Ok(d) => match describe(&d, 0.1, 0.9) {
                                    Some((_, lo, hi)) => (lo, hi, None),
                                    None => (
                                        f64::NAN,
                                        f64::NAN,
                                        Some(format!("{d:?} cannot be sampled")),
                                    ),
                                },
                                Err(why) => (f64::NAN, f64::NAN, Some(why)),
                            };
                            SiteCount {
                                observed: x.observed(),
                                eventual: Eventual {
                                    mean: x.eventual,
                                    sd: x.eventual_sd,
                                    p10,
                                    p90,
                                    undefined,
                                },
                                key: x.key,
                                successes: x.successes,
                                trials: x.trials,
                                window_months: x.window_months,
                                time_to_job_months: x.time_to_job_months,
                                exposure: x.exposure,
                                exposure_sd: x.exposure_sd,
                            }
                        })
                        .collect(),
                    pooled: Fitted::new(&r.pooled, true),
                    new_site: Fitted::new(&r.new_site, true),
                })
                .collect(),
            values: calibrate_values(library)
                .into_iter()
                .map(|v| ValueFit {
                    name: v.name,
                    what: v.what,
                    unit: v.unit,
                    sites: v
                        .sites
                        .into_iter()
                        .map(|(key, value)| SiteValue { key, value })
                        .collect(),
                    pooled: Fitted::new(&v.pooled, false),
                    new_site: Fitted::new(&v.new_site, false),
                })
                .collect(),
            source: source.to_owned(),
        }
    }
}
