//! The count samplers against their exact laws: the binomial's mean and variance, and the joint
//! law of (successes, failures) of trials taken until a cap, by a chi-square test against its
//! pmf computed from the sequential definition.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::factorial::ln_binomial;

use super::super::counts::{binomial, capped_successes, COUNT_UP_TO};
use super::*;

#[test]
fn binomial_mean_and_variance_match_np_and_npq() {
    let mut rng = Pcg64Mcg::seed_from_u64(2026);
    // Both methods: counted trial by trial up to COUNT_UP_TO, rand_distr's beyond.
    for n in [1, 5, 40, COUNT_UP_TO, COUNT_UP_TO + 1, 5000] {
        for p in [1e-3, 0.3, 0.5, 0.97] {
            let xs: Vec<f64> = (0..20_000)
                .map(|_| binomial(&mut rng, n, p) as f64)
                .collect();
            assert!(xs.iter().all(|&x| x <= n as f64));
            let m = moments(&xs);
            let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!(
                (m.mean - mean).abs() < 4.0 * m.se_mean.max(1e-9),
                "Bin({n}, {p}): mean {} ± {} vs {mean}",
                m.mean,
                m.se_mean
            );
            assert!(
                (m.var - var).abs() < 4.0 * m.se_var.max(1e-9),
                "Bin({n}, {p}): variance {} ± {} vs {var}",
                m.var,
                m.se_var
            );
        }
    }
}

#[test]
fn binomial_edge_cases() {
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    assert_eq!(binomial(&mut rng, 0, 0.5), 0);
    assert_eq!(binomial(&mut rng, 10, 0.0), 0);
    assert_eq!(binomial(&mut rng, 10, -1.0), 0);
    assert_eq!(binomial(&mut rng, 10, f64::NAN), 0);
    assert_eq!(binomial(&mut rng, 10, 1.0), 10);
    assert_eq!(binomial(&mut rng, 1000, 1.5), 1000);
    // The largest p below 1 still fails now and then in theory, never in 10⁴ tries.
    assert_eq!(binomial(&mut rng, 10_000, 1.0f64.next_down()), 10_000);
}

/// The exact pmf of `(successes, failures)` for `n` trials with probability `p`, taken until `k`
/// succeed: the k-th success at trial `k + f` (`f ≤ n − k`) with probability
/// `C(k + f − 1, f) pᵏ q^f`, or all `n` used with `s < k` successes with probability
/// `C(n, s) pˢ q^(n − s)`.
fn capped_pmf(n: u64, k: u64, p: f64) -> Vec<((u64, u64), f64)> {
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut pmf = Vec::new();
    if n >= k {
        for f in 0..=n - k {
            let lnp = ln_binomial(k + f - 1, f) + k as f64 * lp + f as f64 * lq;
            pmf.push(((k, f), lnp.exp()));
        }
    }
    for s in 0..k.min(n + 1) {
        let lnp = ln_binomial(n, s) + s as f64 * lp + (n - s) as f64 * lq;
        pmf.push(((s, n - s), lnp.exp()));
    }
    pmf
}

#[test]
fn successes_until_a_cap_follow_the_sequential_law() {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let draws = 100_000;
    for (n, k, p) in [
        (12, 5, 0.4),
        (40, 30, 0.7),
        (40, 3, 0.7),
        (60, 10, 0.05),
        // Beyond COUNT_UP_TO, where the binomial is rand_distr's.
        (300, 100, 0.3),
        (300, 95, 0.3),
    ] {
        let pmf = capped_pmf(n, k, p);
        let total: f64 = pmf.iter().map(|(_, q)| q).sum();
        assert!((total - 1.0).abs() < 1e-9, "pmf sums to {total}");
        let mut counts = vec![0u64; pmf.len()];
        for _ in 0..draws {
            let got = capped_successes(&mut rng, n, k, p);
            let i = pmf
                .iter()
                .position(|(v, _)| *v == got)
                .unwrap_or_else(|| panic!("({n}, {k}, {p}): impossible outcome {got:?}"));
            counts[i] += 1;
        }
        // Pool the outcomes expected fewer than 5 times into one cell.
        let (mut stat, mut cells, mut rare_obs, mut rare_exp) = (0.0, 0, 0.0, 0.0);
        for (c, (_, q)) in counts.iter().zip(&pmf) {
            let e = q * draws as f64;
            if e < 5.0 {
                rare_obs += *c as f64;
                rare_exp += e;
            } else {
                stat += (*c as f64 - e).powi(2) / e;
                cells += 1;
            }
        }
        if rare_exp > 0.0 {
            stat += (rare_obs - rare_exp).powi(2) / rare_exp;
            cells += 1;
        }
        let df = (cells - 1) as f64;
        let p_value = 1.0 - ChiSquared::new(df).unwrap().cdf(stat);
        assert!(
            p_value > 1e-4,
            "({n}, {k}, {p}): chi-square {stat:.1} on {df} df, p = {p_value:.2e}"
        );
    }
}

#[test]
fn successes_until_a_cap_edge_cases() {
    let mut rng = Pcg64Mcg::seed_from_u64(3);
    assert_eq!(capped_successes(&mut rng, 10, 0, 0.5), (0, 0));
    assert_eq!(capped_successes(&mut rng, 0, 5, 0.5), (0, 0));
    assert_eq!(capped_successes(&mut rng, 10, 5, 0.0), (0, 10));
    assert_eq!(capped_successes(&mut rng, 10, 5, 1.0), (5, 0));
    assert_eq!(capped_successes(&mut rng, 3, 5, 1.0), (3, 0));
    // A tiny p: the cap (almost) never binds, and nothing overflows.
    let (s, f) = capped_successes(&mut rng, 1_000, 2, 1e-300);
    assert_eq!((s, f), (0, 1_000));
}

/// Words from a script, in order.
struct Script(std::collections::VecDeque<u64>);

impl rand::TryRng for Script {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.pop_front().expect("the script has a word left"))
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
        unimplemented!()
    }
}

#[test]
fn a_half_word_equal_to_the_threshold_is_decided_by_fresh_bits() {
    // p = ½ + 2⁻³³: the threshold ⌊p·2⁶⁴⌋ is 0x8000_0000_8000_0000, upper and lower halves
    // 0x8000_0000. Two trials come from one word's halves, upper half first.
    let p = 0.5 + 2f64.powi(-33);
    let hi: u64 = 0x8000_0000;
    for (words, want) in [
        // Upper half ties, fresh bits below the lower half: success; lower half below: success.
        (vec![hi << 32 | (hi - 1), hi - 1], 2),
        // Both tie: fresh bits equal to the lower half (failure), then 0 (success).
        (vec![hi << 32 | hi, hi, 0], 1),
        // No tie: above, and below.
        (vec![(hi + 1) << 32 | (hi - 1)], 1),
    ] {
        let n_words = words.len();
        let mut rng = Script(words.into());
        assert_eq!(binomial(&mut rng, 2, p), want);
        assert!(rng.0.is_empty(), "{n_words} words, some unused");
    }
    // An odd n: the last trial takes a whole word against the whole threshold.
    let mut rng = Script(vec![0x8000_0000_7fff_ffff].into());
    assert_eq!(binomial(&mut rng, 1, p), 1);
}
