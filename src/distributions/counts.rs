//! Exact samplers for counts of exchangeable people: [`binomial`] and [`capped_successes`].
//!
//! Delivery draws how many of a group do something (engage, start a job, stay six weeks, …). Each
//! person's draw is an independent Bernoulli, so only the count matters and it can be drawn at once.
//!
//! **Binomial.** Up to [`COUNT_UP_TO`] trials, the count is summed trial by trial without
//! branches, each trial a comparison with the threshold `t = ⌊p·2⁶⁴⌋`: the trial succeeds with
//! probability `t/2⁶⁴`, which is `p` exactly when `p ≥ 2⁻¹¹` (then `p·2⁶⁴` is a whole number)
//! and within 2⁻⁶⁴ of it below — finer than a `f64` uniform compared with `p` (2⁻⁵³). Two
//! trials share a 64-bit word, each half compared with the upper half of `t`; a half equal to it
//! (one time in 2³²) is settled by 32 fresh bits against the lower half of `t`, which keeps the
//! probability exactly `t/2⁶⁴`. About 0.6 ns a trial, where rand_distr's `Binomial::new` +
//! `sample` costs 30–200 ns whatever the `n` (it takes a `powf`, and its BTPE recomputes its
//! constants on every draw). Beyond, the count comes from rand_distr's exact `Binomial`
//! (inversion or BTPE, Kachitvichyanukul & Schmeiser 1988).
//!
//! **Successes until a cap.** People are taken on one at a time, each succeeding with `p`, until
//! `k` have succeeded or all `n` are used (engagement up to free caseload). Exactly, in O(1)
//! expected draws: in an endless run of trials the failures before the `k`-th success are
//! negative binomial, `F ~ NB(k, p)`, drawn as the gamma–Poisson mixture
//! `Poisson(Gamma(k, (1 − p)/p))`. The cap binds within the `n` exactly when `k + F ≤ n`, and
//! then the answer is `(k, F)`. Otherwise all `n` are used with fewer than `k` successes, whose
//! law is `Bin(n, p)` given `< k`: drawn by rejection from `Bin(n, p)`. This happens with the
//! probability `P(Bin(n, p) < k)` that each try is accepted, so it takes one binomial on average.
//! (Drawing `Bin(n, p)` first and then placing the `k`-th success is exact too, but costs a
//! binomial over all `n`, a beta and another binomial whenever the cap binds, as it does most
//! months of a full service.)

use rand::Rng;
use rand_distr::{Binomial, Distribution, Gamma, Poisson};

/// Up to this many trials a binomial is counted trial by trial.
pub const COUNT_UP_TO: u64 = 128;

/// `Bin(n, p)`: successes among `n` independent trials with probability `p` each (`p` ≤ 0 or NaN
/// gives 0, `p` ≥ 1 gives `n`).
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if n <= COUNT_UP_TO {
        // 2⁶⁴·p is exact (a power-of-two scaling) and below 2⁶⁴; the cast truncates.
        let threshold = (p * 18_446_744_073_709_551_616.0) as u64;
        let (hi, lo) = ((threshold >> 32) as u32, threshold as u32);
        let mut count = 0;
        for _ in 0..n / 2 {
            let w = rng.next_u64();
            let (a, b) = ((w >> 32) as u32, w as u32);
            count += u64::from(a < hi) + u64::from(b < hi);
            if a == hi || b == hi {
                count += tie(rng, a, hi, lo) + tie(rng, b, hi, lo);
            }
        }
        if n % 2 == 1 {
            count += u64::from(rng.next_u64() < threshold);
        }
        return count;
    }
    Binomial::new(n, p).map_or(0, |b| b.sample(rng))
}

/// A 32-bit half equal to the threshold's upper half decides nothing yet: then 32 fresh bits are
/// compared with its lower half, so that the trial succeeds with probability exactly
/// `⌊p·2⁶⁴⌋/2⁶⁴`, as a whole 64-bit word compared with the threshold would.
#[cold]
fn tie<R: Rng + ?Sized>(rng: &mut R, half: u32, hi: u32, lo: u32) -> u64 {
    u64::from(half == hi && (rng.next_u64() as u32) < lo)
}

/// Successes and failures among `n` trials with probability `p` each, taken in turn until `k`
/// have succeeded (or all `n` are used): `(successes, failures)`, with `successes ≤ k` and the
/// `n − successes − failures` trials never taken. See the module docs.
pub fn capped_successes<R: Rng + ?Sized>(rng: &mut R, n: u64, k: u64, p: f64) -> (u64, u64) {
    if k == 0 || n == 0 {
        return (0, 0);
    }
    if p.is_nan() || p <= 0.0 {
        return (0, n);
    }
    if p >= 1.0 {
        return (n.min(k), 0);
    }
    if n <= k {
        // The cap cannot bind before the trials run out.
        let s = binomial(rng, n, p);
        return (s, n - s);
    }
    if let Some(f) = failures_before(rng, k, p) {
        if f <= n - k {
            return (k, f);
        }
    }
    loop {
        let s = binomial(rng, n, p);
        if s < k {
            return (s, n - s);
        }
    }
}

/// Failures before the `k`-th success (`k` ≥ 1, 0 < `p` < 1), `NB(k, p)`, as
/// `Poisson(Gamma(k, (1 − p)/p))`; `None` when its mean is beyond what rand_distr's Poisson takes
/// (then it is beyond any cap too).
fn failures_before<R: Rng + ?Sized>(rng: &mut R, k: u64, p: f64) -> Option<u64> {
    let rate = Gamma::new(k as f64, (1.0 - p) / p).ok()?.sample(rng);
    if rate.is_nan() || rate <= 0.0 {
        return Some(0);
    }
    let f: f64 = Poisson::new(rate).ok()?.sample(rng);
    Some(f as u64)
}
