//! Honest Monte Carlo errors for every reported figure (issue 9, item 5): of each metric's mean
//! and of its low, median and high quantiles, and of each probability — by the estimator that fits
//! the run's sampling [`Plan`].
//!
//! # Replicated runs (`lhs`, `sobol`)
//! Within a replicate the trials are not independent (they share a Latin hypercube or a Sobol
//! net), so `sd / √N` says nothing about the error. Across replicates they are: replicate r's
//! estimate θ_r (its mean, or its type-7 quantile, over its n trials) is one independent draw of
//! the same estimator. The standard error of the reported figure is
//!
//! `SE = s_θ / √R`, with `s_θ² = Σ_r (θ_r − θ̄)² / (R − 1)`
//!
//! over the R replicates (Owen, *Monte Carlo theory, methods and examples*, 2013, §17.1 on
//! randomised QMC; the same for replicated Latin hypercubes). Assumptions: the replicates are
//! independent (their randomisations are keyed by (seed, replicate) and share nothing) and R is
//! large enough for a standard deviation (≥ 2; 32 by default, so the SE is itself within about
//! ±13%). For a mean the reported figure — the mean over all R·n trials — is exactly θ̄ when the
//! metric is defined in every trial, so the formula is its standard error; a metric undefined in
//! some trials (an IRR) is a ratio estimate, for which it holds to first order. For a quantile the
//! reported figure is the quantile of all R·n trials, not θ̄: to first order (Bahadur's
//! representation) its error is the average of the replicates' linear error terms, whose spread the
//! replicate quantiles show, plus a within-replicate part that only adds to their spread — so the
//! SE is, if anything, conservative, more so for tail quantiles of small replicates. A probability
//! is the mean of a 0/1 flag.
//!
//! # Plain Monte Carlo (`mc`)
//! Trials are independent. A mean's SE stays `sd / √n` (the summary's `mcse`), a probability's
//! `√(p(1 − p) / n)`. A quantile's comes from the distribution-free confidence interval of the
//! p-quantile by order statistics (Conover, *Practical Nonparametric Statistics*, 3rd ed., 1999,
//! §3.2, with the normal approximation to the binomial): with z = 1.96, the 95% interval runs from
//! the order statistics of ranks `l = ⌊np − z√(np(1 − p))⌋` to `u = ⌈np + z√(np(1 − p))⌉` (1-based),
//! and `SE = (x_(u) − x_(l)) / (2z)`, the sd of a normal with that interval. It assumes nothing
//! about the metric's distribution, needs no density estimate and is 0 where the quantile sits on
//! a run of equal values (a whole-number metric's P50 in a large run), which is then its error. It
//! is undefined (NaN) when the interval reaches beyond the sample: fewer than about 4/(p(1 − p))
//! defined trials (≈ 45 for P10).

use rayon::prelude::*;

use crate::analysis::{MetricSummary, Summary, TrialTable};
use crate::engine::sampling::Plan;

/// The normal quantile of the order-statistic interval (95%).
const Z: f64 = 1.959_963_984_540_054;

/// Standard errors of one metric's reported figures (NaN where undefined).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Errors {
    /// Of the mean.
    pub mean: f64,
    /// Of the low quantile.
    pub low: f64,
    /// Of the median.
    pub median: f64,
    /// Of the high quantile.
    pub high: f64,
}

impl Errors {
    /// The quantiles' errors, low to high.
    pub fn quantiles(&self) -> [f64; 3] {
        [self.low, self.median, self.high]
    }
}

/// Standard errors of every figure of a run: its metrics, probabilities and recorded inputs, in
/// table order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunErrors {
    /// One per metric.
    pub metrics: Vec<Errors>,
    /// One per flag: the error of its probability.
    pub probabilities: Vec<f64>,
    /// One per recorded input (empty when the table holds no inputs for every trial).
    pub inputs: Vec<Errors>,
}

/// The errors of every figure of `table`, run by `plan`, quantiles at `levels` (low, 0.5, high).
/// Columns are computed in parallel; each depends on its own column only, so the result is the
/// same on any thread count.
pub fn run_errors(table: &TrialTable, plan: &Plan, levels: [f64; 3]) -> RunErrors {
    let metrics = (0..table.metric_names.len())
        .into_par_iter()
        .map(|j| metric_errors(&table.metric_column(j), plan, levels))
        .collect();
    let probabilities = (0..table.flag_names.len())
        .into_par_iter()
        .map(|j| flag_error(&table.flag_column(j), plan))
        .collect();
    let inputs = &table.inputs;
    let inputs = if inputs.trials == table.trials {
        (0..inputs.names.len())
            .into_par_iter()
            .map(|j| {
                let column: Vec<f64> = (0..inputs.trials).map(|t| inputs.row(t)[j]).collect();
                metric_errors(&column, plan, levels)
            })
            .collect()
    } else {
        Vec::new()
    };
    RunErrors {
        metrics,
        probabilities,
        inputs,
    }
}

/// Put the replicates' errors of the means and probabilities in place of the summary's
/// `sd / √n` and `√(p(1 − p) / n)`, which assume independent trials (for a replicated run).
pub fn replace_mcse(
    summary: &mut Summary,
    inputs: &mut [(String, MetricSummary)],
    errors: &RunErrors,
) {
    for ((_, m), e) in summary.metrics.iter_mut().zip(&errors.metrics) {
        m.mcse = e.mean;
    }
    for ((_, p), &e) in summary.probabilities.iter_mut().zip(&errors.probabilities) {
        p.mcse = e;
    }
    for ((_, m), e) in inputs.iter_mut().zip(&errors.inputs) {
        m.mcse = e.mean;
    }
}

/// The errors of a metric's mean and quantiles at `levels`, from its values in trial order (NaN
/// where undefined, left out) and the plan they were drawn by.
pub fn metric_errors(column: &[f64], plan: &Plan, levels: [f64; 3]) -> Errors {
    if plan.method.replicated() {
        let per = plan.per_replicate.max(1) as usize;
        let mut means = Vec::new();
        let mut quantiles: [Vec<f64>; 3] = Default::default();
        let mut buf = Vec::with_capacity(per);
        for rep in column.chunks(per) {
            buf.clear();
            buf.extend(rep.iter().copied().filter(|x| !x.is_nan()));
            if buf.is_empty() {
                continue;
            }
            means.push(buf.iter().sum::<f64>() / buf.len() as f64);
            for (k, &p) in levels.iter().enumerate() {
                quantiles[k].push(select_type7(&mut buf, p));
            }
        }
        let [low, median, high] = quantiles.map(|q| se_of_replicates(&q));
        return Errors {
            mean: se_of_replicates(&means),
            low,
            median,
            high,
        };
    }
    let mut defined: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = defined.len();
    let mean = if n < 2 {
        f64::NAN
    } else {
        let m = defined.iter().sum::<f64>() / n as f64;
        let ss: f64 = defined.iter().map(|x| (x - m) * (x - m)).sum();
        (ss / (n - 1) as f64).sqrt() / (n as f64).sqrt()
    };
    let [low, median, high] = levels.map(|p| order_statistic_se(&mut defined, p));
    Errors {
        mean,
        low,
        median,
        high,
    }
}

/// The error of a flag's probability: the binomial `√(p(1 − p) / n)` for independent trials, the
/// spread of the replicates' shares otherwise.
pub fn flag_error(column: &[f64], plan: &Plan) -> f64 {
    if plan.method.replicated() {
        let per = plan.per_replicate.max(1) as usize;
        let shares: Vec<f64> = column
            .chunks(per)
            .map(|r| r.iter().sum::<f64>() / r.len() as f64)
            .collect();
        return se_of_replicates(&shares);
    }
    if column.is_empty() {
        return f64::NAN;
    }
    let n = column.len() as f64;
    let p = (column.iter().sum::<f64>() / n).clamp(0.0, 1.0);
    (p * (1.0 - p) / n).sqrt()
}

/// `s / √R`: the standard error of the mean of R independent estimates (NaN for fewer than 2).
pub fn se_of_replicates(estimates: &[f64]) -> f64 {
    let r = estimates.len();
    if r < 2 {
        return f64::NAN;
    }
    let m = estimates.iter().sum::<f64>() / r as f64;
    let ss: f64 = estimates.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (r - 1) as f64).sqrt() / (r as f64).sqrt()
}

/// The type-7 quantile at `p` of `xs` (non-empty, no NaN) by selection, not a sort (Hyndman &
/// Fan 1996, as [`quantile_sorted`](crate::analysis::quantile_sorted)); reorders `xs`.
pub fn select_type7(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len();
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let i = h.floor() as usize;
    let (_, &mut lo, right) = xs.select_nth_unstable_by(i, f64::total_cmp);
    let frac = h - i as f64;
    if frac == 0.0 || right.is_empty() {
        return lo;
    }
    let hi = right.iter().copied().fold(f64::INFINITY, f64::min);
    lo + frac * (hi - lo)
}

/// The k-th smallest (0-based) of `xs` by selection; reorders `xs`.
fn order_statistic(xs: &mut [f64], k: usize) -> f64 {
    *xs.select_nth_unstable_by(k, f64::total_cmp).1
}

/// The order-statistic standard error of the p-quantile of independent values `xs` (see the
/// module docs); NaN when the 95% interval's ranks fall outside the sample.
pub fn order_statistic_se(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len() as f64;
    let half = Z * (n * p * (1.0 - p)).sqrt();
    let (l, u) = ((n * p - half).floor(), (n * p + half).ceil());
    if half.is_nan() || half <= 0.0 || l < 1.0 || u > n {
        return f64::NAN;
    }
    // Ranks are 1-based; the selection 0-based.
    let upper = order_statistic(xs, u as usize - 1);
    let lower = order_statistic(xs, l as usize - 1);
    (upper - lower) / (2.0 * Z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::quantile_sorted;
    use crate::engine::sampling::Method;

    #[test]
    fn selection_gives_the_type7_quantile() {
        let mut xs: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64 * 0.5).collect();
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0] {
            assert_eq!(select_type7(&mut xs, p), quantile_sorted(&sorted, p), "{p}");
        }
        assert_eq!(select_type7(&mut [1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(select_type7(&mut [7.0], 0.9), 7.0);
    }

    #[test]
    fn replicate_errors_by_hand() {
        // Two replicates of 3 trials, one undefined value: replicate means 2 and 5, so s = 2.1213
        // and SE = s / √2 = 1.5; medians 2 and 5 (type 7 of [1, 3] is 2), the same.
        let plan = Plan {
            method: Method::Lhs,
            replicates: 2,
            per_replicate: 3,
        };
        let e = metric_errors(&[1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0], &plan, [0.1, 0.5, 0.9]);
        assert!((e.mean - 1.5).abs() < 1e-12, "{e:?}");
        assert!((e.median - 1.5).abs() < 1e-12, "{e:?}");
        // P10: 1.2 and 4.2; P90: 2.8 and 5.8: each 1.5 too.
        assert!(
            (e.low - 1.5).abs() < 1e-12 && (e.high - 1.5).abs() < 1e-12,
            "{e:?}"
        );
        // Flags: shares 1/3 and 1: s = 0.4714, SE = 1/3.
        let f = flag_error(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &plan);
        assert!((f - 1.0 / 3.0).abs() < 1e-12, "{f}");
        // A single replicate has no spread: undefined, not zero.
        assert!(se_of_replicates(&[3.0]).is_nan());
    }

    #[test]
    fn order_statistic_errors_by_hand() {
        // n = 100, p = 0.5: half-width 1.96·√25 = 9.8, ranks ⌊40.2⌋ = 40 and ⌈59.8⌉ = 60, values
        // 40 and 60 in 1..=100: SE = 20 / 3.92.
        let plan = Plan::mc(100);
        let mut xs: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let e = metric_errors(&xs, &plan, [0.1, 0.5, 0.9]);
        assert!((e.median - 20.0 / (2.0 * Z)).abs() < 1e-12, "{e:?}");
        // p = 0.1: half-width 1.96·3 = 5.88, ranks ⌊4.12⌋ = 4 and ⌈15.88⌉ = 16.
        assert!((e.low - 12.0 / (2.0 * Z)).abs() < 1e-12, "{e:?}");
        // The mean's: sd of 1..=100 is √(100·101/12) = 29.01, over √100.
        assert!((e.mean - (100.0f64 * 101.0 / 12.0).sqrt() / 10.0).abs() < 1e-12);
        // Too few values for the interval: undefined.
        assert!(order_statistic_se(&mut xs[..20], 0.1).is_nan());
        // Binomial for a flag.
        let f = flag_error(&[1.0, 0.0, 0.0, 0.0], &Plan::mc(4));
        assert!((f - (0.25f64 * 0.75 / 4.0).sqrt()).abs() < 1e-15);
    }

    /// For independent normal values the order-statistic SE of the median is close to the
    /// asymptotic √(π/2)·σ/√n (= 1.2533 σ/√n), and of P10 to √(p(1 − p))/(φ(z_p)·√n) = 1.7094 σ/√n
    /// — an independent check of the estimator against theory.
    #[test]
    fn order_statistic_errors_match_the_asymptotic_ones_for_normals() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let n = 40_000;
        let xs: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
        let e = metric_errors(&xs, &Plan::mc(n as u64), [0.1, 0.5, 0.9]);
        let root_n = (n as f64).sqrt();
        let median = 1.253_314 / root_n;
        let p10 = 1.709_415 / root_n;
        // The width's relative sd is about 1/√(2z·√(np(1 − p))): 5% for the median, 6.5% for P10
        // at this n; 15% is over 2 of them.
        assert!(
            (e.median / median - 1.0).abs() < 0.15,
            "{} vs {median}",
            e.median
        );
        assert!((e.low / p10 - 1.0).abs() < 0.15, "{} vs {p10}", e.low);
        assert!((e.high / p10 - 1.0).abs() < 0.15, "{} vs {p10}", e.high);
    }
}
