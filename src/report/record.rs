//! The trial record's outputs: `monthly.csv` (the monthly fan of every recorded series) and the
//! `inputs` object of `summary.json` (the drawn inputs, summarised).
//!
//! `monthly.csv` has header `series,month,p<low>,p50,p<high>,mean` — the quantile columns named for
//! the run's levels (`p10,p50,p90` by default, `p2.5,p50,p97.5` for 0.025/0.975) — and one row
//! per series and month, series in record order, months in calendar order as `YYYY-MM`. Figures
//! come from `f32` values (see `engine::record`) and are written at that precision, in the
//! shortest form that reads back as the same `f32`.

use serde_json::{json, Map, Value};

use super::ReportError;
use crate::analysis::monthly::MonthlySummary;
use crate::analysis::MetricSummary;

/// "p10" for 0.1, "p2.5" for 0.025.
fn level(q: f64) -> String {
    // Rounded to 6 decimals first so that 0.1 × 100's binary error never shows.
    let s = format!("{:.6}", q * 100.0);
    format!("p{}", s.trim_end_matches('0').trim_end_matches('.'))
}

/// A stored-precision figure.
fn cell(x: f64) -> String {
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
                &cell(f.low),
                &cell(f.median),
                &cell(f.high),
                &cell(f.mean),
            ])
            .map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        what: WHAT,
        source: e.into_error().into(),
    })
}

/// The `inputs` object of `summary.json`: each input's figures, shaped like a metric's.
pub fn inputs_json(inputs: &[(String, MetricSummary)]) -> Value {
    let map: Map<String, Value> = inputs
        .iter()
        .map(|(name, m)| {
            let figures = json!({
                "mean": m.mean, "sd": m.sd, "mcse": m.mcse,
                "low": m.low, "median": m.median, "high": m.high,
            });
            (name.clone(), figures)
        })
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::monthly::MonthFigures;
    use crate::scenario::YearMonth;

    #[test]
    fn monthly_csv_exact_text() {
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
