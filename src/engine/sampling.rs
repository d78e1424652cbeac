//! How a trial's parameter layer gets its uniforms (issue 9, item 5): plain Monte Carlo, Latin
//! hypercube or randomised (Owen-scrambled) Sobol points.
//!
//! Every parameter-layer input — each site's inputs, its optional ones (`p_13w`), the SPV's monthly
//! costs — is the quantile of one uniform ([`Dist::quantile`](crate::distributions::Dist::quantile)),
//! so a trial's inputs are a function of a point u in the unit cube of D dimensions. Stratifying
//! that point set lowers the Monte Carlo error of everything that depends smoothly on the inputs.
//! Delivery (referrals, engagements, jobs, staff turnover) stays plain Monte Carlo from its own
//! per-site streams: it draws a varying number of uniforms per trial, which no point set can cover.
//!
//! # Methods
//! - **`mc`** (the default): each trial draws its inputs from its own streams, exactly as before
//!   this module existed (the engine does not call [`Plan::uniforms`] for `mc`).
//! - **`lhs`**: Latin hypercube (McKay, Beckman & Conover 1979). In replicate r of n trials, trial i
//!   gets `u_d = (π_{r,d}(i) + V_d) / n` in dimension d: π_{r,d} is a random permutation of
//!   0..n and V_d uniform on (0, 1) from the trial's own stream, so each of the n strata of every
//!   dimension is hit exactly once per replicate and each u_d is uniform on (0, 1). π is a keyed
//!   Feistel network on the smallest even number of bits covering n, restricted to [0, n) by cycle
//!   walking (Black & Rogaway, "Ciphers with arbitrary finite domains", 2002): a bijection of
//!   [0, n) keyed by (seed, r, d), computed per trial without storing n × D values.
//! - **`sobol`**: Owen-scrambled Sobol points (crate `sobol_burley`: Burley, "Practical hash-based
//!   Owen scrambling", JCGT 9(4), 2020, with Joe & Kuo's direction numbers). Replicate r uses points
//!   0..n of the sequence scrambled with a seed hashed from (seed, r). The crate's index shuffle
//!   maps the first 2^k indices onto an aligned block of 2^k Sobol points, so a replicate of a
//!   power-of-two size is a scrambled (t, k, s)-net; other sizes are still unbiased, only less
//!   balanced. Its limits and what is done about them:
//!   - **f32 output**: a point is a multiple of 2^-23 in [0, 1). The bits below are filled with a
//!     uniform offset from the trial's own stream, `u = x + W·2^-23`, so u is uniform on the open
//!     interval (0, 1) at full double resolution (and every quantile is finite).
//!   - **2^16 points per seed**: a replicate has at most 65,536 trials; [`Plan::new`] refuses more
//!     and says how many replicates would do.
//!   - **256 dimensions**: beyond them the dimensions are *padded* — each further block of 256 uses
//!     an independently scrambled copy (its own seed), as the crate's documentation and Burley's
//!     paper recommend. Each block is stratified within itself and randomly associated with the
//!     others, so results stay unbiased.
//!
//! # Replicates
//! With `lhs` or `sobol` a run is R independent randomised replicates (`--replicates`, default
//! [`DEFAULT_REPLICATES`]) of n = ⌈N / R⌉ trials, so R·n ≥ N trials run; trial t belongs to
//! replicate t / n as its point t mod n. Every uniform is a function of (seed, t) alone, so results
//! are bit-identical on any thread count. Each replicate's estimate (a mean, a quantile) is an
//! independent draw of an unbiased (means) or consistent (quantiles) estimator, so the spread of
//! the R estimates gives an honest Monte Carlo error where the trials within a replicate are not
//! independent (see [`analysis::replicates`](crate::analysis::replicates)).
//!
//! Why 32 replicates by default: the error estimate is a standard deviation over R values, whose
//! own relative error is about 1/√(2(R − 1)) — 13% at R = 32, 18% at 16 — while more replicates
//! mean fewer trials per replicate and so less stratification in each. 32 is the top of the 16–32
//! that the issue proposes, and with N = 2^k·32 trials every Sobol replicate is a full net.

use std::fmt;
use std::str::FromStr;

use rand_distr::{Distribution, Open01};

use crate::engine::rng::{self, purpose, splitmix64};
use crate::error::Error;

/// Replicates of a stratified or quasi-Monte Carlo run when none are asked for (see the module
/// docs for why 32).
pub const DEFAULT_REPLICATES: u64 = 32;

/// Most points one scrambled Sobol sequence of `sobol_burley` gives: 2^16.
pub const SOBOL_MAX_POINTS: u64 = 1 << 16;

/// Dimensions of one scrambled Sobol sequence; beyond them the dimensions are padded.
const SOBOL_DIMS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// Rounds of the Feistel network behind each Latin hypercube permutation (4 already make a keyed
/// Feistel network a pseudo-random permutation, Luby & Rackoff 1988; 6 leave a margin).
const FEISTEL_ROUNDS: u64 = 6;

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// How the parameter layer's uniforms are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Independent uniforms for every trial, from the trial's own streams.
    #[default]
    Mc,
    /// A Latin hypercube per replicate.
    Lhs,
    /// An Owen-scrambled Sobol point set per replicate.
    Sobol,
}

impl Method {
    /// Every method, in the order the command line lists them.
    pub const ALL: [Method; 3] = [Method::Mc, Method::Lhs, Method::Sobol];

    /// The name on the command line and in `summary.json`: `mc`, `lhs`, `sobol`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Mc => "mc",
            Method::Lhs => "lhs",
            Method::Sobol => "sobol",
        }
    }

    /// Whether a run is made of randomised replicates, whose spread gives the Monte Carlo error.
    pub fn replicated(self) -> bool {
        self != Method::Mc
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sampling method name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sampling method \"{0}\"; expected mc, lhs or sobol")]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;
    fn from_str(s: &str) -> Result<Method, UnknownMethod> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

/// A run's sampling plan: the method, and how its trials split into replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// How the parameter layer's uniforms are drawn.
    pub method: Method,
    /// Independent replicates (1 for `mc`, whose trials are all independent).
    pub replicates: u64,
    /// Trials in each replicate (all of them for `mc`).
    pub per_replicate: u64,
}

impl Plan {
    /// Plain Monte Carlo over `trials` trials.
    pub fn mc(trials: u64) -> Plan {
        Plan {
            method: Method::Mc,
            replicates: 1,
            per_replicate: trials,
        }
    }

    /// The plan for about `trials` trials by `method`: for `lhs` and `sobol`, `replicates`
    /// (default [`DEFAULT_REPLICATES`]) of ⌈trials / replicates⌉ each, so that
    /// [`Plan::trials`] may exceed `trials` by less than one per replicate.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for zero trials, replicates with `mc`, fewer than 2 replicates or
    /// more replicates than trials, a Sobol replicate beyond [`SOBOL_MAX_POINTS`], or more than
    /// [`MAX_TRIALS`](crate::limits::MAX_TRIALS) trials in all.
    pub fn new(method: Method, trials: u64, replicates: Option<u64>) -> Result<Plan, Error> {
        let invalid = |option: &str, problem: String, valid: String| Error::InvalidOption {
            option: option.into(),
            problem,
            valid,
        };
        let max = crate::limits::MAX_TRIALS as u64;
        let n_ = |n: u64| crate::report::terminal::group_thousands(&n.to_string());
        if trials == 0 || trials > max {
            return Err(invalid(
                "trials",
                format!("{} trials", n_(trials)),
                format!("expected a whole number from 1 to {}", n_(max)),
            ));
        }
        if !method.replicated() {
            return match replicates {
                None => Ok(Plan::mc(trials)),
                Some(r) => Err(invalid(
                    "replicates",
                    format!("{r} replicates with mc sampling, whose trials are all independent"),
                    "expected --sampling lhs or sobol with --replicates, or no --replicates".into(),
                )),
            };
        }
        let r = replicates.unwrap_or(DEFAULT_REPLICATES);
        if r < 2 {
            return Err(invalid(
                "replicates",
                format!("{r}"),
                "expected at least 2: the Monte Carlo error comes from their spread (default 32)"
                    .into(),
            ));
        }
        if r > trials {
            return Err(invalid(
                "replicates",
                format!("{r} replicates of {trials} trials"),
                format!("expected at most {trials} replicates (one trial each at least), or more trials"),
            ));
        }
        let n = trials.div_ceil(r);
        if method == Method::Sobol && n > SOBOL_MAX_POINTS {
            return Err(invalid(
                "replicates",
                format!(
                    "{} replicates of {} trials with sobol sampling, beyond the {} points of one scrambled Sobol sequence",
                    n_(r),
                    n_(n),
                    n_(SOBOL_MAX_POINTS)
                ),
                format!(
                    "expected at least {} replicates for {} trials",
                    n_(trials.div_ceil(SOBOL_MAX_POINTS)),
                    n_(trials)
                ),
            ));
        }
        if r * n > max {
            return Err(invalid(
                "trials",
                format!(
                    "{} replicates of {} trials, {} in all",
                    n_(r),
                    n_(n),
                    n_(r * n)
                ),
                format!("expected at most {} trials in all", n_(max)),
            ));
        }
        Ok(Plan {
            method,
            replicates: r,
            per_replicate: n,
        })
    }

    /// Trials in all: replicates × trials per replicate.
    pub fn trials(&self) -> u64 {
        self.replicates * self.per_replicate
    }

    /// The replicate trial `t` belongs to and its index in it: (t / n, t mod n).
    pub fn locate(&self, trial: u64) -> (u64, u64) {
        (trial / self.per_replicate, trial % self.per_replicate)
    }

    /// Trial `trial`'s point: one uniform in the open interval (0, 1) per dimension of `out`
    /// (dimension d of every trial is the same input). A function of (seed, trial) alone.
    ///
    /// For `mc` the uniforms are independent, from the trial's own stream; the engine does not
    /// use them (it keeps the streams every input drew from before sampling plans existed).
    pub fn uniforms(&self, seed: u64, trial: u64, out: &mut [f64]) {
        let (r, i) = self.locate(trial);
        match self.method {
            Method::Mc => {
                let mut rng = rng::stream(seed, trial, purpose("mc points", ""));
                out.iter_mut().for_each(|u| *u = Open01.sample(&mut rng));
            }
            Method::Lhs => {
                let n = self.per_replicate;
                let mut jitter = rng::stream(seed, trial, purpose("lhs jitter", ""));
                let key = replicate_key(seed, r, "lhs");
                for (d, u) in out.iter_mut().enumerate() {
                    let stratum = permute(i, n, splitmix64(key ^ d as u64));
                    let v: f64 = Open01.sample(&mut jitter);
                    *u = open((stratum as f64 + v) / n as f64);
                }
            }
            Method::Sobol => {
                let mut fill = rng::stream(seed, trial, purpose("sobol fill", ""));
                let key = replicate_key(seed, r, "sobol");
                for (block, chunk) in out.chunks_mut(SOBOL_DIMS).enumerate() {
                    // Only the low 32 bits seed the scramble: a 32-bit hash of (seed, r, block).
                    let scramble = splitmix64(key ^ block as u64) as u32;
                    for (set, four) in chunk.chunks_mut(4).enumerate() {
                        let x = sobol_burley::sample_4d(i as u32, set as u32, scramble);
                        for (u, &x) in four.iter_mut().zip(&x) {
                            let w: f64 = Open01.sample(&mut fill);
                            *u = open(f64::from(x) + w * SOBOL_CELL);
                        }
                    }
                }
            }
        }
    }
}

/// The width of a cell of `sobol_burley`'s f32 output: 2^-23 (its points are whole multiples).
const SOBOL_CELL: f64 = 1.0 / (1u64 << 23) as f64;

/// `u` kept below 1: rounding a sum just under 1 can give 1 itself, whose quantile may be infinite.
fn open(u: f64) -> f64 {
    u.min(BELOW_ONE)
}

/// A key for replicate `r` of a run seeded with `seed`, for one method's randomisation.
fn replicate_key(seed: u64, r: u64, method: &str) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ purpose("replicate", method)) ^ r)
}

/// A pseudo-random permutation of [0, n), keyed by `key`, at `i` (< n): a balanced Feistel network
/// on the smallest even number of bits covering n, walked along its cycle until it lands in
/// [0, n). The network is a bijection of its domain, so the walk from any i < n returns into
/// [0, n) (at worst at i itself), and the result is a bijection of [0, n); the domain is below
/// 4n, so a walk takes under 4 steps on average.
pub fn permute(i: u64, n: u64, key: u64) -> u64 {
    debug_assert!(i < n);
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros() as u64;
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = i;
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for round in 0..FEISTEL_ROUNDS {
            let f = splitmix64(key ^ round.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ right) & mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << half) | right;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_bijections_of_every_size() {
        for n in [1u64, 2, 3, 5, 8, 31, 32, 33, 100, 313, 1024, 1025] {
            for key in [0u64, 1, 0xDEAD_BEEF] {
                let mut seen = vec![false; n as usize];
                for i in 0..n {
                    let p = permute(i, n, key) as usize;
                    assert!(p < n as usize, "n {n}: {i} ↦ {p}");
                    assert!(!seen[p], "n {n}, key {key}: {p} hit twice");
                    seen[p] = true;
                }
            }
        }
        // Different keys give different permutations (of 100! possible, a collision would be a bug).
        let a: Vec<u64> = (0..100).map(|i| permute(i, 100, 1)).collect();
        let b: Vec<u64> = (0..100).map(|i| permute(i, 100, 2)).collect();
        assert_ne!(a, b);
    }

    fn points(plan: &Plan, seed: u64, dims: usize) -> Vec<Vec<f64>> {
        (0..plan.trials())
            .map(|t| {
                let mut u = vec![0.0; dims];
                plan.uniforms(seed, t, &mut u);
                u
            })
            .collect()
    }

    #[test]
    fn each_latin_hypercube_stratum_is_hit_once_per_dimension_and_replicate() {
        // 37 trials per replicate (no power of two), 300 dimensions, 3 replicates.
        let plan = Plan::new(Method::Lhs, 111, Some(3)).unwrap();
        assert_eq!((plan.replicates, plan.per_replicate), (3, 37));
        let pts = points(&plan, 5, 300);
        for (r, rep) in pts.chunks(37).enumerate() {
            for d in 0..300 {
                let mut hits = [0u32; 37];
                for p in rep {
                    assert!(p[d] > 0.0 && p[d] < 1.0);
                    hits[(p[d] * 37.0).floor() as usize] += 1;
                }
                assert!(
                    hits.iter().all(|&h| h == 1),
                    "replicate {r}, dim {d}: {hits:?}"
                );
            }
        }
        // Replicates are randomised independently: the same stratum order would be a bug.
        let order = |r: usize| -> Vec<usize> {
            (0..37)
                .map(|i| (pts[r * 37 + i][0] * 37.0) as usize)
                .collect()
        };
        assert_ne!(order(0), order(1));
    }

    #[test]
    fn sobol_replicates_of_a_power_of_two_are_nets_in_each_dimension() {
        // A scrambled Sobol point set of 2^k points has one point in each of the 2^k intervals
        // [j / 2^k, (j + 1) / 2^k) of every dimension, padded dimensions (≥ 256) included.
        let plan = Plan::new(Method::Sobol, 128, Some(2)).unwrap();
        let pts = points(&plan, 9, 260);
        for r in 0..2 {
            for d in [0, 1, 2, 3, 100, 255, 256, 259] {
                let mut hits = [0u32; 64];
                for i in 0..64 {
                    let u = pts[r * 64 + i][d];
                    assert!(u > 0.0 && u < 1.0);
                    hits[(u * 64.0).floor() as usize] += 1;
                }
                assert!(hits.iter().all(|&h| h == 1), "replicate {r}, dim {d}");
            }
        }
        // And the fill gives full resolution: no two of the uniforms are equal.
        let mut all: Vec<f64> = pts.iter().flatten().copied().collect();
        all.sort_by(f64::total_cmp);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn points_depend_on_seed_and_trial_only() {
        for method in Method::ALL {
            let plan = Plan::new(method, 64, method.replicated().then_some(4)).unwrap();
            let once = points(&plan, 3, 10);
            // Recomputed in reverse order, each point is the same.
            for t in (0..64).rev() {
                let mut u = vec![0.0; 10];
                plan.uniforms(3, t, &mut u);
                assert_eq!(u, once[t as usize], "{method} trial {t}");
            }
            assert_ne!(
                points(&plan, 4, 10),
                once,
                "{method}: the seed changes the points"
            );
        }
    }

    #[test]
    fn plans_split_trials_into_replicates_and_refuse_what_cannot_be() {
        let p = Plan::new(Method::Lhs, 1000, None).unwrap();
        assert_eq!((p.replicates, p.per_replicate, p.trials()), (32, 32, 1024));
        assert_eq!(p.locate(33), (1, 1));
        assert_eq!(Plan::new(Method::Mc, 1000, None).unwrap(), Plan::mc(1000));
        let msg = |m, n, r| Plan::new(m, n, r).unwrap_err().to_string();
        assert_eq!(
            msg(Method::Mc, 100, Some(8)),
            "invalid replicates: 8 replicates with mc sampling, whose trials are all independent; expected --sampling lhs or sobol with --replicates, or no --replicates"
        );
        assert_eq!(
            msg(Method::Lhs, 100, Some(1)),
            "invalid replicates: 1; expected at least 2: the Monte Carlo error comes from their spread (default 32)"
        );
        assert_eq!(
            msg(Method::Sobol, 10, None),
            "invalid replicates: 32 replicates of 10 trials; expected at most 10 replicates (one trial each at least), or more trials"
        );
        assert_eq!(
            msg(Method::Sobol, 3_000_000, None),
            "invalid replicates: 32 replicates of 93,750 trials with sobol sampling, beyond the 65,536 points of one scrambled Sobol sequence; expected at least 46 replicates for 3,000,000 trials"
        );
        assert_eq!(
            msg(Method::Lhs, 0, None),
            "invalid trials: 0 trials; expected a whole number from 1 to 10,000,000"
        );
        assert_eq!(
            msg(Method::Lhs, 10_000_000, Some(3)),
            "invalid trials: 3 replicates of 3,333,334 trials, 10,000,002 in all; expected at most 10,000,000 trials in all"
        );
    }

    #[test]
    fn method_names_round_trip_and_a_bad_one_says_what_is_valid() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>(), Ok(m));
        }
        assert_eq!(
            "qmc".parse::<Method>().unwrap_err().to_string(),
            "unknown sampling method \"qmc\"; expected mc, lhs or sobol"
        );
    }
}
