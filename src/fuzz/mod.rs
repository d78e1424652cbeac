//! The fuzzing machinery (feature `fuzzing`, out of the normal build): [`check`] takes scenario
//! text through the whole pipeline — parse and validate, a short run, every exporter of a run —
//! and asserts the promises issue 14 makes about bad input; [`generate`] builds valid-shaped
//! scenarios with extreme values, so that a fuzzer reaches the engine and the exporters and not
//! only the parser. Used by the coverage-guided target in `fuzz/`, by the short fixed-seed fuzz
//! that CI runs (`tests/fuzz_short.rs`) and by the replay of every input it ever found
//! (`tests/fuzz_regressions.rs`); docs/fuzzing.md says how to run each.
//!
//! [`check`] returns a [`Violation`] for a broken promise it can see from inside: an error that
//! does not say where, a figure that is not finite without being undefined by definition, a
//! summary hiding a spread behind `sd` 0, an exporter failing or writing `NaN`. Panics and hangs
//! it cannot catch itself: the callers run it under `catch_unwind` and a per-case time limit.

pub mod generate;
pub mod runner;

use std::fmt;

use crate::analysis::contract;
use crate::analysis::plan::DEFAULT_CONFIDENCE;
use crate::analysis::{RunReport, TrialTable};
use crate::engine::{run, RunOptions};
use crate::error::ScenarioError;
use crate::report::csv::Csv;
use crate::report::json::Json;
use crate::report::terminal::{self, Terminal};
use crate::report::{Exporter, Report};
use crate::scenario::{self, Model};

/// Trials of [`check`]'s short run: enough for quantiles, spreads and every exporter's code
/// paths, few enough for thousands of cases a second on the small scenarios.
pub const CHECK_TRIALS: u64 = 8;

/// What [`check`] saw of an input that kept every promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with this many located errors (the exit-2 path of the command line).
    Rejected(usize),
    /// Parsed, validated, run for [`CHECK_TRIALS`] trials and rendered by every exporter.
    Ran,
}

/// A promise broken by an input: what and where, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(pub String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Violation {}

macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(Violation(format!($($arg)*)));
        }
    };
}

/// Takes scenario `text`, read from a file named `file`, through `parse → validate → run →
/// render`, checking at each step what issue 14 promises: an error names `file:line:column` within
/// the text and says what is wrong; a scenario that validates runs; every trial's figure is finite
/// or NaN where undefined by definition ([`undefined_by_definition`]); every summary figure is
/// finite, or undefined with a note; a spread is never reported as `sd` 0; each exporter of a
/// run succeeds and writes neither `NaN` nor an infinity. Never prints.
///
/// # Errors
/// The first [`Violation`] found.
pub fn check(file: &str, text: &str) -> Result<Outcome, Violation> {
    let model = match parsed(file, text)? {
        Ok(m) => m,
        Err(n) => return Ok(Outcome::Rejected(n)),
    };
    // `validate`: the same parse again, its notes, and the `max_share` checks, which simulate
    // contract::CHECK_TRIALS trials — too slow per case, so a scenario with a `max_share` is
    // checked on the short run below instead, by the same function.
    let shares = model.parties.iter().any(|p| p.max_share.is_some());
    if !shares {
        match contract::validate(file, text) {
            Ok(v) => {
                for exporter in [&Terminal as &dyn Exporter, &Json] {
                    let bytes = exporter
                        .export(Report::Validation(&v))
                        .map_err(|e| Violation(format!("rendering the validation: {e}")))?;
                    clean_output("validation", &bytes, text)?;
                }
            }
            Err(e) => return Err(Violation(format!("validate refused what parse took: {e}"))),
        }
    }
    let opts = RunOptions {
        trials: Some(CHECK_TRIALS),
        seed: Some(1),
        threads: Some(1),
        ..RunOptions::default()
    };
    let plan = opts
        .plan(&model)
        .map_err(|e| Violation(format!("no sampling plan for a valid scenario: {e}")))?;
    let table = run(&model, &opts, &|_| {})
        .map_err(|e| Violation(format!("run failed on a valid scenario: {e}")))?;
    trial_figures(&table)?;
    if shares {
        let checks = contract::share_checks(&model, &table);
        for c in &checks {
            ensure!(
                c.mean_share.is_finite() && c.p_exceeded.is_finite(),
                "max_share check of {} not finite: mean share {}, P(exceeded) {}",
                c.party,
                c.mean_share,
                c.p_exceeded
            );
        }
    }
    let _ = contract::cap_overlap_notes(&model);
    let report = RunReport::new(
        &model,
        &table,
        &plan,
        1,
        (model.settings.low, model.settings.high),
        DEFAULT_CONFIDENCE,
    );
    summary_figures(&report)?;
    render(&model, &report, &table, text)?;
    Ok(Outcome::Ran)
}

/// The parser's part of [`check`] alone — parse and validate `text` (the scenario's own checks,
/// not `validate`'s simulated `max_share` checks), and if it is refused, check that every error
/// names `file`, a line and column inside the text and what is wrong. The fast target of the
/// long fuzz (`fuzz/fuzz_targets/parse.rs`). Never prints.
///
/// # Errors
/// The first [`Violation`] found.
pub fn check_parse(file: &str, text: &str) -> Result<Outcome, Violation> {
    Ok(match parsed(file, text)? {
        Ok(_) => Outcome::Ran,
        Err(n) => Outcome::Rejected(n),
    })
}

/// The model `text` parses to, or how many (located) errors refused it.
fn parsed(file: &str, text: &str) -> Result<Result<Model, usize>, Violation> {
    match scenario::parse_scenario(file, text) {
        Ok(m) => Ok(Ok(m)),
        Err(errors) => {
            ensure!(!errors.0.is_empty(), "parse refused the file with no error");
            for e in &errors.0 {
                located(file, text, e)?;
            }
            Ok(Err(errors.0.len()))
        }
    }
}

/// Whether a metric may be NaN in a trial because it has no value there by definition: a cost per
/// outcome with no outcomes, an IRR with no sign change in the flows (the investor's, the MIRR, the
/// loan's `irr_owed` and `irr_written_off`), a money multiple with nothing paid in.
pub fn undefined_by_definition(metric: &str) -> bool {
    metric.contains(".cost_per_")
        || metric.starts_with("cost_per_")
        || metric.ends_with("irr")
        || metric.contains(".irr_")
        || metric.ends_with("multiple")
}

fn located(file: &str, text: &str, e: &ScenarioError) -> Result<(), Violation> {
    let lines = text.lines().count().max(1);
    ensure!(
        e.file == file,
        "error names file {:?}, not {file:?}: {e}",
        e.file
    );
    ensure!(
        e.line >= 1 && e.line <= lines + 1 && e.column >= 1,
        "error not located in the file ({} lines): line {}, column {}: {}",
        lines,
        e.line,
        e.column,
        e.headline()
    );
    ensure!(
        !e.problem.is_empty(),
        "error says nothing: {}",
        e.headline()
    );
    Ok(())
}

fn trial_figures(table: &TrialTable) -> Result<(), Violation> {
    let metrics = table.metric_names.len();
    for t in 0..table.trials {
        for (c, v) in table.row(t).iter().enumerate() {
            let name = table
                .metric_names
                .get(c)
                .or_else(|| table.flag_names.get(c - metrics))
                .map_or("?", String::as_str);
            ensure!(
                v.is_finite() || (v.is_nan() && c < metrics && undefined_by_definition(name)),
                "trial {t}: {name} = {v}"
            );
        }
    }
    Ok(())
}

fn summary_figures(report: &RunReport) -> Result<(), Violation> {
    let s = &report.summary;
    let noted = |metric: &str, figure: &str| {
        s.notes
            .iter()
            .any(|n| n.metric == metric && n.figure == figure)
    };
    for (name, m) in &s.metrics {
        let figures = [
            ("mean", m.mean),
            ("sd", m.sd),
            ("mcse", m.mcse),
            ("low", m.low),
            ("median", m.median),
            ("high", m.high),
        ];
        for (figure, v) in figures {
            ensure!(
                v.is_finite()
                    || (v.is_nan()
                        && (undefined_by_definition(name)
                            || noted(name, figure)
                            // One defined trial: the "sd" note covers the mcse too.
                            || (figure == "mcse" && noted(name, "sd")))),
                "summary: {name}.{figure} = {v}"
            );
        }
        // A spread the quantiles show must show in the standard deviation too (an overflowed
        // variance once came out as sd 0).
        if m.low.is_finite() && m.high.is_finite() && m.low < m.high {
            ensure!(
                m.sd.partial_cmp(&0.0) == Some(std::cmp::Ordering::Greater),
                "summary: {name} spreads from {} to {} with sd {}",
                m.low,
                m.high,
                m.sd
            );
        }
    }
    for (name, p) in &s.probabilities {
        ensure!(
            (0.0..=1.0).contains(&p.p) && p.mcse.is_finite(),
            "summary: P({name}) = {} (mcse {})",
            p.p,
            p.mcse
        );
    }
    Ok(())
}

fn render(
    model: &Model,
    report: &RunReport,
    table: &TrialTable,
    text: &str,
) -> Result<(), Violation> {
    let outputs: [(&str, Result<Vec<u8>, _>); 6] = [
        ("summary.json", Json.export(Report::Run(report))),
        ("summary.csv", Csv.export(Report::Run(report))),
        ("plan.csv", Csv.export(Report::Plan(&report.plan))),
        ("monthly.csv", Csv.export(Report::Monthly(&report.monthly))),
        ("trials.csv", Csv.export(Report::Trials(table))),
        ("terminal", Terminal.export(Report::Run(report))),
    ];
    for (what, bytes) in outputs {
        let bytes = bytes.map_err(|e| Violation(format!("{what}: {e}")))?;
        if what == "trials.csv" {
            clean_trials_csv(&bytes)?;
        } else {
            clean_output(what, &bytes, text)?;
        }
        if what == "summary.json" {
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| Violation(format!("summary.json does not parse: {e}")))?;
            ensure!(
                v["scenario"] == serde_json::Value::String(model.name.clone()),
                "summary.json names scenario {}, not {:?}",
                v["scenario"],
                model.name
            );
        }
    }
    let full = terminal::table(report, &|_| true);
    clean_output("the full table", full.as_bytes(), text)?;
    Ok(())
}

/// `trials.csv` holds every drawn input too, where an absent `referral_dispersion` is `inf`
/// (docs/scenario-format.md: Poisson referrals); every other cell is finite or empty.
fn clean_trials_csv(bytes: &[u8]) -> Result<(), Violation> {
    let mut reader = ::csv::Reader::from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| Violation(format!("trials.csv: {e}")))?
        .clone();
    for (t, row) in reader.records().enumerate() {
        let row = row.map_err(|e| Violation(format!("trials.csv row {t}: {e}")))?;
        for (name, cell) in header.iter().zip(row.iter()) {
            let fine = cell.is_empty()
                || cell.parse::<f64>().is_ok_and(f64::is_finite)
                || (cell == "inf" && name.ends_with(".referral_dispersion"))
                || (cell == "NaN" && undefined_by_definition(name));
            ensure!(fine, "trials.csv: trial {t}: {name} = {cell:?}");
        }
    }
    Ok(())
}

/// An output must not show a non-finite number: no `NaN`, `inf` or `∞` standing alone as a cell
/// or a word — unless the scenario's `text` has it as a string of its own (a scenario named
/// `"nan"`).
fn clean_output(what: &str, bytes: &[u8], text: &str) -> Result<(), Violation> {
    let output = String::from_utf8_lossy(bytes);
    for token in output.split(|c: char| c.is_whitespace() || ",;:|()[]{}\"".contains(c)) {
        let bare = token.trim_start_matches(['-', '+']);
        let non_finite = matches!(
            bare,
            "NaN" | "nan" | "inf" | "Infinity" | "∞" | "inf%" | "NaN%" | "£NaN" | "£inf"
        );
        ensure!(
            !non_finite
                || text.contains(&format!("\"{bare}\""))
                || text.contains(&format!("\"{token}\"")),
            "{what} shows a non-finite number: {token:?}"
        );
    }
    Ok(())
}
