//! Paired statistics on common random numbers: a figure of one variant minus the same figure of
//! another, on the same trials, with the standard error of that difference computed from the
//! per-trial differences, beside the standard error two independent runs of the same size would
//! give.
//!
//! - **Means and probabilities**: the difference of means is the mean of the per-trial
//!   differences d_t; its paired SE is sd(d) / √n. The unpaired SE is √(var(x)/n + var(y)/n).
//! - **Quantiles**: the difference of the two samples' quantiles (type 7). Its SE is by batch
//!   means: the trials are cut into [`BATCHES`] contiguous batches, the quantile difference is
//!   taken in each, and SE = sd(batch differences) / √batches (each batch holds 1/B of the trials,
//!   so a batch estimate's variance is ≈ B times the whole run's). The unpaired SE combines each
//!   sample's own batch SE. Needs [`MIN_BATCH_TRIALS`] trials per batch.
//! - **Ratios of means** (E(S) ÷ E(N)): the delta method on z_t = (S_t − R N_t) ÷ E(N).
//!
//! Trials where either value is undefined (NaN: a cost per job with no jobs, an undefined IRR)
//! are left out of the pairs, and the count of them is reported with the figure.
//!
//! The variance-reduction factor is (unpaired SE / paired SE)²: how many times more trials two
//! independent runs would need for the same precision.

use crate::analysis::summary::quantile_sorted;

/// Batches for the SE of a quantile difference.
pub const BATCHES: usize = 32;
/// Fewest trials per batch for a batch SE.
pub const MIN_BATCH_TRIALS: usize = 10;

/// A paired difference and its errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diff {
    /// The difference, variant minus base, in the figure's unit.
    pub value: f64,
    /// From the per-trial (or per-batch) differences; NaN when it cannot be estimated.
    pub se_paired: f64,
    /// What two independent runs of the same size would give.
    pub se_unpaired: f64,
    /// Trials both values are defined in.
    pub pairs: usize,
}

impl Diff {
    /// (se_unpaired / se_paired)²; `None` when either is not a positive finite number.
    pub fn variance_reduction(&self) -> Option<f64> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        (ok(self.se_paired) && ok(self.se_unpaired))
            .then(|| (self.se_unpaired / self.se_paired).powi(2))
    }
}

/// Mean and (n − 1) variance of the defined values.
pub fn mean_var(xs: impl Iterator<Item = f64>) -> (f64, f64, usize) {
    let (mut n, mut mean, mut m2) = (0usize, 0.0, 0.0);
    for x in xs.filter(|x| !x.is_nan()) {
        n += 1;
        let d = x - mean;
        mean += d / n as f64;
        m2 += d * (x - mean);
    }
    let var = if n > 1 { m2 / (n - 1) as f64 } else { f64::NAN };
    (if n > 0 { mean } else { f64::NAN }, var, n)
}

fn pairs<'a>(x: &'a [f64], y: &'a [f64]) -> impl Iterator<Item = (f64, f64)> + 'a {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| (a, b))
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
}

/// Mean of `x` minus mean of `y`, trial by trial.
pub fn mean_diff(x: &[f64], y: &[f64]) -> Diff {
    let (d, var_d, n) = mean_var(pairs(x, y).map(|(a, b)| a - b));
    let (_, vx, _) = mean_var(pairs(x, y).map(|(a, _)| a));
    let (_, vy, _) = mean_var(pairs(x, y).map(|(_, b)| b));
    let nf = n as f64;
    Diff {
        value: d,
        se_paired: (var_d / nf).sqrt(),
        se_unpaired: (vx / nf + vy / nf).sqrt(),
        pairs: n,
    }
}

/// The type-7 quantile `p` of the defined values of `xs` (NaN if none).
pub fn quantile(xs: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&v, p)
}

/// The investor's IRR of each trial as a **ranking key** over all trials, in the order of
/// [`crate::analysis::summary::irr_quantiles_all_trials`] (the order `run`'s summary uses), so that
/// a comparison's IRR quantiles are over every trial too: an IRR above −100% is its own key; a
/// total loss (IRR −100%) is [`TOTAL_LOSS_KEY`], below all; a trial with no IRR and money paid in
/// (a capital loss no rate accounts for) is −3 + its money multiple (at most −2), above total
/// losses and below every IRR, ordered by multiple; one with nothing paid in and nothing back is
/// −2 (multiple 1); one with nothing paid in and money back is [`NO_IRR_ABOVE_KEY`], above all.
/// Columns in trial order: `irr` (NaN where undefined), `multiple` (NaN where nothing was paid in)
/// and `returned`.
pub fn irr_rank_keys(irr: &[f64], multiple: &[f64], returned: &[f64]) -> Vec<f64> {
    irr.iter()
        .enumerate()
        .map(|(t, &r)| {
            let m = multiple.get(t).copied().filter(|m| !m.is_nan());
            match (r.is_nan(), m) {
                (false, _) if r > -1.0 => r,
                (false, _) => TOTAL_LOSS_KEY,
                // No IRR with money paid in is a loss (see the summary's ranking), so its
                // multiple is below 1; the clamp only guards the key's band against a grid scan
                // that missed two close roots (multiple ≥ 1), which then ranks as multiple 1.
                (true, Some(m)) => -3.0 + m.clamp(0.0, 1.0),
                (true, None) if returned.get(t).copied().unwrap_or(0.0) > 0.0 => NO_IRR_ABOVE_KEY,
                (true, None) => -2.0,
            }
        })
        .collect()
}

/// The key of a total loss (IRR −100%) in [`irr_rank_keys`].
pub const TOTAL_LOSS_KEY: f64 = -4.0;
/// The key of a trial with no IRR ranked above every IRR in [`irr_rank_keys`].
pub const NO_IRR_ABOVE_KEY: f64 = 1e12;

/// The IRR a key of [`irr_rank_keys`] stands for, `None` for a trial with no IRR.
pub fn irr_of_key(k: f64) -> Option<f64> {
    if k == TOTAL_LOSS_KEY {
        Some(-1.0)
    } else if k > -1.0 && k < NO_IRR_ABOVE_KEY {
        Some(k)
    } else {
        None
    }
}

/// The type-7 quantile `p` of the IRRs whose keys are `keys` ([`irr_rank_keys`]), over all
/// trials: NaN (undefined) when an order statistic it interpolates is a trial with no IRR.
pub fn irr_quantile(keys: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = keys.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let i = (h.floor() as usize).min(n - 1);
    let frac = h - i as f64;
    let upper = if frac > 0.0 && i + 1 < n {
        v[i + 1]
    } else {
        v[i]
    };
    match (irr_of_key(v[i]), irr_of_key(upper)) {
        (Some(a), Some(b)) => a + frac * (b - a),
        _ => f64::NAN,
    }
}

/// SE of [`irr_quantile`] by batch means (NaN with too few trials, or when a batch's quantile
/// falls among trials with no IRR).
pub fn irr_quantile_se(keys: &[f64], p: f64) -> f64 {
    batch_se(keys.len(), |r| irr_quantile(&keys[r], p))
}

/// Quantile `p` of the IRRs keyed `x` minus that of those keyed `y` ([`irr_quantile`]), with
/// batch-means errors as [`quantile_diff`]'s.
pub fn irr_quantile_diff(x: &[f64], y: &[f64], p: f64) -> Diff {
    let n = x.len().min(y.len());
    let value = irr_quantile(x, p) - irr_quantile(y, p);
    let se_paired = batch_se(n, |r| {
        irr_quantile(&x[r.clone()], p) - irr_quantile(&y[r], p)
    });
    let se_unpaired = (irr_quantile_se(x, p).powi(2) + irr_quantile_se(y, p).powi(2)).sqrt();
    Diff {
        value,
        se_paired,
        se_unpaired,
        pairs: pairs(x, y).count(),
    }
}

/// SE of the quantile of one sample by batch means (NaN with too few trials).
pub fn quantile_se(xs: &[f64], p: f64) -> f64 {
    batch_se(xs.len(), |r| quantile(&xs[r], p))
}

fn batch_se(n: usize, estimate: impl Fn(std::ops::Range<usize>) -> f64) -> f64 {
    if n < BATCHES * MIN_BATCH_TRIALS {
        return f64::NAN;
    }
    let est: Vec<f64> = (0..BATCHES)
        .map(|k| estimate(k * n / BATCHES..(k + 1) * n / BATCHES))
        .collect();
    let (_, var, m) = mean_var(est.iter().copied());
    if m < BATCHES {
        return f64::NAN;
    }
    (var / BATCHES as f64).sqrt()
}

/// Quantile `p` of `x` minus quantile `p` of `y`, with batch-means errors.
pub fn quantile_diff(x: &[f64], y: &[f64], p: f64) -> Diff {
    let n = x.len().min(y.len());
    let value = quantile(x, p) - quantile(y, p);
    let se_paired = batch_se(n, |r| quantile(&x[r.clone()], p) - quantile(&y[r], p));
    let se_unpaired = (quantile_se(x, p).powi(2) + quantile_se(y, p).powi(2)).sqrt();
    Diff {
        value,
        se_paired,
        se_unpaired,
        pairs: pairs(x, y).count(),
    }
}

/// E(s) ÷ E(d) over the trials where both are defined.
pub fn ratio_of_means(s: &[f64], d: &[f64]) -> f64 {
    let (ms, _, _) = mean_var(pairs(s, d).map(|(a, _)| a));
    let (md, _, _) = mean_var(pairs(s, d).map(|(_, b)| b));
    ms / md
}

/// The delta-method linearisation of E(s) ÷ E(d): z_t = (s_t − R d_t) ÷ E(d) (NaN where either
/// value is undefined).
fn linearised(s: &[f64], d: &[f64]) -> Vec<f64> {
    let r = ratio_of_means(s, d);
    let (md, _, _) = mean_var(pairs(s, d).map(|(_, b)| b));
    s.iter().zip(d).map(|(&a, &b)| (a - r * b) / md).collect()
}

/// E(s_x) ÷ E(d_x) − E(s_y) ÷ E(d_y), trial by trial (delta method).
pub fn ratio_diff(sx: &[f64], dx: &[f64], sy: &[f64], dy: &[f64]) -> Diff {
    let zx = linearised(sx, dx);
    let zy = linearised(sy, dy);
    let d = mean_diff(&zx, &zy);
    Diff {
        value: ratio_of_means(sx, dx) - ratio_of_means(sy, dy),
        ..d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::{irr_quantiles_all_trials, RankedQuantile};

    /// By hand: six trials, IRRs 0.10, −0.20, none (multiple 0.5), none (multiple 0.8), −1 (a
    /// total loss), 0.05. Ranked: −1, [0.5], [0.8], −0.20, 0.05, 0.10. Type 7, h = 5p: P10
    /// h = 0.5 between −1 and a trial with no IRR → undefined; P50 h = 2.5 between [0.8] and
    /// −0.20 → undefined; P90 h = 4.5 → 0.05 + 0.5 × 0.05 = 0.075; P0 → −1.
    #[test]
    fn irr_quantiles_over_all_trials_by_hand() {
        let nan = f64::NAN;
        let irr = [0.10, -0.20, nan, nan, -1.0, 0.05];
        let multiple = [1.3, 0.8, 0.5, 0.8, 0.0, 1.1];
        let keys = irr_rank_keys(&irr, &multiple, &[1.0; 6]);
        assert!(irr_quantile(&keys, 0.1).is_nan());
        assert!(irr_quantile(&keys, 0.5).is_nan());
        assert!((irr_quantile(&keys, 0.9) - 0.075).abs() < 1e-12);
        assert_eq!(irr_quantile(&keys, 0.0), -1.0);
        // Nothing paid in and money back ranks above every IRR; nothing either way as multiple 1.
        let keys = irr_rank_keys(&[nan, nan, 0.2], &[nan, nan, 1.2], &[5.0, 0.0, 1.0]);
        assert_eq!(keys, [NO_IRR_ABOVE_KEY, -2.0, 0.2]);
    }

    /// The comparison's IRR quantiles are the summary's: the same ranking on random trials with
    /// many undefined ones, at many levels.
    #[test]
    fn irr_quantiles_agree_with_the_summarys_ranking() {
        let u = uniforms(11, 3 * 500);
        let (mut irr, mut multiple, mut returned) = (vec![], vec![], vec![]);
        for t in 0..500 {
            let (a, b, c) = (u[3 * t], u[3 * t + 1], u[3 * t + 2]);
            // A total loss gets nothing back: multiple 0.
            let m = if c < 0.02 { 0.0 } else { 2.0 * a };
            multiple.push(m);
            returned.push(m);
            irr.push(if c < 0.02 {
                -1.0
            } else if b < 0.3 && m < 1.0 {
                f64::NAN
            } else {
                (m - 1.0) / 3.0
            });
        }
        let keys = irr_rank_keys(&irr, &multiple, &returned);
        for k in 0..=20 {
            let p = f64::from(k) / 20.0;
            let want = irr_quantiles_all_trials(&irr, &multiple, &returned, [p, p, p])[0];
            let got = irr_quantile(&keys, p);
            match want {
                RankedQuantile::Value(v) => assert!((got - v).abs() < 1e-12, "P{p}: {got} vs {v}"),
                RankedQuantile::Undefined { .. } => assert!(got.is_nan(), "P{p}: {got}"),
            }
        }
    }

    /// A tiny generator for test data (splitmix64), independent of the engine's streams.
    fn uniforms(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn a_shift_has_no_paired_error_and_an_unpaired_one() {
        let x = uniforms(1, 4000);
        let y: Vec<f64> = x.iter().map(|v| v + 0.25).collect();
        let d = mean_diff(&y, &x);
        assert!((d.value - 0.25).abs() < 1e-12);
        assert!(d.se_paired < 1e-12);
        // Uniform(0,1) variance 1/12: unpaired SE = √(2/12/n).
        let want = (2.0 / 12.0 / 4000.0f64).sqrt();
        assert!(
            (d.se_unpaired / want - 1.0).abs() < 0.05,
            "{}",
            d.se_unpaired
        );
        let q = quantile_diff(&y, &x, 0.5);
        assert!((q.value - 0.25).abs() < 1e-12);
        assert!(q.se_paired < 1e-12);
    }

    #[test]
    fn independent_samples_get_no_reduction() {
        // x and y independent: the paired SE equals the unpaired one up to sampling error.
        let x = uniforms(2, 8000);
        let y = uniforms(3, 8000);
        let d = mean_diff(&x, &y);
        let r = d.variance_reduction().unwrap();
        assert!((0.9..1.1).contains(&r), "{r}");
    }

    #[test]
    fn quantile_batch_se_matches_the_order_statistic_formula() {
        // SE of the sample median of U(0,1): √(p(1−p)/n) / f(q) = √(0.25/n).
        let n = 32_000;
        let x = uniforms(4, n);
        let se = quantile_se(&x, 0.5);
        let want = (0.25 / n as f64).sqrt();
        assert!((se / want - 1.0).abs() < 0.35, "{se} vs {want}");
        assert!(quantile_se(&x[..100], 0.5).is_nan());
    }

    #[test]
    fn undefined_trials_are_left_out_of_the_pairs() {
        let x = [1.0, f64::NAN, 3.0, 5.0];
        let y = [0.0, 1.0, f64::NAN, 1.0];
        let d = mean_diff(&x, &y);
        assert_eq!(d.pairs, 2);
        assert_eq!(d.value, 2.5);
    }

    /// Standard normal draws from the splitmix64 uniforms (Box–Muller), for the replicate tests.
    struct Normals {
        u: std::vec::IntoIter<f64>,
    }

    impl Normals {
        fn new(seed: u64, n: usize) -> Normals {
            Normals {
                u: uniforms(seed, 2 * n).into_iter(),
            }
        }

        fn next(&mut self) -> f64 {
            let (a, b) = (self.u.next().unwrap(), self.u.next().unwrap());
            // 1 − a is in (0, 1]: the log is finite.
            (-2.0 * (1.0 - a).ln()).sqrt() * (std::f64::consts::TAU * b).cos()
        }
    }

    /// Sample standard deviation.
    fn sd(xs: &[f64]) -> f64 {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    /// Replicates for the SE-versus-spread tests: the SE of a standard deviation estimated from R
    /// replicates is about 1 / √(2(R − 1)) of it, 3.5% at 400, so the tolerances below are about
    /// 4 of those (ratio) and 7 (quantile, whose batch estimate has a small-batch bias too).
    const REPLICATES: usize = 400;

    #[test]
    fn the_delta_method_paired_se_of_a_ratio_difference_matches_its_spread_over_replicates() {
        // Per trial, a cost S and a count N for two structures on common random numbers: the
        // counts share their draw (delivery) and diverge a little (feedback); the costs share a
        // term (e1) and a term through N. The ratio difference E(S_x)/E(N_x) − E(S_y)/E(N_y) of
        // each replicate of n trials is one draw of the estimator whose SE ratio_diff reports.
        let n = 500;
        let (mut values, mut paired, mut unpaired) = (Vec::new(), Vec::new(), Vec::new());
        let (mut rx, mut ry) = (Vec::new(), Vec::new());
        for r in 0..REPLICATES {
            let mut g = Normals::new(1000 + r as u64, 4 * n);
            let (mut sx, mut nx, mut sy, mut ny) = (vec![], vec![], vec![], vec![]);
            for _ in 0..n {
                let (e0, e1, e2, e3) = (g.next(), g.next(), g.next(), g.next());
                let jobs = 30.0 + 6.0 * e0;
                ny.push(jobs);
                nx.push(jobs + 1.5 * e3);
                sy.push(20_000.0 + 700.0 * jobs + 4000.0 * e1);
                sx.push(35_000.0 + 400.0 * (jobs + 1.5 * e3) + 3000.0 * e1 + 2000.0 * e2);
            }
            let d = ratio_diff(&sx, &nx, &sy, &ny);
            assert_eq!(d.pairs, n);
            values.push(d.value);
            paired.push(d.se_paired);
            unpaired.push(d.se_unpaired);
            rx.push(ratio_of_means(&sx, &nx));
            ry.push(ratio_of_means(&sy, &ny));
        }
        let spread = sd(&values);
        let se = mean(&paired);
        assert!(
            (se / spread - 1.0).abs() < 0.15,
            "mean paired SE {se} vs sd of the difference over {REPLICATES} replicates {spread}"
        );
        // Two independent runs: the x ratio of one replicate minus the y ratio of another; their
        // spread is √(var R_x + var R_y), which the unpaired SE estimates.
        let independent = (sd(&rx).powi(2) + sd(&ry).powi(2)).sqrt();
        let se_u = mean(&unpaired);
        assert!(
            (se_u / independent - 1.0).abs() < 0.15,
            "mean unpaired SE {se_u} vs sd of independent differences {independent}"
        );
        // The design pairs strongly, so the two checks above tell the two SEs apart.
        assert!(se_u > 2.0 * se, "unpaired {se_u} vs paired {se}");
    }

    #[test]
    fn the_batch_means_se_of_a_quantile_difference_matches_its_spread_over_replicates() {
        let n = BATCHES * 100;
        for p in [0.5, 0.9] {
            let (mut values, mut paired, mut unpaired) = (Vec::new(), Vec::new(), Vec::new());
            let (mut qx, mut qy) = (Vec::new(), Vec::new());
            for r in 0..REPLICATES {
                let mut g = Normals::new(5000 + r as u64, 2 * n);
                let (mut x, mut y) = (Vec::new(), Vec::new());
                for _ in 0..n {
                    let (e1, e2) = (g.next(), g.next());
                    y.push(e1);
                    x.push(1.0 + 0.95 * e1 + 0.3 * e2);
                }
                let d = quantile_diff(&x, &y, p);
                values.push(d.value);
                paired.push(d.se_paired);
                unpaired.push(d.se_unpaired);
                qx.push(quantile(&x, p));
                qy.push(quantile(&y, p));
            }
            let (spread, se) = (sd(&values), mean(&paired));
            assert!(
                (se / spread - 1.0).abs() < 0.25,
                "p = {p}: mean batch SE {se} vs sd of the quantile difference {spread}"
            );
            let independent = (sd(&qx).powi(2) + sd(&qy).powi(2)).sqrt();
            let se_u = mean(&unpaired);
            assert!(
                (se_u / independent - 1.0).abs() < 0.25,
                "p = {p}: mean unpaired batch SE {se_u} vs sd of independent differences {independent}"
            );
            assert!(se_u > 1.5 * se, "p = {p}: unpaired {se_u} vs paired {se}");
        }
    }

    #[test]
    fn ratio_of_means_and_its_difference() {
        let s = [10.0, 20.0, 30.0];
        let n = [1.0, 2.0, 2.0];
        assert_eq!(ratio_of_means(&s, &n), 12.0);
        let s2: Vec<f64> = s.iter().map(|v| v * 2.0).collect();
        let d = ratio_diff(&s2, &n, &s, &n);
        assert!((d.value - 12.0).abs() < 1e-12);
    }
}
