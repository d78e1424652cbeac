//! The back-test chart of `sibsim backtest`: each recorded outturn placed in its simulated
//! distribution, as its percentile on a 0–100% axis (a dot per actual), beside the plan's
//! percentile for the same metric where the scenario has one (a triangle) and, for an actual whose
//! report's scope is ambiguous, the span of its other readings (a line). The median (50%) is
//! marked: an actual near it is one the model saw coming; a plan far to the right of its actual is
//! optimism bias made visible.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::rows::{self, Frame};
use super::{draw_error, palette, plain, Chart, ChartError, Unit};
use crate::analysis::backtest::{Backtest, BacktestRow};

/// One back-test's chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestChart<'a> {
    /// The chart's title, naming the scenario back-tested.
    pub title: String,
    /// Lines under the plot: scenario, trials, caveats.
    pub notes: Vec<String>,
    /// One row per actual, as the back-test reports it.
    pub rows: &'a [BacktestRow],
}

impl<'a> BacktestChart<'a> {
    /// The chart of `b`.
    pub fn new(b: &'a Backtest) -> BacktestChart<'a> {
        BacktestChart {
            title: "Where do the actuals fall in the simulation?".into(),
            notes: vec![format!(
                "Scenario {} · {} trials (seed {}) · percentile: share of trials at or below the figure",
                plain(&b.scenario),
                super::thousands(b.trials as f64),
                b.seed
            )],
            rows: &b.actuals,
        }
    }

    /// A row's name: the actual's label (or metric), its value and percentile.
    pub fn row_name(r: &BacktestRow) -> String {
        let unit = Unit::of(&r.metric);
        format!(
            "{}  {} (P{:.0})",
            rows::short(r.label.as_deref().unwrap_or(&r.metric)),
            unit.full(r.actual),
            r.percentile * 100.0
        )
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::NoData`] without actuals; [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let names: Vec<String> = self.rows.iter().map(Self::row_name).collect();
        let tick = |x: f64| Unit::Share.tick(x);
        let frame = Frame {
            title: &self.title,
            x_label: "Percentile in the simulated distribution (%)",
            notes: &self.notes,
            rows: &names,
            x_range: (-0.02, 1.02),
            x_tick: &tick,
            name_width: 350,
        };
        let n = self.rows.len();
        rows::render(&frame, |chart| {
            let e = draw_error(&self.title);
            let grey = palette::GREY.stroke_width(1);
            chart
                .draw_series(std::iter::once(DashedPathElement::new(
                    vec![(0.5, 0.0), (0.5, n as f64)],
                    4,
                    3,
                    grey,
                )))
                .map_err(&e)?
                .label("Simulated median (P50)")
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 20, y)], 4, 3, grey)
                });
            let readings: Vec<_> = self
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let rd = r.readings.as_ref()?;
                    let lo = rd.low_percentile.unwrap_or(r.percentile);
                    let hi = rd.high_percentile.unwrap_or(r.percentile);
                    Some(rows::whisker(lo, hi, rows::row_y(n, i), palette::GREEN))
                })
                .collect();
            if !readings.is_empty() {
                chart
                    .draw_series(readings)
                    .map_err(&e)?
                    .label("Other readings of an ambiguous actual")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], palette::GREEN.stroke_width(2))
                    });
            }
            let plans: Vec<_> = self
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    Some(TriangleMarker::new(
                        (r.plan_percentile?, rows::row_y(n, i)),
                        8,
                        palette::VERMILION.filled(),
                    ))
                })
                .collect();
            if !plans.is_empty() {
                chart
                    .draw_series(plans)
                    .map_err(&e)?
                    .label("The plan's percentile")
                    .legend(move |(x, y)| {
                        TriangleMarker::new((x + 10, y), 6, palette::VERMILION.filled())
                    });
            }
            chart
                .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                    Circle::new(
                        (r.percentile, rows::row_y(n, i)),
                        7,
                        palette::GREEN.filled(),
                    )
                }))
                .map_err(&e)?
                .label("The actual's percentile")
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, palette::GREEN.filled()));
            Ok(())
        })
    }
}

/// The back-test's chart, `backtest.svg`; `None` when the scenario has no actual the simulation
/// records.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn backtest_chart(b: &Backtest) -> Result<Option<Chart>, ChartError> {
    if b.actuals.is_empty() {
        return Ok(None);
    }
    let c = BacktestChart::new(b);
    Ok(Some(Chart {
        file: "backtest.svg".into(),
        title: c.title.clone(),
        svg: c.render()?,
    }))
}
