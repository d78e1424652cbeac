//! The CSV exporter: a run's summary (`summary.csv`), its plan checks (`plan.csv`), every
//! trial's results (`trials.csv`) and the monthly series' fan (`monthly.csv`) as tables for
//! analysis elsewhere.
//!
//! `monthly.csv` has header `series,month,p<low>,p50,p<high>,mean` — the quantile columns named for
//! the run's levels (`p10,p50,p90` by default, `p2.5,p50,p97.5` for 0.025/0.975) — and one row
//! per series and month, series in record order, months in calendar order as `YYYY-MM`.
//! `backtest.csv` and `outside_view.csv` are the back-test's and the outside view's tables
//! ([`backtest_csv`], [`outside_view_csv`]). The other results have no CSV form.
//!
//! Numbers are rounded to the precision their unit can mean ([`crate::scenario::units`]: money to
//! pence, counts to 0.1, shares, rates, multiples and probabilities to 4 significant figures),
//! trailing zeros dropped (`12`, not `12.0`): each cell is within half its last printed digit of
//! the exact value, which `summary.json` keeps.

use std::io::{self, Write};

use ::csv::Writer;
use rayon::prelude::*;

use super::{Exporter, Report, ReportError};
use crate::analysis::monthly::MonthlySummary;
use crate::analysis::plan::PlanCheck;
use crate::analysis::replicates::Errors;
use crate::analysis::{Summary, TrialTable};
use crate::scenario::units::Unit;

/// Comma-separated tables with a header row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl Exporter for Csv {
    fn format(&self) -> &'static str {
        "CSV"
    }

    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError> {
        match report {
            Report::Run(r) => summary_rows(&r.summary, Some(&r.errors.metrics), &r.units),
            Report::Plan(p) => plan_csv(p),
            Report::Trials(t) => trials_csv(t),
            Report::Monthly(m) => monthly_csv(m),
            Report::Backtest(b) => backtest_csv(b),
            Report::OutsideView(o) => outside_view_csv(o),
            _ => Err(self.unsupported(report)),
        }
    }
}

/// The summary as CSV with header `name,kind,unit,mean,sd,mcse,p<low>,p50,p<high>,note` — the
/// quantile columns named for the summary's levels (`p10,p50,p90` by default, `p5,p50,p95` for
/// 0.05/0.95).
///
/// One row per metric (`kind` = `metric`), then one per probability (`kind` = `probability`),
/// each in table order. `unit` is the figure's unit ([`Unit::name`]: `count`, `GBP`,
/// `fraction/year`, …; `probability` for a probability). A probability row has its p in `mean`
/// and its Monte Carlo standard error in `mcse`; its other cells are empty. Numbers are rounded
/// by unit ([`units`](crate::scenario::units): money to pence, counts to 0.1, ratios and probabilities to 4
/// significant figures; spreads and errors to at least 4); `summary.json` has the exact values.
///
/// A run's `summary.csv` has three more columns, `mcse_p<low>,mcse_p50,mcse_p<high>`: the Monte
/// Carlo standard errors of the quantiles (see
/// [`analysis::replicates`](crate::analysis::replicates); empty where undefined, and in
/// probability rows), before `note`.
///
/// `note` is empty unless the metric has notes ([`Summary::notes`]): then `figure: text`, joined
/// by `; `, the figure named as its column (`p10: …`) — why a figure is undefined (an empty cell)
/// or what it is over, e.g. the IRR's P10 falling among the trials with no IRR.
///
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn summary_csv(summary: &Summary) -> Result<Vec<u8>, ReportError> {
    let units: Vec<Unit> = summary
        .metrics
        .iter()
        .map(|(n, _)| Unit::of_metric(n))
        .collect();
    summary_rows(summary, None, &units)
}

/// [`summary_csv`], with the quantiles' errors (one per metric) when given, and each metric's
/// unit (by name where `units` has none).
fn summary_rows(
    summary: &Summary,
    errors: Option<&[Errors]>,
    units: &[Unit],
) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "summary";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    let levels = summary.quantiles.map(level);
    let mut header: Vec<String> = ["name", "kind", "unit", "mean", "sd", "mcse"]
        .map(String::from)
        .to_vec();
    header.extend(levels.iter().cloned());
    if errors.is_some() {
        header.extend(levels.iter().map(|l| format!("mcse_{l}")));
    }
    header.push("note".into());
    w.write_record(&header).map_err(err)?;
    // Grouped once: a run with few trials can have a note on every one of 10⁴ metrics.
    let mut notes_of: std::collections::HashMap<&str, Vec<&crate::analysis::summary::FigureNote>> =
        std::collections::HashMap::new();
    for n in &summary.notes {
        notes_of.entry(n.metric.as_str()).or_default().push(n);
    }
    for (j, (name, m)) in summary.metrics.iter().enumerate() {
        let unit = units
            .get(j)
            .copied()
            .unwrap_or_else(|| Unit::of_metric(name));
        let mut row = vec![
            name.clone(),
            "metric".into(),
            unit.name().into(),
            unit.cell(m.mean),
            unit.error_cell(m.sd),
            unit.error_cell(m.mcse),
            unit.cell(m.low),
            unit.cell(m.median),
            unit.cell(m.high),
        ];
        if let Some(errors) = errors {
            let e = errors.get(j).map_or([f64::NAN; 3], Errors::quantiles);
            // The error of an undefined quantile is undefined too.
            let figures = [m.low, m.median, m.high];
            row.extend(
                (0..3).map(|k| unit.error_cell(if figures[k].is_nan() { f64::NAN } else { e[k] })),
            );
        }
        let notes: Vec<String> = notes_of
            .get(name.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|n| {
                let figure = match n.figure {
                    "low" => levels[0].clone(),
                    "median" => levels[1].clone(),
                    "high" => levels[2].clone(),
                    "mcse_low" => format!("mcse_{}", levels[0]),
                    "mcse_median" => format!("mcse_{}", levels[1]),
                    "mcse_high" => format!("mcse_{}", levels[2]),
                    other => other.to_owned(),
                };
                format!("{figure}: {}", n.note)
            })
            .collect();
        row.push(notes.join("; "));
        w.write_record(&row).map_err(err)?;
    }
    let p_unit = Unit::Probability;
    for (name, p) in &summary.probabilities {
        let mut row = vec![
            name.clone(),
            "probability".into(),
            p_unit.name().into(),
            p_unit.cell(p.p),
            String::new(),
            p_unit.error_cell(p.mcse),
            String::new(),
            String::new(),
            String::new(),
        ];
        if errors.is_some() {
            row.extend([String::new(), String::new(), String::new()]);
        }
        row.push(p.unanimous_note(summary.trials).unwrap_or_default());
        w.write_record(&row).map_err(err)?;
    }
    finish(w, WHAT)
}

/// Every trial's results as CSV, from the values `table` holds (see
/// [`crate::engine::table::store`]: whole numbers exactly, other values at `f32` precision; a
/// run's `trials.csv` is streamed from the exact rows by [`TrialsCsv`] instead). The format is
/// [`TrialsCsv`]'s. The inputs come last when the table holds them for every trial.
///
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn trials_csv(table: &TrialTable) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "per-trial table";
    let err = |source: std::io::Error| ReportError::Csv {
        what: WHAT,
        source: source.into(),
    };
    let inputs = &table.inputs;
    let with_inputs = inputs.trials == table.trials && !inputs.names.is_empty();
    let input_names: &[String] = if with_inputs { &inputs.names } else { &[] };
    let mut w = TrialsCsv::new(Vec::new());
    w.header(&table.metric_names, &table.flag_names, input_names)
        .map_err(err)?;
    let width = table.width();
    let n_inputs = input_names.len();
    // A block of rows at a time: this table can hold millions of cells.
    let mut rows = Vec::new();
    let mut drawn = Vec::new();
    for first in (0..table.trials).step_by(ROWS_PER_WRITE) {
        let last = (first + ROWS_PER_WRITE).min(table.trials);
        rows.clear();
        drawn.clear();
        for t in first..last {
            rows.extend(table.row(t));
            if with_inputs {
                drawn.extend(inputs.row(t));
            }
        }
        w.rows(first, &rows, width, &drawn, n_inputs).map_err(err)?;
    }
    w.finish().map_err(err)
}

/// Rows formatted together before they are written, at most.
const ROWS_PER_WRITE: usize = 2048;
/// Rows one worker formats at a time.
const ROWS_PER_PIECE: usize = 256;

/// `trials.csv` written as the trials come, a segment of rows at a time, to any writer — during a
/// run, straight to the file (`sibsim run --per-trial`), so the text of a million trials is never
/// held in memory.
///
/// Header `trial,<metric names…>,<flag names…>,<input names…>` (names quoted where CSV needs
/// it), then one row per trial numbered from 0, flags as `0` or `1`, lines ending in `\n`. Each
/// value is rounded by its column's unit ([`Unit::of_metric`], [`Unit::of_input`]; whole numbers,
/// such as every count, exactly as they are); an undefined value (NaN: an IRR with no sign change, a cost per outcome with no
/// outcomes, a multiple with nothing invested) is an empty cell. Rows are formatted in parallel
/// (on the current rayon pool) and written in trial order, so the bytes do not depend on the
/// thread count.
#[derive(Debug)]
pub struct TrialsCsv<W: Write> {
    out: W,
    header: bool,
    /// The unit of each column after `trial`: metrics, flags, then inputs.
    units: Vec<Unit>,
}

impl<W: Write> TrialsCsv<W> {
    /// A writer of `trials.csv` to `out`; nothing is written until [`TrialsCsv::header`].
    pub fn new(out: W) -> TrialsCsv<W> {
        TrialsCsv {
            out,
            header: false,
            units: Vec::new(),
        }
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Whether the header has been written.
    pub fn has_header(&self) -> bool {
        self.header
    }

    /// Writes the header row.
    ///
    /// # Errors
    /// The writer's.
    pub fn header(
        &mut self,
        metrics: &[String],
        flags: &[String],
        inputs: &[String],
    ) -> io::Result<()> {
        let mut w = Writer::from_writer(Vec::new());
        let names = ["trial"].into_iter().chain(
            metrics
                .iter()
                .chain(flags)
                .chain(inputs)
                .map(String::as_str),
        );
        w.write_record(names).map_err(io::Error::other)?;
        let bytes = w
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        self.out.write_all(&bytes)?;
        self.header = true;
        self.units = metrics
            .iter()
            .map(|n| Unit::of_metric(n))
            .chain(flags.iter().map(|_| Unit::Count))
            .chain(inputs.iter().map(|n| Unit::of_input(n)))
            .collect();
        Ok(())
    }

    /// Writes the rows of trials `first..`: `rows` row-major, `width` values each (metrics, then
    /// flags), and `inputs` row-major, `n_inputs` each (empty when `n_inputs` is 0).
    ///
    /// # Errors
    /// The writer's.
    pub fn rows(
        &mut self,
        first: usize,
        rows: &[f64],
        width: usize,
        inputs: &[f64],
        n_inputs: usize,
    ) -> io::Result<()> {
        let n = rows.len() / width.max(1);
        let units = &self.units;
        for start in (0..n).step_by(ROWS_PER_WRITE) {
            let end = (start + ROWS_PER_WRITE).min(n);
            let pieces: Vec<Vec<u8>> = (start..end)
                .step_by(ROWS_PER_PIECE)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|from| {
                    let to = (from + ROWS_PER_PIECE).min(end);
                    let mut text = Vec::with_capacity((to - from) * (width + n_inputs) * 10);
                    for i in from..to {
                        let drawn = &inputs[i * n_inputs..(i + 1) * n_inputs];
                        format_row(
                            &mut text,
                            first + i,
                            &rows[i * width..(i + 1) * width],
                            drawn,
                            units,
                        );
                    }
                    text
                })
                .collect();
            for p in pieces {
                self.out.write_all(&p)?;
            }
        }
        Ok(())
    }

    /// Flushes and hands back the writer.
    ///
    /// # Errors
    /// The writer's, flushing.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One row of `trials.csv`: the trial's number, its values, its inputs, each rounded by its
/// column's unit (a column past `units` is written exactly).
fn format_row(text: &mut Vec<u8>, trial: usize, row: &[f64], inputs: &[f64], units: &[Unit]) {
    // Writing to a Vec cannot fail.
    let _ = write!(text, "{trial}");
    for (k, &x) in row.iter().chain(inputs).enumerate() {
        text.push(b',');
        // A whole number up to 2⁵³ prints as the integer it is, which every unit's rounding
        // leaves as it is, several times faster than the float formatting. −0 and larger
        // numbers are left to the unit's rounding.
        if x.abs() <= 9_007_199_254_740_992.0
            && (x as i64) as f64 == x
            && x.to_bits() != (-0.0f64).to_bits()
        {
            let _ = write!(text, "{}", x as i64);
        } else if let Some(unit) = units.get(k) {
            text.extend_from_slice(unit.cell(x).as_bytes());
        } else if !x.is_nan() {
            let _ = write!(text, "{x}");
        }
    }
    text.push(b'\n');
}

/// `plan.csv`: `metric,unit,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target`,
/// one row per plan figure. `unit` is the metric's ([`Unit::of_metric`]), which `plan` and
/// `derisked_target` are in (rounded by it); `percentile`, `p_meet` and `confidence` are
/// probabilities and `optimism_ratio` a number, to 4 significant figures (see
/// [`units`](crate::scenario::units)).
///
/// # Errors
/// [`ReportError::Csv`] if the writer fails (in memory, so in practice it does not).
pub fn plan_csv(checks: &[PlanCheck]) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "plan table";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "metric",
        "unit",
        "plan",
        "percentile",
        "p_meet",
        "optimism_ratio",
        "confidence",
        "derisked_target",
    ])
    .map_err(err)?;
    let p = Unit::Probability;
    for c in checks {
        let unit = Unit::of_metric(&c.metric);
        w.write_record([
            c.metric.clone(),
            unit.name().into(),
            unit.cell(c.plan),
            p.cell(c.percentile),
            p.cell(c.p_meet),
            Unit::Number.cell(c.optimism_ratio),
            p.cell(c.confidence),
            unit.cell(c.derisked_target),
        ])
        .map_err(err)?;
    }
    finish(w, WHAT)
}

/// `backtest.csv` (`sibsim backtest --out`): one row per actual, header
/// `metric,label,unit,actual,percentile,median,plan,plan_percentile,low_reading,low_percentile,high_reading,high_percentile,source,note,assumption`.
/// `unit` is the metric's (the first term's, for a sum), which `actual`, `median`, `plan` and the
/// readings are in; percentiles are probabilities. Cells without a value (no plan, no other
/// reading, no note) are empty.
///
/// # Errors
/// [`ReportError::Csv`] if the writer fails (in memory, so in practice it does not).
pub fn backtest_csv(b: &crate::analysis::backtest::Backtest) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "back-test";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "metric",
        "label",
        "unit",
        "actual",
        "percentile",
        "median",
        "plan",
        "plan_percentile",
        "low_reading",
        "low_percentile",
        "high_reading",
        "high_percentile",
        "source",
        "note",
        "assumption",
    ])
    .map_err(err)?;
    let p = Unit::Probability;
    for r in &b.actuals {
        let first = r.metric.split('+').next().unwrap_or(&r.metric).trim();
        let unit = Unit::of_metric(first);
        let opt = |u: Unit, x: Option<f64>| x.map_or(String::new(), |x| u.cell(x));
        let readings = r.readings.as_ref();
        w.write_record([
            r.metric.clone(),
            r.label.clone().unwrap_or_default(),
            unit.name().into(),
            unit.cell(r.actual),
            p.cell(r.percentile),
            unit.cell(r.median),
            opt(unit, r.plan),
            opt(p, r.plan_percentile),
            opt(unit, readings.and_then(|x| x.low)),
            opt(p, readings.and_then(|x| x.low_percentile)),
            opt(unit, readings.and_then(|x| x.high)),
            opt(p, readings.and_then(|x| x.high_percentile)),
            r.source.clone(),
            r.note.clone().unwrap_or_default(),
            readings.map(|x| x.assumption.clone()).unwrap_or_default(),
        ])
        .map_err(err)?;
    }
    finish(w, WHAT)
}

/// `outside_view.csv` (`sibsim outside-view --out`): one row per plan figure, header
/// `metric,unit,plan,outside_p<low>,outside_p50,outside_p<high>,inside_p<low>,inside_p50,inside_p<high>,disagree`
/// — the plan scaled by the reference class's actual/plan ratio at each level (the outside view)
/// and the simulation's quantiles (the inside view), in the metric's unit; `disagree` is `1` when
/// either view's median lies outside the other's interval. The reference cases and classes are
/// in `outside_view.json`.
///
/// # Errors
/// [`ReportError::Csv`] if the writer fails (in memory, so in practice it does not).
pub fn outside_view_csv(
    o: &crate::analysis::outside_view::OutsideViewReport,
) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "outside view";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    let levels = o.quantiles.map(level);
    let mut header: Vec<String> = vec!["metric".into(), "unit".into(), "plan".into()];
    header.extend(levels.iter().map(|l| format!("outside_{l}")));
    header.extend(levels.iter().map(|l| format!("inside_{l}")));
    header.push("disagree".into());
    w.write_record(&header).map_err(err)?;
    for v in &o.plan {
        let unit = Unit::of_metric(&v.metric);
        let mut row = vec![v.metric.clone(), unit.name().into(), unit.cell(v.plan)];
        row.extend(v.outside.iter().chain(&v.inside).map(|&x| unit.cell(x)));
        row.push(u8::from(v.disagree).to_string());
        w.write_record(&row).map_err(err)?;
    }
    finish(w, WHAT)
}

fn finish(w: Writer<Vec<u8>>, what: &'static str) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv {
        what,
        source: e.into_error().into(),
    })
}

/// "p10" for 0.1, "p2.5" for 0.025.
fn level(q: f64) -> String {
    // Rounded to 6 decimals first so that 0.1 × 100's binary error never shows.
    let s = format!("{:.6}", q * 100.0);
    format!("p{}", s.trim_end_matches('0').trim_end_matches('.'))
}

/// A figure of a monthly series in `unit`: the `f32` the series are stored in (see
/// `engine::record`), rounded by its unit; empty when undefined.
fn monthly_cell(unit: Unit, x: f64) -> String {
    unit.cell(f64::from(x as f32))
}

/// `monthly.csv` for `summary`.
///
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn monthly_csv(summary: &MonthlySummary) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "monthly series";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let [lo, mid, hi] = summary.quantiles.map(level);
    w.write_record(["series", "unit", "month", &lo, &mid, &hi, "mean"])
        .map_err(err)?;
    let h = summary.months.len();
    for (k, name) in summary.names.iter().enumerate() {
        let unit = Unit::of_metric(name);
        for (m, month) in summary.months.iter().enumerate() {
            let f = &summary.figures[k * h + m];
            w.write_record([
                name.as_str(),
                unit.name(),
                &month.to_string(),
                &monthly_cell(unit, f.low),
                &monthly_cell(unit, f.median),
                &monthly_cell(unit, f.high),
                &monthly_cell(unit, f.mean),
            ])
            .map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        what: WHAT,
        source: e.into_error().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{MetricSummary, Probability};

    #[test]
    fn summary_csv_exact_text() {
        let summary = Summary {
            scenario: "demo".into(),
            trials: 4,
            seed: 1,
            quantiles: [0.1, 0.5, 0.9],
            metrics: vec![(
                "payments.by_payer.sof".into(),
                MetricSummary {
                    mean: -42650.5,
                    sd: 12.0,
                    mcse: 6.0,
                    low: -42700.0,
                    median: -42650.0,
                    high: 0.1,
                },
            )],
            probabilities: vec![(
                "provider_loss".into(),
                Probability {
                    p: 0.25,
                    mcse: 0.21650635094610965,
                },
            )],
            notes: vec![crate::analysis::summary::FigureNote {
                metric: "payments.by_payer.sof".into(),
                figure: "low",
                note: "a note, with a comma".into(),
            }],
        };
        let text = String::from_utf8(summary_csv(&summary).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "name,kind,unit,mean,sd,mcse,p10,p50,p90,note\n\
             payments.by_payer.sof,metric,GBP,-42650.5,12,6,-42700,-42650,0.1,\"p10: a note, with a comma\"\n\
             provider_loss,probability,probability,0.25,,0.2165,,,,\n"
        );
    }

    #[test]
    fn plan_csv_exact_text_and_unsupported_kinds() {
        let checks = [PlanCheck {
            metric: "engagements".into(),
            plan: 30.0,
            percentile: 0.6,
            p_meet: 0.6,
            optimism_ratio: f64::NAN,
            confidence: 0.8,
            derisked_target: 18.0,
        }];
        let text =
            String::from_utf8(Csv.export(Report::Plan(&checks)).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "metric,unit,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target\n\
             engagements,count,30,0.6,0.6,,0.8,18\n"
        );
        let listing = crate::evidence::results::Listing {
            figures: vec![],
            source: "evidence".into(),
        };
        assert!(matches!(
            Csv.export(Report::Evidence(&listing)),
            Err(ReportError::Unsupported {
                format: "CSV",
                kind: "evidence listing"
            })
        ));
    }

    #[test]
    fn trials_csv_exact_text() {
        let mut t = TrialTable::new(
            vec![
                "engagements".into(),
                "investor.irr".into(),
                "site.x.provider.margin".into(),
                "a,b".into(),
            ],
            vec!["f".into()],
        );
        t.push_row(&[12.0, 0.0812345, -1234.567, 0.5, 1.0]);
        t.push_row(&[-3.0, 1e-7, 0.004, 2.26, 0.0]);
        let text = String::from_utf8(trials_csv(&t).expect("csv")).expect("utf8");
        // Counts as they are, the IRR to 4 significant figures, money to pence.
        assert_eq!(
            text,
            "trial,engagements,investor.irr,site.x.provider.margin,\"a,b\",f\n\
             0,12,0.08123,-1234.57,0.5,1\n\
             1,-3,0.0000001,0,2.3,0\n"
        );
    }

    #[test]
    fn trials_csv_cells_are_within_half_their_last_digit() {
        let awkward = [
            0.1 + 0.2,
            -1.0 / 3.0,
            std::f64::consts::PI * 1e12,
            5e-324,
            f64::MAX,
            -0.0,
            123456789.12345679,
            2.0f64.sqrt(),
            -42650.5,
        ];
        // Streamed as a run streams trials.csv, from exact rows: a count, money and a multiple.
        for name in ["x", "provider.margin", "investor.multiple"] {
            let mut w = TrialsCsv::new(Vec::new());
            w.header(&[name.into()], &[], &[]).expect("header");
            w.rows(0, &awkward, 1, &[], 0).expect("rows");
            let bytes = w.finish().expect("flushed");
            let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
            for (i, record) in reader.records().enumerate() {
                let record = record.expect("record");
                assert_eq!(&record[0], i.to_string());
                let cell = &record[1];
                let back = cell.parse::<f64>().expect("float");
                let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
                let half = 0.5 * 10f64.powi(-(decimals as i32));
                let x = awkward[i];
                assert!(
                    (back - x).abs() <= half + 4.0 * f64::EPSILON * x.abs() || back == x,
                    "{name}: {x} written {cell}"
                );
                if x.fract() == 0.0 {
                    assert_eq!(back, x, "{name}: a whole number is written exactly");
                }
            }
        }
    }

    /// `trials.csv` as sibsim wrote it before it was streamed (issue 8): the csv crate, cell by
    /// cell, each cell rounded by its column's unit (issue 15; the first `n_metrics` names are
    /// metrics, the flags after them counts, the rest inputs).
    fn reference_trials_csv(names: &[&str], n_metrics: usize, rows: &[Vec<f64>]) -> Vec<u8> {
        let mut w = Writer::from_writer(Vec::new());
        w.write_field("trial").unwrap();
        for n in names {
            w.write_field(n).unwrap();
        }
        w.write_record(None::<&[u8]>).unwrap();
        for (t, row) in rows.iter().enumerate() {
            w.write_field(t.to_string()).unwrap();
            for (k, &x) in row.iter().enumerate() {
                let unit = if k < n_metrics {
                    Unit::of_metric(names[k])
                } else if names[k].starts_with("input.") {
                    Unit::of_input(names[k])
                } else {
                    Unit::Count
                };
                w.write_field(unit.cell(x)).unwrap();
            }
            w.write_record(None::<&[u8]>).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn streamed_trials_csv_is_the_old_text_in_any_pieces() {
        // 5,000 trials of 3 metrics, a flag and 2 inputs (with NaN, −0, ±∞ and a name that needs
        // quotes), streamed in segments of 1,234 rows — across the writer's own pieces of 256 and
        // writes of 2,048 — give the bytes the cell-by-cell writer gave.
        let names = ["a", "b,c", "irr", "flag", "input.x", "input.y"];
        let row = |t: usize| -> Vec<f64> {
            let x = t as f64;
            vec![
                x * 0.1,
                -x,
                match t % 5 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => f64::INFINITY,
                    3 => f64::NEG_INFINITY,
                    _ => 1.0 / (x + 1.0),
                },
                (t % 2) as f64,
                (x * 0.37).sin(),
                match t % 4 {
                    0 => 1e-7 * x,
                    1 => 1e15 + x,
                    2 => -(2f64.powi(62)) - 1024.0 * x,
                    3 if t % 8 == 3 => 2f64.powi(53) - x,
                    _ => 1e300 * x,
                },
            ]
        };
        let rows: Vec<Vec<f64>> = (0..5000).map(row).collect();
        let mut w = TrialsCsv::new(Vec::new());
        let owned = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        w.header(
            &owned(&names[..3]),
            &owned(&names[3..4]),
            &owned(&names[4..]),
        )
        .unwrap();
        for first in (0..5000).step_by(1234) {
            let seg = &rows[first..(first + 1234).min(5000)];
            let metrics: Vec<f64> = seg.iter().flat_map(|r| r[..4].to_vec()).collect();
            let inputs: Vec<f64> = seg.iter().flat_map(|r| r[4..].to_vec()).collect();
            w.rows(first, &metrics, 4, &inputs, 2).unwrap();
        }
        let streamed = w.finish().unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(reference_trials_csv(&names, 3, &rows)).unwrap()
        );
    }

    #[test]
    fn monthly_csv_exact_text() {
        use crate::analysis::monthly::MonthFigures;
        use crate::scenario::YearMonth;
        let f = |x: f64| MonthFigures {
            low: x - 1.0,
            median: x,
            high: x + 0.5,
            mean: x + 0.1,
        };
        let summary = MonthlySummary {
            quantiles: [0.025, 0.5, 0.975],
            trials: 3,
            names: vec!["engagements".into(), "spv.cash".into()],
            months: vec![
                YearMonth {
                    year: 2017,
                    month: 12,
                },
                YearMonth {
                    year: 2018,
                    month: 1,
                },
            ],
            figures: vec![f(1.0), f(2.0), f(-42650.0), f(f64::NAN)],
        };
        let text = String::from_utf8(monthly_csv(&summary).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "series,unit,month,p2.5,p50,p97.5,mean\n\
             engagements,count,2017-12,0,1,1.5,1.1\n\
             engagements,count,2018-01,1,2,2.5,2.1\n\
             spv.cash,GBP,2017-12,-42651,-42650,-42649.5,-42649.9\n\
             spv.cash,GBP,2018-01,,,,\n"
        );
        assert_eq!(level(0.1), "p10");
        assert_eq!(level(0.9), "p90");
    }

    #[test]
    fn backtest_and_outside_view_csv_exact_text() {
        use crate::analysis::backtest::{Backtest, BacktestRow, ReadingsRow};
        let b = Backtest {
            scenario: "s".into(),
            trials: 4,
            seed: 7,
            actuals: vec![BacktestRow {
                metric: "fy2017.site.a.provider.margin + fy2018.site.a.provider.margin".into(),
                label: Some("margin".into()),
                actual: -42650.123,
                percentile: 0.18125,
                median: -20450.5,
                plan: None,
                plan_percentile: None,
                source: "000 Table 5".into(),
                note: Some("scope: a, b".into()),
                readings: Some(ReadingsRow {
                    low: None,
                    low_percentile: None,
                    high: Some(1.0),
                    high_percentile: Some(0.99996),
                    assumption: "wider".into(),
                }),
            }],
        };
        let text = String::from_utf8(Csv.export(Report::Backtest(&b)).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "metric,label,unit,actual,percentile,median,plan,plan_percentile,low_reading,\
             low_percentile,high_reading,high_percentile,source,note,assumption\n\
             fy2017.site.a.provider.margin + fy2018.site.a.provider.margin,margin,GBP,-42650.12,\
             0.1812,-20450.5,,,,,1,0.99996,000 Table 5,\"scope: a, b\",wider\n"
        );
        let o = crate::analysis::outside_view::OutsideViewReport {
            scenario: "s".into(),
            class: "volume".into(),
            cases: vec![],
            quantiles: [0.05, 0.5, 0.95],
            plan: vec![crate::analysis::outside_view::OutsideView {
                metric: "engagements".into(),
                plan: 2651.0,
                outside: [843.04, 1761.33, 3679.0],
                inside: [931.0, 1238.0, 1652.25],
                disagree: true,
            }],
            classes: vec![],
            ratio_quantiles: [0.32, 0.664, 1.39],
        };
        let text =
            String::from_utf8(Csv.export(Report::OutsideView(&o)).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "metric,unit,plan,outside_p5,outside_p50,outside_p95,inside_p5,inside_p50,inside_p95,disagree\n\
             engagements,count,2651,843,1761.3,3679,931,1238,1652.2,1\n"
        );
    }
}
