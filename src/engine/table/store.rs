//! Compact, column-major storage of per-trial values (issue 9, item 4): what lets a run keep a
//! million trials of several hundred metrics and inputs in well under a gigabyte.
//!
//! # Layout
//! Rows arrive in **blocks** of consecutive trials — the runner's segments, [`BLOCK_TRIALS`] trials
//! each whatever the thread count (the last one shorter), or rows pushed one at a time, compacted
//! every [`BLOCK_TRIALS`]. Within a block every column is encoded on its own, as the smallest of:
//!
//! | encoding | when | bytes per value |
//! |---|---|---|
//! | constant | every value has the same bits (NaN included) | 0 |
//! | copy | the same bits as an earlier column of the block (`investor.returned` and `payments.by_payee.investor`, say) | 0 |
//! | bits | whole numbers `b` or `b + 1` (the flags) | 1/8 |
//! | `u8` / `u16` / `u32` codes | whole numbers, `b + step × code`, `step` the greatest common divisor of the differences (a tariff paid in £700s); a NaN as the largest code | 1 / 2 / 4 |
//! | `f32` | any other values `f32` holds within its relative precision | 4 |
//! | `f64` | the rest: whole numbers spread over more than 2³² steps, other values outside `f32`'s normal range | 8 |
//!
//! A whole number here is a finite value without fraction, at most 2⁵² in magnitude, and not
//! `-0.0`. Each block's encodings depend only on its values, so the store is the same for any
//! thread count.
//!
//! # What is held exactly
//! Constants, copies, flags and blocks of whole numbers (counts, and money in whole pounds) are
//! held **exactly**. The values of other blocks — in MHEP 1 the providers' costs and margins,
//! shares, IRRs, multiples, costs per outcome and most drawn inputs — are held as the **nearest
//! `f32`**: a relative error of at most 2⁻²⁴ ≈ 6.0 × 10⁻⁸
//! (`|held − exact| ≤ 2⁻²⁴ · |exact|`); ±∞ and NaN are held as such. What reads the held values
//! — quantiles, percentiles of plan figures, [`row`](ColumnStore::row),
//! [`column`](ColumnStore::column) — inherits that error. Means, standard deviations and MCSEs
//! need not: [`ColumnStore::moments`] are of the exact values — computed as a block is stored as
//! `f32` (the corrected two-pass algorithm within the block) and kept beside it, computed from
//! the held values of a block held exactly — and merged block by block in trial order (Chan,
//! Golub & LeVeque 1979), so they are exact up to floating-point rounding and do not depend on
//! the thread count. `trials.csv` is written from the exact rows before they are stored.
//!
//! Rows pushed one at a time are held exactly until a block is complete.
//!
//! # Size
//! MHEP 1 (387 metrics and flags, 72 inputs), measured over 100,000 trials: about 575 bytes per
//! trial for the metrics and flags and 260 for the inputs — 840 in all, in place of 3,672 as
//! `f64`. 318 of the 387 metric and flag columns are held exactly (86 are constant, 18 copies of
//! another in every block), and 7 of the 72 inputs.

use std::collections::HashMap;

use rayon::prelude::*;

/// Trials per block: the runner's segment, and how many rows pushed one at a time are held
/// exactly before they are compacted.
pub const BLOCK_TRIALS: usize = 8192;

/// Relative error of a value held as `f32`: at most 2⁻²⁴ of its magnitude.
pub const F32_RELATIVE_ERROR: f64 = 1.0 / 16_777_216.0;

/// Whether the store may hold `held` for the exact value `exact`: the same bits, the nearest
/// `f32` (within [`F32_RELATIVE_ERROR`]), or NaN for NaN. For tests of what a run keeps.
pub fn holds(exact: f64, held: f64) -> bool {
    exact.to_bits() == held.to_bits()
        || (exact.is_nan() && held.is_nan())
        || (held.to_bits() == f64::from(exact as f32).to_bits()
            && (held - exact).abs() <= F32_RELATIVE_ERROR * exact.abs())
}

/// Largest magnitude treated as a whole number: 2⁵², so that a difference of two is exact.
const MAX_WHOLE: f64 = 4_503_599_627_370_496.0;

/// Count, mean and sum of squared deviations of the defined (non-NaN) values of a column, from
/// the exact values.
///
/// The squared deviations are held in units of `scale²`, `scale` a power of two near the largest
/// magnitude: `Σ(x − mean)²` itself overflows for values beyond about 1e154 (a ratio to a
/// vanishingly small budget, say), and an overflowed variance hidden as 0 or NaN would be a silent
/// wrong figure. Scaling by a power of two is exact, so for values of ordinary size every figure
/// is bit for bit the unscaled algorithm's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Values counted (NaN left out).
    pub n: u64,
    /// Their mean (0 when `n` is 0).
    pub mean: f64,
    /// Σ((x − mean)/scale)².
    pub m2: f64,
    /// The unit of `m2`'s deviations: a power of two (0 when `n` is 0).
    pub scale: f64,
}

/// The power of two at or just below `|x|` (at least the smallest normal double), by masking the
/// mantissa: dividing by it is exact.
pub(crate) fn power_of_two_scale(x: f64) -> f64 {
    let x = x.abs();
    if !x.is_finite() {
        return 1.0;
    }
    f64::from_bits(x.to_bits() & 0x7ff0_0000_0000_0000).max(f64::MIN_POSITIVE)
}

/// Mean and `Σ((x − mean)/scale)²` of `xs` (NaN left out) by the corrected two-pass algorithm
/// (Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983) on the values
/// divided by `scale`: with a first-pass mean m, `mean = m + Σ(x − m)/n` and
/// `m2 = Σ(x − m)² − (Σ(x − m))²/n`. The correction term cancels most of the rounding error of m.
/// Returns `(n, mean, m2, scale)`; values all equal to the same infinity have that mean and no
/// spread, mixed infinities a mean of ±∞ or NaN and `m2` NaN, never a finite figure.
pub(crate) fn scaled_two_pass(xs: &[f64]) -> (u64, f64, f64, f64) {
    let (n, max) = xs
        .iter()
        .filter(|x| !x.is_nan())
        .fold((0u64, 0.0f64), |(n, m), &x| (n + 1, m.max(x.abs())));
    if n == 0 {
        return (0, 0.0, 0.0, 0.0);
    }
    if max.is_infinite() {
        // An input that is ∞ by design (`referral_dispersion` absent) in every trial: a constant,
        // with no spread. Mixed infinities have no mean or variance: NaN, never a finite figure.
        let mut defined = xs.iter().filter(|x| !x.is_nan());
        let first = defined.next().copied().unwrap_or(f64::NAN);
        return if defined.all(|&x| x == first) {
            (n, first, 0.0, 1.0)
        } else {
            (
                n,
                xs.iter().filter(|x| !x.is_nan()).sum::<f64>() / n as f64,
                f64::NAN,
                1.0,
            )
        };
    }
    let scale = power_of_two_scale(max);
    let nf = n as f64;
    let m = xs
        .iter()
        .filter(|x| !x.is_nan())
        .map(|&x| x / scale)
        .sum::<f64>()
        / nf;
    let (sum_d, sum_d2) = xs
        .iter()
        .filter(|x| !x.is_nan())
        .fold((0.0, 0.0), |(s, s2), &x| {
            let d = x / scale - m;
            (s + d, s2 + d * d)
        });
    let m2 = sum_d2 - sum_d * sum_d / nf;
    // Rounding can make m2 a hair below 0, never more.
    let m2 = if m2 < 0.0 { 0.0 } else { m2 };
    (n, (m + sum_d / nf) * scale, m2, scale)
}

impl Moments {
    /// The moments of `xs`' defined values (the corrected two-pass algorithm on values scaled by a power of two), the summary's own estimator.
    pub fn of(xs: &[f64]) -> Moments {
        let (n, mean, m2, scale) = scaled_two_pass(xs);
        Moments { n, mean, m2, scale }
    }

    /// The moments of two sets of values together (Chan, Golub & LeVeque, "Updating formulae and a
    /// pairwise algorithm for computing sample variances", 1979): with δ = mean_b − mean_a,
    /// `mean = mean_a + δ·n_b/n` and `m2 = m2_a + m2_b + δ²·n_a·n_b/n`, all in units of the larger
    /// of the two scales (so that neither δ nor δ² overflows).
    pub fn merge(self, other: Moments) -> Moments {
        if self.n == 0 {
            return other;
        }
        if other.n == 0 {
            return self;
        }
        let n = self.n + other.n;
        let (na, nb, nn) = (self.n as f64, other.n as f64, n as f64);
        let scale = self.scale.max(other.scale);
        // Both scales are powers of two: the ratios are exact (bar underflow of a negligible part).
        let (ra, rb) = (self.scale / scale, other.scale / scale);
        let (ma, mb) = (self.mean / scale, other.mean / scale);
        let d = mb - ma;
        let mean = if self.mean.is_finite() && other.mean.is_finite() {
            (ma + d * (nb / nn)) * scale
        } else {
            self.mean + (other.mean - self.mean) * (nb / nn)
        };
        Moments {
            n,
            mean,
            m2: self.m2 * ra * ra + other.m2 * rb * rb + d * d * (na * nb / nn),
            scale,
        }
    }

    /// Sample standard deviation, n − 1 denominator (0 for fewer than two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            self.scale * (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }
}

/// Per-trial values, one column per metric (or input), stored compactly in blocks of trials.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStore {
    width: usize,
    block_rows: usize,
    blocks: Vec<Block>,
    /// Rows pushed one at a time and not yet compacted, row-major, exact.
    pending: Vec<f64>,
    rows: usize,
}

impl Default for ColumnStore {
    fn default() -> Self {
        ColumnStore::new(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Block {
    start: usize,
    len: usize,
    columns: Vec<Encoded>,
}

/// One column of one block.
#[derive(Debug, Clone, PartialEq)]
enum Encoded {
    /// Every value has these bits.
    Const(u64),
    /// Bit for bit the values of this earlier column of the block, itself never a copy.
    Copy(usize),
    /// `base + bit`.
    Bits {
        base: f64,
        words: Box<[u64]>,
    },
    /// `base + step × code`, computed exactly (every term is a whole number of at most 2⁵³); the
    /// largest code of the width is NaN when `nan`.
    Whole {
        base: f64,
        step: f64,
        nan: bool,
        codes: Codes,
    },
    /// The nearest `f32`s, with the moments of the exact values they replace.
    F32(Box<[f32]>, Moments),
    F64(Box<[f64]>),
}

#[derive(Debug, Clone, PartialEq)]
enum Codes {
    U8(Box<[u8]>),
    U16(Box<[u16]>),
    U32(Box<[u32]>),
}

impl Codes {
    fn get(&self, i: usize) -> (u64, u64) {
        match self {
            Codes::U8(c) => (u64::from(c[i]), u64::from(u8::MAX)),
            Codes::U16(c) => (u64::from(c[i]), u64::from(u16::MAX)),
            Codes::U32(c) => (u64::from(c[i]), u64::from(u32::MAX)),
        }
    }
    fn bytes(&self) -> usize {
        match self {
            Codes::U8(c) => c.len(),
            Codes::U16(c) => c.len() * 2,
            Codes::U32(c) => c.len() * 4,
        }
    }
}

impl Encoded {
    /// Value `i` of a column that is not a copy.
    fn get(&self, i: usize) -> f64 {
        match self {
            Encoded::Const(bits) => f64::from_bits(*bits),
            Encoded::Copy(_) => unreachable!("a copy is resolved by its block"),
            Encoded::Bits { base, words } => base + ((words[i / 64] >> (i % 64)) & 1) as f64,
            Encoded::Whole {
                base,
                step,
                nan,
                codes,
            } => {
                let (code, max) = codes.get(i);
                if *nan && code == max {
                    f64::NAN
                } else {
                    base + step * code as f64
                }
            }
            Encoded::F32(v, _) => f64::from(v[i]),
            Encoded::F64(v) => v[i],
        }
    }

    /// Appends the `len` values of a column that is not a copy.
    fn decode(&self, len: usize, out: &mut Vec<f64>) {
        match self {
            Encoded::Const(bits) => out.extend(std::iter::repeat_n(f64::from_bits(*bits), len)),
            Encoded::Copy(_) => unreachable!("a copy is resolved by its block"),
            Encoded::Bits { base, words } => out.extend((0..len).map(|i| {
                let bit = (words[i / 64] >> (i % 64)) & 1;
                base + bit as f64
            })),
            Encoded::Whole {
                base,
                step,
                nan,
                codes,
            } => {
                let (base, step, nan) = (*base, *step, *nan);
                match codes {
                    Codes::U8(c) => out.extend(c.iter().map(|&k| whole(base, step, nan, k))),
                    Codes::U16(c) => out.extend(c.iter().map(|&k| whole(base, step, nan, k))),
                    Codes::U32(c) => out.extend(c.iter().map(|&k| whole(base, step, nan, k))),
                }
            }
            Encoded::F32(v, _) => out.extend(v.iter().map(|&x| f64::from(x))),
            Encoded::F64(v) => out.extend_from_slice(v),
        }
    }

    /// Heap bytes of the encoded values.
    fn bytes(&self) -> usize {
        match self {
            Encoded::Const(_) | Encoded::Copy(_) => 0,
            Encoded::Bits { words, .. } => words.len() * 8,
            Encoded::Whole { codes, .. } => codes.bytes(),
            Encoded::F32(v, _) => v.len() * 4,
            Encoded::F64(v) => v.len() * 8,
        }
    }

    /// Every value is held exactly.
    fn exact(&self) -> bool {
        !matches!(self, Encoded::F32(..))
    }
}

/// The value of code `k` of a whole-number column (`MAX` of its width is NaN when `nan`).
fn whole<K: Copy + Into<u64> + PartialEq + MaxCode>(base: f64, step: f64, nan: bool, k: K) -> f64 {
    if nan && k == K::MAX_CODE {
        f64::NAN
    } else {
        base + step * k.into() as f64
    }
}

trait MaxCode {
    const MAX_CODE: Self;
}
impl MaxCode for u8 {
    const MAX_CODE: u8 = u8::MAX;
}
impl MaxCode for u16 {
    const MAX_CODE: u16 = u16::MAX;
}
impl MaxCode for u32 {
    const MAX_CODE: u32 = u32::MAX;
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `x` as `f32` is within 2⁻²⁴ of it relatively (or is the same NaN, infinity or zero).
fn fits_f32(x: f64) -> bool {
    let a = x.abs();
    // Without branches, for a loop that vectorises.
    let special = !a.is_finite() | (a == 0.0);
    special | ((a >= f64::from(f32::MIN_POSITIVE)) & (a as f32).is_finite())
}

/// The smallest encoding of one block's values of one column (see the module docs).
fn encode(xs: &[f64]) -> Encoded {
    let Some(first) = xs.first().map(|x| x.to_bits()) else {
        return Encoded::F64(Box::new([]));
    };
    if xs.iter().all(|x| x.to_bits() == first) {
        return Encoded::Const(first);
    }
    if let Some(e) = encode_whole(xs) {
        return e;
    }
    let mut fits = true;
    let held: Box<[f32]> = xs
        .iter()
        .map(|&x| {
            fits &= fits_f32(x);
            x as f32
        })
        .collect();
    if fits {
        Encoded::F32(held, Moments::of(xs))
    } else {
        Encoded::F64(xs.into())
    }
}

/// Whole numbers (and the canonical NaN) as bits or codes, or as they are (`f64`) if spread over
/// more than 2⁵² or over too many steps for `u32` codes; `None` if they are not all whole numbers.
///
/// The arithmetic is in `f64` and exact: every value, difference and product is a whole number
/// of magnitude at most 2⁵³, and a quotient is taken only of a multiple of the divisor.
fn encode_whole(xs: &[f64]) -> Option<Encoded> {
    let (mut lo, mut hi, mut nan) = (f64::INFINITY, f64::NEG_INFINITY, false);
    // Without branches on the values, so that the loop vectorises; checked a piece at a time so
    // that a column of fractions is given up early.
    for piece in xs.chunks(256) {
        let mut bad = false;
        for &x in piece {
            let bits = x.to_bits();
            let is_nan = x.is_nan();
            nan |= is_nan;
            let a = x.abs();
            // Adding and taking away 2⁵² rounds a magnitude up to 2⁵² to a whole number.
            let whole = (a <= MAX_WHOLE) & ((a + MAX_WHOLE) - MAX_WHOLE == a);
            let canonical = bits == f64::NAN.to_bits();
            let negative_zero = bits == (-0.0f64).to_bits();
            bad |= (is_nan & !canonical) | (!is_nan & (!whole | negative_zero));
            lo = if x < lo { x } else { lo };
            hi = if x > hi { x } else { hi };
        }
        if bad {
            return None;
        }
    }
    // Not all NaN: a block of nothing but the one canonical NaN is a constant.
    // At most 2⁵², so that the products below stay at most 2⁵³ and exact; whole numbers spread
    // wider are kept as they are.
    let range = hi - lo;
    if range > MAX_WHOLE {
        return Some(Encoded::F64(xs.into()));
    }
    if !nan && range == 1.0 {
        let mut words = vec![0u64; xs.len().div_ceil(64)];
        for (i, &x) in xs.iter().enumerate() {
            words[i / 64] |= u64::from(x != lo) << (i % 64);
        }
        return Some(Encoded::Bits {
            base: lo,
            words: words.into(),
        });
    }
    // The greatest common divisor of the differences from the least: a multiple of the current
    // step leaves it (tested by one division), anything else takes Euclid's algorithm.
    let mut step = 0.0f64;
    for &x in xs {
        if step == 1.0 {
            break;
        }
        let d = x - lo;
        if d == 0.0 || x.is_nan() {
            continue;
        }
        if step == 0.0 {
            step = d;
        } else if ((d / step) as u64) as f64 * step != d {
            step = gcd(step as u64, d as u64) as f64;
        }
    }
    let step = if step == 0.0 { 1.0 } else { step };
    let top = range / step;
    let fits = |max: u32| top < f64::from(max) || (!nan && top == f64::from(max));
    let code = |x: f64| {
        if step == 1.0 {
            x - lo
        } else {
            (x - lo) / step
        }
    };
    // A NaN is the type's largest code.
    let codes = if fits(u32::from(u8::MAX)) {
        Codes::U8(
            xs.iter()
                .map(|&x| if x.is_nan() { u8::MAX } else { code(x) as u8 })
                .collect(),
        )
    } else if fits(u32::from(u16::MAX)) {
        Codes::U16(
            xs.iter()
                .map(|&x| if x.is_nan() { u16::MAX } else { code(x) as u16 })
                .collect(),
        )
    } else if fits(u32::MAX) {
        Codes::U32(
            xs.iter()
                .map(|&x| if x.is_nan() { u32::MAX } else { code(x) as u32 })
                .collect(),
        )
    } else {
        return Some(Encoded::F64(xs.into()));
    };
    Some(Encoded::Whole {
        base: lo,
        step,
        nan,
        codes,
    })
}

/// A hash of some of the values' bits (every 16th and the last), to find the candidates for
/// columns that copy one another: a candidate is then compared value by value.
fn hash(xs: &[f64]) -> u64 {
    xs.iter()
        .step_by(16)
        .chain(xs.last())
        .fold(0xcbf2_9ce4_8422_2325, |h: u64, x| {
            (h.rotate_left(5) ^ x.to_bits()).wrapping_mul(0x517c_c1b7_2722_0a95)
        })
}

/// Columns encoded side by side: eight `f64` are one cache line of a row.
const TILE: usize = 8;

impl Block {
    fn get(&self, c: usize, i: usize) -> f64 {
        match &self.columns[c] {
            Encoded::Copy(k) => self.columns[*k].get(i),
            e => e.get(i),
        }
    }
    fn decode(&self, c: usize, out: &mut Vec<f64>) {
        match &self.columns[c] {
            Encoded::Copy(k) => self.columns[*k].decode(self.len, out),
            e => e.decode(self.len, out),
        }
    }
    fn resolved(&self, c: usize) -> &Encoded {
        match &self.columns[c] {
            Encoded::Copy(k) => &self.columns[*k],
            e => e,
        }
    }

    /// The exact moments of column `c`: kept beside its `f32`s, or from its exact values.
    fn moments(&self, c: usize, buf: &mut Vec<f64>) -> Moments {
        match self.resolved(c) {
            Encoded::F32(_, m) => *m,
            _ => {
                buf.clear();
                self.decode(c, buf);
                Moments::of(buf)
            }
        }
    }

    /// `rows` (row-major, `width` values each) compacted, trials from `start`.
    fn compact(rows: &[f64], width: usize, start: usize) -> Block {
        let len = rows.len() / width.max(1);
        // Gathered TILE columns at a time so that each row's cache line is read once, encoded in
        // parallel; every column's encoding depends on its values only.
        let per_tile: Vec<Vec<(Encoded, u64)>> = (0..width.div_ceil(TILE))
            .into_par_iter()
            .map_init(Vec::new, |tile: &mut Vec<f64>, g| {
                let c0 = g * TILE;
                let n = TILE.min(width - c0);
                tile.resize(n * len, 0.0);
                let mut cols: Vec<&mut [f64]> = tile.chunks_exact_mut(len).collect();
                for (r, row) in rows.chunks_exact(width).enumerate() {
                    for (col, &x) in cols.iter_mut().zip(&row[c0..c0 + n]) {
                        col[r] = x;
                    }
                }
                tile.chunks_exact(len)
                    .map(|b| (encode(b), hash(b)))
                    .collect()
            })
            .collect();
        let mut columns = Vec::with_capacity(width);
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        for (c, (e, h)) in per_tile.into_iter().flatten().enumerate() {
            if matches!(e, Encoded::Const(_)) {
                columns.push(e);
                continue;
            }
            let same = |k: &usize| {
                rows.chunks_exact(width)
                    .all(|r| r[c].to_bits() == r[*k].to_bits())
            };
            let earlier = seen.entry(h).or_default();
            match earlier.iter().find(|k| same(k)) {
                Some(&k) => columns.push(Encoded::Copy(k)),
                None => {
                    earlier.push(c);
                    columns.push(e);
                }
            }
        }
        Block {
            start,
            len,
            columns,
        }
    }

    fn bytes(&self) -> usize {
        self.columns.iter().map(Encoded::bytes).sum::<usize>()
            + self.columns.capacity() * std::mem::size_of::<Encoded>()
    }
}

impl ColumnStore {
    /// An empty store of `width` columns, compacting rows pushed one at a time every
    /// [`BLOCK_TRIALS`].
    pub fn new(width: usize) -> ColumnStore {
        ColumnStore::with_block_rows(width, BLOCK_TRIALS)
    }

    /// An empty store compacting rows pushed one at a time every `block_rows` (at least 1).
    pub fn with_block_rows(width: usize, block_rows: usize) -> ColumnStore {
        ColumnStore {
            width,
            block_rows: block_rows.max(1),
            blocks: Vec::new(),
            pending: Vec::new(),
            rows: 0,
        }
    }

    /// Values per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// No rows held.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row, held exactly until [`BLOCK_TRIALS`] (or `block_rows`) of them are
    /// compacted together.
    ///
    /// # Panics
    /// If `row.len() != self.width()`: a programming error, never a consequence of user input.
    pub fn push_row(&mut self, row: &[f64]) {
        assert_eq!(
            row.len(),
            self.width,
            "ColumnStore::push_row: row has {} values, store has {} columns",
            row.len(),
            self.width
        );
        self.pending.extend_from_slice(row);
        self.rows += 1;
        if self.pending.len() >= self.block_rows * self.width.max(1) {
            self.flush();
        }
    }

    /// Appends consecutive rows (row-major, `width` values each) as one block, compacted now —
    /// in parallel over the columns, on the current rayon pool. Rows pushed one at a time before
    /// are compacted first, as a block of their own.
    ///
    /// # Panics
    /// If `rows.len()` is not a multiple of the width.
    pub fn push_block(&mut self, rows: &[f64]) {
        let w = self.width;
        assert!(
            w > 0 && rows.len().is_multiple_of(w),
            "ColumnStore::push_block: {} values are not whole rows of {w}",
            rows.len()
        );
        self.flush();
        if rows.is_empty() {
            return;
        }
        self.blocks.push(Block::compact(rows, w, self.rows));
        self.rows += rows.len() / w;
    }

    /// Compacts the rows pushed one at a time.
    fn flush(&mut self) {
        if self.pending.is_empty() || self.width == 0 {
            return;
        }
        let start = self.rows - self.pending.len() / self.width;
        let rows = std::mem::take(&mut self.pending);
        self.blocks.push(Block::compact(&rows, self.width, start));
    }

    /// The block holding row `t`, or `None` if it is pending.
    fn block_of(&self, t: usize) -> Option<&Block> {
        let b = self.blocks.partition_point(|b| b.start + b.len <= t);
        self.blocks.get(b)
    }

    fn pending_start(&self) -> usize {
        self.rows - self.pending.len() / self.width.max(1)
    }

    /// Value of row `t`, column `c`, as held.
    ///
    /// # Panics
    /// If `t >= self.len()` or `c >= self.width()`.
    pub fn get(&self, t: usize, c: usize) -> f64 {
        assert!(
            t < self.rows && c < self.width,
            "ColumnStore::get({t}, {c}) outside {} rows of {} columns",
            self.rows,
            self.width
        );
        match self.block_of(t) {
            Some(b) => b.get(c, t - b.start),
            None => self.pending[(t - self.pending_start()) * self.width + c],
        }
    }

    /// Row `t`, as held.
    ///
    /// # Panics
    /// If `t >= self.len()`.
    pub fn row(&self, t: usize) -> Vec<f64> {
        assert!(t < self.rows, "row {t} of {} rows", self.rows);
        match self.block_of(t) {
            Some(b) => (0..self.width).map(|c| b.get(c, t - b.start)).collect(),
            None => {
                let at = (t - self.pending_start()) * self.width;
                self.pending[at..at + self.width].to_vec()
            }
        }
    }

    /// Column `c` in row order, as held.
    ///
    /// # Panics
    /// If `c >= self.width()`.
    pub fn column(&self, c: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.rows);
        self.column_into(c, &mut out);
        out
    }

    /// Column `c` in row order, as held, into `out` (cleared first).
    ///
    /// # Panics
    /// If `c >= self.width()`.
    pub fn column_into(&self, c: usize, out: &mut Vec<f64>) {
        assert!(c < self.width, "column {c} of {}", self.width);
        out.clear();
        out.reserve(self.rows);
        for b in &self.blocks {
            b.decode(c, out);
        }
        out.extend(self.pending.iter().skip(c).step_by(self.width).copied());
    }

    /// The exact moments of column `c`'s defined values, block by block — kept beside the
    /// values a block holds as `f32`, computed from the values of the others, which are exact —
    /// merged in row order.
    ///
    /// # Panics
    /// If `c >= self.width()`.
    pub fn moments(&self, c: usize) -> Moments {
        assert!(c < self.width, "column {c} of {}", self.width);
        let mut buf = Vec::new();
        let mut m = Moments::default();
        for b in &self.blocks {
            m = m.merge(b.moments(c, &mut buf));
        }
        buf.clear();
        buf.extend(self.pending.iter().skip(c).step_by(self.width).copied());
        m.merge(Moments::of(&buf))
    }

    /// Every value of column `c` is held exactly (no block holds it as `f32`).
    pub fn is_exact(&self, c: usize) -> bool {
        self.blocks.iter().all(|b| b.resolved(c).exact())
    }

    /// `Some(k)` when column `c` holds, bit for bit, the values of an earlier column `k` in every
    /// row (it was found a copy of the same `k` in every block, and no row is pending).
    pub fn copy_of(&self, c: usize) -> Option<usize> {
        if !self.pending.is_empty() {
            return None;
        }
        let mut k = None;
        for b in &self.blocks {
            match (&b.columns[c], k) {
                (Encoded::Copy(j), None) => k = Some(*j),
                (Encoded::Copy(j), Some(i)) if i == *j => {}
                _ => return None,
            }
        }
        k
    }

    /// `Some(x)` when every value of column `c` has the bits of `x` (and there is a row).
    pub fn constant(&self, c: usize) -> Option<f64> {
        let mut bits = None;
        let mut same = |x: u64| match bits {
            None => {
                bits = Some(x);
                true
            }
            Some(b) => b == x,
        };
        for b in &self.blocks {
            match b.resolved(c) {
                Encoded::Const(x) => {
                    if !same(*x) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        for x in self.pending.iter().skip(c).step_by(self.width.max(1)) {
            if !same(x.to_bits()) {
                return None;
            }
        }
        bits.map(f64::from_bits)
    }

    /// Heap bytes held (encoded values, per-block bookkeeping and pending rows).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(Block::bytes).sum::<usize>()
            + self.blocks.capacity() * std::mem::size_of::<Block>()
            + self.pending.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(xs: &[f64]) -> Vec<u64> {
        xs.iter().map(|x| x.to_bits()).collect()
    }

    /// Columns exercising every encoding, `n` rows.
    fn columns(n: usize) -> Vec<Vec<f64>> {
        let f = |g: &dyn Fn(usize) -> f64| (0..n).map(g).collect::<Vec<_>>();
        vec![
            f(&|_| 42.0),                                               // constant
            f(&|_| f64::NAN),                                           // constant NaN
            f(&|i| ((i * 7) % 2) as f64),                               // bits (a flag)
            f(&|i| -1e6 + ((i * 13) % 2) as f64),                       // bits, negative base
            f(&|i| 700.0 * ((i * 31) % 200) as f64),                    // u8 codes, step 700
            f(&|i| -5.0 - ((i * i * 37 + i) % 60_000) as f64),          // u16 codes, step 2
            f(&|i| 3.0 * ((i * i * 7_919) % 3_000_000) as f64),         // u32 codes
            f(&|i| if i % 5 == 0 { f64::NAN } else { (i % 9) as f64 }), // codes with NaN
            f(&|i| (i as f64 * 0.37).sin() * 1e5),                      // f32
            f(&|i| match i % 4 {
                0 => f64::INFINITY,
                1 => f64::NEG_INFINITY,
                2 => f64::NAN,
                _ => -0.0,
            }), // f32: ±inf, NaN, −0
            f(&|i| if i % 2 == 0 { 1e300 } else { 1e-300 * i as f64 }), // f64: out of f32's range
            f(&|i| (i as f64) * 2f64.powi(40)),                         // whole, step 2⁴⁰: u8 codes
            f(&|i| (i * i) as f64 * 1e10 + i as f64),                   // whole but too wide: f64
            f(&|i| 2.5 * i as f64 + 0.25), // f32, exactly representable
            f(&|i| ((i * 7) % 2) as f64),  // a copy of column 2
        ]
    }

    /// The encodings of the first block, by name.
    fn kinds(store: &ColumnStore) -> Vec<&'static str> {
        store.blocks[0]
            .columns
            .iter()
            .map(|e| match e {
                Encoded::Const(_) => "const",
                Encoded::Copy(_) => "copy",
                Encoded::Bits { .. } => "bits",
                Encoded::Whole { codes, .. } => match codes {
                    Codes::U8(_) => "u8",
                    Codes::U16(_) => "u16",
                    Codes::U32(_) => "u32",
                },
                Encoded::F32(..) => "f32",
                Encoded::F64(_) => "f64",
            })
            .collect()
    }

    fn rows_of(cols: &[Vec<f64>]) -> Vec<f64> {
        let n = cols[0].len();
        (0..n)
            .flat_map(|t| cols.iter().map(move |c| c[t]))
            .collect()
    }

    #[test]
    fn every_encoding_round_trips_as_promised() {
        // Blocks of 64, so 200 rows are three full blocks and a short one; rows pushed one at a
        // time (the last 8 pending) and in blocks alike.
        let cols = columns(200);
        let w = cols.len();
        let rows = rows_of(&cols);
        let mut one_by_one = ColumnStore::with_block_rows(w, 64);
        for r in rows.chunks(w) {
            one_by_one.push_row(r);
        }
        let mut blocks = ColumnStore::new(w);
        for seg in rows.chunks(64 * w) {
            blocks.push_block(seg);
        }
        for store in [&one_by_one, &blocks] {
            assert_eq!(store.len(), 200);
            for (c, exact) in cols.iter().enumerate() {
                let held = store.column(c);
                for (t, (&x, &h)) in exact.iter().zip(&held).enumerate() {
                    assert!(holds(x, h), "column {c} row {t}: {x} held as {h}");
                    assert_eq!(store.get(t, c).to_bits(), h.to_bits(), "get({t}, {c})");
                    assert_eq!(store.row(t)[c].to_bits(), h.to_bits(), "row({t})[{c}]");
                }
                // Only the sine loses bits; ±∞, NaN, −0 and 2.5i + ¼ are f32 values already.
                if c != 8 {
                    assert_eq!(bits(&held), bits(exact), "column {c} is held exactly");
                }
                assert_eq!(store.is_exact(c), ![8, 9, 13].contains(&c), "column {c}");
            }
            assert_eq!(
                kinds(store),
                [
                    "const", "const", "bits", "bits", "u8", "u16", "u32", "u8", "f32", "f32",
                    "f64", "u8", "f64", "f32", "copy"
                ]
            );
            assert_eq!(store.copy_of(2), None);
            assert_eq!(store.constant(0), Some(42.0));
            assert!(store.constant(1).is_some_and(f64::is_nan));
            assert_eq!(store.constant(2), None);
        }
        // A copy in every block is a copy; with rows pending it cannot be known.
        assert_eq!(blocks.copy_of(14), Some(2));
        assert_eq!(one_by_one.copy_of(14), None);
        // The pending rows are exact.
        assert_eq!(one_by_one.get(199, 8).to_bits(), cols[8][199].to_bits());
    }

    #[test]
    fn blocks_of_awkward_lengths_round_trip() {
        // A block of one row, and lengths around the 64 flags of a word of bits.
        for len in [1, 2, 63, 64, 65, 127, 128, 129] {
            let cols = columns(len);
            let mut store = ColumnStore::new(cols.len());
            store.push_block(&rows_of(&cols));
            store.push_block(&rows_of(&cols));
            assert_eq!(store.len(), 2 * len);
            for (c, exact) in cols.iter().enumerate() {
                let held = store.column(c);
                for (t, &h) in held.iter().enumerate() {
                    assert!(holds(exact[t % len], h), "length {len} column {c} row {t}");
                }
            }
        }
    }

    #[test]
    fn moments_are_those_of_the_exact_values() {
        // The sine is held as f32, but its moments are of the exact values: merged over four
        // blocks they agree with one two-pass over all of them to rounding, not to f32 precision.
        let cols = columns(200);
        let mut store = ColumnStore::with_block_rows(cols.len(), 64);
        for r in rows_of(&cols).chunks(cols.len()) {
            store.push_row(r);
        }
        for c in [4, 5, 7, 8, 12] {
            let all = Moments::of(&cols[c]);
            let merged = store.moments(c);
            assert_eq!(merged.n, all.n, "column {c}");
            let scale = all.mean.abs().max(all.sd());
            assert!(
                (merged.mean - all.mean).abs() <= 1e-13 * scale,
                "column {c}"
            );
            assert!(
                (merged.sd() - all.sd()).abs() <= 1e-12 * all.sd(),
                "column {c}"
            );
        }
        // Column 7 has NaN in every fifth row: left out.
        assert_eq!(store.moments(7).n, 160);
        // By hand: 2, 4, 4, 4, 5, 5, 7, 9 in blocks of 3: mean 5, Σ(x − 5)² = 32.
        let mut small = ColumnStore::with_block_rows(1, 3);
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            small.push_row(&[x]);
        }
        // m2 is held in units of scale² (a power of two, so the product is exact).
        let m = small.moments(0);
        assert_eq!((m.n, m.mean, m.m2 * m.scale * m.scale), (8, 5.0, 32.0));
    }

    use proptest::prelude::*;

    /// A column of `len` values: anything at all, or whole numbers `base + step × k` (NaN now and
    /// then), or a flag, or a constant.
    fn column(len: usize) -> impl Strategy<Value = Vec<f64>> {
        let value = prop_oneof![
            any::<f64>(),
            (-1e6..1e6f64),
            (-1_000i64..1_000).prop_map(|x| x as f64),
            Just(f64::NAN),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
        ];
        let whole = (
            -1e15..1e15f64,
            1u64..100_000,
            prop::collection::vec(0u64..100_000, len),
            any::<bool>(),
        )
            .prop_map(|(base, step, ks, nan)| {
                ks.iter()
                    .map(|&k| {
                        if nan && k % 7 == 0 {
                            f64::NAN
                        } else {
                            base.round() + (step * k) as f64
                        }
                    })
                    .collect()
            });
        prop_oneof![
            prop::collection::vec(value, len),
            whole,
            prop::collection::vec(0u8..2, len)
                .prop_map(|v| v.iter().map(|&b| f64::from(b)).collect()),
            any::<f64>().prop_map(move |x| vec![x; len]),
        ]
    }

    proptest! {
        #[test]
        fn any_columns_round_trip_as_promised(
            (len, cols) in (1usize..150).prop_flat_map(|n| (Just(n), prop::collection::vec(column(n), 1..6))),
            block in 1usize..70,
        ) {
            let w = cols.len();
            let rows = rows_of(&cols);
            let mut store = ColumnStore::with_block_rows(w, block);
            for r in rows.chunks(w) {
                store.push_row(r);
            }
            let mut blocks = ColumnStore::new(w);
            for seg in rows.chunks(block * w) {
                blocks.push_block(seg);
            }
            for s in [&store, &blocks] {
                prop_assert_eq!(s.len(), len);
                for (c, exact) in cols.iter().enumerate() {
                    // A column of whole numbers (NaN allowed), or one held exactly, keeps its bits.
                    let whole = |x: f64| {
                        x.to_bits() == f64::NAN.to_bits()
                            || x.abs() <= MAX_WHOLE && x.fract() == 0.0 && x.to_bits() != (-0.0f64).to_bits()
                    };
                    let kept = s.is_exact(c) || exact.iter().all(|&x| whole(x));
                    for (t, (&x, &h)) in exact.iter().zip(&s.column(c)).enumerate() {
                        prop_assert!(holds(x, h), "column {} row {}: {} held as {}", c, t, x, h);
                        if kept {
                            prop_assert!(x.to_bits() == h.to_bits() || x.is_nan() && h.is_nan());
                        }
                    }
                }
            }
        }
    }
}
