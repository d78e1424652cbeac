//! The investor IRR and money multiple (`sibsim::engine::irr`): golden values from loans whose
//! rate is known, the edge cases the issue names (no sign change, total loss, several roots), and
//! properties on random flows:
//! - NPV at the reported IRR is ~0 relative to the (discounted) size of the flows;
//! - scaling every flow by a positive constant leaves the IRR unchanged;
//! - flows with no sign change are undefined, except a total loss (−100%);
//! - adding to a later inflow never lowers the IRR;
//! - every root reported has NPV ~0, and the chosen one follows the documented rule.

use proptest::prelude::*;
use sibsim::engine::irr::{irr, irr_roots, money_multiple, npv, Irr};

/// Monthly flows from (month, amount) pairs.
fn flows(pairs: &[(usize, f64)]) -> Vec<f64> {
    let len = pairs.iter().map(|(t, _)| t + 1).max().unwrap_or(0);
    let mut out = vec![0.0; len];
    for (t, f) in pairs {
        out[*t] += f;
    }
    out
}

/// |a − b| relative to the size of the rates, for rates that can be large.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// The scale NPV is summed on at `rate`: Σ |f_t| (1 + r)^(−t/12).
fn discounted_size(flows: &[f64], rate: f64) -> f64 {
    let abs: Vec<f64> = flows.iter().map(|f| f.abs()).collect();
    npv(&abs, rate)
}

#[test]
fn loan_at_8_percent_repaid_after_three_years() {
    // £360,000 lent at 8% compounded annually, repaid with interest in one payment at month 36.
    let repayment = 360_000.0 * 1.08_f64.powi(3);
    assert!((repayment - 453_496.32).abs() < 1e-6);
    let f = flows(&[(0, -360_000.0), (36, 453_496.32)]);

    let Irr::Unique(rate) = irr(&f) else {
        panic!("expected a unique IRR, got {:?}", irr(&f));
    };
    assert!((rate - 0.08).abs() < 1e-5, "IRR {rate}");
    assert!((rate - 0.08).abs() < 1e-10, "IRR {rate} not within 1e-10");

    let multiple = money_multiple(&f).unwrap();
    assert!((multiple - 1.2597).abs() < 5e-5, "multiple {multiple}");
    assert!((multiple - 1.259712).abs() < 1e-12);
}

#[test]
fn level_repayment_loan_at_1_percent_a_month() {
    let principal = 1_000.0;
    let i = 0.01_f64;
    let instalment = principal * i / (1.0 - (1.0 + i).powi(-12));
    let mut f = vec![instalment; 13];
    f[0] = -principal;
    let rate = irr(&f).rate().unwrap();
    assert!(
        (rate - (1.01_f64.powi(12) - 1.0)).abs() < 1e-10,
        "IRR {rate}"
    );
    assert!(!irr(&f).is_multiple());
}

#[test]
fn money_back_without_interest_is_zero_percent() {
    let f = flows(&[(0, -100.0), (24, 100.0)]);
    assert_eq!(irr(&f), Irr::Unique(0.0));
    assert_eq!(money_multiple(&f), Some(1.0));
}

#[test]
fn total_loss_is_minus_100_percent() {
    assert_eq!(irr(&[-100.0, 0.0, 0.0]), Irr::Unique(-1.0));
    assert_eq!(irr(&[-100.0, -50.0, 0.0]).rate(), Some(-1.0));
    assert_eq!(money_multiple(&[-100.0, 0.0, 0.0]), Some(0.0));
    // −100% is a limit, not a root.
    assert!(irr_roots(&[-100.0, 0.0, 0.0]).is_empty());
}

#[test]
fn a_tiny_return_is_close_to_but_above_minus_100_percent() {
    let f = flows(&[(0, -100_000.0), (60, 1.0)]);
    let rate = irr(&f).rate().unwrap();
    // (1 + r)^5 = 1e-5, so r = 10^-1 − 1 = −90%.
    assert!((rate - (-0.9)).abs() < 1e-10, "IRR {rate}");
    let f = flows(&[(0, -1e6), (12, 1e-6)]);
    let rate = irr(&f).rate().unwrap();
    assert!(rate > -1.0, "IRR {rate}");
    assert!((rate - (1e-12 - 1.0)).abs() < 1e-15);
}

#[test]
fn no_sign_change_is_undefined() {
    assert_eq!(irr(&[10.0, 20.0, 0.0, 5.0]), Irr::Undefined);
    assert_eq!(irr(&[0.0; 36]), Irr::Undefined);
    assert_eq!(irr(&[]), Irr::Undefined);
    assert_eq!(Irr::Undefined.rate(), None);
    assert_eq!(money_multiple(&[10.0, 20.0]), None);
    assert_eq!(money_multiple(&[0.0; 3]), None);
    assert_eq!(money_multiple(&[]), None);
}

#[test]
fn long_flows_of_100_years() {
    // 1,200 months: £1 a month paid in for 50 years, then £3 a month back for 50 years.
    let f: Vec<f64> = (0..1200)
        .map(|t| if t < 600 { -1.0 } else { 3.0 })
        .collect();
    let rate = irr(&f).rate().unwrap();
    // Each pound waits 600 months and triples: (1 + r)^50 = 3.
    assert!(
        (rate - (3.0_f64.powf(1.0 / 50.0) - 1.0)).abs() < 1e-10,
        "IRR {rate}"
    );
}

#[test]
fn huge_and_tiny_magnitudes() {
    for scale in [1e-300, 1e-20, 1e20, 1e300] {
        let f = flows(&[(0, -100.0 * scale), (12, 110.0 * scale)]);
        let rate = irr(&f).rate().unwrap();
        assert!((rate - 0.10).abs() < 1e-12, "scale {scale}: IRR {rate}");
        assert!((money_multiple(&f).unwrap() - 1.1).abs() < 1e-12);
    }
}

#[test]
fn two_roots_both_positive_net_loss_chooses_the_one_nearest_zero() {
    // −1 + 2.3/(1+m) − 1.32/(1+m)^2 = 0 ⇔ (1+m) ∈ {1.1, 1.2}: 10% and 20% a month.
    let f = [-1.0, 2.3, -1.32];
    let low = 1.1_f64.powi(12) - 1.0;
    let high = 1.2_f64.powi(12) - 1.0;
    let roots = irr_roots(&f);
    assert_eq!(roots.len(), 2, "roots {roots:?}");
    assert!(
        close(roots[0], low, 1e-9) && close(roots[1], high, 1e-9),
        "{roots:?}"
    );
    // Σf = −0.02: a net loss, but no root below 0%, so the root nearest 0%.
    let Irr::Multiple { chosen, roots: n } = irr(&f) else {
        panic!("expected multiple IRRs, got {:?}", irr(&f));
    };
    assert_eq!(n, 2);
    assert!(close(chosen, low, 1e-9), "chosen {chosen}");
    assert!(irr(&f).is_multiple());
    assert_eq!(irr(&f).rate(), Some(chosen));
}

#[test]
fn two_roots_net_gain_chooses_the_smallest_positive() {
    // (1+m) ∈ {0.9, 1.2}: −10% and +20% a month; Σf = +0.02.
    let f = [-1.0, 2.1, -1.08];
    let roots = irr_roots(&f);
    assert_eq!(roots.len(), 2, "roots {roots:?}");
    assert!(close(roots[0], 0.9_f64.powi(12) - 1.0, 1e-9));
    let Irr::Multiple { chosen, roots: 2 } = irr(&f) else {
        panic!("expected two IRRs, got {:?}", irr(&f));
    };
    assert!(
        close(chosen, 1.2_f64.powi(12) - 1.0, 1e-9),
        "chosen {chosen}"
    );
}

#[test]
fn two_roots_net_loss_chooses_the_largest_negative() {
    // The same roots with the signs reversed: Σf = −0.02.
    let f = [1.0, -2.1, 1.08];
    let Irr::Multiple { chosen, roots: 2 } = irr(&f) else {
        panic!("expected two IRRs, got {:?}", irr(&f));
    };
    assert!(
        close(chosen, 0.9_f64.powi(12) - 1.0, 1e-9),
        "chosen {chosen}"
    );
}

#[test]
fn three_roots() {
    // −(v − 0.95)(v − 1.05)(v − 1.1) with v = 1 + m; Σf = −0.00025, a net loss → −5% a month.
    let f = [-1.0, 3.1, -3.1975, 1.09725];
    let roots = irr_roots(&f);
    let expected: Vec<f64> = [0.95_f64, 1.05, 1.1]
        .iter()
        .map(|v| v.powi(12) - 1.0)
        .collect();
    assert_eq!(roots.len(), 3, "roots {roots:?}");
    for (r, e) in roots.iter().zip(&expected) {
        assert!(close(*r, *e, 1e-9), "{roots:?} vs {expected:?}");
    }
    assert_eq!(
        irr(&f),
        Irr::Multiple {
            chosen: roots[0],
            roots: 3
        }
    );
}

/// Log-uniform magnitudes from 10^lo to 10^hi.
fn magnitude(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo..hi).prop_map(|e| 10f64.powf(e))
}

/// Investor-like flows with one sign change: a block of outflows, a gap, a block of inflows
/// (up to 120 months in all), with the month of each inflow so a test can add to it.
fn one_sign_change() -> impl Strategy<Value = Vec<f64>> {
    (
        prop::collection::vec(magnitude(0.0, 6.0), 1..24),
        0usize..24,
        prop::collection::vec(magnitude(0.0, 6.0), 1..72),
    )
        .prop_map(|(out, gap, inflows)| {
            let mut f: Vec<f64> = out.iter().map(|x| -x).collect();
            f.extend(std::iter::repeat_n(0.0, gap));
            f.extend(inflows);
            f
        })
}

proptest! {
    #[test]
    fn npv_at_the_irr_is_zero(f in one_sign_change()) {
        let result = irr(&f);
        let Irr::Unique(rate) = result else {
            return Err(TestCaseError::fail(format!("{result:?}")));
        };
        // Below about −99.9% a year, 1 + r as an f64 no longer pins the monthly root down.
        prop_assume!(rate > -0.999);
        let total: f64 = f.iter().map(|x| x.abs()).sum();
        // At a negative rate NPV is summed on discounted flows larger than Σ|f|: that is its scale.
        let size = discounted_size(&f, rate).max(total);
        let value = npv(&f, rate);
        prop_assert!(value.abs() <= 1e-6 * size, "NPV {} at {} (size {})", value, rate, size);
        if rate >= 0.0 {
            prop_assert!(value.abs() <= 1e-6 * total);
        }
    }

    #[test]
    fn scaling_leaves_the_irr_unchanged(f in one_sign_change(), c in magnitude(-3.0, 6.0)) {
        let base = irr(&f).rate().unwrap();
        let scaled: Vec<f64> = f.iter().map(|x| x * c).collect();
        let rate = irr(&scaled).rate().unwrap();
        prop_assert!(close(rate, base, 1e-9), "{} vs {} at scale {}", rate, base, c);
        prop_assert!(close(
            money_multiple(&scaled).unwrap(),
            money_multiple(&f).unwrap(),
            1e-12
        ));
    }

    #[test]
    fn adding_to_a_later_inflow_never_lowers_the_irr(
        f in one_sign_change(),
        pick in any::<prop::sample::Index>(),
        extra in magnitude(-2.0, 6.0),
    ) {
        let base = irr(&f).rate().unwrap();
        let inflows: Vec<usize> = (0..f.len()).filter(|t| f[*t] > 0.0).collect();
        let t = inflows[pick.index(inflows.len())];
        let mut more = f.clone();
        more[t] += extra;
        let rate = irr(&more).rate().unwrap();
        prop_assert!(rate >= base - 1e-12 * (1.0 + base.abs()), "{} < {}", rate, base);
    }

    #[test]
    fn no_sign_change_is_undefined_unless_everything_is_lost(
        values in prop::collection::vec(prop_oneof![Just(0.0), magnitude(-3.0, 6.0)], 0..120),
        paid_in in any::<bool>(),
    ) {
        let f: Vec<f64> = values.iter().map(|x| if paid_in { -x } else { *x }).collect();
        let expected = if paid_in && f.iter().any(|x| *x < 0.0) {
            Irr::Unique(-1.0)
        } else {
            Irr::Undefined
        };
        prop_assert_eq!(irr(&f), expected);
        prop_assert!(irr_roots(&f).is_empty());
    }

    #[test]
    fn every_root_has_zero_npv_and_the_chosen_one_follows_the_rule(
        f in prop::collection::vec(prop_oneof![Just(0.0), -1e3..1e3f64], 2..60),
    ) {
        let roots = irr_roots(&f);
        for pair in roots.windows(2) {
            prop_assert!(pair[0] < pair[1]);
        }
        for r in &roots {
            prop_assert!(r.is_finite() && *r >= -1.0);
            if *r > -0.999 {
                let size = discounted_size(&f, *r);
                prop_assert!(npv(&f, *r).abs() <= 1e-6 * size, "NPV {} at {}", npv(&f, *r), r);
            }
        }
        let net: f64 = f.iter().sum();
        match irr(&f) {
            Irr::Undefined => prop_assert!(roots.is_empty()),
            Irr::Unique(rate) => prop_assert!(roots.len() <= 1 && roots.iter().all(|r| *r == rate)),
            Irr::Multiple { chosen, roots: n } => {
                prop_assert_eq!(n, roots.len());
                let above = roots.iter().copied().find(|r| *r > 0.0);
                let below = roots.iter().rev().copied().find(|r| *r < 0.0);
                let expected = if net > 0.0 { above.or(below) } else { below.or(above) };
                // An exactly even net (or one rounding to it) may pick either neighbour of 0%.
                if net.abs() > 1e-9 * f.iter().map(|x| x.abs()).sum::<f64>() {
                    prop_assert_eq!(Some(chosen), expected);
                }
            }
        }
    }
}
