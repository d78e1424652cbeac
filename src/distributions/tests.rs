//! Unit tests of the distribution specs, their validation and the samplers.

use rand::distr::{Distribution, Open01};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use serde::Deserialize;

use super::*;

// ---------- helpers ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    x: Input,
}

fn parse(s: &str) -> Result<Input, String> {
    toml::from_str::<Doc>(s)
        .map(|d| d.x)
        .map_err(|e| e.to_string())
}

fn spec(s: &str) -> DistSpec {
    match parse(&format!("x = {s}")).unwrap() {
        Input::Dist(d) => d,
        Input::Fixed(x) => panic!("{s} parsed as the number {x}"),
    }
}

fn dist(s: &str) -> Dist {
    Dist::new(&spec(s)).unwrap()
}

fn err(s: &str) -> DistError {
    Dist::new(&spec(s)).unwrap_err()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// Sample mean, its standard error, sample variance and the standard error of the variance
/// (`√((m₄ − s⁴)/n)`, with m₄ the fourth central moment).
struct Moments {
    mean: f64,
    se_mean: f64,
    var: f64,
    se_var: f64,
}

fn moments(xs: &[f64]) -> Moments {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
    Moments {
        mean,
        se_mean: (var / n).sqrt(),
        var,
        se_var: ((m4 - var * var) / n).sqrt(),
    }
}

fn draws(d: &Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

/// One spec of every variant (and both kinds of normal), for the properties all must have.
const EVERY_VARIANT: &[&str] = &[
    r#"{ dist = "fixed", value = 3 }"#,
    r#"{ dist = "uniform", min = 1, max = 3 }"#,
    r#"{ dist = "triangular", min = 1, mode = 1.5, max = 3 }"#,
    r#"{ dist = "pert", min = 1, mode = 1.5, max = 3 }"#,
    r#"{ dist = "pert", min = 0, mode = 0, max = 1, lambda = 6 }"#,
    r#"{ dist = "normal", mean = 5, sd = 2 }"#,
    r#"{ dist = "normal", mean = 0, sd = 1, min = -0.5, max = 2 }"#,
    r#"{ dist = "normal", mean = 0, sd = 1, min = 3 }"#,
    r#"{ dist = "normal", mean = 0, sd = 1, max = 0 }"#,
    r#"{ dist = "lognormal", mean = 10, sd = 3 }"#,
    r#"{ dist = "gamma", shape = 0.5, scale = 2 }"#,
    r#"{ dist = "gamma", shape = 3, scale = 2 }"#,
    r#"{ dist = "beta", alpha = 2, beta = 5 }"#,
    r#"{ dist = "beta", alpha = 0.5, beta = 0.5 }"#,
    r#"{ dist = "beta_mean", mean = 0.3, sd = 0.1 }"#,
    r#"{ dist = "beta_counts", successes = 590, trials = 1926 }"#,
    r#"{ dist = "beta_counts", successes = 0, trials = 10 }"#,
    r#"{ dist = "discrete", values = [3, 1, 2, 7], weights = [1, 2, 0, 1] }"#,
    r#"{ dist = "discrete", values = [4] }"#,
];

// ---------- quantiles, means, supports ----------

#[test]
fn median_of_symmetric_distributions_is_the_centre() {
    for (s, centre) in [
        (r#"{ dist = "uniform", min = 1, max = 3 }"#, 2.0),
        (
            r#"{ dist = "triangular", min = 1, mode = 2, max = 3 }"#,
            2.0,
        ),
        (r#"{ dist = "pert", min = 1, mode = 2, max = 3 }"#, 2.0),
        (
            r#"{ dist = "pert", min = -4, mode = 0, max = 4, lambda = 10 }"#,
            0.0,
        ),
        (r#"{ dist = "normal", mean = 5, sd = 2 }"#, 5.0),
        (
            r#"{ dist = "normal", mean = 5, sd = 2, min = 3, max = 7 }"#,
            5.0,
        ),
        (r#"{ dist = "beta", alpha = 2, beta = 2 }"#, 0.5),
        (r#"{ dist = "beta_mean", mean = 0.5, sd = 0.1 }"#, 0.5),
        (
            r#"{ dist = "beta_counts", successes = 5, trials = 10 }"#,
            0.5,
        ),
        (r#"{ dist = "fixed", value = 3 }"#, 3.0),
    ] {
        let d = dist(s);
        assert!(
            close(d.quantile(0.5), centre, 1e-9),
            "{s}: median {}",
            d.quantile(0.5)
        );
        assert!(close(d.mean(), centre, 1e-12), "{s}: mean {}", d.mean());
    }
}

#[test]
fn pert_mean_is_min_plus_lambda_mode_plus_max_over_lambda_plus_two() {
    let d = dist(r#"{ dist = "pert", min = 1, mode = 2, max = 6 }"#);
    assert_eq!(d.mean(), (1.0 + 4.0 * 2.0 + 6.0) / 6.0);
    let d6 = dist(r#"{ dist = "pert", min = 1, mode = 2, max = 6, lambda = 6 }"#);
    assert_eq!(d6.mean(), (1.0 + 6.0 * 2.0 + 6.0) / 8.0);
    // The sampler agrees with the formula: α = 1 + 4·1/5 = 1.8, β = 1 + 4·4/5 = 4.2 on [1, 6].
    let m = moments(&draws(&d, 100_000, 7));
    assert!(
        (m.mean - 2.5).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );
    let beta = dist(r#"{ dist = "beta", alpha = 1.8, beta = 4.2 }"#);
    for u in [0.01, 0.3, 0.5, 0.9] {
        assert!(close(d.quantile(u), 1.0 + 5.0 * beta.quantile(u), 1e-12));
    }
}

#[test]
fn beta_counts_is_the_jeffreys_posterior() {
    let d = dist(r#"{ dist = "beta_counts", successes = 590, trials = 1926 }"#);
    assert_eq!(d.mean(), 590.5 / 1927.0);
    let same = dist(r#"{ dist = "beta", alpha = 590.5, beta = 1336.5 }"#);
    for u in [0.05, 0.5, 0.95] {
        assert_eq!(d.quantile(u), same.quantile(u));
    }
    assert_eq!(d.support(), (0.0, 1.0));
}

#[test]
fn beta_mean_round_trips_mean_and_sd() {
    // ν = 0.3·0.7/0.01 − 1 = 20, so α = 6, β = 14, whose variance 6·14/(20²·21) is 0.01.
    let d = dist(r#"{ dist = "beta_mean", mean = 0.3, sd = 0.1 }"#);
    let same = dist(r#"{ dist = "beta", alpha = 6, beta = 14 }"#);
    for u in [0.01, 0.25, 0.5, 0.75, 0.99] {
        assert!(close(d.quantile(u), same.quantile(u), 1e-12));
    }
    assert!(close(d.mean(), 0.3, 1e-15));
    let m = moments(&draws(&d, 200_000, 11));
    assert!(
        (m.mean - 0.3).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );
    assert!(
        (m.var - 0.01).abs() < 4.0 * m.se_var,
        "{} ± {}",
        m.var,
        m.se_var
    );
}

#[test]
fn lognormal_is_parameterised_by_the_mean_and_sd_of_the_variable() {
    let d = dist(r#"{ dist = "lognormal", mean = 10, sd = 3 }"#);
    assert_eq!(d.mean(), 10.0);
    // Median exp(μ) = mean/√(1 + sd²/mean²).
    assert!(close(d.quantile(0.5), 10.0 / 1.09f64.sqrt(), 1e-12));
    let m = moments(&draws(&d, 200_000, 42));
    assert!(
        (m.mean - 10.0).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );
    assert!(
        (m.var - 9.0).abs() < 4.0 * m.se_var,
        "{} ± {}",
        m.var,
        m.se_var
    );
    assert_eq!(d.support(), (0.0, f64::INFINITY));
}

#[test]
fn gamma_uses_shape_and_scale() {
    let d = dist(r#"{ dist = "gamma", shape = 3, scale = 2 }"#);
    assert_eq!(d.mean(), 6.0);
    let m = moments(&draws(&d, 100_000, 5));
    assert!(
        (m.mean - 6.0).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );
    // Variance shape·scale² = 12.
    assert!(
        (m.var - 12.0).abs() < 4.0 * m.se_var,
        "{} ± {}",
        m.var,
        m.se_var
    );
}

#[test]
fn truncated_normal_stays_inside_and_has_the_analytic_mean() {
    // Reference: (φ(−0.5) − φ(2))/(Φ(2) − Φ(−0.5)) = 0.44574377827…
    let d = dist(r#"{ dist = "normal", mean = 0, sd = 1, min = -0.5, max = 2 }"#);
    assert!(
        close(d.mean(), 0.445_743_778_272_515, 1e-12),
        "{}",
        d.mean()
    );
    assert_eq!(d.support(), (-0.5, 2.0));
    let xs = draws(&d, 200_000, 3);
    assert!(xs.iter().all(|x| (-0.5..=2.0).contains(x)));
    let m = moments(&xs);
    assert!(
        (m.mean - d.mean()).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );

    // Deep in the upper tail, where Φ(3) ≈ 1 would lose digits: mean φ(3)/Q(3) = 3.28309865…
    let tail = dist(r#"{ dist = "normal", mean = 0, sd = 1, min = 3 }"#);
    assert!(
        close(tail.mean(), 3.283_098_654_930_434, 1e-10),
        "{}",
        tail.mean()
    );
    assert_eq!(tail.support(), (3.0, f64::INFINITY));
    let xs = draws(&tail, 200_000, 4);
    assert!(xs.iter().all(|&x| x >= 3.0));
    let m = moments(&xs);
    assert!(
        (m.mean - tail.mean()).abs() < 4.0 * m.se_mean,
        "{} ± {}",
        m.mean,
        m.se_mean
    );
}

#[test]
fn discrete_respects_weights() {
    let d = dist(r#"{ dist = "discrete", values = [3, 1, 2, 7], weights = [1, 2, 1, 0] }"#);
    // Sorted: 1 (w 2), 2 (w 1), 3 (w 1); 7 has weight 0 and can never be drawn.
    assert_eq!(d.support(), (1.0, 3.0));
    assert_eq!(d.mean(), (2.0 * 1.0 + 2.0 + 3.0) / 4.0);
    assert_eq!(d.quantile(0.5), 1.0);
    assert_eq!(d.quantile(0.500_001), 2.0);
    assert_eq!(d.quantile(0.75), 2.0);
    assert_eq!(d.quantile(0.76), 3.0);
    assert_eq!(d.quantile(1.0), 3.0);
    assert_eq!(d.quantile(0.0), 1.0);

    let n = 200_000;
    let xs = draws(&d, n, 9);
    for (value, p) in [(1.0, 0.5), (2.0, 0.25), (3.0, 0.25), (7.0, 0.0)] {
        let share = xs.iter().filter(|&&x| x == value).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (share - p).abs() <= 4.0 * se,
            "value {value}: share {share}, expected {p}"
        );
    }

    let equal = dist(r#"{ dist = "discrete", values = [10, 30, 20] }"#);
    assert_eq!(equal.mean(), 20.0);
    assert_eq!(equal.quantile(0.5), 20.0);
}

#[test]
fn quantile_is_non_decreasing_and_inside_the_support() {
    let grid: Vec<f64> = [0.0, 1e-12, 1e-6]
        .into_iter()
        .chain((1..1000).map(|i| i as f64 / 1000.0))
        .chain([1.0 - 1e-6, 1.0 - 1e-12, 1.0])
        .collect();
    for s in EVERY_VARIANT {
        let d = dist(s);
        let (lo, hi) = d.support();
        let mut previous = f64::NEG_INFINITY;
        for &u in &grid {
            let x = d.quantile(u);
            assert!(x >= previous, "{s}: quantile({u}) = {x} < {previous}");
            assert!(
                lo <= x && x <= hi,
                "{s}: quantile({u}) = {x} outside [{lo}, {hi}]"
            );
            if u > 0.0 && u < 1.0 {
                assert!(x.is_finite(), "{s}: quantile({u}) = {x}");
            }
            previous = x;
        }
        assert!(d.quantile(f64::NAN).is_nan());
    }
}

#[test]
fn sample_consumes_exactly_one_uniform() {
    for s in EVERY_VARIANT {
        let d = dist(s);
        let mut a = Pcg64Mcg::seed_from_u64(1);
        let mut b = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..10 {
            let u: f64 = Open01.sample(&mut b);
            assert_eq!(d.sample(&mut a), d.quantile(u), "{s}");
        }
    }
    let mut a = Pcg64Mcg::seed_from_u64(2);
    let mut b = Pcg64Mcg::seed_from_u64(2);
    assert_eq!(Dist::fixed(3.0).sample(&mut a), 3.0);
    let _: f64 = Open01.sample(&mut b);
    let (x, y): (f64, f64) = (Open01.sample(&mut a), Open01.sample(&mut b));
    assert_eq!(x, y);
}

#[test]
fn dist_is_send_sync_clone_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Dist>();
    check::<DistError>();
    check::<Input>();
}

#[test]
fn fixed_values() {
    let d = Dist::from_input(&Input::from(2.5)).unwrap();
    assert_eq!(
        (d.quantile(0.1), d.mean(), d.support()),
        (2.5, 2.5, (2.5, 2.5))
    );
    assert_eq!(d.describe(), "2.5");
    assert_eq!(Dist::fixed(3.0).describe(), "3");
    let e = Dist::from_input(&Input::Fixed(f64::NAN)).unwrap_err();
    assert_eq!(e.param, "value");
    assert_eq!(
        e.to_string(),
        "value NaN is not a finite number; expected a finite number"
    );
    let spec = dist(r#"{ dist = "fixed", value = 7 }"#);
    assert_eq!(
        (spec.quantile(0.9), spec.describe()),
        (7.0, "7".to_string())
    );
}

#[test]
fn describe_is_short_and_names_the_parameters() {
    for (s, text) in [
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3 }"#,
            "PERT(min 1, mode 2, max 3)",
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3, lambda = 6 }"#,
            "PERT(min 1, mode 2, max 3, lambda 6)",
        ),
        (
            r#"{ dist = "uniform", min = 0.5, max = 3 }"#,
            "Uniform(min 0.5, max 3)",
        ),
        (
            r#"{ dist = "triangular", min = 1, mode = 2, max = 3 }"#,
            "Triangular(min 1, mode 2, max 3)",
        ),
        (
            r#"{ dist = "normal", mean = 0, sd = 1 }"#,
            "Normal(mean 0, sd 1)",
        ),
        (
            r#"{ dist = "normal", mean = 0, sd = 1, min = 0 }"#,
            "Normal(mean 0, sd 1) truncated to [0, ∞]",
        ),
        (
            r#"{ dist = "lognormal", mean = 10, sd = 3 }"#,
            "Lognormal(mean 10, sd 3)",
        ),
        (
            r#"{ dist = "gamma", shape = 2, scale = 3 }"#,
            "Gamma(shape 2, scale 3)",
        ),
        (
            r#"{ dist = "beta", alpha = 2, beta = 3 }"#,
            "Beta(alpha 2, beta 3)",
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0.1 }"#,
            "Beta(mean 0.3, sd 0.1)",
        ),
        (
            r#"{ dist = "beta_counts", successes = 590, trials = 1926 }"#,
            "Beta(Jeffreys, 590 of 1926)",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [3, 1] }"#,
            "Discrete(values [1, 2], weights [3, 1])",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2] }"#,
            "Discrete(values [1, 2])",
        ),
        (
            r#"{ dist = "discrete", values = [5, 1, 2, 3, 4, 6, 7] }"#,
            "Discrete(7 values from 1 to 7)",
        ),
    ] {
        assert_eq!(dist(s).describe(), text);
    }
}

// ---------- validation ----------

#[test]
fn invalid_parameters_name_the_parameter_and_what_would_do() {
    for (s, param, text) in [
        (
            r#"{ dist = "pert", min = 5, mode = 4, max = 3 }"#,
            "min",
            "min 5 is greater than max 3; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 4, max = 3 }"#,
            "mode",
            "mode 4 is greater than max 3; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "triangular", min = 1, mode = 0, max = 3 }"#,
            "mode",
            "mode 0 is less than min 1; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "triangular", min = 2, mode = 2, max = 2 }"#,
            "min",
            "min 2 equals max 2; expected min ≤ mode ≤ max with min < max \
             (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3, lambda = 0 }"#,
            "lambda",
            "lambda 0 is not positive; expected lambda > 0 (4 is the classic PERT)",
        ),
        (
            r#"{ dist = "uniform", min = 3, max = 3 }"#,
            "min",
            "min 3 is not less than max 3; expected min < max (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected sd > 0 (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 1, min = 2, max = 2 }"#,
            "min",
            "min 2 is not less than max 2; expected min < max for a truncated normal",
        ),
        (
            r#"{ dist = "normal", mean = 0, sd = 1, min = 7, max = 8 }"#,
            "dist",
            "truncating normal(mean 0, sd 1) to [7, 8] keeps only 1.3e-12 of its probability; \
             expected [min, max] to keep at least 1e-9 of the probability; check mean, sd, min and max",
        ),
        (
            r#"{ dist = "lognormal", mean = -1, sd = 1 }"#,
            "mean",
            "mean -1 is not positive; expected mean > 0 (a lognormal variable is positive)",
        ),
        (
            r#"{ dist = "lognormal", mean = 1, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected sd > 0 (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "gamma", shape = 0, scale = 1 }"#,
            "shape",
            "shape 0 is not positive; expected shape > 0",
        ),
        (
            r#"{ dist = "gamma", shape = 1, scale = -2 }"#,
            "scale",
            "scale -2 is not positive; expected scale > 0",
        ),
        (
            r#"{ dist = "beta", alpha = 0, beta = 1 }"#,
            "alpha",
            "alpha 0 is not positive; expected alpha > 0",
        ),
        (
            r#"{ dist = "beta", alpha = 1, beta = -1 }"#,
            "beta",
            "beta -1 is not positive; expected beta > 0",
        ),
        (
            r#"{ dist = "beta_mean", mean = 1, sd = 0.1 }"#,
            "mean",
            "mean 1 is not between 0 and 1; expected 0 < mean < 1",
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0.5 }"#,
            "sd",
            "sd 0.5 is too large for a beta with mean 0.3; expected 0 < sd < √(mean·(1 − mean)) = 0.4583",
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected 0 < sd < √(mean·(1 − mean)) = 0.4583",
        ),
        (
            r#"{ dist = "beta_counts", successes = 30, trials = 20 }"#,
            "successes",
            "successes 30 is greater than trials 20; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = 2.5, trials = 20 }"#,
            "successes",
            "successes 2.5 is not a whole number; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = -1, trials = 20 }"#,
            "successes",
            "successes -1 is negative; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = 0, trials = 0 }"#,
            "trials",
            "trials 0 is not positive; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "discrete", values = [] }"#,
            "values",
            "values is empty; expected at least one value",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1] }"#,
            "weights",
            "weights has 1 entries but values has 2; \
             expected non-negative weights, one per value, not all zero",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1, -1] }"#,
            "weights",
            "weights[1] -1 is negative; expected non-negative weights, one per value, not all zero",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [0, 0] }"#,
            "weights",
            "weights are all zero; expected non-negative weights, one per value, not all zero",
        ),
    ] {
        let e = err(s);
        assert_eq!((e.param, e.to_string().as_str()), (param, text), "{s}");
    }
}

#[test]
fn non_finite_parameters_are_refused_for_every_variant() {
    // TOML writes them as `nan` and `inf`.
    for (s, param) in [
        (r#"{ dist = "fixed", value = nan }"#, "value"),
        (r#"{ dist = "uniform", min = 0, max = inf }"#, "max"),
        (
            r#"{ dist = "triangular", min = -inf, mode = 0, max = 1 }"#,
            "min",
        ),
        (r#"{ dist = "pert", min = 0, mode = nan, max = 1 }"#, "mode"),
        (
            r#"{ dist = "pert", min = 0, mode = 0.5, max = 1, lambda = inf }"#,
            "lambda",
        ),
        (r#"{ dist = "normal", mean = nan, sd = 1 }"#, "mean"),
        (r#"{ dist = "normal", mean = 0, sd = inf }"#, "sd"),
        (
            r#"{ dist = "normal", mean = 0, sd = 1, min = -inf }"#,
            "min",
        ),
        (r#"{ dist = "normal", mean = 0, sd = 1, max = nan }"#, "max"),
        (r#"{ dist = "lognormal", mean = inf, sd = 1 }"#, "mean"),
        (r#"{ dist = "lognormal", mean = 1, sd = nan }"#, "sd"),
        (r#"{ dist = "gamma", shape = nan, scale = 1 }"#, "shape"),
        (r#"{ dist = "gamma", shape = 1, scale = inf }"#, "scale"),
        (r#"{ dist = "beta", alpha = inf, beta = 1 }"#, "alpha"),
        (r#"{ dist = "beta", alpha = 1, beta = nan }"#, "beta"),
        (r#"{ dist = "beta_mean", mean = nan, sd = 0.1 }"#, "mean"),
        (r#"{ dist = "beta_mean", mean = 0.5, sd = inf }"#, "sd"),
        (
            r#"{ dist = "beta_counts", successes = nan, trials = 3 }"#,
            "successes",
        ),
        (
            r#"{ dist = "beta_counts", successes = 1, trials = inf }"#,
            "trials",
        ),
        (r#"{ dist = "discrete", values = [1, nan] }"#, "values"),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1, inf] }"#,
            "weights",
        ),
    ] {
        let e = err(s);
        assert_eq!(e.param, param, "{s}: {e}");
        assert!(e.problem.contains("not a finite number"), "{s}: {e}");
    }
    assert_eq!(
        err(r#"{ dist = "uniform", min = 0, max = inf }"#).to_string(),
        "max inf is not a finite number; expected a finite number"
    );
}

// ---------- deserialisation ----------

#[test]
fn numbers_integers_and_tables_deserialise() {
    assert_eq!(parse("x = 1.5"), Ok(Input::Fixed(1.5)));
    assert_eq!(parse("x = 2"), Ok(Input::Fixed(2.0)));
    assert_eq!(parse("x = -3"), Ok(Input::Fixed(-3.0)));
    assert_eq!(
        parse("[x]\ndist = \"beta_counts\"\nsuccesses = 590\ntrials = 1926\n"),
        Ok(Input::Dist(DistSpec::BetaCounts {
            successes: 590.0,
            trials: 1926.0
        }))
    );
    for (s, expected) in [
        (
            r#"{ dist = "fixed", value = 3 }"#,
            DistSpec::Fixed { value: 3.0 },
        ),
        (
            r#"{ dist = "uniform", min = 1, max = 2.5 }"#,
            DistSpec::Uniform { min: 1.0, max: 2.5 },
        ),
        (
            r#"{ dist = "triangular", min = 1, mode = 2, max = 3 }"#,
            DistSpec::Triangular {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
            },
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3 }"#,
            DistSpec::Pert {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
                lambda: 4.0,
            },
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3, lambda = 6 }"#,
            DistSpec::Pert {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
                lambda: 6.0,
            },
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0.5 }"#,
            DistSpec::Normal {
                mean: 1.0,
                sd: 0.5,
                min: None,
                max: None,
            },
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0.5, min = 0, max = 4 }"#,
            DistSpec::Normal {
                mean: 1.0,
                sd: 0.5,
                min: Some(0.0),
                max: Some(4.0),
            },
        ),
        (
            r#"{ dist = "lognormal", mean = 10, sd = 3 }"#,
            DistSpec::Lognormal {
                mean: 10.0,
                sd: 3.0,
            },
        ),
        (
            r#"{ dist = "gamma", shape = 2, scale = 0.5 }"#,
            DistSpec::Gamma {
                shape: 2.0,
                scale: 0.5,
            },
        ),
        (
            r#"{ dist = "beta", alpha = 2, beta = 5 }"#,
            DistSpec::Beta {
                alpha: 2.0,
                beta: 5.0,
            },
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0.1 }"#,
            DistSpec::BetaMean { mean: 0.3, sd: 0.1 },
        ),
        (
            r#"{ dist = "beta_counts", successes = 590, trials = 1926 }"#,
            DistSpec::BetaCounts {
                successes: 590.0,
                trials: 1926.0,
            },
        ),
        (
            r#"{ dist = "discrete", values = [1, 2.5], weights = [1, 3] }"#,
            DistSpec::Discrete {
                values: vec![1.0, 2.5],
                weights: Some(vec![1.0, 3.0]),
            },
        ),
        (
            r#"{ dist = "discrete", values = [1, 2] }"#,
            DistSpec::Discrete {
                values: vec![1.0, 2.0],
                weights: None,
            },
        ),
    ] {
        assert_eq!(spec(s), expected, "{s}");
    }
}

/// The last line of a toml error: the message without the position and the caret.
fn message(s: &str) -> String {
    let e = parse(s).unwrap_err();
    e.trim_end().lines().last().unwrap().to_string()
}

#[test]
fn deserialisation_errors_say_what_is_valid() {
    assert_eq!(
        message(r#"x = { dist = "pert", min = 1, mode = 2, max = 3, foo = 1 }"#),
        "unknown field `foo`, expected one of `min`, `mode`, `max`, `lambda`"
    );
    assert_eq!(
        message(r#"x = { dist = "perty", min = 1, mode = 2, max = 3 }"#),
        "unknown variant `perty`, expected one of `fixed`, `uniform`, `triangular`, `pert`, \
         `normal`, `lognormal`, `gamma`, `beta`, `beta_mean`, `beta_counts`, `discrete`, `evidence`"
    );
    assert_eq!(
        message("x = { min = 1, mode = 2, max = 3 }"),
        "missing field `dist`"
    );
    assert_eq!(
        message(r#"x = { dist = "pert", min = 1, max = 3 }"#),
        "missing field `mode`"
    );
    assert_eq!(
        message(r#"x = "abc""#),
        "invalid type: string \"abc\", expected a number or a distribution table such as \
         { dist = \"pert\", min = 1, mode = 2, max = 3 }"
    );
    assert_eq!(
        message("x = [1, 2]"),
        "invalid type: sequence, expected a number or a distribution table such as \
         { dist = \"pert\", min = 1, mode = 2, max = 3 }"
    );
    assert_eq!(
        message(r#"x = { dist = "normal", mean = 1, sd = "a" }"#),
        "invalid type: string \"a\", expected f64"
    );
    // The position survives: the error points at the value of `x` on line 2.
    let e = parse("# comment\nx = { dist = \"beta\", alpha = 1, gamma = 2 }").unwrap_err();
    assert!(e.starts_with("TOML parse error at line 2, column 5"), "{e}");
}

#[test]
fn errors_survive_serde_path_to_error() {
    // The scenario loader wraps the toml deserializer to report the field path.
    let s = "x = { dist = \"pert\", min = 1, mode = 2, max = 3, foo = 1 }";
    let de = toml::Deserializer::parse(s).unwrap();
    let e = serde_path_to_error::deserialize::<_, Doc>(de).unwrap_err();
    // The path stops at the input (serde buffers an internally tagged table before choosing the
    // variant); the message names the field.
    assert_eq!(e.path().to_string(), "x");
    assert!(
        e.inner()
            .to_string()
            .contains("unknown field `foo`, expected one of `min`, `mode`, `max`, `lambda`"),
        "{e}"
    );
    let ok = "x = { dist = \"beta_counts\", successes = 1, trials = 2 }";
    let de = toml::Deserializer::parse(ok).unwrap();
    let doc: Doc = serde_path_to_error::deserialize(de).unwrap();
    assert_eq!(
        doc.x,
        Input::Dist(DistSpec::BetaCounts {
            successes: 1.0,
            trials: 2.0
        })
    );
}
