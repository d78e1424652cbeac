//! `sibsim calibrate --scenario FILE`: the window-aware calibration of a scenario's conversion
//! rates ([`sibsim::evidence::window`]), as a table or JSON.
//!
//! Kept in its own file, beside the library-level `calibrate`, so that each can change alone.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};
use sibsim::error::Error;
use sibsim::evidence::search::EvidenceSearch;
use sibsim::evidence::window::{
    calibrate_window, RatioFigures, Stage, StageCalibration, WindowCalibration, WindowOptions,
};
use sibsim::scenario;

use super::args::WindowArgs;

/// Load `file`, calibrate its exposures and print the table (or JSON).
pub(super) fn calibrate_scenario(
    file: &Path,
    search: &EvidenceSearch,
    args: &WindowArgs,
    json: bool,
) -> anyhow::Result<()> {
    if args.trials < 2 {
        return Err(Error::InvalidOption {
            option: "--trials".into(),
            problem: format!("{} trials", args.trials),
            valid: "expected at least 2 trials (the ratio estimator's error needs two)".into(),
        }
        .into());
    }
    if args.rounds == 0 {
        return Err(Error::InvalidOption {
            option: "--rounds".into(),
            problem: "0 rounds".into(),
            valid: "expected at least 1 round (the run at the file's exposures)".into(),
        }
        .into());
    }
    search.locate(Some(file)).map_err(Error::from)?;
    let model = scenario::load_with(file, search)?;
    super::commands::warn_about(&model);
    let opts = WindowOptions {
        trials: args.trials,
        seed: args.seed,
        threads: args.threads,
        max_rounds: args.rounds,
        ..WindowOptions::default()
    };
    let cal = calibrate_window(&model, &opts)
        .with_context(|| format!("cannot calibrate {}", file.display()))?;
    let out = if json {
        serde_json::to_string_pretty(&to_json(&cal, file))? + "\n"
    } else {
        let s = &model.settings;
        let horizon = format!(
            "{} – {}",
            s.start,
            s.start.plus(s.horizon.saturating_sub(1))
        );
        table(&cal, file, &horizon)
    };
    print!("{out}");
    Ok(())
}

fn stage_name(s: Stage) -> &'static str {
    s.param().field()
}

/// A number for JSON, `null` only where the figure is undefined (its reason is given beside it).
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn ratio_json(r: &RatioFigures) -> Value {
    json!({
        "p10": num(r.p10), "p50": num(r.p50), "p90": num(r.p90),
        "mean": num(r.mean), "mcse": num(r.mcse), "trials_with_ratio": r.defined,
    })
}

fn stage_json(s: &StageCalibration) -> Value {
    json!({
        "site": s.site,
        "field": stage_name(s.stage),
        "numerator": s.stage.counts().0,
        "denominator": s.stage.counts().1,
        "observed": s.observed.map(|(k, n)| json!({"successes": k, "trials": n, "ratio": k / n})),
        "observed_reason": if s.observed.is_none() { json!("the rate is not a beta_counts: no observed ratio, no exposure to set") } else { Value::Null },
        "file_exposure": s.file_exposure,
        "file_exposure_note": if s.file_exposure.is_none() { json!("absent: the counts are taken as eventual (exposure 1)") } else { Value::Null },
        "exposure": num(s.exposure),
        "exposure_se": num(s.exposure_se),
        "exposure_at_file": num(s.file_run_exposure),
        "exposure_at_file_se": num(s.file_run_exposure_se),
        "stale": s.stale(),
        "stale_threshold": num(s.stale_threshold()),
        "eventual_rate": {"mean": num(s.eventual_mean), "p10": num(s.eventual_p10), "p90": num(s.eventual_p90)},
        "window_ratio": ratio_json(&s.window),
        "window_ratio_at_file": ratio_json(&s.window_file),
    })
}

/// The JSON document: the run's settings, then one object per site and stage.
fn to_json(cal: &WindowCalibration, file: &Path) -> Value {
    json!({
        "scenario": cal.scenario,
        "file": file.display().to_string(),
        "trials": cal.trials,
        "seed": cal.seed,
        "rounds": cal.rounds,
        "converged": cal.converged,
        "last_move": num(cal.last_move),
        "tolerance": cal.tolerance,
        "stages": cal.stages.iter().map(stage_json).collect::<Vec<_>>(),
    })
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("—".into(), |v| format!("{v:.digits$}"))
}

/// The text table: one row per site and stage.
///
/// `horizon` is the scenario's first and last month: the exposures it computes are the shares let
/// into *that* window, right to copy into the file only when it is the window the counts were
/// observed over.
fn table(cal: &WindowCalibration, file: &Path, horizon: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Window calibration of {} ({}): {} trials a run, seed {}, {} round{}, {} (last move {:.4}, tolerance {})\n",
        cal.scenario,
        file.display(),
        cal.trials,
        cal.seed,
        cal.rounds,
        if cal.rounds == 1 { "" } else { "s" },
        if cal.converged { "converged" } else { "NOT converged" },
        cal.last_move,
        cal.tolerance
    );
    let _ = writeln!(
        o,
        "{:<28} {:>13} {:>6} {:>15} {:>21} {:>20} {:>20}",
        "site.field",
        "observed",
        "file e",
        "computed e ± SE",
        "eventual mean P10–P90",
        "window P10/P50/P90",
        "window mean ± SE"
    );
    let mut stale = Vec::new();
    for s in &cal.stages {
        let name = format!("{}.{}", s.site, stage_name(s.stage));
        let observed = s
            .observed
            .map_or("—".into(), |(k, n)| format!("{k}/{n} {:.3}", k / n));
        let w = &s.window;
        let _ = writeln!(
            o,
            "{:<28} {:>13} {:>6} {:>15} {:>21} {:>20} {:>20}",
            name,
            observed,
            opt(s.file_exposure, 3),
            format!("{:.3} ± {:.3}", s.exposure, s.exposure_se),
            format!(
                "{:.3} {:.3}–{:.3}",
                s.eventual_mean, s.eventual_p10, s.eventual_p90
            ),
            format!("{:.3}/{:.3}/{:.3}", w.p10, w.p50, w.p90),
            format!("{:.3} ± {:.3}", w.mean, w.mcse),
        );
        if s.stale() {
            stale.push(format!(
                "  {name}: file {} vs computed {:.3} (more than {:.3} apart)",
                opt(s.file_exposure, 3),
                s.exposure,
                s.stale_threshold()
            ));
        }
    }
    o.push_str(
        "\nobserved: the file's beta_counts (successes/trials); e: exposure, the share of eventual \
         successes the window lets in;\nwindow: the simulated within-window ratio over trials, in \
         the last round (at the computed exposures once converged).\n",
    );
    if cal.stages.iter().all(|s| s.file_exposure.is_none()) {
        o.push_str(
            "The file sets no exposure: its rates are taken as eventual as they stand (\
             \"computed e\" is the share this horizon would let in).\n",
        );
    } else if stale.is_empty() {
        o.push_str("Every file exposure is within max(3·SE, 0.01) of the computed one.\n");
    } else {
        o.push_str("Stale exposures:\n");
        o.push_str(&stale.join("\n"));
        let _ = writeln!(
            o,
            "\nThe computed exposures are the shares let into this file's horizon, {horizon}. If \
             that is the window the counts were\nobserved over, set the stale ones to the computed \
             value. If it is not (e.g. a file that runs past the window,\nas mhep1_reset.toml runs a \
             year past BIT's), these are expected: calibrate on a file whose horizon is the \
             observation window and copy its exposures."
        );
    }
    o
}
