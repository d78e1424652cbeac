//! The summary as a plain-text table for the terminal: what a user reads first after a run.
//!
//! No colour or box drawing, so the output pastes cleanly into an email or a ticket. Numbers are
//! rounded for reading, not for further use; the JSON and CSV exports carry full precision.

use std::fmt::Write as _;

use crate::analysis::Summary;

/// Separates columns.
const GAP: &str = "  ";

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
        let rows: Vec<Vec<String>> = summary
            .metrics
            .iter()
            .map(|(name, m)| {
                vec![
                    name.clone(),
                    number(m.low),
                    number(m.median),
                    number(m.high),
                    number(m.mean),
                ]
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();

        out.push('\n');
        for row in std::iter::once(&header)
            .chain(std::iter::once(&rule))
            .chain(&rows)
        {
            push_row(&mut out, row, &widths);
        }
    }

    if !summary.probabilities.is_empty() {
        let rows: Vec<[String; 2]> = summary
            .probabilities
            .iter()
            .map(|(name, p)| [name.clone(), format!("{:.1}%", p.p * 100.0)])
            .collect();
        let name_width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
        let p_width = rows.iter().map(|r| r[1].chars().count()).max().unwrap_or(0);

        out.push_str("\nProbabilities\n");
        for ([name, p], (_, prob)) in rows.iter().zip(&summary.probabilities) {
            let _ = writeln!(
                out,
                "{name:<name_width$}{GAP}{p:>p_width$} ± {}%",
                number(prob.mcse * 100.0)
            );
        }
    }
    out
}

/// One table line: the first cell left-aligned, the rest right-aligned, no trailing spaces.
pub fn push_row(out: &mut String, cells: &[String], widths: &[usize]) {
    let mut line = String::new();
    for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
        if i == 0 {
            let _ = write!(line, "{cell:<w$}");
        } else {
            let _ = write!(line, "{GAP}{cell:>w$}");
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// "P10" for 0.1, "P2.5" for 0.025, "P50" for 0.5.
fn quantile_label(q: f64) -> String {
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
pub(crate) fn group_thousands(digits: &str) -> String {
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
        };
        assert_eq!(
            render(&summary),
            "Scenario s: 1 trial, seed 0, quantiles P2.5 / P50 / P97.5\n"
        );
    }
}
