//! The tornado of one output of `sibsim sensitivity`: per input, a bar from the output's median
//! over the trials with the input in its bottom band to its median over the trials with the input
//! in its top band (docs/sensitivity.md, "Tornado"), largest swing at the top, in the order
//! [`crate::sensitivity::rank::tornado`] ranks them. Blue: the output rises with the input;
//! orange: it falls.

use plotters::prelude::*;

use super::rows::{self, Frame};
use super::{draw_error, palette, plain, Chart, ChartError, Unit};
use crate::sensitivity::analysis::{OutputReport, Sensitivity};

/// Most bars drawn (the rest, with smaller swings, are in `sensitivity.csv`).
pub const MAX_BARS: usize = 15;

/// One output's tornado chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// The chart's title, naming the output.
    pub title: String,
    /// The x axis' description: the output and its unit.
    pub x_label: String,
    /// Lines under the plot: scenario, trials, the band, caveats.
    pub notes: Vec<String>,
    /// How the output's values are written.
    pub unit: Unit,
    /// `(input, low median, high median)`, largest |swing| first.
    pub bars: Vec<(String, f64, f64)>,
}

impl Tornado {
    /// The tornado of `output` in `s`: its inputs with a swing (fixed inputs and those whose
    /// band medians are undefined are left out, and counted in a note), at most [`MAX_BARS`].
    pub fn new(s: &Sensitivity, output: &OutputReport) -> Tornado {
        let unit = Unit::of(&output.metric);
        let with_swing: Vec<(String, f64, f64)> = output
            .tornado
            .iter()
            .filter_map(|b| Some((b.input.clone(), b.low?, b.high?)))
            .collect();
        let left = output.tornado.len() - with_swing.len();
        let pct = (s.band * 100.0).round();
        let mut notes = vec![format!(
            "Scenario {} · {} trials (seed {}) · bar: the output's median with the input in its bottom {pct}% → top {pct}%",
            plain(&s.scenario),
            super::thousands(s.trials as f64),
            s.seed
        )];
        let mut extra = Vec::new();
        if with_swing.len() > MAX_BARS {
            extra.push(format!(
                "{} smaller swings not drawn",
                with_swing.len() - MAX_BARS
            ));
        }
        if left > 0 {
            extra.push(format!(
                "{left} inputs fixed or without a swing left out (sensitivity.csv lists them)"
            ));
        }
        if !extra.is_empty() {
            notes.push(extra.join(" · "));
        }
        let metric = plain(&output.metric);
        Tornado {
            title: format!("What moves {metric} most?"),
            x_label: format!("Median {metric}{}", unit.axis_suffix()),
            notes,
            unit,
            bars: with_swing.into_iter().take(MAX_BARS).collect(),
        }
    }

    /// The row name of a bar: the input and its swing, e.g. `site.a.p_engage  +£12,345`.
    pub fn row_name(&self, (input, low, high): &(String, f64, f64)) -> String {
        let swing = high - low;
        let sign = if swing >= 0.0 { "+" } else { "" };
        format!("{}  {sign}{}", rows::short(input), self.unit.full(swing))
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::NoData`] when no input has a swing; [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let names: Vec<String> = self.bars.iter().map(|b| self.row_name(b)).collect();
        let unit = self.unit;
        let tick = move |x: f64| unit.tick(x);
        let frame = Frame {
            title: &self.title,
            x_label: &self.x_label,
            notes: &self.notes,
            rows: &names,
            x_range: rows::range(self.bars.iter().flat_map(|b| [b.1, b.2]), None),
            x_tick: &tick,
            name_width: 350,
        };
        let n = self.bars.len();
        rows::render(&frame, |chart| {
            let e = draw_error(&self.title);
            for (colour, rising, label) in [
                (palette::BLUE, true, "Output rises with the input"),
                (palette::ORANGE, false, "Output falls as the input rises"),
            ] {
                let mine: Vec<_> = self
                    .bars
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| (b.2 >= b.1) == rising)
                    .map(|(i, b)| rows::bar(n, i, b.1, b.2, 0.15, 0.85, colour.filled()))
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let swatch = colour.stroke_width(8);
                chart
                    .draw_series(mine)
                    .map_err(&e)?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], swatch));
            }
            Ok(())
        })
    }
}

/// Every output's tornado in `s`, named `tornado-<metric>.svg`; an output without any input
/// with a swing is listed with why, not drawn.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn tornado_charts(s: &Sensitivity) -> Result<(Vec<Chart>, Vec<super::Skipped>), ChartError> {
    let mut charts = Vec::new();
    let mut skipped = Vec::new();
    for o in &s.outputs {
        let file = super::file_name("tornado", &o.metric);
        let t = Tornado::new(s, o);
        if t.bars.is_empty() {
            skipped.push(super::Skipped {
                chart: file,
                why: format!("no input of `{}` has a swing", plain(&o.metric)),
            });
            continue;
        }
        charts.push(Chart {
            file,
            title: t.title.clone(),
            svg: t.render()?,
        });
    }
    Ok((charts, skipped))
}
