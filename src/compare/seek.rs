//! Goal seek (`sibsim seek`): the smallest or largest value of one knob that meets a target on a
//! figure, by bisection on common random numbers.
//!
//! Every evaluation is a run of the same trials on the same seed, so the figure is a fixed
//! function of the knob (with feedback off and a contract whose payments move one way with the
//! knob, a monotone step function) and bisection converges on it exactly. The search:
//! 1. runs both ends of the range; the target must be met at one end and not the other (else:
//!    not bracketed, refused);
//! 2. halves the bracket, keeping the end that meets the target, until the bracket is narrower
//!    than the tolerance, or the figure at its two ends differs by no more than one paired standard
//!    error — the run's precision: a narrower bracket would be noise;
//! 3. checks after every run that the figure is monotone over the values run, allowing
//!    [`MONOTONE_SES`] paired standard errors between neighbours; a response that turns back is
//!    refused.
//!
//! Targets read `FIGURE <= X` or `FIGURE >= X`. FIGURE is a metric or flag of the run (a flag
//! reads as its probability, a metric as its mean), optionally with a statistic: `.mean`,
//! `.p10`, `.p50`, `.p90` (any `.pNN`).

use serde::Serialize;

use super::figures::named;
use super::file::{variant_at, StructureOptions};
use super::knob::as_written;
use super::paired::{self, Diff};
use super::{evaluate, Base, CompareError, Knob, Progress, Setup};
use crate::lookup::UnknownName;

/// Most runs a seek may take.
pub const MAX_EVALUATIONS: usize = 40;
/// Paired SEs by which a figure may turn back between neighbouring values before the response
/// counts as not monotone.
pub const MONOTONE_SES: f64 = 2.0;

/// Which way a target bounds its figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Bound {
    /// `<=`: the figure must be at most the target's value.
    #[serde(rename = "<=")]
    AtMost,
    /// `>=`: the figure must be at least the target's value.
    #[serde(rename = ">=")]
    AtLeast,
}

/// The statistic a target reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStat {
    /// The mean of a metric.
    Mean,
    /// The share of trials in which a flag is set (its mean).
    Probability,
    /// A quantile of a metric at this level, 0–1 (`.p10` is 0.1).
    Quantile(f64),
}

/// A target: FIGURE <= X or FIGURE >= X.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The target as written, e.g. `investor.irr.p50 >= 0.05`.
    pub text: String,
    /// The metric or flag.
    pub column: String,
    /// The statistic of the column it reads.
    pub stat: TargetStat,
    /// Which way it bounds the figure.
    pub bound: Bound,
    /// The bound X, in the figure's unit.
    pub value: f64,
}

impl Target {
    /// Whether the target is a quantile of the investor's IRR, taken over all trials as `run`'s
    /// summary takes it (the column then holds [`paired::irr_rank_keys`]).
    fn ranked_irr(&self) -> bool {
        self.column == "investor.irr" && matches!(self.stat, TargetStat::Quantile(_))
    }

    /// Whether `x` meets the target, allowing a relative 1e-9 for rounding (a probability summed
    /// as a running mean reads 0.2000000000000001 for 2,000 of 10,000 trials).
    pub fn met(&self, x: f64) -> bool {
        let slack = 1e-9 * self.value.abs().max(1e-12);
        match self.bound {
            Bound::AtMost => x <= self.value + slack,
            Bound::AtLeast => x >= self.value - slack,
        }
    }

    /// The figure with its statistic, as printed: `site.a.provider_loss (probability)`,
    /// `engagements (mean)`, `investor.irr.p10`.
    pub fn figure(&self) -> String {
        match self.stat {
            TargetStat::Mean => format!("{} (mean)", self.column),
            TargetStat::Probability => format!("{} (probability)", self.column),
            TargetStat::Quantile(p) => format!("{}.p{}", self.column, (p * 100.0).round()),
        }
    }
}

/// Parse a target against the `metrics` and `flags` a run has (a flag reads as its probability,
/// a metric as its mean, either with `.pNN` as that quantile).
///
/// # Errors
/// No `<=`/`>=`, a value that is not a finite number, a figure the run does not have (with the
/// closest names), or a flag (a probability) bounded where it holds at every value or at none:
/// `<= X` with X < 0 or X ≥ 1, `>= X` with X ≤ 0 or X > 1.
pub fn parse_target(
    text: &str,
    metrics: &[String],
    flags: &[String],
) -> Result<Target, CompareError> {
    let columns: Vec<String> = metrics.iter().chain(flags).cloned().collect();
    let mean_of = |column: &str| {
        if flags.iter().any(|f| f == column) {
            TargetStat::Probability
        } else {
            TargetStat::Mean
        }
    };
    let bad = |problem: String, valid: String| CompareError::Option {
        option: "--target".into(),
        problem,
        valid,
    };
    let (lhs, bound, rhs) = if let Some((l, r)) = text.split_once("<=") {
        (l, Bound::AtMost, r)
    } else if let Some((l, r)) = text.split_once(">=") {
        (l, Bound::AtLeast, r)
    } else {
        return Err(bad(
            format!("\"{text}\" has no <= or >="),
            "expected FIGURE <= X or FIGURE >= X, e.g. \"site.haringey.provider_loss <= 0.10\""
                .into(),
        ));
    };
    let written = rhs.trim();
    let value: f64 = match written.parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        Ok(_) => {
            return Err(bad(
                format!("\"{written}\" is not a finite number"),
                "expected a finite number after the comparison".into(),
            ))
        }
        Err(_) => {
            return Err(bad(
                format!("\"{written}\" is not a number"),
                "expected a finite number after the comparison".into(),
            ))
        }
    };
    let name = lhs.trim();
    let (column, stat) = if columns.iter().any(|c| c == name) {
        (name.to_string(), mean_of(name))
    } else {
        let stat = name.rsplit_once('.').and_then(|(head, s)| {
            let st = match s {
                "mean" => Some(mean_of(head)),
                _ => s
                    .strip_prefix('p')
                    .and_then(|d| d.parse::<u32>().ok())
                    .filter(|&d| (1..100).contains(&d))
                    .map(|d| TargetStat::Quantile(f64::from(d) / 100.0)),
            }?;
            columns
                .iter()
                .any(|c| c == head)
                .then(|| (head.to_string(), st))
        });
        stat.ok_or_else(|| {
            let u = UnknownName::new("metric or flag", name, &columns);
            bad(
                format!("no figure {name}"),
                format!(
                    "expected a metric or flag of the run, optionally with .mean, .p10, .p50 or .p90{}",
                    if u.close.is_empty() {
                        String::new()
                    } else {
                        format!("; closest: {}", u.close.join(", "))
                    }
                ),
            )
        })?
    };
    let target = Target {
        text: text.trim().to_string(),
        column,
        stat,
        bound,
        value,
    };
    // A flag's figure (its probability, or a quantile of its 0s and 1s) lies in [0, 1]: a bound
    // it cannot cross is met at every value of the knob, or at none, and no search is needed.
    if flags.iter().any(|f| f == &target.column) {
        let op = match bound {
            Bound::AtMost => "<=",
            Bound::AtLeast => ">=",
        };
        let always = match bound {
            Bound::AtMost => value >= 1.0,
            Bound::AtLeast => value <= 0.0,
        };
        let never = match bound {
            Bound::AtMost => value < 0.0,
            Bound::AtLeast => value > 1.0,
        };
        if always || never {
            return Err(bad(
                format!(
                    "{}, from 0 to 1, so {op} {written} holds {}",
                    match stat {
                        TargetStat::Quantile(_) =>
                            format!("{} is a quantile of a flag", target.figure()),
                        _ => format!("{} is a probability", target.column),
                    },
                    if always {
                        "at every value of the knob"
                    } else {
                        "at no value of the knob"
                    }
                ),
                format!(
                    "expected a bound it can cross: {op} X with {}",
                    match bound {
                        Bound::AtMost => "0 ≤ X < 1",
                        Bound::AtLeast => "0 < X ≤ 1",
                    }
                ),
            ));
        }
    }
    Ok(target)
}

/// One run of a seek.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The knob's value run.
    pub value: f64,
    /// The target's figure at `value`; `null` when no trial defines it (see `note`).
    pub figure: Option<f64>,
    /// Monte Carlo SE of the figure; `null` when it cannot be estimated (see `note`).
    pub se: Option<f64>,
    /// Whether the figure meets the target at `value`.
    pub met: bool,
    /// Why `figure` or `se` is `null`, and the trials where the figure is undefined (left out);
    /// absent when there is nothing to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a seek found.
#[derive(Debug, Clone, Serialize)]
pub struct SeekReport {
    /// The schema name, `sibsim.seek/1`.
    pub schema: &'static str,
    /// The scenario's name.
    pub scenario: String,
    /// The knob searched, e.g. `block_share` or `tariffs.scale`.
    pub knob: String,
    /// What the value found must meet.
    pub target: Target,
    /// `smallest` or `largest`: the value found is the smallest (largest) in the range meeting
    /// the target.
    pub direction: &'static str,
    /// The range searched, lowest value first.
    pub range: [f64; 2],
    /// The bracket width at which the search stops.
    pub tolerance: f64,
    /// The value found: the end of the final bracket that meets the target.
    pub value: f64,
    /// How far the value found may be from where the target's true figure crosses its bound: the
    /// figure's Monte Carlo SE at it over the response's slope (`null`, with a `note`, when the
    /// values run show no slope). The bracket can be far narrower than this: common random numbers
    /// locate the crossing on *these* trials exactly. A block-share value's pilot adds about as
    /// much again (docs/compare.md).
    pub value_se: Option<f64>,
    /// The target's figure at the value found.
    pub achieved: f64,
    /// `null` when it cannot be estimated (`note` says why).
    pub achieved_se: Option<f64>,
    /// The other end of the final bracket, which does not meet the target.
    pub not_met_value: f64,
    /// `null` when no trial defines the figure there (`note` says so).
    pub not_met_figure: Option<f64>,
    /// Why `achieved_se` or `not_met_figure` is `null`, each part led by the field's name;
    /// absent when neither is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Values run by the search.
    pub evaluations: usize,
    /// Runs, including every block-share solve's.
    pub runs: usize,
    /// Why the search stopped: the bracket within the tolerance, the figure's ends within one paired SE, or the most evaluations.
    pub stopped_because: String,
    /// Trials of every run.
    pub trials: u64,
    /// Master seed of every run (common random numbers).
    pub seed: u64,
    /// Whether money fed back into delivery (distress, termination) in the runs.
    pub feedback: bool,
    /// Every value run, in the order run.
    pub points: Vec<Point>,
}

/// `x` to 6 significant digits, as short as it reads (`1e-4` as 0.0001, 10.000000000000002 as
/// 10); from 1e9 on and below 1e-5 in exponent form.
pub fn short(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let r = format!("{x:.5e}").parse::<f64>().unwrap_or(x);
    if r.abs() >= 1e9 || r.abs() < 1e-5 {
        format!("{r:e}")
    } else {
        format!("{r}")
    }
}

/// The figure of `target` in `col`, its Monte Carlo SE (NaN when it cannot be estimated) and
/// the trials that define it.
fn figure(target: &Target, col: &[f64]) -> (f64, f64, usize) {
    match target.stat {
        TargetStat::Mean | TargetStat::Probability => {
            let (m, var, n) = paired::mean_var(col.iter().copied());
            (m, (var / n.max(1) as f64).sqrt(), n)
        }
        TargetStat::Quantile(p) if target.ranked_irr() => (
            paired::irr_quantile(col, p),
            paired::irr_quantile_se(col, p),
            col.iter()
                .filter(|&&k| paired::irr_of_key(k).is_some())
                .count(),
        ),
        TargetStat::Quantile(p) => (
            paired::quantile(col, p),
            paired::quantile_se(col, p),
            col.iter().filter(|x| !x.is_nan()).count(),
        ),
    }
}

/// Why a point's figure or SE is missing, and the trials left out; `None` when all is there.
fn point_note(target: &Target, f: f64, se: f64, defined: usize, trials: usize) -> Option<String> {
    let mut notes = Vec::new();
    if defined < trials && target.ranked_irr() {
        notes.push(format!(
            "{} is undefined in {} of {trials} trials (capital losses, ranked below every IRR by \
             money multiple: the quantile is over all trials)",
            target.column,
            trials - defined
        ));
    } else if defined < trials {
        notes.push(format!(
            "{} is undefined in {} of {trials} trials, left out",
            target.column,
            trials - defined
        ));
    }
    if !f.is_finite() {
        notes.push("no figure: no trial defines it".to_string());
    } else if !se.is_finite() {
        notes.push(match target.stat {
            TargetStat::Quantile(_) => format!(
                "no Monte Carlo SE: a quantile's needs at least {} trials ({} batches of {})",
                paired::BATCHES * paired::MIN_BATCH_TRIALS,
                paired::BATCHES,
                paired::MIN_BATCH_TRIALS
            ),
            _ => "no Monte Carlo SE: it needs at least 2 trials defining the figure".to_string(),
        });
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

fn diff(target: &Target, x: &[f64], y: &[f64]) -> Diff {
    match target.stat {
        TargetStat::Mean | TargetStat::Probability => paired::mean_diff(x, y),
        TargetStat::Quantile(p) if target.ranked_irr() => paired::irr_quantile_diff(x, y, p),
        TargetStat::Quantile(p) => paired::quantile_diff(x, y, p),
    }
}

/// The default tolerance of a seek over `range`: a ten-thousandth of it, or 1 for a threshold
/// (a whole number).
pub fn default_tolerance(knob: &Knob, range: [f64; 2]) -> f64 {
    match knob {
        Knob::TariffThreshold(_) => 1.0,
        _ => (range[1] - range[0]) / 1e4,
    }
}

/// About how many evaluations a seek over `range` to `tolerance` takes: both ends, then one per
/// halving of the bracket until it is within the tolerance (whole numbers: within 1 too), at most
/// [`MAX_EVALUATIONS`]. Fewer when the run's precision stops it first.
pub fn expected_evaluations(range: [f64; 2], tolerance: f64, whole: bool) -> usize {
    let mut width = range[1] - range[0];
    let mut n = 2;
    while n < MAX_EVALUATIONS && width.is_finite() && width > tolerance && !(whole && width <= 1.0)
    {
        width = if whole {
            (width / 2.0).ceil()
        } else {
            width / 2.0
        };
        n += 1;
    }
    n
}

/// Check a seek's options on `model` before anything runs: both ends of `range` are values
/// `knob` can take there ([`Knob::check_on`]: `finance.loan` at most the facility,
/// `finance.facility` at least the loan; the ends suffice, a range being an interval), LOW <
/// HIGH, and the tolerance is a number > 0 and smaller than the range's width (one at least as
/// wide would stop the search at the two ends; for a knob taking whole numbers, a range 1 wide
/// takes any tolerance, its two ends being every value in it).
///
/// # Errors
/// The first of those that fails, naming `--range` or `--tolerance`.
pub fn check_search(
    knob: &Knob,
    range: [f64; 2],
    tolerance: f64,
    model: &crate::scenario::Model,
) -> Result<(), CompareError> {
    for x in range {
        knob.check_on(x, model).map_err(|e| CompareError::Option {
            option: "--range".into(),
            problem: format!("{knob}={}: {}", as_written(x), e.problem),
            valid: e.valid,
        })?;
    }
    check_bracket(range, tolerance, matches!(knob, Knob::TariffThreshold(_)))
}

/// LOW < HIGH, and a tolerance > 0 and smaller than the range's width. For a knob taking whole
/// numbers (`whole`) a range 1 wide is the exception: its two ends are every value in it, so any
/// tolerance finds the answer.
fn check_bracket([lo, hi]: [f64; 2], tolerance: f64, whole: bool) -> Result<(), CompareError> {
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return Err(CompareError::Option {
            option: "--range".into(),
            problem: format!("{lo},{hi}"),
            valid: "expected LOW,HIGH with LOW < HIGH".into(),
        });
    }
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(CompareError::Option {
            option: "--tolerance".into(),
            problem: format!("{tolerance}"),
            valid: "expected a number > 0".into(),
        });
    }
    let width = hi - lo;
    if tolerance >= width && !(whole && width <= 1.0) {
        return Err(CompareError::Option {
            option: "--tolerance".into(),
            problem: format!(
                "{} is at least as wide as the range {},{}: the search would stop at its two ends",
                as_written(tolerance),
                as_written(lo),
                as_written(hi)
            ),
            valid: format!(
                "expected a tolerance smaller than the range's width {}",
                as_written(width)
            ),
        });
    }
    Ok(())
}

/// Seek the smallest or largest value of `knob` in `range` meeting `target`.
///
/// # Errors
/// Options [`check_search`] refuses; a target not bracketed by the range; a response that is
/// not monotone; a run or solve that fails.
#[allow(clippy::too_many_arguments)]
pub fn seek(
    base: &Base,
    knob: &Knob,
    range: [f64; 2],
    tolerance: f64,
    target: &Target,
    opts: &StructureOptions,
    setup: &Setup,
    progress: Progress<'_>,
) -> Result<SeekReport, CompareError> {
    check_search(knob, range, tolerance, &base.plain)?;
    let eval = |x: f64| -> Result<(Vec<f64>, usize), CompareError> {
        let def = variant_at(knob, x, &base.plain, opts);
        let ev = evaluate(base, &def, setup, progress)?;
        let runs = ev.solve.as_ref().map_or(1, super::Solve::runs);
        let get = |name: &str| {
            named(&ev.table, name).ok_or_else(|| {
                CompareError::Seek(format!("the run at {knob}={x} has no figure {name}"))
            })
        };
        let col = get(&target.column)?;
        let col = if target.ranked_irr() {
            paired::irr_rank_keys(&col, &get("investor.multiple")?, &get("investor.returned")?)
        } else {
            col
        };
        Ok((col, runs))
    };
    let name = knob.to_string();
    let search = Search {
        name: &name,
        range,
        tolerance,
        whole: matches!(knob, Knob::TariffThreshold(_)),
        domain: knob.domain(&base.plain),
    };
    let found = bisect(&search, target, eval)?;
    let achieved_se = found.achieved_se.is_finite().then_some(found.achieved_se);
    let not_met_figure = found
        .not_met_figure
        .is_finite()
        .then_some(found.not_met_figure);
    let value_se = found.value_se.is_finite().then_some(found.value_se);
    let note: Vec<String> = [
        ("value_se", value_se.is_none(), &found.value_se_note),
        ("achieved_se", achieved_se.is_none(), &found.achieved_note),
        (
            "not_met_figure",
            not_met_figure.is_none(),
            &found.not_met_note,
        ),
    ]
    .into_iter()
    .filter(|(_, null, _)| *null)
    .map(|(field, _, n)| format!("{field}: {}", n.as_deref().unwrap_or("not estimated")))
    .collect();
    Ok(SeekReport {
        schema: "sibsim.seek/1",
        scenario: base.plain.name.clone(),
        knob: name,
        target: target.clone(),
        direction: found.direction,
        range,
        tolerance,
        value: found.value,
        value_se,
        achieved: found.achieved,
        note: (!note.is_empty()).then(|| note.join("; ")),
        achieved_se,
        not_met_value: found.not_met_value,
        not_met_figure,
        evaluations: found.points.len(),
        // The base's pilot run, for block-share evaluations.
        runs: found.runs + usize::from(*knob == Knob::BlockShare),
        stopped_because: found.stopped_because,
        trials: setup.trials,
        seed: setup.seed,
        feedback: setup.feedback,
        points: found.points,
    })
}

/// What [`bisect`] searches: the knob's name (for messages), the range, the tolerance, whether
/// values stay whole numbers, and the knob's whole domain (whether widening the range could
/// help when the target is met at neither end).
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    /// The knob's name, for messages.
    pub name: &'a str,
    /// The range searched, lowest value first.
    pub range: [f64; 2],
    /// The bracket width at which the search stops.
    pub tolerance: f64,
    /// Whether the knob's values are whole numbers (values run are rounded).
    pub whole: bool,
    /// The knob's whole domain, lowest value first.
    pub domain: [f64; 2],
}

/// What [`bisect`] found.
#[derive(Debug, Clone)]
pub struct Found {
    /// `smallest` or `largest`: which end of the range meeting the target was sought.
    pub direction: &'static str,
    /// The value found: the end of the final bracket that meets the target.
    pub value: f64,
    /// The target's figure at `value`.
    pub achieved: f64,
    /// Its Monte Carlo SE (NaN when it cannot be estimated).
    pub achieved_se: f64,
    /// The note of the point found ([`Point::note`]).
    pub achieved_note: Option<String>,
    /// The other end of the final bracket, which does not meet the target.
    pub not_met_value: f64,
    /// The target's figure there (NaN when no trial defines it).
    pub not_met_figure: f64,
    /// The note of the other end of the final bracket.
    pub not_met_note: Option<String>,
    /// How precisely `value` is located: `achieved_se` over the response's slope (NaN when the
    /// values run do not show the figure moving; `value_se_note` says why).
    pub value_se: f64,
    /// Why `value_se` is NaN, when it is.
    pub value_se_note: Option<String>,
    /// Runs, including every block-share solve's.
    pub runs: usize,
    /// Why the search stopped (see [`SeekReport::stopped_because`]).
    pub stopped_because: String,
    /// Every value run, in the order run.
    pub points: Vec<Point>,
}

/// How precisely the value found is located, from the figure's Monte Carlo SE at it and the
/// response's slope: over the values run, the nearest whose figure differs from the value found's
/// by more than [`SLOPE_SES`] paired SEs gives the slope (nearer ones differ by noise).
fn value_precision(target: &Target, good: &End, cols: &[(f64, Vec<f64>)]) -> (f64, Option<String>) {
    let (x, _, se, col, _) = good;
    if !se.is_finite() {
        return (
            f64::NAN,
            Some("no Monte Carlo SE of the figure at the value found".into()),
        );
    }
    let slope = cols
        .iter()
        .filter(|(v, _)| v != x)
        .filter_map(|(v, c)| {
            let d = diff(target, c, col);
            (d.se_paired.is_finite() && d.value.abs() > SLOPE_SES * d.se_paired)
                .then(|| ((v - x).abs(), d.value / (v - x)))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k);
    match slope {
        Some(k) if k != 0.0 => ((se / k).abs(), None),
        _ => (
            f64::NAN,
            Some(format!(
                "no value run moves the figure by more than {SLOPE_SES} paired SEs from the value found, so the slope is unknown"
            )),
        ),
    }
}

/// Monte Carlo SEs by which a figure must miss its bound, at both ends of the range, for a seek
/// to say the target cannot be met there; nearer, more trials may show it met.
pub const UNMET_SES: f64 = 2.0;

/// Whether figure `f`, with Monte Carlo SE `se`, misses `target`'s bound by more than
/// [`UNMET_SES`] SEs (false when either is unknown).
fn clearly_unmet(target: &Target, f: f64, se: f64) -> bool {
    let miss = match target.bound {
        Bound::AtMost => f - target.value,
        Bound::AtLeast => target.value - f,
    };
    se.is_finite() && miss > UNMET_SES * se
}

/// The decimal place of an SE's second significant figure, as the exponent `k` of 10^k, taken
/// after rounding (0.00996 rounds to 0.010, whose second figure is at 10⁻³); `None` for an SE of 0,
/// not finite, below 10⁻¹² or 10¹⁶ or more, which plain notation does not serve.
fn se_place(se: f64) -> Option<i32> {
    if !(se > 0.0 && se.is_finite()) {
        return None;
    }
    let e = se.log10().floor() as i32;
    // Rounded to 2 figures, an SE just below a power of ten becomes that power: one place up.
    let rounded = (se / 10f64.powi(e - 1)).round();
    let e = if rounded >= 100.0 { e + 1 } else { e };
    (-12..=15).contains(&e).then_some(e - 1)
}

/// A Monte Carlo SE as printed: to 2 significant figures (`0.0049`, `350`, `0.010`), or as
/// [`short`] gives it where plain notation does not serve (0, below 10⁻¹², 10¹⁶ or more).
pub fn short_se(se: f64) -> String {
    match se_place(se) {
        Some(k) => fixed(se, k),
        None => short(se),
    }
}

/// `x` rounded to a multiple of 10^k and printed with exactly the decimals that shows.
fn fixed(x: f64, k: i32) -> String {
    let scale = 10f64.powi(k);
    let r = (x / scale).round() * scale;
    let r = if r == 0.0 { 0.0 } else { r };
    format!("{r:.*}", (-k).max(0) as usize)
}

/// A figure and its Monte Carlo SE as printed: the SE to 2 significant figures and the figure to
/// the same decimal place (`0.603`, `0.028`), or both to 6 significant figures as [`short`] gives
/// them where that place does not serve: an SE of 0 or out of plain notation's reach, or a figure
/// that would need more than 15 significant figures at that place (beyond an f64's precision).
pub fn figure_and_se(f: f64, se: f64) -> (String, String) {
    match se_place(se) {
        Some(k) if f == 0.0 || (f.abs().log10().floor() as i32) - k < 15 => {
            (fixed(f, k), fixed(se, k))
        }
        _ => (short(f), short(se)),
    }
}

/// A figure with its Monte Carlo SE, as printed: [`figure_and_se`] (`0.603 ± 0.028`,
/// `1.00000 ± 0.00050`, `123460 ± 350`), or saying which is missing.
fn with_se(f: f64, se: f64) -> String {
    if !f.is_finite() {
        return "undefined (no trial defines it)".to_string();
    }
    if !se.is_finite() {
        return format!("{} (no Monte Carlo SE)", short(f));
    }
    let (f, se) = figure_and_se(f, se);
    format!("{f} ± {se}")
}

/// Paired SEs a figure must move by for the value's precision (`value_se`) to read a slope from
/// it.
pub const SLOPE_SES: f64 = 4.0;

/// One end of the bracket: value, figure, SE, per-trial column, note.
type End = (f64, f64, f64, Vec<f64>, Option<String>);

/// The search of [`seek`] over any evaluation: `eval(x)` gives the per-trial values of the
/// target's column at `x` (on common random numbers) and the runs it took.
///
/// # Errors
/// An empty range or a tolerance that is not positive; the target not bracketed; a response that
/// is not monotone; an evaluation's error.
pub fn bisect(
    search: &Search<'_>,
    target: &Target,
    mut eval: impl FnMut(f64) -> Result<(Vec<f64>, usize), CompareError>,
) -> Result<Found, CompareError> {
    let &Search {
        name,
        range,
        tolerance,
        whole,
        domain,
    } = search;
    check_bracket(range, tolerance, whole)?;
    let [lo, hi] = range;
    let mut runs = 0usize;
    let mut points: Vec<Point> = Vec::new();
    // Every column run, sorted by value, for the monotone check.
    let mut cols: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut run_at = |x: f64| -> Result<End, CompareError> {
        let (col, r) = eval(x)?;
        runs += r;
        let (f, se, defined) = figure(target, &col);
        let note = point_note(target, f, se, defined, col.len());
        points.push(Point {
            value: x,
            figure: f.is_finite().then_some(f),
            se: se.is_finite().then_some(se),
            met: target.met(f),
            note: note.clone(),
        });
        let at = cols.partition_point(|c| c.0 < x);
        cols.insert(at, (x, col.clone()));
        check_monotone(name, target, &cols)?;
        Ok((x, f, se, col, note))
    };
    let end_lo = run_at(lo)?;
    let end_hi = run_at(hi)?;
    let (f_lo, f_hi) = (end_lo.1, end_hi.1);
    let (met_lo, met_hi) = (target.met(f_lo), target.met(f_hi));
    if met_lo == met_hi {
        let at = |end: &End| format!("{} at {name} = {}", with_se(end.1, end.2), short(end.0));
        let figures = format!(
            "{} (± its Monte Carlo SE) is {} and {}",
            target.figure(),
            at(&end_lo),
            at(&end_hi)
        );
        // Not met at either end, but not clearly: more trials may show it met at one.
        let unclear: Vec<&End> = [&end_lo, &end_hi]
            .into_iter()
            .filter(|e| !met_lo && !clearly_unmet(target, e.1, e.2))
            .collect();
        if !unclear.is_empty() {
            let why = unclear
                .iter()
                .map(|e| {
                    if !e.1.is_finite() {
                        format!("at {name} = {} no trial defines it", short(e.0))
                    } else if e.2.is_finite() {
                        format!(
                            "at {name} = {} it is within {UNMET_SES} of its SEs of the bound {}",
                            short(e.0),
                            short(target.value)
                        )
                    } else {
                        format!("at {name} = {} its Monte Carlo SE is unknown", short(e.0))
                    }
                })
                .collect::<Vec<_>>()
                .join(", and ");
            return Err(CompareError::Seek(format!(
                "the target {} is not met on these trials at either end of the range: {figures}; {why}, so more trials may show it met there: run again with more --trials than {}",
                target.text,
                end_lo.3.len()
            )));
        }
        let state = if met_lo {
            "met at both ends"
        } else {
            "met at neither end"
        };
        let why = if met_lo {
            "the whole range meets it".to_string()
        } else if lo <= domain[0] && hi >= domain[1] {
            format!(
                "it cannot be met by {name} alone: the range is already every value {name} can take, {} to {}",
                short(domain[0]),
                short(domain[1])
            )
        } else {
            format!(
                "it cannot be met in this range: widen --range (within {} to {}, the values {name} can take), or it cannot be met at all",
                short(domain[0]),
                short(domain[1])
            )
        };
        return Err(CompareError::Seek(format!(
            "the target {} is {state} of the range: {figures}; the search needs a range with the target met at one end only ({why})",
            target.text,
        )));
    }
    // good: the end meeting the target; bad: the other.
    let (direction, mut good, mut bad) = if met_hi {
        ("smallest", end_hi, end_lo)
    } else {
        ("largest", end_lo, end_hi)
    };
    let mut evaluations = 2;
    let stopped = loop {
        let width = (good.0 - bad.0).abs();
        if width <= tolerance || (whole && width <= 1.0) {
            break format!("the bracket is within the tolerance ({})", short(tolerance));
        }
        let d = diff(target, &good.3, &bad.3);
        if d.se_paired.is_finite() && d.value.abs() <= d.se_paired {
            break format!(
                "the figure at the two ends of the bracket differs by {:.3e}, no more than the paired standard error of that difference ({:.3e}): the run's precision",
                d.value.abs(),
                d.se_paired
            );
        }
        if evaluations >= MAX_EVALUATIONS {
            break format!("the most evaluations a seek takes ({MAX_EVALUATIONS})");
        }
        let mut mid = 0.5 * (good.0 + bad.0);
        if whole {
            mid = mid.round();
        }
        let end = run_at(mid)?;
        evaluations += 1;
        if target.met(end.1) {
            good = end;
        } else {
            bad = end;
        }
    };
    let (value_se, value_se_note) = value_precision(target, &good, &cols);
    Ok(Found {
        value_se,
        value_se_note,
        direction,
        value: good.0,
        achieved: good.1,
        achieved_se: good.2,
        achieved_note: good.4,
        not_met_value: bad.0,
        not_met_figure: bad.1,
        not_met_note: bad.4,
        runs,
        stopped_because: stopped,
        points,
    })
}

/// Refuse a response that turns back: over the values run (sorted), the figure must move one
/// way — the way from the lowest value's to the highest's — allowing [`MONOTONE_SES`] paired
/// standard errors between neighbours.
fn check_monotone(
    name: &str,
    target: &Target,
    cols: &[(f64, Vec<f64>)],
) -> Result<(), CompareError> {
    // The direction from the lowest value to the highest whose figure is defined.
    let defined = |c: &&(f64, Vec<f64>)| figure(target, &c.1).0.is_finite();
    let (Some(first), Some(last)) = (cols.iter().find(defined), cols.iter().rev().find(defined))
    else {
        return Ok(());
    };
    let rising = figure(target, &last.1).0 >= figure(target, &first.1).0;
    for w in cols.windows(2) {
        let d = diff(target, &w[1].1, &w[0].1);
        let step = if rising { d.value } else { -d.value };
        let allowed = MONOTONE_SES * d.se_paired.max(0.0);
        if step < -allowed - 1e-12 {
            return Err(CompareError::Seek(format!(
                "{} is not monotone in {name} over the range searched: it is {} at {} and {} at {}, against its direction from one end of the range to the other (by more than {MONOTONE_SES} paired standard errors); bisection cannot be trusted: narrow --range to where it is monotone, or see its shape with `sibsim compare FILE --sweep {name}=…`",
                target.figure(),
                short(figure(target, &w[0].1).0),
                short(w[0].0),
                short(figure(target, &w[1].1).0),
                short(w[1].0)
            )));
        }
    }
    Ok(())
}

/// The default range of `knob` on `model`: block share 0..1, tariff scale 0..3, a field 0..2×
/// its current value (`None` when that is 0: the range must be given), but the facility stays at
/// least the loan: `finance.loan` 0..the lesser of twice the loan and the facility,
/// `finance.facility` the loan..twice the facility.
pub fn default_range(knob: &Knob, model: &crate::scenario::Model) -> Option<[f64; 2]> {
    use super::knob::FinanceTerm;
    use crate::scenario::{Limit, Pricing};
    let rules = &model.rules;
    let current = match knob {
        Knob::BlockShare => return Some([0.0, 1.0]),
        Knob::TariffScale | Knob::TariffScaleOf(_) | Knob::BlockScale(_) | Knob::CapScale(_) => {
            return Some([0.0, 3.0])
        }
        Knob::TariffAmount(n) => {
            model
                .tariffs
                .iter()
                .find(|t| &rules[t.rule] == n)
                .map(|t| match &t.pricing {
                    Pricing::Flat(a) => *a,
                    Pricing::Tiers(v) => v.first().map_or(0.0, |x| x.1),
                })
        }
        Knob::TariffThreshold(n) => model
            .tariffs
            .iter()
            .find(|t| &rules[t.rule] == n)
            .map(|t| t.threshold as f64),
        Knob::BlockAmount(n) => model
            .blocks
            .iter()
            .find(|b| &rules[b.rule] == n)
            .map(|b| b.amount),
        Knob::CapLevel(n) => model
            .caps
            .iter()
            .find(|c| &c.name == n)
            .map(|c| match c.limit {
                Limit::Money(m) => m,
                Limit::Events(e) => e as f64,
            }),
        Knob::Finance(t) => {
            let f = model.finance.as_ref()?;
            match t {
                // Twice the rate, within the rate's domain [0, 1].
                FinanceTerm::InterestRate => Some(f.interest_rate.min(0.5)),
                FinanceTerm::Equity => Some(f.equity),
                FinanceTerm::Loan => {
                    return (f.loan > 0.0).then_some([0.0, (2.0 * f.loan).min(f.facility)])
                }
                FinanceTerm::Facility => {
                    return (f.facility > 0.0).then_some([f.loan, 2.0 * f.facility])
                }
                FinanceTerm::CashReserve => Some(f.cash_reserve),
            }
        }
    }?;
    (current > 0.0).then_some([0.0, 2.0 * current])
}

#[cfg(test)]
mod tests {
    use super::super::knob::FinanceTerm;
    use super::*;

    fn target(text: &str) -> Target {
        parse_target(text, &["x".to_string()], &["loss".to_string()]).unwrap()
    }

    /// A search of knob `k` (domain 0 to 1,000) over `range`.
    fn search(range: [f64; 2], tolerance: f64, whole: bool) -> Search<'static> {
        Search {
            name: "k",
            range,
            tolerance,
            whole,
            domain: [0.0, 1000.0],
        }
    }

    /// A response whose per-trial values are `g(x)` ± 0.01 alternately, mean exactly g(x) (the same trials at every
    /// x: common random numbers).
    fn response(
        g: impl Fn(f64) -> f64,
    ) -> impl FnMut(f64) -> Result<(Vec<f64>, usize), CompareError> {
        move |x| {
            let v = g(x);
            Ok((
                (0..400)
                    .map(|t| v + if t % 2 == 0 { 0.01 } else { -0.01 })
                    .collect(),
                1,
            ))
        }
    }

    /// A bisection of the response 1 − x/100 over [0, 100] to within 0.01.
    fn falling(t: &Target) -> Found {
        bisect(
            &search([0.0, 100.0], 0.01, false),
            t,
            response(|x| 1.0 - x / 100.0),
        )
        .unwrap()
    }

    #[test]
    fn finds_the_crossing_of_a_falling_response() {
        // mean = 1 − x/100: "loss <= 0.25" is met from x = 75 on.
        let t = target("loss <= 0.25");
        let f = falling(&t);
        assert_eq!(f.direction, "smallest");
        assert!((f.value - 75.0).abs() <= 0.01, "{}", f.value);
        assert!(f.achieved <= 0.25 && f.not_met_figure > 0.25);
        assert!((f.value - f.not_met_value).abs() <= 0.01);
    }

    /// The value's precision is the figure's SE over the slope: here the SE of 400 values
    /// ±0.01 around the mean, sd 0.01·√(400/399), over the slope 1/100 of a linear response.
    #[test]
    fn the_value_is_located_to_its_se_over_the_slope() {
        let t = target("loss <= 0.25");
        let f = falling(&t);
        let se = 0.01 * (400.0f64 / 399.0).sqrt() / 20.0;
        let want = se / 0.01;
        assert!(
            (f.value_se - want).abs() < 1e-9 * want,
            "{} vs {want}",
            f.value_se
        );
        assert!(f.value_se_note.is_none());
        // A step from 0.6 to 0.4 at 50: the nearest value run across it, the bracket's other
        // end, gives the slope, so the crossing is located to the SE × the bracket ÷ 0.2.
        let t = target("loss <= 0.5");
        let step = |x: f64| if x < 50.0 { 0.6 } else { 0.4 };
        let f = bisect(&search([0.0, 100.0], 0.01, false), &t, response(step)).unwrap();
        let want = se * (f.value - f.not_met_value).abs() / 0.2;
        assert!(
            (f.value_se - want).abs() < 1e-6 * want,
            "{} vs {want}",
            f.value_se
        );
    }

    #[test]
    fn finds_the_largest_value_of_a_rising_response() {
        let t = target("x.mean <= 0.5");
        let f = bisect(&search([0.0, 1.0], 1e-3, false), &t, response(|x| x)).unwrap();
        assert_eq!(f.direction, "largest");
        assert!((f.value - 0.5).abs() <= 1e-3);
    }

    #[test]
    fn whole_numbers_stay_whole() {
        let t = target("x >= 30");
        let f = bisect(&search([0.0, 100.0], 1.0, true), &t, response(|x| x)).unwrap();
        assert_eq!(f.value, 30.0);
        assert!(f.points.iter().all(|p| p.value.fract() == 0.0));
    }

    #[test]
    fn an_unbracketed_target_is_refused() {
        let t = target("x <= -1");
        let e = bisect(&search([0.0, 1.0], 1e-3, false), &t, response(|x| x)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("met at neither end"), "{msg}");
        assert!(msg.contains("cannot be met"), "{msg}");
        let t = target("x <= 5");
        let msg = bisect(&search([0.0, 1.0], 1e-3, false), &t, response(|x| x))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("met at both ends"), "{msg}");
    }

    #[test]
    fn a_response_that_turns_back_is_refused() {
        // Falls from 1 to 0 over [0, 1] but rises again in between: a bump at 0.5.
        let t = target("loss <= 0.3");
        let g = |x: f64| {
            if (0.4..0.6).contains(&x) {
                2.0
            } else {
                1.0 - x
            }
        };
        let msg = bisect(&search([0.0, 1.0], 1e-3, false), &t, response(g))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("not monotone"), "{msg}");
    }

    #[test]
    fn targets_parse_with_statistics_and_are_refused_clearly() {
        let metrics = ["investor.irr".to_string()];
        let flags = ["site.a.provider_loss".to_string()];
        let t = parse_target("site.a.provider_loss <= 0.10", &metrics, &flags).unwrap();
        assert_eq!(
            (t.bound, t.stat, t.value),
            (Bound::AtMost, TargetStat::Probability, 0.10)
        );
        assert_eq!(t.figure(), "site.a.provider_loss (probability)");
        let t = parse_target("investor.irr.p10>=0.02", &metrics, &flags).unwrap();
        assert_eq!(t.stat, TargetStat::Quantile(0.1));
        assert_eq!(t.bound, Bound::AtLeast);
        assert_eq!(t.figure(), "investor.irr.p10");
        let t = parse_target("investor.irr.mean >= 0", &metrics, &flags).unwrap();
        assert_eq!(t.figure(), "investor.irr (mean)");
        for bad in [
            "investor.irr = 0.1",
            "investor.irr <= x",
            "investor.ir <= 0.1",
        ] {
            assert!(parse_target(bad, &metrics, &flags).is_err(), "{bad}");
        }
        let msg = parse_target("investor.ir <= 0.1", &metrics, &flags)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("investor.irr"), "{msg}");
    }

    #[test]
    fn the_hint_for_an_unmet_target_depends_on_the_knobs_domain() {
        // Never met: the figure is x ≥ 0 everywhere.
        let t = target("x <= -1");
        let whole_domain = bisect(&search([0.0, 1000.0], 1.0, false), &t, response(|x| x))
            .unwrap_err()
            .to_string();
        assert!(
            whole_domain.ends_with("(it cannot be met by k alone: the range is already every value k can take, 0 to 1000)"),
            "{whole_domain}"
        );
        assert!(!whole_domain.contains("widen"), "{whole_domain}");
        let part = bisect(&search([0.0, 1.0], 1e-3, false), &t, response(|x| x))
            .unwrap_err()
            .to_string();
        assert!(
            part.ends_with("(it cannot be met in this range: widen --range (within 0 to 1000, the values k can take), or it cannot be met at all)"),
            "{part}"
        );
        assert!(
            part.contains("x (mean) (± its Monte Carlo SE) is "),
            "{part}"
        );
        // The SE of 400 values ±0.01 around their mean: 0.01 × √(400/399) / 20.
        assert!(
            part.contains(" at k = 0 and 1.00000 ± 0.00050 at k = 1;"),
            "{part}"
        );
    }

    /// A figure ± SE as printed: the SE to 2 significant figures, the figure to its place.
    #[test]
    fn a_figure_is_printed_to_its_standard_error() {
        assert_eq!(with_se(0.515, 0.0354281), "0.515 ± 0.035");
        assert_eq!(with_se(0.60333333, 0.0282), "0.603 ± 0.028");
        assert_eq!(with_se(123456.7, 345.2), "123460 ± 350");
        assert_eq!(with_se(-0.00001, 0.0354), "0.000 ± 0.035");
        assert_eq!(with_se(2.5, 0.0), "2.5 ± 0");
        assert_eq!(with_se(0.3, f64::NAN), "0.3 (no Monte Carlo SE)");
        assert_eq!(with_se(f64::NAN, 0.1), "undefined (no trial defines it)");
        assert_eq!(short_se(0.00489922), "0.0049");
        assert_eq!(short_se(0.0210581), "0.021");
        assert_eq!(short_se(345.2), "350");
        assert_eq!(short_se(0.0), "0");
        // Rounding up to a power of ten keeps 2 figures: 0.00996 → 0.010, 0.996 → 1.0.
        assert_eq!(short_se(0.00996), "0.010");
        assert_eq!(short_se(0.996), "1.0");
        assert_eq!(with_se(0.51234, 0.00996), "0.512 ± 0.010");
        // A tiny SE beside a large figure: no digits beyond an f64's precision.
        assert_eq!(with_se(123456789.123456, 1e-10), "123457000 ± 1e-10");
        assert_eq!(
            figure_and_se(0.6, 0.00489922),
            ("0.6000".into(), "0.0049".into())
        );
    }

    /// Not met at either end, but one end within 2 SEs of the bound (or with no SE): the refusal
    /// says so, shows each end's figure ± SE and asks for more trials, and claims nothing about
    /// what the knob can do; clearly missed at both ends, it keeps the stronger wording.
    #[test]
    fn a_target_missed_by_noise_is_not_met_on_these_trials() {
        // mean 0.5 − 0.0002x over k's whole domain, 0 to 1000: 0.3 at 1000; SE 0.01 × √(400/399)
        // / 20 = 0.000500626 at every value.
        let g = |x: f64| 0.5 - 0.0002 * x;
        let se = 0.01 * (400.0f64 / 399.0).sqrt() / 20.0;
        let whole = |t: &str| {
            bisect(&search([0.0, 1000.0], 1.0, false), &target(t), response(g))
                .unwrap_err()
                .to_string()
        };
        // 0.3 misses 0.2995 by 1 SE.
        let msg = whole("loss <= 0.2995");
        assert_eq!(
            msg,
            "the target loss <= 0.2995 is not met on these trials at either end of the range: loss (probability) (± its Monte Carlo SE) is 0.50000 ± 0.00050 at k = 0 and 0.30000 ± 0.00050 at k = 1000; at k = 1000 it is within 2 of its SEs of the bound 0.2995, so more trials may show it met there: run again with more --trials than 400"
        );
        assert!(((0.3 - 0.2995) / se) < UNMET_SES);
        // Just beyond 2 SEs at the nearer end: the range is every value k takes, so "cannot".
        let bound = 0.3 - 2.01 * se;
        let msg = whole(&format!("loss <= {bound}"));
        assert!(msg.contains("is met at neither end"), "{msg}");
        assert!(msg.contains("(it cannot be met by k alone"), "{msg}");
        // Within 2 SEs at 2.0 SE less a hair, the other side of the line.
        let msg = whole(&format!("loss <= {}", 0.3 - 1.99 * se));
        assert!(msg.contains("not met on these trials"), "{msg}");
        assert!(!msg.contains("cannot be met"), "{msg}");
        // A ">=" target missed at the low end's side: the same rule, the other way.
        let msg = whole("loss >= 0.5004");
        assert!(
            msg.contains("at k = 0 it is within 2 of its SEs of the bound 0.5004"),
            "{msg}"
        );
        // One trial: no SE at either end, so neither end is clearly missed.
        let msg = bisect(
            &search([0.0, 1000.0], 1.0, false),
            &target("loss <= 0.1"),
            trials(1, 0, g),
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains(
                "0.51 (no Monte Carlo SE) at k = 0 and 0.31 (no Monte Carlo SE) at k = 1000"
            ),
            "{msg}"
        );
        assert!(msg.contains("; at k = 0 its Monte Carlo SE is unknown, and at k = 1000 its Monte Carlo SE is unknown, so more trials may show it met there: run again with more --trials than 1"), "{msg}");
    }

    /// A flag's figure lies in [0, 1]: a bound it cannot cross is refused when the target is read.
    #[test]
    fn a_probability_bounded_where_it_cannot_cross_is_refused_at_parse_time() {
        let metrics = ["x".to_string()];
        let flags = ["loss".to_string()];
        let parse = |t: &str| parse_target(t, &metrics, &flags);
        assert_eq!(
            parse("loss <= 1.5").unwrap_err().to_string(),
            "invalid --target: loss is a probability, from 0 to 1, so <= 1.5 holds at every value of the knob; expected a bound it can cross: <= X with 0 ≤ X < 1"
        );
        assert_eq!(
            parse("loss >= -0.1").unwrap_err().to_string(),
            "invalid --target: loss is a probability, from 0 to 1, so >= -0.1 holds at every value of the knob; expected a bound it can cross: >= X with 0 < X ≤ 1"
        );
        assert_eq!(
            parse("loss.p90 >= 1.2").unwrap_err().to_string(),
            "invalid --target: loss.p90 is a quantile of a flag, from 0 to 1, so >= 1.2 holds at no value of the knob; expected a bound it can cross: >= X with 0 < X ≤ 1"
        );
        for never_or_always in [
            "loss <= -0.01",
            "loss <= 1",
            "loss >= 0",
            "loss.mean >= 1.01",
        ] {
            assert!(parse(never_or_always).is_err(), "{never_or_always}");
        }
        for fine in [
            "loss <= 0",
            "loss <= 0.999",
            "loss >= 1",
            "loss >= 0.001",
            "x <= 1.5",
            "x >= -0.1",
        ] {
            assert!(parse(fine).is_ok(), "{fine}");
        }
        assert_eq!(
            parse("loss <= 1e400").unwrap_err().to_string(),
            "invalid --target: \"1e400\" is not a finite number; expected a finite number after the comparison"
        );
    }

    #[test]
    fn a_tolerance_as_wide_as_the_range_is_refused() {
        let m = mhep1();
        assert_eq!(
            check_search(&Knob::BlockShare, [0.0, 1.0], 1.0, &m)
                .unwrap_err()
                .to_string(),
            "invalid --tolerance: 1 is at least as wide as the range 0,1: the search would stop at its two ends; expected a tolerance smaller than the range's width 1"
        );
        assert_eq!(
            check_search(&Knob::TariffScale, [0.5, 2.0], f64::INFINITY, &m)
                .unwrap_err()
                .to_string(),
            "invalid --tolerance: inf is at least as wide as the range 0.5,2: the search would stop at its two ends; expected a tolerance smaller than the range's width 1.5"
        );
        check_search(&Knob::BlockShare, [0.0, 1.0], 0.999, &m).unwrap();
        // A threshold's range 1 wide: its two ends are all its values, so any tolerance finds
        // the answer; wider, the rule holds.
        let threshold = Knob::TariffThreshold("t".into());
        check_search(&threshold, [5.0, 6.0], 1.0, &m).unwrap();
        assert!(check_search(&threshold, [5.0, 8.0], 3.0, &m).is_err());
        // bisect checks it too.
        let t = target("loss <= 0.25");
        assert!(bisect(&search([0.0, 1.0], 2.0, false), &t, response(|x| x)).is_err());
    }

    /// `n` trials of `g(x)` ± 0.01 alternately, the first `undefined` of them NaN.
    fn trials(
        n: usize,
        undefined: usize,
        g: impl Fn(f64) -> f64,
    ) -> impl FnMut(f64) -> Result<(Vec<f64>, usize), CompareError> {
        move |x| {
            let v = g(x);
            let col = (0..n)
                .map(|t| {
                    if t < undefined {
                        f64::NAN
                    } else {
                        v + if t % 2 == 0 { 0.01 } else { -0.01 }
                    }
                })
                .collect();
            Ok((col, 1))
        }
    }

    #[test]
    fn a_missing_figure_or_se_says_why() {
        // One trial: a figure but no SE.
        let t = target("loss <= 0.25");
        let f = bisect(
            &search([0.0, 100.0], 1.0, false),
            &t,
            trials(1, 0, |x| 1.0 - x / 100.0),
        )
        .unwrap();
        assert!(f.achieved_se.is_nan());
        assert_eq!(
            f.achieved_note.as_deref(),
            Some("no Monte Carlo SE: it needs at least 2 trials defining the figure")
        );
        assert!(f.value_se.is_nan());
        assert_eq!(
            f.value_se_note.as_deref(),
            Some("no Monte Carlo SE of the figure at the value found")
        );
        for p in &f.points {
            assert!(p.figure.is_some() && p.se.is_none(), "{p:?}");
            assert_eq!(p.note, f.achieved_note);
        }
        // A quantile on 100 trials, 10 of them undefined: no SE (batch means need 320).
        let t = target("x.p50 <= 0.25");
        let f = bisect(
            &search([0.0, 100.0], 1.0, false),
            &t,
            trials(100, 10, |x| 1.0 - x / 100.0),
        )
        .unwrap();
        assert_eq!(
            f.points[0].note.as_deref(),
            Some("x is undefined in 10 of 100 trials, left out; no Monte Carlo SE: a quantile's needs at least 320 trials (32 batches of 10)")
        );
        // No trial defines the figure at the end that does not meet the target.
        let t = target("x >= 0.5");
        let f = bisect(&search([0.0, 1.0], 0.1, false), &t, |x: f64| {
            let v = if x == 0.0 { f64::NAN } else { x };
            Ok((vec![v; 400], 1))
        })
        .unwrap();
        assert!(f.points[0].figure.is_none());
        assert_eq!(
            f.points[0].note.as_deref(),
            Some("x is undefined in 400 of 400 trials, left out; no figure: no trial defines it")
        );
        let with_se = f.points.iter().filter(|p| p.note.is_none()).count();
        assert_eq!(with_se, f.points.len() - 1, "{:?}", f.points);
    }

    #[test]
    fn numbers_print_short() {
        assert_eq!(short(100_000.0 * 1e-4), "10");
        assert_eq!(short(1e-4), "0.0001");
        assert_eq!(short(3.0 * 1e-4), "0.0003");
        assert_eq!(short(0.599_999_999_999_997_9), "0.6");
        assert_eq!(short(143_100.0), "143100");
        assert_eq!(short(0.437_316_894_531_25), "0.437317");
        assert_eq!(short(1e12), "1e12");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(6.776_263_578_034_403e-21), "6.77626e-21");
        assert_eq!(default_tolerance(&Knob::BlockShare, [0.0, 1.0]), 1e-4);
        assert_eq!(
            default_tolerance(&Knob::BlockAmount("b".into()), [100_000.0, 200_000.0]),
            10.0
        );
    }

    #[test]
    fn expected_evaluations_count_the_halvings() {
        // [0, 1] to 1e-4: 2^-14 ≈ 6.1e-5 is the first width within it, so 2 ends + 14 halvings.
        assert_eq!(expected_evaluations([0.0, 1.0], 1e-4, false), 16);
        // Whole numbers over 100: 100 → 50 → 25 → 13 → 7 → 4 → 2 → 1, 7 halvings.
        assert_eq!(expected_evaluations([0.0, 100.0], 1.0, true), 9);
        assert_eq!(
            expected_evaluations([0.0, 1.0], 1e-300, false),
            MAX_EVALUATIONS
        );
        // The bisection itself takes as many on a response that never stops it early.
        let t = target("x.mean <= 0.3");
        let f = bisect(&search([0.0, 1.0], 1e-4, false), &t, response(|x| x)).unwrap();
        assert_eq!(f.points.len(), 16);
    }

    fn mhep1() -> crate::scenario::Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mhep1.toml");
        crate::scenario::load(&path).unwrap()
    }

    #[test]
    fn loan_and_facility_ranges_keep_the_facility_at_least_the_loan() {
        // MHEP 1: loan £360,000, facility £360,000.
        let m = mhep1();
        let loan = Knob::Finance(FinanceTerm::Loan);
        let facility = Knob::Finance(FinanceTerm::Facility);
        assert_eq!(default_range(&loan, &m), Some([0.0, 360_000.0]));
        assert_eq!(default_range(&facility, &m), Some([360_000.0, 720_000.0]));
        for (k, r) in [
            (&loan, [0.0, 360_000.0]),
            (&facility, [360_000.0, 720_000.0]),
        ] {
            check_search(k, r, 1.0, &m).unwrap();
        }
        let msg = check_search(&loan, [0.0, 400_000.0], 1.0, &m)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "invalid --range: finance.loan=400000: a loan of £400000 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)");
        let msg = check_search(&facility, [300_000.0, 500_000.0], 1.0, &m)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "invalid --range: finance.facility=300000: a facility of £300000 is below the scenario's loan of £360000; expected finance.facility from the loan, £360000, up to 1e12 (the facility must stay ≥ the loan)");
        let msg = check_search(&loan, [0.0, 100.0], -1.0, &m)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "invalid --tolerance: -1; expected a number > 0");
    }
}
