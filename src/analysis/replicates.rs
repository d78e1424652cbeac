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
        .map(|j| errors_in_place(&mut table.metric_column(j), plan, levels))
        .collect();
    let probabilities = (0..table.flag_names.len())
        .into_par_iter()
        .map(|j| flag_error(&table.flag_column(j), plan))
        .collect();
    let inputs = &table.inputs;
    let inputs = if inputs.trials == table.trials {
        let w = inputs.names.len();
        (0..w)
            .into_par_iter()
            .map(|j| {
                let mut column = inputs.values.column(j);
                errors_in_place(&mut column, plan, levels)
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
    errors_in_place(&mut column.to_vec(), plan, levels)
}

/// [`metric_errors`] in the column's own storage, which it reorders (within each replicate).
fn errors_in_place(column: &mut [f64], plan: &Plan, levels: [f64; 3]) -> Errors {
    if plan.method.replicated() {
        let per = plan.per_replicate.max(1) as usize;
        let r = column.len().div_ceil(per);
        let mut means = Vec::with_capacity(r);
        let mut quantiles: [Vec<f64>; 3] = std::array::from_fn(|_| Vec::with_capacity(r));
        for rep in column.chunks_mut(per) {
            let defined = defined_first(rep);
            if defined.is_empty() {
                continue;
            }
            means.push(defined.iter().sum::<f64>() / defined.len() as f64);
            for (q, v) in quantiles.iter_mut().zip(type7_many(defined, levels)) {
                q.push(v);
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
    let defined = defined_first(column);
    let n = defined.len();
    let mean = if n < 2 {
        f64::NAN
    } else {
        let m = defined.iter().sum::<f64>() / n as f64;
        let ss: f64 = defined.iter().map(|x| (x - m) * (x - m)).sum();
        (ss / (n - 1) as f64).sqrt() / (n as f64).sqrt()
    };
    let [low, median, high] = order_statistic_ses(defined, levels);
    Errors {
        mean,
        low,
        median,
        high,
    }
}

/// Moves the defined values (not NaN) to the front, in no particular order, and returns them.
fn defined_first(xs: &mut [f64]) -> &mut [f64] {
    let mut k = 0;
    for i in 0..xs.len() {
        if !xs[i].is_nan() {
            xs.swap(i, k);
            k += 1;
        }
    }
    &mut xs[..k]
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

/// The order statistics of 0-based ranks `ranks` (each < `xs.len()`), by selection; reorders `xs`.
///
/// The ranks are taken from the largest down, each selected within the prefix the previous one
/// left below it (which holds exactly the smaller values), so k ranks cost far less than k
/// selections over the whole slice.
fn order_statistics<const K: usize>(xs: &mut [f64], ranks: [usize; K]) -> [f64; K] {
    let mut order: [usize; K] = std::array::from_fn(|i| i);
    order.sort_by(|&a, &b| ranks[b].cmp(&ranks[a]));
    let mut out = [f64::NAN; K];
    let mut end = xs.len();
    let mut last: Option<(usize, f64)> = None;
    for i in order {
        let k = ranks[i];
        out[i] = match last {
            Some((prev, v)) if prev == k => v,
            _ => {
                let v = *xs[..end].select_nth_unstable_by(k, f64::total_cmp).1;
                end = k;
                v
            }
        };
        last = Some((k, out[i]));
    }
    out
}

/// Type-7 quantiles at `levels` of `xs` (non-empty, no NaN) by selection, not a sort (Hyndman &
/// Fan 1996, as [`quantile_sorted`](crate::analysis::quantile_sorted)); reorders `xs`.
fn type7_many(xs: &mut [f64], levels: [f64; 3]) -> [f64; 3] {
    let n = xs.len();
    let h = levels.map(|p| (n - 1) as f64 * p.clamp(0.0, 1.0));
    let i = h.map(|h| h.floor() as usize);
    let ranks = [
        i[0],
        (i[0] + 1).min(n - 1),
        i[1],
        (i[1] + 1).min(n - 1),
        i[2],
        (i[2] + 1).min(n - 1),
    ];
    let v = order_statistics(xs, ranks);
    std::array::from_fn(|k| {
        let (lo, hi) = (v[2 * k], v[2 * k + 1]);
        let frac = h[k] - i[k] as f64;
        if frac == 0.0 {
            lo
        } else {
            lo + frac * (hi - lo)
        }
    })
}

/// The type-7 quantile at `p` of `xs` (non-empty, no NaN) by selection, not a sort (Hyndman &
/// Fan 1996, as [`quantile_sorted`](crate::analysis::quantile_sorted)); reorders `xs`.
pub fn select_type7(xs: &mut [f64], p: f64) -> f64 {
    type7_many(xs, [p; 3])[0]
}

/// The 95% order-statistic interval's 0-based ranks for the p-quantile of n values, or `None`
/// when it reaches beyond the sample (see the module docs).
fn interval_ranks(n: usize, p: f64) -> Option<(usize, usize)> {
    let n = n as f64;
    let half = Z * (n * p * (1.0 - p)).sqrt();
    let (l, u) = ((n * p - half).floor(), (n * p + half).ceil());
    // Ranks are 1-based here, 0-based in the selection.
    (half > 0.0 && l >= 1.0 && u <= n).then(|| (l as usize - 1, u as usize - 1))
}

/// The fewest values whose p-quantile has a defined order-statistic standard error (its 95%
/// interval fits in the sample), or `None` for a p outside (0, 1) or a need beyond 10,000,000.
pub fn order_statistic_min_values(p: f64) -> Option<usize> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    // No n below these can do: rank l ≥ 1 needs n·p ≥ 1, and rank u ≤ n needs
    // n(1 − p) ≥ z·√(n·p(1 − p)), that is n ≥ z²·p / (1 − p). So the scan is short for every p
    // (a P0.00001 or a P99.99999 once scanned up to 10⁷ values for each of 437 figures).
    const MOST: usize = 10_000_000;
    let from = (1.0 / p).max(Z * Z * p / (1.0 - p)).floor().max(2.0);
    if from > MOST as f64 {
        return None;
    }
    (from as usize..=MOST).find(|&n| interval_ranks(n, p).is_some())
}

/// The order-statistic standard errors of the quantiles at `levels` of independent values `xs`
/// (see the module docs); NaN where the interval reaches beyond the sample. Reorders `xs`.
fn order_statistic_ses(xs: &mut [f64], levels: [f64; 3]) -> [f64; 3] {
    let ranks = levels.map(|p| interval_ranks(xs.len(), p));
    if ranks.iter().all(Option::is_none) {
        return [f64::NAN; 3];
    }
    // Undefined levels select rank 0 (any valid rank) and report NaN.
    let flat = [0, 1, 2].map(|k| ranks[k].map_or((0, 0), |r| r));
    let v = order_statistics(
        xs,
        [
            flat[0].0, flat[0].1, flat[1].0, flat[1].1, flat[2].0, flat[2].1,
        ],
    );
    std::array::from_fn(|k| match ranks[k] {
        Some(_) => (v[2 * k + 1] - v[2 * k]) / (2.0 * Z),
        None => f64::NAN,
    })
}

/// The order-statistic standard error of the p-quantile of independent values `xs` (see the
/// module docs); NaN when the 95% interval's ranks fall outside the sample. Reorders `xs`.
pub fn order_statistic_se(xs: &mut [f64], p: f64) -> f64 {
    order_statistic_ses(xs, [p; 3])[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::quantile_sorted;
    use crate::engine::sampling::Method;

    /// Worked by hand from the module docs' ranks: P10 at n = 52 has
    /// 5.2 − 1.96·√4.68 = 0.96 (rank 0, outside), at 53 5.3 − 4.28 = 1.02 and 5.3 + 4.28 → 10;
    /// P50 at n = 7 has 3.5 − 2.59 = 0.91, at 8 4 − 2.77 = 1.23 and 4 + 2.77 → 7 ≤ 8.
    #[test]
    fn fewest_values_for_a_quantile_error() {
        assert_eq!(order_statistic_min_values(0.1), Some(53));
        assert_eq!(order_statistic_min_values(0.5), Some(8));
        assert!(order_statistic_se(&mut vec![1.0; 52], 0.1).is_nan());
        assert_eq!(order_statistic_se(&mut vec![1.0; 53], 0.1), 0.0);
        // P90 needs fewer than P10 (the upper rank is rounded up, the lower down): at n = 34,
        // 30.6 + 1.96·√3.06 = 34.03 → rank 35 > 34; at 35, 31.5 + 3.47 = 34.97 → 35 and
        // 31.5 − 3.47 → 28.
        assert_eq!(order_statistic_min_values(0.9), Some(35));
        // Far tails: found or refused at once, not scanned to 10⁷ (from 1/p and z²p/(1 − p)).
        let far = order_statistic_min_values(0.000_01).unwrap();
        assert!(
            interval_ranks(far, 0.000_01).is_some() && interval_ranks(far - 1, 0.000_01).is_none()
        );
        assert_eq!(order_statistic_min_values(0.000_000_1), None);
        assert_eq!(order_statistic_min_values(0.999_999_9), None);
        assert_eq!(order_statistic_min_values(0.0), None);
        assert_eq!(order_statistic_min_values(1.0), None);
    }

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
    fn order_statistics_by_descending_selection_match_a_sort() {
        let xs: Vec<f64> = (0..257).map(|i| ((i * 101) % 257) as f64 / 7.0).collect();
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for ranks in [
            [0, 256, 128, 128, 3, 250],
            [5, 4, 3, 2, 1, 0],
            [100; 6],
            [7, 200, 7, 9, 201, 0],
        ] {
            let mut work = xs.clone();
            let got = order_statistics(&mut work, ranks);
            assert_eq!(got, ranks.map(|k| sorted[k]), "{ranks:?}");
        }
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
        // Too few values for the interval, or none: undefined.
        assert!(order_statistic_se(&mut xs[..20], 0.1).is_nan());
        assert!(order_statistic_se(&mut [], 0.5).is_nan());
        let nan = metric_errors(&[f64::NAN; 5], &plan, [0.1, 0.5, 0.9]);
        assert!(nan.mean.is_nan() && nan.low.is_nan() && nan.median.is_nan());
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
