//! Unit tests of the distribution specs and the samplers; their validation and deserialisation
//! are in `parsing.rs`.

use rand::distr::{Distribution, Open01};
use rand::{Rng, SeedableRng};
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
        // The sample variance's exact variance, (μ₄ − σ⁴(n − 3)/(n − 1))/n: positive even for a
        // symmetric two-point law, where μ₄ = σ⁴.
        se_var: ((m4 - var * var * (n - 3.0) / (n - 1.0)) / n).sqrt(),
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

/// The count samplers against their exact laws.
mod counts;
/// The quantile tables and the exact beta inverse against statrs.
mod inversion;
/// Validation of parameters and deserialisation of specs.
mod parsing;
