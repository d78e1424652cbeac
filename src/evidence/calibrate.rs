//! Calibration: evidence counts → distributions for a scenario's rates, at two levels, for the
//! **eventual** rate (what the simulator's `p_job_start`, `p_6w`, `p_26w` are), not the ratio seen
//! inside the evaluation's window. Method and figures: `docs/calibration-evidence.md`.
//!
//! **The window.** BIT's counts (000 Table 4.1) are the events seen between each provider's start
//! of delivery and the end of the data (000 Table 1; Mar 2019, Staffordshire's Oct 2018 end): an
//! engagement late in the window may start its job after it, so s/n understates the eventual rate,
//! the more so for a short window or a slow provider. For provider i with a window of Lᵢ months
//! (`bit2020.window_months_pᵢ`) and mean time to job μᵢ months (`bit2020.time_to_job_pᵢ`, 000
//! §3.4), assume (both stated assumptions) engagements spread uniformly over the window's months
//! and a geometric lag from engagement to job (the number of whole months, same month allowed,
//! P(lag = j) = (1 − q)qʲ with q = μ/(1 + μ)) — the simulator's own lag (`engine::delivery`), so
//! that the rates calibrated here give back the observed ratios when it runs over the same window.
//! A client who will start a job has started by month index m (0 = the window's first) with
//!
//! F(m) = ((m + 1) − μ(1 − q^(m+1))) / L   for 0 ≤ m < L (0 for m < 0),
//!
//! so a start is seen with the **exposure** w = F(L − 1) = 1 − (μ/L)(1 − q^L) (the continuous
//! exponential gives 1 − (μ/L)(1 − e^(−L/μ)); the two agree as μ grows). An outcome recorded d
//! months after its start (the simulator records 6 weeks one month after, 26 weeks six) falls in
//! the window with F(L − 1 − d); as a share of its own denominator (starts, or 6-week outcomes
//! recorded d' months after the start) the exposure is the conditional F(L − 1 − d) / F(L − 1 − d').
//!
//! **Per provider.** Observed sᵢ of nᵢ is Binomial(nᵢ, pᵢwᵢ), so the eventual rate is estimated as
//! p̂ᵢ = (sᵢ/nᵢ)/wᵢ with variance r(1 − r)/(nᵢwᵢ²) (r = (sᵢ + ½)/(nᵢ + 1), so that 0 or nᵢ
//! successes still carry noise) plus the exposure's own uncertainty, p̂ᵢ²·Var(wᵢ)/wᵢ². The time to
//! job is a rough figure ("within an average of 10 weeks", "roughly 4 months", "up to 7 months"),
//! so μᵢ is taken as uncertain with log sd [`TIME_TO_JOB_LOG_SD`] (an assumption) and Var(wᵢ) follows
//! by the delta method. Each provider's interval is the Beta with that mean and variance.
//! The exposure errors are treated as independent between providers, though a bias common to all
//! of 000 §3.4's figures would move every exposure the same way.
//!
//! **Pooled**: one common eventual rate p for all providers, by maximum likelihood on
//! Πᵢ (pwᵢ)^sᵢ (1 − pwᵢ)^(nᵢ − sᵢ) (by bisection on its score), with variance 1/I(p̂) (the Fisher
//! information Σ nᵢwᵢ / (p(1 − pwᵢ))) plus the exposures' uncertainty p̂²·Σ(nᵢ·sd(wᵢ))²/(Σnᵢwᵢ)²;
//! Beta by moments. With every wᵢ = 1 it is the binomial s/n with variance p(1 − p)/n.
//!
//! **New site**: the eventual rate a *new* site may have, given that the providers differ. With
//! the k providers' p̂ᵢ, their mean m and sample variance v, and the mean of their variances ν
//! (binomial noise scaled by 1/wᵢ², plus exposure uncertainty), the between-site variance by moments
//! is τ² = max(0, v − ν), and a new site's rate is Beta with mean m and variance τ² + (τ² + ν)/k
//! (its own spread, plus the uncertainty of m from k noisy sites). Sites weigh equally: the question
//! is about a site, not a participant.
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

/// Months after a job start at which the simulator records its 6-week sustainment
/// (`engine::delivery`): 6 weeks is about 1.4 months, counted in whole months.
pub const SIX_WEEK_LAG_MONTHS: u32 = 1;

/// Months after a job start at which the simulator records its 26-week sustainment.
pub const SIX_MONTH_LAG_MONTHS: u32 = 6;

/// Log sd of each provider's mean time to job (assumption): 000 §3.4 gives them in words ("within
/// an average of 10 weeks", "roughly 4 months", "up to 7 months"), so each is taken as uncertain by
/// a factor of about 1.28 at one sd.
pub const TIME_TO_JOB_LOG_SD: f64 = 0.25;

/// P(a client engaged in a month drawn uniformly from a `window`-month window, who will start a
/// job after a geometric lag of mean `mean_lag` months, has started it by month index `m`):
/// ((m + 1) − μ(1 − q^(m+1))) / L with q = μ/(1 + μ), for 0 ≤ m < L; 0 for m < 0.
pub fn started_by(m: i64, window: u32, mean_lag: f64) -> f64 {
    if m < 0 || window == 0 {
        return 0.0;
    }
    let m = m.min(i64::from(window) - 1);
    let q = mean_lag / (1.0 + mean_lag);
    let months = (m + 1) as f64;
    ((months - mean_lag * (1.0 - q.powf(months))) / f64::from(window)).max(0.0)
}

/// The exposure: the probability that an eventual outcome recorded `after` months after its job
/// start falls inside a `window`-month window, given (when `given` is set) that its denominator,
/// recorded `given` months after the start, did. Job starts: `after` 0, `given` `None`.
pub fn exposure(window: u32, mean_lag: f64, after: u32, given: Option<u32>) -> f64 {
    let last = i64::from(window) - 1;
    let seen = started_by(last - i64::from(after), window, mean_lag);
    match given {
        None => seen,
        Some(g) => {
            let base = started_by(last - i64::from(g), window, mean_lag);
            if base > 0.0 {
                seen / base
            } else {
                0.0
            }
        }
    }
}

/// One provider's counts, window and the eventual rate they give.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRate {
    /// The successes figure's key.
    pub key: String,
    /// Successes seen inside the window.
    pub successes: f64,
    /// Their denominator.
    pub trials: f64,
    /// The observation window, months.
    pub window_months: u32,
    /// Mean months from engagement to job start.
    pub time_to_job_months: f64,
    /// The probability that an eventual success falls inside the window.
    pub exposure: f64,
    /// The exposure's sd, from the time to job's uncertainty.
    pub exposure_sd: f64,
    /// The eventual rate: observed ratio / exposure.
    pub eventual: f64,
    /// Its sd: binomial noise scaled by 1/exposure, plus the exposure's uncertainty.
    pub eventual_sd: f64,
}

impl SiteRate {
    /// A provider's eventual rate from `successes` of `trials` seen in a `window_months` window,
    /// for an outcome recorded `after` months after the job start (`given`: its denominator's
    /// lag, for a rate of starts or of 6-week outcomes), with a mean time to job whose log sd is
    /// `lag_log_sd`.
    ///
    /// # Errors
    /// Why it cannot be estimated: counts out of range, or a window that leaves no exposure.
    pub fn new(
        key: &str,
        (successes, trials): (f64, f64),
        (window_months, time_to_job_months): (u32, f64),
        (after, given): (u32, Option<u32>),
        lag_log_sd: f64,
    ) -> Result<SiteRate, String> {
        if !(trials > 0.0 && (0.0..=trials).contains(&successes)) {
            return Err(format!(
                "{key}: {successes} of {trials} is not a count out of trials"
            ));
        }
        if !(time_to_job_months.is_finite() && time_to_job_months >= 0.0) {
            return Err(format!(
                "{key}: time to job {time_to_job_months} months; expected ≥ 0"
            ));
        }
        let w = |mu: f64| exposure(window_months, mu, after, given);
        let exposure = w(time_to_job_months);
        if exposure.is_nan() || exposure <= 0.0 {
            return Err(format!(
                "{key}: a {window_months}-month window leaves no time to see an outcome {after} months after a start"
            ));
        }
        let h: f64 = 1e-4;
        let slope =
            (w(time_to_job_months * h.exp()) - w(time_to_job_months * (-h).exp())) / (2.0 * h);
        let exposure_sd = (slope * lag_log_sd).abs();
        let observed = successes / trials;
        let eventual = observed / exposure;
        let r = (successes + 0.5) / (trials + 1.0);
        let var = r * (1.0 - r) / (trials * exposure * exposure)
            + (eventual * exposure_sd / exposure).powi(2);
        Ok(SiteRate {
            key: key.to_owned(),
            successes,
            trials,
            window_months,
            time_to_job_months,
            exposure,
            exposure_sd,
            eventual,
            eventual_sd: var.sqrt(),
        })
    }

    /// The ratio seen inside the window, s/n.
    pub fn observed(&self) -> f64 {
        self.successes / self.trials
    }

    /// The eventual rate's uncertainty as a Beta by moments.
    ///
    /// # Errors
    /// Why there is none: the estimate, observed / exposure, is not inside (0, 1) with room for
    /// its variance.
    pub fn interval(&self) -> Result<DistSpec, String> {
        beta_moments(self.eventual, self.eventual_sd.powi(2)).ok_or_else(|| {
            format!(
                "observed {:.3} / exposure {:.3} = {:.3} with sd {:.3} is no Beta on (0, 1)",
                self.observed(),
                self.exposure,
                self.eventual,
                self.eventual_sd
            )
        })
    }
}

/// The pooled and new-site distributions of the eventual rate, from two or more providers.
///
/// # Errors
/// Why they cannot be formed (fewer than two providers, no successes, or moments no Beta has).
pub fn fit(sites: &[SiteRate]) -> Result<(DistSpec, DistSpec), String> {
    if sites.len() < 2 {
        return Err(format!("needs two providers or more, has {}", sites.len()));
    }
    let s_all: f64 = sites.iter().map(|x| x.successes).sum();
    let e_all: f64 = sites.iter().map(|x| x.trials * x.exposure).sum();
    if s_all <= 0.0 {
        return Err("no provider saw a success, so there is no rate to scale".into());
    }
    // The score Σ sᵢ/p − (nᵢ − sᵢ)wᵢ/(1 − pwᵢ) falls from +∞ at 0 to −∞ at 1/max wᵢ (or stays
    // positive up to 1 when every trial succeeded and the rate is at its bound).
    let score = |p: f64| -> f64 {
        sites
            .iter()
            .map(|x| {
                x.successes / p - (x.trials - x.successes) * x.exposure / (1.0 - p * x.exposure)
            })
            .sum()
    };
    let top = sites.iter().map(|x| x.exposure).fold(0.0f64, f64::max);
    let (mut lo, mut hi) = (0.0, (1.0 / top).min(1.0));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if score(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let p = 0.5 * (lo + hi);
    let info: f64 = sites
        .iter()
        .map(|x| x.trials * x.exposure / (p * (1.0 - p * x.exposure)))
        .sum();
    let spread: f64 = sites
        .iter()
        .map(|x| (x.trials * x.exposure_sd).powi(2))
        .sum();
    let pooled_var = 1.0 / info + p * p * spread / (e_all * e_all);
    let pooled = beta_moments(p, pooled_var).ok_or_else(|| {
        format!(
            "the pooled eventual rate {p:.3} with sd {:.3} is no Beta on (0, 1)",
            pooled_var.sqrt()
        )
    })?;

    let k = sites.len() as f64;
    let m = sites.iter().map(|x| x.eventual).sum::<f64>() / k;
    let v = sites.iter().map(|x| (x.eventual - m).powi(2)).sum::<f64>() / (k - 1.0);
    let noise = sites.iter().map(|x| x.eventual_sd.powi(2)).sum::<f64>() / k;
    let tau2 = (v - noise).max(0.0);
    let var = tau2 + (tau2 + noise) / k;
    let new_site = beta_moments(m, var).ok_or_else(|| {
        format!(
            "the new-site eventual rate {m:.3} with sd {:.3} is no Beta on (0, 1)",
            var.sqrt()
        )
    })?;
    Ok((pooled, new_site))
}

/// A rate calibrated from counts per provider, for its eventual value.
#[derive(Debug, Clone)]
pub struct RateCalibration {
    /// The calibrated quantity's name, e.g. `job_start_rate` (the figure key `<file>.<name>` it yields).
    pub name: &'static str,
    /// What the rate counts, in words, e.g. "engaged clients who start a job".
    pub what: &'static str,
    /// Each provider's counts, window, exposure and eventual rate.
    pub sites: Vec<SiteRate>,
    /// The pooled eventual rate: one Beta fitted to all providers' counts together (the programme's mean rate).
    pub pooled: DistSpec,
    /// A new site's predictive rate: a Beta with the between-provider spread added (docs/calibration-evidence.md).
    pub new_site: DistSpec,
}

/// One provider of a rate: its id (`p1`: the window and time-to-job keys end with it), the key of
/// the successes, and of the trials (`None`: the successes figure's `of`).
type SiteKeys = &'static [(&'static str, &'static str, Option<&'static str>)];

/// A rate the library can calibrate: name, meaning, the lag of its outcome after the job start and
/// of its denominator (`None`: engagements), and its providers.
struct RateSpec {
    name: &'static str,
    what: &'static str,
    after: u32,
    given: Option<u32>,
    sites: SiteKeys,
}

const RATES: &[RateSpec] = &[
    RateSpec {
        name: "job_start_rate",
        what: "engaged clients who start a job",
        after: 0,
        given: None,
        sites: &[
            ("p1", "bit2020.job_starts_p1", None),
            ("p2", "bit2020.job_starts_p2", None),
            ("p3", "bit2020.job_starts_p3", None),
            ("p4", "bit2020.job_starts_p4", None),
            ("p5", "bit2020.job_starts_p5", None),
        ],
    },
    RateSpec {
        name: "sustain_6w_rate",
        what: "job starts sustained 6 weeks",
        after: SIX_WEEK_LAG_MONTHS,
        given: Some(0),
        sites: &[
            ("p1", "bit2020.six_week_p1", None),
            ("p2", "bit2020.six_week_p2", None),
            ("p3", "bit2020.six_week_p3", None),
            ("p4", "bit2020.six_week_p4", None),
            ("p5", "bit2020.six_week_p5", None),
        ],
    },
    RateSpec {
        name: "sustain_26w_given_6w_rate",
        what: "6-week sustainments reaching 6 months (providers recording it)",
        after: SIX_MONTH_LAG_MONTHS,
        given: Some(SIX_WEEK_LAG_MONTHS),
        sites: &[
            ("p1", "bit2020.six_month_p1", Some("bit2020.six_week_p1")),
            ("p2", "bit2020.six_month_p2", Some("bit2020.six_week_p2")),
            ("p5", "bit2020.six_month_p5", Some("bit2020.six_week_p5")),
        ],
    },
];

/// A provider's mean time to job in months (the library gives P5's in weeks).
fn months(lib: &Library, key: &str) -> Option<f64> {
    let f = lib.get(key)?;
    let factor = match f.unit.as_str() {
        "months" => 1.0,
        u if u.starts_with("week") => 12.0 / 52.0,
        _ => return None,
    };
    (f.value.is_finite() && f.value >= 0.0).then_some(f.value * factor)
}

/// A provider's observation window, whole months ≥ 1.
fn window(lib: &Library, key: &str) -> Option<u32> {
    let f = lib.get(key)?;
    (f.unit == "months" && f.value >= 1.0 && f.value <= 1200.0 && f.value.fract() == 0.0)
        .then_some(f.value as u32)
}

/// Calibrate one rate, or say why it cannot be.
fn calibrate_rate(lib: &Library, spec: &RateSpec) -> Result<RateCalibration, String> {
    let name = spec.name;
    let counts: Vec<Option<(f64, f64)>> = spec
        .sites
        .iter()
        .map(|&(_, s, n)| {
            let s = lib.get(s)?;
            let n = match n {
                None => s.of?,
                Some(k) => lib.get(k)?.value,
            };
            Some((s.value, n))
        })
        .collect();
    let missing: Vec<&str> = spec
        .sites
        .iter()
        .zip(&counts)
        .filter(|(_, c)| c.is_none())
        .map(|(&(_, s, _), _)| s)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{name}: needs counts with their denominators ({})",
            missing.join(", ")
        ));
    }
    let mut bad = Vec::new();
    let mut windows = Vec::new();
    for &(p, _, _) in spec.sites {
        let (wk, tk) = (
            format!("bit2020.window_months_{p}"),
            format!("bit2020.time_to_job_{p}"),
        );
        match (window(lib, &wk), months(lib, &tk)) {
            (Some(l), Some(mu)) => windows.push((l, mu)),
            (l, mu) => {
                if l.is_none() {
                    bad.push(format!("{wk} in whole months ≥ 1"));
                }
                if mu.is_none() {
                    bad.push(format!("{tk} in months or weeks, ≥ 0"));
                }
            }
        }
    }
    if !bad.is_empty() {
        return Err(format!(
            "{name}: needs each provider's observation window and time to job ({})",
            bad.join(", ")
        ));
    }
    let sites = spec
        .sites
        .iter()
        .zip(counts.into_iter().flatten())
        .zip(windows)
        .map(|((&(_, key, _), c), w)| {
            SiteRate::new(key, c, w, (spec.after, spec.given), TIME_TO_JOB_LOG_SD)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{name}: {e}"))?;
    let (pooled, new_site) = fit(&sites).map_err(|e| format!("{name}: {e}"))?;
    Ok(RateCalibration {
        name,
        what: spec.what,
        sites,
        pooled,
        new_site,
    })
}

/// Calibrate every rate the library holds counts and windows for (see [`problems`] for the rest).
pub fn calibrate(lib: &Library) -> Vec<RateCalibration> {
    RATES
        .iter()
        .filter_map(|spec| calibrate_rate(lib, spec).ok())
        .collect()
}

/// A quantity calibrated from one value per provider (no counts).
#[derive(Debug, Clone)]
pub struct ValueCalibration {
    /// The calibrated quantity's name.
    pub name: &'static str,
    /// What it measures, in words.
    pub what: &'static str,
    /// Its unit, e.g. `months`.
    pub unit: &'static str,
    /// (figure key, value in `unit`).
    pub sites: Vec<(String, f64)>,
    /// The pooled value across providers, as a distribution.
    pub pooled: DistSpec,
    /// A new site's predictive value, with the between-provider spread.
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
        "months from engagement to job start (for those who start one; 000 §3.4's figures taken as eventual means, a lower bound if they are window averages: docs/calibration-evidence.md)",
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

/// Calibrate one per-provider quantity, or say why it cannot be.
fn calibrate_value(
    lib: &Library,
    &(name, what, unit, keys): &(&'static str, &'static str, &'static str, ValueKeys),
) -> Result<ValueCalibration, String> {
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
        .collect::<Option<_>>()
        .ok_or_else(|| {
            format!(
                "{name}: needs {} in {unit} (or weeks), each above 0",
                keys.join(", ")
            )
        })?;
    let k = sites.len() as f64;
    let logs: Vec<f64> = sites.iter().map(|(_, v)| v.ln()).collect();
    let mu = logs.iter().sum::<f64>() / k;
    let s = (logs.iter().map(|y| (y - mu).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    if !(s > 0.0 && mu.is_finite()) {
        return Err(format!(
            "{name}: needs providers whose values differ, to estimate the spread between them"
        ));
    }
    let (pooled, new_site) = (
        lognormal(mu, s / k.sqrt()),
        lognormal(mu, s * (1.0 + 1.0 / k).sqrt()),
    );
    // A value far from the others (e.g. 1e-300 among tens) spreads the logs so widely that the
    // lognormal's mean overflows: refused here rather than printed as inf and NaN.
    let finite = |d: &DistSpec| matches!(d, DistSpec::Lognormal { mean, sd } if mean.is_finite() && sd.is_finite());
    if !(finite(&pooled) && finite(&new_site)) {
        let values: Vec<String> = sites.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        return Err(format!(
            "{name}: the providers' values ({}) spread over a log sd of {s:.3}, too wide for a lognormal (its mean overflows)",
            values.join(", ")
        ));
    }
    Ok(ValueCalibration {
        name,
        what,
        unit,
        sites,
        pooled,
        new_site,
    })
}

/// Calibrate every per-provider quantity the library holds (see [`problems`] for the rest).
pub fn calibrate_values(lib: &Library) -> Vec<ValueCalibration> {
    VALUES
        .iter()
        .filter_map(|spec| calibrate_value(lib, spec).ok())
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

/// Mean and a quantile pair of a spec (for printing).
pub fn describe(spec: &DistSpec, low: f64, high: f64) -> Option<(f64, f64, f64)> {
    let d = Dist::new(spec).ok()?;
    Some((d.mean(), d.quantile(low), d.quantile(high)))
}

/// Why a quantity the library should calibrate could not be: a figure missing, without its
/// denominator, in an unexpected unit, or not positive; a window missing or not whole months; an
/// eventual rate no Beta can hold. Empty when all are calibrated.
pub fn problems(lib: &Library) -> Vec<String> {
    RATES
        .iter()
        .filter_map(|spec| calibrate_rate(lib, spec).err())
        .chain(
            VALUES
                .iter()
                .filter_map(|spec| calibrate_value(lib, spec).err()),
        )
        .collect()
}

/// The mean lag from engagement to job start among the starts **seen** in a `window_months`-long
/// window, for an eventual mean time to job `mu` months: what an evaluation that averages its
/// observed times to job reports (000 §3.4, on individual data from short windows: 000 §2.1,
/// Table 1). Meaning for the calibration: `docs/calibration-evidence.md`, "Time to job".
///
/// Under the engine's geometric lag (same month allowed, `P(lag = d) = q^d·p`, `p = 1/(1 + μ)`,
/// `q = 1 − p`) and engagements uniform over the window's months `t = 0..L−1`:
///
/// `m_obs(μ, L) = Σ_t Σ_{d ≤ L−1−t} d·q^d·p / Σ_t Σ_{d ≤ L−1−t} q^d·p
///              = Σ_{d<L} (L − d)·d·q^d / Σ_{d<L} (L − d)·q^d`.
///
/// It rises with μ from 0 to [`observed_time_to_job_ceiling`] as μ → ∞, so an observed average
/// near the ceiling does not identify μ. `NaN` when `window_months` is 0 (no month to see a start
/// in) or `mu` is not a finite number ≥ 0.
pub fn observed_time_to_job(mu: f64, window_months: u32) -> f64 {
    if window_months == 0 || !mu.is_finite() || mu < 0.0 {
        return f64::NAN;
    }
    let q = mu / (1.0 + mu);
    let (mut num, mut den, mut qd) = (0.0, 0.0, 1.0);
    for d in 0..window_months {
        let w = f64::from(window_months - d) * qd;
        num += w * f64::from(d);
        den += w;
        qd *= q;
    }
    num / den
}

/// The limit of [`observed_time_to_job`] as the eventual mean time to job grows without bound:
/// every (engagement month, lag) pair inside the window equally likely, so
/// `(Σn² − Σn)/(2Σn)` over `n = 1..L`, which is `(L − 1)/3` months. `NaN` for a 0-month window.
pub fn observed_time_to_job_ceiling(window_months: u32) -> f64 {
    if window_months == 0 {
        return f64::NAN;
    }
    f64::from(window_months - 1) / 3.0
}

/// The eventual mean time to job whose within-window average ([`observed_time_to_job`]) is
/// `observed` months over a `window_months` window, by bisection on log μ in [1e-9, 1e9].
///
/// `None` when no μ gives it: `observed` at or above the ceiling (the window then cannot tell a
/// long time to job from an endless one), negative, or not finite, or a 0-month window.
pub fn time_to_job_from_observed(observed: f64, window_months: u32) -> Option<f64> {
    let top = observed_time_to_job_ceiling(window_months);
    if !(observed.is_finite() && observed >= 0.0 && observed < top) {
        return None;
    }
    if observed == 0.0 {
        return Some(0.0);
    }
    let (mut lo, mut hi) = (1e-9_f64.ln(), 1e9_f64.ln());
    if observed_time_to_job(hi.exp(), window_months) < observed {
        return None; // within rounding of the ceiling
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if observed_time_to_job(mid.exp(), window_months) < observed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five providers' engagements per ES per year, one of them 1e-300: the logs spread so widely
    /// that the lognormal's mean overflows. Refused with the values, not printed as inf and NaN.
    #[test]
    fn a_value_spread_too_wide_for_a_lognormal_is_a_problem() {
        let figure = |key: &str, value: f64| crate::evidence::Figure {
            key: key.into(),
            value,
            unit: "engagements per ES per year".into(),
            source: "000_a181213f7b897744.txt Table 4.2".into(),
            of: None,
            note: None,
            class: None,
            case: None,
        };
        let values = [1e-300, 54.0, 87.0, 28.0, 42.0];
        let lib = Library {
            figures: (1..=5)
                .map(|i| figure(&format!("bit2020.per_es_engagements_p{i}"), values[i - 1]))
                .collect(),
        };
        assert!(calibrate_values(&lib).is_empty());
        let p = problems(&lib);
        let ours: Vec<&String> = p
            .iter()
            .filter(|p| p.starts_with("engagements_per_es_year"))
            .collect();
        assert_eq!(ours.len(), 1, "{p:?}");
        assert!(
            ours[0].starts_with("engagements_per_es_year: the providers' values (bit2020.per_es_engagements_p1 = 0.000000000")
                && ours[0].ends_with("bit2020.per_es_engagements_p5 = 42) spread over a log sd of 310.660, too wide for a lognormal (its mean overflows)"),
            "{}",
            ours[0]
        );
        // Within range, the same five give finite lognormals.
        let mut fine = lib.clone();
        fine.figures[0].value = 18.0;
        let v = calibrate_values(&fine);
        assert_eq!(v.len(), 1);
        assert!(
            matches!(v[0].new_site, DistSpec::Lognormal { mean, sd } if mean.is_finite() && sd.is_finite())
        );
    }

    /// μ = 1 month (q = ½), a 2-month window: a client engaged in month 0 has started by month 1
    /// with 1 − q² = ¾, one engaged in month 1 by month 1 with 1 − q = ½; the mean is 5/8.
    /// L = 2: the pairs (t = 0, d = 0), (0, 1), (1, 0) with weights p, qp, p, so
    /// m_obs = q/(2 + q); μ = 1 (q = ½) gives 0.2, μ = 3 (q = ¾) gives 3/11.
    #[test]
    fn observed_time_to_job_of_a_two_month_window_by_hand() {
        assert!((observed_time_to_job(1.0, 2) - 0.2).abs() < 1e-12);
        assert!((observed_time_to_job(3.0, 2) - 3.0 / 11.0).abs() < 1e-12);
        assert_eq!(observed_time_to_job(0.0, 2), 0.0);
        // A one-month window sees only same-month starts.
        assert_eq!(observed_time_to_job(5.0, 1), 0.0);
        assert!(observed_time_to_job(1.0, 0).is_nan());
        assert!(observed_time_to_job(-1.0, 8).is_nan());
    }

    /// The ceiling for L = 8 by the sums: Σn² = 204, Σn = 36, (204 − 36)/72 = 2.333; the
    /// function approaches it from below as μ grows, and rises with μ.
    #[test]
    fn observed_time_to_job_rises_to_its_ceiling() {
        let top = observed_time_to_job_ceiling(8);
        assert!((top - (204.0 - 36.0) / 72.0).abs() < 1e-12);
        assert!((observed_time_to_job_ceiling(30) - 29.0 / 3.0).abs() < 1e-12);
        assert!((observed_time_to_job(1e9, 8) - top).abs() < 1e-6);
        let mut last = 0.0;
        for mu in [0.1, 0.5, 1.0, 2.3, 5.0, 10.0, 20.0, 100.0] {
            let m = observed_time_to_job(mu, 8);
            assert!(m > last && m < top && m < mu, "μ {mu}: {m}");
            last = m;
        }
        // Above μ ≈ 20 the 8-month window reports ≈ 2.1–2.3 whatever μ is.
        assert!(top - observed_time_to_job(20.0, 8) < 0.2);
    }

    #[test]
    fn time_to_job_from_observed_inverts_and_refuses_the_ceiling() {
        for (mu, l) in [(0.7, 8), (4.0, 8), (7.0, 30), (16.0, 30), (2.3, 12)] {
            let m = observed_time_to_job(mu, l);
            let back = time_to_job_from_observed(m, l).unwrap();
            assert!((back - mu).abs() < 1e-6 * mu, "μ {mu}, L {l}: {back}");
        }
        // P1/P2's "up to 7 months" over a 30-month window: μ ≈ 16 (between 15 and 17).
        let mu = time_to_job_from_observed(7.0, 30).unwrap();
        assert!(observed_time_to_job(15.0, 30) < 7.0 && observed_time_to_job(17.0, 30) > 7.0);
        assert!((15.0..17.0).contains(&mu), "{mu}");
        assert_eq!(time_to_job_from_observed(2.34, 8), None);
        assert_eq!(time_to_job_from_observed(-0.1, 8), None);
        assert_eq!(time_to_job_from_observed(1.0, 0), None);
    }

    #[test]
    fn exposure_of_a_two_month_window_by_hand() {
        assert!((exposure(2, 1.0, 0, None) - 5.0 / 8.0).abs() < 1e-12);
    }

    /// μ = 1, L = 3, 6-week outcomes a month after the start: P(start ≤ month 1) = (¾ + ½)/3 =
    /// 5/12, P(start ≤ month 2) = (⅞ + ¾ + ½)/3 = 17/24, so the conditional exposure is 10/17.
    #[test]
    fn conditional_exposure_by_hand() {
        assert!((exposure(3, 1.0, 1, Some(0)) - 10.0 / 17.0).abs() < 1e-12);
        // Without time to job, starts are all seen, 6-week outcomes of 2 of the 3 months' starts.
        assert!((exposure(3, 0.0, 0, None) - 1.0).abs() < 1e-12);
        assert!((exposure(3, 0.0, 1, Some(0)) - 2.0 / 3.0).abs() < 1e-12);
        // A window too short for the outcome: nothing is seen.
        assert_eq!(exposure(6, 2.0, 6, Some(1)), 0.0);
    }

    /// The closed form against the sum over engagement months and lags it comes from, and against
    /// the continuous (exponential) exposure 1 − (μ/L)(1 − e^(−L/μ)) when the lag spans many months.
    #[test]
    fn closed_form_matches_the_direct_sum_and_the_exponential() {
        for &(l, mu) in &[
            (39u32, 7.0f64),
            (15, 4.0),
            (31, 10.0 * 12.0 / 52.0),
            (1, 3.0),
        ] {
            let q = mu / (1.0 + mu);
            let mut direct = 0.0;
            for e in 0..l {
                for k in 0..(l - e) {
                    direct += (1.0 - q) * q.powi(k as i32) / f64::from(l);
                }
            }
            assert!(
                (exposure(l, mu, 0, None) - direct).abs() < 1e-12,
                "L {l} μ {mu}"
            );
        }
        let (l, mu) = (60.0f64, 30.0f64);
        let continuous = 1.0 - (mu / l) * (1.0 - (-l / mu).exp());
        assert!((exposure(60, mu, 0, None) - continuous).abs() < 0.005);
    }

    /// Every trial succeeding in a full window: the eventual rate is 1/w, no Beta, and it says so.
    #[test]
    fn an_impossible_eventual_rate_says_why() {
        let s = SiteRate::new("k", (10.0, 10.0), (12, 3.0), (0, None), 0.0).unwrap();
        assert!(s.eventual > 1.0);
        let why = s.interval().unwrap_err();
        assert!(why.contains("is no Beta on (0, 1)"), "{why}");
        assert_eq!(
            SiteRate::new("k", (3.0, 10.0), (3, 1.0), (6, Some(1)), 0.0).unwrap_err(),
            "k: a 3-month window leaves no time to see an outcome 6 months after a start"
        );
    }
}
