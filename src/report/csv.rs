//! The CSV exporter: a run's summary (`summary.csv`), its plan checks (`plan.csv`), every
//! trial's results (`trials.csv`) and the monthly series' fan (`monthly.csv`) as tables for
//! analysis elsewhere.
//!
//! `monthly.csv` has header `series,month,p<low>,p50,p<high>,mean` — the quantile columns named for
//! the run's levels (`p10,p50,p90` by default, `p2.5,p50,p97.5` for 0.025/0.975) — and one row
//! per series and month, series in record order, months in calendar order as `YYYY-MM`. The other results have no CSV
//! form.
//!
//! Floats are written with Rust's shortest round-trip formatting (`Display` for `f64`), so reading
//! a cell back with `str::parse::<f64>` gives the very same bits; whole numbers appear without a
//! decimal point (`12`, not `12.0`).

use std::io::{self, Write};

use ::csv::Writer;
use rayon::prelude::*;

use super::{Exporter, Report, ReportError};
use crate::analysis::monthly::MonthlySummary;
use crate::analysis::plan::PlanCheck;
use crate::analysis::replicates::Errors;
use crate::analysis::{Summary, TrialTable};

/// Comma-separated tables with a header row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl Exporter for Csv {
    fn format(&self) -> &'static str {
        "CSV"
    }

    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError> {
        match report {
            Report::Run(r) => summary_rows(&r.summary, Some(&r.errors.metrics)),
            Report::Plan(p) => plan_csv(p),
            Report::Trials(t) => trials_csv(t),
            Report::Monthly(m) => monthly_csv(m),
            _ => Err(self.unsupported(report)),
        }
    }
}

/// A figure, or an empty cell when it is undefined.
fn cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

/// The summary as CSV with header `name,kind,mean,sd,mcse,low,median,high,note`.
///
/// One row per metric (`kind` = `metric`), then one per probability (`kind` = `probability`),
/// each in table order. A probability row has its p in `mean` and its Monte Carlo standard error
/// in `mcse`; its other cells are empty.
///
/// A run's `summary.csv` has three more columns, `mcse_low,mcse_median,mcse_high`: the Monte Carlo
/// standard errors of the quantiles (see [`analysis::replicates`](crate::analysis::replicates);
/// empty where undefined, and in probability rows), before `note`.
///
/// `note` is empty unless the metric has notes ([`Summary::notes`]): then `figure: text`, joined
/// by `; ` — why a figure is undefined (an empty cell) or what it is over, e.g. the IRR's P10
/// falling among the trials with no IRR.
///
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn summary_csv(summary: &Summary) -> Result<Vec<u8>, ReportError> {
    summary_rows(summary, None)
}

/// [`summary_csv`], with the quantiles' errors (one per metric) when given.
fn summary_rows(summary: &Summary, errors: Option<&[Errors]>) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "summary";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    let mut header = vec![
        "name", "kind", "mean", "sd", "mcse", "low", "median", "high",
    ];
    if errors.is_some() {
        header.extend(["mcse_low", "mcse_median", "mcse_high"]);
    }
    header.push("note");
    w.write_record(&header).map_err(err)?;
    for (j, (name, m)) in summary.metrics.iter().enumerate() {
        let mut row = vec![
            name.clone(),
            "metric".into(),
            cell(m.mean),
            cell(m.sd),
            cell(m.mcse),
            cell(m.low),
            cell(m.median),
            cell(m.high),
        ];
        if let Some(errors) = errors {
            let e = errors.get(j).map_or([f64::NAN; 3], Errors::quantiles);
            // The error of an undefined quantile is undefined too.
            let figures = [m.low, m.median, m.high];
            row.extend((0..3).map(|k| cell(if figures[k].is_nan() { f64::NAN } else { e[k] })));
        }
        let notes: Vec<String> = summary
            .notes
            .iter()
            .filter(|n| &n.metric == name)
            .map(|n| format!("{}: {}", n.figure, n.note))
            .collect();
        row.push(notes.join("; "));
        w.write_record(&row).map_err(err)?;
    }
    for (name, p) in &summary.probabilities {
        let mut row = vec![
            name.clone(),
            "probability".into(),
            p.p.to_string(),
            String::new(),
            p.mcse.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        if errors.is_some() {
            row.extend([String::new(), String::new(), String::new()]);
        }
        row.push(String::new());
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
/// value is written with Rust's shortest round-trip formatting, so it reads back as the very same
/// `f64`; an undefined value (NaN: an IRR with no sign change, a cost per outcome with no
/// outcomes, a multiple with nothing invested) is an empty cell. Rows are formatted in parallel
/// (on the current rayon pool) and written in trial order, so the bytes do not depend on the
/// thread count.
#[derive(Debug)]
pub struct TrialsCsv<W: Write> {
    out: W,
    header: bool,
}

impl<W: Write> TrialsCsv<W> {
    /// A writer of `trials.csv` to `out`; nothing is written until [`TrialsCsv::header`].
    pub fn new(out: W) -> TrialsCsv<W> {
        TrialsCsv { out, header: false }
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

/// One row of `trials.csv`: the trial's number, its values, its inputs.
fn format_row(text: &mut Vec<u8>, trial: usize, row: &[f64], inputs: &[f64]) {
    // Writing to a Vec cannot fail.
    let _ = write!(text, "{trial}");
    for &x in row.iter().chain(inputs) {
        text.push(b',');
        // A whole number up to 2⁵³ prints as the integer it is (`Display` for f64 writes no `.0`,
        // and the shortest digits of such a number are all of them), several times faster than
        // the float formatting. −0, and larger numbers (printed as their shortest digits padded
        // with zeros), are left to the float formatting.
        if x.abs() <= 9_007_199_254_740_992.0
            && (x as i64) as f64 == x
            && x.to_bits() != (-0.0f64).to_bits()
        {
            let _ = write!(text, "{}", x as i64);
        } else if !x.is_nan() {
            let _ = write!(text, "{x}");
        }
    }
    text.push(b'\n');
}

/// `plan.csv`: `metric,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target`, one row
/// per plan figure.
///
/// # Errors
/// [`ReportError::Csv`] if the writer fails (in memory, so in practice it does not).
pub fn plan_csv(checks: &[PlanCheck]) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "plan table";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "metric",
        "plan",
        "percentile",
        "p_meet",
        "optimism_ratio",
        "confidence",
        "derisked_target",
    ])
    .map_err(err)?;
    for c in checks {
        w.write_record([
            c.metric.clone(),
            cell(c.plan),
            cell(c.percentile),
            cell(c.p_meet),
            cell(c.optimism_ratio),
            cell(c.confidence),
            cell(c.derisked_target),
        ])
        .map_err(err)?;
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

/// A figure at the `f32` precision the monthly series are stored in (see `engine::record`), in
/// the shortest form that reads back as the same `f32`; empty when undefined.
fn f32_cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        (x as f32).to_string()
    }
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
    w.write_record(["series", "month", &lo, &mid, &hi, "mean"])
        .map_err(err)?;
    let h = summary.months.len();
    for (k, name) in summary.names.iter().enumerate() {
        for (m, month) in summary.months.iter().enumerate() {
            let f = &summary.figures[k * h + m];
            w.write_record([
                name.as_str(),
                &month.to_string(),
                &f32_cell(f.low),
                &f32_cell(f.median),
                &f32_cell(f.high),
                &f32_cell(f.mean),
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
            "name,kind,mean,sd,mcse,low,median,high,note\n\
             payments.by_payer.sof,metric,-42650.5,12,6,-42700,-42650,0.1,\"low: a note, with a comma\"\n\
             provider_loss,probability,0.25,,0.21650635094610965,,,,\n"
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
            "metric,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target\n\
             engagements,30,0.6,0.6,,0.8,18\n"
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
        let mut t = TrialTable::new(vec!["engagements".into(), "a,b".into()], vec!["f".into()]);
        t.push_row(&[12.0, 0.5, 1.0]);
        t.push_row(&[-3.0, 1e-7, 0.0]);
        let text = String::from_utf8(trials_csv(&t).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "trial,engagements,\"a,b\",f\n0,12,0.5,1\n1,-3,0.0000001,0\n"
        );
    }

    #[test]
    fn trials_csv_round_trips_floats_exactly() {
        let awkward = [
            0.1 + 0.2,
            -1.0 / 3.0,
            std::f64::consts::PI * 1e12,
            5e-324,
            f64::MAX,
            -0.0,
            123456789.12345679,
            2.0f64.sqrt(),
        ];
        // Streamed as a run streams trials.csv, from exact rows.
        let mut w = TrialsCsv::new(Vec::new());
        w.header(&["x".into()], &[], &[]).expect("header");
        w.rows(0, &awkward, 1, &[], 0).expect("rows");
        let bytes = w.finish().expect("flushed");
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        let mut back = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.expect("record");
            assert_eq!(&record[0], i.to_string());
            back.push(record[1].parse::<f64>().expect("float"));
        }
        let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&awkward));
    }

    /// `trials.csv` as sibsim wrote it before it was streamed (issue 8): the csv crate, cell by
    /// cell.
    fn reference_trials_csv(names: &[&str], rows: &[Vec<f64>]) -> Vec<u8> {
        let mut w = Writer::from_writer(Vec::new());
        w.write_field("trial").unwrap();
        for n in names {
            w.write_field(n).unwrap();
        }
        w.write_record(None::<&[u8]>).unwrap();
        for (t, row) in rows.iter().enumerate() {
            w.write_field(t.to_string()).unwrap();
            for x in row {
                w.write_field(if x.is_nan() {
                    String::new()
                } else {
                    x.to_string()
                })
                .unwrap();
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
            String::from_utf8(reference_trials_csv(&names, &rows)).unwrap()
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
            "series,month,p2.5,p50,p97.5,mean\n\
             engagements,2017-12,0,1,1.5,1.1\n\
             engagements,2018-01,1,2,2.5,2.1\n\
             spv.cash,2017-12,-42651,-42650,-42649.5,-42649.9\n\
             spv.cash,2018-01,,,,\n"
        );
        assert_eq!(level(0.1), "p10");
        assert_eq!(level(0.9), "p90");
    }
}
