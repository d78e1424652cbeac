//! CSV exports: the summary as one table, and every trial's results for analysis elsewhere.
//!
//! Floats are written with Rust's shortest round-trip formatting (`Display` for `f64`), so reading
//! a cell back with `str::parse::<f64>` gives the very same bits; whole numbers appear without a
//! decimal point (`12`, not `12.0`).

use std::fmt::Write as _;

use ::csv::Writer;

use super::ReportError;
use crate::analysis::{Summary, TrialTable};

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
/// # Errors
/// [`ReportError::Csv`] if the CSV writer fails (writing to memory, so in practice it does not).
pub fn summary_csv(summary: &Summary) -> Result<Vec<u8>, ReportError> {
    const WHAT: &str = "summary";
    let err = |source| ReportError::Csv { what: WHAT, source };
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "name", "kind", "mean", "sd", "mcse", "low", "median", "high",
    ])
    .map_err(err)?;
    for (name, m) in &summary.metrics {
        w.write_record([
            name.as_str(),
            "metric",
            &cell(m.mean),
            &cell(m.sd),
            &cell(m.mcse),
            &cell(m.low),
            &cell(m.median),
            &cell(m.high),
        ])
        .map_err(err)?;
    }
    for (name, p) in &summary.probabilities {
        w.write_record([
            name.as_str(),
            "probability",
            &p.p.to_string(),
            "",
            &p.mcse.to_string(),
            "",
            "",
            "",
        ])
        .map_err(err)?;
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

fn finish(w: Writer<Vec<u8>>, what: &'static str) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv {
        what,
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
}
