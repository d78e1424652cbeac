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

use std::fmt::Write as _;

use ::csv::Writer;

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

/// The summary as CSV with header `name,kind,mean,sd,mcse,low,median,high`.
///
/// One row per metric (`kind` = `metric`), then one per probability (`kind` = `probability`),
/// each in table order. A probability row has its p in `mean` and its Monte Carlo standard error
/// in `mcse`; its other cells are empty.
///
/// A run's `summary.csv` has three more columns, `mcse_low,mcse_median,mcse_high`: the Monte Carlo
/// standard errors of the quantiles (see [`analysis::replicates`](crate::analysis::replicates);
/// empty where undefined, and in probability rows).
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
            row.extend(e.map(cell));
        }
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
        w.write_record(&row).map_err(err)?;
    }
    finish(w, WHAT)
}

/// Every trial's results as CSV: header `trial,<metric names…>,<flag names…>,<input names…>`,
/// then one row per trial numbered from 0, flags as `0` or `1`. The inputs
/// (`input.<site>.<param>`) come last, when the table holds them for every trial.
///
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn trials_csv(table: &TrialTable) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "per-trial table";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    w.write_field("trial").map_err(err)?;
    let inputs = &table.inputs;
    let input_names = if inputs.trials == table.trials {
        inputs.names.as_slice()
    } else {
        &[]
    };
    for name in table
        .metric_names
        .iter()
        .chain(&table.flag_names)
        .chain(input_names)
    {
        w.write_field(name).map_err(err)?;
    }
    w.write_record(None::<&[u8]>).map_err(err)?;

    // One reused buffer: this table can hold millions of cells.
    let mut cell = String::new();
    for t in 0..table.trials {
        cell.clear();
        // Writing to a String cannot fail.
        let _ = write!(cell, "{t}");
        w.write_field(&cell).map_err(err)?;
        let drawn = if input_names.is_empty() {
            &[]
        } else {
            inputs.row(t)
        };
        for x in table.row(t).iter().chain(drawn) {
            cell.clear();
            // An undefined value (an IRR with no sign change, a cost per outcome with no outcomes, a
            // multiple with nothing invested) is an empty cell.
            if !x.is_nan() {
                let _ = write!(cell, "{x}");
            }
            w.write_field(&cell).map_err(err)?;
        }
        w.write_record(None::<&[u8]>).map_err(err)?;
    }
    finish(w, WHAT)
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
        };
        let text = String::from_utf8(summary_csv(&summary).expect("csv")).expect("utf8");
        assert_eq!(
            text,
            "name,kind,mean,sd,mcse,low,median,high\n\
             payments.by_payer.sof,metric,-42650.5,12,6,-42700,-42650,0.1\n\
             provider_loss,probability,0.25,,0.21650635094610965,,,\n"
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
        let mut t = TrialTable::new(vec!["x".into()], vec![]);
        for x in awkward {
            t.push_row(&[x]);
        }
        let bytes = trials_csv(&t).expect("csv");
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
