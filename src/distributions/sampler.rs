//! [`Dist`]: a validated distribution, sampled by inversion of its CDF.

use std::sync::Arc;

use rand::distr::{Distribution, Open01};
use statrs::distribution::{Beta, ContinuousCDF, Gamma, LogNormal, Normal, Triangular, Uniform};

use super::beta::{BetaFn, BetaQuantile};
use super::error::DistError;
use super::gamma::GammaFn;
use super::spec::{DistSpec, Input, DEFAULT_PERT_LAMBDA};
use super::table::Tabulated;

/// Truncations of a normal keeping less probability than this are refused: the kept interval is
/// so far in a tail that the inversion has no precision left, and it is almost surely a typo.
const MIN_TRUNCATED_MASS: f64 = 1e-9;

/// A validated distribution, ready to sample.
///
/// Built from a [`DistSpec`] (or an [`Input`]) by [`Dist::new`], which refuses invalid parameters;
/// everything that does not depend on the uniform drawn (statrs objects, PERT shapes, cumulative
/// weights) is computed there once.
#[derive(Debug, Clone)]
pub struct Dist {
    kind: Kind,
    /// What to show in [`Dist::describe`]: the spec as the user wrote it, `None` for a plain number.
    spec: Option<DistSpec>,
    mean: f64,
    support: (f64, f64),
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed(f64),
    Uniform(Uniform),
    Triangular(Triangular),
    /// `min + range·X`, `X ~ Beta(α, β)`; `max` because `min + range` can round past it.
    Pert {
        min: f64,
        range: f64,
        max: f64,
        beta: BetaQuantile,
    },
    Normal(Normal),
    TruncatedNormal(TruncatedNormal),
    LogNormal(LogNormal),
    /// `scale·X`, `X` the standard gamma of the shape.
    Gamma {
        scale: f64,
        standard: Arc<Tabulated<GammaFn>>,
    },
    Beta(BetaQuantile),
    /// `min(X / exposure, 1)`, `X ~ Beta(α, β)`: a rate observed within a window that let in only
    /// the share `exposure` of eventual successes (`beta_counts` with `exposure`).
    ScaledBeta {
        inv_exposure: f64,
        beta: BetaQuantile,
    },
    /// Values ascending (zero-weight values dropped) and their cumulative weights.
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// Normal(μ, σ) truncated to `[a, b]` (either may be infinite), sampled by inversion:
/// `x = μ + σ·Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α)))` with `α = (a − μ)/σ`, `β = (b − μ)/σ`.
///
/// When the interval lies in the upper tail (`α > 0`), Φ(α) and Φ(β) are both close to 1 and their
/// difference loses digits, so the mirror image is used there: with survival function `Q = 1 − Φ`,
/// `z = −Φ⁻¹(Q(α) − u·(Q(α) − Q(β)))`. Both are increasing in u, from α to β.
#[derive(Debug, Clone)]
struct TruncatedNormal {
    mean: f64,
    sd: f64,
    min: f64,
    max: f64,
    /// Φ(α) and Φ(β), or Q(α) and Q(β) when `upper`.
    p_lo: f64,
    p_hi: f64,
    upper: bool,
    /// Kept probability Φ(β) − Φ(α).
    mass: f64,
}

fn finite(param: &'static str, x: f64) -> Result<f64, DistError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(DistError::new(
            param,
            format!("{param} {x} is not a finite number"),
            "expected a finite number",
        ))
    }
}

fn positive(param: &'static str, x: f64, valid: &str) -> Result<f64, DistError> {
    finite(param, x)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(DistError::new(
            param,
            format!("{param} {x} is not positive"),
            valid,
        ))
    }
}

/// Smallest shape or scale parameter accepted: the smallest normal double, 2⁻¹⁰²² ≈ 2.2e-308.
/// A positive subnormal is refused: its reciprocal overflows (statrs parameterises the gamma by
/// rate = 1/scale), and below it the quantile routines work on numbers with fewer than 52 bits.
pub const MIN_PARAMETER: f64 = f64::MIN_POSITIVE;

/// [`positive`], and at least [`MIN_PARAMETER`]: for the shape and scale parameters (`shape`,
/// `scale`, `alpha`, `beta`, `sd`, `lambda`) that the samplers divide by or raise to powers.
fn normal_positive(param: &'static str, x: f64, valid: &str) -> Result<f64, DistError> {
    positive(param, x, valid)?;
    if x >= MIN_PARAMETER {
        Ok(x)
    } else {
        Err(DistError::new(
            param,
            format!("{param} {x:e} is below the smallest normal number (a subnormal)"),
            format!("{valid}, at least {MIN_PARAMETER:e} (the smallest normal number)"),
        ))
    }
}

/// statrs repeats checks made above, so its refusals can only come from extreme values that pass
/// them (e.g. parameters that overflow once combined); they are reported against the whole spec.
fn statrs_refused(e: impl std::fmt::Display) -> DistError {
    DistError::new(
        "dist",
        format!("the parameters do not define a distribution ({e})"),
        "expected parameters of moderate size",
    )
}

/// Checks `min ≤ mode ≤ max` with `min < max`, for the triangular and PERT.
fn check_min_mode_max(min: f64, mode: f64, max: f64) -> Result<(), DistError> {
    finite("min", min)?;
    finite("mode", mode)?;
    finite("max", max)?;
    const VALID: &str = "expected min ≤ mode ≤ max with min < max";
    if min > max {
        Err(DistError::new(
            "min",
            format!("min {min} is greater than max {max}"),
            VALID,
        ))
    } else if min == max {
        Err(DistError::new(
            "min",
            format!("min {min} equals max {max}"),
            format!("{VALID} (for a fixed value, write a plain number)"),
        ))
    } else if mode < min {
        Err(DistError::new(
            "mode",
            format!("mode {mode} is less than min {min}"),
            VALID,
        ))
    } else if mode > max {
        Err(DistError::new(
            "mode",
            format!("mode {mode} is greater than max {max}"),
            VALID,
        ))
    } else {
        Ok(())
    }
}

/// Largest beta or gamma shape parameter accepted: the incomplete beta's continued fraction (and
/// statrs' gamma functions) take O(√shape) steps, so building a quantile table takes milliseconds
/// at 1e7 and would take far longer beyond. 1e7 still allows counts of ten million in
/// `beta_counts`.
const MAX_SHAPE: f64 = 1e7;

/// The range of `sd / mean` a lognormal accepts: outside it `(sd/mean)²` underflows to 0 or
/// overflows to ∞, and with it the sd of the log.
const LOGNORMAL_RATIO: (f64, f64) = (1e-150, 1e150);

/// Largest gamma shape given a quantile table. statrs' incomplete gamma computes its prefactor as
/// `k·ln x − x − lnΓ(k)`, which loses about `log₁₀(k·ln k)` digits: near 1e-10 at 1e5, too coarse
/// for the table's tolerance beyond, where building it would fail after thousands of slow
/// evaluations (seconds at 1e7). Larger shapes are inverted exactly on every draw (tens of µs).
const MAX_TABLE_GAMMA_SHAPE: f64 = 1e5;

fn shape_limit(what: &str, shapes: &[(&str, f64)]) -> Result<(), DistError> {
    match shapes.iter().find(|(_, x)| *x > MAX_SHAPE) {
        Some((name, x)) => Err(DistError::new(
            "dist",
            format!("these parameters give a {what} with {name} = {x:e}, too large to sample reliably"),
            format!("expected parameters giving shape parameters up to {MAX_SHAPE:e} (e.g. counts up to ten million, PERT lambda of moderate size)"),
        )),
        None => Ok(()),
    }
}

fn beta(alpha: f64, beta: f64) -> Result<BetaQuantile, DistError> {
    shape_limit("beta distribution", &[("α", alpha), ("β", beta)])?;
    if let Some((name, x)) = [("α", alpha), ("β", beta)]
        .into_iter()
        .find(|&(_, x)| x.is_nan() || x < MIN_PARAMETER)
    {
        return Err(DistError::new(
            "dist",
            format!("these parameters give a beta distribution with {name} = {x:e}, below the smallest normal number"),
            format!("expected parameters giving shape parameters from {MIN_PARAMETER:e} to {MAX_SHAPE:e}"),
        ));
    }
    // statrs' checks (positive, finite), for its messages.
    Beta::new(alpha, beta).map_err(statrs_refused)?;
    Ok(BetaQuantile::new(alpha, beta))
}

impl TruncatedNormal {
    fn new(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, DistError> {
        let a = match min {
            Some(a) => finite("min", a)?,
            None => f64::NEG_INFINITY,
        };
        let b = match max {
            Some(b) => finite("max", b)?,
            None => f64::INFINITY,
        };
        if a >= b {
            return Err(DistError::new(
                "min",
                format!("min {a} is not less than max {b}"),
                "expected min < max for a truncated normal",
            ));
        }
        let phi = Normal::standard();
        let (za, zb) = ((a - mean) / sd, (b - mean) / sd);
        let upper = za > 0.0;
        let (p_lo, p_hi) = if upper {
            (phi.sf(za), phi.sf(zb))
        } else {
            (phi.cdf(za), phi.cdf(zb))
        };
        let mass = (p_hi - p_lo).abs();
        // A NaN mass (from extreme parameters) is refused too.
        if mass.is_nan() || mass < MIN_TRUNCATED_MASS {
            return Err(DistError::new(
                "dist",
                format!(
                    "truncating normal(mean {mean}, sd {sd}) to [{}, {}] keeps only {mass:.1e} of its probability",
                    fmt_bound(a),
                    fmt_bound(b)
                ),
                format!("expected [min, max] to keep at least {MIN_TRUNCATED_MASS:e} of the probability; check mean, sd, min and max"),
            ));
        }
        Ok(TruncatedNormal {
            mean,
            sd,
            min: a,
            max: b,
            p_lo,
            p_hi,
            upper,
            mass,
        })
    }

    fn quantile(&self, u: f64) -> f64 {
        let phi = Normal::standard();
        let z = if self.upper {
            -phi.inverse_cdf(self.p_lo - u * (self.p_lo - self.p_hi))
        } else {
            phi.inverse_cdf(self.p_lo + u * (self.p_hi - self.p_lo))
        };
        // Rounding in Φ⁻¹ can step just outside the interval.
        (self.mean + self.sd * z).clamp(self.min, self.max)
    }

    /// `E[X] = μ + σ·(φ(α) − φ(β)) / (Φ(β) − Φ(α))` (Johnson, Kotz & Balakrishnan, *Continuous
    /// Univariate Distributions*, vol. 1, 2nd ed., §10.1), with φ(±∞) = 0.
    fn mean(&self) -> f64 {
        let density = |x: f64| {
            if x.is_finite() {
                (-0.5 * ((x - self.mean) / self.sd).powi(2)).exp()
                    / (2.0 * std::f64::consts::PI).sqrt()
            } else {
                0.0
            }
        };
        let m = self.mean + self.sd * (density(self.min) - density(self.max)) / self.mass;
        m.clamp(self.min, self.max)
    }
}

/// `-∞`/`∞` for an absent truncation bound, the number otherwise.
fn fmt_bound(x: f64) -> String {
    if x == f64::INFINITY {
        "∞".to_string()
    } else if x == f64::NEG_INFINITY {
        "−∞".to_string()
    } else {
        x.to_string()
    }
}

impl Dist {
    /// Validates `spec` and precomputes what sampling needs.
    ///
    /// # Errors
    ///
    /// A [`DistError`] naming the parameter at fault when any parameter is not finite, or the
    /// parameters do not define a distribution (e.g. `min > max`, `sd ≤ 0`, weights all zero).
    pub fn new(spec: &DistSpec) -> Result<Dist, DistError> {
        const POSITIVE: (f64, f64) = (0.0, f64::INFINITY);
        let (kind, mean, support) =
            match *spec {
                DistSpec::Fixed { value } => {
                    finite("value", value)?;
                    (Kind::Fixed(value), value, (value, value))
                }
                DistSpec::Uniform { min, max } => {
                    finite("min", min)?;
                    finite("max", max)?;
                    if min >= max {
                        return Err(DistError::new(
                            "min",
                            format!("min {min} is not less than max {max}"),
                            "expected min < max (for a fixed value, write a plain number)",
                        ));
                    }
                    let dist = Uniform::new(min, max).map_err(statrs_refused)?;
                    (Kind::Uniform(dist), min + (max - min) / 2.0, (min, max))
                }
                DistSpec::Triangular { min, mode, max } => {
                    check_min_mode_max(min, mode, max)?;
                    let dist = Triangular::new(min, max, mode).map_err(statrs_refused)?;
                    (Kind::Triangular(dist), (min + mode + max) / 3.0, (min, max))
                }
                DistSpec::Pert {
                    min,
                    mode,
                    max,
                    lambda,
                } => {
                    check_min_mode_max(min, mode, max)?;
                    normal_positive(
                        "lambda",
                        lambda,
                        "expected lambda > 0 (4 is the classic PERT)",
                    )?;
                    let range = max - min;
                    let alpha = 1.0 + lambda * (mode - min) / range;
                    let beta_ = 1.0 + lambda * (max - mode) / range;
                    // min + range·α/(α + β), written out.
                    let mean = (min + lambda * mode + max) / (lambda + 2.0);
                    (
                        Kind::Pert {
                            min,
                            range,
                            max,
                            beta: beta(alpha, beta_)?,
                        },
                        mean,
                        (min, max),
                    )
                }
                DistSpec::Normal { mean, sd, min, max } => {
                    finite("mean", mean)?;
                    normal_positive(
                        "sd",
                        sd,
                        "expected sd > 0 (for a fixed value, write a plain number)",
                    )?;
                    if min.is_none() && max.is_none() {
                        let dist = Normal::new(mean, sd).map_err(statrs_refused)?;
                        (Kind::Normal(dist), mean, (f64::NEG_INFINITY, f64::INFINITY))
                    } else {
                        let dist = TruncatedNormal::new(mean, sd, min, max)?;
                        let (m, support) = (dist.mean(), (dist.min, dist.max));
                        (Kind::TruncatedNormal(dist), m, support)
                    }
                }
                DistSpec::Lognormal { mean, sd } => {
                    positive(
                        "mean",
                        mean,
                        "expected mean > 0 (a lognormal variable is positive)",
                    )?;
                    normal_positive(
                        "sd",
                        sd,
                        "expected sd > 0 (for a fixed value, write a plain number)",
                    )?;
                    // The log's sd σ = √ln(1 + (sd/mean)²) underflows to 0 or overflows to ∞ outside
                    // this range of sd/mean (and its quantiles with it, to NaN).
                    let ratio = sd / mean;
                    if !(LOGNORMAL_RATIO.0..=LOGNORMAL_RATIO.1).contains(&ratio) {
                        return Err(DistError::new(
                            "sd",
                            format!(
                            "sd {} is {ratio:.1e} times the mean {}: the sd of the log would {}",
                            sig4(sd),
                            sig4(mean),
                            if ratio < 1.0 { "round to 0" } else { "overflow" }
                        ),
                            format!(
                                "expected sd from {:e} to {:e} times the mean",
                                LOGNORMAL_RATIO.0, LOGNORMAL_RATIO.1
                            ),
                        ));
                    }
                    // Moments of the variable → parameters of its log:
                    // σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
                    let sigma2 = (sd / mean).powi(2).ln_1p();
                    let mu = mean.ln() - sigma2 / 2.0;
                    let dist = LogNormal::new(mu, sigma2.sqrt()).map_err(statrs_refused)?;
                    (Kind::LogNormal(dist), mean, POSITIVE)
                }
                DistSpec::Gamma { shape, scale } => {
                    normal_positive("shape", shape, "expected shape > 0")?;
                    normal_positive("scale", scale, "expected scale > 0")?;
                    // statrs parameterises the gamma by rate = 1/scale.
                    shape_limit("gamma distribution", &[("shape", shape)])?;
                    Gamma::new(shape, 1.0 / scale).map_err(statrs_refused)?;
                    let standard = GammaFn::new(shape).map_err(statrs_refused)?;
                    let standard = Arc::new(if shape <= MAX_TABLE_GAMMA_SHAPE {
                        Tabulated::new(standard)
                    } else {
                        Tabulated::exact(standard)
                    });
                    (Kind::Gamma { scale, standard }, shape * scale, POSITIVE)
                }
                DistSpec::Beta { alpha, beta: b } => {
                    normal_positive("alpha", alpha, "expected alpha > 0")?;
                    normal_positive("beta", b, "expected beta > 0")?;
                    unit_beta(alpha, b)?
                }
                DistSpec::BetaMean { mean, sd } => {
                    finite("mean", mean)?;
                    finite("sd", sd)?;
                    if !(mean > 0.0 && mean < 1.0) {
                        return Err(DistError::new(
                            "mean",
                            format!("mean {mean} is not between 0 and 1"),
                            "expected 0 < mean < 1",
                        ));
                    }
                    let max_sd = (mean * (1.0 - mean)).sqrt();
                    let valid = format!("expected 0 < sd < √(mean·(1 − mean)) = {max_sd:.4}");
                    if sd <= 0.0 {
                        return Err(DistError::new(
                            "sd",
                            format!("sd {sd} is not positive"),
                            valid,
                        ));
                    }
                    let var = sd * sd;
                    if var >= mean * (1.0 - mean) {
                        return Err(DistError::new(
                            "sd",
                            format!("sd {sd} is too large for a beta with mean {mean}"),
                            valid,
                        ));
                    }
                    // Method of moments: ν = mean·(1 − mean)/sd² − 1, α = mean·ν, β = (1 − mean)·ν.
                    let nu = mean * (1.0 - mean) / var - 1.0;
                    unit_beta(mean * nu, (1.0 - mean) * nu)?
                }
                DistSpec::BetaCounts {
                    successes,
                    trials,
                    exposure,
                } => {
                    finite("successes", successes)?;
                    finite("trials", trials)?;
                    const VALID: &str =
                        "expected whole numbers with 0 ≤ successes ≤ trials and trials > 0";
                    let refuse =
                        |param, problem: String| Err(DistError::new(param, problem, VALID));
                    if trials.fract() != 0.0 {
                        return refuse("trials", format!("trials {trials} is not a whole number"));
                    }
                    if successes.fract() != 0.0 {
                        return refuse(
                            "successes",
                            format!("successes {successes} is not a whole number"),
                        );
                    }
                    if trials <= 0.0 {
                        return refuse("trials", format!("trials {trials} is not positive"));
                    }
                    if successes < 0.0 {
                        return refuse("successes", format!("successes {successes} is negative"));
                    }
                    if successes > trials {
                        return refuse(
                            "successes",
                            format!("successes {successes} is greater than trials {trials}"),
                        );
                    }
                    // Jeffreys prior Beta(½, ½) updated by the binomial observation.
                    let (a, b) = (successes + 0.5, trials - successes + 0.5);
                    match exposure {
                        None => unit_beta(a, b)?,
                        Some(e) => scaled_beta(a, b, e)?,
                    }
                }
                DistSpec::Discrete {
                    ref values,
                    ref weights,
                } => discrete(values, weights.as_deref())?,
                DistSpec::Evidence { ref key, .. } => {
                    return Err(DistError::new(
                        "key",
                        format!("evidence \"{key}\" was not resolved"),
                        "expected a scenario validated against the evidence library",
                    ))
                }
            };
        let dist = Dist {
            kind,
            spec: Some(spec.clone()),
            mean,
            support,
        };
        dist.check_finite()?;
        Ok(dist)
    }

    /// The last guard: parameters that pass every check above but overflow once combined (a
    /// uniform from −1e308 to 1e308, a gamma whose shape × scale exceeds the largest double) give a
    /// mean of ±∞ or NaN quantiles, which would reach trials as NaN; they are refused here.
    fn check_finite(&self) -> Result<(), DistError> {
        const VALID: &str = "expected parameters of moderate size (magnitudes well within ±1e300)";
        if !self.mean.is_finite() {
            return Err(DistError::new(
                "dist",
                format!(
                    "these parameters give a distribution whose mean is {}",
                    self.mean
                ),
                VALID,
            ));
        }
        for u in [super::table::TAIL, 0.5, 1.0 - super::table::TAIL] {
            if self.quantile(u).is_nan() {
                return Err(DistError::new(
                    "dist",
                    format!(
                        "these parameters give a distribution whose {u} quantile is not a number"
                    ),
                    VALID,
                ));
            }
        }
        Ok(())
    }

    /// The distribution of a scenario input: [`Dist::fixed`] for a number, [`Dist::new`] otherwise.
    ///
    /// # Errors
    ///
    /// As [`Dist::new`]; a plain number that is not finite is refused with param `"value"`.
    pub fn from_input(input: &Input) -> Result<Dist, DistError> {
        match input {
            Input::Fixed(x) => Ok(Dist::fixed(finite("value", *x)?)),
            Input::Dist(spec) => Dist::new(spec),
        }
    }

    /// Always `x`. (Not validated: a non-finite `x` gives a distribution that always returns it.)
    pub fn fixed(x: f64) -> Dist {
        Dist {
            kind: Kind::Fixed(x),
            spec: None,
            mean: x,
            support: (x, x),
        }
    }

    /// The inverse CDF: the smallest `x` with `P(X ≤ x) ≥ u`, for `u` in (0, 1).
    ///
    /// `u` of 0 or 1 gives the ends of the support (possibly infinite); `u` outside [0, 1] is clamped
    /// into it and NaN gives NaN. Non-decreasing in `u`.
    pub fn quantile(&self, u: f64) -> f64 {
        if u.is_nan() {
            return f64::NAN;
        }
        let u = u.clamp(0.0, 1.0);
        match &self.kind {
            Kind::Fixed(x) => *x,
            Kind::Uniform(d) => d.inverse_cdf(u),
            Kind::Triangular(d) => d.inverse_cdf(u),
            Kind::Pert {
                min,
                range,
                max,
                beta,
            } => (min + range * beta.quantile(u)).min(*max),
            Kind::Normal(d) => d.inverse_cdf(u),
            Kind::TruncatedNormal(d) => d.quantile(u),
            Kind::LogNormal(d) => d.inverse_cdf(u),
            Kind::Gamma { scale, standard } => scale * standard.quantile(u),
            Kind::Beta(d) => d.quantile(u),
            Kind::ScaledBeta { inv_exposure, beta } => (beta.quantile(u) * inv_exposure).min(1.0),
            Kind::Discrete { values, cumulative } => {
                let total = cumulative[cumulative.len() - 1];
                let target = u * total;
                let i = cumulative.partition_point(|&c| c < target);
                // Only rounding can put `target` above the last cumulative weight.
                values[i.min(values.len() - 1)]
            }
        }
    }

    /// The quantile table of a beta-family distribution, if it has one.
    #[cfg(test)]
    pub(super) fn beta_table_for_test(&self) -> Option<&super::table::QuantileTable> {
        match &self.kind {
            Kind::Pert { beta, .. } | Kind::Beta(beta) | Kind::ScaledBeta { beta, .. } => {
                beta.table()
            }
            _ => None,
        }
    }

    /// One draw: [`Dist::quantile`] of one uniform from the open interval (0, 1).
    ///
    /// Exactly one uniform is consumed whatever the distribution, fixed values included, so the
    /// position of every input in a trial's stream does not depend on how the inputs are specified.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u: f64 = Open01.sample(rng);
        self.quantile(u)
    }

    /// The smallest and largest possible values (either may be infinite).
    ///
    /// For continuous distributions these are the ends of the support, e.g. `(0, 1)` for a beta
    /// and `(0, ∞)` for a lognormal, even though the ends themselves have density zero.
    pub fn support(&self) -> (f64, f64) {
        self.support
    }

    /// The mean, computed analytically when the distribution was built.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The spec this was built from; `None` for [`Dist::fixed`].
    pub fn spec(&self) -> Option<&DistSpec> {
        self.spec.as_ref()
    }

    /// A short human description, e.g. `PERT(min 1, mode 2, max 3)`.
    pub fn describe(&self) -> String {
        let Some(spec) = &self.spec else {
            // Only `Dist::fixed` has no spec.
            return self.mean.to_string();
        };
        match spec {
            DistSpec::Fixed { value } => value.to_string(),
            DistSpec::Uniform { min, max } => format!("Uniform(min {min}, max {max})"),
            DistSpec::Triangular { min, mode, max } => {
                format!("Triangular(min {min}, mode {mode}, max {max})")
            }
            DistSpec::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                if *lambda == DEFAULT_PERT_LAMBDA {
                    format!("PERT(min {min}, mode {mode}, max {max})")
                } else {
                    format!("PERT(min {min}, mode {mode}, max {max}, lambda {lambda})")
                }
            }
            DistSpec::Normal { mean, sd, min, max } => {
                let normal = format!("Normal(mean {mean}, sd {sd})");
                if min.is_none() && max.is_none() {
                    normal
                } else {
                    let lo = fmt_bound(min.unwrap_or(f64::NEG_INFINITY));
                    let hi = fmt_bound(max.unwrap_or(f64::INFINITY));
                    format!("{normal} truncated to [{lo}, {hi}]")
                }
            }
            DistSpec::Lognormal { mean, sd } => format!("Lognormal(mean {mean}, sd {sd})"),
            DistSpec::Gamma { shape, scale } => format!("Gamma(shape {shape}, scale {scale})"),
            DistSpec::Beta { alpha, beta } => format!("Beta(alpha {alpha}, beta {beta})"),
            DistSpec::BetaMean { mean, sd } => format!("Beta(mean {mean}, sd {sd})"),
            DistSpec::BetaCounts {
                successes,
                trials,
                exposure: None,
            } => format!("Beta(Jeffreys, {successes} of {trials})"),
            DistSpec::BetaCounts {
                successes,
                trials,
                exposure: Some(e),
            } => format!("Beta(Jeffreys, {successes} of {trials}) ÷ exposure {e}"),
            DistSpec::Evidence { key, .. } => format!("evidence {key}"),
            DistSpec::Discrete { values, weights } => {
                // Long lists would swamp a report line: show the range instead.
                const SHOWN: usize = 6;
                if values.len() > SHOWN {
                    let (lo, hi) = self.support();
                    format!("Discrete({} values from {lo} to {hi})", values.len())
                } else {
                    let list =
                        |xs: &[f64]| xs.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
                    match weights {
                        Some(w) => {
                            format!("Discrete(values [{}], weights [{}])", list(values), list(w))
                        }
                        None => format!("Discrete(values [{}])", list(values)),
                    }
                }
            }
        }
    }
}

/// A beta on [0, 1] with its mean α/(α + β) and support.
fn unit_beta(alpha: f64, b: f64) -> Result<(Kind, f64, (f64, f64)), DistError> {
    Ok((Kind::Beta(beta(alpha, b)?), alpha / (alpha + b), (0.0, 1.0)))
}

/// Largest probability that `q / exposure` exceeds 1 (`q` the Jeffreys posterior of a
/// `beta_counts` with `exposure`) for which the draw is clamped to 1 rather than the spec refused.
///
/// Above it the exposure is too small for the counts: an eventual rate of 1 would be more than a
/// rounding of the tail, and the scaled posterior would no longer describe the evidence.
pub const MAX_EXPOSURE_EXCESS: f64 = 0.001;

/// `min(X / e, 1)`, `X ~ Beta(a, b)`: its kind, mean and support (docs/calibration.md).
///
/// The mean is `E[min(X/e, 1)] = (a/(a + b))·I_e(a + 1, b)/e + 1 − I_e(a, b)`, from
/// `E[X·1{X ≤ e}] = (a/(a + b))·I_e(a + 1, b)` (the beta's incomplete first moment), so that
/// mean, quantile and sampling agree, clamp included.
fn scaled_beta(a: f64, b: f64, e: f64) -> Result<(Kind, f64, (f64, f64)), DistError> {
    const VALID: &str = "expected 0 < exposure ≤ 1 (the share of eventual successes the \
                         observation window let in; leave it out for eventual counts)";
    finite("exposure", e)?;
    if !(e > 0.0 && e <= 1.0) {
        return Err(DistError::new(
            "exposure",
            format!("exposure {} is not in (0, 1]", sig4(e)),
            VALID,
        ));
    }
    let beta = beta(a, b)?;
    let below = BetaFn::new(a, b).cdf(e);
    let excess = 1.0 - below;
    if excess > MAX_EXPOSURE_EXCESS {
        return Err(DistError::new(
            "exposure",
            format!(
                "exposure {} makes the eventual rate exceed 1 with probability {excess:.3} \
                 (the rate seen in the window, as the Jeffreys posterior mean \
                 (successes + ½)/(trials + 1), is {:.3})",
                sig4(e),
                a / (a + b)
            ),
            format!(
                "expected an exposure above the observed rate, so that P(rate > 1) ≤ \
                 {MAX_EXPOSURE_EXCESS} (above about {:.3} for these counts)",
                BetaFn::new(a, b).quantile(1.0 - MAX_EXPOSURE_EXCESS)
            ),
        ));
    }
    let first = a / (a + b) * BetaFn::new(a + 1.0, b).cdf(e);
    let mean = (first / e + excess).min(1.0);
    Ok((
        Kind::ScaledBeta {
            inv_exposure: 1.0 / e,
            beta,
        },
        mean,
        (0.0, 1.0),
    ))
}

/// `x` to 4 significant figures, trailing zeros dropped (0.1965, 0.28, 1.5, 0); in scientific
/// notation outside [0.001, 10⁶), so that an exposure of 1e-300 prints as `1e-300`, not as 300
/// digits.
fn sig4(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return x.to_string();
    }
    if !(1e-3..1e6).contains(&x.abs()) {
        let s = format!("{x:.3e}");
        return match s.split_once('e') {
            Some((m, exp)) if m.contains('.') => {
                format!("{}e{exp}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        };
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Values sorted ascending with their cumulative weights, the mean Σ wᵢvᵢ / Σ wᵢ and the support.
fn discrete(values: &[f64], weights: Option<&[f64]>) -> Result<(Kind, f64, (f64, f64)), DistError> {
    const VALID: &str = "expected non-negative weights, one per value, not all zero";
    if values.is_empty() {
        return Err(DistError::new(
            "values",
            "values is empty",
            "expected at least one value",
        ));
    }
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(DistError::new(
                "values",
                format!("values[{i}] {v} is not a finite number"),
                "expected finite numbers",
            ));
        }
    }
    let mut pairs: Vec<(f64, f64)> = match weights {
        None => values.iter().map(|&v| (v, 1.0)).collect(),
        Some(w) => {
            if w.len() != values.len() {
                return Err(DistError::new(
                    "weights",
                    format!(
                        "weights has {} entries but values has {}",
                        w.len(),
                        values.len()
                    ),
                    VALID,
                ));
            }
            for (i, x) in w.iter().enumerate() {
                if !x.is_finite() {
                    return Err(DistError::new(
                        "weights",
                        format!("weights[{i}] {x} is not a finite number"),
                        VALID,
                    ));
                }
                if *x < 0.0 {
                    return Err(DistError::new(
                        "weights",
                        format!("weights[{i}] {x} is negative"),
                        VALID,
                    ));
                }
            }
            values.iter().copied().zip(w.iter().copied()).collect()
        }
    };
    // Zero-weight values can never be drawn; dropping them keeps `support` honest and lets the
    // quantile search ignore them.
    pairs.retain(|&(_, w)| w > 0.0);
    if pairs.is_empty() {
        return Err(DistError::new("weights", "weights are all zero", VALID));
    }
    // Ascending values make the quantile non-decreasing in u.
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let cumulative: Vec<f64> = pairs
        .iter()
        .map(|&(_, w)| {
            total += w;
            total
        })
        .collect();
    if !total.is_finite() {
        return Err(DistError::new(
            "weights",
            "the weights add up to more than a float can hold",
            VALID,
        ));
    }
    let mean = pairs.iter().map(|&(v, w)| v * w).sum::<f64>() / total;
    let support = (pairs[0].0, pairs[pairs.len() - 1].0);
    let kind = Kind::Discrete {
        values: pairs.into_iter().map(|(v, _)| v).collect(),
        cumulative,
    };
    Ok((kind, mean, support))
}
