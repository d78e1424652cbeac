//! A quantile table: the inverse CDF of a continuous distribution in tens of nanoseconds, to a
//! stated accuracy.
//!
//! **What it is.** Knots `u₀ < u₁ < … < uₙ` with `xᵢ = Q(uᵢ)` and the exact slopes
//! `dx/du = 1/f(xᵢ)`; between knots, the cubic Hermite interpolant in `u` (Hörmann & Leydold,
//! "Continuous random variate generation by fast numerical inversion", ACM TOMACS 13, 2003, whose
//! method this is). The knots are built from the exact CDF `F` and density `f` only, with no
//! inversion but for the two ends.
//!
//! **Accuracy, the stated bound.** An interval is refined (split at a knot near the `F⁻¹` of its
//! middle) until the CDF error at its midpoint, `|F(Q̂(u_mid)) − u_mid|`, is at most
//! [`TOLERANCE`] = 1e-10; the interpolation error of a cubic Hermite with exact end slopes is
//! largest near the middle (it vanishes to second order at both ends), which is why the midpoint is
//! where it is checked. So the sampled distribution is within 1e-10 of the exact one in CDF
//! (Kolmogorov) distance — far below what any run can resolve (the Monte Carlo error of a
//! probability is 1e-10 only after 1e20 trials). The unit tests check the bound on a dense grid
//! of `u` against statrs' CDFs for extreme shapes as well as ordinary ones.
//!
//! **Monotone.** An interval is kept cubic only where the Fritsch–Carlson condition
//! `α² + β² ≤ 9` (α, β the end slopes over the secant slope) proves the cubic monotone; elsewhere it
//! is split further, and an interval that cannot be split (its width at the precision of `u`) is
//! linear. Each value is clamped into its interval's `[xᵢ, xᵢ₊₁]`, so the table is non-decreasing
//! in `u` and never leaves the support.
//!
//! **Tails.** Below `u₀ ≈` [`TAIL`] and above `uₙ ≈ 1 − TAIL` the caller inverts exactly (slower,
//! but used for two draws in a billion), clamped to the table's ends so monotonicity holds across.
//! A table also stops where doubles become too sparse for the distribution's scale
//! ([`Continuous::table_ends`]: within 1e-12 of 1 for a beta, whose upper tail there is resolved
//! only by the exact inversion in `1 − x`). Where even that does not help — an interval whose ends
//! are two doubles apart — no method can return anything better than one of them, and the
//! interval is kept as a line.
//!
//! **Cost.** Building takes a few hundred CDF evaluations (tens of microseconds for the shapes of
//! the bundled scenarios; the unit tests report it); a lookup is a guide-table index (Chen & Asau
//! 1974: a uniform grid over `u` pointing at the first knot of each cell, so the search is O(1) on
//! average), one short scan and a cubic.

use std::fmt;

/// The largest CDF error allowed at an interval's midpoint.
pub(super) const TOLERANCE: f64 = 1e-10;

/// Probability left to the exact inversion at each end.
pub(super) const TAIL: f64 = 1e-9;

/// The widest interval kept, in u: a midpoint check over a wider one could pass by accident (by
/// symmetry, say) while the interpolant is off elsewhere.
const MAX_WIDTH: f64 = 1.0 / 32.0;

/// Intervals allowed before the table is given up (and every draw inverted exactly).
const MAX_INTERVALS: usize = 4096;

/// A continuous distribution the table can invert: its CDF, density, the density's logarithmic
/// derivative and its exact quantile.
pub(super) trait Continuous {
    fn cdf(&self, x: f64) -> f64;
    fn pdf(&self, x: f64) -> f64;
    /// `f′(x)/f(x)`.
    fn dlog_pdf(&self, x: f64) -> f64;
    fn quantile(&self, u: f64) -> f64;
    /// The table reaches no further than these `x`, beyond which doubles are too sparse for the
    /// distribution's scale there (e.g. within 1e-12 of 1 for a beta, whose upper tail lives in
    /// `1 − x`): the exact inversion, which works in the sparse variable, takes over.
    fn table_ends(&self) -> (f64, f64);
}

/// Below this `x` a table stops: values near the underflow limit are only as dense as subnormals.
pub(super) const TINY: f64 = 1e-290;

/// A knot: `x = Q(u)`, `Q′(u) = 1/f(x)` and `Q″(u) = −f′(x)/f(x)³`.
#[derive(Debug, Clone, Copy)]
struct Knot {
    u: f64,
    x: f64,
    d1: f64,
    d2: f64,
}

impl Knot {
    fn at<D: Continuous>(d: &D, x: f64, u: f64) -> Knot {
        let d1 = 1.0 / d.pdf(x);
        Knot {
            u,
            x,
            d1,
            d2: -d.dlog_pdf(x) * d1 * d1,
        }
    }
}

/// One interval: `x = Σ cₖtᵏ` (k = 0..5) for `t = (u − u₀)/(u₁ − u₀)`, clamped to `[x₀, x₁]`
/// (`x₀ = c₀`; `u₀` is the knot's). One cache line, so a lookup touches three: the guide cell,
/// the knots and the piece.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Piece {
    inv_width: f64,
    c: [f64; 6],
    x1: f64,
}

/// The verdict on an interval.
enum Verdict {
    /// Keep it, as a quintic (`true`) or linear; with its midpoint CDF error.
    Keep(bool, f64),
    Split(Knot),
}

/// A quantile table of one distribution over `[u₀, uₙ)`; see the module docs.
#[derive(Clone)]
pub(super) struct QuantileTable {
    /// The knots' u, for the search.
    knots: Vec<f64>,
    pieces: Vec<Piece>,
    /// For each of `guide.len()` equal cells of `[u₀, uₙ)`, the interval holding its left end.
    guide: Vec<u32>,
    guide_scale: f64,
    /// The largest midpoint CDF error of any interval (at most [`TOLERANCE`] unless an interval
    /// could not be split further).
    max_error: f64,
}

impl fmt::Debug for QuantileTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuantileTable")
            .field("intervals", &self.pieces.len())
            .field("u", &(self.u_lo(), self.u_hi()))
            .field("x", &(self.x_lo(), self.x_hi()))
            .field("max_error", &self.max_error)
            .finish()
    }
}

impl QuantileTable {
    /// The table of `d` between `u ≈ TAIL` and `1 − TAIL` (narrower if [`Continuous::table_ends`]
    /// says so), or `None` if it would need more than
    /// `MAX_INTERVALS` intervals to meet [`TOLERANCE`] (or `d` misbehaves numerically), in which
    /// case the caller should invert exactly.
    pub(super) fn new<D: Continuous>(d: &D) -> Option<QuantileTable> {
        let (lo_end, hi_end) = d.table_ends();
        let (x_lo, x_hi) = (
            d.quantile(TAIL).max(lo_end),
            d.quantile(1.0 - TAIL).min(hi_end),
        );
        if !(x_lo.is_finite() && x_hi.is_finite() && x_lo < x_hi) {
            return None;
        }
        let ends = [x_lo, x_hi].map(|x| Knot::at(d, x, d.cdf(x)));
        if ends[0].u.is_nan() || ends[1].u.is_nan() || ends[0].u >= ends[1].u {
            return None;
        }
        // Depth first from the left: `done` are final knots, `todo` the right ends still to check
        // (the next one on top).
        let mut done = vec![ends[0]];
        let mut quintic = Vec::new();
        let mut todo = vec![ends[1]];
        let mut max_error: f64 = 0.0;
        while let Some(&right) = todo.last() {
            let left = done[done.len() - 1];
            match check(d, left, right) {
                Verdict::Keep(is_quintic, error) => {
                    done.push(right);
                    todo.pop();
                    quintic.push(is_quintic);
                    max_error = max_error.max(error);
                }
                Verdict::Split(k) => todo.push(k),
            }
            if done.len() + todo.len() > MAX_INTERVALS + 1 {
                return None;
            }
        }
        let pieces: Vec<Piece> = done
            .windows(2)
            .zip(&quintic)
            .map(|(w, &is_quintic)| piece(w[0], w[1], is_quintic))
            .collect();
        let knots: Vec<f64> = done.iter().map(|k| k.u).collect();
        let (u_lo, u_hi) = (knots[0], knots[knots.len() - 1]);
        let cells = 4 * pieces.len();
        let guide_scale = cells as f64 / (u_hi - u_lo);
        let mut i = 0;
        let guide = (0..cells)
            .map(|g| {
                let u = u_lo + g as f64 / guide_scale;
                while i + 1 < pieces.len() && knots[i + 1] <= u {
                    i += 1;
                }
                i as u32
            })
            .collect();
        Some(QuantileTable {
            knots,
            pieces,
            guide,
            guide_scale,
            max_error,
        })
    }

    /// `Q̂(u)` for `u` in `[u₀, uₙ)`, `None` outside (where the caller inverts exactly).
    #[inline]
    pub(super) fn get(&self, u: f64) -> Option<f64> {
        let (u_lo, u_hi) = (self.u_lo(), self.u_hi());
        if !(u >= u_lo && u < u_hi) {
            return None;
        }
        let g = (((u - u_lo) * self.guide_scale) as usize).min(self.guide.len() - 1);
        let mut i = self.guide[g] as usize;
        // Rounding in the cell index can land one cell late; then step back.
        while i > 0 && self.knots[i] > u {
            i -= 1;
        }
        while self.knots[i + 1] <= u {
            i += 1;
        }
        let p = &self.pieces[i];
        let t = (u - self.knots[i]) * p.inv_width;
        let [c0, c1, c2, c3, c4, c5] = p.c;
        let x = c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * c5))));
        Some(x.clamp(c0, p.x1))
    }

    /// The first knot's `u` (the lower tail below it is left to the caller).
    pub(super) fn u_lo(&self) -> f64 {
        self.knots[0]
    }
    /// The last knot's `u`.
    pub(super) fn u_hi(&self) -> f64 {
        self.knots[self.knots.len() - 1]
    }
    /// `Q(u₀)`: exact inversions below `u₀` are clamped to at most this.
    pub(super) fn x_lo(&self) -> f64 {
        self.pieces[0].c[0]
    }
    /// `Q(uₙ)`: exact inversions above `uₙ` are clamped to at least this.
    pub(super) fn x_hi(&self) -> f64 {
        self.pieces[self.pieces.len() - 1].x1
    }
    /// The number of intervals.
    #[cfg(test)]
    pub(super) fn intervals(&self) -> usize {
        self.pieces.len()
    }
    /// The largest midpoint CDF error at build time.
    #[cfg(test)]
    pub(super) fn max_error(&self) -> f64 {
        self.max_error
    }
}

/// The quintic Hermite interpolant of `[l, r]` in `t ∈ [0, 1]`: its power coefficients and its
/// Bézier control points.
fn quintic(l: Knot, r: Knot) -> ([f64; 6], [f64; 6]) {
    let h = r.u - l.u;
    let (p0, p1) = (l.x, r.x);
    let dx = p1 - p0;
    // Derivatives in t.
    let (v0, v1) = (l.d1 * h, r.d1 * h);
    let (a0, a1) = (l.d2 * h * h, r.d2 * h * h);
    let power = [
        p0,
        v0,
        0.5 * a0,
        10.0 * dx - 6.0 * v0 - 4.0 * v1 - 0.5 * (3.0 * a0 - a1),
        -15.0 * dx + 8.0 * v0 + 7.0 * v1 + 0.5 * (3.0 * a0 - 2.0 * a1),
        6.0 * dx - 3.0 * v0 - 3.0 * v1 - 0.5 * (a0 - a1),
    ];
    let bezier = [
        p0,
        p0 + v0 / 5.0,
        p0 + 0.4 * v0 + a0 / 20.0,
        p1 - 0.4 * v1 + a1 / 20.0,
        p1 - v1 / 5.0,
        p1,
    ];
    (power, bezier)
}

fn eval(c: &[f64; 6], t: f64) -> f64 {
    c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))))
}

/// The quintic (or linear) piece between two knots.
fn piece(l: Knot, r: Knot, is_quintic: bool) -> Piece {
    let h = r.u - l.u;
    let c = if is_quintic {
        quintic(l, r).0
    } else {
        [l.x, r.x - l.x, 0.0, 0.0, 0.0, 0.0]
    };
    Piece {
        inv_width: if h > 0.0 { 1.0 / h } else { 0.0 },
        c,
        x1: r.x,
    }
}

/// Keep the interval `[l, r]` (quintic if provably monotone and accurate at its midpoint) or split
/// it at a knot near `F⁻¹` of its middle.
fn check<D: Continuous>(d: &D, l: Knot, r: Knot) -> Verdict {
    let h = r.u - l.u;
    let dx = r.x - l.x;
    let um = l.u + 0.5 * h;
    // No room left for a knot strictly inside, in u or in x: then a line, as good as a double
    // can be there.
    let ulp = |x: f64| x.abs().next_up() - x.abs();
    let tight = h <= 2.0 * ulp(r.u) || dx <= 2.0 * ulp(l.x.abs().max(r.x.abs()));
    if !(h > 0.0 && dx > 0.0) || tight {
        return Verdict::Keep(false, 0.0);
    }
    let (power, bezier) = quintic(l, r);
    // A Bézier curve with non-decreasing control points is non-decreasing (variation
    // diminishing): a sufficient condition, met by every short enough interval.
    let monotone = bezier.iter().all(|b| b.is_finite()) && bezier.windows(2).all(|w| w[0] <= w[1]);
    let xm = eval(&power, 0.5);
    let mut start = None;
    if xm > l.x && xm < r.x {
        let v = d.cdf(xm);
        let error = (v - um).abs();
        if monotone && error <= TOLERANCE && h <= MAX_WIDTH {
            return Verdict::Keep(true, error);
        }
        start = Some((xm, v));
    }
    match split(d, l, r, um, start) {
        Some(k) => Verdict::Split(k),
        None => linear(d, l, r),
    }
}

/// Keep `[l, r]` as a line (monotone at least), for an interval that could not be split; with its
/// midpoint CDF error, so that the table's recorded error stays honest.
fn linear<D: Continuous>(d: &D, l: Knot, r: Knot) -> Verdict {
    let error = if r.u > l.u && r.x > l.x {
        (d.cdf(0.5 * (l.x + r.x)) - (l.u + 0.5 * (r.u - l.u))).abs()
    } else {
        0.0
    };
    Verdict::Keep(false, error)
}

/// A knot strictly inside `[l, r]` whose `u` is within a quarter of the width of `um`: Newton from
/// `start` (the interpolant's guess), bisection where a step would leave the bracket.
fn split<D: Continuous>(
    d: &D,
    l: Knot,
    r: Knot,
    um: f64,
    start: Option<(f64, f64)>,
) -> Option<Knot> {
    let h = r.u - l.u;
    let (mut lo, mut hi) = (l.x, r.x);
    let (mut x, mut v) = match start {
        Some((x, v)) if x > lo && x < hi => (x, v),
        _ => {
            // Where the secant puts the middle.
            let x = lo + 0.5 * (hi - lo);
            (x, d.cdf(x))
        }
    };
    for _ in 0..100 {
        if (v - um).abs() <= 0.25 * h {
            break;
        }
        if v < um {
            lo = x;
        } else {
            hi = x;
        }
        let mut next = x - (v - um) / d.pdf(x);
        if !(next > lo && next < hi) {
            next = lo + 0.5 * (hi - lo);
        }
        if next == x {
            break;
        }
        x = next;
        v = d.cdf(x);
    }
    let k = Knot::at(d, x, v);
    (k.u > l.u && k.u < r.u && k.x > l.x && k.x < r.x).then_some(k)
}

/// A distribution with its table: [`Tabulated::quantile`] looks `u` up in the table where it covers
/// it and inverts exactly elsewhere.
#[derive(Debug)]
pub(super) struct Tabulated<D> {
    d: D,
    table: Option<QuantileTable>,
}

impl<D: Continuous> Tabulated<D> {
    pub(super) fn new(d: D) -> Tabulated<D> {
        let table = QuantileTable::new(&d);
        Tabulated { d, table }
    }

    /// Without a table: every quantile inverted exactly.
    pub(super) fn exact(d: D) -> Tabulated<D> {
        Tabulated { d, table: None }
    }

    /// The quantile at `u` in [0, 1].
    #[inline]
    pub(super) fn quantile(&self, u: f64) -> f64 {
        let Some(table) = &self.table else {
            return self.d.quantile(u);
        };
        match table.get(u) {
            Some(x) => x,
            None => self.tail(table, u),
        }
    }

    /// The exact quantile in the tails outside the table, clamped to its ends so that the whole
    /// is non-decreasing.
    #[cold]
    fn tail(&self, table: &QuantileTable, u: f64) -> f64 {
        let x = self.d.quantile(u);
        if u < table.u_lo() {
            x.min(table.x_lo())
        } else {
            x.max(table.x_hi())
        }
    }

    /// The table (`None` if it was refused).
    #[cfg(test)]
    pub(super) fn table(&self) -> Option<&QuantileTable> {
        self.table.as_ref()
    }
}

/// The root in [lo, hi] of `g` (which returns g(t) and its slope; g < 0 below the root): Newton's
/// method kept inside the bracket, which each step narrows, falling back to bisection when a step
/// would leave it. Shared by the exact tail inversions of the beta and the gamma, which work in
/// t = ln x. At most 200 steps.
pub(crate) fn newton_bracketed(
    g: impl Fn(f64) -> (f64, f64),
    mut t: f64,
    mut lo: f64,
    mut hi: f64,
) -> f64 {
    for _ in 0..200 {
        let (gt, slope) = g(t);
        if gt == 0.0 {
            break;
        }
        if gt < 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let mut next = t - gt / slope;
        let newton = next > lo && next < hi;
        if !newton {
            if next == t {
                // A step below the resolution of t: as close as it gets.
                break;
            }
            next = 0.5 * (lo + hi);
        }
        // Newton's error after a step of 1e-11 is of order 1e-22: the result is as exact as the
        // tail function allows.
        let converged = newton && (next - t).abs() <= 1e-11 || hi - lo <= 1e-15 * (1.0 + t.abs());
        t = next;
        if converged {
            break;
        }
    }
    t
}
