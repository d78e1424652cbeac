//! The beta distribution's CDF, density and exact inverse, with everything that does not depend on
//! `x` computed once ([`BetaFn::new`]).
//!
//! **CDF.** The regularised incomplete beta `I_x(a, b)` by its continued fraction (Numerical
//! Recipes, 3rd ed., §6.4, evaluated by the modified Lentz method), on `x` when
//! `x < (a + 1)/(a + b + 2)` and on `1 − x` (with `a`, `b` swapped) otherwise, where it converges
//! fast. Both tails are returned, each computed directly where it is the small one, so an upper
//! tail of 1e-12 keeps its digits.
//!
//! **The prefactor** `xᵃ(1 − x)ᵇ / B(a, b)` is written around the mean `x̄ = a/(a + b)` with
//! Stirling's series, as in DiDonato & Morris (ACM TOMS 708, 1992, `brcomp`):
//!
//! ```text
//! ln[xᵃ(1 − x)ᵇ/B(a, b)] = a·ln(x/x̄) + b·ln((1 − x)/(1 − x̄)) + ½·ln(ab/(2π(a + b))) − ε(a) − ε(b) + ε(a + b)
//! ```
//!
//! with `ε(z) = lnΓ(z) − (z − ½)ln z + z − ½ln 2π` (Abramowitz & Stegun 6.1.41). The two logarithms
//! cancel to first order near the mean, but nothing of size `a·ln x` is ever subtracted, so the
//! prefactor keeps full relative precision for shape parameters in the millions, where
//! `lnΓ(a + b) − lnΓ(a) − lnΓ(b) + a·ln x + b·ln(1 − x)` would lose eight digits.
//!
//! **Inverse.** Safeguarded Newton on `ln T(z)` against `ln z`, where `T` is the smaller tail
//! (`z = x` below the median, `z = 1 − x` above): both are nearly linear there (`T ≈ zᵃ/(a·B)`),
//! so a handful of steps reach full precision; a step leaving the bracket is replaced by bisection
//! in `ln z`. It costs about a microsecond; [`super::table`] makes sampling cost tens of
//! nanoseconds and uses this only to build its table and in the outermost tails.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::sync::{Arc, Mutex, Weak};

use statrs::function::gamma::ln_gamma;

use super::table::{Continuous, Tabulated, TINY};

/// Stirling's remainder `ε(z) = lnΓ(z) − [(z − ½)ln z − z + ½ln 2π]`, by its asymptotic series
/// from z = 10 (the first omitted term is below 1e-16 there), from `lnΓ` below.
fn stirling_remainder(z: f64) -> f64 {
    if z >= 10.0 {
        let r = 1.0 / z;
        let r2 = r * r;
        // B₂ₖ / (2k(2k − 1) z²ᵏ⁻¹) for k = 1..7.
        r * (1.0 / 12.0
            - r2 * (1.0 / 360.0
                - r2 * (1.0 / 1260.0
                    - r2 * (1.0 / 1680.0
                        - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360_360.0 - r2 / 156.0))))))
    } else {
        ln_gamma(z) - ((z - 0.5) * z.ln() - z + 0.5 * (2.0 * PI).ln())
    }
}

/// `ln(z/z̄)` for `z = z̄ + d`, by `ln1p` when `d` is small against `z̄`.
fn ln_ratio(z: f64, z_bar: f64, d: f64) -> f64 {
    if d.abs() < 0.5 * z_bar {
        (d / z_bar).ln_1p()
    } else {
        (z / z_bar).ln()
    }
}

/// Beta(a, b) on [0, 1]: CDF, survival function, density and exact quantile.
#[derive(Debug, Clone)]
pub(super) struct BetaFn {
    a: f64,
    b: f64,
    /// The mean a/(a + b) and 1 − mean, each computed directly.
    mean: f64,
    mean_c: f64,
    /// `½·ln(ab/(2π(a + b))) − ε(a) − ε(b) + ε(a + b)`: the prefactor at the mean, in logs.
    ln_k: f64,
    /// ln B(a, b), for the starting points of the inversion.
    ln_beta: f64,
    /// The continued fraction is used below this `x`, its mirror image above.
    split: f64,
    /// Iterations allowed to the continued fraction, which needs O(√max(a, b)).
    max_iter: u32,
    /// P(X ≤ ½): quantiles below it are solved for x, above it for 1 − x, so the unknown is at
    /// most ½ and keeps its relative precision.
    cdf_half: f64,
}

impl BetaFn {
    /// Beta(a, b) with `a, b > 0` finite (checked by the caller).
    pub(super) fn new(a: f64, b: f64) -> BetaFn {
        let s = a + b;
        let ln_k =
            0.5 * (a / s * b / (2.0 * PI)).ln() - stirling_remainder(a) - stirling_remainder(b)
                + stirling_remainder(s);
        let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(s);
        let mut f = BetaFn {
            a,
            b,
            mean: a / s,
            mean_c: b / s,
            ln_k,
            ln_beta,
            split: (a + 1.0) / (s + 2.0),
            max_iter: 200 + (20.0 * a.max(b).sqrt()).min(1e6) as u32,
            cdf_half: 0.5,
        };
        f.cdf_half = f.cdf(0.5);
        f
    }

    /// `ln[xᵃ yᵇ / B(a, b)]` for `x + y = 1`, both in (0, 1), the smaller of them exact.
    fn ln_prefactor(&self, x: f64, y: f64) -> f64 {
        // d = x − x̄ = (1 − x̄) − y, taken from the exact one of x and y.
        let d = if x <= y {
            x - self.mean
        } else {
            self.mean_c - y
        };
        self.a * ln_ratio(x, self.mean, d) + self.b * ln_ratio(y, self.mean_c, -d) + self.ln_k
    }

    /// `(P(X ≤ x), P(X > x))` at `x = 1 − y`, the smaller of `x` and `y` exact; the smaller tail is
    /// computed directly and the other as its complement.
    pub(super) fn tails(&self, x: f64, y: f64) -> (f64, f64) {
        if x <= 0.0 {
            return (0.0, 1.0);
        }
        if y <= 0.0 {
            return (1.0, 0.0);
        }
        let front = self.ln_prefactor(x, y).exp();
        if x < self.split {
            let p = front * continued_fraction(self.a, self.b, x, self.max_iter) / self.a;
            (p, 1.0 - p)
        } else {
            let q = front * continued_fraction(self.b, self.a, y, self.max_iter) / self.b;
            (1.0 - q, q)
        }
    }

    /// `P(X ≤ x)`.
    pub(super) fn cdf(&self, x: f64) -> f64 {
        self.tails(x, 1.0 - x).0
    }

    /// The density at `x = 1 − y` (the smaller of `x` and `y` exact); at the ends of the support,
    /// its limit (∞ where the shape parameter there is below 1).
    pub(super) fn pdf_xy(&self, x: f64, y: f64) -> f64 {
        let end = |shape: f64| {
            if shape < 1.0 {
                f64::INFINITY
            } else if shape == 1.0 {
                (-self.ln_beta).exp()
            } else {
                0.0
            }
        };
        if x <= 0.0 {
            end(self.a)
        } else if y <= 0.0 {
            end(self.b)
        } else {
            self.ln_prefactor(x, y).exp() / (x * y)
        }
    }

    /// The density at `x`.
    pub(super) fn pdf(&self, x: f64) -> f64 {
        self.pdf_xy(x, 1.0 - x)
    }

    /// The exact quantile: the `x` with `P(X ≤ x) = u`, to the last few bits.
    pub(super) fn quantile(&self, u: f64) -> f64 {
        if u <= 0.0 {
            return 0.0;
        } else if u >= 1.0 {
            return 1.0;
        }
        // Solve for the smaller of x and 1 − x, on the smaller tail (1 − u is exact for u ≥ ½).
        let upper_tail = u > 0.5;
        let p = if upper_tail { 1.0 - u } else { u };
        if u <= self.cdf_half {
            self.solve(p, false, upper_tail)
        } else {
            1.0 - self.solve(p, true, upper_tail)
        }
    }

    /// The `z` in (0, ½] at which the lower tail (or the upper tail, when `upper_tail`) equals
    /// `p`, where `x = z` (or `x = 1 − z`, when `z_is_y`): safeguarded Newton in `t = ln z` on
    /// `±(ln T − ln p)`, signed to increase with `t`, whose slope is `z·f/T`.
    fn solve(&self, p: f64, z_is_y: bool, upper_tail: bool) -> f64 {
        // The tail grows with z when it is the tail on z's side.
        let sign = if z_is_y == upper_tail { 1.0 } else { -1.0 };
        let g = |t: f64| {
            let z = t.exp();
            let (x, y) = if z_is_y { (1.0 - z, z) } else { (z, 1.0 - z) };
            let (lower, upper) = self.tails(x, y);
            let tail = if upper_tail { upper } else { lower };
            let slope = z * self.pdf_xy(x, y) / tail;
            (sign * (tail.ln() - p.ln()), slope)
        };
        // T(z) ≈ zᵃ/(a·B(a, b)) for small z, with a the shape on z's side: exact in the far tail,
        // a start elsewhere. (When T is the other tail, z's tail is about 1 − p.)
        let (shape, z_bar) = if z_is_y {
            (self.b, self.mean_c)
        } else {
            (self.a, self.mean)
        };
        // Below the smallest normal double the answer is 0 (or 1) for every p at least as extreme:
        // subnormals are too coarse for the solution to stay monotone in p.
        let ln_min = f64::MIN_POSITIVE.ln();
        if g(ln_min).0 >= 0.0 {
            return 0.0;
        }
        let p_z = if sign > 0.0 { p } else { 1.0 - p };
        let ln_half = -std::f64::consts::LN_2;
        let mut t = ((p_z.ln() + shape.ln() + self.ln_beta) / shape).min(z_bar.ln().min(ln_half));
        // From ln of the smallest normal double to ln ½.
        let (lo, hi) = (ln_min, ln_half);
        t = t.clamp(lo, hi);
        crate::distributions::table::newton_bracketed(g, t, lo, hi).exp()
    }
}

/// The continued fraction of `I_x(a, b)·a·B(a, b)/(xᵃ(1 − x)ᵇ)` (Numerical Recipes, 3rd ed., eq.
/// 6.4.5), by the modified Lentz method; it converges fast for `x < (a + 1)/(a + b + 2)`.
fn continued_fraction(a: f64, b: f64, x: f64, max_iter: u32) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=max_iter {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    h
}

impl Continuous for BetaFn {
    fn cdf(&self, x: f64) -> f64 {
        BetaFn::cdf(self, x)
    }
    fn pdf(&self, x: f64) -> f64 {
        BetaFn::pdf(self, x)
    }
    fn dlog_pdf(&self, x: f64) -> f64 {
        (self.a - 1.0) / x - (self.b - 1.0) / (1.0 - x)
    }
    fn quantile(&self, u: f64) -> f64 {
        BetaFn::quantile(self, u)
    }
    fn table_ends(&self) -> (f64, f64) {
        // 2⁻⁴⁰ ≈ 9e-13 from 1: 8,000 doubles below 1, so 1 − x is resolved to 1e-4 there.
        (TINY, 1.0 - 2f64.powi(-40))
    }
}

/// Beta(a, b) on [0, 1] sampled by inversion: closed forms where one shape parameter is 1, else a
/// [`QuantileTable`] with exact inversion in the outer tails (and everywhere, should the table be
/// refused).
#[derive(Debug, Clone)]
pub(super) enum BetaQuantile {
    /// Beta(1, 1): `x = u`.
    Identity,
    /// Beta(a, 1), CDF `xᵃ`: `x = u^(1/a)`.
    Root { inv_a: f64 },
    /// Beta(1, b), CDF `1 − (1 − x)ᵇ`: `x = 1 − (1 − u)^(1/b)`.
    CoRoot { inv_b: f64 },
    /// Shared, so cloning a scenario does not copy tables.
    Inverted(Arc<Tabulated<BetaFn>>),
}

impl BetaQuantile {
    /// Beta(a, b), `a, b > 0` finite (checked by the caller).
    pub(super) fn new(a: f64, b: f64) -> BetaQuantile {
        match (a == 1.0, b == 1.0) {
            (true, true) => BetaQuantile::Identity,
            (false, true) => BetaQuantile::Root { inv_a: 1.0 / a },
            (true, false) => BetaQuantile::CoRoot { inv_b: 1.0 / b },
            (false, false) => BetaQuantile::Inverted(shared_table(a, b)),
        }
    }

    /// The quantile at `u` in [0, 1].
    #[inline]
    pub(super) fn quantile(&self, u: f64) -> f64 {
        match self {
            BetaQuantile::Identity => u,
            BetaQuantile::Root { inv_a } => (u.ln() * inv_a).exp(),
            BetaQuantile::CoRoot { inv_b } => -((-u).ln_1p() * inv_b).exp_m1(),
            BetaQuantile::Inverted(inv) => inv.quantile(u),
        }
    }

    /// The table, if this is tabulated.
    #[cfg(test)]
    pub(super) fn table(&self) -> Option<&super::table::QuantileTable> {
        match self {
            BetaQuantile::Inverted(inv) => inv.table(),
            _ => None,
        }
    }
}

/// The tables alive in this process, by shape parameters: sites of a scenario often share an input
/// (the same PERT at three sites, or PERTs whose mode sits at the same point of their range), and
/// a scenario may be loaded many times; each table is built once and shared while any `Dist`
/// holds it. A table is a pure function of (a, b), so sharing changes no value.
static TABLES: Mutex<Option<Shared>> = Mutex::new(None);

/// Tables by the bits of (a, b).
type Shared = HashMap<(u64, u64), Weak<Tabulated<BetaFn>>>;

fn shared_table(a: f64, b: f64) -> Arc<Tabulated<BetaFn>> {
    let key = (a.to_bits(), b.to_bits());
    let lookup = |tables: &mut Option<Shared>| {
        tables
            .as_mut()
            .and_then(|t| t.get(&key))
            .and_then(Weak::upgrade)
    };
    // A poisoned lock only means another thread panicked while holding it; the map is still sound.
    if let Some(t) = lookup(&mut TABLES.lock().unwrap_or_else(|e| e.into_inner())) {
        return t;
    }
    // Built outside the lock, so that threads building different tables do not wait on each other.
    let built = Arc::new(Tabulated::new(BetaFn::new(a, b)));
    let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = lookup(&mut tables) {
        return t;
    }
    let map = tables.get_or_insert_with(HashMap::new);
    map.retain(|_, w| w.strong_count() > 0);
    map.insert(key, Arc::downgrade(&built));
    built
}
