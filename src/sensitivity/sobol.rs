//! Variance-based (Sobol) sensitivity indices by a pick-freeze design, run through the engine
//! (issue 11).
//!
//! Every parameter-layer input of a trial is the quantile of one uniform, so a trial is a
//! function `Y = f(u, k)` of its point u in the unit cube of D dimensions
//! ([`ParamDims`] order) and of the key k of its delivery streams. The design draws two
//! independent N × D matrices A and B of uniforms and simulates, for each base sample j, rows
//! built from them ([`Design`]); [`estimate`] turns one output of those rows into first-order and
//! total-effect indices with bootstrap intervals.
//!
//! # Estimators
//! With `A_B^(i)` the matrix A whose column i (or the columns of a group) is taken from B, over
//! the N base samples:
//! - variance `V = (1/2N) Σ_j (f(A)_j² + f(B)_j²) − ((1/2N) Σ_j (f(A)_j + f(B)_j))²`, from the A
//!   and B rows together (both are samples of the output's distribution; SALib does the same);
//! - first order `S_i = (1/N) Σ_j f(B)_j (f(A_B^(i))_j − f(A)_j) / V` (Saltelli, Annoni, Azzini,
//!   Campolongo, Ratto & Tarantola, "Variance based sensitivity analysis of model output. Design
//!   and estimator for the total sensitivity index", *Comput. Phys. Commun.* 181 (2010) 259–270,
//!   table 2 (b));
//! - total effect `ST_i = (1/2N) Σ_j (f(A)_j − f(A_B^(i))_j)² / V` (Jansen, "Analysis of variance
//!   designs for model output", *Comput. Phys. Commun.* 117 (1999) 35–43; the total-effect
//!   estimator Saltelli et al. 2010 recommend).
//!
//! The outputs are first centred on the mean of their A and B values (as SALib does): the
//! first-order estimator is not invariant to a shift of the output, and centring removes the
//! needless variance an offset adds (£1M of margin ± £10k) without biasing anything. Neither
//! index is clamped to [0, 1]: an estimate slightly below 0 or above 1 is Monte Carlo error, and
//! its interval says how much.
//!
//! # Delivery randomness as an input
//! A row's delivery streams are keyed by its base sample: A_j and every A_B row use key j, B_j
//! key N + j. So the delivery randomness is one more input, tied to A like the parameter columns
//! that are not swapped: f(B_j) is independent of f(A_j), and `A_B^(i)` differs from A_j in
//! u_i alone. With [`Design::noise`] a last row per base sample, A_j's point with B_j's key,
//! estimates that input's own indices: its first order is the share of the variance due to
//! delivery alone, its total effect `E[Var(Y | u)] / V` — the part no knowledge of the inputs
//! would remove.
//!
//! # Bootstrap intervals
//! The base samples are resampled with replacement `bootstrap` times (deterministically from the
//! seed) and every index recomputed, V included; the interval is the percentile interval at the
//! chosen confidence (type-7 quantiles of the resampled indices: Efron & Tibshirani, *An
//! Introduction to the Bootstrap*, 1993, §13.3; for Sobol indices, Archer, Saltelli & Sobol,
//! *J. Stat. Comput. Simul.* 58 (1997) 99–120).
//!
//! # Assumptions
//! The estimators assume independent inputs: the uniforms of A and B are, but a copula maps the
//! core dimensions to correlated ones, so an index of one input of a correlated set mixes in its
//! partners. Inputs a copula correlates belong in one group.

use std::fmt;

use rand::RngExt;
use rand_distr::{Distribution, Open01};
use rayon::prelude::*;

use crate::analysis::quantile_sorted;
use crate::engine::record::RecordLayout;
use crate::engine::rng::{purpose, stream};
use crate::engine::runner::{run_points, thread_pool};
use crate::engine::table::TrialTable;
use crate::engine::trial::ParamDims;
use crate::error::Error;
use crate::scenario::{Model, Param};

/// A pick-freeze design: N base samples over D dimensions, with groups of dimensions and,
/// optionally, the delivery randomness as an input of its own.
///
/// # Layout
/// The rows of base sample j are consecutive, `j × per_sample() + k` for k =
/// - 0: **A_j** (delivery key j),
/// - 1: **B_j** (key N + j),
/// - 2 + i for each dimension i < D: **A_B^(i)_j**, A_j with u_i from B_j (key j),
/// - 2 + D + g for each group g: **A_B^(g)_j**, A_j with the group's dimensions from B_j (key j),
/// - 2 + D + G, if `noise`: A_j's point with B_j's key N + j.
///
/// A_j and B_j are independent uniforms in (0, 1), from the streams of (seed, j) for purposes of
/// their own ([`Design::point`]), so a row is a function of (seed, row) alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Design {
    n: usize,
    dims: usize,
    groups: Vec<Vec<usize>>,
    noise: bool,
}

/// What a row of a [`Design`] is, within its base sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A_j.
    A,
    /// B_j.
    B,
    /// A_B^(i)_j: A_j with dimension i from B_j.
    Dim(usize),
    /// A_j with group g's dimensions from B_j.
    Group(usize),
    /// A_j's point with B_j's delivery key.
    Noise,
}

impl Design {
    /// A design of `n` base samples over `dims` dimensions, with `groups` (sets of dimensions,
    /// each kept sorted) and, if `noise`, a row per base sample for the delivery randomness.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for fewer than 2 base samples (no variance, no bootstrap), no
    /// dimension, an empty group, a group naming a dimension twice or one ≥ `dims`, or more rows
    /// than [`MAX_TRIALS`](crate::limits::MAX_TRIALS).
    pub fn new(
        n: usize,
        dims: usize,
        groups: Vec<Vec<usize>>,
        noise: bool,
    ) -> Result<Design, Error> {
        let invalid = |option: &str, problem: String, valid: String| {
            Err(Error::InvalidOption {
                option: option.into(),
                problem,
                valid,
            })
        };
        if n < 2 {
            return invalid(
                "--sobol-n",
                format!("{n} base samples"),
                "expected at least 2".into(),
            );
        }
        if dims == 0 {
            return invalid(
                "sobol design",
                "no dimension".into(),
                "expected at least one input".into(),
            );
        }
        let mut sorted = Vec::with_capacity(groups.len());
        for (g, mut group) in groups.into_iter().enumerate() {
            group.sort_unstable();
            let bad = if group.is_empty() {
                Some("is empty".to_string())
            } else if let Some(&d) = group.iter().find(|&&d| d >= dims) {
                Some(format!("names dimension {d}"))
            } else {
                group
                    .windows(2)
                    .find(|w| w[0] == w[1])
                    .map(|w| format!("names dimension {} twice", w[0]))
            };
            if let Some(problem) = bad {
                return invalid(
                    "sobol group",
                    format!("group {g} {problem}"),
                    format!("expected distinct dimensions from 0 to {}", dims - 1),
                );
            }
            sorted.push(group);
        }
        let per = 2 + dims + sorted.len() + usize::from(noise);
        let max = crate::limits::MAX_TRIALS as usize;
        match n.checked_mul(per) {
            Some(rows) if rows <= max => Ok(Design {
                n,
                dims,
                groups: sorted,
                noise,
            }),
            _ => invalid(
                "--sobol-n",
                format!("{} base samples of {} rows each", count(n), count(per)),
                format!("expected at most {} base samples", count(max / per)),
            ),
        }
    }

    /// Base samples (N).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Dimensions (D).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The groups, each sorted.
    pub fn groups(&self) -> &[Vec<usize>] {
        &self.groups
    }

    /// Whether the delivery randomness has a row of its own.
    pub fn noise(&self) -> bool {
        self.noise
    }

    /// Rows per base sample: 2 + D + G (+ 1 with `noise`).
    pub fn per_sample(&self) -> usize {
        2 + self.dims + self.groups.len() + usize::from(self.noise)
    }

    /// Rows in all: N × [`Design::per_sample`].
    pub fn rows(&self) -> u64 {
        (self.n * self.per_sample()) as u64
    }

    /// The row of base sample `j` that is `kind` (see the layout in [`Design`]).
    ///
    /// # Panics
    /// If `j ≥ N` or `kind` names a dimension, group or noise row the design does not have.
    pub fn row(&self, j: usize, kind: Row) -> u64 {
        assert!(j < self.n, "base sample {j} of {}", self.n);
        let k = match kind {
            Row::A => 0,
            Row::B => 1,
            Row::Dim(i) if i < self.dims => 2 + i,
            Row::Group(g) if g < self.groups.len() => 2 + self.dims + g,
            Row::Noise if self.noise => 2 + self.dims + self.groups.len(),
            _ => panic!("{kind:?} is not a row of this design"),
        };
        (j * self.per_sample() + k) as u64
    }

    /// The base sample of `row` and what the row is: the inverse of [`Design::row`].
    ///
    /// # Panics
    /// If `row ≥ rows()`.
    pub fn kind(&self, row: u64) -> (usize, Row) {
        assert!(row < self.rows(), "row {row} of {}", self.rows());
        let per = self.per_sample();
        let (j, k) = (row as usize / per, row as usize % per);
        let kind = match k {
            0 => Row::A,
            1 => Row::B,
            k if k < 2 + self.dims => Row::Dim(k - 2),
            k if k < 2 + self.dims + self.groups.len() => Row::Group(k - 2 - self.dims),
            _ => Row::Noise,
        };
        (j, kind)
    }

    /// Row `row`'s point, written into `out[..D]` (uniforms in the open interval (0, 1)), and its
    /// delivery key. A_j is D draws of the stream of (seed, j, `"sobol design"`/`"A"`), B_j of
    /// (seed, j, `"sobol design"`/`"B"`) ([`stream`]): independent of each other and of every
    /// stream a trial draws from.
    ///
    /// # Panics
    /// If `row ≥ rows()` or `out` is shorter than D.
    pub fn point(&self, seed: u64, row: u64, out: &mut [f64]) -> u64 {
        let (j, kind) = self.kind(row);
        let out = &mut out[..self.dims];
        let draw = |label: &str| {
            let mut rng = stream(seed, j as u64, purpose("sobol design", label));
            move || -> f64 { Open01.sample(&mut rng) }
        };
        let fill = |out: &mut [f64], label: &str| {
            let mut next = draw(label);
            out.iter_mut().for_each(|u| *u = next());
        };
        // Only the dimensions in `from_b` (sorted) are replaced, drawing B_j up to the last.
        let swap = |out: &mut [f64], from_b: &[usize]| {
            let mut next = draw("B");
            let mut wanted = from_b.iter().peekable();
            for (d, u) in out.iter_mut().enumerate() {
                let Some(&&w) = wanted.peek() else { break };
                let v = next();
                if w == d {
                    *u = v;
                    wanted.next();
                }
            }
        };
        let (n, j) = (self.n as u64, j as u64);
        match kind {
            Row::B => {
                fill(out, "B");
                return n + j;
            }
            _ => fill(out, "A"),
        }
        match kind {
            Row::Dim(i) => swap(out, &[i]),
            Row::Group(g) => swap(out, &self.groups[g]),
            Row::Noise => return n + j,
            Row::A | Row::B => {}
        }
        j
    }
}

/// One index with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate from all the base samples used.
    pub value: f64,
    /// The percentile interval's low end.
    pub low: f64,
    /// The percentile interval's high end.
    pub high: f64,
}

/// The indices of one dimension, group or the delivery randomness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Index {
    /// First order S (Saltelli 2010).
    pub first: Estimate,
    /// Total effect ST (Jansen 1999).
    pub total: Estimate,
    /// Base samples used: those with the output defined at A_j, B_j and this row.
    pub used: usize,
    /// Bootstrap resamples the intervals come from: all of them but those with no variance.
    pub resamples: usize,
}

/// Why there are no indices (for an output, or for one input).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Undefined {
    /// `y` does not have one value per row of the design.
    WrongLength {
        /// Rows the design has.
        expected: u64,
        /// Values given.
        got: usize,
    },
    /// No bootstrap resample asked for, or a confidence outside (0, 1).
    InvalidBootstrap {
        /// Resamples asked for.
        bootstrap: usize,
        /// The intervals' confidence asked for.
        confidence: f64,
    },
    /// Fewer than 2 base samples with the output defined where needed (or, for an input, none of
    /// the bootstrap resamples had any variance).
    TooFewSamples {
        /// Base samples with the output defined where needed.
        defined: usize,
    },
    /// The output takes one value over every A and B row used: no variance to apportion.
    ConstantOutput {
        /// The output's one value.
        value: f64,
    },
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Undefined::WrongLength { expected, got } => write!(
                f,
                "{} output values for a design of {} rows",
                count(got),
                count(expected)
            ),
            Undefined::InvalidBootstrap {
                bootstrap,
                confidence,
            } => write!(
                f,
                "{} bootstrap resamples at confidence {confidence}: expected at least 1, at a confidence between 0 and 1",
                count(bootstrap)
            ),
            Undefined::TooFewSamples { defined } => write!(
                f,
                "the output is defined in {} base samples only: too few to estimate a variance",
                count(defined)
            ),
            Undefined::ConstantOutput { value } => write!(
                f,
                "the output is {value} in every trial used: it has no variance to apportion"
            ),
        }
    }
}

/// One index's estimate, or why there is none.
pub type Entry = Result<Index, Undefined>;

/// The Sobol indices of one output over a [`Design`] ([`estimate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Indices {
    /// The output's variance V over the base samples used (0 when `undefined`).
    pub variance: f64,
    /// Base samples in the design (N).
    pub n: usize,
    /// Base samples with the output defined at both A_j and B_j.
    pub used: usize,
    /// The others: the output is undefined (not finite, e.g. an IRR with no root) at A_j or B_j.
    /// An index drops, beside these, the base samples where its own row is undefined (see
    /// [`Index::used`]).
    pub dropped: usize,
    /// Per dimension, in the design's order (empty when `undefined`).
    pub dims: Vec<Entry>,
    /// Per group, in the design's order (empty when `undefined`).
    pub groups: Vec<Entry>,
    /// The delivery randomness, if the design has its row.
    pub noise: Option<Entry>,
    /// Why there are no indices at all (`None`: there are).
    pub undefined: Option<Undefined>,
    /// Bootstrap resamples asked for.
    pub bootstrap: usize,
    /// The confidence of the intervals, 0–1.
    pub confidence: f64,
}

/// Centred outputs of one kind of row, by base sample (NaN: undefined).
type Column = Vec<f64>;

/// One bootstrap resample's first-order and total indices, by index (`None`: no variance in it).
type Resample = Vec<Option<(f64, f64)>>;

/// The first-order and total indices of one row kind over the base samples `picks`: the
/// estimators of the module docs on the centred outputs `a`, `b`, `ab`. `None` when the picked A
/// and B values are all equal (no variance).
fn indices(
    a: &[f64],
    b: &[f64],
    ab: &[f64],
    picks: impl Iterator<Item = usize>,
) -> Option<(f64, f64)> {
    let (mut m, mut s, mut ss, mut first, mut total) = (0usize, 0.0, 0.0, 0.0, 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for j in picks {
        let (fa, fb, fab) = (a[j], b[j], ab[j]);
        m += 1;
        s += fa + fb;
        ss += fa * fa + fb * fb;
        first += fb * (fab - fa);
        total += (fa - fab) * (fa - fab);
        lo = lo.min(fa.min(fb));
        hi = hi.max(fa.max(fb));
    }
    if m == 0 || lo == hi {
        return None;
    }
    let two_m = 2.0 * m as f64;
    let mean = s / two_m;
    let v = ss / two_m - mean * mean;
    if v <= 0.0 {
        return None;
    }
    Some((first / m as f64 / v, total / two_m / v))
}

/// First-order and total-effect indices, with bootstrap percentile intervals, of the output `y`
/// (one value per row of `design`, in row order) — see the module docs for the estimators.
///
/// A value that is not finite (NaN: undefined in that trial) drops its base sample: from
/// everything if it is at A_j or B_j (counted in [`Indices::dropped`]), from one index if it is at
/// that index's row (see [`Index::used`]). The bootstrap draws `bootstrap` resamples of the base
/// samples used, from the streams of (`seed`, resample, `"sobol bootstrap"`), and takes the
/// percentile interval at `confidence` (e.g. 0.95). The resamples run in parallel on `threads`
/// threads (`None`: rayon's global pool), in batches of [`BOOTSTRAP_BATCH`] whose results are
/// combined in resample order, so the indices and intervals are bit-identical for any thread
/// count.
///
/// Bad input gives no indices, and says why ([`Indices::undefined`]): `y` of the wrong length, no
/// resample or a confidence outside (0, 1), fewer than 2 base samples used, an output with no
/// variance.
///
/// # Errors
/// [`Error::Interrupted`] when an interrupt ([`crate::interrupt`]) comes during the bootstrap
/// (each resample checks it); [`Error::InvalidOption`] for zero threads or more than
/// [`MAX_THREADS`](crate::limits::MAX_THREADS), as for a run.
pub fn estimate(
    design: &Design,
    y: &[f64],
    bootstrap: usize,
    confidence: f64,
    seed: u64,
    threads: Option<usize>,
) -> Result<Indices, Error> {
    estimate_observed(design, y, (bootstrap, confidence, seed), threads, &|_| {})
}

/// Resamples of the bootstrap run in parallel at a time ([`estimate`]): between two batches the
/// results are stored and `progress` is told; a batch's results take a few kilobytes.
pub const BOOTSTRAP_BATCH: usize = 256;

/// [`estimate`], with `(bootstrap, confidence, seed)` together, calling `progress` with the
/// resamples done so far after each batch of [`BOOTSTRAP_BATCH`].
///
/// # Errors
/// As [`estimate`].
pub fn estimate_observed(
    design: &Design,
    y: &[f64],
    (bootstrap, confidence, seed): (usize, f64, u64),
    threads: Option<usize>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Indices, Error> {
    let pool = thread_pool(threads)?;
    let n = design.n;
    let mut out = Indices {
        variance: 0.0,
        n,
        used: 0,
        dropped: n,
        dims: Vec::new(),
        groups: Vec::new(),
        noise: None,
        undefined: None,
        bootstrap,
        confidence,
    };
    if y.len() as u64 != design.rows() {
        out.undefined = Some(Undefined::WrongLength {
            expected: design.rows(),
            got: y.len(),
        });
        return Ok(out);
    }
    if bootstrap == 0 || !(confidence > 0.0 && confidence < 1.0) {
        out.undefined = Some(Undefined::InvalidBootstrap {
            bootstrap,
            confidence,
        });
        return Ok(out);
    }
    let per = design.per_sample();
    let value = |j: usize, k: usize| {
        let v = y[j * per + k];
        if v.is_finite() {
            v
        } else {
            f64::NAN
        }
    };
    let base: Vec<usize> = (0..n)
        .filter(|&j| !value(j, 0).is_nan() && !value(j, 1).is_nan())
        .collect();
    out.used = base.len();
    out.dropped = n - base.len();
    if base.len() < 2 {
        out.undefined = Some(Undefined::TooFewSamples {
            defined: base.len(),
        });
        return Ok(out);
    }
    let centre = base
        .iter()
        .map(|&j| (value(j, 0) + value(j, 1)) / 2.0)
        .sum::<f64>()
        / base.len() as f64;
    let column = |k: usize| -> Column { (0..n).map(|j| value(j, k) - centre).collect() };
    let (a, b) = (column(0), column(1));
    let first = value(base[0], 0);
    if base
        .iter()
        .all(|&j| value(j, 0) == first && value(j, 1) == first)
    {
        out.undefined = Some(Undefined::ConstantOutput { value: first });
        return Ok(out);
    }
    let mean = base.iter().map(|&j| a[j] + b[j]).sum::<f64>() / (2 * base.len()) as f64;
    out.variance = base
        .iter()
        .map(|&j| (a[j] - mean).powi(2) + (b[j] - mean).powi(2))
        .sum::<f64>()
        / (2 * base.len()) as f64;

    // Each index: its row's centred outputs and the base samples where they are defined.
    let rows: Vec<(Column, Vec<usize>)> = (2..per)
        .map(|k| {
            let ab = column(k);
            let used = base.iter().copied().filter(|&j| !ab[j].is_nan()).collect();
            (ab, used)
        })
        .collect();
    // Bootstrap: resample r redraws the base samples used (positions in `base`) once for every
    // index defined wherever A and B are, and its own for an index with fewer, all from its own
    // stream, so a resample's indices depend on (seed, r) alone, not on the thread it runs on.
    // `None`: an interrupt came first.
    let resample = |r: usize| -> Option<Resample> {
        if crate::interrupt::requested() {
            return None;
        }
        let mut rng = stream(seed, r as u64, purpose("sobol bootstrap", ""));
        let shared: Vec<usize> = (0..base.len())
            .map(|_| base[rng.random_range(0..base.len())])
            .collect();
        let mut own = Vec::new();
        let out = rows
            .iter()
            .map(|(ab, used)| {
                let picks: &[usize] = if used.len() == base.len() {
                    &shared
                } else if used.is_empty() {
                    return None;
                } else {
                    own.clear();
                    own.extend((0..used.len()).map(|_| used[rng.random_range(0..used.len())]));
                    &own
                };
                indices(&a, &b, ab, picks.iter().copied())
            })
            .collect();
        Some(out)
    };
    let mut reps: Vec<(Vec<f64>, Vec<f64>)> =
        vec![(Vec::with_capacity(bootstrap), Vec::with_capacity(bootstrap)); rows.len()];
    let mut all = || -> Result<(), Error> {
        let mut first = 0;
        while first < bootstrap {
            let end = (first + BOOTSTRAP_BATCH).min(bootstrap);
            let batch: Vec<Option<Resample>> = (first..end).into_par_iter().map(resample).collect();
            // In resample order, whatever thread computed each.
            for one in batch {
                let one = one.ok_or(Error::Interrupted)?;
                for (ft, (firsts, totals)) in one.into_iter().zip(&mut reps) {
                    if let Some((f, t)) = ft {
                        firsts.push(f);
                        totals.push(t);
                    }
                }
            }
            first = end;
            progress(first as u64);
        }
        Ok(())
    };
    match pool {
        None => all()?,
        Some(pool) => pool.install(all)?,
    }
    let (p_low, p_high) = ((1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0);
    let interval = |value: f64, reps: &mut Vec<f64>| {
        reps.sort_unstable_by(f64::total_cmp);
        Estimate {
            value,
            low: quantile_sorted(reps, p_low),
            high: quantile_sorted(reps, p_high),
        }
    };
    let mut entries: Vec<Entry> = rows
        .iter()
        .zip(&mut reps)
        .map(|((ab, used), (firsts, totals))| {
            if used.len() < 2 {
                return Err(Undefined::TooFewSamples {
                    defined: used.len(),
                });
            }
            let Some((first, total)) = indices(&a, &b, ab, used.iter().copied()) else {
                return Err(Undefined::ConstantOutput {
                    value: a[used[0]] + centre,
                });
            };
            if firsts.is_empty() {
                return Err(Undefined::TooFewSamples {
                    defined: used.len(),
                });
            }
            Ok(Index {
                first: interval(first, firsts),
                total: interval(total, totals),
                used: used.len(),
                resamples: firsts.len(),
            })
        })
        .collect();
    if design.noise {
        out.noise = entries.pop();
    }
    out.groups = entries.split_off(design.dims);
    out.dims = entries;
    Ok(out)
}

/// A count with thousands separators, as in every message.
fn count(n: impl ToString) -> String {
    crate::report::terminal::group_thousands(&n.to_string())
}

/// Simulate every row of `design` on `model`: row r exactly as a normal trial but with
/// [`Design::point`]`(seed, r)` as its parameter layer's uniforms (the copula, if any, applied to
/// the core dimensions, as for an `lhs` or `sobol` point) and its delivery streams keyed by the
/// row's delivery key (those of trial `key` of a run seeded with `seed`). The table's trials are
/// the design's rows, in order, and are bit-identical for any thread count (the runner's
/// segments, [`run_points`]); `progress` is called with the rows done so far.
///
/// # Errors
/// [`Error::InvalidOption`] for a design whose dimensions are not the model's
/// ([`ParamDims::total`]), and as [`run`](crate::engine::run) for the threads.
pub fn run_design(
    model: &Model,
    design: &Design,
    seed: u64,
    threads: Option<usize>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TrialTable, Error> {
    let d = ParamDims::new(model).total;
    if design.dims != d {
        return Err(Error::InvalidOption {
            option: "sobol design".into(),
            problem: format!("{} dimensions for a scenario of {d}", design.dims),
            valid: format!("expected {d}, one per input (dim_names)"),
        });
    }
    run_points(
        model,
        design.rows(),
        seed,
        threads,
        progress,
        &|row, out| design.point(seed, row, out),
    )
}

/// The recorded input name (`input.<site>.<field>`, `input.spv.<name>`) of each dimension of
/// `model`'s parameter layer, in [`ParamDims`] order: every site's core inputs (site-major), then
/// the `p_13w` of the sites that set it, then each site's demand multipliers, then the SPV's
/// costs. A fixed input is a dimension too (its quantile is the same at every u).
pub fn dim_names(model: &Model) -> Vec<String> {
    let names = RecordLayout::new(model).input_names;
    // Where each site's inputs start among the recorded names: its core inputs, then its p_13w,
    // then its demand multipliers.
    let mut starts = Vec::with_capacity(model.sites.len() + 1);
    let mut at = 0;
    for site in &model.sites {
        starts.push(at);
        at += Param::N_CORE + usize::from(site.sustain_13w) + site.demand.len();
    }
    let dims = ParamDims::new(model);
    let mut out: Vec<String> = (0..dims.core)
        .map(|d| names[starts[d / Param::N_CORE] + d % Param::N_CORE].clone())
        .collect();
    out.extend(
        (0..model.sites.len())
            .filter(|&s| dims.optional[s].is_some())
            .map(|s| names[starts[s] + Param::N_CORE].clone()),
    );
    for (s, site) in model.sites.iter().enumerate() {
        let first = starts[s] + Param::N_CORE + usize::from(site.sustain_13w);
        out.extend(names[first..first + site.demand.len()].iter().cloned());
    }
    out.extend(names[at..].iter().cloned());
    debug_assert_eq!(out.len(), dims.total);
    out
}
