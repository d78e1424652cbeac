//! Exact samplers for counts of exchangeable people: [`binomial`] and [`capped_successes`].
//!
//! Delivery draws how many of a group do something (engage, start a job, stay six weeks, …). Each
//! person's draw is an independent Bernoulli, so only the count matters and it can be drawn at once.
//!
//! **Binomial.** Up to [`COUNT_UP_TO`] trials, the count is summed trial by trial without
//! branches, each trial a comparison with the threshold `t = ⌊p·2⁶⁴⌋`: the trial succeeds with
//! probability `t/2⁶⁴`, which is `p` exactly when `p ≥ 2⁻¹¹` (then `p·2⁶⁴` is a whole number)
//! and within 2⁻⁶⁴ of it below — finer than a `f64` uniform compared with `p` (2⁻⁵³). Eight
//! trials share a 64-bit word, each byte compared with the top byte of `t` at once, without
//! branches or carries between bytes (SWAR); a byte equal to it (one time in 2⁸) is settled by 56
//! fresh bits against the lower 56 bits of `t`, which keeps the probability exactly `t/2⁶⁴`. The
//! last word uses only as many bytes as trials remain. Against two trials to a word (32-bit
//! halves, compared one by one) this cut MHEP 1's CPU per trial by about a tenth; rand_distr's
//! `Binomial::new` + `sample` costs 30–200 ns whatever the `n` (it takes a `powf`, and its BTPE
//! recomputes its constants on every draw). Beyond, the count comes from rand_distr's exact
//! `Binomial`
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

use rand::{Rng, RngExt};
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
        return count_trials(rng, n, p);
    }
    Binomial::new(n, p).map_or(0, |b| b.sample(rng))
}

/// Bytes of a word, eight Bernoulli trials: see the module docs.
const LANES: u64 = 8;
/// The lower 56 bits of the threshold, which settle a byte equal to its top byte.
const LOW_BITS: u64 = (1 << 56) - 1;
/// Each byte's low bit, and each byte's high bit.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `Bin(n, p)` for 0 < `p` < 1 counted trial by trial, eight trials to a 64-bit word: each byte
/// is compared with the threshold's top byte, and a byte equal to it is settled by [`tie`].
#[inline]
fn count_trials<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    // 2⁶⁴·p is exact (a power-of-two scaling) and below 2⁶⁴; the cast truncates.
    let threshold = (p * 18_446_744_073_709_551_616.0) as u64;
    let low = threshold & LOW_BITS;
    let top = (threshold >> 56) * ONES;
    let mut count = 0;
    let mut left = n;
    while left > 0 {
        // The last word may use only some of its bytes (the low ones).
        let used = if left >= LANES {
            u64::MAX
        } else {
            (1 << (8 * left)) - 1
        };
        left = left.saturating_sub(LANES);
        let w = rng.next_u64();
        let (below, equal) = compare_bytes(w, top);
        count += byte_count(below & used);
        if equal & used != 0 {
            count += tie(rng, equal & used, low);
        }
    }
    count
}

/// Byte by byte, without carries between bytes: the high bit of each byte of the first word is
/// set where `x`'s byte is below `y`'s (the borrow out of `x − y`), of the second where they are
/// equal.
#[inline]
pub(super) fn compare_bytes(x: u64, y: u64) -> (u64, u64) {
    let diff = ((x | HIGH) - (y & !HIGH)) ^ ((x ^ !y) & HIGH);
    let below = ((!x & y) | (!(x ^ y) & diff)) & HIGH;
    let v = x ^ y;
    let equal = !(((v & !HIGH) + !HIGH) | v | !HIGH);
    (below, equal)
}

/// How many bytes have their high bit set (the only bits set).
#[inline]
fn byte_count(high_bits: u64) -> u64 {
    ((high_bits >> 7).wrapping_mul(ONES)) >> 56
}

/// A byte equal to the threshold's top byte decides nothing yet: then 56 fresh bits are compared
/// with the threshold's lower 56 bits, so that the trial succeeds with probability exactly
/// `⌊p·2⁶⁴⌋/2⁶⁴`, as a whole 64-bit word compared with the threshold would. Successes among the
/// `ties` (the bytes whose high bit is set).
#[cold]
fn tie<R: Rng + ?Sized>(rng: &mut R, ties: u64, low: u64) -> u64 {
    (0..ties.count_ones())
        .map(|_| u64::from((rng.next_u64() >> 8) < low))
        .sum()
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
    // Fewer than k of the n succeeded: Bin(n, p) given s < k. By rejection while that is likely
    // enough; past REJECTIONS tries (it is then below about 10⁻⁴) from its distribution directly.
    for _ in 0..REJECTIONS {
        let s = binomial(rng, n, p);
        if s < k {
            return (s, n - s);
        }
    }
    let s = binomial_below(rng, n, k, p);
    (s, n - s)
}

/// Rejection tries of [`capped_successes`] before it draws from the truncated distribution.
const REJECTIONS: u32 = 100_000;

/// `Bin(n, p)` given that it is below `k` (`1 ≤ k ≤ n`, `0 < p < 1`), by inversion from `k − 1`
/// down: the pmf ratios `P(j − 1) / P(j) = j (1 − p) / ((n − j + 1) p)` give each term relative to
/// `P(k − 1)`; the sum stops where a term falls below 2⁻⁶⁰ of it (what is left is below that too
/// when the ratios are below 1, as they are once `k` is below the mode, where the rejection
/// failed), or after `k` terms. Two passes, no memory: the first sums, the second finds the draw.
pub(crate) fn binomial_below<R: Rng + ?Sized>(rng: &mut R, n: u64, k: u64, p: f64) -> u64 {
    let odds = (1.0 - p) / p;
    let step = |j: u64, w: f64| w * j as f64 * odds / (n - j + 1) as f64;
    let tiny = (-60f64).exp2();
    let (mut total, mut w, mut j) = (0.0, 1.0, k - 1);
    loop {
        total += w;
        if j == 0 || w < tiny * total {
            break;
        }
        w = step(j, w);
        j -= 1;
    }
    let last = j;
    let mut u = rng.random::<f64>() * total;
    let (mut w, mut j) = (1.0, k - 1);
    while j > last {
        if u < w {
            return j;
        }
        u -= w;
        w = step(j, w);
        j -= 1;
    }
    last
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
