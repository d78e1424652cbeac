//! Reverse stress: what the failing trials have in common.
//!
//! Given a failure event per trial (investor capital loss, a site's termination, a plan missed),
//! two views of the recorded inputs:
//!
//! - **Shifts** ([`shift`], [`ranked_shifts`]): each input's distribution in the failing trials
//!   against the others — the shift in median, the standardised difference in means, and the
//!   two-sample Kolmogorov–Smirnov statistic with its asymptotic p-value — ranked by the KS
//!   statistic, which sees any difference in distribution, not only in location.
//! - **Rules** ([`rules`], [`describe`]): a shallow classification tree (CART with Gini impurity,
//!   Breiman et al. 1984) whose leaves read as sentences: "p_engage ≤ 0.42 and referrals ≤ 31:
//!   91% fail (812 of 892 trials; 34% overall)".
//!
//! **Undefined values.** An input value that is not finite (NaN, ±∞) is left out: of the input's
//! shift, and of a tree node split on that input (see [`rules`]). Quantiles are Hyndman & Fan
//! type 7 ([`quantile_sorted`]). Nothing here is random: the same trials give the same answer on
//! any number of threads.
//!
//! References: L. Breiman, J. H. Friedman, R. A. Olshen and C. J. Stone, *Classification and
//! Regression Trees*, Wadsworth, 1984; M. A. Stephens, "Use of the Kolmogorov–Smirnov, Cramér–von
//! Mises and related statistics without extensive tables", *JRSS B* 32(1), 1970, 115–122;
//! W. H. Press et al., *Numerical Recipes*, 3rd ed., 2007, §6.14.12 and §14.3.3; J. Cohen,
//! *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., 1988, §2.2 (the
//! standardised difference, Cohen's d).

use rayon::prelude::*;

use crate::analysis::quantile_sorted;
use crate::report::terminal::group_thousands;

/// Whether a value takes part in the analysis (finite).
fn defined(v: f64) -> bool {
    v.is_finite()
}

/// One input's distribution in the failing trials against the other trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// Median of the input over the failing trials (type 7).
    pub median_fail: f64,
    /// Median of the input over the other trials.
    pub median_other: f64,
    /// `median_fail − median_other` (negative: failing trials have lower values).
    pub shift: f64,
    /// Standardised difference (Cohen's d): `(mean_fail − mean_other) / s_p`, with the pooled
    /// standard deviation `s_p = √((SS_fail + SS_other) / (n_fail + n_other − 2))` (`SS` the sum
    /// of squared deviations from the group's mean). When both groups are constant (at different
    /// values: the input is not constant) `s_p = 0` and this is ±∞ — complete separation; the KS
    /// statistic is then 1.
    pub standardised: f64,
    /// Two-sample Kolmogorov–Smirnov statistic `D = sup_x |F_fail(x) − F_other(x)|` over the two
    /// empirical CDFs, in [0, 1].
    pub ks: f64,
    /// Asymptotic p-value of `D` under "same distribution": `Q_KS((√n_e + 0.12 + 0.11/√n_e) D)`
    /// with `n_e = n_fail n_other / (n_fail + n_other)` and
    /// `Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}` (Stephens 1970; Numerical Recipes §14.3.3).
    /// `None` when `n_e < 4`, below which the approximation is not good. With ties (a discrete
    /// input) the p-value is conservative (too large).
    pub ks_p: Option<f64>,
    /// Failing trials with a defined input value.
    pub fail_trials: usize,
    /// Other trials with a defined input value.
    pub other_trials: usize,
}

/// The input's distribution in the failing trials (`fail[t]`) against the others; see [`Shift`]
/// for each figure and its formula.
///
/// Trials whose input is undefined are left out; slices of different lengths are paired up to the
/// shorter. `None` when either group is empty (every trial fails, or none does) or the input is
/// constant over its defined values (it cannot separate anything).
///
/// # Example
/// ```
/// use sibsim::sensitivity::stress::shift;
/// let s = shift(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[true, true, false, true, false, false]).unwrap();
/// assert_eq!((s.median_fail, s.median_other, s.shift), (2.0, 5.0, -3.0));
/// assert!((s.ks - 2.0 / 3.0).abs() < 1e-15);
/// assert_eq!(s.ks_p, None); // n_e = 1.5: too few for the asymptotic p-value
/// ```
pub fn shift(input: &[f64], fail: &[bool]) -> Option<Shift> {
    let (mut failing, mut other) = (Vec::new(), Vec::new());
    for (&x, &f) in input.iter().zip(fail) {
        if defined(x) {
            if f { &mut failing } else { &mut other }.push(x);
        }
    }
    if failing.is_empty() || other.is_empty() {
        return None;
    }
    failing.sort_unstable_by(f64::total_cmp);
    other.sort_unstable_by(f64::total_cmp);
    let (lo_f, hi_f) = (failing[0], failing[failing.len() - 1]);
    let (lo_o, hi_o) = (other[0], other[other.len() - 1]);
    let both_constant = lo_f == hi_f && lo_o == hi_o;
    if both_constant && lo_f == lo_o {
        return None;
    }
    let median_fail = quantile_sorted(&failing, 0.5);
    let median_other = quantile_sorted(&other, 0.5);
    let (mean_f, ss_f) = mean_ss(&failing);
    let (mean_o, ss_o) = mean_ss(&other);
    let (nf, no) = (failing.len(), other.len());
    let dof = (nf + no - 2).max(1) as f64;
    let pooled = ((ss_f + ss_o) / dof).sqrt();
    let standardised = if both_constant || pooled <= 0.0 {
        // Constant groups at different values; their difference has the sign of the medians'.
        (median_fail - median_other).signum() * f64::INFINITY
    } else {
        (mean_f - mean_o) / pooled
    };
    let ks = ks_statistic(&failing, &other);
    let ne = (nf as f64) * (no as f64) / ((nf + no) as f64);
    let ks_p = (ne >= 4.0).then(|| {
        let sq = ne.sqrt();
        kolmogorov_q((sq + 0.12 + 0.11 / sq) * ks)
    });
    Some(Shift {
        median_fail,
        median_other,
        shift: median_fail - median_other,
        standardised,
        ks,
        ks_p,
        fail_trials: nf,
        other_trials: no,
    })
}

/// Mean and sum of squared deviations from it, by two passes.
fn mean_ss(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (mean, v.iter().map(|x| (x - mean) * (x - mean)).sum())
}

/// Two-sample KS statistic of two ascending-sorted, non-empty samples: both empirical CDFs are
/// stepped past every value at once (all ties on both sides), so tied values never open a gap.
fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    // Once one sample is used up its CDF is 1 and the gap only narrows, so stop there.
    while i < a.len() && j < b.len() {
        let v = a[i].min(b[j]);
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

/// Kolmogorov's survival function `Q_KS(λ) = P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}`.
///
/// That series converges slowly for small λ; there the equivalent form
/// `1 − (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)}` is used (Numerical Recipes §6.14.12; the two are
/// one function by Jacobi's theta identity). Both are summed until a term is below 10⁻¹⁷.
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        1.0
    } else if lambda < 1.18 {
        kolmogorov_q_small(lambda)
    } else {
        kolmogorov_q_large(lambda)
    }
}

/// `Q_KS(λ)` by the theta-function form, fast for small λ.
fn kolmogorov_q_small(lambda: f64) -> f64 {
    let y = (-std::f64::consts::PI.powi(2) / (8.0 * lambda * lambda)).exp();
    let mut sum = 0.0;
    for j in 1u32.. {
        let k = f64::from(2 * j - 1);
        let term = y.powf(k * k);
        sum += term;
        if term < 1e-17 {
            break;
        }
    }
    (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * sum).clamp(0.0, 1.0)
}

/// `Q_KS(λ)` by the alternating series, fast for large λ.
fn kolmogorov_q_large(lambda: f64) -> f64 {
    let mut sum = 0.0;
    for j in 1u32.. {
        let jf = f64::from(j);
        let term = (-2.0 * jf * jf * lambda * lambda).exp();
        sum += if j % 2 == 1 { term } else { -term };
        if term < 1e-17 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Every input's [`shift`], largest KS statistic first (then larger |standardised|; inputs that
/// compare equal keep their given order). Inputs with no shift (constant; or no failing or no
/// other trial where they are defined) are left out.
pub fn ranked_shifts(inputs: &[(&str, &[f64])], fail: &[bool]) -> Vec<(String, Shift)> {
    let mut out: Vec<(String, Shift)> = inputs
        .par_iter()
        .filter_map(|(name, col)| shift(col, fail).map(|s| (name.to_string(), s)))
        .collect();
    out.sort_by(|(_, a), (_, b)| {
        b.ks.total_cmp(&a.ks)
            .then_with(|| b.standardised.abs().total_cmp(&a.standardised.abs()))
    });
    out
}

/// One condition of a rule: `input ≤ threshold` (`below`) or `input > threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// Index of the input (into the columns given to [`rules`]).
    pub input: usize,
    /// `true`: `input ≤ threshold`; `false`: `input > threshold`.
    pub below: bool,
    /// The split value: one of the input's percentiles in the tree node that was split.
    pub threshold: f64,
}

/// A leaf of the tree: the trials meeting every condition, and how many of them fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The path from the root, merged per input: at most one `>` and one `≤` condition per input
    /// (the tightest), the `>` first when both are there (a range), inputs in the order the path
    /// first used them. Empty for a tree that never split.
    pub conditions: Vec<Condition>,
    /// Trials meeting every condition.
    pub trials: usize,
    /// Of those, the failing ones.
    pub failing: usize,
}

impl Rule {
    /// `failing / trials`; `None` for a rule without trials.
    pub fn failure_rate(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.failing as f64 / self.trials as f64)
    }
}

/// A shallow classification tree of the failure event on the inputs, returned as its leaves (one
/// [`Rule`] each), highest failure rate first (then more trials first; then left to right in the
/// tree).
///
/// CART (Breiman et al. 1984): each node is split on the input and threshold that most reduce the
/// Gini impurity, weighted by trials — for a node of `m` trials, `f` failing, split into `n_L`
/// (`f_L` failing) and `n_R` (`f_R`), the decrease
/// `m·G(f/m) − n_L·G(f_L/n_L) − n_R·G(f_R/n_R)` with `G(p) = 2p(1 − p)`, which equals
/// `2 (f_L n_R − f_R n_L)² / (m n_L n_R)` (computed this way, so that "no gain" is exactly 0).
/// Candidate thresholds are the input's percentiles 1, 2, …, 99 over the node's trials
/// (type 7, deduplicated): a split costs one sort per input and node, so depth-3 trees on
/// 10⁵ trials are quick. The left child takes `input ≤ threshold`.
///
/// A node becomes a leaf at depth `max_depth` (`0`: the root alone), when it is pure (all or no
/// trials fail), or when no split leaves at least `min_leaf` trials (at least 1) on each side and
/// reduces the impurity. Ties between splits go to the lower input index, then the lower
/// threshold.
///
/// Undefined values: a split on input `j` is chosen over the node's trials where `j` is defined,
/// and trials with `j` undefined meet neither condition, so they leave the tree there: the leaves'
/// trials then add up to fewer than the root's. Columns shorter than `fail` count as undefined
/// beyond their end. No trials (`fail` empty) give no rules.
///
/// # Example
/// ```
/// use sibsim::sensitivity::stress::rules;
/// let x: Vec<f64> = (0..100).map(f64::from).collect();
/// let fail: Vec<bool> = x.iter().map(|&v| v < 30.0).collect();
/// let r = rules(&[&x], &fail, 3, 5);
/// assert_eq!((r[0].trials, r[0].failing), (30, 30));
/// assert!(r[0].conditions[0].below);
/// ```
pub fn rules(inputs: &[&[f64]], fail: &[bool], max_depth: usize, min_leaf: usize) -> Vec<Rule> {
    let n = fail.len();
    if n == 0 {
        return Vec::new();
    }
    let min_leaf = min_leaf.max(1);
    let value = |j: usize, t: usize| inputs[j].get(t).copied().filter(|v| defined(*v));

    // Depth first, left child first, with an explicit stack (the depth is the caller's).
    let mut stack: Vec<(Vec<usize>, Vec<Condition>)> = vec![((0..n).collect(), Vec::new())];
    let mut leaves: Vec<Rule> = Vec::new();
    while let Some((trials, path)) = stack.pop() {
        let failing = trials.iter().filter(|&&t| fail[t]).count();
        let pure = failing == 0 || failing == trials.len();
        let split = if path.len() >= max_depth || pure || trials.len() < min_leaf.saturating_mul(2)
        {
            None
        } else {
            let candidates: Vec<Option<Split>> = (0..inputs.len())
                .into_par_iter()
                .map(|j| best_split(inputs[j], &trials, fail, min_leaf))
                .collect();
            // The first strictly largest gain: the lowest input index among equals.
            let mut best: Option<(usize, Split)> = None;
            for (j, s) in candidates.into_iter().enumerate() {
                if let Some(s) = s {
                    if best.as_ref().is_none_or(|(_, b)| s.gain > b.gain) {
                        best = Some((j, s));
                    }
                }
            }
            best
        };
        match split {
            None => leaves.push(Rule {
                conditions: merge(&path),
                trials: trials.len(),
                failing,
            }),
            Some((j, s)) => {
                let (mut left, mut right) = (Vec::new(), Vec::new());
                for &t in &trials {
                    match value(j, t) {
                        Some(v) if v <= s.threshold => left.push(t),
                        Some(_) => right.push(t),
                        None => {}
                    }
                }
                let cond = |below| Condition {
                    input: j,
                    below,
                    threshold: s.threshold,
                };
                let mut right_path = path.clone();
                right_path.push(cond(false));
                let mut left_path = path;
                left_path.push(cond(true));
                stack.push((right, right_path));
                stack.push((left, left_path));
            }
        }
    }
    // Failure rates compared exactly (f_a/n_a > f_b/n_b ⇔ f_a n_b > f_b n_a); a stable sort keeps
    // the tree's left-to-right order among equals.
    leaves.sort_by(|a, b| {
        let ra = a.failing as u128 * b.trials as u128;
        let rb = b.failing as u128 * a.trials as u128;
        rb.cmp(&ra).then_with(|| b.trials.cmp(&a.trials))
    });
    leaves
}

/// The best split of one node on one input.
#[derive(Debug, Clone, Copy)]
struct Split {
    /// Weighted Gini decrease, in trials (see [`rules`]); always > 0.
    gain: f64,
    threshold: f64,
}

/// The best percentile split of the node's `trials` on `col`, or `None` if none leaves `min_leaf`
/// trials (with `col` defined) on each side and reduces the impurity.
fn best_split(col: &[f64], trials: &[usize], fail: &[bool], min_leaf: usize) -> Option<Split> {
    let mut pts: Vec<(f64, bool)> = trials
        .iter()
        .filter_map(|&t| {
            let v = col.get(t).copied().filter(|v| defined(*v))?;
            Some((v, fail[t]))
        })
        .collect();
    let m = pts.len();
    if m < min_leaf.saturating_mul(2) {
        return None;
    }
    pts.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let values: Vec<f64> = pts.iter().map(|p| p.0).collect();
    // failing_before[k] = failing trials among the k smallest values.
    let mut failing_before = Vec::with_capacity(m + 1);
    failing_before.push(0u64);
    for p in &pts {
        failing_before.push(failing_before[failing_before.len() - 1] + u64::from(p.1));
    }
    let f = failing_before[m];
    let mut best: Option<Split> = None;
    let mut last_left = usize::MAX;
    for pct in 1..100 {
        let t = quantile_sorted(&values, f64::from(pct) / 100.0);
        let n_l = values.partition_point(|&v| v <= t);
        // A threshold that moves no trial is the same split as the previous one: keep the lower.
        if n_l == last_left {
            continue;
        }
        last_left = n_l;
        let n_r = m - n_l;
        if n_l < min_leaf || n_r < min_leaf {
            continue;
        }
        let f_l = failing_before[n_l];
        let f_r = f - f_l;
        // Exact in integers (each product < 2⁶⁴ for any trial count that fits in memory).
        let d = (f_l * n_r as u64).abs_diff(f_r * n_l as u64) as f64;
        if d == 0.0 {
            continue;
        }
        let gain = 2.0 * d * d / (m as f64 * n_l as f64 * n_r as f64);
        if best.is_none_or(|b| gain > b.gain) {
            best = Some(Split { gain, threshold: t });
        }
    }
    best
}

/// Merges a path's conditions per input: the tightest `>` (largest threshold) and the tightest `≤`
/// (smallest), `>` first, inputs in order of first use.
fn merge(path: &[Condition]) -> Vec<Condition> {
    let mut order: Vec<usize> = Vec::new();
    for c in path {
        if !order.contains(&c.input) {
            order.push(c.input);
        }
    }
    let mut out = Vec::new();
    for j in order {
        let on = || path.iter().filter(move |c| c.input == j);
        let above = on()
            .filter(|c| !c.below)
            .map(|c| c.threshold)
            .max_by(f64::total_cmp);
        let below = on()
            .filter(|c| c.below)
            .map(|c| c.threshold)
            .min_by(f64::total_cmp);
        for (bound, is_below) in [(above, false), (below, true)] {
            if let Some(threshold) = bound {
                out.push(Condition {
                    input: j,
                    below: is_below,
                    threshold,
                });
            }
        }
    }
    out
}

/// A rule in words: its conditions, then its failure rate, count and the overall rate for
/// comparison — `"input.a ≤ 0.42 and input.b > 31: 91% fail (812 of 892 trials; 34% overall)"`.
///
/// `names[i]` names input `i` (`input #i` when missing). A `>` and a `≤` on the same input
/// read as a range, `0.1 < input.a ≤ 0.4`. Thresholds are printed to three significant figures
/// (whole numbers from 100 up; a range's two bounds with as many more as it takes to tell them
/// apart), so a printed bound can differ from the exact one in its last figure. Rates are whole percentages, with `<1%` and `>99%` for rates that are neither 0 nor 1
/// but round to them. A rule with no conditions reads `all trials`; `base_rate` (the failure rate
/// over all trials, a fraction) is left out when it is not finite.
///
/// # Example
/// ```
/// use sibsim::sensitivity::stress::{describe, Condition, Rule};
/// let rule = Rule {
///     conditions: vec![
///         Condition { input: 0, below: true, threshold: 0.42 },
///         Condition { input: 1, below: true, threshold: 31.0 },
///     ],
///     trials: 892,
///     failing: 812,
/// };
/// let names = ["input.tower_hamlets.p_engage", "input.tower_hamlets.referrals_per_month"];
/// assert_eq!(
///     describe(&rule, &names, 0.34),
///     "input.tower_hamlets.p_engage ≤ 0.42 and input.tower_hamlets.referrals_per_month ≤ 31: \
///      91% fail (812 of 892 trials; 34% overall)"
/// );
/// ```
pub fn describe(rule: &Rule, names: &[&str], base_rate: f64) -> String {
    let name = |i: usize| {
        names
            .get(i)
            .map_or_else(|| format!("input #{i}"), |s| s.to_string())
    };
    let mut parts = Vec::new();
    let c = &rule.conditions;
    let mut k = 0;
    while k < c.len() {
        let range = !c[k].below
            && c.get(k + 1)
                .is_some_and(|next| next.below && next.input == c[k].input);
        if range {
            // Enough figures to tell the two bounds apart (three unless they print the same).
            let (lo, hi) = (c[k].threshold, c[k + 1].threshold);
            let figures = (3..=17)
                .find(|&f| number_to(lo, f) != number_to(hi, f))
                .unwrap_or(17);
            parts.push(format!(
                "{} < {} ≤ {}",
                number_to(lo, figures),
                name(c[k].input),
                number_to(hi, figures)
            ));
            k += 2;
        } else {
            let op = if c[k].below { "≤" } else { ">" };
            parts.push(format!(
                "{} {op} {}",
                name(c[k].input),
                number(c[k].threshold)
            ));
            k += 1;
        }
    }
    let what = if parts.is_empty() {
        "all trials".to_string()
    } else {
        parts.join(" and ")
    };
    let overall = if base_rate.is_finite() {
        format!("{} overall", percent(base_rate))
    } else {
        String::new()
    };
    match rule.failure_rate() {
        Some(rate) if overall.is_empty() => format!(
            "{what}: {} fail ({} of {} trials)",
            percent(rate),
            group_thousands(&rule.failing.to_string()),
            group_thousands(&rule.trials.to_string())
        ),
        Some(rate) => format!(
            "{what}: {} fail ({} of {} trials; {overall})",
            percent(rate),
            group_thousands(&rule.failing.to_string()),
            group_thousands(&rule.trials.to_string())
        ),
        None if overall.is_empty() => format!("{what}: no trials"),
        None => format!("{what}: no trials ({overall})"),
    }
}

/// A fraction as a whole percentage; `<1%` / `>99%` for values strictly inside (0, 1) that would
/// round to 0 or 100.
fn percent(p: f64) -> String {
    let pc = (p * 100.0).round();
    if p > 0.0 && pc <= 0.0 {
        "<1%".to_string()
    } else if p < 1.0 && pc >= 100.0 {
        ">99%".to_string()
    } else {
        format!("{pc:.0}%")
    }
}

/// A threshold to three significant figures (whole numbers from 100 up), trailing zeros dropped.
fn number(x: f64) -> String {
    number_to(x, 3)
}

/// `x` to `figures` significant figures, but never fewer than its whole digits; trailing zeros
/// dropped.
fn number_to(x: f64, figures: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{}", if x == 0.0 { 0.0 } else { x });
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (figures - 1 - magnitude).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::percentile_of;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal, Uniform};
    use rand_pcg::Pcg64Mcg;

    /// KS D by its definition, independently of the merge walk: the largest gap between the two
    /// empirical CDFs, each counted in full at every observed value (O(n²)).
    fn ks_by_definition(a: &[f64], b: &[f64]) -> f64 {
        let cdf = |s: &[f64], x: f64| s.iter().filter(|&&v| v <= x).count() as f64 / s.len() as f64;
        a.iter()
            .chain(b)
            .map(|&x| (cdf(a, x) - cdf(b, x)).abs())
            .fold(0.0, f64::max)
    }

    fn split(input: &[f64], fail: &[bool]) -> (Vec<f64>, Vec<f64>) {
        let mut f: Vec<f64> = (0..input.len())
            .filter(|&t| fail[t])
            .map(|t| input[t])
            .collect();
        let mut o: Vec<f64> = (0..input.len())
            .filter(|&t| !fail[t])
            .map(|t| input[t])
            .collect();
        f.sort_by(f64::total_cmp);
        o.sort_by(f64::total_cmp);
        (f, o)
    }

    #[test]
    fn shift_on_a_hand_case() {
        // Failing {1, 2, 4}, other {3, 5, 6}. CDFs after 1..6: fail 1/3, 2/3, 2/3, 1, 1, 1;
        // other 0, 0, 1/3, 1/3, 2/3, 1 → D = 2/3 (at 2 and at 4).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let fail = [true, true, false, true, false, false];
        let s = shift(&x, &fail).unwrap();
        assert_eq!((s.median_fail, s.median_other, s.shift), (2.0, 5.0, -3.0));
        assert_eq!((s.fail_trials, s.other_trials), (3, 3));
        assert!((s.ks - 2.0 / 3.0).abs() < 1e-15, "{}", s.ks);
        // Means 7/3 and 14/3; each group's SS = 14/3, pooled variance = (28/3)/4 = 7/3, so
        // d = −(7/3)/√(7/3) = −√(7/3).
        assert!(
            (s.standardised + (7.0f64 / 3.0).sqrt()).abs() < 1e-14,
            "{}",
            s.standardised
        );
        assert_eq!(s.ks_p, None);
    }

    #[test]
    fn ks_steps_past_ties_on_both_sides() {
        // Same values in both groups: D = 0 (a walk that stepped one side at a time would see 1/2).
        let s = shift(&[1.0, 1.0, 2.0, 2.0], &[true, false, true, false]).unwrap();
        assert_eq!(s.ks, 0.0);
        assert_eq!(s.shift, 0.0);
        assert_eq!(s.standardised, 0.0);
    }

    #[test]
    fn ks_equals_its_definition_on_small_samples_with_ties() {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let values = Uniform::new_inclusive(0, 6).unwrap();
        let coin = Uniform::new(0.0, 1.0).unwrap();
        for _ in 0..200 {
            let n = 2 + (coin.sample(&mut rng) * 30.0) as usize;
            let x: Vec<f64> = (0..n).map(|_| f64::from(values.sample(&mut rng))).collect();
            let fail: Vec<bool> = (0..n).map(|_| coin.sample(&mut rng) < 0.3).collect();
            let (f, o) = split(&x, &fail);
            match shift(&x, &fail) {
                Some(s) => assert_eq!(s.ks, ks_by_definition(&f, &o), "{x:?} {fail:?}"),
                None => assert!(f.is_empty() || o.is_empty() || x.iter().all(|&v| v == x[0])),
            }
        }
    }

    #[test]
    fn kolmogorov_q_matches_the_published_critical_values() {
        // Smirnov (1948) / Massey (1951): P(K > 1.22385) = 0.10, P(K > 1.35810) = 0.05,
        // P(K > 1.62762) = 0.01; the CDF at 1 is 0.7300 (1 − Q).
        for (lambda, q) in [
            (1.22385, 0.10),
            (1.35810, 0.05),
            (1.62762, 0.01),
            (1.0, 0.27),
        ] {
            let got = kolmogorov_q(lambda);
            assert!((got - q).abs() < 2e-5, "Q({lambda}) = {got}, published {q}");
        }
        // The two series are one function (Jacobi's theta identity): they agree where both
        // converge, either side of the switch at 1.18.
        for lambda in [0.4, 0.7, 1.0, 1.18, 1.5, 2.2] {
            let (a, b) = (kolmogorov_q_small(lambda), kolmogorov_q_large(lambda));
            assert!((a - b).abs() < 1e-12, "λ = {lambda}: {a} vs {b}");
        }
        assert_eq!(kolmogorov_q(0.0), 1.0);
        assert_eq!(kolmogorov_q(f64::NAN), 1.0);
        assert_eq!(kolmogorov_q(f64::INFINITY), 0.0);
        assert_eq!(kolmogorov_q(1e-300), 1.0);
    }

    #[test]
    fn ks_p_follows_stephens_scaling() {
        // 10 failing, 15 other: n_e = 6; D = 1 (complete separation).
        let x: Vec<f64> = (0..25).map(f64::from).collect();
        let fail: Vec<bool> = (0..25).map(|t| t < 10).collect();
        let s = shift(&x, &fail).unwrap();
        assert_eq!(s.ks, 1.0);
        let sq = 6f64.sqrt();
        assert_eq!(s.ks_p, Some(kolmogorov_q(sq + 0.12 + 0.11 / sq)));
        assert!(s.ks_p.unwrap() < 1e-4);
    }

    #[test]
    fn shift_is_none_or_infinite_where_it_should_be() {
        let x = [1.0, 2.0, 3.0];
        assert_eq!(shift(&x, &[true; 3]), None);
        assert_eq!(shift(&x, &[false; 3]), None);
        assert_eq!(shift(&[4.0; 3], &[true, false, true]), None);
        assert_eq!(shift(&[], &[]), None);
        // The only failing trial has an undefined input: no failing group.
        assert_eq!(shift(&[f64::NAN, 1.0, 2.0], &[true, false, false]), None);
        // Undefined values are left out of their group.
        let s = shift(
            &[f64::NAN, 1.0, 2.0, 5.0, f64::INFINITY],
            &[true, true, false, false, true],
        );
        let s = s.unwrap();
        assert_eq!((s.fail_trials, s.other_trials, s.median_fail), (1, 2, 1.0));
        // Each group constant, at different values: complete separation.
        let s = shift(&[0.0, 0.0, 1.0, 1.0], &[true, true, false, false]).unwrap();
        assert_eq!((s.standardised, s.ks), (f64::NEG_INFINITY, 1.0));
        let s = shift(&[3.0, 1.0], &[true, false]).unwrap();
        assert_eq!((s.standardised, s.ks, s.ks_p), (f64::INFINITY, 1.0, None));
    }

    /// The reverse-stress fixture: five independent inputs on different scales; a trial fails
    /// exactly when input 3 is below `q`.
    fn threshold_fixture(n: usize, q: f64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut rng = Pcg64Mcg::seed_from_u64(2011);
        let dists = [
            Normal::new(0.0, 1.0).unwrap(),
            Normal::new(50.0, 20.0).unwrap(),
            Normal::new(0.3, 0.05).unwrap(),
            Normal::new(10.0, 3.0).unwrap(),
            Normal::new(-4.0, 2.0).unwrap(),
        ];
        let cols: Vec<Vec<f64>> = dists
            .iter()
            .map(|d| (0..n).map(|_| d.sample(&mut rng)).collect())
            .collect();
        let fail = cols[3].iter().map(|&v| v < q).collect();
        (cols, fail)
    }

    #[test]
    fn reverse_stress_finds_the_input_and_its_threshold() {
        let q = 8.37;
        let (cols, fail) = threshold_fixture(20_000, q);
        let names = ["x0", "x1", "x2", "x3", "x4"];
        let named: Vec<(&str, &[f64])> = names
            .iter()
            .copied()
            .zip(cols.iter().map(|c| &c[..]))
            .collect();
        let shifts = ranked_shifts(&named, &fail);
        assert_eq!(shifts.len(), 5);
        let (first, s) = &shifts[0];
        assert_eq!(first, "x3");
        // Failure is x3 < q exactly: the groups do not overlap.
        assert_eq!(s.ks, 1.0);
        assert!(s.median_fail < q && s.median_other > q && s.standardised < 0.0);
        // The noise inputs differ only by sampling: D about 1/√n_e ≈ 0.016 in size.
        for (name, s) in &shifts[1..] {
            assert!(s.ks < 0.05, "{name}: {s:?}");
        }

        let columns: Vec<&[f64]> = cols.iter().map(|c| &c[..]).collect();
        let mut sorted = cols[3].clone();
        sorted.sort_by(f64::total_cmp);
        let p_q = percentile_of(&sorted, q);
        // Depth 1 is the root split of every deeper tree.
        let root = rules(&columns, &fail, 1, 50);
        assert_eq!(root.len(), 2);
        let c = root[0].conditions[0];
        assert_eq!((c.input, c.below), (3, true));
        let p_t = percentile_of(&sorted, c.threshold);
        assert!(
            (p_t - p_q).abs() <= 0.01,
            "threshold {} at P{p_t}, q at P{p_q}",
            c.threshold
        );
        assert_eq!(root[0].trials + root[1].trials, 20_000);

        let tree = rules(&columns, &fail, 3, 50);
        let top = &tree[0];
        assert!(top.failure_rate().unwrap() > 0.99, "{top:?}");
        let on_x3: Vec<&Condition> = top.conditions.iter().filter(|c| c.input == 3).collect();
        assert!(on_x3
            .iter()
            .any(|c| c.below && (percentile_of(&sorted, c.threshold) - p_q).abs() <= 0.01));
        let failing: usize = fail.iter().filter(|&&f| f).count();
        assert_eq!(tree.iter().map(|r| r.failing).sum::<usize>(), failing);
        assert_eq!(tree.iter().map(|r| r.trials).sum::<usize>(), 20_000);
    }

    #[test]
    fn a_conjunction_reads_as_one_rule() {
        // Fail when x0 ≤ 0.4 and x1 ≤ 0.5 (uniform inputs; P = 0.2), two noise inputs.
        let mut rng = Pcg64Mcg::seed_from_u64(31);
        let u = Uniform::new(0.0, 1.0).unwrap();
        let n = 10_000;
        let cols: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..n).map(|_| u.sample(&mut rng)).collect())
            .collect();
        let fail: Vec<bool> = (0..n)
            .map(|t| cols[0][t] <= 0.4 && cols[1][t] <= 0.5)
            .collect();
        let columns: Vec<&[f64]> = cols.iter().map(|c| &c[..]).collect();
        let tree = rules(&columns, &fail, 3, 50);
        let top = &tree[0];
        let failing = fail.iter().filter(|&&f| f).count();
        // A pure rule holding nearly all the failures, on exactly the two inputs, both "≤".
        assert!(top.failure_rate().unwrap() > 0.99, "{top:?}");
        assert!(
            top.failing as f64 > 0.95 * failing as f64,
            "{top:?} of {failing}"
        );
        let mut used: Vec<usize> = top.conditions.iter().map(|c| c.input).collect();
        used.dedup();
        assert_eq!(used.len(), 2, "{top:?}");
        assert!(used.contains(&0) && used.contains(&1));
        assert!(
            top.conditions.iter().filter(|c| c.below).count() == 2,
            "{top:?}"
        );
    }

    #[test]
    fn the_tree_is_the_same_on_any_number_of_threads() {
        let (cols, fail) = threshold_fixture(5_000, 9.1);
        // Noise in the failure so that the tree grows past the first split.
        let fail: Vec<bool> = fail
            .iter()
            .zip(&cols[0])
            .map(|(&f, &z)| f ^ (z > 1.5))
            .collect();
        let columns: Vec<&[f64]> = cols.iter().map(|c| &c[..]).collect();
        let on = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| rules(&columns, &fail, 3, 20))
        };
        let one = on(1);
        assert!(one.len() > 2);
        assert_eq!(one, on(4));
    }

    #[test]
    fn trees_on_degenerate_data_do_not_panic() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        // All fail / none fail: one rule, no conditions.
        for f in [true, false] {
            let r = rules(&[&x], &[f; 50], 3, 5);
            assert_eq!(
                r,
                [Rule {
                    conditions: vec![],
                    trials: 50,
                    failing: if f { 50 } else { 0 }
                }]
            );
        }
        let fail: Vec<bool> = (0..50).map(|t| t % 3 == 0).collect();
        assert!(rules(&[&x], &[], 3, 5).is_empty());
        assert_eq!(rules(&[], &fail, 3, 5).len(), 1);
        assert_eq!(rules(&[&x], &fail, 0, 5)[0].conditions, []);
        assert_eq!(rules(&[&x], &fail, 3, 1000).len(), 1);
        assert_eq!(rules(&[&x], &fail, 3, usize::MAX).len(), 1);
        // A constant and an all-undefined input cannot split.
        assert_eq!(rules(&[&[2.0; 50], &[f64::NAN; 50]], &fail, 3, 1).len(), 1);
        // min_leaf 0 is taken as 1; a huge depth stops when nodes are pure.
        let r = rules(&[&x], &fail, usize::MAX, 0);
        assert_eq!(r.iter().map(|r| r.trials).sum::<usize>(), 50);
        assert!(r.iter().all(|r| r.failing == 0 || r.failing == r.trials));
    }

    #[test]
    fn trials_with_an_undefined_split_input_leave_the_tree() {
        // Input 0 separates perfectly but is undefined in 10 trials, and a shorter column ends
        // early: those trials meet neither condition.
        let mut x: Vec<f64> = (0..100).map(f64::from).collect();
        for t in (0..100).step_by(10) {
            x[t] = f64::NAN;
        }
        let fail: Vec<bool> = (0..100).map(|t| t < 40).collect();
        let r = rules(&[&x], &fail, 2, 5);
        assert_eq!(r.iter().map(|r| r.trials).sum::<usize>(), 90);
        assert_eq!((r[0].trials, r[0].failing), (36, 36));
        let short = &x[..50];
        let r = rules(&[short], &fail, 1, 5);
        assert_eq!(r.iter().map(|r| r.trials).sum::<usize>(), 45);
    }

    #[test]
    fn conditions_merge_into_one_range_per_input() {
        let c = |input, below, threshold| Condition {
            input,
            below,
            threshold,
        };
        let path = [
            c(0, true, 0.5),
            c(1, false, 2.0),
            c(0, false, 0.1),
            c(0, true, 0.4),
            c(0, false, 0.2),
        ];
        assert_eq!(
            merge(&path),
            [c(0, false, 0.2), c(0, true, 0.4), c(1, false, 2.0)]
        );
        let rule = Rule {
            conditions: merge(&path),
            trials: 300,
            failing: 1,
        };
        assert_eq!(
            describe(&rule, &["a"], 0.1234),
            "0.2 < a ≤ 0.4 and input #1 > 2: <1% fail (1 of 300 trials; 12% overall)"
        );
    }

    #[test]
    fn describe_edges() {
        let all = Rule {
            conditions: vec![],
            trials: 1000,
            failing: 999,
        };
        assert_eq!(
            describe(&all, &[], f64::NAN),
            "all trials: >99% fail (999 of 1,000 trials)"
        );
        let none = Rule {
            conditions: vec![],
            trials: 0,
            failing: 0,
        };
        assert_eq!(
            describe(&none, &[], 0.5),
            "all trials: no trials (50% overall)"
        );
        let c = Condition {
            input: 0,
            below: false,
            threshold: 123456.7,
        };
        let r = Rule {
            conditions: vec![c],
            trials: 4,
            failing: 4,
        };
        assert_eq!(
            describe(&r, &["m"], 1.0),
            "m > 123457: 100% fail (4 of 4 trials; 100% overall)"
        );
        assert_eq!(number(0.000123456), "0.000123");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.0999999), "0.1");
        // A narrow range gets the figures it needs.
        let narrow = Rule {
            conditions: vec![
                Condition {
                    input: 0,
                    below: false,
                    threshold: 0.97004,
                },
                Condition {
                    input: 0,
                    below: true,
                    threshold: 0.97012,
                },
            ],
            trials: 116,
            failing: 105,
        };
        assert_eq!(
            describe(&narrow, &["x"], 0.2),
            "0.97 < x ≤ 0.9701: 91% fail (105 of 116 trials; 20% overall)"
        );
    }
}
