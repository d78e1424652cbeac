//! The Sobol indices of one output of `sibsim sensitivity`: per input, its first-order index S
//! (the share of the output's variance from the input alone) and its total effect ST (with every
//! interaction), each with its bootstrap percentile interval as an error bar, in the order the
//! analysis ranks them (by first-order index), and the delivery randomness ("noise") last. A
//! delivery input whose total the analysis marks as an upper bound (docs/sensitivity.md, "What a
//! delivery input's total effect also counts") is starred, its total bar drawn paler, and the
//! caveat is written under the plot.

use plotters::prelude::*;

use super::rows::{self, Frame};
use super::{draw_error, palette, plain, trim, Chart, ChartError};
use crate::sensitivity::analysis::{Estimate, Index, OutputReport, Sensitivity};

/// Most inputs drawn (the rest, with smaller first-order indices, are in `sensitivity.csv`).
pub const MAX_ROWS: usize = 15;

/// One row: an input (or the noise) and its two indices.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRow {
    /// The input's name, or `noise` for the delivery randomness.
    pub name: String,
    /// Its first-order index with its bootstrap interval.
    pub first: Estimate,
    /// Its total index with its bootstrap interval.
    pub total: Estimate,
    /// Its total is an upper bound (the analysis' note on the input says so).
    pub upper_bound: bool,
}

/// One output's Sobol chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolChart {
    /// The chart's title, naming the output.
    pub title: String,
    /// Lines under the plot: scenario, trials, caveats.
    pub notes: Vec<String>,
    /// One row per input, as drawn, top first.
    pub rows: Vec<SobolRow>,
    /// The level of the intervals, 0–1.
    pub confidence: f64,
}

fn upper_bound(i: &Index) -> bool {
    i.note.as_deref().is_some_and(|n| n.contains("upper bound"))
}

impl SobolChart {
    /// The chart of `output`'s Sobol indices; `None` when it has none (no design, or an output
    /// that does not vary: the analysis' note says why).
    pub fn new(s: &Sensitivity, output: &OutputReport) -> Option<SobolChart> {
        let sb = output.sobol.as_ref()?;
        let row = |i: &Index, name: String| {
            Some(SobolRow {
                name,
                first: i.first?,
                total: i.total?,
                upper_bound: upper_bound(i),
            })
        };
        // The largest first-order indices, as the table ranks them.
        let mut rows_all: Vec<SobolRow> = crate::sensitivity::report::by_first_order(&sb.inputs)
            .into_iter()
            .filter_map(|i| row(i, i.name.clone()))
            .collect();
        let without = sb.inputs.len() - rows_all.len();
        let more = rows_all.len().saturating_sub(MAX_ROWS);
        rows_all.truncate(MAX_ROWS);
        rows_all.extend(
            sb.noise
                .as_ref()
                .and_then(|i| row(i, "noise: delivery randomness".into())),
        );
        if rows_all.is_empty() {
            return None;
        }
        let metric = plain(&output.metric);
        let mut notes = vec![format!(
            "Scenario {} · {} base samples ({} used), {} bootstrap resamples, seed {}",
            plain(&s.scenario),
            super::thousands(sb.base_samples as f64),
            super::thousands(sb.used as f64),
            super::thousands(s.bootstrap as f64),
            s.seed
        )];
        let mut extra = Vec::new();
        if rows_all.iter().any(|r| r.upper_bound) {
            extra.push(
                "* total effect an upper bound: it also counts the delivery randomness the input re-draws"
                    .to_string(),
            );
        }
        if more > 0 {
            extra.push(format!("{more} smaller inputs not drawn"));
        }
        if without > 0 {
            extra.push(format!(
                "{without} inputs without their own index (fixed or in a copula) left out"
            ));
        }
        if !extra.is_empty() {
            notes.push(extra.join(" · "));
        }
        Some(SobolChart {
            title: format!("Which inputs explain the variance of {metric}?"),
            notes,
            rows: rows_all,
            confidence: s.confidence,
        })
    }

    /// The row name: the input, starred when its total is an upper bound.
    pub fn row_name(r: &SobolRow) -> String {
        if r.upper_bound {
            format!("{} *", rows::short(&r.name))
        } else {
            rows::short(&r.name)
        }
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let names: Vec<String> = self.rows.iter().map(Self::row_name).collect();
        let tick = |x: f64| trim(x);
        let x_range = rows::range(
            self.rows
                .iter()
                .flat_map(|r| [r.first.low, r.first.high, r.total.low, r.total.high]),
            Some(0.0),
        );
        let frame = Frame {
            title: &self.title,
            x_label: "Sobol index (share of the output's variance)",
            notes: &self.notes,
            rows: &names,
            x_range,
            x_tick: &tick,
            name_width: 300,
        };
        let n = self.rows.len();
        let conf = format!("{:.0}% bootstrap interval", self.confidence * 100.0);
        rows::render(&frame, |chart| {
            let e = draw_error(&self.title);
            let first = palette::BLUE.filled();
            chart
                .draw_series(
                    self.rows
                        .iter()
                        .enumerate()
                        .map(|(i, r)| rows::bar(n, i, 0.0, r.first.value, 0.52, 0.9, first)),
                )
                .map_err(&e)?
                .label("First-order S: the input alone")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], palette::BLUE.stroke_width(8))
                });
            let total = palette::ORANGE.filled();
            let pale = palette::ORANGE.mix(0.4).filled();
            chart
                .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                    let style = if r.upper_bound { pale } else { total };
                    rows::bar(n, i, 0.0, r.total.value, 0.1, 0.48, style)
                }))
                .map_err(&e)?
                .label("Total ST: with its interactions (pale *: an upper bound)")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], palette::ORANGE.stroke_width(8))
                });
            let base = |i: usize| (n - 1 - i) as f64;
            chart
                .draw_series(self.rows.iter().enumerate().flat_map(|(i, r)| {
                    [
                        rows::whisker(r.first.low, r.first.high, base(i) + 0.71, palette::BLACK),
                        rows::whisker(r.total.low, r.total.high, base(i) + 0.29, palette::BLACK),
                    ]
                }))
                .map_err(&e)?
                .label(conf)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], palette::BLACK.stroke_width(2))
                });
            Ok(())
        })
    }
}

/// Every output's Sobol chart in `s`, named `sobol-<metric>.svg`; an output without indices is
/// listed with why (when the analysis ran a design), not drawn.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn sobol_charts(s: &Sensitivity) -> Result<(Vec<Chart>, Vec<super::Skipped>), ChartError> {
    let mut charts = Vec::new();
    let mut skipped = Vec::new();
    for o in &s.outputs {
        let file = super::file_name("sobol", &o.metric);
        match (SobolChart::new(s, o), &o.sobol) {
            (Some(c), _) => charts.push(Chart {
                file,
                title: c.title.clone(),
                svg: c.render()?,
            }),
            (None, Some(sb)) => skipped.push(super::Skipped {
                chart: file,
                why: sb
                    .note
                    .clone()
                    .unwrap_or_else(|| "no input has a first-order and total index".into()),
            }),
            (None, None) => {}
        }
    }
    Ok((charts, skipped))
}
