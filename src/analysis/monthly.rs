//! The monthly fan: for each recorded series and month, the low, median and high quantiles and the
//! mean over the trials whose series the run stored (`monthly.csv`).
//!
//! The run keeps each series as `f32` for its first trials only (the cap and why:
//! [`crate::engine::record`]); the figures here are computed in `f64` from those values with the
//! summary's estimator (type 7, [`quantile_sorted`](super::quantile_sorted)), so a month's median
//! of stored values is what the summary would give for them. Every cell depends only on the stored
//! values, so the result is the same for any thread count.

use crate::engine::metrics::column;
use rayon::prelude::*;

use crate::engine::record::MonthlyTable;
use crate::scenario::YearMonth;

/// The quantiles and mean of one series in one month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthFigures {
    /// At `MonthlySummary::quantiles[0]`, `[1]` (0.5) and `[2]`.
    pub low: f64,
    pub median: f64,
    pub high: f64,
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

/// Summarise the stored monthly series at levels `low`, 0.5 and `high`.
pub fn summarise_monthly(table: &MonthlyTable, low: f64, high: f64) -> MonthlySummary {
    let (n_series, h, n) = (table.names.len(), table.months.len(), table.trials);
    let figures = (0..n_series * h)
        .into_par_iter()
        .map_init(Vec::new, |column: &mut Vec<f64>, cell| {
            let (k, m) = (cell / h, cell % h);
            column.clear();
            column.extend((0..n).map(|t| f64::from(table.values[(t * n_series + k) * h + m])));
            let mean = column.iter().sum::<f64>() / n as f64;
            MonthFigures {
                low: quantile_select(column, low),
                median: quantile_select(column, 0.5),
                high: quantile_select(column, high),
                mean,
            }
        })
        .collect();
    MonthlySummary {
        quantiles: [low, 0.5, high],
        trials: n,
        names: table.names.clone(),
        months: table.months.clone(),
        figures,
    }
}

/// The type-7 quantile at `p` of `xs` (reordered in place), by selection instead of a full sort:
/// the same `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])` of the order statistics as
/// [`quantile_sorted`](super::quantile_sorted), so the same number. NaN when `xs` is empty.
fn quantile_select(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let i = h.floor() as usize;
    let (_, &mut x, right) = xs.select_nth_unstable_by(i, f64::total_cmp);
    match right.iter().copied().min_by(f64::total_cmp) {
        Some(next) if i + 1 < n => x + (h - i as f64) * (next - x),
        _ => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::quantile_sorted;

    #[test]
    fn selection_gives_the_sorted_quantile() {
        let data: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64 * 1.5).collect();
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.25, 0.5, 0.9, 0.975, 1.0] {
            let mut xs = data.clone();
            assert_eq!(
                quantile_select(&mut xs, p),
                quantile_sorted(&sorted, p),
                "{p}"
            );
        }
        assert!(quantile_select(&mut [], 0.5).is_nan());
    }

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
