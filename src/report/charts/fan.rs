//! A fan chart of one monthly series: month by month, the band between the run's low and high
//! quantiles (P10–P90 by default) and the median line, over the trials whose monthly series the
//! run kept ([`MonthlySummary`]). Cumulative engagements and job starts carry the plan total as a
//! point at the last month (the scenarios give plan totals, not monthly profiles); a provider's
//! cash carries its distress floor as a horizontal line.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{draw_error, palette, plain, with_footnote, ChartError, Unit, SIZE};
use crate::analysis::monthly::{MonthFigures, MonthlySummary};
use crate::scenario::{Model, YearMonth};

/// What a fan chart marks besides its band and median.
#[derive(Debug, Clone, PartialEq)]
pub enum FanMark {
    /// A total the series should reach by its last month (a plan figure), drawn as a point.
    Total {
        /// Legend text, e.g. "Plan total 2,651 by the last month".
        label: String,
        /// The total, in the series' unit.
        value: f64,
    },
    /// A level the series should stay above (a distress floor), drawn as a dashed line.
    Floor {
        /// Legend text, e.g. "Distress floor £0".
        label: String,
        /// The level, in the series' unit.
        value: f64,
    },
}

/// One series' fan chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Fan<'a> {
    /// The chart's title: the series and the question the chart answers.
    pub title: String,
    /// The y axis' description, with its unit.
    pub y_label: String,
    /// A line under the plot: scenario, trials, seed.
    pub note: String,
    /// How the series' values are written (count, £, share, multiple).
    pub unit: Unit,
    /// The calendar months of the x axis, one per entry of `figures`.
    pub months: &'a [YearMonth],
    /// One entry per month.
    pub figures: &'a [MonthFigures],
    /// The low, median and high quantile levels.
    pub levels: [f64; 3],
    /// A plan total or a floor to mark, if any.
    pub mark: Option<FanMark>,
}

impl<'a> Fan<'a> {
    /// The fan of `series` of a run of `model`, from its monthly figures; `mark` is the plan total
    /// for a count series, the cash floor for a cash series.
    pub fn for_series(
        model: &Model,
        series: &str,
        monthly: &'a MonthlySummary,
        figures: &'a [MonthFigures],
        mark: Option<f64>,
    ) -> Fan<'a> {
        let unit = Unit::of(series);
        let what = super::describe(model, series);
        let cash = series.ends_with("provider.cash");
        let question = match (series, mark.is_some()) {
            (_, _) if cash => "does it fall below the distress floor?",
            ("spv.cash", _) => "does the SPV run out of money?",
            ("investor.outstanding", _) => "how fast is the investor repaid?",
            (_, true) => "on course for the plan?",
            (_, false) => "how fast does it build up?",
        };
        let mark = mark.map(|value| {
            if cash {
                FanMark::Floor {
                    label: format!("Distress floor {}", unit.full(value)),
                    value,
                }
            } else {
                FanMark::Total {
                    label: format!("Plan total {} by the last month", unit.full(value)),
                    value,
                }
            }
        });
        let cumulative = if unit == Unit::Count || series.starts_with("payments.") {
            ", cumulative"
        } else {
            " at month end"
        };
        Fan {
            title: format!("{what}{cumulative}: {question}"),
            y_label: format!("{what}{}", unit.axis_suffix()),
            note: format!(
                "Scenario {} · monthly series of the first {} trials",
                plain(&model.name),
                super::thousands(monthly.trials as f64)
            ),
            unit,
            months: &monthly.months,
            figures,
            levels: monthly.quantiles,
            mark,
        }
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::NoData`] without months; [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let h = self.figures.len().min(self.months.len());
        if h == 0 {
            return Err(ChartError::NoData {
                chart: self.title.clone(),
                why: "the run kept no month of this series".into(),
            });
        }
        let e = draw_error(&self.title);
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for f in &self.figures[..h] {
            for v in [f.low, f.median, f.high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        if let Some(FanMark::Total { value, .. } | FanMark::Floor { value, .. }) = &self.mark {
            lo = lo.min(*value);
            hi = hi.max(*value);
        }
        if !lo.is_finite() {
            return Err(ChartError::NoData {
                chart: self.title.clone(),
                why: "no month of the series is defined".into(),
            });
        }
        let pad = if hi > lo { (hi - lo) * 0.06 } else { 1.0 };
        let (y0, mut y1) = (lo - pad, hi + pad);
        // The legend goes in a corner the band keeps clear of (the corner boxes: 45% of the
        // months, 35% of the height); if every corner holds data, headroom is added on top and it
        // goes upper left, above the data.
        let clear = |left: bool, upper: bool| {
            let (y_lo, y_hi) = (y0 + 0.65 * (y1 - y0), y0 + 0.35 * (y1 - y0));
            // The plan total is a point at the last month.
            let total_clear = match &self.mark {
                Some(FanMark::Total { value, .. }) if !left => {
                    if upper {
                        *value < y_lo
                    } else {
                        *value > y_hi
                    }
                }
                _ => true,
            };
            total_clear
                && self.figures[..h].iter().enumerate().all(|(m, f)| {
                    let x = m as f64 / (h as f64 - 1.0).max(1.0);
                    let inside = if left { x <= 0.45 } else { x >= 0.55 };
                    !inside
                        || [f.low, f.median, f.high]
                            .iter()
                            .filter(|v| v.is_finite())
                            .all(|&v| if upper { v < y_lo } else { v > y_hi })
                })
        };
        let corner = [
            (true, true, SeriesLabelPosition::UpperLeft),
            (false, true, SeriesLabelPosition::UpperRight),
            (true, false, SeriesLabelPosition::LowerLeft),
            (false, false, SeriesLabelPosition::LowerRight),
        ]
        .into_iter()
        .find(|(l, u, _)| clear(*l, *u))
        .map(|c| c.2);
        let legend_at = match corner {
            Some(c) => c,
            None => {
                y1 += (y1 - y0) * 0.6;
                SeriesLabelPosition::UpperLeft
            }
        };
        // An f64 month axis: plotters' i32 key-point search overflows in debug builds on some ranges.
        let last = (h as f64 - 1.0).max(1.0);
        let months = self.months;
        let unit = self.unit;
        let [pl, _, ph] = self.levels;

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            let plot = with_footnote(&root, &self.note, &self.title)?;
            let mut chart = ChartBuilder::on(&plot)
                .caption(plain(&self.title), ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(0.0..last, y0..y1)
                .map_err(&e)?;
            let x_fmt = |m: &f64| {
                if m.fract().abs() > 1e-9 || *m < 0.0 {
                    return String::new();
                }
                months
                    .get(m.round() as usize)
                    .map_or(String::new(), |ym| month_name(*ym))
            };
            let y_fmt = |y: &f64| unit.tick(*y);
            chart
                .configure_mesh()
                .max_light_lines(0)
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc("Month")
                .y_desc(plain(&self.y_label))
                .axis_desc_style(("sans-serif", 15))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(&e)?;

            let band = palette::SKY_BLUE.mix(0.45).filled();
            let mut outline: Vec<(f64, f64)> =
                (0..h).map(|m| (m as f64, self.figures[m].high)).collect();
            outline.extend((0..h).rev().map(|m| (m as f64, self.figures[m].low)));
            chart
                .draw_series(std::iter::once(Polygon::new(outline, band)))
                .map_err(&e)?
                .label(format!("P{:.0}–P{:.0} of trials", pl * 100.0, ph * 100.0))
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], band));
            let median = palette::BLUE.stroke_width(2);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    (0..h)
                        .map(|m| (m as f64, self.figures[m].median))
                        .collect::<Vec<_>>(),
                    median,
                )))
                .map_err(&e)?
                .label("P50 (median)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], median));

            let red = palette::VERMILION;
            match &self.mark {
                Some(FanMark::Total { label, value }) => {
                    chart
                        .draw_series(std::iter::once(Circle::new(
                            (h as f64 - 1.0, *value),
                            6,
                            red.filled(),
                        )))
                        .map_err(&e)?
                        .label(plain(label))
                        .legend(move |(x, y)| Circle::new((x + 10, y), 5, red.filled()));
                }
                Some(FanMark::Floor { label, value }) => {
                    let style = red.stroke_width(2);
                    chart
                        .draw_series(std::iter::once(DashedPathElement::new(
                            vec![(0.0, *value), (last, *value)],
                            8,
                            4,
                            style,
                        )))
                        .map_err(&e)?
                        .label(plain(label))
                        .legend(move |(x, y)| {
                            DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 3, style)
                        });
                }
                None => {}
            }
            chart
                .configure_series_labels()
                .position(legend_at)
                .background_style(WHITE.mix(0.9))
                .border_style(palette::GREY)
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(&e)?;
            root.present().map_err(&e)?;
        }
        Ok(svg)
    }
}

/// `Jan 2017`.
fn month_name(ym: YearMonth) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let name = NAMES
        .get((ym.month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?");
    format!("{name} {}", ym.year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named() {
        assert_eq!(
            month_name(YearMonth {
                year: 2017,
                month: 3
            }),
            "Mar 2017"
        );
        assert_eq!(
            month_name(YearMonth {
                year: 2019,
                month: 12
            }),
            "Dec 2019"
        );
    }
}
