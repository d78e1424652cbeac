//! The terminal exporter: every result as plain text and tables, what a user reads first.
//!
//! No colour or box drawing, so the output pastes cleanly into an email or a ticket. Numbers are
//! rounded for reading, not for further use; the JSON and CSV exports carry full precision. This
//! file holds the exporter, the run summary and the number formats; each other kind of result has
//! its own file beside it.

mod analyses;
mod evidence;
mod filter;
pub mod headline;
mod pay;
mod plan;

use std::fmt::Write as _;

pub use filter::MetricPattern;
pub use pay::money;

use super::table::{Align, Table};
use super::{Exporter, Report, ReportError};
use crate::analysis::contract::Validation;
use crate::analysis::run::RunReport;
use crate::analysis::Summary;
use crate::scenario::outputs::is_financial_year_metric;

/// Text for a terminal (UTF-8), each line ending in a newline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal;

impl Exporter for Terminal {
    fn format(&self) -> &'static str {
        "terminal"
    }

    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError> {
        let text = match report {
            // The headline; the full table is `table`'s (`run --full`).
            Report::Run(r) => headline::Headline::new(r, header(r)).render(),
            Report::Plan(p) => plan::render(p),
            // Millions of numbers are not for reading on a terminal.
            Report::Trials(_) | Report::Monthly(_) => return Err(self.unsupported(report)),
            Report::Validation(v) => validation(v),
            Report::Settlement(s) => pay::render(s),
            Report::Backtest(b) => analyses::backtest(b),
            Report::OutsideView(o) => analyses::outside_view(o),
            Report::Calibration(c) => evidence::calibration(c),
            Report::Evidence(l) => evidence::listing(l),
        };
        Ok(text.into_bytes())
    }
}

/// The first lines of a run's output: the scenario, trials, seed and quantiles; how it sampled;
/// for a run to a precision, the targets and errors achieved.
pub fn header(r: &RunReport) -> String {
    let s = &r.summary;
    let summary = render(&Summary {
        scenario: s.scenario.clone(),
        trials: s.trials,
        seed: s.seed,
        quantiles: s.quantiles,
        metrics: Vec::new(),
        probabilities: Vec::new(),
        notes: Vec::new(),
    });
    let precision = r.precision.as_ref().map(precision).unwrap_or_default();
    format!("{summary}{}{precision}", sampling(&r.sampling))
}

/// A run's full table (`run --full`): every metric but the per-financial-year ones, every
/// probability and every plan figure whose name `keep` accepts, without the header lines (see
/// [`header`]). Empty when `keep` accepts none.
pub fn table(r: &RunReport, keep: &dyn Fn(&str) -> bool) -> String {
    let summary = Summary {
        metrics: r
            .summary
            .metrics
            .iter()
            .filter(|(n, _)| keep(n))
            .cloned()
            .collect(),
        probabilities: r
            .summary
            .probabilities
            .iter()
            .filter(|(n, _)| keep(n))
            .cloned()
            .collect(),
        ..r.summary.clone()
    };
    let text = render(&summary);
    // render's first line is the header, already printed with the headline.
    let rest = &text[text.find('\n').map_or(text.len(), |i| i + 1)..];
    let plan: Vec<_> = r.plan.iter().filter(|c| keep(&c.metric)).cloned().collect();
    format!("{rest}{}", plan::render(&plan))
}

/// How a run sampled its inputs and where its Monte Carlo errors come from, one line:
/// `Sampling: lhs, 32 replicates × 313 trials; errors (±) from the replicates' spread`.
fn sampling(plan: &crate::engine::sampling::Plan) -> String {
    if plan.method.replicated() {
        format!(
            "Sampling: {}, {} replicates × {} trials; errors (±) from the replicates' spread\n",
            plan.method,
            group_thousands(&plan.replicates.to_string()),
            group_thousands(&plan.per_replicate.to_string())
        )
    } else {
        format!("Sampling: {}, independent trials\n", plan.method)
    }
}

/// How a run to a precision ended, and each target's achieved relative errors:
/// `Precision: met after 5,120 trials (in steps of 1,024, then of ~10%; at most 1,000,000)` then one line a
/// target, `  engagements ≤ 0.50%: mean 0.21%, P10 0.35%, P50 0.30%, P90 0.41%`.
fn precision(p: &crate::analysis::run::PrecisionOutcome) -> String {
    let mut out = format!(
        "Precision: {} {} trials (in steps of {}, then of ~10%; at most {})\n",
        if p.met {
            "met after"
        } else {
            "NOT met at the cap of"
        },
        group_thousands(&p.trials.to_string()),
        group_thousands(&p.checked_every.to_string()),
        group_thousands(&p.max_trials.to_string()),
    );
    let pct = |x: f64| {
        if x.is_nan() {
            "undefined".to_string()
        } else {
            format!("{:.2}%", x * 100.0)
        }
    };
    for t in &p.targets {
        let r = t.relative;
        out.push_str(&format!(
            "  {} ≤ {}: mean {}, P10 {}, P50 {}, P90 {}\n",
            t.metric,
            pct(t.target),
            pct(r[0]),
            pct(r[1]),
            pct(r[2]),
            pct(r[3])
        ));
    }
    out
}

/// `FILE: ok — scenario "…": N sites, …`, the plausibility warnings (`warning: …` with the line
/// and a caret) and the notes, one a line.
fn validation(v: &Validation) -> String {
    let n = |count: usize, one: &str, many: &str| {
        let many = if count == 1 { one } else { many };
        format!("{} {many}", group_thousands(&count.to_string()))
    };
    let mut out = format!(
        "{}: ok — scenario \"{}\": {}, {}, {}, {}, {}, {}, {} from {}\n",
        v.file,
        v.scenario,
        n(v.sites, "site", "sites"),
        n(v.parties, "party", "parties"),
        n(v.tariff_lines, "tariff line", "tariff lines"),
        n(v.blocks, "block", "blocks"),
        n(v.caps, "cap", "caps"),
        n(v.plan_figures, "plan figure", "plan figures"),
        n(v.months as usize, "month", "months"),
        v.start
    );
    for w in &v.warnings {
        out.push_str("warning: ");
        out.push_str(w);
        out.push('\n');
    }
    for n in &v.notes {
        out.push_str(n);
        out.push('\n');
    }
    out
}

/// Renders the summary: a header line, a table of metrics (`metric`, the three quantiles, `mean`)
/// and a list of probabilities with their Monte Carlo standard errors.
///
/// # Example
/// ```text
/// Scenario mhep1: 10,000 trials, seed 42, quantiles P10 / P50 / P90
///
/// metric                   P10      P50    P90     mean
/// ----------------  ----------  -------  -----  -------
/// engagements            3,180    3,415  3,640    3,413
/// investor.irr           0.031     0.05  0.074   0.0523
/// provider.surplus  -1,234,567  -40,000   12.3  -42,650
///
/// Probabilities
/// provider_loss          12.3% ± 0.328%
/// plan.engagements.met  100.0% ± 0%
/// ```
pub fn render(summary: &Summary) -> String {
    let labels = summary.quantiles.map(quantile_label);
    let trials_word = if summary.trials == 1 {
        "trial"
    } else {
        "trials"
    };
    let mut out = String::new();
    // Writing to a String cannot fail, hence the ignored results below.
    let _ = writeln!(
        out,
        "Scenario {}: {} {}, seed {}, quantiles {} / {} / {}",
        summary.scenario,
        group_thousands(&summary.trials.to_string()),
        trials_word,
        summary.seed,
        labels[0],
        labels[1],
        labels[2]
    );

    if !summary.metrics.is_empty() {
        let header: Vec<String> = std::iter::once("metric".to_owned())
            .chain(labels.iter().cloned())
            .chain(std::iter::once("mean".to_owned()))
            .collect();
        let mut table = Table::names_then_figures(header.len(), 1);
        table.row(header);
        table.rule();
        // The per-year figures would triple the table; they are in summary.json and summary.csv.
        let per_year = summary
            .metrics
            .iter()
            .filter(|(name, _)| is_financial_year_metric(name))
            .count();
        let mut footnotes = Vec::new();
        for (name, m) in &summary.metrics {
            if is_financial_year_metric(name) {
                continue;
            }
            // A figure with a note is marked, and the note follows the table.
            let mut cell = |figure: &'static str, x: f64| {
                let note = summary
                    .notes
                    .iter()
                    .find(|n| &n.metric == name && n.figure == figure);
                match note {
                    Some(n) => {
                        footnotes.push(n);
                        let text = if x.is_nan() {
                            "undefined".into()
                        } else {
                            number(x)
                        };
                        format!("{text} [{}]", footnotes.len())
                    }
                    None => number(x),
                }
            };
            let row = [
                name.clone(),
                cell("low", m.low),
                cell("median", m.median),
                cell("high", m.high),
                cell("mean", m.mean),
            ];
            table.row(row);
        }
        out.push('\n');
        table.render_into(&mut out);
        for (k, n) in footnotes.iter().enumerate() {
            let _ = writeln!(out, "[{}] {} {}: {}", k + 1, n.metric, n.figure, n.note);
        }
        if per_year > 0 {
            let _ = writeln!(
                out,
                "({per_year} per-financial-year figures, fy<YYYY>.…, are in summary.json and summary.csv)"
            );
        }
    }

    if !summary.probabilities.is_empty() {
        // The ± figure reads as part of the probability before it: one space, not a column gap.
        let mut table = Table::new(&[Align::Left, Align::Right, Align::Left]).gap_before(2, " ");
        for (name, p) in &summary.probabilities {
            table.row([
                name.clone(),
                format!("{:.1}%", p.p * 100.0),
                format!("± {}%", number(p.mcse * 100.0)),
            ]);
        }
        out.push_str("\nProbabilities\n");
        table.render_into(&mut out);
    }
    out
}

/// "P10" for 0.1, "P2.5" for 0.025, "P50" for 0.5.
pub(crate) fn quantile_label(q: f64) -> String {
    // Rounded to 6 decimals first so that 0.1 × 100's binary error never shows.
    format!("P{}", trim_zeros(format!("{:.6}", q * 100.0)))
}

/// A number for reading: |x| ≥ 1000 as a whole number with thousands separators ("-42,650");
/// smaller values to three significant figures, at most six decimals, trailing zeros dropped
/// ("12.3", "0.31", "4.57", "0").
pub fn number(x: f64) -> String {
    if x.is_nan() {
        // Undefined in every trial (e.g. a cost per outcome with no outcomes).
        return "—".to_owned();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let whole = x.round();
    if whole.abs() >= 1000.0 {
        return group_thousands(&format!("{whole:.0}"));
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    let s = trim_zeros(format!("{x:.decimals$}"));
    // A tiny negative value rounds to "-0", which reads as a sign error.
    if s == "-0" {
        "0".to_owned()
    } else {
        s
    }
}

/// Drops trailing zeros after a decimal point, and the point itself if nothing is left after it.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Inserts a comma every three digits into an optionally signed run of digits: "-1234567" →
/// "-1,234,567".
pub fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{MetricSummary, Probability};

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(1_234_567.4), "1,234,567");
        assert_eq!(number(-42_650.0), "-42,650");
        assert_eq!(number(999.6), "1,000");
        assert_eq!(number(1000.0), "1,000");
        assert_eq!(number(999.4), "999");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(0.31), "0.31");
        assert_eq!(number(0.0523), "0.0523");
        assert_eq!(number(4.567), "4.57");
        assert_eq!(number(-7.0), "-7");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-1e-9), "0");
        assert_eq!(number(99.96), "100");
    }

    #[test]
    fn labels_from_levels() {
        assert_eq!(quantile_label(0.1), "P10");
        assert_eq!(quantile_label(0.025), "P2.5");
        assert_eq!(quantile_label(0.5), "P50");
        assert_eq!(quantile_label(0.975), "P97.5");
        assert_eq!(quantile_label(0.9), "P90");
    }

    #[test]
    fn tiny_example_exact_lines() {
        let summary = Summary {
            scenario: "mhep1".into(),
            trials: 10_000,
            seed: 42,
            quantiles: [0.1, 0.5, 0.9],
            metrics: vec![
                (
                    "engagements".into(),
                    MetricSummary {
                        mean: 3412.7,
                        sd: 180.0,
                        mcse: 1.8,
                        low: 3180.0,
                        median: 3415.0,
                        high: 3640.2,
                    },
                ),
                (
                    "investor.irr".into(),
                    MetricSummary {
                        mean: 0.0523,
                        sd: 0.02,
                        mcse: 0.0002,
                        low: 0.031,
                        median: 0.05,
                        high: 0.074,
                    },
                ),
                (
                    "provider.surplus".into(),
                    MetricSummary {
                        mean: -42_650.0,
                        sd: 1e4,
                        mcse: 100.0,
                        low: -1_234_567.0,
                        median: -40_000.0,
                        high: 12.34,
                    },
                ),
            ],
            probabilities: vec![
                (
                    "provider_loss".into(),
                    Probability {
                        p: 0.123,
                        mcse: 0.0032834,
                    },
                ),
                (
                    "plan.engagements.met".into(),
                    Probability { p: 1.0, mcse: 0.0 },
                ),
            ],
            notes: Vec::new(),
        };
        let expected = "\
Scenario mhep1: 10,000 trials, seed 42, quantiles P10 / P50 / P90

metric                   P10      P50    P90     mean
----------------  ----------  -------  -----  -------
engagements            3,180    3,415  3,640    3,413
investor.irr           0.031     0.05  0.074   0.0523
provider.surplus  -1,234,567  -40,000   12.3  -42,650

Probabilities
provider_loss          12.3% ± 0.328%
plan.engagements.met  100.0% ± 0%
";
        assert_eq!(render(&summary), expected);
    }

    #[test]
    fn empty_sections_are_left_out() {
        let summary = Summary {
            scenario: "s".into(),
            trials: 1,
            seed: 0,
            quantiles: [0.025, 0.5, 0.975],
            metrics: vec![],
            probabilities: vec![],
            notes: Vec::new(),
        };
        assert_eq!(
            render(&summary),
            "Scenario s: 1 trial, seed 0, quantiles P2.5 / P50 / P97.5\n"
        );
    }
}
