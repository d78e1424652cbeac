//! Goal seek (`sibsim seek`): the smallest or largest value of one knob that meets a target on a
//! figure, by bisection on common random numbers.
//!
//! Every evaluation is a run of the same trials on the same seed, so the figure is a fixed
//! function of the knob (with feedback off and a contract whose payments move one way with the
//! knob, a monotone step function) and bisection converges on it exactly. The search:
//! 1. runs both ends of the range; the target must be met at one end and not the other (else:
//!    not bracketed, refused);
//! 2. halves the bracket, keeping the end that meets the target, until the bracket is narrower
//!    than the tolerance, or the figure at its two ends differs by less than one paired standard
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
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">=")]
    AtLeast,
}

/// The statistic a target reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStat {
    Mean,
    Quantile(f64),
}

/// A target: FIGURE <= X or FIGURE >= X.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub text: String,
    /// The metric or flag.
    pub column: String,
    pub stat: TargetStat,
    pub bound: Bound,
    pub value: f64,
}

impl Target {
    /// Whether `x` meets the target.
    /// Whether `x` meets the target, allowing a relative 1e-9 for rounding (a probability summed
    /// as a running mean reads 0.2000000000000001 for 2,000 of 10,000 trials).
    pub fn met(&self, x: f64) -> bool {
        let slack = 1e-9 * self.value.abs().max(1e-12);
        match self.bound {
            Bound::AtMost => x <= self.value + slack,
            Bound::AtLeast => x >= self.value - slack,
        }
    }
}

/// Parse a target against the columns (`metrics` then `flags`) a run has.
///
/// # Errors
/// No `<=`/`>=`, a value that is not a number, or a figure the run does not have (with the
/// closest names).
pub fn parse_target(text: &str, columns: &[String]) -> Result<Target, CompareError> {
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
    let value: f64 = rhs
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            bad(
                format!("\"{}\" is not a number", rhs.trim()),
                "expected a finite number after the comparison".into(),
            )
        })?;
    let name = lhs.trim();
    let (column, stat) = if columns.iter().any(|c| c == name) {
        (name.to_string(), TargetStat::Mean)
    } else {
        let stat = name.rsplit_once('.').and_then(|(head, s)| {
            let st = match s {
                "mean" => Some(TargetStat::Mean),
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
            let u = UnknownName::new("metric or flag", name, columns);
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
    Ok(Target {
        text: text.trim().to_string(),
        column,
        stat,
        bound,
        value,
    })
}

/// One run of a seek.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub value: f64,
    pub figure: f64,
    /// Monte Carlo SE of the figure (`null` when it cannot be estimated: fewer than 2 trials, or
    /// 320 for a quantile).
    pub se: Option<f64>,
    pub met: bool,
}

/// What a seek found.
#[derive(Debug, Clone, Serialize)]
pub struct SeekReport {
    pub schema: &'static str,
    pub scenario: String,
    pub knob: String,
    pub target: Target,
    /// `smallest` or `largest`: the value found is the smallest (largest) in the range meeting
    /// the target.
    pub direction: &'static str,
    pub range: [f64; 2],
    pub tolerance: f64,
    /// The value found: the end of the final bracket that meets the target.
    pub value: f64,
    pub achieved: f64,
    /// `null` when it cannot be estimated (as [`Point::se`]).
    pub achieved_se: Option<f64>,
    /// The other end of the final bracket, which does not meet the target.
    pub not_met_value: f64,
    pub not_met_figure: f64,
    pub evaluations: usize,
    /// Runs, including every block-share solve's.
    pub runs: usize,
    pub stopped_because: String,
    pub trials: u64,
    pub seed: u64,
    pub feedback: bool,
    /// Every value run, in the order run.
    pub points: Vec<Point>,
}

/// The figure of `target` in `col` with its Monte Carlo SE.
fn figure(target: &Target, col: &[f64]) -> (f64, f64) {
    match target.stat {
        TargetStat::Mean => {
            let (m, var, n) = paired::mean_var(col.iter().copied());
            (m, (var / n.max(1) as f64).sqrt())
        }
        TargetStat::Quantile(p) => (paired::quantile(col, p), paired::quantile_se(col, p)),
    }
}

fn diff(target: &Target, x: &[f64], y: &[f64]) -> Diff {
    match target.stat {
        TargetStat::Mean => paired::mean_diff(x, y),
        TargetStat::Quantile(p) => paired::quantile_diff(x, y, p),
    }
}

/// Seek the smallest or largest value of `knob` in `range` meeting `target`.
///
/// # Errors
/// A range that is empty or outside the knob's domain; a target not bracketed by the range; a
/// response that is not monotone; a run or solve that fails.
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
    for x in range {
        knob.check(x).map_err(|e| CompareError::Option {
            option: "--range".into(),
            problem: format!("{knob}={}", e.problem),
            valid: e.valid,
        })?;
    }
    let whole = matches!(knob, Knob::TariffThreshold(_));
    let eval = |x: f64| -> Result<(Vec<f64>, usize), CompareError> {
        let def = variant_at(knob, x, &base.plain, opts);
        let ev = evaluate(base, &def, setup, progress)?;
        let runs = ev.solve.as_ref().map_or(1, super::Solve::runs);
        let col = named(&ev.table, &target.column).ok_or_else(|| {
            CompareError::Seek(format!(
                "the run at {knob}={x} has no figure {}",
                target.column
            ))
        })?;
        Ok((col, runs))
    };
    let found = bisect(&knob.to_string(), range, tolerance, whole, target, eval)?;
    Ok(SeekReport {
        schema: "sibsim.seek/1",
        scenario: base.plain.name.clone(),
        knob: knob.to_string(),
        target: target.clone(),
        direction: found.direction,
        range,
        tolerance,
        value: found.value,
        achieved: found.achieved,
        achieved_se: found.achieved_se.is_finite().then_some(found.achieved_se),
        not_met_value: found.not_met_value,
        not_met_figure: found.not_met_figure,
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

/// What [`bisect`] found.
#[derive(Debug, Clone)]
pub struct Found {
    pub direction: &'static str,
    pub value: f64,
    pub achieved: f64,
    pub achieved_se: f64,
    pub not_met_value: f64,
    pub not_met_figure: f64,
    pub runs: usize,
    pub stopped_because: String,
    pub points: Vec<Point>,
}

/// The search of [`seek`] over any evaluation: `eval(x)` gives the per-trial values of the
/// target's column at `x` (on common random numbers) and the runs it took. `name` names the knob
/// in messages; `whole` keeps every value a whole number.
///
/// # Errors
/// An empty range or a tolerance that is not positive; the target not bracketed; a response that
/// is not monotone; an evaluation's error.
pub fn bisect(
    name: &str,
    range: [f64; 2],
    tolerance: f64,
    whole: bool,
    target: &Target,
    mut eval: impl FnMut(f64) -> Result<(Vec<f64>, usize), CompareError>,
) -> Result<Found, CompareError> {
    let [lo, hi] = range;
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return Err(CompareError::Option {
            option: "--range".into(),
            problem: format!("{lo},{hi}"),
            valid: "expected LOW,HIGH with LOW < HIGH".into(),
        });
    }
    if !(tolerance > 0.0 && tolerance.is_finite()) {
        return Err(CompareError::Option {
            option: "--tolerance".into(),
            problem: format!("{tolerance}"),
            valid: "expected a number > 0".into(),
        });
    }
    let mut runs = 0usize;
    let mut points: Vec<Point> = Vec::new();
    // Every column run, sorted by value, for the monotone check.
    let mut cols: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut run_at = |x: f64| -> Result<(f64, f64, Vec<f64>), CompareError> {
        let (col, r) = eval(x)?;
        runs += r;
        let (f, se) = figure(target, &col);
        points.push(Point {
            value: x,
            figure: f,
            se: se.is_finite().then_some(se),
            met: target.met(f),
        });
        let at = cols.partition_point(|c| c.0 < x);
        cols.insert(at, (x, col.clone()));
        check_monotone(name, target, &cols)?;
        Ok((f, se, col))
    };
    let (f_lo, se_lo, c_lo) = run_at(lo)?;
    let (f_hi, se_hi, c_hi) = run_at(hi)?;
    let (met_lo, met_hi) = (target.met(f_lo), target.met(f_hi));
    if met_lo == met_hi {
        let state = if met_lo {
            "met at both ends"
        } else {
            "met at neither end"
        };
        return Err(CompareError::Seek(format!(
            "the target {} is {state} of the range: {} is {f_lo} at {name} = {lo} and {f_hi} at {name} = {hi}; the search needs a range with the target met at one end only ({})",
            target.text,
            target.column,
            if met_lo {
                "the whole range meets it"
            } else {
                "it cannot be met in this range: widen --range, or it cannot be met at all"
            }
        )));
    }
    // good: the end meeting the target; bad: the other.
    let (direction, mut good, mut bad) = if met_hi {
        ("smallest", (hi, f_hi, se_hi, c_hi), (lo, f_lo, se_lo, c_lo))
    } else {
        ("largest", (lo, f_lo, se_lo, c_lo), (hi, f_hi, se_hi, c_hi))
    };
    let mut evaluations = 2;
    let stopped = loop {
        let width = (good.0 - bad.0).abs();
        if width <= tolerance || (whole && width <= 1.0) {
            break format!("the bracket is within the tolerance ({tolerance})");
        }
        let d = diff(target, &good.3, &bad.3);
        if d.se_paired.is_finite() && d.value.abs() < d.se_paired {
            break format!(
                "the figure at the two ends of the bracket differs by {:.3e}, less than the paired standard error of that difference ({:.3e}): the run's precision",
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
        let (f, se, col) = run_at(mid)?;
        evaluations += 1;
        if target.met(f) {
            good = (mid, f, se, col);
        } else {
            bad = (mid, f, se, col);
        }
    };
    Ok(Found {
        direction,
        value: good.0,
        achieved: good.1,
        achieved_se: good.2,
        not_met_value: bad.0,
        not_met_figure: bad.1,
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
    let (Some(first), Some(last)) = (cols.first(), cols.last()) else {
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
                target.column,
                figure(target, &w[0].1).0,
                w[0].0,
                figure(target, &w[1].1).0,
                w[1].0
            )));
        }
    }
    Ok(())
}

/// The default range of `knob` on `model`: block share 0..1, tariff scale 0..3, a field 0..2×
/// its current value (`None` when that is 0: the range must be given).
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
        Knob::Finance(t) => model.finance.as_ref().map(|f| match t {
            // Twice the rate, within the rate's domain [0, 1].
            FinanceTerm::InterestRate => f.interest_rate.min(0.5),
            FinanceTerm::Equity => f.equity,
            FinanceTerm::Loan => f.loan,
            FinanceTerm::Facility => f.facility,
            FinanceTerm::CashReserve => f.cash_reserve,
        }),
    }?;
    (current > 0.0).then_some([0.0, 2.0 * current])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        parse_target(text, &["loss".to_string(), "x".to_string()]).unwrap()
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

    #[test]
    fn finds_the_crossing_of_a_falling_response() {
        // mean = 1 − x/100: "loss <= 0.25" is met from x = 75 on.
        let t = target("loss <= 0.25");
        let f = bisect(
            "k",
            [0.0, 100.0],
            0.01,
            false,
            &t,
            response(|x| 1.0 - x / 100.0),
        )
        .unwrap();
        assert_eq!(f.direction, "smallest");
        assert!((f.value - 75.0).abs() <= 0.01, "{}", f.value);
        assert!(f.achieved <= 0.25 && f.not_met_figure > 0.25);
        assert!((f.value - f.not_met_value).abs() <= 0.01);
    }

    #[test]
    fn finds_the_largest_value_of_a_rising_response() {
        let t = target("x.mean <= 0.5");
        let f = bisect("k", [0.0, 1.0], 1e-3, false, &t, response(|x| x)).unwrap();
        assert_eq!(f.direction, "largest");
        assert!((f.value - 0.5).abs() <= 1e-3);
    }

    #[test]
    fn whole_numbers_stay_whole() {
        let t = target("loss >= 30");
        let f = bisect("k", [0.0, 100.0], 1.0, true, &t, response(|x| x)).unwrap();
        assert_eq!(f.value, 30.0);
        assert!(f.points.iter().all(|p| p.value.fract() == 0.0));
    }

    #[test]
    fn an_unbracketed_target_is_refused() {
        let t = target("loss <= -1");
        let e = bisect("k", [0.0, 1.0], 1e-3, false, &t, response(|x| x)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("met at neither end"), "{msg}");
        assert!(msg.contains("cannot be met"), "{msg}");
        let t = target("loss <= 5");
        let msg = bisect("k", [0.0, 1.0], 1e-3, false, &t, response(|x| x))
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
        let msg = bisect("k", [0.0, 1.0], 1e-3, false, &t, response(g))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("not monotone"), "{msg}");
    }

    #[test]
    fn targets_parse_with_statistics_and_are_refused_clearly() {
        let cols = [
            "site.a.provider_loss".to_string(),
            "investor.irr".to_string(),
        ];
        let t = parse_target("site.a.provider_loss <= 0.10", &cols).unwrap();
        assert_eq!(
            (t.bound, t.stat, t.value),
            (Bound::AtMost, TargetStat::Mean, 0.10)
        );
        let t = parse_target("investor.irr.p10>=0.02", &cols).unwrap();
        assert_eq!(t.stat, TargetStat::Quantile(0.1));
        assert_eq!(t.bound, Bound::AtLeast);
        for bad in [
            "investor.irr = 0.1",
            "investor.irr <= x",
            "investor.ir <= 0.1",
        ] {
            assert!(parse_target(bad, &cols).is_err(), "{bad}");
        }
        let msg = parse_target("investor.ir <= 0.1", &cols)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("investor.irr"), "{msg}");
    }
}
