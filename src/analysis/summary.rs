//! The Monte Carlo summary: each metric's mean, spread and quantiles, and each flag's probability.
//!
//! This is the "central estimate and range" every report shows. Each figure comes with its Monte
//! Carlo standard error (MCSE) so a reader can tell real differences from simulation noise:
//! for a metric, `sd / √n`; for a probability, `√(p(1 − p) / n)`.
//!
//! Quantiles use one estimator throughout, Hyndman & Fan (1996) type 7 (see [`quantile_sorted`]),
//! so a figure here matches R's `quantile()` and numpy's default on the same trials. The summary
//! finds them by selection ([`quantiles_unsorted`]: a few linear passes over one column at a
//! time) rather than by sorting every column, which gives the same numbers.
//!
//! # Precision
//! The trial table holds whole numbers exactly and other values as the nearest `f32`
//! ([`crate::engine::table::store`]). So the quantiles of a metric whose values are not whole
//! numbers (a provider's cost, an IRR, a share) are those of its values rounded to `f32`: each
//! differs from the exact values' quantile by at most 2⁻²⁴ ≈ 6 × 10⁻⁸ of the larger magnitude of
//! the two order statistics it interpolates (rounding moves no value by more than that fraction
//! of itself, so no order statistic either). Means, sds and MCSEs are of the exact values.

use rayon::prelude::*;

use crate::engine::table::ColumnStore;
pub use crate::engine::table::TrialTable;

/// One metric across the trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator; 0 when n = 1).
    pub sd: f64,
    /// Monte Carlo standard error of the mean, `sd / √n`.
    pub mcse: f64,
    /// The low quantile (`Summary::quantiles[0]`).
    pub low: f64,
    /// The median.
    pub median: f64,
    /// The high quantile (`Summary::quantiles[2]`).
    pub high: f64,
}

/// The probability of a flagged event, estimated as the share of trials where it happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability {
    /// Share of trials with the flag set.
    pub p: f64,
    /// Monte Carlo standard error, `√(p(1 − p) / n)` (binomial).
    pub mcse: f64,
}

impl Probability {
    /// Why an `mcse` of 0 is no certainty, when the flag was the same in every one of `trials`
    /// trials (p = 0 or 1): the binomial SE √(p(1 − p)/n) is then 0 whatever n, and says only that
    /// no trial differed. The note gives the one-sided 95% Clopper–Pearson bound on the chance of
    /// the other outcome, 1 − 0.05^(1/n) (Clopper & Pearson, "The use of confidence or fiducial
    /// limits illustrated in the case of the binomial", *Biometrika* 26(4), 1934, 404–413), about
    /// 3/n for large n: the "rule of three" (Hanley & Lippman-Hand, "If nothing goes wrong, is
    /// everything all right?", *JAMA* 249(13), 1983, 1743–1745). `None` otherwise.
    pub fn unanimous_note(&self, trials: u64) -> Option<String> {
        if trials == 0 || self.mcse != 0.0 || !(self.p == 0.0 || self.p == 1.0) {
            return None;
        }
        let n = trials as f64;
        let bound = -(0.05f64.ln() / n).exp_m1();
        let trials_text = crate::report::terminal::group_thousands(&trials.to_string());
        let (seen, other) = match (self.p == 0.0, trials == 1) {
            (true, true) => ("not set in the one trial".to_string(), "being set"),
            (true, false) => (
                format!("set in none of the {trials_text} trials"),
                "being set",
            ),
            (false, true) => ("set in the one trial".to_string(), "not being set"),
            (false, false) => (
                format!("set in every one of the {trials_text} trials"),
                "not being set",
            ),
        };
        Some(format!(
            "mcse 0 only because the flag was {seen}; the chance of its {other} may still be up to {} (one-sided 95% Clopper–Pearson bound 1 − 0.05^(1/n); about 3/n for large n)",
            sig4_percent(bound)
        ))
    }
}

/// A share as a percentage to 4 significant figures: 0.002991 → "0.2991%", 0.95 → "95%".
fn sig4_percent(x: f64) -> String {
    let pct = x * 100.0;
    let digits = (3 - pct.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{pct:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}%")
}

/// Everything a report prints about one scenario's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Number of trials summarised.
    pub trials: u64,
    /// Master seed of the run, so the figures can be reproduced.
    pub seed: u64,
    /// The quantile levels reported: `[low, 0.5, high]`.
    pub quantiles: [f64; 3],
    /// One entry per metric, in table order.
    pub metrics: Vec<(String, MetricSummary)>,
    /// One entry per flag, in table order.
    pub probabilities: Vec<(String, Probability)>,
    /// Why a figure is undefined, or what it is over when that is not every trial: today the
    /// investor's IRR and the loan's two IRRs (see [`irr_quantiles_all_trials`]). Empty when every
    /// figure is plain.
    pub notes: Vec<FigureNote>,
}

/// A note on one figure of one metric, shown beside it in every report.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureNote {
    /// The metric, e.g. `investor.irr`.
    pub metric: String,
    /// The figure: `mean`, `low`, `median` or `high`.
    pub figure: &'static str,
    /// What to know about it, e.g. why it is undefined.
    pub note: String,
}

/// A quantile of the IRR over all trials ([`irr_quantiles_all_trials`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankedQuantile {
    /// The quantile is an IRR (type 7 between two trials that both have one).
    Value(f64),
    /// The quantile falls among (or next to) trials with no IRR; `multiple` is the money multiple
    /// of the trial at its rank when that trial has one.
    Undefined {
        /// The money multiple of the trial at the quantile's rank, when that trial has one.
        multiple: Option<f64>,
    },
}

/// The investor's IRR quantiles at `levels` over **all** trials, the ones with no IRR included.
///
/// Columns in trial order: `irr` (NaN where undefined), `multiple` (NaN where nothing was paid
/// in) and `returned`. The trials are ranked, lowest first, in three tiers:
/// 1. **No IRR and money paid in, and total losses (IRR −100%)**, among themselves by money
///    multiple (a total loss's is 0, so total losses come first). Why below every other IRR: an
///    IRR is undefined when no rate zeroes the NPV ([`crate::engine::irr`]), so the NPV keeps one
///    sign at every rate, that of its limit as the rate grows, which is the first flow's; the
///    investor's first flow is money paid in (nothing is paid out of the SPV before money has
///    gone in, other than the residual at the very end), so the NPV is negative at every rate
///    above −100% and `Σ f_t = NPV(0) < 0`: a capital loss that clears no hurdle rate, however
///    low. A total loss clears none either. Every trial with an IRR `r > −100%` clears the
///    hurdles just below `r`. So "clears more hurdles" puts these trials under all others; among
///    them the money multiple is the one measure left that tells a worse loss from a better one.
///    (A grid scan can miss two roots closer than its step, [`crate::engine::irr`]; such a trial
///    would be ranked here though its NPV is positive between them.) Trials with no money paid in
///    and none received also come here, above the losses, ranked as multiple 1 (nothing lost).
/// 2. **Trials with an IRR above −100%**, by IRR.
/// 3. **No IRR, nothing paid in, money received**: the NPV is positive at every rate, so above
///    every IRR (never in a scenario whose investor puts in equity at the start).
///
/// The ranking by multiple does not interleave tiers 1 and 2 by multiple: on MHEP 1's 10,000
/// trials (seed 2016) 1,594 trials with an IRR have a smaller multiple than the largest among the
/// 182 with none (measured from `sibsim run --per-trial` after issue 12's window-aware rates), so "by multiple" and "by IRR" disagree and would not give one order.
///
/// Then the type-7 quantile (see [`quantile_sorted`]) is taken over the ranked trials: a value
/// when the order statistics it interpolates both have an IRR, else [`RankedQuantile::Undefined`].
pub fn irr_quantiles_all_trials(
    irr: &[f64],
    multiple: &[f64],
    returned: &[f64],
    levels: [f64; 3],
) -> [RankedQuantile; 3] {
    // (tier, rank key, the IRR if any, the multiple if any)
    let mut ranked: Vec<(u8, f64, Option<f64>, Option<f64>)> = irr
        .iter()
        .enumerate()
        .map(|(t, &r)| {
            let m = multiple.get(t).copied().filter(|m| !m.is_nan());
            let got = returned.get(t).copied().unwrap_or(0.0);
            match (r.is_nan(), m) {
                (false, _) if r > -1.0 => (1, r, Some(r), m),
                (false, _) => (0, m.unwrap_or(0.0), Some(r), m),
                (true, Some(m)) => (0, m, None, Some(m)),
                (true, None) if got > 0.0 => (2, 0.0, None, None),
                (true, None) => (0, 1.0, None, None),
            }
        })
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let n = ranked.len();
    levels.map(|p| {
        if n == 0 {
            return RankedQuantile::Undefined { multiple: None };
        }
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let i = (h.floor() as usize).min(n - 1);
        let frac = h - i as f64;
        let lower = ranked[i];
        let upper = if frac > 0.0 && i + 1 < n {
            ranked[i + 1]
        } else {
            lower
        };
        match (lower.2, upper.2) {
            (Some(a), Some(b)) => RankedQuantile::Value(if frac > 0.0 && i + 1 < n {
                a + frac * (b - a)
            } else {
                a
            }),
            _ => RankedQuantile::Undefined {
                multiple: if lower.2.is_none() { lower.3 } else { upper.3 },
            },
        }
    })
}

/// The IRR's figures over all trials (see [`irr_quantiles_all_trials`]) in place of those over
/// the trials that have one, with a note on each figure that is undefined and on the mean; no
/// change when every trial has an IRR.
fn irr_over_all_trials(table: &TrialTable, summary: &mut Summary) {
    let (Some(jm), Some(jr)) = (
        table.metric_index("investor.multiple"),
        table.metric_index("investor.returned"),
    ) else {
        return;
    };
    rank_over_all_trials(
        table,
        summary,
        "investor.irr",
        (&table.metric_column(jm), &table.metric_column(jr)),
        Over {
            keep: None,
            left_out: None,
        },
        "capital losses: no rate zeroes their flows, whose value is negative at every rate; ranked \
         below every IRR above −100%, and among themselves by money multiple",
    );
}

/// The loan's two IRRs (`investor.loan.irr_owed`, `investor.loan.irr_written_off`) over all
/// trials, as [`irr_over_all_trials`] does for the investor's: ranked by the loan's own money
/// multiple, (interest paid + principal repaid [+ principal outstanding, owed basis]) ÷ loan
/// drawn. A trial with no loan drawn has no loan to measure: the quantiles are over the trials
/// with one, and a note says how many drew none.
///
/// Why the same order holds: the loan's first flow is a drawdown (money out), so an IRR that
/// does not exist leaves the NPV with that flow's sign at every rate, negative at 0%: a loss
/// (multiple < 1), below every IRR above −100%. A trial with no loan drawn has no flows at all.
fn loan_irr_over_all_trials(table: &TrialTable, summary: &mut Summary) {
    let col = |name: &str| table.metric_index(name).map(|j| table.metric_column(j));
    let (Some(drawn), Some(interest), Some(principal), Some(outstanding)) = (
        col("investor.loan.drawn"),
        col("investor.loan.interest_paid"),
        col("investor.loan.principal_repaid"),
        col("investor.loan.outstanding"),
    ) else {
        return;
    };
    let with_loan: Vec<bool> = drawn.iter().map(|&d| d > 0.0).collect();
    let no_loan = with_loan.iter().filter(|&&k| !k).count();
    let left_out = format!("trials with a loan drawn ({no_loan} drew none and have no loan IRR)");
    for (name, owed) in [
        ("investor.loan.irr_owed", true),
        ("investor.loan.irr_written_off", false),
    ] {
        let returned: Vec<f64> = (0..drawn.len())
            .map(|t| interest[t] + principal[t] + if owed { outstanding[t] } else { 0.0 })
            .collect();
        let multiple: Vec<f64> = drawn
            .iter()
            .zip(&returned)
            .map(|(&d, &r)| if d > 0.0 { r / d } else { f64::NAN })
            .collect();
        let why = if owed {
            "loans drawn only at the horizon: no flows over time and nothing lost, ranked below \
             every IRR as their money multiple, 1"
        } else {
            "loans drawn again after a repayment and not repaid in full, whose flows no rate \
             zeroes and whose value is negative at every rate: losses, ranked below every IRR \
             above −100% and among themselves by the loan's money multiple, (interest + \
             principal repaid) ÷ drawn"
        };
        let over = Over {
            keep: (no_loan > 0).then_some(with_loan.as_slice()),
            left_out: (no_loan > 0).then_some(left_out.as_str()),
        };
        rank_over_all_trials(table, summary, name, (&multiple, &returned), over, why);
    }
}

/// Which trials an IRR's quantiles are over: all (`keep` `None`), or those marked in `keep`, with
/// `left_out` naming them and what the others are, e.g. "trials with a loan drawn (3 drew none)".
#[derive(Clone, Copy)]
struct Over<'a> {
    keep: Option<&'a [bool]>,
    left_out: Option<&'a str>,
}

/// Replaces the quantiles of IRR metric `name` by those over all trials (or those `over` keeps), ranked by
/// [`irr_quantiles_all_trials`] on `multiple` and `returned`, with notes saying how many trials
/// have no IRR and why (`why`, what those trials are and how they rank).
fn rank_over_all_trials(
    table: &TrialTable,
    summary: &mut Summary,
    name: &str,
    (multiple, returned): (&[f64], &[f64]),
    over: Over<'_>,
    why: &str,
) {
    let Some(j) = table.metric_index(name) else {
        return;
    };
    let keep = |v: Vec<f64>| -> Vec<f64> {
        match over.keep {
            None => v,
            Some(k) => v
                .into_iter()
                .zip(k)
                .filter(|&(_, &k)| k)
                .map(|(x, _)| x)
                .collect(),
        }
    };
    let irr = keep(table.metric_column(j));
    let (multiple, returned) = (keep(multiple.to_vec()), keep(returned.to_vec()));
    let undefined = irr.iter().filter(|x| x.is_nan()).count();
    if irr.is_empty() {
        return;
    }
    if undefined == 0 {
        if let Some(left_out) = over.left_out {
            summary.notes.push(FigureNote {
                metric: name.into(),
                figure: "mean",
                note: format!("mean, sd and quantiles over the {} {left_out}", irr.len()),
            });
        }
        return;
    }
    let share = 100.0 * undefined as f64 / irr.len() as f64;
    let ranked = irr_quantiles_all_trials(&irr, &multiple, &returned, summary.quantiles);
    let exact = table.store().is_exact(j);
    let m = &mut summary.metrics[j].1;
    let figures = [
        ("low", &mut m.low),
        ("median", &mut m.median),
        ("high", &mut m.high),
    ];
    let mut notes = vec![FigureNote {
        metric: name.into(),
        figure: "mean",
        note: match over.left_out {
            None => format!(
                "mean and sd over the {:.1}% of trials with an IRR; the quantiles are over all \
                 trials",
                100.0 - share
            ),
            Some(left_out) => format!(
                "mean and sd over the {:.1}% of the {} {left_out} that have an IRR; the \
                 quantiles are over all {} of them",
                100.0 - share,
                irr.len(),
                irr.len()
            ),
        },
    }];
    for (((figure, slot), q), level) in figures.into_iter().zip(ranked).zip(summary.quantiles) {
        match q {
            RankedQuantile::Value(v) => *slot = if exact { v } else { as_held(v) },
            RankedQuantile::Undefined { multiple } => {
                *slot = f64::NAN;
                let at = multiple.map_or(String::new(), |x| {
                    format!("; money multiple {x:.3} at this rank")
                });
                notes.push(FigureNote {
                    metric: name.into(),
                    figure,
                    note: format!(
                        "P{} falls among the {share:.1}% of trials with no IRR ({why}{at})",
                        as_held(level * 100.0)
                    ),
                });
            }
        }
    }
    summary.notes.extend(notes);
}

/// Summarises every column of `table`, reporting the `low`, 0.5 and `high` quantiles.
///
/// Requires `table.trials >= 1` (the engine refuses a zero-trial run before this point); an empty
/// table yields all-zero figures rather than a panic. Columns are summarised in parallel, but each
/// column's figures depend only on that column, so the result is the same for any thread count.
pub fn summarise(table: &TrialTable, scenario: &str, seed: u64, low: f64, high: f64) -> Summary {
    let n_metrics = table.metric_names.len();
    let levels = [low, 0.5, high];
    let metric_figures = summarise_columns(table.store(), 0..n_metrics, levels);
    let flag_figures: Vec<Probability> = (0..table.flag_names.len())
        .into_par_iter()
        .map(|j| summarise_flag(&table.flag_column(j)))
        .collect();

    let mut summary = Summary {
        scenario: scenario.to_owned(),
        trials: table.trials as u64,
        seed,
        quantiles: levels,
        metrics: table
            .metric_names
            .iter()
            .cloned()
            .zip(metric_figures)
            .collect(),
        probabilities: table.flag_names.iter().cloned().zip(flag_figures).collect(),
        notes: Vec::new(),
    };
    irr_over_all_trials(table, &mut summary);
    loan_irr_over_all_trials(table, &mut summary);
    undefined_notes(table, &mut summary);
    spread_notes(table, &mut summary);
    summary
}

/// The note on an sd (and mcse) undefined because the figure is defined in one trial only.
pub(crate) const SD_OF_ONE: &str =
    "sd and mcse undefined: defined in 1 trial, and a standard deviation needs at least 2";

/// A note on every metric defined in exactly one trial: its sd and mcse are undefined (JSON
/// null, an empty CSV cell), not 0, because a standard deviation needs two values.
fn spread_notes(table: &TrialTable, summary: &mut Summary) {
    let store = table.store();
    for (j, (name, m)) in summary.metrics.iter().enumerate() {
        if store.moments(j).n == 1 && m.sd.is_nan() {
            summary.notes.push(FigureNote {
                metric: name.clone(),
                figure: "sd",
                note: SD_OF_ONE.into(),
            });
        }
    }
}

/// A note on every other metric undefined in some trials (a NaN: a cost per outcome with no
/// outcome to divide by, say), saying in how many and why: its figures are over the rest, or
/// undefined (JSON null, an empty CSV cell) when no trial has it — never silently.
fn undefined_notes(table: &TrialTable, summary: &mut Summary) {
    let store = table.store();
    let all = store.len() as u64;
    let noted: std::collections::HashSet<String> =
        summary.notes.iter().map(|n| n.metric.clone()).collect();
    for (j, name) in table.metric_names.iter().enumerate() {
        if noted.contains(name) {
            continue;
        }
        let defined = store.moments(j).n;
        if defined >= all {
            continue;
        }
        let undefined = all - defined;
        let why = undefined_why(name);
        let note = if defined == 0 {
            format!("undefined in every trial ({undefined} of {all}): {why}")
        } else {
            format!(
                "mean, sd and quantiles over the {defined} of {all} trials where it is defined; \
                 undefined in {undefined} ({:.1}%): {why}",
                100.0 * undefined as f64 / all as f64
            )
        };
        summary.notes.push(FigureNote {
            metric: name.clone(),
            figure: "mean",
            note,
        });
    }
}

/// Why metric `name` can be undefined in a trial.
fn undefined_why(name: &str) -> &'static str {
    if name.contains("cost_per") {
        "no outcome of its kind in those trials to divide the cost by"
    } else if name.ends_with("multiple") {
        "nothing invested or drawn in those trials to divide by"
    } else if name.contains("irr") {
        "no rate zeroes the flows of those trials"
    } else {
        "the metric has no value in those trials"
    }
}

/// The figures of columns `cols` of `store`, in order, over the rows where each is defined (NaN
/// left out; NaN figures for a column never defined).
///
/// The mean and sd are of the exact values: recomputed from the column by the corrected two-pass
/// algorithm when the store holds it exactly, else merged from the store's exact per-block
/// [`Moments`](crate::engine::table::Moments). The quantiles are those of the held values (see
/// [`crate::engine::table::store`]), found by selection ([`quantiles_unsorted`]). A column that
/// copies an earlier one in every block gets that column's figures, computed once. Columns are
/// summarised in parallel; each one's figures depend on its values only.
pub fn summarise_columns(
    store: &ColumnStore,
    cols: std::ops::Range<usize>,
    levels: [f64; 3],
) -> Vec<MetricSummary> {
    let first = cols.start;
    let own: Vec<Option<MetricSummary>> = cols
        .clone()
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(buf, keys), c| {
                let copy = store.copy_of(c).filter(|k| (first..c).contains(k));
                copy.is_none()
                    .then(|| summarise_column(store, c, levels, buf, keys))
            },
        )
        .collect();
    let mut out: Vec<MetricSummary> = Vec::with_capacity(own.len());
    for (i, c) in cols.enumerate() {
        let figures = match own[i] {
            Some(f) => f,
            // The copied column comes earlier in this range, so it is already in `out`.
            None => out[store.copy_of(c).map_or(i, |k| k - first)],
        };
        out.push(figures);
    }
    out
}

/// Statistics of column `c` over the rows where it is defined: a NaN marks a trial where it is not
/// (an IRR with no sign change in the flows, a cost per outcome with no outcomes), and is left
/// out. With no defined value at all every figure is NaN (JSON null, an empty CSV cell). See
/// [`summarise_columns`] for the estimators; `buf` and `keys` are scratch space.
fn summarise_column(
    store: &ColumnStore,
    c: usize,
    levels: [f64; 3],
    buf: &mut Vec<f64>,
    keys: &mut Vec<i64>,
) -> MetricSummary {
    let all = store.len();
    if let Some(v) = store.constant(c).filter(|_| all >= 2) {
        // A whole-number constant: every sum is exact, so the estimators give v and 0 exactly.
        // (−0 is left to the general path, whose sums turn it into +0 as they always have.)
        if v.fract() == 0.0
            && v.abs() * all as f64 <= 9_007_199_254_740_992.0
            && !(v == 0.0 && v.is_sign_negative())
        {
            return MetricSummary {
                mean: v,
                sd: 0.0,
                mcse: 0.0,
                low: v,
                median: v,
                high: v,
            };
        }
    }
    store.column_into(c, buf);
    buf.retain(|x| !x.is_nan());
    if buf.is_empty() {
        let v = if all == 0 { 0.0 } else { f64::NAN };
        return MetricSummary {
            mean: v,
            sd: v,
            mcse: v,
            low: v,
            median: v,
            high: v,
        };
    }
    let (mean, sd) = if store.is_exact(c) {
        mean_sd(buf)
    } else {
        let m = store.moments(c);
        (m.mean, m.sd())
    };
    // A spread needs two values: with one, the sd (n − 1 = 0) and so the mcse are undefined,
    // noted by `spread_notes`, not reported as 0.
    let sd = if buf.len() < 2 { f64::NAN } else { sd };
    let mcse = sd / (buf.len() as f64).sqrt();
    keys.clear();
    keys.extend(buf.iter().map(|&x| order_key(x)));
    let [low, median, high] = quantiles_of_keys(keys, levels);
    let [low, median, high] = if store.is_exact(c) {
        [low, median, high]
    } else {
        [low, median, high].map(as_held)
    };
    MetricSummary {
        mean,
        sd,
        mcse,
        low,
        median,
        high,
    }
}

/// A quantile of values held to f32 precision, as precise as they are: the nearest f32, written
/// as the shortest decimal that reads back as it (0.567, not the 0.5669999718666077 its widening
/// to f64 would print). Moves the figure by at most 2⁻²⁴ of itself, the precision it has anyway.
pub fn as_held(x: f64) -> f64 {
    let f = x as f32;
    if !f.is_finite() || f64::from(f) != x && (f64::from(f) - x).abs() > x.abs() * 1e-7 {
        // Out of f32 range, or not a value held to f32 (an interpolation far from one): as is.
        return x;
    }
    f.to_string().parse().unwrap_or(x)
}

fn summarise_flag(column: &[f64]) -> Probability {
    if column.is_empty() {
        return Probability { p: 0.0, mcse: 0.0 };
    }
    let n = column.len() as f64;
    let p = column.iter().sum::<f64>() / n;
    // Clamp: rounding in the sum must not make p(1 − p) slightly negative.
    let p = p.clamp(0.0, 1.0);
    Probability {
        p,
        mcse: (p * (1.0 - p) / n).sqrt(),
    }
}

/// Mean and sample standard deviation by the corrected two-pass algorithm (Chan, Golub & LeVeque,
/// "Algorithms for computing the sample variance", 1983) on the values scaled by a power of two
/// ([`Moments`](crate::engine::table::Moments)): with a first-pass mean m,
/// `var = (Σ(x − m)² − (Σ(x − m))² / n) / (n − 1)`. The correction term cancels most of the
/// rounding error of m, which matters for money metrics with large means and comparatively small
/// spread; the scaling keeps `Σ(x − m)²` from overflowing for values beyond 1e154. Requires a
/// non-empty slice.
fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let m = crate::engine::table::Moments::of(xs);
    (m.mean, m.sd())
}

/// The type-7 quantiles at `levels` of `xs` (no NaN), by selection instead of a full sort: the
/// same `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])` of the order statistics (in [`f64::total_cmp`]
/// order) as [`quantile_sorted`] on the sorted values, so the very same numbers. The levels are
/// taken in increasing order, each selection in the part above the previous one: a few linear
/// passes in all rather than an n log n sort. NaN for each level when `xs` is empty.
///
/// # Example
/// ```
/// use sibsim::analysis::summary::quantiles_unsorted;
/// let xs = [4.0, 1.0, 3.0, 2.0];
/// assert_eq!(quantiles_unsorted(&xs, [0.1, 0.5, 1.0]), [1.3, 2.5, 4.0]);
/// ```
pub fn quantiles_unsorted<const K: usize>(xs: &[f64], levels: [f64; K]) -> [f64; K] {
    let mut keys: Vec<i64> = xs.iter().map(|&x| order_key(x)).collect();
    quantiles_of_keys(&mut keys, levels)
}

/// `x` as an integer ordered as [`f64::total_cmp`] orders the floats (its own transformation):
/// selecting among integers is several times faster than through the comparison.
pub(crate) fn order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// An `f32`'s key, ordered as [`f32::total_cmp`] orders the floats — and so as `f64::total_cmp`
/// orders them widened — in half the space of an `f64`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key32(i32);

impl Key32 {
    pub(crate) fn of(x: f32) -> Key32 {
        let bits = x.to_bits() as i32;
        Key32(bits ^ (((bits >> 31) as u32) >> 1) as i32)
    }
}

/// A totally ordered key that stands for a float.
pub(crate) trait OrderKey: Ord + Copy {
    /// The float it stands for.
    fn value(self) -> f64;
}

impl OrderKey for i64 {
    fn value(self) -> f64 {
        // The transformation is its own inverse.
        f64::from_bits((self ^ (((self >> 63) as u64) >> 1) as i64) as u64)
    }
}

impl OrderKey for Key32 {
    fn value(self) -> f64 {
        let k = self.0;
        f64::from(f32::from_bits(
            (k ^ (((k >> 31) as u32) >> 1) as i32) as u32,
        ))
    }
}

/// [`quantiles_unsorted`] of the values whose keys ([`order_key`], [`Key32`]) are `keys`
/// (reordered in place).
pub(crate) fn quantiles_of_keys<T: OrderKey, const K: usize>(
    keys: &mut [T],
    levels: [f64; K],
) -> [f64; K] {
    let n = keys.len();
    let mut out = [f64::NAN; K];
    if n == 0 {
        return out;
    }
    let mut order: [usize; K] = std::array::from_fn(|k| k);
    order.sort_by(|&a, &b| {
        levels[a]
            .clamp(0.0, 1.0)
            .total_cmp(&levels[b].clamp(0.0, 1.0))
    });
    // keys[..placed] are the smallest `placed`, each selected one in its sorted place.
    let mut placed = 0;
    for k in order {
        let h = (n - 1) as f64 * levels[k].clamp(0.0, 1.0);
        let i = h.floor() as usize;
        if i >= placed {
            keys[placed..].select_nth_unstable(i - placed);
            placed = i + 1;
        }
        let x = keys[i].value();
        out[k] = if i + 1 >= n {
            x
        } else {
            // The next order statistic is the least of those above x[i].
            if placed == i + 1 {
                let (j, _) = keys[i + 1..]
                    .iter()
                    .enumerate()
                    .min_by_key(|&(_, k)| k)
                    .expect("i + 1 < n");
                keys.swap(i + 1, i + 1 + j);
                placed = i + 2;
            }
            let next = keys[i + 1].value();
            x + (h - i as f64) * (next - x)
        };
    }
    out
}

/// Sample quantile at level `p` of ascending-sorted data, Hyndman & Fan (1996) type 7 (R's
/// default, numpy's `"linear"`).
///
/// With n values `x[0] ≤ … ≤ x[n−1]` and `h = (n − 1)p`:
/// `Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`, taking `Q(1) = x[n−1]`.
///
/// Reference: R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages",
/// *The American Statistician* 50(4), 1996, 361–365.
///
/// `p` is clamped to [0, 1]. Returns NaN for an empty slice (there is no quantile to report).
/// The slice must be sorted ascending; this is not checked.
///
/// # Example
/// ```
/// use sibsim::analysis::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let i = h.floor() as usize;
    if i + 1 >= n {
        return sorted[n - 1];
    }
    let frac = h - i as f64;
    sorted[i] + frac * (sorted[i + 1] - sorted[i])
}

/// The values of metric `name` over the trials where it is defined (NaN left out), sorted; `None`
/// if there is no such metric or no defined value.
pub fn sorted_defined(table: &TrialTable, name: &str) -> Option<Vec<f64>> {
    let j = table.metric_index(name)?;
    let mut v: Vec<f64> = table
        .metric_column(j)
        .into_iter()
        .filter(|x| !x.is_nan())
        .collect();
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then_some(v)
}

/// Share of ascending-sorted values that are ≤ `x` (the empirical CDF at `x`), in [0, 1].
///
/// Used to place a plan figure in the simulated distribution ("the plan is at the 85th
/// percentile"). Returns NaN for an empty slice. The slice must be sorted ascending.
pub fn percentile_of(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::table::F32_RELATIVE_ERROR;

    fn names(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|s| s.to_string()).collect()
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{actual} != {expected}"
        );
    }

    /// A flag the same in every trial: its SE of 0 is explained with the bound 1 − 0.05^(1/n),
    /// worked by hand: n = 1,000: 1 − e^(−2.995732/1000) = 0.0029912; n = 1: 0.95.
    #[test]
    fn a_unanimous_flag_explains_its_zero_error() {
        let certain = Probability { p: 1.0, mcse: 0.0 };
        assert_eq!(
            certain.unanimous_note(1000).as_deref(),
            Some("mcse 0 only because the flag was set in every one of the 1,000 trials; the chance of its not being set may still be up to 0.2991% (one-sided 95% Clopper–Pearson bound 1 − 0.05^(1/n); about 3/n for large n)")
        );
        let never = Probability { p: 0.0, mcse: 0.0 };
        assert_eq!(
            never.unanimous_note(1).as_deref(),
            Some("mcse 0 only because the flag was not set in the one trial; the chance of its being set may still be up to 95% (one-sided 95% Clopper–Pearson bound 1 − 0.05^(1/n); about 3/n for large n)")
        );
        let some = Probability {
            p: 0.25,
            mcse: 0.0137,
        };
        assert_eq!(some.unanimous_note(1000), None);
        assert_eq!(
            never.unanimous_note(20).as_deref(),
            Some("mcse 0 only because the flag was set in none of the 20 trials; the chance of its being set may still be up to 13.91% (one-sided 95% Clopper–Pearson bound 1 − 0.05^(1/n); about 3/n for large n)")
        );
    }

    #[test]
    fn irr_quantiles_over_all_trials_by_hand() {
        // Ten trials: four with no IRR (multiples 0.3, 0.1, 0.4, 0.2), one total loss (IRR −1,
        // multiple 0), five with an IRR (−0.5, −0.2, 0, 0.1, 0.3). Ranked: the total loss, the
        // four by multiple (0.1, 0.2, 0.3, 0.4), then −0.5, −0.2, 0, 0.1, 0.3. Type 7, h = 9p:
        // P10 h = 0.9 between the total loss and the 0.1 trial → undefined (multiple 0.1);
        // P50 h = 4.5 between the 0.4 trial and −0.5 → undefined (multiple 0.4);
        // P60 h = 5.4 between −0.5 and −0.2 → −0.38; P90 h = 8.1 → 0.1 + 0.1 × 0.2 = 0.12;
        // P0 → −1 (the total loss).
        let nan = f64::NAN;
        let irr = [nan, 0.3, -1.0, nan, -0.5, nan, 0.0, -0.2, nan, 0.1];
        let multiple = [0.3, 1.9, 0.0, 0.1, 0.6, 0.4, 1.0, 0.8, 0.2, 1.2];
        let returned = [3.0, 19.0, 0.0, 1.0, 6.0, 4.0, 10.0, 8.0, 2.0, 12.0];
        let q = irr_quantiles_all_trials(&irr, &multiple, &returned, [0.1, 0.5, 0.9]);
        assert_eq!(
            q[0],
            RankedQuantile::Undefined {
                multiple: Some(0.1)
            }
        );
        assert_eq!(
            q[1],
            RankedQuantile::Undefined {
                multiple: Some(0.4)
            }
        );
        let RankedQuantile::Value(p90) = q[2] else {
            panic!("{q:?}")
        };
        assert_close(p90, 0.12);
        let q = irr_quantiles_all_trials(&irr, &multiple, &returned, [0.0, 0.6, 1.0]);
        assert_eq!(q[0], RankedQuantile::Value(-1.0));
        let RankedQuantile::Value(p60) = q[1] else {
            panic!("{q:?}")
        };
        assert_close(p60, -0.38);
        assert_eq!(q[2], RankedQuantile::Value(0.3));
        // Over the defined trials only, the old way, the median would be −0.2 + 0.5 × 0.2 = −0.1
        // (h = 5 × 0.5 = 2.5 of −1, −0.5, −0.2, 0, 0.1, 0.3): far above the all-trials median.
        let mut defined: Vec<f64> = irr.iter().copied().filter(|x| !x.is_nan()).collect();
        defined.sort_by(f64::total_cmp);
        assert_close(quantile_sorted(&defined, 0.5), -0.1);
        // Nothing paid in but money received ranks above every IRR.
        let q = irr_quantiles_all_trials(&[nan, 0.2], &[nan, 1.5], &[5.0, 15.0], [0.0, 0.5, 1.0]);
        assert_eq!(q[0], RankedQuantile::Value(0.2));
        assert_eq!(q[2], RankedQuantile::Undefined { multiple: None });
    }

    #[test]
    fn a_metric_undefined_in_some_trials_says_in_how_many_and_why() {
        let nan = f64::NAN;
        let mut t = TrialTable::new(
            names(&[
                "commissioning.cost_per_job_start",
                "a.cost_per_sustained_job",
                "jobs",
            ]),
            vec![],
        );
        for k in 0..8 {
            let cost = if k % 4 == 0 { nan } else { 100.0 * k as f64 };
            t.push_row(&[cost, nan, k as f64]);
        }
        let s = summarise(&t, "s", 1, 0.1, 0.9);
        // Trials 1, 2, 3, 5, 6, 7 have a cost: mean 2,400 / 6 = 400.
        assert_close(s.metrics[0].1.mean, 400.0);
        assert!(s.metrics[1].1.mean.is_nan());
        let notes: Vec<(&str, &str, &str)> = s
            .notes
            .iter()
            .map(|n| (n.metric.as_str(), n.figure, n.note.as_str()))
            .collect();
        assert_eq!(
            notes,
            [
                (
                    "commissioning.cost_per_job_start",
                    "mean",
                    "mean, sd and quantiles over the 6 of 8 trials where it is defined; \
                     undefined in 2 (25.0%): no outcome of its kind in those trials to divide \
                     the cost by"
                ),
                (
                    "a.cost_per_sustained_job",
                    "mean",
                    "undefined in every trial (8 of 8): no outcome of its kind in those trials \
                     to divide the cost by"
                ),
            ]
        );
    }

    #[test]
    fn the_summary_reports_irr_quantiles_over_all_trials_with_notes() {
        let nan = f64::NAN;
        let mut t = TrialTable::new(
            names(&["investor.returned", "investor.multiple", "investor.irr"]),
            vec![],
        );
        let irr = [nan, 0.3, -1.0, nan, -0.5, nan, 0.0, -0.2, nan, 0.1];
        let multiple = [0.3, 1.9, 0.0, 0.1, 0.6, 0.4, 1.0, 0.8, 0.2, 1.2];
        for k in 0..10 {
            t.push_row(&[multiple[k] * 10.0, multiple[k], irr[k]]);
        }
        let s = summarise(&t, "s", 1, 0.1, 0.9);
        let m = s.metrics[2].1;
        assert!(m.low.is_nan() && m.median.is_nan());
        assert!((m.high - 0.12).abs() < 1e-6, "{}", m.high);
        // The mean stays over the trials with an IRR, and says so.
        assert_close(m.mean, (0.3 - 1.0 - 0.5 - 0.2 + 0.1) / 6.0);
        let figures: Vec<&str> = s.notes.iter().map(|n| n.figure).collect();
        assert_eq!(figures, ["mean", "low", "median"]);
        assert_eq!(
            s.notes[1].note,
            "P10 falls among the 40.0% of trials with no IRR (capital losses: no rate zeroes \
             their flows, whose value is negative at every rate; ranked below every IRR above \
             −100%, and among themselves by money multiple; money multiple 0.100 at this rank)"
        );
        assert_eq!(
            s.notes[0].note,
            "mean and sd over the 60.0% of trials with an IRR; the quantiles are over all trials"
        );
    }

    #[test]
    fn loan_irr_quantiles_are_over_the_trials_with_a_loan_ranked_by_the_loan_multiple() {
        // Ten trials, nine with a loan of 100; trial 2 draws none and has no loan to measure, so
        // the quantiles are over the other nine. Written off, three have no IRR: losses whose loan
        // multiple, (interest + principal repaid) / drawn, is 0.25, 0.10, 0.40 (trials 0, 3, 7);
        // trial 4 is a total loss (IRR −1, multiple 0). Ranked: t4 (−1), t3 (0.10), t0 (0.25),
        // t7 (0.40), then −0.3, −0.2, 0.05, 0.07, 0.08. Type 7, h = 8p: P10 h = 0.8 between t4
        // and t3 → undefined (multiple 0.100 of t3); P50 h = 4 → −0.3; P90 h = 7.2 → 0.07 +
        // 0.2 × 0.01 = 0.072. Owed, all nine have one: 0, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05,
        // 0.07, 0.08 → P10 0.008, P50 0.03, P90 0.072.
        let nan = f64::NAN;
        let mut t = TrialTable::new(
            names(&[
                "investor.loan.drawn",
                "investor.loan.interest_paid",
                "investor.loan.principal_repaid",
                "investor.loan.outstanding",
                "investor.loan.irr_owed",
                "investor.loan.irr_written_off",
            ]),
            vec![],
        );
        let interest = [5.0, 10.0, 0.0, 2.0, 0.0, 5.0, 6.0, 3.0, 8.0, 9.0];
        let principal = [20.0, 100.0, 0.0, 8.0, 0.0, 45.0, 60.0, 37.0, 100.0, 100.0];
        let owed = [0.02, 0.08, nan, 0.01, 0.0, 0.03, 0.04, 0.015, 0.05, 0.07];
        let off = [nan, 0.08, nan, nan, -1.0, -0.3, -0.2, nan, 0.05, 0.07];
        for k in 0..10 {
            let drawn = if k == 2 { 0.0 } else { 100.0 };
            let row = [
                drawn,
                interest[k],
                principal[k],
                drawn - principal[k],
                owed[k],
                off[k],
            ];
            t.push_row(&row);
        }
        let s = summarise(&t, "s", 1, 0.1, 0.9);
        let wo = s.metrics[5].1;
        assert!(wo.low.is_nan(), "{wo:?}");
        assert_close(wo.median, -0.3);
        assert_close(wo.high, 0.072);
        assert_close(wo.mean, (-1.0 - 0.3 - 0.2 + 0.05 + 0.07 + 0.08) / 6.0);
        let ow = s.metrics[4].1;
        assert_close(ow.low, 0.008);
        assert_close(ow.median, 0.03);
        assert_close(ow.high, 0.072);
        let notes: Vec<(&str, &str, &str)> = s
            .notes
            .iter()
            .map(|n| (n.metric.as_str(), n.figure, n.note.as_str()))
            .collect();
        assert_eq!(
            notes,
            [
                (
                    "investor.loan.irr_owed",
                    "mean",
                    "mean, sd and quantiles over the 9 trials with a loan drawn (1 drew none and \
                     have no loan IRR)"
                ),
                (
                    "investor.loan.irr_written_off",
                    "mean",
                    "mean and sd over the 66.7% of the 9 trials with a loan drawn (1 drew none and \
                     have no loan IRR) that have an IRR; the quantiles are over all 9 of them"
                ),
                (
                    "investor.loan.irr_written_off",
                    "low",
                    "P10 falls among the 33.3% of trials with no IRR (loans drawn again after a \
                     repayment and not repaid in full, whose flows no rate zeroes and whose value \
                     is negative at every rate: losses, ranked below every IRR above −100% and \
                     among themselves by the loan's money multiple, (interest + principal repaid) \
                     ÷ drawn; money multiple 0.100 at this rank)"
                ),
            ]
        );
    }

    #[test]
    fn type7_quantiles_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0];
        // h = 3p: 0.3, 1.5, 2.7.
        assert_close(quantile_sorted(&x, 0.1), 1.3);
        assert_eq!(quantile_sorted(&x, 0.5), 2.5);
        assert_close(quantile_sorted(&x, 0.9), 3.7);
        assert_eq!(quantile_sorted(&x, 0.0), 1.0);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
        assert_eq!(quantile_sorted(&[7.0], 0.9), 7.0);
    }

    #[test]
    fn type7_quantiles_match_numpy_and_r() {
        // numpy docs: np.quantile([[10, 7, 4], [3, 2, 1]], 0.5) == 3.5.
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 7.0, 10.0], 0.5), 3.5);
        // np.percentile([15, 20, 35, 40, 50], 40) == 29.0 (the "linear" example on Wikipedia's
        // Percentile page).
        assert_close(quantile_sorted(&[15.0, 20.0, 35.0, 40.0, 50.0], 0.4), 29.0);
        // R: quantile(1:10, c(0.1, 0.25, 0.9)) gives 1.90 3.25 9.10.
        let one_to_ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_close(quantile_sorted(&one_to_ten, 0.1), 1.9);
        assert_close(quantile_sorted(&one_to_ten, 0.25), 3.25);
        assert_close(quantile_sorted(&one_to_ten, 0.9), 9.1);
    }

    #[test]
    fn quantile_of_empty_is_nan() {
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn percentile_of_counts_ties_as_below() {
        let x = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(percentile_of(&x, 0.5), 0.0);
        assert_eq!(percentile_of(&x, 1.0), 0.25);
        assert_eq!(percentile_of(&x, 2.0), 0.75);
        assert_eq!(percentile_of(&x, 2.5), 0.75);
        assert_eq!(percentile_of(&x, 3.0), 1.0);
        assert_eq!(percentile_of(&x, 99.0), 1.0);
        assert!(percentile_of(&[], 1.0).is_nan());
    }

    #[test]
    fn sd_and_mcse_of_known_sample() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − 5)² = 32, sample var 32/7.
        let mut t = TrialTable::new(names(&["x"]), vec![]);
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            t.push_row(&[x]);
        }
        let s = summarise(&t, "s", 1, 0.1, 0.9);
        let m = s.metrics[0].1;
        assert_eq!(m.mean, 5.0);
        assert_close(m.sd, (32.0f64 / 7.0).sqrt());
        assert_close(m.mcse, (32.0f64 / 7.0).sqrt() / 8f64.sqrt());
    }

    #[test]
    fn sd_is_stable_with_a_large_offset() {
        // Same spread as above, shifted by 1e9: a naive Σx² − n·m² formula loses it entirely.
        let mut t = TrialTable::new(names(&["x"]), vec![]);
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            t.push_row(&[x + 1e9]);
        }
        let m = summarise(&t, "s", 1, 0.1, 0.9).metrics[0].1;
        assert_eq!(m.mean, 1e9 + 5.0);
        assert_close(m.sd, (32.0f64 / 7.0).sqrt());
    }

    #[test]
    fn summarise_small_table_exactly() {
        let mut t = TrialTable::new(names(&["a", "b"]), names(&["f", "g"]));
        t.push_row(&[1.0, 10.0, 1.0, 0.0]);
        t.push_row(&[2.0, -10.0, 0.0, 0.0]);
        t.push_row(&[3.0, 0.0, 0.0, 0.0]);
        t.push_row(&[4.0, 4.0, 1.0, 1.0]);
        assert_eq!(t.width(), 4);
        assert_eq!(t.row(1), &[2.0, -10.0, 0.0, 0.0]);
        assert_eq!(t.metric_column(1), vec![10.0, -10.0, 0.0, 4.0]);
        assert_eq!(t.flag_column(0), vec![1.0, 0.0, 0.0, 1.0]);

        let s = summarise(&t, "demo", 42, 0.25, 0.75);
        assert_eq!(s.scenario, "demo");
        assert_eq!(s.trials, 4);
        assert_eq!(s.seed, 42);
        assert_eq!(s.quantiles, [0.25, 0.5, 0.75]);

        let (name, a) = &s.metrics[0];
        assert_eq!(name, "a");
        assert_eq!(a.mean, 2.5);
        assert_close(a.sd, (5.0f64 / 3.0).sqrt());
        assert_close(a.mcse, (5.0f64 / 3.0).sqrt() / 2.0);
        // h = 3 × {0.25, 0.5, 0.75} = 0.75, 1.5, 2.25.
        assert_eq!((a.low, a.median, a.high), (1.75, 2.5, 3.25));

        let (name, b) = &s.metrics[1];
        assert_eq!(name, "b");
        assert_eq!(b.mean, 1.0);
        // Deviations 9, −11, −1, 3: Σd² = 212.
        assert_close(b.sd, (212.0f64 / 3.0).sqrt());
        // Sorted −10, 0, 4, 10.
        assert_eq!((b.low, b.median, b.high), (-2.5, 2.0, 5.5));

        assert_eq!(s.probabilities[0].0, "f");
        assert_eq!(s.probabilities[0].1, Probability { p: 0.5, mcse: 0.25 });
        assert_eq!(s.probabilities[1].0, "g");
        assert_eq!(s.probabilities[1].1.p, 0.25);
        assert_close(s.probabilities[1].1.mcse, (0.25f64 * 0.75 / 4.0).sqrt());
    }

    #[test]
    fn one_trial_has_an_undefined_sd_and_says_so() {
        let mut t = TrialTable::new(names(&["a", "b"]), names(&["f"]));
        t.push_row(&[3.0, 2.5, 1.0]);
        let s = summarise(&t, "one", 0, 0.1, 0.9);
        for (name, value) in [("a", 3.0), ("b", 2.5)] {
            let m = s.metrics.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(
                (m.mean, m.low, m.median, m.high),
                (value, value, value, value)
            );
            // n − 1 = 0: no spread to report, and no 0 pretending there is one.
            assert!(m.sd.is_nan() && m.mcse.is_nan(), "{name}: {m:?}");
            let note = s.notes.iter().find(|n| n.metric == name).unwrap();
            assert_eq!(note.figure, "sd");
            assert!(note.note.contains("defined in 1 trial"), "{}", note.note);
        }
        // Two trials: a spread, and no note.
        t.push_row(&[5.0, 2.5, 0.0]);
        let s = summarise(&t, "two", 0, 0.1, 0.9);
        let a = s.metrics[0].1;
        assert_eq!((a.mean, a.sd), (4.0, 2f64.sqrt()));
        assert_eq!(s.metrics[1].1.sd, 0.0);
        assert!(s.notes.is_empty(), "{:?}", s.notes);
        let mut t = TrialTable::new(names(&["a"]), names(&["f"]));
        t.push_row(&[3.0, 1.0]);
        let s = summarise(&t, "one", 0, 0.1, 0.9);
        assert_eq!(s.probabilities[0].1, Probability { p: 1.0, mcse: 0.0 });
    }

    #[test]
    fn empty_table_gives_zeros_not_panics() {
        let t = TrialTable::new(names(&["a"]), names(&["f"]));
        let s = summarise(&t, "empty", 0, 0.1, 0.9);
        assert_eq!(s.trials, 0);
        assert_eq!(
            s.metrics[0].1,
            MetricSummary {
                mean: 0.0,
                sd: 0.0,
                mcse: 0.0,
                low: 0.0,
                median: 0.0,
                high: 0.0
            }
        );
        assert_eq!(s.probabilities[0].1, Probability { p: 0.0, mcse: 0.0 });
    }

    #[test]
    #[should_panic(expected = "row has 1 values, table has 2 columns")]
    fn push_row_of_wrong_width_panics() {
        let mut t = TrialTable::new(names(&["a"]), names(&["f"]));
        t.push_row(&[1.0]);
    }

    #[test]
    fn summary_is_the_same_on_one_thread() {
        let mut t = TrialTable::new(names(&["a", "b", "c"]), names(&["f"]));
        for i in 0..1000u32 {
            let x = f64::from(i);
            t.push_row(&[(x * 0.37).sin() * 1e6, x.sqrt(), -x, f64::from(i % 3 == 0)]);
        }
        let parallel = summarise(&t, "p", 7, 0.1, 0.9);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("one-thread pool");
        let serial = pool.install(|| summarise(&t, "p", 7, 0.1, 0.9));
        assert_eq!(parallel, serial);
    }

    use proptest::prelude::*;

    /// The type-7 quantiles of a full sort, the reference for selection.
    fn by_sorting(xs: &[f64], levels: &[f64]) -> Vec<f64> {
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        levels
            .iter()
            .map(|&p| quantile_sorted(&sorted, p))
            .collect()
    }

    proptest! {
        #[test]
        fn selection_gives_the_sorted_quantiles(
            xs in prop::collection::vec(
                prop_oneof![
                    -1e6..1e6f64,
                    (-20i32..20).prop_map(f64::from),
                    Just(0.0),
                    Just(-0.0),
                    Just(f64::INFINITY),
                    Just(f64::NEG_INFINITY),
                ],
                1..400,
            ),
            levels in prop::array::uniform3(prop_oneof![0.0..=1.0f64, Just(0.0), Just(1.0), Just(0.5)]),
        ) {
            let got = quantiles_unsorted(&xs, levels);
            let want = by_sorting(&xs, &levels);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&want), "{:?} at {:?}", xs, levels);
        }
    }

    proptest! {
        #[test]
        fn f32_keys_give_the_quantiles_of_the_widened_values(
            xs in prop::collection::vec(
                prop_oneof![
                    -1e6..1e6f32,
                    (-5i16..5).prop_map(f32::from),
                    Just(-0.0f32),
                    Just(f32::INFINITY),
                    Just(f32::NEG_INFINITY),
                ],
                1..300,
            ),
            levels in prop::array::uniform3(0.0..=1.0f64),
        ) {
            let mut keys: Vec<Key32> = xs.iter().map(|&x| Key32::of(x)).collect();
            let wide: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(
                bits(&quantiles_of_keys(&mut keys, levels)),
                bits(&by_sorting(&wide, &levels))
            );
        }
    }

    #[test]
    fn selection_of_many_ties_and_of_nothing() {
        let xs: Vec<f64> = (0..1001).map(|i| f64::from(i % 3)).collect();
        assert_eq!(quantiles_unsorted(&xs, [0.1, 0.5, 0.9]), [0.0, 1.0, 2.0]);
        // h = 0.5 × 1 = 0.5 between the two values; 1.0 is the last.
        assert_eq!(
            quantiles_unsorted(&[3.0, 1.0], [1.0, 0.5, 0.0]),
            [3.0, 2.0, 1.0]
        );
        let none: [f64; 3] = quantiles_unsorted(&[], [0.1, 0.5, 0.9]);
        assert!(none.iter().all(|x| x.is_nan()));
    }

    #[test]
    fn summary_of_many_blocks_matches_the_exact_figures() {
        // 20,000 rows: two full blocks and a short one once compacted. Whole-number columns (a
        // count, a money figure with NaN, a constant, a copy) keep every figure of the old
        // full-sort summary bit for bit; a fractional column has quantiles of its f32 values
        // (within 2⁻²⁴ of the exact ones) and the exact mean and sd.
        let n = 20_000u32;
        let col = |i: u32| -> [f64; 6] {
            let x = f64::from(i);
            [
                f64::from(i * 7919 % 1000),
                if i.is_multiple_of(11) {
                    f64::NAN
                } else {
                    700.0 * f64::from(i * 31 % 97) - 5e4
                },
                3.0,
                f64::from(i * 7919 % 1000),
                (x * 0.37).sin() * 1e5 + 1e6,
                f64::from(i.is_multiple_of(5)),
            ]
        };
        let mut t = TrialTable::new(
            names(&["count", "money", "three", "copy", "frac"]),
            names(&["f"]),
        );
        for i in 0..n {
            t.push_row(&col(i));
        }
        assert_eq!(t.trials, 20_000);
        let levels = [0.1, 0.5, 0.9];
        let s = summarise(&t, "s", 1, 0.1, 0.9);
        for (j, (name, m)) in s.metrics.iter().enumerate() {
            let exact: Vec<f64> = (0..n).map(|i| col(i)[j]).filter(|x| !x.is_nan()).collect();
            let (mean, sd) = mean_sd(&exact);
            let q = by_sorting(&exact, &levels);
            if name == "frac" {
                assert!(!t.store().is_exact(j));
                assert!((m.mean - mean).abs() <= 1e-12 * mean.abs(), "{name}");
                assert!((m.sd - sd).abs() <= 1e-9 * sd, "{name}");
                for (got, want) in [m.low, m.median, m.high].into_iter().zip(q) {
                    assert!(
                        (got - want).abs() <= 2.0 * F32_RELATIVE_ERROR * want.abs(),
                        "{name}"
                    );
                }
            } else {
                assert!(t.store().is_exact(j), "{name}");
                assert_eq!(
                    (m.mean, m.sd, m.mcse),
                    (mean, sd, sd / (exact.len() as f64).sqrt()),
                    "{name}"
                );
                assert_eq!([m.low, m.median, m.high].to_vec(), q, "{name}");
            }
        }
        assert_eq!(s.probabilities[0].1.p, 0.2);
        // Rows pushed one at a time leave the last 3,616 pending, so the copy is not known as
        // such; compacted as three blocks it is, and its figures are the copied column's.
        assert_eq!(t.store().copy_of(3), None);
        let rows: Vec<f64> = (0..n).flat_map(col).collect();
        let mut blocks = TrialTable::new(t.metric_names.clone(), t.flag_names.clone());
        for seg in rows.chunks(8192 * 6) {
            blocks.push_block(seg, &[]);
        }
        assert_eq!(blocks.store().copy_of(3), Some(0));
        let b = summarise(&blocks, "s", 1, 0.1, 0.9);
        assert_eq!(b.metrics[..4], s.metrics[..4]);
        assert_eq!(b.probabilities, s.probabilities);
    }
}
