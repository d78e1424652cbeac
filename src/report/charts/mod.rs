//! Charts: SVG pictures of a run, drawn with `plotters`, one small exporter per kind of chart —
//! [`distribution::Distribution`] (histogram and cumulative curve of one metric over the trials,
//! with its P10/P50/P90, plan, actual and outside-view interval marked) and [`fan::Fan`] (a
//! monthly series' low–high band and median, with the plan total or a cash floor marked).
//! [`run_charts`] picks a run's fixed set ([`run_charts_with`] given a reference class for the
//! outside view). The analyses have theirs: [`tornado::Tornado`] and [`sobol::SobolChart`]
//! (`sensitivity`), [`compare::Variants`] and [`compare::FrontierChart`] (`compare`),
//! [`backtest::BacktestChart`] (`backtest`), [`outside::OutsideInside`] (`outside-view`, and
//! [`outside_inside_charts`] for a run), drawn on the shared row layout of [`rows`].
//!
//! Like the other exporters these build bytes in memory and never touch the file system; the
//! caller writes them (`sibsim run --charts DIR`, all or nothing).
//!
//! # Readability rules every chart follows
//! - The title says what the chart answers ("Engagements, all sites: how likely is the plan?").
//! - Axis labels carry units; money is written `£1,234` or `£1.2m`, shares as `%` (see [`Unit`]).
//! - Colours are the Okabe–Ito palette (Okabe & Ito 2008, *Color Universal Design*), safe for the
//!   common colour-vision deficiencies; marked figures differ in dash pattern too, not colour
//!   alone.
//! - No text is placed beside a marker on the plot: every marker is named, with its value, in the
//!   legend, so labels of markers that fall close together cannot overlap.
//!
//! # Text is text
//! Scenario names, site ids and metric names come from the user's file. plotters' SVG backend
//! escapes `<`, `>`, `&`, `"` and `'` in text and attributes; [`plain`] also replaces the control
//! characters XML 1.0 forbids, so every chart parses as XML whatever the names hold.

pub mod backtest;
pub mod compare;
pub mod distribution;
pub mod fan;
pub mod outside;
pub mod png;
pub mod rows;
pub mod sobol;
pub mod tornado;

use plotters::style::RGBColor;

use crate::analysis::outside_view::ReferenceClass;
use crate::analysis::summary::sorted_defined;
use crate::analysis::RunReport;
use crate::engine::table::TrialTable;
use crate::scenario::Model;

pub use backtest::{backtest_chart, BacktestChart};
pub use compare::{compare_charts, FrontierChart, Variants};
pub use distribution::{Distribution, Marker, MarkerKind, OutsideBand};
pub use fan::Fan;
pub use outside::{outside_inside_charts, outside_view_charts, OutsideInside};
pub use png::{png_name, PngError, PngRenderer};
pub use sobol::{sobol_charts, SobolChart};
pub use tornado::{tornado_charts, Tornado};

/// Width and height of every chart, in SVG user units (pixels).
pub const SIZE: (u32, u32) = (900, 560);

/// Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermilion, reddish purple.
pub mod palette {
    use plotters::style::RGBColor;
    /// Black `#000000`: the quantile markers.
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Orange `#E69F00`.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Sky blue `#56B4E9`.
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green `#009E73`: recorded outturns.
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Yellow `#F0E442`.
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    /// Blue `#0072B2`.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermilion `#D55E00`: plan figures.
    pub const VERMILION: RGBColor = RGBColor(213, 94, 0);
    /// Reddish purple `#CC79A7`.
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Grey `#787878` (not Okabe–Ito): secondary lines, e.g. the back-test's guides.
    pub const GREY: RGBColor = RGBColor(120, 120, 120);
}

/// A chart's colour as SVG writes it (`#D55E00`), for finding its marks in tests.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File name to write it under, e.g. `dist-engagements.svg` (plain: letters, digits, `.`,
    /// `_`, `-`).
    pub file: String,
    /// Its title, as drawn.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// plotters failed to lay out or draw the chart.
    #[error("cannot draw the chart `{chart}`: {message}")]
    Draw {
        /// The chart's file name, e.g. `dist-engagements.svg`.
        chart: String,
        /// plotters' message.
        message: String,
    },
    /// Nothing to draw: no trial defines the figure, or the series is empty.
    #[error("cannot draw the chart `{chart}`: {why}")]
    NoData {
        /// The chart's file name, e.g. `dist-engagements.svg`.
        chart: String,
        /// Why there is nothing to draw.
        why: String,
    },
}

/// How a figure is written: it follows the metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// People or events: whole numbers with thousands separators.
    Count,
    /// Pounds: `£1,234`, `£1.2m`.
    Money,
    /// A share or rate held as a fraction: `44%`.
    Share,
    /// A ratio such as the investor's multiple: `1.05×`.
    Multiple,
}

impl Unit {
    /// The unit of metric or series `name`, from its last part (`provider.margin` is money,
    /// `investor.irr` a share, `investor.multiple` a multiple, anything else a count).
    pub fn of(name: &str) -> Unit {
        let last = name.rsplit('.').next().unwrap_or(name);
        const MONEY: [&str; 16] = [
            "income",
            "cost",
            "costs",
            "margin",
            "cash",
            "lowest_cash",
            "invested",
            "returned",
            "interest",
            "shortfall",
            "unfunded_end",
            "drawn",
            "interest_paid",
            "principal_repaid",
            "outstanding",
            "income_block",
        ];
        if name.starts_with("payments.")
            || last.starts_with("cost_per")
            || MONEY.contains(&last)
            || last == "income_events"
            || name.starts_with("budget.")
        {
            Unit::Money
        } else if last.contains("irr") || last.ends_with("share") {
            Unit::Share
        } else if last == "multiple" {
            Unit::Multiple
        } else {
            Unit::Count
        }
    }

    /// What an axis of this unit is labelled with, after the figure's name.
    pub fn axis_suffix(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::Money => " (£)",
            Unit::Share => " (%)",
            Unit::Multiple => " (× invested)",
        }
    }

    /// A value written in full for a legend: `£1,234,567`, `12.3%`, `1,014`, `1.05×`.
    pub fn full(self, x: f64) -> String {
        if !x.is_finite() {
            return "undefined".into();
        }
        match self {
            Unit::Count => thousands(x.round()),
            Unit::Money => money(x.round()),
            Unit::Share => format!("{:.1}%", x * 100.0),
            Unit::Multiple => format!("{x:.2}×"),
        }
    }

    /// A value written short for an axis tick: `£1.2m`, `£350k`, `45%`, `2,000`.
    pub fn tick(self, x: f64) -> String {
        if !x.is_finite() {
            return String::new();
        }
        match self {
            Unit::Count => thousands(x),
            Unit::Money => {
                let (sign, a) = if x < 0.0 { ("−", -x) } else { ("", x) };
                if a >= 1e6 {
                    format!("{sign}£{}m", trim(a / 1e6))
                } else if a >= 1e4 {
                    format!("{sign}£{}k", trim(a / 1e3))
                } else {
                    format!("{sign}£{}", thousands(a))
                }
            }
            Unit::Share => format!("{}%", trim(x * 100.0)),
            Unit::Multiple => format!("{}×", trim(x)),
        }
    }
}

/// Up to three significant decimals, trailing zeros dropped: 1.25 → "1.25", 350.0 → "350".
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// `x` with thousands separators and up to three decimals: 2651 → "2,651", −1500.5 → "−1,500.5".
pub fn thousands(x: f64) -> String {
    let t = trim(x.abs());
    let (int, frac) = t.split_once('.').map_or((t.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 && out != "0" {
        format!("−{out}")
    } else {
        out
    }
}

/// Pounds in full: `£1,234`, `−£56`.
pub fn money(x: f64) -> String {
    if x < 0.0 {
        format!("−£{}", thousands(-x))
    } else {
        format!("£{}", thousands(x))
    }
}

/// `text` with the characters XML 1.0 cannot hold (controls other than tab, newline and carriage
/// return) replaced by U+FFFD, so that a name from a scenario file can be drawn as it is.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// A metric's name in words for titles: `site.haringey.engagements` → "Engagements, haringey";
/// `engagements` → "Engagements, all sites"; `investor.multiple` → "Investor multiple".
pub fn describe(model: &Model, name: &str) -> String {
    let (scope, rest) = match name.strip_prefix("site.") {
        Some(rest) => match model
            .sites
            .iter()
            .find(|s| rest.starts_with(&format!("{}.", s.id)))
        {
            Some(s) => (Some(s.id.as_str()), &rest[s.id.len() + 1..]),
            None => (None, name),
        },
        None => (None, name),
    };
    let words = rest.replace(['.', '_'], " ");
    let mut words = match words.as_str() {
        "job starts" => "Job starts".to_string(),
        "provider margin" => "Provider margin".into(),
        "provider cash" => "Provider cash".into(),
        "spv cash" => "SPV cash".into(),
        "investor multiple" => "Investor multiple".into(),
        "investor outstanding" => "Investor balance outstanding".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        }
    };
    match scope {
        Some(site) => {
            words.push_str(", ");
            words.push_str(site);
        }
        None if is_site_summed(rest) && !model.sites.is_empty() => {
            words.push_str(if model.sites.len() == 1 {
                ""
            } else {
                ", all sites"
            });
        }
        None => {}
    }
    plain(&words)
}

/// Figures summed over the sites (as opposed to the SPV's or investor's own).
fn is_site_summed(name: &str) -> bool {
    !(name.starts_with("investor.")
        || name.starts_with("spv.")
        || name.starts_with("payments.")
        || name.starts_with("commissioning."))
}

/// A file name from a chart kind and a metric: characters other than ASCII letters, digits, `.`,
/// `_` and `-` become `_` (site ids are the user's).
pub fn file_name(kind: &str, metric: &str) -> String {
    let clean: String = metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{kind}-{clean}.svg")
}

/// A chart of a run's set that was left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The chart's file name, e.g. `dist-engagements.svg`.
    pub chart: String,
    /// Why it was left out.
    pub why: String,
}

/// A run's fixed set of charts, and the ones that could not be drawn with why.
///
/// Distributions: each plan metric (plan and any actual of the same metric marked), then
/// engagements and job starts if the plan does not already cover them, each site's provider
/// margin, and the investor's multiple when the scenario has finance. Fans: cumulative engagements
/// and job starts (the plan total marked at the last month), each site's provider cash (its
/// distress floor marked), the SPV's cash and the investor's balance outstanding when recorded.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails. A figure no trial defines (an IRR when every trial
/// loses everything, say) is listed in `Skipped`, not an error.
pub fn run_charts(
    model: &Model,
    report: &RunReport,
    table: &TrialTable,
) -> Result<(Vec<Chart>, Vec<Skipped>), ChartError> {
    run_charts_with(model, report, table, None)
}

/// As [`run_charts`], with each plan metric's distribution marking the outside view of its plan
/// figure under reference class `outside` when one is given ([`Distribution::with_outside`], at
/// the run's low and high quantile levels; `sibsim run` and `sibsim report` fit
/// [`DEFAULT_CLASS`](crate::analysis::outside_view::DEFAULT_CLASS) from the evidence library).
/// Without one the charts are exactly [`run_charts`]'.
///
/// # Errors
/// As [`run_charts`].
pub fn run_charts_with(
    model: &Model,
    report: &RunReport,
    table: &TrialTable,
    outside: Option<&ReferenceClass>,
) -> Result<(Vec<Chart>, Vec<Skipped>), ChartError> {
    let mut charts = Vec::new();
    let mut skipped = Vec::new();
    let [low, _, high] = report.summary.quantiles;

    let mut metrics: Vec<String> = model.plan.iter().map(|p| p.metric.clone()).collect();
    for m in ["engagements", "job_starts"] {
        metrics.push(m.into());
    }
    for s in &model.sites {
        metrics.push(format!("site.{}.provider.margin", s.id));
    }
    if model.finance.is_some() {
        metrics.push("investor.multiple".into());
    }
    let mut seen = std::collections::HashSet::new();
    metrics.retain(|m| seen.insert(m.clone()));

    for metric in &metrics {
        let file = file_name("dist", metric);
        let Some(sorted) = sorted_defined(table, metric) else {
            skipped.push(Skipped {
                chart: file,
                why: format!("no trial defines `{}`", plain(metric)),
            });
            continue;
        };
        let levels = [low, 0.5, high];
        let mut d = Distribution::for_metric(model, metric, &sorted, levels);
        if let Some(rc) = outside {
            d = d.with_outside(model, metric, rc, levels);
        }
        charts.push(Chart {
            file,
            title: d.title.clone(),
            svg: d.render()?,
        });
    }

    let monthly = &report.monthly;
    let mut fans: Vec<(String, Option<f64>)> = Vec::new();
    for m in ["engagements", "job_starts"] {
        let plan = model.plan.iter().find(|p| p.metric == m).map(|p| p.value);
        fans.push((m.into(), plan));
    }
    for s in &model.sites {
        fans.push((
            format!("site.{}.provider.cash", s.id),
            s.distress.map(|d| d.cash_floor),
        ));
    }
    fans.push(("spv.cash".into(), None));
    fans.push(("investor.outstanding".into(), None));
    for (series, mark) in fans {
        let Some(figures) = monthly.series(&series) else {
            continue; // Not recorded by this model (no finance: no SPV or investor series).
        };
        let file = file_name("fan", &series);
        if figures.is_empty() || monthly.trials == 0 {
            skipped.push(Skipped {
                chart: file,
                why: "the run kept no monthly series".into(),
            });
            continue;
        }
        let fan = Fan::for_series(model, &series, monthly, figures, mark);
        charts.push(Chart {
            file,
            title: fan.title.clone(),
            svg: fan.render()?,
        });
    }
    Ok((charts, skipped))
}

/// plotters' drawing error, as a [`ChartError::Draw`] naming the chart.
pub(crate) fn draw_error<E: std::fmt::Debug>(chart: &str) -> impl Fn(E) -> ChartError + '_ {
    move |e| ChartError::Draw {
        chart: chart.to_owned(),
        message: format!("{e:?}"),
    }
}

/// Fills `root` white, writes `note` as a grey footnote along its bottom, and returns the area
/// above it for the plot (`chart`, the title, names the chart in errors).
pub(crate) fn with_footnote<'a>(
    root: &plotters::drawing::DrawingArea<
        plotters::prelude::SVGBackend<'a>,
        plotters::coord::Shift,
    >,
    note: &str,
    chart: &str,
) -> Result<
    plotters::drawing::DrawingArea<plotters::prelude::SVGBackend<'a>, plotters::coord::Shift>,
    ChartError,
> {
    use plotters::prelude::*;
    let e = draw_error(chart);
    root.fill(&WHITE).map_err(&e)?;
    let (plot, foot) = root.split_vertically(SIZE.1 - 24);
    foot.draw(&Text::new(
        note.to_owned(),
        (16, 4),
        ("sans-serif", 13).into_font().color(&palette::GREY),
    ))
    .map_err(&e)?;
    Ok(plot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_metric() {
        assert_eq!(Unit::of("engagements"), Unit::Count);
        assert_eq!(Unit::of("site.haringey.provider.margin"), Unit::Money);
        assert_eq!(Unit::of("payments.by_payer.sof"), Unit::Money);
        assert_eq!(Unit::of("investor.irr"), Unit::Share);
        assert_eq!(Unit::of("investor.multiple"), Unit::Multiple);
        assert_eq!(Unit::of("spv.cash"), Unit::Money);
        assert_eq!(Unit::of("commissioning.cost_per_job_start"), Unit::Money);
    }

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(thousands(2651.0), "2,651");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(-1500.5), "−1,500.5");
        assert_eq!(thousands(0.0), "0");
        assert_eq!(money(-56.0), "−£56");
        assert_eq!(Unit::Money.full(1_104_440.4), "£1,104,440");
        assert_eq!(Unit::Money.tick(1_250_000.0), "£1.25m");
        assert_eq!(Unit::Money.tick(-350_000.0), "−£350k");
        assert_eq!(Unit::Money.tick(5_000.0), "£5,000");
        assert_eq!(Unit::Share.full(0.442), "44.2%");
        assert_eq!(Unit::Share.tick(0.25), "25%");
        assert_eq!(Unit::Multiple.full(1.046), "1.05×");
        assert_eq!(Unit::Count.full(80.9), "81");
        assert_eq!(Unit::Count.full(f64::NAN), "undefined");
    }

    #[test]
    fn control_characters_cannot_reach_the_svg() {
        assert_eq!(plain("a\u{1}b\tc"), "a\u{FFFD}b\tc");
        assert_eq!(plain("<script>&\""), "<script>&\"");
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name("dist", "site.a/b<c>.engagements"),
            "dist-site.a_b_c_.engagements.svg"
        );
    }
}
