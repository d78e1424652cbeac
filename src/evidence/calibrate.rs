//! Calibration: evidence counts → distributions for a scenario's rates, at two levels.
//!
//! - **Pooled**: all providers' counts together, s successes of n, as the Jeffreys posterior
//!   Beta(s + ½, n − s + ½) — the uncertainty about one common rate, which shrinks as counts grow.
//! - **New site**: the rate a *new* site may have, given that the providers differ. With site rates
//!   p̂ᵢ = sᵢ / nᵢ for k sites, their mean m = Σp̂ᵢ / k and sample variance v, the between-site
//!   variance is estimated by moments as τ² = max(0, v − m(1 − m)·mean(1/nᵢ)) (the spread of the
//!   site rates less what binomial noise alone would give), and a new site's rate is Beta with mean m
//!   and variance τ²(1 + 1/k) (its own spread plus the uncertainty of m from k sites), by the method
//!   of moments. Sites weigh equally: the question is about a site, not a participant.
//!
//! Quantities measured per provider without counts — engagements per ES per year (000 Table 4.2),
//! time from engagement to job (000 §3.4) — are calibrated on the log scale: with logs yᵢ of the k
//! providers' values, mean ȳ and sample sd s, the **pooled** level is lognormal around the typical
//! provider (log sd s/√k, the uncertainty of ȳ) and the **new site** level is lognormal with log sd
//! s·√(1 + 1/k) (a provider's own spread plus that uncertainty). A figure reported only as one
//! programme value (the share of jobs of 16 hours or more, 000 §3.5) has no between-site spread to
//! estimate and is left to the scenario's judgement.
//!
//! All come from the BIT evaluation's provider figures, never from the MHEP 1 outturn, which is the
//! back-test.

use crate::distributions::{Dist, DistSpec};
use crate::evidence::Library;

/// A rate calibrated from counts per site.
#[derive(Debug, Clone)]
pub struct RateCalibration {
    pub name: &'static str,
    pub what: &'static str,
    /// (site, successes, trials) as used.
    pub sites: Vec<(String, f64, f64)>,
    pub pooled: DistSpec,
    pub new_site: DistSpec,
}

/// Per site: the key of the successes, and of the trials (`None`: the successes figure's `of`).
type SiteKeys = &'static [(&'static str, Option<&'static str>)];

/// The rates the library can calibrate: name, meaning, and the figure keys per site.
const RATES: &[(&str, &str, SiteKeys)] = &[
    (
        "job_start_rate",
        "engaged clients who start a job",
        &[
            ("bit2020.job_starts_p1", None),
            ("bit2020.job_starts_p2", None),
            ("bit2020.job_starts_p3", None),
            ("bit2020.job_starts_p4", None),
            ("bit2020.job_starts_p5", None),
        ],
    ),
    (
        "sustain_6w_rate",
        "job starts sustained 6 weeks",
        &[
            ("bit2020.six_week_p1", None),
            ("bit2020.six_week_p2", None),
            ("bit2020.six_week_p3", None),
            ("bit2020.six_week_p4", None),
            ("bit2020.six_week_p5", None),
        ],
    ),
    (
        "sustain_26w_given_6w_rate",
        "6-week sustainments reaching 6 months (providers recording it)",
        &[
            ("bit2020.six_month_p1", Some("bit2020.six_week_p1")),
            ("bit2020.six_month_p2", Some("bit2020.six_week_p2")),
            ("bit2020.six_month_p5", Some("bit2020.six_week_p5")),
        ],
    ),
];

/// A quantity calibrated from one value per provider (no counts).
#[derive(Debug, Clone)]
pub struct ValueCalibration {
    pub name: &'static str,
    pub what: &'static str,
    pub unit: &'static str,
    /// (figure key, value in `unit`).
    pub sites: Vec<(String, f64)>,
    pub pooled: DistSpec,
    pub new_site: DistSpec,
}

/// Quantities per provider: name, meaning, unit, and the figure keys per provider (converted from
/// their own unit: weeks to months at 52/12 weeks a month).
type ValueKeys = &'static [&'static str];
const VALUES: &[(&str, &str, &str, ValueKeys)] = &[
    (
        "engagements_per_es_year",
        "engagements per employment specialist per year",
        "engagements per ES per year",
        &[
            "bit2020.per_es_engagements_p1",
            "bit2020.per_es_engagements_p2",
            "bit2020.per_es_engagements_p3",
            "bit2020.per_es_engagements_p4",
            "bit2020.per_es_engagements_p5",
        ],
    ),
    (
        "time_to_job_months",
        "months from engagement to job start (for those who start one)",
        "months",
        &[
            "bit2020.time_to_job_p1",
            "bit2020.time_to_job_p2",
            "bit2020.time_to_job_p3",
            "bit2020.time_to_job_p4",
            "bit2020.time_to_job_p5",
        ],
    ),
];

/// Lognormal with log mean `mu` and log sd `sigma`, as the scenario format's mean and sd.
fn lognormal(mu: f64, sigma: f64) -> DistSpec {
    let mean = (mu + sigma * sigma / 2.0).exp();
    DistSpec::Lognormal {
        mean,
        sd: mean * ((sigma * sigma).exp() - 1.0).sqrt(),
    }
}

/// Calibrate every per-provider quantity the library holds.
pub fn calibrate_values(lib: &Library) -> Vec<ValueCalibration> {
    VALUES
        .iter()
        .filter_map(|&(name, what, unit, keys)| {
            let sites: Vec<(String, f64)> = keys
                .iter()
                .map(|&k| {
                    let f = lib.get(k)?;
                    let factor = match (unit, f.unit.as_str()) {
                        (u, v) if u == v => 1.0,
                        ("months", v) if v.starts_with("week") => 12.0 / 52.0,
                        _ => return None,
                    };
                    (f.value > 0.0).then(|| (k.to_string(), f.value * factor))
                })
                .collect::<Option<_>>()?;
            let k = sites.len() as f64;
            let logs: Vec<f64> = sites.iter().map(|(_, v)| v.ln()).collect();
            let mu = logs.iter().sum::<f64>() / k;
            let s = (logs.iter().map(|y| (y - mu).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
            if !(s > 0.0 && mu.is_finite()) {
                return None;
            }
            Some(ValueCalibration {
                name,
                what,
                unit,
                sites,
                pooled: lognormal(mu, s / k.sqrt()),
                new_site: lognormal(mu, s * (1.0 + 1.0 / k).sqrt()),
            })
        })
        .collect()
}

/// Beta with mean `m` and variance `var` by the method of moments (`None` if impossible).
fn beta_moments(m: f64, var: f64) -> Option<DistSpec> {
    if !(m > 0.0 && m < 1.0 && var > 0.0 && var < m * (1.0 - m)) {
        return None;
    }
    Some(DistSpec::BetaMean {
        mean: m,
        sd: var.sqrt(),
    })
}

/// Calibrate every rate the library holds counts for.
pub fn calibrate(lib: &Library) -> Vec<RateCalibration> {
    RATES
        .iter()
        .filter_map(|&(name, what, keys)| {
            let mut sites = Vec::new();
            for &(s_key, n_key) in keys {
                let s = lib.get(s_key)?;
                let n = match n_key {
                    None => s.of?,
                    Some(k) => lib.get(k)?.value,
                };
                sites.push((s_key.to_string(), s.value, n));
            }
            let (s_all, n_all) = sites
                .iter()
                .fold((0.0, 0.0), |(a, b), &(_, s, n)| (a + s, b + n));
            let pooled = DistSpec::beta_counts(s_all, n_all);
            let k = sites.len() as f64;
            let rates: Vec<f64> = sites.iter().map(|&(_, s, n)| s / n).collect();
            let m = rates.iter().sum::<f64>() / k;
            let v = rates.iter().map(|r| (r - m).powi(2)).sum::<f64>() / (k - 1.0);
            let noise = m * (1.0 - m) * sites.iter().map(|&(_, _, n)| 1.0 / n).sum::<f64>() / k;
            let tau2 = (v - noise).max(0.0);
            // With no spread beyond noise, a new site is as uncertain as the pooled rate.
            let new_site =
                beta_moments(m, tau2 * (1.0 + 1.0 / k)).unwrap_or_else(|| pooled.clone());
            Some(RateCalibration {
                name,
                what,
                sites,
                pooled,
                new_site,
            })
        })
        .collect()
}

/// Mean and a quantile pair of a spec (for printing).
pub fn describe(spec: &DistSpec, low: f64, high: f64) -> Option<(f64, f64, f64)> {
    let d = Dist::new(spec).ok()?;
    Some((d.mean(), d.quantile(low), d.quantile(high)))
}

/// Why a quantity the library should calibrate could not be: a figure missing, without its
/// denominator, in an unexpected unit, or not positive. Empty when all are calibrated.
pub fn problems(lib: &Library) -> Vec<String> {
    let rates: Vec<&str> = calibrate(lib).iter().map(|r| r.name).collect();
    let values: Vec<&str> = calibrate_values(lib).iter().map(|v| v.name).collect();
    let mut out = Vec::new();
    for &(name, _, keys) in RATES {
        if !rates.contains(&name) {
            let bad: Vec<&str> = keys
                .iter()
                .filter(|&&(s, n)| {
                    let s = lib.get(s);
                    s.is_none()
                        || (n.is_none() && s.is_some_and(|f| f.of.is_none()))
                        || n.is_some_and(|k| lib.get(k).is_none())
                })
                .map(|&(s, _)| s)
                .collect();
            out.push(format!(
                "{name}: needs counts with their denominators ({})",
                bad.join(", ")
            ));
        }
    }
    for &(name, _, unit, keys) in VALUES {
        if !values.contains(&name) {
            out.push(format!(
                "{name}: needs {} in {unit} (or weeks), each above 0",
                keys.join(", ")
            ));
        }
    }
    out
}
