//! The outside view against the inside view (`sibsim outside-view FILE --charts DIR`): for one
//! plan figure, the simulation's low, median and high (the inside view) and the plan scaled by
//! past projects' actual/plan ratios at the same levels (the outside view; docs/outside-view.md),
//! as two horizontal interval bars on one axis, with the plan marked. A median outside the other
//! view's interval is the disagreement `outside-view` flags, and the note under the plot says so.

use plotters::prelude::*;

use super::rows::{self, Frame};
use super::{draw_error, palette, plain, Chart, ChartError, Unit};
use crate::analysis::outside_view::{compare, OutsideView, OutsideViewReport, ReferenceClass};
use crate::analysis::RunReport;
use crate::scenario::Model;

/// The inside view's colour (the simulation: blue, as the distribution's cumulative curve).
pub const INSIDE_COLOUR: RGBColor = palette::BLUE;
/// The outside view's colour: reddish purple, as its band on the distribution charts.
pub const OUTSIDE_COLOUR: RGBColor = super::distribution::OUTSIDE_COLOUR;

/// One plan figure's chart of the two views.
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideInside {
    /// What the chart answers, e.g. "Engagements, all sites: the simulation against past
    /// projects".
    pub title: String,
    /// The x axis' description, with its unit.
    pub x_label: String,
    /// Lines under the plot: scenario, the reference class, the disagreement if any.
    pub notes: Vec<String>,
    /// How the values are written (count, £, share, multiple).
    pub unit: Unit,
    /// The levels of the low, median and high quantiles of both views.
    pub levels: [f64; 3],
    /// The plan figure under both views.
    pub view: OutsideView,
    /// The reference class' name (`volume`).
    pub class: String,
}

impl OutsideInside {
    /// The chart of `view`, a plan figure of `model` under both views at `levels`, the outside
    /// one from reference class `class`; `note` is the first line under the plot (scenario,
    /// trials, cases).
    pub fn new(
        model: &Model,
        view: &OutsideView,
        levels: [f64; 3],
        class: &str,
        note: String,
    ) -> OutsideInside {
        let what = super::describe(model, &view.metric);
        let unit = Unit::of(&view.metric);
        let mut notes = vec![note];
        if view.disagree {
            notes.push(format!(
                "The views disagree: a median lies outside the other view's P{:.0}–P{:.0}.",
                levels[0] * 100.0,
                levels[2] * 100.0
            ));
        }
        OutsideInside {
            title: format!("{what}: the simulation against past projects"),
            x_label: format!("{what}{}", unit.axis_suffix()),
            notes,
            unit,
            levels,
            view: view.clone(),
            class: plain(class),
        }
    }

    /// The rows, top first: the inside view, then the outside view.
    pub const ROWS: [&'static str; 2] = [
        "The simulation (inside view)",
        "Past projects (outside view)",
    ];

    /// A view's legend text: "Simulation P10–P50–P90: 942 – 1,246 – 1,638".
    fn legend(&self, what: &str, q: [f64; 3]) -> String {
        let [a, b, c] = self.levels.map(|p| p * 100.0);
        format!(
            "{what} P{a:.0}–P{b:.0}–P{c:.0}: {} – {} – {}",
            self.unit.full(q[0]),
            self.unit.full(q[1]),
            self.unit.full(q[2])
        )
    }

    /// The x range drawn: both views and the plan, padded.
    pub fn x_range(&self) -> (f64, f64) {
        let v = &self.view;
        rows::range(v.inside.into_iter().chain(v.outside).chain([v.plan]), None)
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::Draw`] if plotters fails.
    pub fn render(&self) -> Result<String, ChartError> {
        let names: Vec<String> = Self::ROWS.iter().map(|s| s.to_string()).collect();
        let unit = self.unit;
        let tick = move |x: f64| unit.tick(x);
        let frame = Frame {
            title: &self.title,
            x_label: &self.x_label,
            notes: &self.notes,
            rows: &names,
            x_range: self.x_range(),
            x_tick: &tick,
            name_width: 230,
        };
        let n = names.len();
        let v = &self.view;
        let finite = |q: &[f64; 3]| q.iter().all(|x| x.is_finite());
        let views = [
            (v.inside, INSIDE_COLOUR, self.legend("Simulation", v.inside)),
            (
                v.outside,
                OUTSIDE_COLOUR,
                self.legend(&format!("Outside view ({})", self.class), v.outside),
            ),
        ];
        rows::render(&frame, |chart| {
            let e = draw_error(&self.title);
            for (i, (q, colour, label)) in views.iter().enumerate() {
                if !finite(q) {
                    continue;
                }
                let fill = colour.mix(0.75).filled();
                chart
                    .draw_series(std::iter::once(rows::bar(n, i, q[0], q[2], 0.3, 0.7, fill)))
                    .map_err(&e)?
                    .label(plain(label))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], fill));
            }
            let medians: Vec<_> = views
                .iter()
                .enumerate()
                .filter(|(_, (q, _, _))| finite(q))
                .map(|(i, (q, _, _))| {
                    Circle::new((q[1], rows::row_y(n, i)), 6, palette::BLACK.filled())
                })
                .collect();
            if !medians.is_empty() {
                chart
                    .draw_series(medians)
                    .map_err(&e)?
                    .label("Median (P50) of each view")
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, palette::BLACK.filled()));
            }
            if v.plan.is_finite() {
                let style = palette::VERMILION.stroke_width(3);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(v.plan, 0.0), (v.plan, n as f64)],
                        style,
                    )))
                    .map_err(&e)?
                    .label(format!("Plan {}", unit.full(v.plan)))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
            Ok(())
        })
    }

    /// The chart, named for its metric: `outside-<metric>.svg`.
    ///
    /// # Errors
    /// As [`render`](Self::render).
    pub fn chart(&self) -> Result<Chart, ChartError> {
        Ok(Chart {
            file: super::file_name("outside", &self.view.metric),
            title: self.title.clone(),
            svg: self.render()?,
        })
    }
}

/// "5 past projects in 3 programmes (class volume)".
fn cases_note(cases: usize, programmes: usize, class: &str) -> String {
    format!(
        "outside view: plan × the actual/plan ratios of {cases} past project{} in {programmes} programme{} (class {})",
        if cases == 1 { "" } else { "s" },
        if programmes == 1 { "" } else { "s" },
        plain(class)
    )
}

/// The charts of `sibsim outside-view --charts`: one per plan figure of `view`, a report of
/// `model`, in its order.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn outside_view_charts(
    model: &Model,
    view: &OutsideViewReport,
) -> Result<Vec<Chart>, ChartError> {
    let mut programmes: Vec<&str> = view.cases.iter().map(|c| c.programme.as_str()).collect();
    programmes.sort_unstable();
    programmes.dedup();
    let note = format!(
        "Scenario {} · {}",
        plain(&view.scenario),
        cases_note(view.cases.len(), programmes.len(), &view.class)
    );
    view.plan
        .iter()
        .map(|v| OutsideInside::new(model, v, view.quantiles, &view.class, note.clone()).chart())
        .collect()
}

/// The outside view against the inside view of every plan figure of a run of `model` (`report`),
/// with the outside view from reference class `rc` at the run's quantile levels: the chart of
/// `sibsim outside-view --charts` for a finished run (e.g. for the HTML report). A plan figure
/// whose metric the run does not summarise is left out.
///
/// # Errors
/// [`ChartError::Draw`] if plotters fails.
pub fn outside_inside_charts(
    model: &Model,
    report: &RunReport,
    rc: &ReferenceClass,
) -> Result<Vec<Chart>, ChartError> {
    let s = &report.summary;
    let note = format!(
        "Scenario {} · {} trials (seed {}) · {}",
        plain(&s.scenario),
        super::thousands(s.trials as f64),
        s.seed,
        cases_note(rc.cases.len(), rc.programmes, &rc.class)
    );
    model
        .plan
        .iter()
        .filter_map(|p| {
            let m = &s.metrics.iter().find(|(n, _)| *n == p.metric)?.1;
            let view = compare(
                rc,
                &p.metric,
                p.value,
                [m.low, m.median, m.high],
                s.quantiles,
            );
            Some(OutsideInside::new(model, &view, s.quantiles, &rc.class, note.clone()).chart())
        })
        .collect()
}
