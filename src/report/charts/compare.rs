//! Charts of `sibsim compare`: [`Variants`], one figure across the variants side by side (each
//! variant's value as a dot, with ± one paired standard error of its difference from the base as
//! an error bar), and [`FrontierChart`], the risk-transfer frontier (commissioners' cost per
//! sustained job against P(provider loss) per variant, the frontier's members filled, dominated
//! variants hollow).

use plotters::prelude::*;

use super::rows::{self, Frame};
use super::{draw_error, palette, plain, with_footnote, Chart, ChartError, Unit, SIZE};
use crate::compare::report::{Comparison, FigureReport};

/// Colours given to variants in turn on the frontier (Okabe–Ito, yellow last: it is the palest).
const CYCLE: [RGBColor; 8] = [
    palette::BLUE,
    palette::ORANGE,
    palette::GREEN,
    palette::PURPLE,
    palette::VERMILION,
    palette::SKY_BLUE,
    palette::BLACK,
    palette::YELLOW,
];

/// The unit of a comparison figure: probabilities are shares, a label with `£` is money, else the
/// unit of its metric (the key without its statistic).
pub fn figure_unit(f: &FigureReport) -> Unit {
    if f.stat == "probability" {
        return Unit::Share;
    }
    if f.label.contains('£') {
        return Unit::Money;
    }
    let metric = f
        .key
        .strip_suffix(&format!(".{}", f.stat))
        .unwrap_or(&f.key);
    Unit::of(metric)
}

/// One figure across the variants.
#[derive(Debug, Clone, PartialEq)]
pub struct Variants {
    /// The chart's title, naming the figure.
    pub title: String,
    /// The x axis' description, with its unit.
    pub x_label: String,
    /// Lines under the plot: scenario, trials, caveats.
    pub notes: Vec<String>,
    /// How the figure's values are written.
    pub unit: Unit,
    /// `(variant, value, paired SE of its difference from the base)`; the base has no SE.
    pub rows: Vec<(String, f64, Option<f64>)>,
}

impl Variants {
    /// The chart of figure `f` of `c`; variants where no trial defines it are left out and
    /// named in a note.
    pub fn new(c: &Comparison, f: &FigureReport) -> Variants {
        let unit = figure_unit(f);
        let rows: Vec<(String, f64, Option<f64>)> = f
            .cells
            .iter()
            .filter_map(|cell| {
                let se = cell.difference.as_ref().and_then(|d| d.se_paired);
                Some((cell.variant.clone(), cell.value?, se))
            })
            .collect();
        let mut notes = vec![format!(
            "Comparison {} · {} trials (seed {}) on common random numbers · error bar: ± 1 paired SE of the difference from {}",
            plain(&c.name),
            super::thousands(c.trials as f64),
            c.seed,
            c.variants.first().map_or("the base".into(), |v| plain(&v.name))
        )];
        let missing: Vec<String> = f
            .cells
            .iter()
            .filter(|cell| cell.value.is_none())
            .map(|cell| plain(&cell.variant))
            .collect();
        if !missing.is_empty() {
            notes.push(format!(
                "Not drawn, no trial defines it: {}",
                missing.join(", ")
            ));
        }
        let label = plain(&f.label);
        Variants {
            title: format!("{label}: how do the variants differ?"),
            x_label: format!("{label}{}", unit.axis_suffix()),
            notes,
            unit,
            rows,
        }
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::NoData`] when no variant has the figure; [`ChartError::Draw`] if plotters
    /// fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let unit = self.unit;
        let names: Vec<String> = self
            .rows
            .iter()
            .map(|(v, x, se)| match se {
                Some(se) => format!("{}  {} ± {}", rows::short(v), unit.full(*x), unit.full(*se)),
                None => format!("{}  {}", rows::short(v), unit.full(*x)),
            })
            .collect();
        let tick = move |x: f64| unit.tick(x);
        let x_range = rows::range(
            self.rows.iter().flat_map(|&(_, x, se)| {
                let se = se.filter(|s| s.is_finite()).unwrap_or(0.0);
                [x - se, x + se]
            }),
            None,
        );
        let frame = Frame {
            title: &self.title,
            x_label: &self.x_label,
            notes: &self.notes,
            rows: &names,
            x_range,
            x_tick: &tick,
            name_width: 350,
        };
        let n = self.rows.len();
        rows::render(&frame, |chart| {
            let e = draw_error(&self.title);
            chart
                .draw_series(self.rows.iter().enumerate().filter_map(|(i, &(_, x, se))| {
                    let se = se.filter(|s| s.is_finite())?;
                    Some(rows::whisker(
                        x - se,
                        x + se,
                        rows::row_y(n, i),
                        palette::BLACK,
                    ))
                }))
                .map_err(&e)?
                .label("± 1 paired SE of the difference from the base")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], palette::BLACK.stroke_width(2))
                });
            chart
                .draw_series(self.rows.iter().enumerate().map(|(i, &(_, x, _))| {
                    Circle::new((x, rows::row_y(n, i)), 6, palette::BLUE.filled())
                }))
                .map_err(&e)?
                .label("The variant's figure")
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, palette::BLUE.filled()));
            Ok(())
        })
    }
}

/// The risk-transfer frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierChart {
    /// The chart's title.
    pub title: String,
    /// A line under the plot: scenario, trials, the dominance rule.
    pub note: String,
    /// `(variant, cost per sustained job, P(provider loss), dominated by)`.
    pub points: Vec<(String, f64, f64, Vec<String>)>,
}

impl FrontierChart {
    /// The frontier of `c`: the variants with both a cost per sustained job and a P(provider
    /// loss); `None` when fewer than one has both.
    pub fn new(c: &Comparison) -> Option<FrontierChart> {
        let points: Vec<_> = c
            .frontier
            .points
            .iter()
            .filter_map(|p| {
                Some((
                    p.variant.clone(),
                    p.cost_per_sustained_job.filter(|v| v.is_finite())?,
                    p.provider_loss.filter(|v| v.is_finite())?,
                    p.dominated_by.clone(),
                ))
            })
            .collect();
        if points.is_empty() {
            return None;
        }
        let left = c.frontier.points.len() - points.len();
        let mut note = format!(
            "Comparison {} · {} trials (seed {}) · filled: on the frontier; hollow: dominated by more than 2 paired SEs",
            plain(&c.name),
            super::thousands(c.trials as f64),
            c.seed
        );
        if left > 0 {
            note.push_str(&format!(" · {left} variants without both figures left out"));
        }
        Some(FrontierChart {
            title: "Risk transfer: what does lower provider risk cost commissioners?".into(),
            note,
            points,
        })
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let e = draw_error(&self.title);
        let (x0, x1) = rows::range(self.points.iter().map(|p| p.1), None);
        let (y0, y1) = rows::range(self.points.iter().map(|p| p.2), None);
        // Headroom for the legend above the points.
        let y1 = y1 + (y1 - y0) * (0.12 * self.points.len() as f64 + 0.2);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            let plot = with_footnote(&root, &self.note, &self.title)?;
            let mut chart = ChartBuilder::on(&plot)
                .caption(plain(&self.title), ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(&e)?;
            let x_fmt = |x: &f64| Unit::Money.tick(*x);
            let y_fmt = |y: &f64| Unit::Share.tick(*y);
            chart
                .configure_mesh()
                .max_light_lines(0)
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc("Commissioners' spend per sustained job (£)")
                .y_desc("P(provider loss), site average (%)")
                .axis_desc_style(("sans-serif", 15))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(&e)?;
            for (k, (name, cost, loss, by)) in self.points.iter().enumerate() {
                let colour = CYCLE[k % CYCLE.len()];
                let on = by.is_empty();
                let style = if on {
                    colour.filled()
                } else {
                    colour.stroke_width(3)
                };
                let status = if on {
                    "on the frontier".to_string()
                } else {
                    format!(
                        "dominated by {}",
                        by.iter()
                            .map(|b| rows::short(b))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                chart
                    .draw_series(std::iter::once(Circle::new((*cost, *loss), 8, style)))
                    .map_err(&e)?
                    .label(format!(
                        "{}: {}, {} ({status})",
                        rows::short(name),
                        Unit::Money.full(*cost),
                        Unit::Share.full(*loss)
                    ))
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, style));
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
}

/// The figures drawn side by side, when the comparison has them: commissioners' cost per
/// sustained job, P(provider loss) at any site, sustained jobs (median), the investor's median
/// IRR, P(investor capital loss) and P(SPV default).
pub const FIGURES: [&str; 6] = [
    "commissioners.cost_per_sustained_job.ratio_of_means",
    "provider_loss",
    "sustain_26w.p50",
    "investor.irr.p50",
    "investor.capital_loss",
    "spv.default",
];

/// A comparison's charts: the frontier (`frontier.svg`) and each of [`FIGURES`] the comparison
/// has (`variants-<key>.svg`); a chart with nothing to draw is listed with why.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn compare_charts(c: &Comparison) -> Result<(Vec<Chart>, Vec<super::Skipped>), ChartError> {
    let mut charts = Vec::new();
    let mut skipped = Vec::new();
    match FrontierChart::new(c) {
        Some(f) => charts.push(Chart {
            file: "frontier.svg".into(),
            title: f.title.clone(),
            svg: f.render()?,
        }),
        None => skipped.push(super::Skipped {
            chart: "frontier.svg".into(),
            why: "no variant has both a cost per sustained job and a P(provider loss)".into(),
        }),
    }
    for key in FIGURES {
        let Some(f) = c.figures.iter().find(|f| f.key == key) else {
            continue;
        };
        let file = super::file_name("variants", key);
        let v = Variants::new(c, f);
        if v.rows.is_empty() {
            skipped.push(super::Skipped {
                chart: file,
                why: format!("no variant defines `{key}`"),
            });
            continue;
        }
        charts.push(Chart {
            file,
            title: v.title.clone(),
            svg: v.render()?,
        });
    }
    Ok((charts, skipped))
}
