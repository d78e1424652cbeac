//! The investor's internal rate of return (IRR) and money multiple, from the investor's net
//! monthly cash flows `f_t` (index `t` = month, negative = paid in by the investor).
//!
//! # Formulas
//! With an annual rate `r`, a monthly rate `m` and the log-rate `s` used internally,
//!
//! ```text
//! NPV(r) = Σ_t f_t (1 + r)^(−t/12)          annual rate r > −1
//!        = Σ_t f_t (1 + m)^(−t)             monthly rate m = (1 + r)^(1/12) − 1
//!        = Σ_t f_t e^(−s t)                 log-rate s = ln(1 + m),  r = e^(12 s) − 1
//! ```
//!
//! The IRR is a root of `NPV`, reported as the annual rate `r = (1 + m)^12 − 1`. The search runs
//! over `s ∈ ℝ`, which covers `m ∈ (−1, ∞)` and spaces rates near −100% logarithmically for free.
//! `NPV` is evaluated through a positive multiple with the same roots that cannot overflow:
//! with the flows trimmed of leading and trailing zeros to months `0..=T` and divided by
//! `max |f_t|`, Horner's rule gives `Σ f_t x^t` (`x = e^(−s) ≤ 1`) for `s ≥ 0` and
//! `Σ f_t v^(T−t)` = `v^T · NPV` (`v = e^s < 1`) for `s < 0`. Its limits are exact: the first flow
//! `f_0` as `s → ∞`, the last flow `f_T` as `s → −∞`.
//!
//! # Rules
//! - **Sign changes first.** `k`, the number of sign changes in the nonzero flows, bounds the
//!   number of roots (Descartes' rule of signs, for the polynomial `Σ f_t x^t` in `x > 0`).
//! - **No sign change → [`Irr::Undefined`]**, never 0 or another stand-in: all zero, empty, or
//!   only inflows (money received without investing). Non-finite flows are also `Undefined`, and
//!   a flow so small beside the largest that their ratio underflows (below about 1e−308) counts
//!   as zero.
//! - **Total loss → −100%.** Outflows and no inflow at all (everything paid in was lost) have no
//!   root — `NPV` only tends to 0 as `r → −1` — but the issue requires them counted as a −100%
//!   return, not dropped: [`Irr::Unique(-1.0)`](Irr::Unique). A tiny return instead of none gives
//!   a root just above −1, found like any other (it rounds to exactly −1.0 only if the return is
//!   below about 1e−16 of the stake per year of waiting, where `e^(12 s) − 1` rounds to −1).
//! - **One sign change → exactly one root** (Descartes), bracketed between `s = 0` and the first
//!   of `±1, ±2, ±4, …, ±1024` (on the side given by the sign of `NPV` at 0%) whose `NPV` has the
//!   sign of the limit on that side — always reached by `±1024`, where `NPV` equals the limit
//!   exactly — then refined by Brent's method.
//! - **Several sign changes → all roots.** Every real root lies in
//!   `−ln(1 + max_{t<T} |f_t/f_T|) ≤ s ≤ ln(1 + max_{t>0} |f_t/f_0|)` (Cauchy's bound on the
//!   roots of a polynomial, applied to `Σ f_t x^t` and to its reverse), clipped to `|s| ≤ 750`
//!   where `e^(±s)` is already 0 or infinite. That interval is scanned on a grid through `s = 0`
//!   whose step is 1e−4 near 0 and grows by 1% per step (about 2,200 points at most), each sign
//!   change of `NPV` is refined by Brent, and a grid point where `NPV` is exactly 0 is a root.
//!   Two roots closer together than the local grid step (about 1% of `|s|`, at least 1e−4, i.e.
//!   0.01 percentage points a month near 0%) can be missed as a pair, as can a root where `NPV`
//!   touches 0 without changing sign between grid points. If no root is found: `Undefined`; one:
//!   [`Irr::Unique`]; several: [`Irr::Multiple`] with the number found.
//! - **The meaningful root among several** is the one that agrees with the undiscounted result:
//!   if the investor ends up with more than was paid in (`Σ f_t > 0`, money multiple above 1),
//!   the smallest root above 0%; if with less (`Σ f_t < 0`, a capital loss), the largest root
//!   below 0%; if exactly even, the root nearest 0%. If there is no root on that side, the root
//!   nearest 0% on the other. Why: `NPV(0) = Σ f_t`, so the chosen root is the one where `NPV`
//!   falls through zero nearest 0% with 0% on its positive side — for every hurdle rate between
//!   0% and the chosen root, "IRR above the hurdle" agrees with "`NPV` at the hurdle positive",
//!   and a negative IRR always means a capital loss, as it does when there is a single root for
//!   an invest-then-receive investor. Every root is a valid return on *some* schedule of capital
//!   invested (Hazen, G. B. (2003), "A new perspective on multiple internal rates of return",
//!   *The Engineering Economist* 48(1), 31–51); the trial is flagged so that reports can say so.
//!
//! # Tolerances
//! Brent's method stops when the bracket on `s` is below `2 ε |s| + 1e−13` (ε the machine epsilon)
//! or `NPV` is exactly 0. That puts the monthly rate within `(1 + m) · 1e−13` and the annual rate
//! within about `12 (1 + r) · 1e−13` of the root of the computed `NPV` (1.3e−12 at 8% a year), well
//! inside the 1e−10 asked for; how far that is from the exact root depends on the rounding in
//! `NPV` itself, which is small unless the flows cancel heavily. An annual rate too large for
//! `f64` (a return of more than about 1e25 times the stake per month) saturates at `f64::MAX`, so
//! the output is never NaN or infinite.
//!
//! Brent's method: R. P. Brent (1973), *Algorithms for Minimization without Derivatives*,
//! Prentice-Hall, chapter 4 (the `zero` procedure). `statrs` 0.19 has no root finder, so it is
//! written out here.

/// Outcome of an IRR computation on monthly flows (index = month, negative = paid in by the investor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Irr {
    /// No sign change in the flows (e.g. all zero, or only outflows, or only inflows): no IRR exists.
    /// Outflows with no inflow at all are the exception: a total loss, reported as `Unique(-1.0)`.
    Undefined,
    /// Exactly one root: the annual rate (−1.0 for a total loss).
    Unique(f64),
    /// Several roots: the annual rate chosen as the economically meaningful one (the root that
    /// agrees in sign with the undiscounted net, nearest 0%: see the module doc), and how many
    /// roots were found.
    Multiple {
        /// The root reported as the IRR.
        chosen: f64,
        /// How many distinct roots were found (at least 2).
        roots: usize,
    },
}

impl Irr {
    /// The annual rate if defined (the chosen root when there are several).
    pub fn rate(self) -> Option<f64> {
        match self {
            Irr::Undefined => None,
            Irr::Unique(rate) | Irr::Multiple { chosen: rate, .. } => Some(rate),
        }
    }

    /// Whether several roots were found (the trial's "multiple IRR" flag).
    pub fn is_multiple(self) -> bool {
        matches!(self, Irr::Multiple { .. })
    }
}

/// NPV at annual rate r of monthly flows: Σ f_t / (1+r)^(t/12).
///
/// `annual_rate` must exceed −1 (−100%); at or below it (or NaN) the discount factor does not
/// exist and the result is NaN.
pub fn npv(flows: &[f64], annual_rate: f64) -> f64 {
    if annual_rate.is_nan() || annual_rate <= -1.0 {
        return f64::NAN;
    }
    // ln(1 + r) through ln_1p keeps the precision of small rates.
    let log_growth = annual_rate.ln_1p() / 12.0;
    flows
        .iter()
        .enumerate()
        .filter(|(_, f)| **f != 0.0)
        .map(|(t, f)| f * (-(t as f64) * log_growth).exp())
        .sum()
}

/// The IRR of monthly flows, annualised: (1 + monthly)^12 − 1.
///
/// See the module doc for the rules: no sign change is [`Irr::Undefined`] except a total loss
/// (−100%); several roots are all found and one chosen.
///
/// # Example
/// ```
/// use sibsim::engine::irr::{irr, Irr};
/// // £100 in, £110 back a year later: 10% a year.
/// let mut flows = vec![0.0; 13];
/// flows[0] = -100.0;
/// flows[12] = 110.0;
/// let Irr::Unique(rate) = irr(&flows) else { panic!() };
/// assert!((rate - 0.10).abs() < 1e-12);
/// ```
pub fn irr(flows: &[f64]) -> Irr {
    let Some(poly) = Poly::new(flows) else {
        return Irr::Undefined;
    };
    match poly.sign_changes() {
        0 if poly.first() < 0.0 => Irr::Unique(-1.0),
        0 => Irr::Undefined,
        1 => Irr::Unique(annual(poly.single_root())),
        _ => {
            let roots = poly.all_roots();
            match roots.len() {
                0 => Irr::Undefined,
                1 => Irr::Unique(annual(roots[0])),
                n => Irr::Multiple {
                    chosen: annual(poly.meaningful(&roots)),
                    roots: n,
                },
            }
        }
    }
}

/// Every annual rate at which the NPV of the monthly flows is zero, found as [`irr`] finds them,
/// sorted ascending. Empty when there is no root — including a total loss, whose −100% is a limit
/// rather than a root.
pub fn irr_roots(flows: &[f64]) -> Vec<f64> {
    let Some(poly) = Poly::new(flows) else {
        return Vec::new();
    };
    match poly.sign_changes() {
        0 => Vec::new(),
        1 => vec![annual(poly.single_root())],
        _ => poly.all_roots().into_iter().map(annual).collect(),
    }
}

/// Money multiple: total received ÷ total paid in (None if nothing was paid in).
///
/// Totals are of the net monthly flows; a multiple below 1 is a capital loss. None also if any
/// flow is not finite.
pub fn money_multiple(flows: &[f64]) -> Option<f64> {
    if flows.iter().any(|f| !f.is_finite()) {
        return None;
    }
    // Dividing by the largest flow first keeps both totals finite for flows near f64::MAX.
    let scale = flows.iter().fold(0.0_f64, |m, f| m.max(f.abs()));
    if scale == 0.0 {
        return None;
    }
    let received: f64 = flows.iter().filter(|f| **f > 0.0).map(|f| f / scale).sum();
    let paid: f64 = flows.iter().filter(|f| **f < 0.0).map(|f| -f / scale).sum();
    (paid > 0.0).then(|| received / paid)
}

/// Brent's bracket on `s` stops below `2 ε |s| + BRENT_ABS_TOL` (see the module doc).
const BRENT_ABS_TOL: f64 = 1e-13;
/// A safety net only: Brent converges in far fewer steps from any bracket of the search.
const BRENT_MAX_ITER: usize = 500;
/// Beyond |s| = 750, e^(−|s|) is 0 in f64 and NPV equals its limit exactly.
const S_LIMIT: f64 = 750.0;
/// The multiple-root grid: first step on `s`, and its growth per step.
const GRID_FIRST_STEP: f64 = 1e-4;
const GRID_GROWTH: f64 = 1.01;

/// The annual rate e^(12 s) − 1 for log-rate `s`, saturated at `f64::MAX`.
fn annual(s: f64) -> f64 {
    (12.0 * s).exp_m1().min(f64::MAX)
}

/// The flows trimmed to their first and last nonzero months and divided by the largest |flow|:
/// the coefficients of NPV's polynomial, with `coef[0]` and `coef[T]` nonzero.
struct Poly {
    coef: Vec<f64>,
}

impl Poly {
    /// None if the flows are empty, all zero, or not all finite.
    fn new(flows: &[f64]) -> Option<Poly> {
        if flows.iter().any(|f| !f.is_finite()) {
            return None;
        }
        let scale = flows.iter().fold(0.0_f64, |m, f| m.max(f.abs()));
        if scale == 0.0 {
            return None;
        }
        // Trimmed after scaling: a flow that underflows to 0 relative to the largest is no flow.
        let scaled: Vec<f64> = flows.iter().map(|f| f / scale).collect();
        let first = scaled.iter().position(|c| *c != 0.0)?;
        let last = scaled.iter().rposition(|c| *c != 0.0)?;
        Some(Poly {
            coef: scaled[first..=last].to_vec(),
        })
    }

    fn first(&self) -> f64 {
        self.coef[0]
    }

    fn last(&self) -> f64 {
        self.coef[self.coef.len() - 1]
    }

    /// Sign changes in the sequence of nonzero flows.
    fn sign_changes(&self) -> usize {
        let mut signs = self.coef.iter().filter(|c| **c != 0.0).map(|c| *c > 0.0);
        let Some(mut previous) = signs.next() else {
            return 0;
        };
        signs
            .filter(|positive| {
                let changed = *positive != previous;
                previous = *positive;
                changed
            })
            .count()
    }

    /// A positive multiple of NPV at log-rate `s` (see the module doc), bounded by the number of
    /// months because every power used is at most 1.
    fn value(&self, s: f64) -> f64 {
        if s >= 0.0 {
            let x = (-s).exp();
            self.coef.iter().rev().fold(0.0, |acc, c| acc * x + c)
        } else {
            let v = s.exp();
            self.coef.iter().fold(0.0, |acc, c| acc * v + c)
        }
    }

    /// The root when there is exactly one sign change.
    fn single_root(&self) -> f64 {
        let at_zero = self.value(0.0);
        if at_zero == 0.0 {
            return 0.0;
        }
        // Left of the root NPV has the sign of the last flow, right of it that of the first.
        let direction = if (at_zero > 0.0) == (self.last() > 0.0) {
            1.0
        } else {
            -1.0
        };
        let target_positive = if direction > 0.0 {
            self.first() > 0.0
        } else {
            self.last() > 0.0
        };
        let (mut inner, mut f_inner) = (0.0, at_zero);
        let mut step = 1.0;
        loop {
            let outer = direction * step;
            let f_outer = self.value(outer);
            if f_outer == 0.0 {
                return outer;
            }
            // At |s| = 1024 the value is the limit itself, so this loop always ends.
            if (f_outer > 0.0) == target_positive || step >= 1024.0 {
                return brent(|s| self.value(s), inner, outer, f_inner, f_outer);
            }
            (inner, f_inner) = (outer, f_outer);
            step *= 2.0;
        }
    }

    /// Every root found by the grid scan, ascending.
    fn all_roots(&self) -> Vec<f64> {
        // Cauchy: every root z of a polynomial has |z| ≤ 1 + max |other coefficient / leading one|.
        let bound = |leading: f64, others: &[f64]| {
            let largest = others.iter().fold(0.0_f64, |m, c| m.max(c.abs()));
            (largest / leading.abs()).ln_1p().min(S_LIMIT)
        };
        let n = self.coef.len();
        let upper = bound(self.first(), &self.coef[1..]);
        let lower = -bound(self.last(), &self.coef[..n - 1]);

        let mut grid = vec![0.0];
        let mut offset = 0.0;
        let mut step = GRID_FIRST_STEP;
        while offset < upper.max(-lower) {
            offset += step;
            step *= GRID_GROWTH;
            if offset < upper {
                grid.push(offset);
            }
            if -offset > lower {
                grid.push(-offset);
            }
        }
        grid.push(upper);
        grid.push(lower);
        grid.sort_by(f64::total_cmp);
        grid.dedup();

        let mut roots = Vec::new();
        let values: Vec<f64> = grid.iter().map(|s| self.value(*s)).collect();
        for i in 0..grid.len() {
            if values[i] == 0.0 {
                roots.push(grid[i]);
            } else if i + 1 < grid.len() && values[i] * values[i + 1] < 0.0 {
                roots.push(brent(
                    |s| self.value(s),
                    grid[i],
                    grid[i + 1],
                    values[i],
                    values[i + 1],
                ));
            }
        }
        roots.sort_by(f64::total_cmp);
        roots.dedup_by(|b, a| (*b - *a).abs() <= 2.0 * BRENT_ABS_TOL);
        roots
    }

    /// The economically meaningful root among several (ascending) log-rates: see the module doc.
    fn meaningful(&self, roots: &[f64]) -> f64 {
        let net = self.value(0.0);
        let nearest_zero = || {
            roots
                .iter()
                .copied()
                .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                .unwrap_or(0.0)
        };
        let above = roots.iter().copied().find(|s| *s > 0.0);
        let below = roots.iter().rev().copied().find(|s| *s < 0.0);
        if net > 0.0 {
            above.or(below).unwrap_or_else(nearest_zero)
        } else if net < 0.0 {
            below.or(above).unwrap_or_else(nearest_zero)
        } else {
            nearest_zero()
        }
    }
}

/// A root of `f` in the bracket `[a, b]` (with `f(a) = fa`, `f(b) = fb` of opposite signs) by
/// Brent's method: inverse quadratic interpolation or the secant step when they stay well inside
/// the bracket, bisection otherwise, so it never converges more slowly than bisection.
fn brent(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, mut fa: f64, mut fb: f64) -> f64 {
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..BRENT_MAX_ITER {
        // Keep b the best estimate and [b, c] the bracket.
        if fc.abs() < fb.abs() {
            (a, b, c) = (b, c, b);
            (fa, fb, fc) = (fb, fc, fb);
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * BRENT_ABS_TOL;
        let half = 0.5 * (c - b);
        if half.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() < tol || fa.abs() <= fb.abs() {
            d = half;
            e = half;
        } else {
            let ratio = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * half * ratio, 1.0 - ratio)
            } else {
                let qa = fa / fc;
                let rb = fb / fc;
                (
                    ratio * (2.0 * half * qa * (qa - rb) - (b - a) * (rb - 1.0)),
                    (qa - 1.0) * (rb - 1.0) * (ratio - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            // Accept the interpolation only if it lands inside the bracket and shrinks steps fast
            // enough; otherwise bisect.
            if 2.0 * p < 3.0 * half * q - (tol * q).abs() && p < (0.5 * e * q).abs() {
                e = d;
                d = p / q;
            } else {
                d = half;
                e = half;
            }
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(half) };
        fb = f(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(pairs: &[(usize, f64)]) -> Vec<f64> {
        let len = pairs.iter().map(|(t, _)| t + 1).max().unwrap_or(0);
        let mut out = vec![0.0; len];
        for (t, f) in pairs {
            out[*t] += f;
        }
        out
    }

    #[test]
    fn brent_finds_a_known_root() {
        let root = brent(|x| x * x - 2.0, 0.0, 2.0, -2.0, 2.0);
        assert!((root - 2.0_f64.sqrt()).abs() < 1e-13);
    }

    #[test]
    fn value_is_continuous_at_zero_and_has_exact_limits() {
        let poly = Poly::new(&[0.0, -3.0, 1.0, 4.0, 0.0]).unwrap();
        assert_eq!(poly.coef, vec![-0.75, 0.25, 1.0]);
        assert!((poly.value(1e-12) - poly.value(-1e-12)).abs() < 1e-11);
        assert_eq!(poly.value(1024.0), -0.75);
        assert_eq!(poly.value(-1024.0), 1.0);
    }

    #[test]
    fn sign_changes_skip_zeros() {
        let count = |f: &[f64]| Poly::new(f).unwrap().sign_changes();
        assert_eq!(count(&[-1.0, 0.0, 2.0]), 1);
        assert_eq!(count(&[-1.0, 0.0, 2.0, 0.0, -1.0, 3.0]), 3);
        assert_eq!(count(&[1.0, 2.0, 0.0, 3.0]), 0);
    }

    #[test]
    fn one_year_ten_percent() {
        let f = flows(&[(0, -100.0), (12, 110.0)]);
        assert!((irr(&f).rate().unwrap() - 0.10).abs() < 1e-12);
    }

    #[test]
    fn leading_and_trailing_zeros_do_not_matter() {
        let f = flows(&[(5, -100.0), (17, 110.0), (30, 0.0)]);
        assert!((irr(&f).rate().unwrap() - 0.10).abs() < 1e-12);
    }

    #[test]
    fn root_below_zero_is_found() {
        // Half the money back after two years: (1 + r)^2 = 0.5.
        let f = flows(&[(0, -100.0), (24, 50.0)]);
        let rate = irr(&f).rate().unwrap();
        assert!((rate - (0.5_f64.sqrt() - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn borrowing_flows_have_an_irr_too() {
        // Received first, repaid later: one sign change, the lender's rate.
        let f = flows(&[(0, 100.0), (12, -110.0)]);
        assert!((irr(&f).rate().unwrap() - 0.10).abs() < 1e-12);
    }

    #[test]
    fn a_tiny_return_is_just_above_total_loss() {
        let f = flows(&[(0, -100.0), (36, 1e-6)]);
        let rate = irr(&f).rate().unwrap();
        // (1 + r)^3 = 1e-8.
        assert!(rate > -1.0 && rate < -0.99);
        assert!((rate - (1e-8_f64.powf(1.0 / 3.0) - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn enormous_returns_saturate_rather_than_overflow() {
        let f = flows(&[(0, -1.0), (1, 1e300)]);
        assert_eq!(irr(&f), Irr::Unique(f64::MAX));
    }

    #[test]
    fn non_finite_flows_are_undefined() {
        assert_eq!(irr(&[-1.0, f64::NAN]), Irr::Undefined);
        assert_eq!(irr(&[-1.0, f64::INFINITY]), Irr::Undefined);
        assert_eq!(money_multiple(&[-1.0, f64::INFINITY]), None);
    }

    #[test]
    fn a_double_root_touching_zero_is_one_root() {
        // -(1 + m)^2 + 2(1 + m) - 1 = -m^2: two sign changes, one (double) root at 0%.
        assert_eq!(irr(&[-1.0, 2.0, -1.0]), Irr::Unique(0.0));
    }

    #[test]
    fn sign_changes_without_a_root_are_undefined() {
        // -v^2 + v - 1 has no real root: NPV is negative at every rate.
        assert_eq!(irr(&[-1.0, 1.0, -1.0]), Irr::Undefined);
        assert!(irr_roots(&[-1.0, 1.0, -1.0]).is_empty());
    }

    #[test]
    fn npv_rejects_rates_at_or_below_minus_one() {
        assert!(npv(&[-1.0, 2.0], -1.0).is_nan());
        assert_eq!(npv(&[-1.0, 2.0], 0.0), 1.0);
    }

    #[test]
    fn money_multiple_survives_huge_flows() {
        let m = money_multiple(&[-f64::MAX, -f64::MAX, f64::MAX]).unwrap();
        assert!((m - 0.5).abs() < 1e-15);
    }
}
