//! The distribution of one metric over the trials: a histogram of how many trials gave each value,
//! the cumulative share of trials at or below each value on a second axis (0–100%), and the P10,
//! P50 and P90 (the run's low and high quantiles), the plan figure and any recorded actual marked.
//! It answers "how likely is the plan?" the way @RISK's and Crystal Ball's forecast charts do.
//! When the caller has a reference class ([`Distribution::with_outside`]) the plan figure's
//! outside view — plan × past projects' low–high actual/plan ratios, as `sibsim outside-view`
//! prints it — is a shaded band with dotted edges behind the histogram.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{draw_error, palette, plain, with_footnote, Chart, ChartError, Unit, SIZE};
use crate::analysis::outside_view::{outside_quantiles, ReferenceClass};
use crate::analysis::summary::{percentile_of, quantile_sorted};
use crate::scenario::Model;

/// What a marked figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// A quantile of the simulated values (dashed black).
    Quantile,
    /// The business case's plan figure (solid vermilion, the thickest line).
    Plan,
    /// A recorded outturn (dashed bluish green).
    Actual,
}

impl MarkerKind {
    /// The colour the marker is drawn in.
    pub fn colour(self) -> RGBColor {
        match self {
            MarkerKind::Quantile => palette::BLACK,
            MarkerKind::Plan => palette::VERMILION,
            MarkerKind::Actual => palette::GREEN,
        }
    }
}

/// A vertical line at `value`, named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// What the figure is: a quantile, the plan or an actual (sets its line style).
    pub kind: MarkerKind,
    /// Legend text, e.g. "Plan 2,651 (P100 of the simulation)".
    pub label: String,
    /// Where the line is drawn, in the figure's unit.
    pub value: f64,
}

/// The outside view's interval of a plan figure: plan × the reference class' low and high
/// actual/plan ratios, drawn as a shaded band from `low` to `high` with dotted edges (reddish
/// purple), named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideBand {
    /// Legend text, e.g. "Outside view P10–P90: 843 – 3,679 (volume, 5 past projects)".
    pub label: String,
    /// The outside view's low quantile (P10), in the figure's unit.
    pub low: f64,
    /// The outside view's high quantile (P90), in the figure's unit.
    pub high: f64,
}

/// The band's colour: reddish purple, apart from the plan's vermilion, the actual's green and
/// the histogram's blues.
pub const OUTSIDE_COLOUR: RGBColor = palette::PURPLE;

/// One metric's distribution chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution<'a> {
    /// What the chart answers.
    pub title: String,
    /// The x axis' description, with its unit.
    pub x_label: String,
    /// A line under the plot: scenario, trials, seed.
    pub note: String,
    /// How the values are written (count, £, share, multiple).
    pub unit: Unit,
    /// The defined values, ascending.
    pub sorted: &'a [f64],
    /// The vertical lines: quantiles, plan, actual.
    pub markers: Vec<Marker>,
    /// The outside view of the plan figure, when the caller gave a reference class.
    pub outside: Option<OutsideBand>,
}

impl<'a> Distribution<'a> {
    /// The chart of `metric` in a run of `model`, from its defined values `sorted` (ascending),
    /// with the quantiles at `levels` (low, median, high), the plan figure and the actual of the
    /// same metric marked if the scenario has them.
    pub fn for_metric(
        model: &Model,
        metric: &str,
        sorted: &'a [f64],
        levels: [f64; 3],
    ) -> Distribution<'a> {
        let unit = Unit::of(metric);
        let what = super::describe(model, metric);
        let mut markers: Vec<Marker> = levels
            .iter()
            .map(|&p| {
                let v = quantile_sorted(sorted, p);
                Marker {
                    kind: MarkerKind::Quantile,
                    label: format!("P{:.0} {}", p * 100.0, unit.full(v)),
                    value: v,
                }
            })
            .collect();
        let plan = model.plan.iter().find(|p| p.metric == metric);
        if let Some(p) = plan {
            markers.push(Marker {
                kind: MarkerKind::Plan,
                label: format!(
                    "Plan {}: {:.0}% of trials reach it",
                    unit.full(p.value),
                    share_at_least(sorted, p.value) * 100.0
                ),
                value: p.value,
            });
        }
        let actual = model.actuals.iter().find(|a| a.metric == metric);
        if let Some(a) = actual {
            markers.push(Marker {
                kind: MarkerKind::Actual,
                label: format!(
                    "Actual {}: P{:.0} of the simulation",
                    unit.full(a.value),
                    percentile_of(sorted, a.value) * 100.0
                ),
                value: a.value,
            });
        }
        let question = match (plan, actual) {
            (Some(_), _) => "how likely is the plan?",
            (None, Some(_)) => "where does the actual fall?",
            (None, None) => "what range to expect?",
        };
        Distribution {
            title: format!("{what}: {question}"),
            x_label: format!("{what}{}, per trial", unit.axis_suffix()),
            note: format!(
                "Scenario {} · {} trials with the figure defined",
                plain(&model.name),
                super::thousands(sorted.len() as f64)
            ),
            unit,
            sorted,
            markers,
            outside: None,
        }
    }

    /// The chart with the outside view of `metric`'s plan figure under reference class `rc`
    /// marked: plan × the class' predictive actual/plan ratio at the low and high of `levels`
    /// (as `sibsim outside-view` prints it at the same levels). Unchanged when `model` has no
    /// plan figure for `metric`.
    pub fn with_outside(
        mut self,
        model: &Model,
        metric: &str,
        rc: &ReferenceClass,
        levels: [f64; 3],
    ) -> Distribution<'a> {
        let Some(plan) = model.plan.iter().find(|p| p.metric == metric) else {
            return self;
        };
        let [low, _, high] = outside_quantiles(rc, plan.value, levels);
        self.outside = Some(OutsideBand {
            label: format!(
                "Outside view P{:.0}–P{:.0}: {} – {} ({}, {} past projects)",
                levels[0] * 100.0,
                levels[2] * 100.0,
                self.unit.full(low),
                self.unit.full(high),
                plain(&rc.class),
                rc.cases.len()
            ),
            low,
            high,
        });
        self.note.push_str(&format!(
            " · outside view: plan × past projects' actual/plan (class {})",
            plain(&rc.class)
        ));
        self
    }

    /// The histogram's bins: `(left edge, right edge, trials)`. Counts get whole-number widths
    /// centred on whole numbers, so no bin straddles two counts unevenly.
    pub fn bins(&self) -> Vec<(f64, f64, usize)> {
        let xs = self.sorted;
        let (lo, hi) = (xs[0], xs[xs.len() - 1]);
        let n_bins = (xs.len() as f64).sqrt().clamp(10.0, 40.0);
        let (start, width) = if hi == lo {
            (lo - 0.5, 1.0)
        } else if self.unit == Unit::Count {
            (lo.floor() - 0.5, ((hi - lo) / n_bins).ceil().max(1.0))
        } else {
            (lo, (hi - lo) / n_bins)
        };
        let count = (((hi - start) / width).floor() as usize + 1).max(1);
        let mut bins: Vec<(f64, f64, usize)> = (0..count)
            .map(|i| {
                let a = start + width * i as f64;
                (a, a + width, 0)
            })
            .collect();
        for &x in xs {
            let i = (((x - start) / width).floor() as usize).min(count - 1);
            bins[i].2 += 1;
        }
        bins
    }

    /// The x range drawn: the values and every marker, with a margin.
    pub fn x_range(&self) -> (f64, f64) {
        let bins = self.bins();
        let mut lo = bins[0].0;
        let mut hi = bins[bins.len() - 1].1;
        for m in &self.markers {
            lo = lo.min(m.value);
            hi = hi.max(m.value);
        }
        if let Some(b) = &self.outside {
            for v in [b.low, b.high].into_iter().filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let pad = (hi - lo) * 0.04;
        (lo - pad, hi + pad)
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::NoData`] without values; [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        if self.sorted.is_empty() {
            return Err(ChartError::NoData {
                chart: self.title.clone(),
                why: "no trial defines the figure".into(),
            });
        }
        let bins = self.bins();
        let (x0, x1) = self.x_range();
        // Headroom above the tallest bar for the legend, drawn in the upper left: its entries
        // (histogram, cumulative curve, the markers, the outside view) at about 17 pixels each
        // plus 40 for its frame and offset, out of about 400 pixels of plot height.
        let entries = 2 + self.markers.len() + usize::from(self.outside.is_some());
        let legend = ((40 + 17 * entries) as f64 / 400.0).min(0.6);
        let top = bins.iter().map(|b| b.2).max().unwrap_or(1) as f64 / (1.0 - legend);
        let unit = self.unit;
        let n = self.sorted.len() as f64;
        let e = draw_error(&self.title);

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            let plot = with_footnote(&root, &self.note, &self.title)?;
            let mut chart = ChartBuilder::on(&plot)
                .caption(plain(&self.title), ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .right_y_label_area_size(64)
                .build_cartesian_2d(x0..x1, 0.0..top)
                .map_err(&e)?
                .set_secondary_coord(x0..x1, 0.0..1.0);
            let x_fmt = |x: &f64| unit.tick(*x);
            let y_fmt = |y: &f64| super::thousands(*y);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .max_light_lines(0)
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc(plain(&self.x_label))
                .y_desc("Trials")
                .axis_desc_style(("sans-serif", 15))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(&e)?;
            let pct = |y: &f64| format!("{:.0}%", y * 100.0);
            chart
                .configure_secondary_axes()
                .y_labels(6)
                .y_label_formatter(&pct)
                .y_desc("Trials at or below (%)")
                .axis_desc_style(("sans-serif", 15))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(&e)?;

            // The outside view's band goes first, behind the histogram; its edges and legend
            // entry come after the markers.
            let band = self
                .outside
                .as_ref()
                .filter(|b| b.low.is_finite() && b.high.is_finite());
            if let Some(b) = band {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(b.low, 0.0), (b.high, top)],
                        OUTSIDE_COLOUR.mix(0.18).filled(),
                    )))
                    .map_err(&e)?;
            }

            let bar = palette::SKY_BLUE.mix(0.7).filled();
            chart
                .draw_series(
                    bins.iter()
                        .map(|&(a, b, c)| Rectangle::new([(a, 0.0), (b, c as f64)], bar)),
                )
                .map_err(&e)?
                .label("Trials per bin")
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], bar));

            // The empirical CDF as a step curve: after the i-th smallest value, i/n of trials.
            let blue = palette::BLUE.stroke_width(2);
            let mut steps = vec![(x0, 0.0)];
            let mut i = 0;
            while i < self.sorted.len() {
                let x = self.sorted[i];
                let mut j = i;
                while j < self.sorted.len() && self.sorted[j] == x {
                    j += 1;
                }
                steps.push((x, i as f64 / n));
                steps.push((x, j as f64 / n));
                i = j;
            }
            steps.push((x1, 1.0));
            chart
                .draw_secondary_series(std::iter::once(PathElement::new(steps, blue)))
                .map_err(&e)?
                .label("Trials at or below (right axis)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue));

            for m in &self.markers {
                let colour = m.kind.colour();
                let line = [(m.value, 0.0), (m.value, top)];
                let legend_line = move |(x, y): (i32, i32)| {
                    DashedPathElement::new(vec![(x, y), (x + 20, y)], 4, 3, colour.stroke_width(2))
                };
                match m.kind {
                    MarkerKind::Plan => {
                        let style = colour.stroke_width(3);
                        chart
                            .draw_series(std::iter::once(PathElement::new(line, style)))
                            .map_err(&e)?
                            .label(plain(&m.label))
                            .legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 20, y)], style)
                            });
                    }
                    MarkerKind::Quantile | MarkerKind::Actual => {
                        let (width, dash) = if m.kind == MarkerKind::Actual {
                            (3, 8)
                        } else {
                            (1, 4)
                        };
                        chart
                            .draw_series(std::iter::once(DashedPathElement::new(
                                line,
                                dash,
                                3,
                                colour.stroke_width(width),
                            )))
                            .map_err(&e)?
                            .label(plain(&m.label))
                            .legend(legend_line);
                    }
                }
            }
            if let Some(b) = band {
                let edge = OUTSIDE_COLOUR.stroke_width(2);
                chart
                    .draw_series(
                        [b.low, b.high]
                            .map(|x| DashedPathElement::new(vec![(x, 0.0), (x, top)], 2, 4, edge)),
                    )
                    .map_err(&e)?
                    .label(plain(&b.label))
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + Rectangle::new([(0, -5), (20, 5)], OUTSIDE_COLOUR.mix(0.35).filled())
                            + Rectangle::new([(0, -5), (20, 5)], edge)
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.9))
                .border_style(palette::GREY)
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(&e)?;
            root.present().map_err(&e)?;
        }
        Ok(svg)
    }

    /// The chart, named for `metric`.
    ///
    /// # Errors
    /// As [`render`](Self::render).
    pub fn chart(&self, metric: &str) -> Result<Chart, ChartError> {
        Ok(Chart {
            file: super::file_name("dist", metric),
            title: self.title.clone(),
            svg: self.render()?,
        })
    }
}

/// Share of ascending `sorted` values at or above `x`: P(meet) of a plan figure.
fn share_at_least(sorted: &[f64], x: f64) -> f64 {
    let below = sorted.partition_point(|&v| v < x);
    (sorted.len() - below) as f64 / sorted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(values: &[f64], unit: Unit) -> Distribution<'_> {
        Distribution {
            title: "t".into(),
            x_label: "x".into(),
            note: "n".into(),
            unit,
            sorted: values,
            markers: vec![],
            outside: None,
        }
    }

    #[test]
    fn bins_hold_every_trial_once() {
        let xs: Vec<f64> = (0..100).map(|i| f64::from(i % 37)).collect();
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let d = dist(&sorted, Unit::Count);
        let bins = d.bins();
        assert_eq!(bins.iter().map(|b| b.2).sum::<usize>(), 100);
        // Counts: whole widths, edges at half-integers; 0..=36 over 10 bins → width 4.
        assert_eq!(bins[0].0, -0.5);
        assert_eq!(bins[0].1 - bins[0].0, 4.0);
        // Values 0–3 fall in the first bin: 0,1,2,3 appear 3,3,3,3 times (i % 37 over 0..100).
        assert_eq!(bins[0].2, 12);
    }

    #[test]
    fn a_constant_metric_still_has_a_bin() {
        let xs = [5.0; 20];
        let d = dist(&xs, Unit::Money);
        assert_eq!(d.bins(), vec![(4.5, 5.5, 20)]);
    }

    #[test]
    fn plan_share_counts_ties_as_met() {
        assert_eq!(share_at_least(&[1.0, 2.0, 2.0, 3.0], 2.0), 0.75);
        assert_eq!(share_at_least(&[1.0, 2.0], 5.0), 0.0);
    }
}
