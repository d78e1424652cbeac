//! The count samplers against their exact laws: the binomial's mean and variance, and the joint
//! law of (successes, failures) of trials taken until a cap, by a chi-square test against its
//! pmf computed from the sequential definition.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::factorial::ln_binomial;

use super::super::counts::{
    binomial, binomial_below, capped_successes, compare_bytes, COUNT_UP_TO,
};
use super::*;

#[test]
fn binomial_mean_and_variance_match_np_and_npq() {
    let mut rng = Pcg64Mcg::seed_from_u64(2026);
    // Both methods: counted trial by trial up to COUNT_UP_TO, rand_distr's beyond.
    for n in [1, 5, 40, COUNT_UP_TO, COUNT_UP_TO + 1, 5000] {
        for p in [1e-3, 0.3, 0.5, 0.97] {
            assert_binomial_moments(&mut rng, n, p);
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
        let expected: Vec<f64> = pmf.iter().map(|(_, q)| q * draws as f64).collect();
        let (stat, df, p_value) = chi_square(&counts, &expected);
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
fn a_byte_equal_to_the_threshold_is_decided_by_fresh_bits() {
    // p = ½ + 2⁻⁹: the threshold ⌊p·2⁶⁴⌋ is 0x8080_0000_0000_0000, top byte 0x80 and lower 56
    // bits 2⁵⁵. Trials come from a word's bytes, lowest first; a tie takes the upper 56 bits of
    // a fresh word.
    let p = 0.5 + 2f64.powi(-9);
    let low: u64 = 1 << 55;
    for (n, words, want) in [
        // Below, tie (fresh bits below the lower 56: success), above.
        (3, vec![0x0081_807f, (low - 1) << 8], 2),
        // Tie with fresh bits equal to the lower 56 bits: failure; the 0x7f is beyond n.
        (2, vec![0x7f_8081, low << 8], 0),
        // Nine trials: eight from the first word, one from the second, whose unused byte 0x80
        // must not ask for fresh bits.
        (9, vec![0x7f7f_7f7f_8181_8181, 0x8000], 5),
    ] {
        let n_words = words.len();
        let mut rng = Script(words.into());
        assert_eq!(binomial(&mut rng, n, p), want, "n = {n}");
        assert!(rng.0.is_empty(), "{n_words} words, some unused");
    }
}

#[test]
fn bytes_are_compared_as_one_by_one() {
    // Every pair of byte values, in every lane, among random neighbours.
    let mut rng = Pcg64Mcg::seed_from_u64(11);
    for a in 0..=255u64 {
        for b in 0..=255u64 {
            let lane = (a * 256 + b) % 8;
            let (x, y) = (rng.next_u64(), rng.next_u64());
            let mask = 0xff << (8 * lane);
            let x = (x & !mask) | (a << (8 * lane));
            let y = (y & !mask) | (b << (8 * lane));
            let (below, equal) = compare_bytes(x, y);
            for i in 0..8 {
                let (xi, yi) = ((x >> (8 * i)) as u8, (y >> (8 * i)) as u8);
                let bit = 0x80u64 << (8 * i);
                assert_eq!(below & bit != 0, xi < yi, "{x:#x} < {y:#x}, byte {i}");
                assert_eq!(equal & bit != 0, xi == yi, "{x:#x} = {y:#x}, byte {i}");
            }
            assert_eq!((below | equal) & !0x8080_8080_8080_8080, 0);
        }
    }
}

#[test]
fn counted_binomial_mean_and_variance_over_word_boundaries_and_ties() {
    let mut rng = Pcg64Mcg::seed_from_u64(99);
    // n around multiples of eight (a partly used last word); p with a top byte of 0 (every
    // success comes through a tie), just above a byte step, and near 1.
    for n in [1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65] {
        for p in [0.9 / 256.0, 3.0 / 256.0 + 1e-6, 0.2, 255.5 / 256.0] {
            assert_binomial_moments(&mut rng, n, p);
        }
    }
}

#[test]
fn counted_binomial_follows_its_pmf() {
    let mut rng = Pcg64Mcg::seed_from_u64(5);
    let draws = 100_000;
    for (n, p) in [(13u64, 0.37f64), (40, 0.02), (100, 0.5), (COUNT_UP_TO, 0.9)] {
        let (lp, lq) = (p.ln(), (1.0 - p).ln());
        let pmf: Vec<f64> = (0..=n)
            .map(|k| (ln_binomial(n, k) + k as f64 * lp + (n - k) as f64 * lq).exp())
            .collect();
        let mut counts = vec![0u64; pmf.len()];
        for _ in 0..draws {
            counts[binomial(&mut rng, n, p) as usize] += 1;
        }
        let (mut stat, mut cells, mut rare_obs, mut rare_exp) = (0.0f64, 0, 0.0f64, 0.0f64);
        for (c, q) in counts.iter().zip(&pmf) {
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
            "Bin({n}, {p}): chi-square {stat:.1} on {df} df, p = {p_value:.2e}"
        );
    }
}

/// 20,000 draws of Bin(n, p), none above n, with mean n·p and variance n·p·(1 − p) within 4
/// standard errors.
fn assert_binomial_moments(rng: &mut Pcg64Mcg, n: u64, p: f64) {
    let xs: Vec<f64> = (0..20_000).map(|_| binomial(rng, n, p) as f64).collect();
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

/// The draw `capped_successes` falls back on when its rejection keeps failing: `Bin(n, p)` given
/// `s < k`, against that law's pmf (`ln_binomial`, independent of the sampler's ratios), by
/// chi-square — including where the condition is so unlikely (k far below np) that rejection would
/// take ~10^30 tries, and where k is near the mean.
#[test]
fn binomial_below_a_cap_follows_the_truncated_law() {
    let mut rng = Pcg64Mcg::seed_from_u64(14);
    let draws = 50_000u64;
    for (n, k, p) in [
        (40u64, 12u64, 0.5f64),
        (300, 150, 0.5),
        (300, 60, 0.5),
        (2_000, 700, 0.45),
        (10, 1, 0.9),
    ] {
        let ln_pmf =
            |j: u64| ln_binomial(n, j) + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln();
        let top = ln_pmf(k - 1);
        let weights: Vec<f64> = (0..k).map(|j| (ln_pmf(j) - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut counts = vec![0u64; k as usize];
        for _ in 0..draws {
            let s = binomial_below(&mut rng, n, k, p);
            assert!(s < k, "({n}, {k}, {p}): drew {s}, not below {k}");
            counts[s as usize] += 1;
        }
        let expected: Vec<f64> = weights.iter().map(|w| w / total * draws as f64).collect();
        let (stat, df, p_value) = chi_square(&counts, &expected);
        assert!(
            p_value > 1e-4,
            "({n}, {k}, {p}): chi-square {stat:.1} on {df} df, p = {p_value:.2e}"
        );
    }
}

/// Pearson's chi-square of observed `counts` against `expected` counts, the cells expected fewer
/// than 5 times pooled into one: `(statistic, degrees of freedom, p-value)`.
fn chi_square(counts: &[u64], expected: &[f64]) -> (f64, f64, f64) {
    let (mut stat, mut cells, mut rare_obs, mut rare_exp) = (0.0f64, 0, 0.0f64, 0.0f64);
    for (c, &e) in counts.iter().zip(expected) {
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
    let df = (cells.max(2) - 1) as f64;
    (stat, df, 1.0 - ChiSquared::new(df).unwrap().cdf(stat))
}
