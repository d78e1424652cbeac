//! Rank correlation and the tornado: which recorded inputs move an output, in which direction and
//! by how much.
//!
//! The analysis runs over the trials of an ordinary run: each trial's drawn inputs
//! (`input.<site>.<field>`) beside the outputs it produced. Two figures per input:
//!
//! - **Spearman's rank correlation** ρ ([`spearman`]): the Pearson correlation of the ranks, which
//!   measures how monotone the output is in the input, whatever the scales (Spearman 1904).
//! - **The swing** ([`bar`]): the output's median over the trials whose input is in its bottom band
//!   (e.g. decile) and over those in its top band, and their difference, in the output's own units.
//!   This is the tornado bar of spreadsheet risk tools, taken from the simulated trials
//!   (conditional bands) rather than by moving one input at a time with the others held.
//!
//! [`tornado`] sorts the bars by the size of the swing; [`composite`] puts one parameter's columns
//! at several sites on one scale so that the parameter can be ranked as a whole.
//!
//! **Undefined values.** A value that is not finite (NaN — an IRR that does not exist — or ±∞) is
//! undefined: it has no rank and takes no part in a median or a correlation. Quantiles are
//! Hyndman & Fan type 7 ([`quantile_sorted`]), the estimator used throughout the crate.
//!
//! Reference: C. Spearman, "The proof and measurement of association between two things",
//! *American Journal of Psychology* 15(1), 1904, 72–101; J. C. Helton and F. J. Davis, "Latin
//! hypercube sampling and the propagation of uncertainty in analyses of complex systems",
//! *Reliability Engineering & System Safety* 81(1), 2003, 23–69 (§6, rank correlation as a
//! sensitivity measure).

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::analysis::quantile_sorted;

/// Whether a value takes part in the analysis (finite); NaN and ±∞ are undefined.
fn defined(v: f64) -> bool {
    v.is_finite()
}

/// Average ranks, 1-based: the smallest defined value has rank 1, and values tied with each other
/// share the mean of the ranks they span (`[3, 1, 4, 1]` → `[3, 1.5, 4, 1.5]`).
///
/// An undefined value (not finite) gets rank NaN and is not counted: the defined values are ranked
/// 1..=m among themselves. `-0.0` and `0.0` are tied.
///
/// # Example
/// ```
/// use sibsim::sensitivity::rank::ranks;
/// let r = ranks(&[3.0, 1.0, f64::NAN, 4.0, 1.0]);
/// assert_eq!(&r[..2], &[3.0, 1.5]);
/// assert!(r[2].is_nan());
/// assert_eq!(&r[3..], &[4.0, 1.5]);
/// ```
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    let mut idx: Vec<usize> = (0..x.len()).filter(|&i| defined(x[i])).collect();
    // total_cmp puts -0.0 just before 0.0 with nothing between, so the `==` scan below ties them.
    idx.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && x[idx[j]] == x[idx[i]] {
            j += 1;
        }
        // Positions i..j (0-based) hold ranks i+1..=j; their mean is (i + 1 + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            out[k] = r;
        }
        i = j;
    }
    out
}

/// Spearman's rank correlation of `x` and `y`: the Pearson correlation of their average ranks
/// ([`ranks`]), taken over the pairs `(x[t], y[t])` where both are defined (ranked among those
/// pairs only).
///
/// `ρ = Σ (r_t − r̄)(s_t − s̄) / √(Σ (r_t − r̄)² · Σ (s_t − s̄)²)`, with `r`, `s` the ranks of `x`,
/// `y`; with ties this is the tie-corrected coefficient (not `1 − 6Σd²/(n(n²−1))`, which is exact
/// only without ties). Reference: Spearman (1904); see the module documentation.
///
/// `None` (undefined) when fewer than 3 pairs are defined, or when either side is constant over
/// them (a constant has no ranking to correlate). Slices of different lengths are paired up to the
/// shorter one.
///
/// # Example
/// ```
/// use sibsim::sensitivity::rank::spearman;
/// // Monotone but not linear: the rank correlation is exactly 1.
/// assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 8.0, 27.0, 64.0]), Some(1.0));
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]), None);
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (xs, ys): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| defined(**a) && defined(**b))
        .map(|(a, b)| (*a, *b))
        .unzip();
    if xs.len() < 3 || is_constant(&xs) || is_constant(&ys) {
        return None;
    }
    pearson(&ranks(&xs), &ranks(&ys))
}

/// Whether every value equals the first (an empty slice is constant).
fn is_constant(v: &[f64]) -> bool {
    v.iter().all(|&a| a == v[0])
}

/// Pearson correlation of two equal-length columns, by two passes (mean, then centred sums);
/// `None` when either has no spread.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return None;
    }
    // √(saa·sbb) rather than √saa·√sbb: when the ranks agree exactly (saa = sbb = sab) this is
    // saa exactly, so a perfectly monotone pair gets ρ = ±1, not 0.9999999999999998. The clamp
    // guards the remaining rounding.
    Some((sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0))
}

/// One input's tornado bar against one output: its rank correlation and its swing.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Bar {
    /// Spearman's rank correlation of input and output ([`spearman`]); `None` when undefined
    /// (a fixed input, an output constant or undefined in nearly every trial).
    pub rho: Option<f64>,
    /// Median of the output over the trials in the input's bottom band (input ≤ [`Bar::low_edge`])
    /// whose output is defined; `None` when there is no such trial.
    pub low: Option<f64>,
    /// Median of the output over the trials in the input's top band (input ≥ [`Bar::high_edge`])
    /// whose output is defined; `None` when there is no such trial.
    pub high: Option<f64>,
    /// `high − low`, signed (positive: the output rises with the input), in the output's units;
    /// `None` when either median is.
    pub swing: Option<f64>,
    /// How many trials the bottom band took: every trial with a defined input at or below
    /// [`Bar::low_edge`], ties at the edge included, so it can exceed `band × trials`.
    pub low_trials: usize,
    /// How many trials the top band took (input at or above [`Bar::high_edge`], ties included).
    pub high_trials: usize,
    /// Of the bottom band's trials, how many have a defined output (the median is over these).
    pub low_outputs: usize,
    /// Of the top band's trials, how many have a defined output (the median is over these).
    pub high_outputs: usize,
    /// The bottom band's edge: the input's quantile at `band` (e.g. its P10); `None` with the
    /// medians.
    pub low_edge: Option<f64>,
    /// The top band's edge: the input's quantile at `1 − band` (e.g. its P90).
    pub high_edge: Option<f64>,
    /// The input takes one value in every trial where it is defined: it cannot drive anything, and
    /// every other field is `None` (or 0).
    pub fixed: bool,
}

impl Bar {
    /// A bar with nothing to show.
    fn empty(fixed: bool) -> Self {
        Bar {
            rho: None,
            low: None,
            high: None,
            swing: None,
            low_trials: 0,
            high_trials: 0,
            low_outputs: 0,
            high_outputs: 0,
            low_edge: None,
            high_edge: None,
            fixed,
        }
    }
}

/// One input's tornado bar: the output's median over the trials whose input is in its bottom
/// `band` and over those in its top `band`, their difference (the swing), and the rank
/// correlation.
///
/// With `q_p` the input's type-7 quantile at level `p` over the trials where it is defined:
/// bottom band = trials with `input ≤ q_band`, top band = trials with `input ≥ q_(1−band)`;
/// `low` and `high` are the type-7 medians of the output over each band's trials where it is
/// defined, and `swing = high − low`. A band takes every trial tied at its edge, and says how many
/// it took ([`Bar::low_trials`], [`Bar::high_trials`]).
///
/// `band` is clamped to [0, 1] (0 takes the trials at the input's minimum and maximum; above 0.5
/// the bands overlap). A NaN `band` leaves the medians undefined (`None`). An input constant over
/// its defined values is `fixed` and gets nothing else. Slices of different lengths are paired up
/// to the shorter one.
///
/// # Example
/// ```
/// use sibsim::sensitivity::rank::bar;
/// let x: Vec<f64> = (1..=20).map(f64::from).collect();
/// let y: Vec<f64> = x.iter().map(|v| -v * v).collect();
/// let b = bar(&x, &y, 0.1);
/// // Bottom decile {1, 2} → median of {-1, -4}; top decile {19, 20} → median of {-361, -400}.
/// assert_eq!((b.low, b.high, b.swing), (Some(-2.5), Some(-380.5), Some(-378.0)));
/// assert_eq!(b.rho, Some(-1.0));
/// ```
pub fn bar(input: &[f64], output: &[f64], band: f64) -> Bar {
    let n = input.len().min(output.len());
    let (input, output) = (&input[..n], &output[..n]);
    let mut sorted: Vec<f64> = input.iter().copied().filter(|&v| defined(v)).collect();
    if sorted.is_empty() {
        return Bar::empty(false);
    }
    sorted.sort_unstable_by(f64::total_cmp);
    if sorted[0] == sorted[sorted.len() - 1] {
        return Bar::empty(true);
    }
    let mut out = Bar::empty(false);
    out.rho = spearman(input, output);
    if band.is_nan() {
        return out;
    }
    let band = band.clamp(0.0, 1.0);
    let low_edge = quantile_sorted(&sorted, band);
    let high_edge = quantile_sorted(&sorted, 1.0 - band);
    let (mut low_y, mut high_y) = (Vec::new(), Vec::new());
    for (&x, &y) in input.iter().zip(output) {
        if !defined(x) {
            continue;
        }
        if x <= low_edge {
            out.low_trials += 1;
            if defined(y) {
                low_y.push(y);
            }
        }
        if x >= high_edge {
            out.high_trials += 1;
            if defined(y) {
                high_y.push(y);
            }
        }
    }
    out.low_outputs = low_y.len();
    out.high_outputs = high_y.len();
    out.low_edge = Some(low_edge);
    out.high_edge = Some(high_edge);
    out.low = median(&mut low_y);
    out.high = median(&mut high_y);
    out.swing = match (out.low, out.high) {
        (Some(l), Some(h)) => Some(h - l),
        _ => None,
    };
    out
}

/// Type-7 median of finite values (sorted in place); `None` for none.
fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    Some(quantile_sorted(v, 0.5))
}

/// The tornado: every input's [`bar`] against one output, largest effect first.
///
/// Order: bars with a swing by |swing| descending, then by |ρ| descending (an undefined ρ after a
/// defined one); then non-fixed inputs without a swing, by |ρ|; fixed inputs last, so a fixed
/// input is never above one that can move. Inputs that compare equal keep their given order.
///
/// # Example
/// ```
/// use sibsim::sensitivity::rank::tornado;
/// let a = [1.0, 2.0, 3.0, 4.0, 5.0];
/// let b = [5.0, 3.0, 4.0, 1.0, 2.0];
/// let fixed = [7.0; 5];
/// let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a + 10.0 * b).collect();
/// let t = tornado(&[("a", &a), ("fixed", &fixed), ("b", &b)], &y, 0.2);
/// let names: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names, ["b", "a", "fixed"]);
/// ```
pub fn tornado(inputs: &[(&str, &[f64])], output: &[f64], band: f64) -> Vec<(String, Bar)> {
    // One input per task; collect keeps the given order, so the result does not depend on threads.
    let mut bars: Vec<(String, Bar)> = inputs
        .par_iter()
        .map(|(name, col)| (name.to_string(), bar(col, output, band)))
        .collect();
    bars.sort_by(|(_, a), (_, b)| tornado_order(a, b));
    bars
}

/// Tornado order (see [`tornado`]): `Less` when `a` comes first.
fn tornado_order(a: &Bar, b: &Bar) -> Ordering {
    fn class(b: &Bar) -> u8 {
        match (b.fixed, b.swing) {
            (true, _) => 2,
            (false, Some(_)) => 0,
            (false, None) => 1,
        }
    }
    // Larger magnitude first, undefined last.
    fn by_size(a: Option<f64>, b: Option<f64>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => y.abs().total_cmp(&x.abs()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    class(a)
        .cmp(&class(b))
        .then_with(|| by_size(a.swing, b.swing))
        .then_with(|| by_size(a.rho, b.rho))
}

/// One parameter across several sites as one column: per trial, the mean of the columns'
/// normalised ranks.
///
/// For columns `x_1 … x_k` (say `input.<site>.p_engage` at each site), trial `t` gets
/// `c_t = (1/k_t) Σ_j r_j(t) / m_j`, where `r_j` are the average [`ranks`] of column `j`, `m_j`
/// its number of defined values, and the sum runs over the `k_t` columns defined at trial `t`;
/// NaN when none is. Each term is in (0, 1], so sites whose parameter lives on different scales
/// (referrals per month at a large and a small site) weigh the same, and `c` rises with every
/// site's value: its [`spearman`] or [`bar`] against an output says how much the parameter drives
/// it taken over all sites together (when the sites' draws are correlated by a copula, `c` follows
/// the common factor). A constant column adds the same amount to every trial and changes no
/// ranking. This is an aggregation of our own, not a published index; it is the rank analogue of
/// averaging standardised scores.
///
/// Columns of different lengths are cut to the shortest; no columns give an empty vector.
///
/// # Example
/// ```
/// use sibsim::sensitivity::rank::composite;
/// // Same ordering on very different scales: the composite is each column's rank / 4.
/// let c = composite(&[&[1.0, 2.0, 3.0, 4.0], &[100.0, 200.0, 300.0, 400.0]]);
/// assert_eq!(c, [0.25, 0.5, 0.75, 1.0]);
/// ```
pub fn composite(columns: &[&[f64]]) -> Vec<f64> {
    let Some(n) = columns.iter().map(|c| c.len()).min() else {
        return Vec::new();
    };
    let mut sum = vec![0.0; n];
    let mut count = vec![0u32; n];
    for col in columns {
        let r = ranks(&col[..n]);
        let m = r.iter().filter(|v| !v.is_nan()).count() as f64;
        for t in 0..n {
            if !r[t].is_nan() {
                sum[t] += r[t] / m;
                count[t] += 1;
            }
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(&s, &c)| if c == 0 { f64::NAN } else { s / f64::from(c) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_pcg::Pcg64Mcg;

    #[test]
    fn ranks_average_ties_and_leave_undefined_out() {
        assert_eq!(ranks(&[3.0, 1.0, 4.0, 1.0, 5.0]), [3.0, 1.5, 4.0, 1.5, 5.0]);
        // Three-way tie at the top: ranks 3, 4, 5 → 4 each.
        assert_eq!(ranks(&[2.0, 9.0, 1.0, 9.0, 9.0]), [2.0, 4.0, 1.0, 4.0, 4.0]);
        assert_eq!(ranks(&[-0.0, 0.0, -1.0]), [2.5, 2.5, 1.0]);
        let r = ranks(&[f64::NAN, 2.0, f64::INFINITY, 1.0, f64::NEG_INFINITY]);
        assert!(r[0].is_nan() && r[2].is_nan() && r[4].is_nan());
        assert_eq!((r[1], r[3]), (2.0, 1.0));
        assert!(ranks(&[]).is_empty());
        assert!(ranks(&[f64::NAN; 3]).iter().all(|v| v.is_nan()));
        // The ranks of m defined values sum to m(m + 1)/2 whatever the ties.
        let x = [5.0, 5.0, 1.0, 2.0, 2.0, 2.0, 7.0, f64::NAN];
        assert_eq!(ranks(&x).iter().filter(|v| !v.is_nan()).sum::<f64>(), 28.0);
    }

    #[test]
    fn spearman_matches_the_textbook_formula_without_ties() {
        // No ties: ρ = 1 − 6 Σd² / (n(n² − 1)); d = (−1, 1, −1, 1, 0) → 1 − 24/120 = 0.8.
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 1.0, 4.0, 3.0, 5.0]).unwrap();
        assert!((rho - 0.8).abs() < 1e-15, "{rho}");
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[50.0, 40.0, 30.0, 20.0, 10.0]);
        assert_eq!(rho, Some(-1.0));
    }

    #[test]
    fn spearman_with_ties_is_pearson_of_average_ranks() {
        // x ranks (1, 2.5, 2.5, 4), y ranks (1, 3, 2, 4): centred (−1.5, 0, 0, 1.5) and
        // (−1.5, 0.5, −0.5, 1.5); Sxy = 4.5, Sxx = 4.5, Syy = 5 → ρ = 4.5/√22.5 = √0.9.
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((rho - 0.9f64.sqrt()).abs() < 1e-15, "{rho}");
    }

    #[test]
    fn spearman_uses_pairs_where_both_are_defined() {
        // The NaN pair and the ∞ pair drop out; the remaining three are perfectly monotone.
        let x = [1.0, f64::NAN, 2.0, 3.0, 9.0];
        let y = [1.0, 5.0, 2.0, 3.0, f64::INFINITY];
        assert_eq!(spearman(&x, &y), Some(1.0));
        // Two pairs left: undefined.
        assert_eq!(spearman(&[1.0, f64::NAN, 2.0], &[1.0, 2.0, 3.0]), None);
        // Constant over the defined pairs (it varies only where y is undefined).
        assert_eq!(
            spearman(&[1.0, 1.0, 1.0, 2.0], &[1.0, 2.0, 3.0, f64::NAN]),
            None
        );
        assert_eq!(spearman(&[], &[]), None);
        // Different lengths: paired up to the shorter.
        assert_eq!(spearman(&[1.0, 2.0, 3.0, 0.0], &[1.0, 2.0, 3.0]), Some(1.0));
    }

    #[test]
    fn bar_on_a_hand_case() {
        let x: Vec<f64> = (1..=20).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v * v).collect();
        let b = bar(&x, &y, 0.1);
        // P10 of 1..=20 (type 7): h = 1.9 → 2.9; P90: h = 17.1 → 18.1.
        assert!((b.low_edge.unwrap() - 2.9).abs() < 1e-12);
        assert!((b.high_edge.unwrap() - 18.1).abs() < 1e-12);
        assert_eq!((b.low_trials, b.high_trials), (2, 2));
        assert_eq!((b.low_outputs, b.high_outputs), (2, 2));
        assert_eq!(
            (b.low, b.high, b.swing),
            (Some(2.5), Some(380.5), Some(378.0))
        );
        assert_eq!(b.rho, Some(1.0));
        assert!(!b.fixed);
    }

    #[test]
    fn a_band_takes_every_trial_tied_at_its_edge() {
        // P10 of these 10 values is 0 (h = 0.9 between two zeros): the bottom band takes the
        // three zeros. P90: h = 8.1 → 6.1, so the top band takes only the 7.
        let x = [0.0, 5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 6.0, 7.0];
        let y = [10.0, 0.0, 30.0, 0.0, 0.0, 0.0, 0.0, 20.0, 0.0, 99.0];
        let b = bar(&x, &y, 0.1);
        assert_eq!(
            (b.low_trials, b.low_edge, b.low),
            (3, Some(0.0), Some(20.0))
        );
        assert_eq!((b.high_trials, b.high), (1, Some(99.0)));
        assert_eq!(b.swing, Some(79.0));
    }

    #[test]
    fn bar_medians_skip_undefined_outputs_and_say_so() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [f64::NAN, 4.0, 0.0, 0.0, f64::NAN, f64::NAN];
        let b = bar(&x, &y, 1.0 / 3.0);
        // Bottom third: x ≤ P33.3 = 2.667 → trials 1, 2; top: x ≥ P66.7 = 4.333 → trials 5, 6.
        assert_eq!((b.low_trials, b.low_outputs, b.low), (2, 1, Some(4.0)));
        assert_eq!((b.high_trials, b.high_outputs, b.high), (2, 0, None));
        assert_eq!(b.swing, None);
        // ρ over the three defined pairs (2, 4), (3, 0), (4, 0): ranks (1, 2, 3) and (3, 1.5, 1.5),
        // Sxy = −1.5, Sxx = 2, Syy = 1.5 → ρ = −1.5/√3 = −√3/2.
        assert!(
            (b.rho.unwrap() + 3f64.sqrt() / 2.0).abs() < 1e-15,
            "{:?}",
            b.rho
        );
    }

    #[test]
    fn bad_bands_and_inputs_do_not_panic() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [4.0, 3.0, 2.0, 1.0];
        let b = bar(&x, &y, f64::NAN);
        assert_eq!(
            (b.rho, b.low, b.swing, b.fixed),
            (Some(-1.0), None, None, false)
        );
        // Band 0: the minimum and the maximum; band above 1 clamps to 1 (everything, twice).
        let b = bar(&x, &y, 0.0);
        assert_eq!((b.low, b.high, b.swing), (Some(4.0), Some(1.0), Some(-3.0)));
        let b = bar(&x, &y, 7.0);
        assert_eq!((b.low_trials, b.high_trials, b.swing), (4, 4, Some(0.0)));
        // All-undefined input: neither fixed nor anything else.
        assert_eq!(bar(&[f64::NAN; 4], &y, 0.1), Bar::empty(false));
        assert_eq!(bar(&[], &[], 0.1), Bar::empty(false));
        // Output undefined everywhere: the bar has bands but no medians.
        let b = bar(&x, &[f64::NAN; 4], 0.25);
        assert_eq!((b.rho, b.low, b.high, b.low_trials), (None, None, None, 1));
    }

    #[test]
    fn a_fixed_input_is_fixed_and_gets_nothing_else() {
        let b = bar(&[2.5, 2.5, f64::NAN, 2.5], &[1.0, 2.0, 3.0, 4.0], 0.1);
        assert_eq!(b, Bar::empty(true));
    }

    /// y = Σ c_i x_i + noise with independent normal x_i: the rank correlations have the signs of
    /// c_i and the order of |c_i|·sd_i, and match the bivariate-normal value
    /// ρ_s = (6/π) asin(r/2), r = c_i sd_i / sd_y (Pearson 1907; Kendall & Stuart).
    #[test]
    fn linear_case_gives_the_right_signs_order_and_values() {
        let mut rng = Pcg64Mcg::seed_from_u64(11);
        let n = 5000;
        let c = [4.0, -1.5, 0.5, 0.3];
        let sd = [1.0, 2.0, 1.0, 5.0];
        let noise_sd = 0.1;
        // |c_i|·sd_i = 4, 3, 0.5, 1.5: expected order x0, x1, x3, x2.
        let cols: Vec<Vec<f64>> = sd
            .iter()
            .map(|&s| {
                let d = Normal::new(0.0, s).unwrap();
                (0..n).map(|_| d.sample(&mut rng)).collect()
            })
            .collect();
        let noise = Normal::new(0.0, noise_sd).unwrap();
        let y: Vec<f64> = (0..n)
            .map(|t| (0..4).map(|i| c[i] * cols[i][t]).sum::<f64>() + noise.sample(&mut rng))
            .collect();
        let fixed = vec![7.0; n];
        let var_y: f64 = (0..4).map(|i| (c[i] * sd[i]).powi(2)).sum::<f64>() + noise_sd.powi(2);
        for i in 0..4 {
            let rho = spearman(&cols[i], &y).unwrap();
            let r = c[i] * sd[i] / var_y.sqrt();
            let expected = 6.0 / std::f64::consts::PI * (r / 2.0).asin();
            // The SE of ρ_s at n = 5000 is at most about 0.0146 (√(1.06/n)): 0.07 is ~5 SE.
            assert!((rho - expected).abs() < 0.07, "x{i}: {rho} vs {expected}");
            assert_eq!(rho.signum(), c[i].signum(), "x{i}");
        }
        let named: Vec<(&str, &[f64])> = vec![
            ("fixed", &fixed),
            ("x0", &cols[0]),
            ("x1", &cols[1]),
            ("x2", &cols[2]),
            ("x3", &cols[3]),
        ];
        let t = tornado(&named, &y, 0.1);
        let order: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(order, ["x0", "x1", "x3", "x2", "fixed"]);
        for (name, b) in &t[..4] {
            let i: usize = name[1..].parse().unwrap();
            assert_eq!(b.swing.unwrap().signum(), c[i].signum(), "{name}");
            assert!((b.low_trials, b.high_trials) == (500, 500), "{name}: {b:?}");
        }
        let (_, f) = &t[4];
        assert!(f.fixed && f.rho.is_none() && f.swing.is_none());
    }

    #[test]
    fn a_fixed_input_is_never_above_a_varying_one() {
        // The varying input has no swing at all (output undefined in its bands) and no ρ: the
        // fixed one still comes last.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [f64::NAN, 1.0, 1.0, f64::NAN];
        let t = tornado(&[("fixed", &[3.0; 4]), ("x", &x)], &y, 0.25);
        assert_eq!(t[0].0, "x");
        assert!(t[1].1.fixed);
        // A zero swing still ranks above a fixed input.
        let t = tornado(&[("fixed", &[3.0; 4]), ("x", &x)], &[1.0; 4], 0.25);
        assert_eq!((t[0].0.as_str(), t[0].1.swing), ("x", Some(0.0)));
    }

    #[test]
    fn composite_averages_normalised_ranks() {
        // Opposite orderings cancel: every trial gets (r/4 + (5 − r)/4)/2 = 5/8.
        let c = composite(&[&[1.0, 2.0, 3.0, 4.0], &[40.0, 30.0, 20.0, 10.0]]);
        assert_eq!(c, [0.625; 4]);
        // An undefined value: that trial averages the other column only; the column with three
        // defined values normalises by 3.
        let c = composite(&[&[1.0, f64::NAN, 3.0, 2.0], &[1.0, 2.0, 3.0, 4.0]]);
        assert_eq!(
            c,
            [
                (1.0 / 3.0 + 0.25) / 2.0,
                0.5,
                (1.0 + 0.75) / 2.0,
                (2.0 / 3.0 + 1.0) / 2.0
            ]
        );
        let c = composite(&[&[f64::NAN, 1.0], &[f64::NAN, 5.0, 6.0]]);
        assert!(c[0].is_nan());
        assert_eq!(c.len(), 2);
        assert_eq!(c[1], 1.0);
        assert!(composite(&[]).is_empty());
    }

    #[test]
    fn composite_is_unchanged_by_monotone_rescaling_of_a_site() {
        let a = [0.3, 0.1, 0.7, 0.5, 0.2];
        let b = [12.0, 40.0, 3.0, 25.0, 18.0];
        let b_scaled: Vec<f64> = b.iter().map(|v: &f64| v.ln() * 1000.0 + 7.0).collect();
        assert_eq!(composite(&[&a, &b]), composite(&[&a, &b_scaled]));
    }
}
