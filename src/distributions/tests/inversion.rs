//! The quantile tables and the exact beta inverse against statrs' CDFs.
//!
//! The stated bound: `|F(Q̂(u)) − u| ≤ 1e-10` for every `u` (`F` the exact CDF, `Q̂` the table),
//! checked here against statrs' CDF on a dense grid of `u` (4,000 even steps and 40 a decade
//! into both tails down to 1e-12) for extreme shapes as well as ordinary ones. Two allowances on
//! top, both stated where used: statrs' own CDF error (it stops its continued fraction after 140
//! steps, which shows at shape parameters near 1e4, by up to 2e-11), and the spacing of doubles:
//! no method can return a value closer than half an ulp to the exact quantile, which matters where
//! the mass is packed against 1 (e.g. Beta(1e4, ½), whose 1 − x is about 1e-9 in the upper half).

use statrs::distribution::{Beta, Continuous as _, ContinuousCDF, Gamma};

use super::super::beta::{BetaFn, BetaQuantile};
use super::super::table::{QuantileTable, TOLERANCE};
use super::*;

/// statrs' own CDF error, allowed on top of the table's bound (see the module docs).
const STATRS_SLACK: f64 = 3e-11;

/// 4,000 even steps in (0, 1) and 40 a decade into both tails down to 1e-12, sorted.
fn grid() -> Vec<f64> {
    let mut u: Vec<f64> = (1..4000).map(|i| i as f64 / 4000.0).collect();
    for i in 40..=480 {
        let t = 10f64.powf(-(i as f64) / 40.0);
        u.extend([t, 1.0 - t]);
    }
    u.sort_by(f64::total_cmp);
    u
}

/// The largest CDF error of `q` on the grid, against `cdf` (`sf`, 1 − F, above the median, where
/// 1 − u is exact and F near 1 has lost its digits), after allowing for the spacing of doubles
/// (four ulps of the value times the density, in the variable of `cdf`, which is `x` mapped by
/// `to_std`, an ulp scaled by `ulp_scale`); panics if it exceeds `tolerance`, or if `q` decreases
/// or leaves `[lo, hi]`.
#[allow(clippy::too_many_arguments)]
fn check(
    what: &str,
    q: impl Fn(f64) -> f64,
    to_std: impl Fn(f64) -> f64,
    (cdf, sf): (impl Fn(f64) -> f64, impl Fn(f64) -> f64),
    pdf: impl Fn(f64) -> f64,
    ulp_scale: f64,
    (lo, hi): (f64, f64),
    tolerance: f64,
) -> f64 {
    let mut worst: f64 = 0.0;
    let mut previous = f64::NEG_INFINITY;
    for u in grid() {
        let x = q(u);
        assert!(x >= previous, "{what}: Q({u}) = {x} < {previous}");
        assert!(
            lo <= x && x <= hi,
            "{what}: Q({u}) = {x} outside [{lo}, {hi}]"
        );
        previous = x;
        let z = to_std(x);
        let ulp = (x.next_up() - x).max(x - x.next_down()) * ulp_scale;
        let representable = 4.0 * pdf(z).min(1e300) * ulp;
        let raw = if u <= 0.5 {
            (cdf(z) - u).abs()
        } else {
            (sf(z) - (1.0 - u)).abs()
        };
        let error = raw - representable;
        assert!(
            error <= tolerance,
            "{what}: |F(Q({u})) − u| = {raw:.3e}, beyond the {representable:.1e} a double can \
             resolve by more than {tolerance:.1e}; Q = {x}"
        );
        worst = worst.max(error);
    }
    worst
}

fn check_beta(what: &str, a: f64, b: f64, q: impl Fn(f64) -> f64) -> f64 {
    let s = Beta::new(a, b).unwrap();
    check(
        what,
        q,
        |x| x,
        (|x| s.cdf(x), |x| s.sf(x)),
        |x| s.pdf(x),
        1.0,
        (0.0, 1.0),
        TOLERANCE + STATRS_SLACK,
    )
}

const SHAPES: [f64; 7] = [0.5, 0.8, 1.5, 3.0, 30.0, 1e3, 1e4];

#[test]
fn beta_quantiles_are_within_1e_10_of_statrs_in_cdf_for_extreme_shapes() {
    let mut overall: f64 = 0.0;
    for a in SHAPES {
        for b in SHAPES {
            let q = BetaQuantile::new(a, b);
            // Every shape here gets a table (no slow exact inversion in the body).
            let table = q
                .table()
                .unwrap_or_else(|| panic!("Beta({a}, {b}) has no table"));
            assert!(table.max_error() <= TOLERANCE, "Beta({a}, {b}): {table:?}");
            let worst = check_beta(&format!("Beta({a}, {b})"), a, b, |u| q.quantile(u));
            println!(
                "Beta({a}, {b}): {} intervals, max CDF error vs statrs {worst:.2e}",
                table.intervals()
            );
            overall = overall.max(worst);
        }
    }
    println!("max CDF error over all shapes: {overall:.2e}");
}

#[test]
fn closed_forms_where_a_shape_parameter_is_one() {
    // Beta(a, 1) has CDF xᵃ, Beta(1, b) has 1 − (1 − x)ᵇ, and these are checked against those
    // directly (statrs' own CDF error at b = 1e4 would swamp the closed forms' rounding).
    for (a, b) in [
        (1.0, 1.0),
        (1.0, 0.5),
        (1.0, 7.0),
        (0.5, 1.0),
        (7.0, 1.0),
        (1.0, 1e4),
    ] {
        let q = BetaQuantile::new(a, b);
        assert!(q.table().is_none());
        let cdf = |x: f64| {
            if b == 1.0 {
                x.powf(a)
            } else {
                -(b * (-x).ln_1p()).exp_m1()
            }
        };
        let sf = |x: f64| {
            if b == 1.0 {
                -(a * x.ln()).exp_m1()
            } else {
                (b * (-x).ln_1p()).exp()
            }
        };
        let s = Beta::new(a, b).unwrap();
        let worst = check(
            &format!("Beta({a}, {b})"),
            |u| q.quantile(u),
            |x| x,
            (cdf, sf),
            |x| s.pdf(x),
            1.0,
            (0.0, 1.0),
            1e-14,
        );
        assert!(worst <= 1e-14, "Beta({a}, {b}): {worst:e}");
    }
}

#[test]
fn pert_quantiles_for_small_and_large_lambda_and_tiny_and_huge_ranges() {
    for (min, mode, max, lambda) in [
        (0.0, 0.3, 1.0, 0.05),
        (0.0, 0.3, 1.0, 4.0),
        (0.0, 0.3, 1.0, 5000.0),
        (0.0, 0.999, 1.0, 4.0),
        (1e-12, 1.2e-12, 2e-12, 4.0),
        (-1e12, 2e11, 3e12, 4.0),
        (15.0, 20.0, 25.0, 4.0),
        (1.5, 2.3, 4.0, 200.0),
    ] {
        let spec = format!(
            "{{ dist = \"pert\", min = {min:e}, mode = {mode:e}, max = {max:e}, lambda = {lambda} }}"
        );
        let d = dist(&spec);
        let range = max - min;
        let (a, b) = (
            1.0 + lambda * (mode - min) / range,
            1.0 + lambda * (max - mode) / range,
        );
        let s = Beta::new(a, b).unwrap();
        let worst = check(
            &spec,
            |u| d.quantile(u),
            |x| (x - min) / range,
            (|z| s.cdf(z), |z| s.sf(z)),
            |z| s.pdf(z),
            1.0 / range,
            (min, max),
            TOLERANCE + STATRS_SLACK,
        );
        println!("{spec}: max CDF error vs statrs {worst:.2e}");
    }
}

#[test]
fn beta_counts_with_no_or_all_successes() {
    for n in [1.0, 10.0, 1e4] {
        for s in [0.0, n] {
            let spec = format!("{{ dist = \"beta_counts\", successes = {s}, trials = {n} }}");
            let d = dist(&spec);
            let worst = check_beta(&spec, s + 0.5, n - s + 0.5, |u| d.quantile(u));
            println!("{spec}: max CDF error vs statrs {worst:.2e}");
        }
    }
}

#[test]
fn gamma_quantiles_are_within_1e_10_of_statrs_in_cdf() {
    for shape in [0.5, 1.0, 2.5, 40.0, 1e4] {
        let spec = format!("{{ dist = \"gamma\", shape = {shape}, scale = 2 }}");
        let d = dist(&spec);
        let g = Gamma::new(shape, 0.5).unwrap();
        let worst = check(
            &spec,
            |u| d.quantile(u),
            |x| x,
            (|x| g.cdf(x), |x| g.sf(x)),
            |x| g.pdf(x),
            1.0,
            (0.0, f64::INFINITY),
            TOLERANCE + STATRS_SLACK,
        );
        println!("{spec}: max CDF error vs statrs {worst:.2e}");
    }
}

/// `x` and `k` ulps either side: `[x − k ulp, x + k ulp]` within [0, 1].
fn around(x: f64, k: usize) -> (f64, f64) {
    let (mut below, mut above) = (x, x);
    for _ in 0..k {
        below = below.next_down().max(0.0);
        above = above.next_up().min(1.0);
    }
    (below, above)
}

#[test]
fn the_far_tails_are_inverted_exactly() {
    // Within 4 ulps of the exact quantile, or 1e-9 relative in the tail probability.
    const REL: f64 = 1e-9;
    for (a, b) in [
        (0.5, 0.5),
        (0.5, 1e4),
        (1e4, 0.5),
        (3.0, 3.0),
        (2.0, 50.0),
        (1e3, 1e4),
    ] {
        let q = BetaQuantile::new(a, b);
        let s = Beta::new(a, b).unwrap();
        for t in [1e-12, 1e-10, 1e-15] {
            let x = q.quantile(t);
            let (below, above) = around(x, 4);
            assert!(
                s.cdf(below) <= t * (1.0 + REL) && s.cdf(above) >= t * (1.0 - REL),
                "Beta({a}, {b}): Q({t}) = {x}, F = {:e}",
                s.cdf(x)
            );
            // The upper tail, 1 − F, at u = 1 − t, is 1 − u (not quite t: u is rounded).
            let u = 1.0 - t;
            let t = 1.0 - u;
            let x = q.quantile(u);
            let (below, above) = around(x, 4);
            assert!(
                s.sf(above) <= t * (1.0 + REL) && s.sf(below) >= t * (1.0 - REL),
                "Beta({a}, {b}): Q(1 − {t}) = {x}, 1 − F = {:e}",
                s.sf(x)
            );
        }
    }
}

#[test]
fn the_exact_inverse_agrees_with_its_cdf_to_the_last_bits() {
    for (a, b) in [(0.5, 1.5), (1.5, 0.5), (1e3, 0.5), (30.0, 3.0), (1e7, 1e7)] {
        let f = BetaFn::new(a, b);
        for u in [1e-300, 1e-9, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0 - 1e-9] {
            let x = f.quantile(u);
            // The smaller tail, directly.
            let (lower, upper) = f.tails(x, 1.0 - x);
            let (got, want) = if u <= 0.5 {
                (lower, u)
            } else {
                (upper, 1.0 - u)
            };
            let slack = 8.0 * f.pdf(x) * (x.next_up() - x);
            assert!(
                (got - want).abs() <= 1e-13 * want + slack,
                "Beta({a}, {b}): Q({u}) = {x}, tail {got:e} vs {want:e}"
            );
        }
    }
}

#[test]
fn extreme_shapes_stay_monotone_and_inside_the_support() {
    // Quantiles that underflow (Beta(1e-3, ·), Gamma(1e-4)), tables refused or cut short (Gamma of
    // shape 1e7, inverted exactly; Beta(1e7, ½), packed within 1e-7 of 1), huge scales.
    let mut us: Vec<f64> = (1..2000).map(|i| i as f64 / 2000.0).collect();
    for e in 1..=300 {
        us.extend([10f64.powi(-e), 1.0 - 10f64.powf(-(e as f64) / 20.0)]);
    }
    us.sort_by(f64::total_cmp);
    for s in [
        r#"{ dist = "beta", alpha = 1e-3, beta = 1e-3 }"#,
        r#"{ dist = "beta", alpha = 1e-3, beta = 5 }"#,
        r#"{ dist = "beta", alpha = 5, beta = 1e-3 }"#,
        r#"{ dist = "beta", alpha = 0.02, beta = 3 }"#,
        r#"{ dist = "beta", alpha = 1e7, beta = 0.5 }"#,
        r#"{ dist = "gamma", shape = 1e-4, scale = 1e-3 }"#,
        r#"{ dist = "gamma", shape = 0.01, scale = 1 }"#,
        r#"{ dist = "gamma", shape = 3, scale = 1e300 }"#,
        r#"{ dist = "gamma", shape = 1e7, scale = 1 }"#,
    ] {
        let d = dist(s);
        let (lo, hi) = d.support();
        let mut previous = lo;
        for &u in &us {
            let x = d.quantile(u);
            assert!(
                x >= previous && x <= hi,
                "{s}: Q({u}) = {x} after {previous}"
            );
            previous = x;
        }
    }
}

#[test]
fn identical_shapes_share_one_table() {
    // The same PERT at two sites, and a PERT with its mode at the same point of another range.
    let a = dist(r#"{ dist = "pert", min = 15, mode = 20, max = 25 }"#);
    let b = dist(r#"{ dist = "pert", min = 15, mode = 20, max = 25 }"#);
    let c = dist(r#"{ dist = "pert", min = 0, mode = 1, max = 2 }"#);
    fn table(d: &Dist) -> &QuantileTable {
        d.beta_table_for_test().expect("a tabulated PERT")
    }
    assert!(std::ptr::eq(table(&a), table(&b)));
    assert!(std::ptr::eq(table(&a), table(&c)));
    for u in [1e-12, 0.01, 0.5, 0.99] {
        assert_eq!(c.quantile(u), 2.0 * BetaQuantile::new(3.0, 3.0).quantile(u));
    }
}
