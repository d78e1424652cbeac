//! The gamma distribution's CDF, density and exact inverse, for its quantile table.
//!
//! The regularised incomplete gamma functions are statrs' (`gamma_lr`, `gamma_ur`: series below the
//! shape, continued fraction above, each tail computed directly where it is the small one). statrs'
//! own inverse stops at an absolute tolerance in `x`, which loses the far lower tail (its
//! `Q(1e-12)` of Gamma(½, scale 2) has CDF 2.4e-5, not 1e-12); here it is Newton's method on the log of
//! the smaller tail against `ln x`, as for the beta ([`super::beta`]), started from the
//! Wilson–Hilferty approximation (Johnson, Kotz & Balakrishnan, vol. 1, 2nd ed., §17.5) or, where
//! that fails, from the lower-tail power law `P(x) ≈ xᵏ/Γ(k + 1)`.

use statrs::distribution::{Continuous as _, ContinuousCDF, Gamma, GammaError, Normal};
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};

use super::table::{Continuous, TINY};

/// The standard gamma (scale 1) with shape `k`; the caller multiplies by the scale, so a table
/// never meets densities or slopes near the limits of a double.
#[derive(Debug)]
pub(super) struct GammaFn {
    dist: Gamma,
    shape: f64,
}

impl GammaFn {
    /// Shape `k > 0` finite (checked by the caller, so statrs refuses nothing here).
    pub(super) fn new(shape: f64) -> Result<GammaFn, GammaError> {
        let dist = Gamma::new(shape, 1.0)?;
        Ok(GammaFn { dist, shape })
    }

    /// `(P(X ≤ x), P(X > x))`, the smaller one computed directly.
    fn tails(&self, x: f64) -> (f64, f64) {
        let y = x;
        if y.is_nan() || y <= 0.0 {
            return (0.0, 1.0);
        }
        if y == f64::INFINITY {
            return (1.0, 0.0);
        }
        if y <= self.shape {
            let p = gamma_lr(self.shape, y);
            (p, 1.0 - p)
        } else {
            let q = gamma_ur(self.shape, y);
            (1.0 - q, q)
        }
    }

    /// The exact quantile: safeguarded Newton in `t = ln x` on the log of the smaller tail.
    fn solve(&self, u: f64) -> f64 {
        let upper = u > 0.5;
        let p = if upper { 1.0 - u } else { u };
        let ln_p = p.ln();
        let k = self.shape;
        // Wilson–Hilferty: (X/k)^⅓ is nearly normal with mean 1 − 1/(9k) and variance 1/(9k).
        let z = Normal::standard().inverse_cdf(u);
        let c = 1.0 - 1.0 / (9.0 * k) + z / (3.0 * k.sqrt());
        let power_law = (ln_p + ln_gamma(k + 1.0)) / k;
        let mut t = if c > 0.0 {
            (k * c * c * c).ln()
        } else {
            power_law
        };
        if !upper {
            // The power law bounds the lower tail's quantile from below.
            t = t.max(power_law);
        }
        // From the smallest normal double (below it the answer is 0, see below) to the largest.
        let (lo, hi) = (f64::MIN_POSITIVE.ln(), f64::MAX.ln());
        let g = |t: f64| {
            let x = t.exp();
            let (lower, upper_tail) = self.tails(x);
            let (tail, sign) = if upper {
                (upper_tail, -1.0)
            } else {
                (lower, 1.0)
            };
            (sign * (tail.ln() - ln_p), x * self.dist.pdf(x) / tail)
        };
        // Below the smallest normal double the answer is 0 for every p at least as extreme (g
        // increases with t):
        // subnormals are too coarse for the solution to stay monotone in p.
        if g(lo).0 >= 0.0 {
            return 0.0;
        }
        t = t.clamp(lo, hi);
        crate::distributions::table::newton_bracketed(g, t, lo, hi).exp()
    }
}

impl Continuous for GammaFn {
    fn cdf(&self, x: f64) -> f64 {
        self.tails(x).0
    }
    fn pdf(&self, x: f64) -> f64 {
        self.dist.pdf(x)
    }
    fn dlog_pdf(&self, x: f64) -> f64 {
        (self.shape - 1.0) / x - 1.0
    }
    fn quantile(&self, u: f64) -> f64 {
        if u <= 0.0 {
            0.0
        } else if u >= 1.0 {
            f64::INFINITY
        } else {
            self.solve(u)
        }
    }
    fn table_ends(&self) -> (f64, f64) {
        (TINY, f64::INFINITY)
    }
}
