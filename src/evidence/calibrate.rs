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
//! Both come from the BIT participant counts (000_a181213f7b897744.txt Table 4.1), never from the
//! MHEP 1 outturn, which is the back-test.

use crate::dist::{Dist, DistSpec};
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
            let pooled = DistSpec::BetaCounts {
                successes: s_all,
                trials: n_all,
            };
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
