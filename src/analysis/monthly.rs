//! The monthly fan: for each recorded series and month, the low, median and high quantiles and the
//! mean over the trials whose series the run stored (`monthly.csv`).
//!
//! The run keeps each series as `f32` for its first trials only (the cap and why:
//! [`crate::engine::record`]); the figures here are computed in `f64` from those values with the
//! summary's estimator (type 7, [`quantile_sorted`](super::quantile_sorted), found by selection), so a month's median
//! of stored values is what the summary would give for them. Every cell depends only on the stored
//! values, so the result is the same for any thread count.

use crate::engine::metrics::column;
use rayon::prelude::*;

use crate::analysis::summary::{quantiles_of_keys, Key32};
use crate::engine::record::MonthlyTable;
use crate::scenario::YearMonth;

/// The quantiles and mean of one series in one month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthFigures {
    /// The low quantile, at `MonthlySummary::quantiles[0]`.
    pub low: f64,
    /// The median (`quantiles[1]`, 0.5).
    pub median: f64,
    /// The high quantile, at `quantiles[2]`.
    pub high: f64,
    /// The mean over the stored trials.
    pub mean: f64,
}

/// Every series, month by month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthlySummary {
    /// The quantile levels: `[low, 0.5, high]`.
    pub quantiles: [f64; 3],
    /// Trials the figures are over.
    pub trials: usize,
    /// Series names, e.g. `engagements`, `site.haringey.provider.cash`.
    pub names: Vec<String>,
    /// The calendar month of each monthly step, in order.
    pub months: Vec<YearMonth>,
    /// Series-major: series k's month m at `k × months.len() + m`.
    pub figures: Vec<MonthFigures>,
}

impl MonthlySummary {
    /// Series `name`, one entry per month (`None`: no such series).
    pub fn series(&self, name: &str) -> Option<&[MonthFigures]> {
        let k = column(&self.names, name)?;
        let h = self.months.len();
        Some(&self.figures[k * h..(k + 1) * h])
    }
}

/// Months of a series summarised together.
const MONTHS: usize = 16;

/// Summarise the stored monthly series at levels `low`, 0.5 and `high`.
pub fn summarise_monthly(table: &MonthlyTable, low: f64, high: f64) -> MonthlySummary {
    let (n_series, h, n) = (table.names.len(), table.months.len(), table.trials);
    // Gathered MONTHS consecutive months of a series at a time, which sit side by side in each
    // stored trial, so that a trial's record is read once per group rather than once per month.
    let groups = h.div_ceil(MONTHS);
    let figures: Vec<MonthFigures> = (0..n_series * groups)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(tile, keys): &mut (Vec<f32>, Vec<Key32>), g| {
                let (k, m0) = (g / groups, (g % groups) * MONTHS);
                let months = MONTHS.min(h - m0);
                tile.resize(months * n, 0.0);
                let mut cols: Vec<&mut [f32]> = tile.chunks_exact_mut(n.max(1)).collect();
                for t in 0..n {
                    let at = (t * n_series + k) * h + m0;
                    for (col, &x) in cols.iter_mut().zip(&table.values[at..at + months]) {
                        col[t] = x;
                    }
                }
                cols.into_iter()
                    .map(|column| {
                        let mean = column.iter().map(|&x| f64::from(x)).sum::<f64>() / n as f64;
                        keys.clear();
                        keys.extend(column.iter().map(|&x| Key32::of(x)));
                        let [low, median, high] = quantiles_of_keys(keys, [low, 0.5, high]);
                        MonthFigures {
                            low,
                            median,
                            high,
                            mean,
                        }
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten()
        .collect();
    MonthlySummary {
        quantiles: [low, 0.5, high],
        trials: n,
        names: table.names.clone(),
        months: table.months.clone(),
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_by_series_and_month() {
        // Two trials, two series, two months: values t·10 + k·100 + m.
        let mut values = Vec::new();
        for t in 0..2 {
            for k in 0..2 {
                for m in 0..2 {
                    values.push((t * 10 + k * 100 + m) as f32);
                }
            }
        }
        let ym = |month| YearMonth { year: 2017, month };
        let table = MonthlyTable {
            names: vec!["a".into(), "b".into()],
            months: vec![ym(3), ym(4)],
            trials: 2,
            values,
        };
        let s = summarise_monthly(&table, 0.1, 0.9);
        let b = s.series("b").expect("series b");
        // Month 1 of b: 101 and 111.
        assert_eq!(b[1].mean, 106.0);
        assert_eq!(b[1].median, 106.0);
        assert_eq!(b[1].low, 102.0);
        assert_eq!(b[1].high, 110.0);
        assert_eq!(s.series("a").expect("a")[0].mean, 5.0);
    }
}
