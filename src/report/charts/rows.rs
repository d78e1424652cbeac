//! What the tornado, Sobol, comparison and back-test charts share: one row per item (an input, a
//! variant, an actual) down the chart, a numeric x axis, and the rows' names drawn at the left of
//! the plot, right-aligned, one per row (plotters' own tick labels fall on round numbers, not on
//! rows). Row 0 is drawn at the top.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{draw_error, palette, plain, ChartError, SIZE};

/// Longest row name drawn, in characters; longer names are cut with "…" (the full name is in
/// the results file the chart is drawn from).
pub const MAX_NAME: usize = 40;

/// The chart area of a row chart: x in the data's units, y in rows (row `i` spans
/// `n − 1 − i` to `n − i`).
pub type RowChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// `name` cut to [`MAX_NAME`] characters, made drawable ([`plain`]).
pub fn short(name: &str) -> String {
    let name = plain(name);
    if name.chars().count() <= MAX_NAME {
        name
    } else {
        let mut s: String = name.chars().take(MAX_NAME - 1).collect();
        s.push('…');
        s
    }
}

/// The y of row `i`'s centre, of `n` rows, with row 0 at the top.
pub fn row_y(n: usize, i: usize) -> f64 {
    (n - 1 - i) as f64 + 0.5
}

/// Everything a row chart draws around its data.
pub struct Frame<'s> {
    /// The chart's title.
    pub title: &'s str,
    /// The x axis' description, with its unit.
    pub x_label: &'s str,
    /// Lines under the plot (scenario, trials; caveats).
    pub notes: &'s [String],
    /// One name per row, top first, as drawn (callers cut long names with [`short`]).
    pub rows: &'s [String],
    /// The x axis' range, low to high, in the data's unit.
    pub x_range: (f64, f64),
    /// How a tick value on the x axis is written.
    pub x_tick: &'s dyn Fn(f64) -> String,
    /// Room at the left for the row names, in pixels.
    pub name_width: u32,
}

/// Draw `frame` into a new SVG, let `draw` add the data and its legend entries on the chart, then
/// the legend (upper right) and the row names.
///
/// # Errors
/// [`ChartError::NoData`] without rows; [`ChartError::Draw`] if plotters fails.
pub fn render(
    frame: &Frame,
    draw: impl FnOnce(&mut RowChart) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let n = frame.rows.len();
    if n == 0 {
        return Err(ChartError::NoData {
            chart: frame.title.to_string(),
            why: "no row to draw".into(),
        });
    }
    let e = draw_error(frame.title);
    let (x0, x1) = frame.x_range;
    let foot_h = 20 * frame.notes.len() as u32 + 6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(&e)?;
        let (plot, foot) = root.split_vertically(SIZE.1 - foot_h);
        for (k, note) in frame.notes.iter().enumerate() {
            foot.draw(&Text::new(
                plain(note),
                (16, 4 + 20 * k as i32),
                ("sans-serif", 13).into_font().color(&palette::GREY),
            ))
            .map_err(&e)?;
        }
        // Legend room below the rows: a fifth of the height, at least one row.
        let top = n as f64 + (n as f64 * 0.25).max(1.2);
        let mut chart = ChartBuilder::on(&plot)
            .caption(plain(frame.title), ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(frame.name_width)
            .build_cartesian_2d(x0..x1, 0.0..top)
            .map_err(&e)?;
        let fmt = |x: &f64| (frame.x_tick)(*x);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .x_labels(8)
            .y_labels(0)
            .x_label_formatter(&fmt)
            .x_desc(plain(frame.x_label))
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(&e)?;
        draw(&mut chart)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(palette::GREY)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(&e)?;
        let style = ("sans-serif", 13)
            .into_font()
            .color(&palette::BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, name) in frame.rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(x0, row_y(n, i)));
            root.draw(&Text::new(plain(name), (px - 8, py), style.clone()))
                .map_err(&e)?;
        }
        root.present().map_err(&e)?;
    }
    Ok(svg)
}

/// A horizontal bar from `a` to `b` in row `i` of `n`, taking `[lo, hi]` of the row's height
/// (0 = bottom of the row, 1 = top).
pub fn bar(
    n: usize,
    i: usize,
    a: f64,
    b: f64,
    lo: f64,
    hi: f64,
    style: ShapeStyle,
) -> Rectangle<(f64, f64)> {
    let base = (n - 1 - i) as f64;
    Rectangle::new([(a.min(b), base + lo), (a.max(b), base + hi)], style)
}

/// A horizontal interval (an error bar) from `a` to `b` at height `y`.
pub fn whisker(a: f64, b: f64, y: f64, colour: RGBColor) -> PathElement<(f64, f64)> {
    PathElement::new(vec![(a, y), (b, y)], colour.stroke_width(2))
}

/// The x range of `values` (non-finite ones ignored) with `anchor` (0 for bars) included if
/// given, padded by 5% each side; `(0, 1)` without values.
pub fn range(values: impl IntoIterator<Item = f64>, anchor: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().chain(anchor).filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi <= lo {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut() {
        assert_eq!(short("abc"), "abc");
        let long = "x".repeat(60);
        let s = short(&long);
        assert_eq!(s.chars().count(), MAX_NAME);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn rows_run_top_down() {
        assert_eq!(row_y(3, 0), 2.5);
        assert_eq!(row_y(3, 2), 0.5);
    }

    #[test]
    fn ranges_take_the_anchor_and_pad() {
        // 0 joins 1..3; 5% of the span 3 each side.
        let (lo, hi) = range([1.0, 3.0], Some(0.0));
        assert!(
            (lo + 0.15).abs() < 1e-12 && (hi - 3.15).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert_eq!(range([f64::NAN], None), (0.0, 1.0));
        assert_eq!(range([2.0, 2.0], None), (1.8, 2.2));
    }
}
