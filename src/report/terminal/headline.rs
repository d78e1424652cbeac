//! The headline of a run: the answers first, in about twenty lines that fit 100 columns — the plan
//! against the simulation, each site's provider risk, the investor's returns, the SPV, termination,
//! the commissioners' cost per outcome — then warnings in words for anything alarming.
//!
//! Units follow the metric: money as `£` with thousands separators, probabilities, shares and
//! IRRs as percentages, counts as whole numbers, money multiples to two decimals. Only figures
//! the scenario has are shown (no investor lines without finance, no plan section without plan
//! figures). The warnings and their thresholds are documented in `docs/terminal.md`; the
//! thresholds are the constants below.

use std::fmt::Write as _;

use super::{group_thousands, quantile_label};
use crate::analysis::run::RunReport;
use crate::analysis::{MetricSummary, Summary};
use crate::report::table::Table;

/// A provider losing money (or in distress) in at least this share of trials is warned of.
pub const PROVIDER_WARNING: f64 = 0.5;
/// A site terminated early in at least this share of trials is warned of: a commissioner ending a
/// contract in one trial in four is a risk a board should see.
pub const TERMINATION_WARNING: f64 = 0.25;
/// An investor losing capital in at least this share of trials is warned of.
pub const CAPITAL_LOSS_WARNING: f64 = 0.5;
/// The SPV running out of money in at least this share of trials is warned of: a default stops
/// payments to every provider and the investor, so a one-in-ten chance is already alarming.
pub const SPV_DEFAULT_WARNING: f64 = 0.1;
/// A plan figure met in fewer than this share of trials (but in some) is warned of; one met in
/// none lies beyond every trial and is said so.
pub const PLAN_WARNING: f64 = 0.1;

/// How a metric's figures read (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Whole numbers with thousands separators (engagements, job starts, months).
    Count,
    /// Pounds, whole, with thousands separators.
    Money,
    /// A share or rate as a percentage to one decimal (IRRs, block shares, utilisations).
    Percent,
    /// A money multiple to two decimals.
    Multiple,
}

impl Unit {
    /// The unit of a metric, from its name (the metric names of README "Metric names"), as the
    /// terminal shows it: the catalogue's unit ([`units::Unit::of_metric`]) with months counted
    /// like events, and shares and annual rates as percentages.
    ///
    /// [`units::Unit::of_metric`]: crate::scenario::units::Unit::of_metric
    pub fn of(metric: &str) -> Unit {
        use crate::scenario::units::Unit as U;
        match U::of_metric(metric) {
            U::Count | U::Months | U::EsMonths | U::Number => Unit::Count,
            U::Money => Unit::Money,
            U::Share | U::AnnualRate | U::Probability => Unit::Percent,
            U::Multiple => Unit::Multiple,
        }
    }

    /// `x` in this unit; "undefined" for NaN.
    pub fn format(self, x: f64) -> String {
        if x.is_nan() {
            return "undefined".into();
        }
        match self {
            Unit::Count => whole(x),
            Unit::Money => pounds(x),
            Unit::Percent => rate(x),
            Unit::Multiple => format!("{x:.2}"),
        }
    }
}

/// One plan figure against the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLine {
    /// The metric the plan figure is for, e.g. `engagements`.
    pub metric: String,
    /// The business case's figure, in the metric's unit.
    pub plan: f64,
    /// The metric's simulated low / median / high (NaN where the summary has none).
    pub simulated: [f64; 3],
    /// Share of trials at or below the plan.
    pub percentile: f64,
    /// Share of trials reaching the plan.
    pub p_meet: f64,
    /// The value reached in a share `confidence` of trials.
    pub derisked: f64,
}

/// One site's provider risk.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRisk {
    /// The site's id.
    pub site: String,
    /// P(provider loss): the share of trials in which the site's provider makes a loss.
    pub p_loss: f64,
    /// P(provider distress) at some month; `None` when the site has no distress rule.
    pub p_distress: Option<f64>,
    /// P(the site is terminated early); `None` when the site has no termination rule.
    pub p_terminated: Option<f64>,
}

/// A figure shown as its three quantiles, with the summary's note on any that is undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The low, median and high quantiles, in the figure's unit (NaN where undefined).
    pub values: [f64; 3],
    /// The summary's notes on the quantiles that have one, as (figure, note).
    pub notes: Vec<(&'static str, String)>,
}

/// A warning in words, with the figures and threshold behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The sentence shown.
    pub text: String,
    /// The threshold the figures crossed (a probability; 0 for a plan beyond every trial).
    pub threshold: f64,
    /// Each probability it is about and its value, e.g. (`spv.default`, 0.999).
    pub figures: Vec<(String, f64)>,
}

/// The headline of a run: what a board reads first.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The lines above the headline's sections: scenario, trials, seed, quantiles, sampling (and
    /// precision, for a run to a precision), each ending in a newline.
    pub header: String,
    /// The quantile levels the ranges are at.
    pub quantiles: [f64; 3],
    /// The confidence of the de-risked targets.
    pub confidence: f64,
    /// Each plan figure against the simulation, in the model's order.
    pub plan: Vec<PlanLine>,
    /// Sites in the order of the scenario's model.
    pub sites: Vec<SiteRisk>,
    /// The investor's money multiple (`None`: no finance).
    pub multiple: Option<Range>,
    /// The investor's IRR, annual (`None`: no finance).
    pub irr: Option<Range>,
    /// P(investor capital loss): money multiple below 1 (`None`: no finance).
    pub p_capital_loss: Option<f64>,
    /// P(SPV default): the SPV ran a deficit beyond the facility (`None`: no finance).
    pub p_spv_default: Option<f64>,
    /// The probability that any site is terminated early.
    pub p_terminated: Option<f64>,
    /// Commissioners' and outcome payers' cost per sustained job, £ (`None`: none recorded).
    pub cost_per_sustained_job: Option<Range>,
    /// Their cost per job start, £ (`None`: none recorded).
    pub cost_per_job_start: Option<Range>,
    /// Warnings in words, in the order shown.
    pub warnings: Vec<Warning>,
}

impl Headline {
    /// The headline of `report`; `header` is the text of its first lines (see [`Headline::header`]).
    pub fn new(report: &RunReport, header: String) -> Headline {
        let s = &report.summary;
        let plan: Vec<PlanLine> = report
            .plan
            .iter()
            .map(|c| PlanLine {
                metric: c.metric.clone(),
                plan: c.plan,
                simulated: metric(s, &c.metric)
                    .map_or([f64::NAN; 3], |m| [m.low, m.median, m.high]),
                percentile: c.percentile,
                p_meet: c.p_meet,
                derisked: c.derisked_target,
            })
            .collect();
        // The sites, in the engine's (the model's) order, from their provider-loss flags.
        let sites: Vec<SiteRisk> = s
            .probabilities
            .iter()
            .filter_map(|(name, p)| {
                let site = name.strip_prefix("site.")?.strip_suffix(".provider_loss")?;
                let flag = |what: &str| probability(s, &format!("site.{site}.{what}"));
                Some(SiteRisk {
                    site: site.to_owned(),
                    p_loss: p.p,
                    p_distress: flag("provider_distress"),
                    p_terminated: flag("terminated"),
                })
            })
            .collect();
        let mut headline = Headline {
            header,
            quantiles: s.quantiles,
            confidence: report.plan.first().map_or(0.0, |c| c.confidence),
            plan,
            sites,
            multiple: range(s, "investor.multiple"),
            irr: range(s, "investor.irr"),
            p_capital_loss: probability(s, "investor.capital_loss"),
            p_spv_default: probability(s, "spv.default"),
            p_terminated: probability(s, "terminated"),
            cost_per_sustained_job: range(s, "commissioning.cost_per_sustained_job"),
            cost_per_job_start: range(s, "commissioning.cost_per_job_start"),
            warnings: Vec::new(),
        };
        headline.warnings = headline.find_warnings();
        headline
    }

    /// The warnings, in the order of the sections: plan, sites, investor, SPV. Figures of one
    /// kind (every site whose provider loses money, …) share one warning.
    fn find_warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        let mut warn = |text: String, threshold: f64, figures: Vec<(String, f64)>| {
            if !figures.is_empty() {
                out.push(Warning {
                    text,
                    threshold,
                    figures,
                });
            }
        };
        let high = quantile_label(self.quantiles[2]);
        let plan_flag = |p: &PlanLine| (format!("plan.{}.met", p.metric), p.p_meet);
        let beyond: Vec<&PlanLine> = self.plan.iter().filter(|p| p.p_meet == 0.0).collect();
        let list: Vec<String> = beyond
            .iter()
            .map(|p| {
                let unit = Unit::of(&p.metric);
                format!(
                    "{} {} (simulated {high} {})",
                    p.metric,
                    unit.format(p.plan),
                    unit.format(p.simulated[2])
                )
            })
            .collect();
        warn(
            format!("The plan lies beyond every trial: {}.", list.join(", ")),
            0.0,
            beyond.iter().map(|p| plan_flag(p)).collect(),
        );
        let unlikely: Vec<&PlanLine> = self
            .plan
            .iter()
            .filter(|p| p.p_meet > 0.0 && p.p_meet < PLAN_WARNING)
            .collect();
        let list: Vec<String> = unlikely
            .iter()
            .map(|p| {
                format!(
                    "{} {} ({})",
                    p.metric,
                    Unit::of(&p.metric).format(p.plan),
                    percent(p.p_meet)
                )
            })
            .collect();
        warn(
            format!(
                "The plan is met in fewer than {:.0}% of trials: {}.",
                PLAN_WARNING * 100.0,
                list.join(", ")
            ),
            PLAN_WARNING,
            unlikely.iter().map(|p| plan_flag(p)).collect(),
        );
        let mut by_site =
            |what: &str, get: fn(&SiteRisk) -> Option<f64>, threshold: f64, text: &str| {
                let hits: Vec<(String, f64)> = self
                    .sites
                    .iter()
                    .filter_map(|s| {
                        get(s)
                            .filter(|&p| p >= threshold)
                            .map(|p| (s.site.clone(), p))
                    })
                    .collect();
                let list: Vec<String> = hits
                    .iter()
                    .map(|(s, p)| format!("{s} {}", percent(*p)))
                    .collect();
                warn(
                    format!("{text}: {}.", list.join(", ")),
                    threshold,
                    hits.into_iter()
                        .map(|(s, p)| (format!("site.{s}.{what}"), p))
                        .collect(),
                );
            };
        by_site(
            "provider_loss",
            |s| Some(s.p_loss),
            PROVIDER_WARNING,
            "Providers lose money in half the trials or more",
        );
        by_site(
            "provider_distress",
            |s| s.p_distress,
            PROVIDER_WARNING,
            "Providers fall into distress in half the trials or more",
        );
        by_site(
            "terminated",
            |s| s.p_terminated,
            TERMINATION_WARNING,
            "Sites terminated early in a quarter of trials or more",
        );
        if let Some(p) = self.p_capital_loss.filter(|&p| p >= CAPITAL_LOSS_WARNING) {
            warn(
                format!(
                    "The investor loses capital (money multiple below 1) in {} of trials.",
                    percent(p)
                ),
                CAPITAL_LOSS_WARNING,
                vec![("investor.capital_loss".into(), p)],
            );
        }
        if let Some(p) = self.p_spv_default.filter(|&p| p >= SPV_DEFAULT_WARNING) {
            warn(
                format!("The SPV runs out of money in {} of trials.", percent(p)),
                SPV_DEFAULT_WARNING,
                vec![("spv.default".into(), p)],
            );
        }
        out
    }

    /// The headline as text, each line ending in a newline and at most [`WIDTH`] columns wide
    /// (but for a site or metric name too long for the table).
    pub fn render(&self) -> String {
        let mut out = self.header.clone();
        let labels = self.quantiles.map(quantile_label);
        if !self.plan.is_empty() {
            let _ = writeln!(
                out,
                "\nPlan vs simulation (de-risked target: reached in {} of trials)",
                percent(self.confidence)
            );
            let mut t = Table::names_then_figures(6, 1);
            let simulated = format!("simulated {}", labels.join(" / "));
            t.row([
                "plan figure",
                "plan",
                &simulated,
                "percentile",
                "P(meet)",
                "de-risked",
            ]);
            for p in &self.plan {
                let unit = Unit::of(&p.metric);
                let sim: Vec<String> = p.simulated.iter().map(|&x| unit.format(x)).collect();
                t.row([
                    p.metric.clone(),
                    unit.format(p.plan),
                    sim.join(" / "),
                    percent(p.percentile),
                    percent(p.p_meet),
                    unit.format(p.derisked),
                ]);
            }
            t.render_into(&mut out);
        }
        if !self.sites.is_empty() {
            out.push('\n');
            let mut t = Table::names_then_figures(4, 1);
            t.row([
                "provider at site",
                "P(loss)",
                "P(distress)",
                "P(terminated)",
            ]);
            let opt = |p: Option<f64>| p.map_or_else(String::new, percent);
            for s in &self.sites {
                t.row([
                    s.site.clone(),
                    percent(s.p_loss),
                    opt(s.p_distress),
                    opt(s.p_terminated),
                ]);
            }
            t.render_into(&mut out);
        }

        // The ranges as a table of three quantiles, with numbered notes on undefined ones.
        let mut notes: Vec<String> = Vec::new();
        let mut rows: Vec<[String; 4]> = Vec::new();
        let investor = [
            (
                "investor money multiple",
                &self.multiple,
                Unit::Multiple,
                "",
            ),
            ("investor IRR", &self.irr, Unit::Percent, ""),
        ];
        let costs = [
            (
                "commissioners' cost per sustained job",
                &self.cost_per_sustained_job,
                Unit::Money,
                "undefined in every trial: no trial has a job sustained 26 weeks",
            ),
            (
                "commissioners' cost per job start",
                &self.cost_per_job_start,
                Unit::Money,
                "undefined in every trial: no trial has a job start",
            ),
        ];
        for (label, range, unit, never) in investor.into_iter().chain(costs) {
            let Some(r) = range else { continue };
            let mut row = [
                label.to_owned(),
                String::new(),
                String::new(),
                String::new(),
            ];
            if r.values.iter().all(|x| x.is_nan()) && !never.is_empty() {
                notes.push(never.to_owned());
                let mark = format!("undefined [{}]", notes.len());
                row[1..].iter_mut().for_each(|c| *c = mark.clone());
            } else {
                for (k, figure) in ["low", "median", "high"].into_iter().enumerate() {
                    let text = unit.format(r.values[k]);
                    row[k + 1] = match r.notes.iter().find(|(f, _)| *f == figure) {
                        Some((_, note)) => {
                            notes.push(note.clone());
                            format!("{text} [{}]", notes.len())
                        }
                        None => text,
                    };
                }
            }
            rows.push(row);
        }
        if !rows.is_empty() {
            out.push('\n');
            let mut t = Table::names_then_figures(4, 1);
            t.row([
                String::new(),
                labels[0].clone(),
                labels[1].clone(),
                labels[2].clone(),
            ]);
            for row in rows {
                t.row(row);
            }
            t.render_into(&mut out);
        }
        let chances: Vec<String> = [
            ("P(investor capital loss)", self.p_capital_loss),
            ("P(SPV default)", self.p_spv_default),
            ("P(a site terminated early)", self.p_terminated),
        ]
        .into_iter()
        .filter_map(|(label, p)| p.map(|p| format!("{label} {}", percent(p))))
        .collect();
        if !chances.is_empty() {
            wrap_into(&mut out, &chances.join("; "), "");
        }
        for (k, note) in notes.iter().enumerate() {
            wrap_into(&mut out, &format!("[{}] {note}", k + 1), "    ");
        }

        if !self.warnings.is_empty() {
            out.push_str("\nWarnings\n");
            for w in &self.warnings {
                wrap_into(&mut out, &format!("- {}", w.text), "  ");
            }
        }
        out
    }
}

/// Widest line of the headline's text, in characters.
pub const WIDTH: usize = 100;

/// `text` as lines of at most [`WIDTH`] characters, broken at spaces, the later ones indented. A
/// word longer than a table cell's [`MAX_CELL`](crate::report::table::MAX_CELL) (a 70,000-character
/// site id in a warning) is cut with an ellipsis as a table cuts it; the JSON keeps it whole.
fn wrap_into(out: &mut String, text: &str, indent: &str) {
    let mut line = String::new();
    for word in text.split(' ') {
        let word = &crate::report::table::truncate_cell(word.to_string());
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_owned();
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

fn metric<'a>(s: &'a Summary, name: &str) -> Option<&'a MetricSummary> {
    s.metrics.iter().find(|(n, _)| n == name).map(|(_, m)| m)
}

fn probability(s: &Summary, name: &str) -> Option<f64> {
    s.probabilities
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.p)
}

/// A metric's three quantiles with the summary's notes on them.
fn range(s: &Summary, name: &str) -> Option<Range> {
    let m = metric(s, name)?;
    let notes = s
        .notes
        .iter()
        .filter(|n| n.metric == name && n.figure != "mean")
        .map(|n| (n.figure, n.note.clone()))
        .collect();
    Some(Range {
        values: [m.low, m.median, m.high],
        notes,
    })
}

/// A probability as a percentage to one decimal that never rounds to 0% or 100% when it is not:
/// "<0.1%" and ">99.9%" instead.
pub fn percent(p: f64) -> String {
    if p.is_nan() {
        "undefined".into()
    } else if p > 0.0 && p < 0.0005 {
        "<0.1%".into()
    } else if (0.9995..1.0).contains(&p) {
        ">99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// A rate (an IRR, a share) as a percentage to one decimal, "-0.0%" shown as "0.0%".
fn rate(x: f64) -> String {
    let s = format!("{:.1}%", x * 100.0);
    if s == "-0.0%" {
        "0.0%".into()
    } else {
        s
    }
}

/// A whole number with thousands separators.
fn whole(x: f64) -> String {
    let s = group_thousands(&format!("{:.0}", x.round()));
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Whole pounds with thousands separators: "£9,283", "-£147,132".
fn pounds(x: f64) -> String {
    let w = whole(x);
    match w.strip_prefix('-') {
        Some(rest) => format!("-£{rest}"),
        None => format!("£{w}"),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_very_long_word_is_cut_as_a_table_cell_is() {
        let id = "x".repeat(70_000);
        let mut out = String::new();
        wrap_into(&mut out, &format!("- site {id} has no staff"), "  ");
        let cut = format!("{}…", "x".repeat(crate::report::table::MAX_CELL - 1));
        assert_eq!(out, format!("- site\n  {cut}\n  has no staff\n"));
    }

    use super::*;

    #[test]
    fn units_follow_the_metric() {
        assert_eq!(Unit::of("engagements"), Unit::Count);
        assert_eq!(Unit::of("site.haringey.job_starts.ge16"), Unit::Count);
        assert_eq!(Unit::of("site.haringey.provider.margin"), Unit::Money);
        assert_eq!(Unit::of("payments.by_payer.sof"), Unit::Money);
        assert_eq!(Unit::of("payments.share.sof"), Unit::Percent);
        assert_eq!(Unit::of("investor.irr"), Unit::Percent);
        assert_eq!(Unit::of("investor.loan.irr_owed"), Unit::Percent);
        assert_eq!(Unit::of("investor.multiple"), Unit::Multiple);
        assert_eq!(Unit::of("commissioning.cost_per_job_start"), Unit::Money);
        assert_eq!(Unit::Money.format(-147_132.4), "-£147,132");
        assert_eq!(Unit::Money.format(9_283.0), "£9,283");
        assert_eq!(Unit::Count.format(80.9), "81");
        assert_eq!(Unit::Count.format(-0.2), "0");
        assert_eq!(Unit::Percent.format(-0.00969), "-1.0%");
        assert_eq!(Unit::Percent.format(-0.0004), "0.0%");
        assert_eq!(Unit::Multiple.format(0.984), "0.98");
        assert_eq!(Unit::Percent.format(f64::NAN), "undefined");
    }

    #[test]
    fn percentages_never_round_to_certainty() {
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.0004), "<0.1%");
        assert_eq!(percent(0.9996), ">99.9%");
        assert_eq!(percent(0.513), "51.3%");
    }

    #[test]
    fn long_text_wraps_at_spaces_within_the_width() {
        let text = format!("- {}", "word ".repeat(40));
        let mut out = String::new();
        wrap_into(&mut out, text.trim_end(), "  ");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[1].starts_with("  word"));
        assert_eq!(out.split_whitespace().count(), 41);
    }
}
