//! The command line: argument parsing (clap) and the commands, each a thin call into the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::contract::{cap_overlap_notes, share_checks, CHECK_TRIALS};
use crate::analysis::plan::{plan_checks, DEFAULT_CONFIDENCE};
use crate::analysis::summarise;
use crate::engine::pay::{settle_counts, Counts};
use crate::engine::{run, RunOptions};
use crate::error::Error;
use crate::report;
use crate::scenario;

/// Monte Carlo simulation of social impact bond business cases.
#[derive(Debug, Parser)]
#[command(name = "sibsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and summarise outcomes, payments and provider margin.
    Run(RunArgs),
    /// Check a scenario file and report every problem found, with file:line:column.
    Validate {
        /// The scenario file (TOML).
        file: PathBuf,
    },
    /// Settle given event counts at one site and month under the scenario's rules (no simulation).
    Pay(PayArgs),
    /// Simulate a scenario and show where its recorded actuals fall, beside its plan figures.
    Backtest {
        /// The scenario file (TOML), with an [actuals] table.
        file: PathBuf,
        /// Number of trials (default: the scenario's).
        #[arg(long)]
        trials: Option<u64>,
        /// Master seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Scale each plan figure by past projects' actual/plan ratios (the outside view) and set it
    /// beside the simulation (the inside view).
    OutsideView {
        /// The scenario file (TOML), with plan figures.
        file: PathBuf,
        /// Number of trials (default: the scenario's).
        #[arg(long)]
        trials: Option<u64>,
        /// Master seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// The evidence library's folder.
        #[arg(long, default_value = "evidence")]
        dir: PathBuf,
        /// The reference class of actual/plan ratios to use.
        #[arg(long, default_value = "volume")]
        class: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Calibrate rates from the evidence counts: pooled, and for a new site (between-site spread).
    Calibrate {
        /// The evidence library's folder.
        #[arg(long, default_value = "evidence")]
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the evidence library: every figure with its value, unit and source.
    Evidence {
        /// The library's folder.
        #[arg(long, default_value = "evidence")]
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct PayArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The site whose rules apply.
    #[arg(long)]
    pub site: String,
    /// The month, "YYYY-MM" (default: the site's first month).
    #[arg(long)]
    pub month: Option<String>,
    /// Events to settle: EVENT[:BAND]=N, e.g. engagement=40 or sustain_6w:ge16=4 (repeat).
    #[arg(long = "count", value_name = "EVENT[:BAND]=N", required = true)]
    pub counts: Vec<String>,
    /// Events that came before at the site, for tiers, thresholds and caps (repeat).
    #[arg(long = "prior", value_name = "EVENT[:BAND]=N")]
    pub prior: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Number of trials (default: the scenario's `simulation.trials`).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Master seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Low and high quantiles, e.g. `0.05,0.95` (default: the scenario's, else 0.1,0.9).
    #[arg(long, value_name = "LOW,HIGH")]
    pub quantiles: Option<String>,
    /// Output folder (default: `sibsim-out/<scenario file stem>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write `trials.csv`, one row per trial.
    #[arg(long)]
    pub per_trial: bool,
    /// Confidence of the de-risked target for each plan figure: the value reached in this share
    /// of trials (0.8 → the P20 value).
    #[arg(long, default_value_t = DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    /// No progress bar and no notes on stderr.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_quantiles(s: &str) -> Result<(f64, f64), Error> {
    let bad = || Error::InvalidOption {
        option: "--quantiles".into(),
        problem: format!("\"{s}\""),
        valid: "expected LOW,HIGH with 0 < LOW < 0.5 < HIGH < 1, e.g. 0.1,0.9".into(),
    };
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
    if lo > 0.0 && lo < 0.5 && hi > 0.5 && hi < 1.0 {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

fn default_out(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("sibsim-out").join(stem)
}

/// Run the command line `cli`.
///
/// # Errors
/// Library errors (an invalid scenario or option: [`Error`]) and I/O errors with context.
pub fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Validate { file } => validate_command(&file),
        Command::Run(args) => run_command(args),
        Command::Pay(args) => pay_command(args),
        Command::Evidence { dir, json } => evidence_command(&dir, json),
        Command::Calibrate { dir, json } => calibrate_command(&dir, json),
        Command::OutsideView {
            file,
            trials,
            seed,
            dir,
            class,
            json,
        } => outside_view_command(&file, trials, seed, &dir, &class, json),
        Command::Backtest {
            file,
            trials,
            seed,
            json,
        } => backtest_command(&file, trials, seed, json),
    }
}

fn ok_line(label: &str, model: &scenario::Model) -> String {
    format!(
        "{label}: ok — scenario \"{}\": {} sites, {} parties, {} tariff lines, {} blocks, {} caps, {} plan figures, {} months from {}",
        model.name,
        model.sites.len(),
        model.parties.len(),
        model.tariffs.len(),
        model.blocks.len(),
        model.caps.len(),
        model.plan.len(),
        model.settings.horizon,
        model.settings.start
    )
}

fn validate_command(file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::ReadScenario {
        path: file.to_path_buf(),
        source,
    })?;
    let label = file.display().to_string();
    let model = scenario::parse_scenario(&label, &text).map_err(Error::from)?;
    // The 50% rule depends on volumes: check it on a short simulation.
    let checks = if model.parties.iter().any(|p| p.max_share.is_some()) {
        let opts = RunOptions {
            trials: Some(CHECK_TRIALS),
            ..RunOptions::default()
        };
        share_checks(&model, &run(&model, &opts, &|_| {})?)
    } else {
        Vec::new()
    };
    let mut errors = Vec::new();
    let mut notes: Vec<String> = cap_overlap_notes(&model)
        .into_iter()
        .map(|n| format!("contract note: {n}"))
        .collect();
    if let Some(c) = &model.copula {
        for (what, rho, rank) in &c.pairs {
            notes.push(format!(
                "correlation: {what}: {rho} between the underlying normals, a rank correlation of {rank:.3} between the inputs"
            ));
        }
    }
    for c in checks {
        let line = format!(
            "{} pays {:.1}% of all payments on average (max_share {}%); above it in {:.1}% of {} simulated trials",
            c.party,
            c.mean_share * 100.0,
            c.max_share * 100.0,
            c.p_exceeded * 100.0,
            CHECK_TRIALS
        );
        if c.breached() {
            errors.push(scenario::field_error(
                &label,
                &text,
                &["parties", &c.party, "max_share"],
                line,
                "expected the contract's tariffs and caps to keep this party within its max_share on average",
            ));
        } else {
            notes.push(format!("contract check: {line}"));
        }
    }
    if errors.is_empty() {
        let mut text = ok_line(&label, &model) + "\n";
        for n in notes {
            text += &n;
            text.push('\n');
        }
        write_stdout(&text)?;
        Ok(())
    } else {
        Err(Error::ContractCheck(errors).into())
    }
}

/// Load a scenario, refuse it when `lacking` says it lacks what the command needs (the problem and
/// what would be valid), and run it with the given trials and seed.
fn load_and_run(
    file: &Path,
    trials: Option<u64>,
    seed: Option<u64>,
    lacking: impl Fn(&scenario::Model) -> bool,
    (problem, valid): (&str, &str),
) -> anyhow::Result<(scenario::Model, crate::analysis::TrialTable)> {
    let model = scenario::load(file)?;
    if lacking(&model) {
        return Err(Error::InvalidOption {
            option: "FILE".into(),
            problem: format!("{} {problem}", file.display()),
            valid: valid.into(),
        }
        .into());
    }
    let opts = RunOptions {
        trials,
        seed,
        threads: None,
    };
    let table = run(&model, &opts, &|_| {})?;
    Ok((model, table))
}

fn backtest_command(
    file: &Path,
    trials: Option<u64>,
    seed: Option<u64>,
    json: bool,
) -> anyhow::Result<()> {
    let (model, table) = load_and_run(
        file,
        trials,
        seed,
        |m| m.actuals.is_empty(),
        ("has no [actuals]", "expected a scenario with recorded outturns: [actuals] \"<metric>\" = { value = N, source = \"<report> <table>\" }"),
    )?;
    let rows = crate::analysis::backtest::backtest(&model, &table);
    let seed = seed.unwrap_or(model.settings.seed);
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "metric": r.metric, "actual": r.actual, "percentile": r.percentile,
                    "median": r.median, "plan": r.plan, "plan_percentile": r.plan_percentile,
                    "source": r.source,
                })
            })
            .collect();
        let v = serde_json::json!({
            "scenario": model.name, "trials": table.trials, "seed": seed, "actuals": list,
        });
        let text = serde_json::to_string_pretty(&v).context("serialising the back-test")?;
        return write_stdout(&(text + "\n"));
    }
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut rows_out = vec![vec![
        "metric".to_string(),
        "actual".into(),
        "percentile".into(),
        "sim. median".into(),
        "plan".into(),
        "plan percentile".into(),
    ]];
    for r in &rows {
        rows_out.push(vec![
            r.metric.clone(),
            report::terminal::number(r.actual),
            pct(r.percentile),
            report::terminal::number(r.median),
            r.plan.map_or("—".into(), report::terminal::number),
            r.plan_percentile.map_or("—".into(), pct),
        ]);
    }
    let widths: Vec<usize> = (0..rows_out[0].len())
        .map(|j| {
            rows_out
                .iter()
                .map(|r| r[j].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "Back-test of {}: {} trials, seed {}\n\n",
        model.name, table.trials, seed
    );
    for r in &rows_out {
        report::terminal::push_row(&mut out, r, &widths);
    }
    out.push_str("\nSources:\n");
    for r in &rows {
        out.push_str(&format!("  {}: {}\n", r.metric, r.source));
    }
    write_stdout(&out)
}

fn outside_view_command(
    file: &Path,
    trials: Option<u64>,
    seed: Option<u64>,
    dir: &Path,
    class: &str,
    json: bool,
) -> anyhow::Result<()> {
    use crate::analysis::outside_view::{compare, ReferenceClass};
    let library = crate::evidence::Library::load(dir)?;
    let rc = ReferenceClass::fit(&library, class).ok_or_else(|| Error::InvalidOption {
        option: "--class".into(),
        problem: format!("fewer than two figures of class \"{class}\" in {}", dir.display()),
        valid: "expected a class with at least two actual/plan ratios (class = \"...\" in the evidence files)".into(),
    })?;
    let (model, table) = load_and_run(
        file,
        trials,
        seed,
        |m| m.plan.is_empty(),
        (
            "has no plan figures",
            "expected a scenario with [plan] or [sites.<id>.plan] figures",
        ),
    )?;
    let (low, high) = (model.settings.low, model.settings.high);
    let summary = summarise(
        &table,
        &model.name,
        seed.unwrap_or(model.settings.seed),
        low,
        high,
    );
    let views: Vec<_> = model
        .plan
        .iter()
        .filter_map(|p| {
            let m = &summary.metrics.iter().find(|(n, _)| *n == p.metric)?.1;
            Some(compare(
                &rc,
                &p.metric,
                p.value,
                [m.low, m.median, m.high],
                [low, 0.5, high],
            ))
        })
        .collect();
    if json {
        let v = serde_json::json!({
            "scenario": model.name,
            "class": rc.class,
            "cases": rc.cases.iter().map(|(k, r)| serde_json::json!({"key": k, "ratio": r})).collect::<Vec<_>>(),
            "quantiles": [low, 0.5, high],
            "plan": views.iter().map(|v| serde_json::json!({
                "metric": v.metric, "plan": v.plan, "outside": v.outside, "inside": v.inside,
                "disagree": v.disagree,
            })).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&v).context("serialising the outside view")?;
        return write_stdout(&(text + "\n"));
    }
    let n = report::terminal::number;
    let mut out = format!(
        "Outside view of {}: {} reference cases of class {} ({}), actual/plan ratio P{:.0} / P50 / P{:.0} = {} / {} / {}\n\n",
        model.name,
        rc.cases.len(),
        rc.class,
        rc.cases.iter().map(|(k, r)| format!("{k} {r}")).collect::<Vec<_>>().join(", "),
        low * 100.0,
        high * 100.0,
        n(rc.ratio_quantile(low)),
        n(rc.ratio_quantile(0.5)),
        n(rc.ratio_quantile(high)),
    );
    let mut rows = vec![vec![
        "plan figure".to_string(),
        "plan".into(),
        "outside view low / median / high".into(),
        "inside view low / median / high".into(),
        "".into(),
    ]];
    for v in &views {
        let three = |x: [f64; 3]| format!("{} / {} / {}", n(x[0]), n(x[1]), n(x[2]));
        rows.push(vec![
            v.metric.clone(),
            n(v.plan),
            three(v.outside),
            three(v.inside),
            if v.disagree {
                "DISAGREE".into()
            } else {
                "".into()
            },
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        report::terminal::push_row(&mut out, r, &widths);
    }
    write_stdout(&out)
}

/// A spec as the inline TOML a scenario would hold.
fn spec_toml(spec: &crate::distributions::DistSpec) -> String {
    use crate::distributions::DistSpec;
    match spec {
        DistSpec::BetaCounts { successes, trials } => {
            format!("{{ dist = \"beta_counts\", successes = {successes}, trials = {trials} }}")
        }
        DistSpec::BetaMean { mean, sd } => {
            format!("{{ dist = \"beta_mean\", mean = {mean:.4}, sd = {sd:.4} }}")
        }
        other => format!("{other:?}"),
    }
}

fn calibrate_command(dir: &Path, json: bool) -> anyhow::Result<()> {
    use crate::evidence::calibrate::calibrate;
    let library = crate::evidence::Library::load(dir)?;
    let problems = crate::evidence::calibrate::problems(&library);
    if !problems.is_empty() {
        return Err(Error::InvalidOption {
            option: "--dir".into(),
            problem: format!(
                "the library in {} cannot calibrate {}",
                dir.display(),
                problems.join("; ")
            ),
            valid:
                "expected the BIT provider figures the calibration uses (see evidence/bit2020.toml)"
                    .into(),
        }
        .into());
    }
    let rates = calibrate(&library);
    fn three(spec: &crate::distributions::DistSpec) -> (f64, f64, f64) {
        crate::evidence::calibrate::describe(spec, 0.1, 0.9).unwrap_or((
            f64::NAN,
            f64::NAN,
            f64::NAN,
        ))
    }
    if json {
        let list: Vec<serde_json::Value> = rates
            .iter()
            .map(|r| {
                let (pm, p10, p90) = three(&r.pooled);
                let (nm, n10, n90) = three(&r.new_site);
                serde_json::json!({
                    "name": r.name, "what": r.what,
                    "sites": r.sites.iter().map(|(k, s, n)| serde_json::json!({"key": k, "successes": s, "trials": n})).collect::<Vec<_>>(),
                    "pooled": {"spec": spec_toml(&r.pooled), "mean": pm, "p10": p10, "p90": p90},
                    "new_site": {"spec": spec_toml(&r.new_site), "mean": nm, "p10": n10, "p90": n90},
                })
            })
            .collect();
        let values: Vec<serde_json::Value> = crate::evidence::calibrate::calibrate_values(&library)
            .iter()
            .map(|v| {
                let (pm, p10, p90) = three(&v.pooled);
                let (nm, n10, n90) = three(&v.new_site);
                serde_json::json!({
                    "name": v.name, "what": v.what, "unit": v.unit,
                    "sites": v.sites.iter().map(|(k, x)| serde_json::json!({"key": k, "value": x})).collect::<Vec<_>>(),
                    "pooled": {"mean": pm, "p10": p10, "p90": p90},
                    "new_site": {"mean": nm, "p10": n10, "p90": n90},
                })
            })
            .collect();
        let all = serde_json::json!({ "rates": list, "values": values });
        let text = serde_json::to_string_pretty(&all).context("serialising the calibration")?;
        return write_stdout(&(text + "\n"));
    }
    let mut out = format!(
        "Rates calibrated from {} (mean, P10 – P90)\n",
        dir.display()
    );
    for r in &rates {
        let observed: Vec<String> = r
            .sites
            .iter()
            .map(|(_, s, n)| format!("{:.3}", s / n))
            .collect();
        let (pm, p10, p90) = three(&r.pooled);
        let (nm, n10, n90) = three(&r.new_site);
        out.push_str(&format!(
            "\n{} — {}\n  sites: {}\n  pooled:   {:.3}, {:.3} – {:.3}   {}\n  new site: {:.3}, {:.3} – {:.3}   {}\n",
            r.name,
            r.what,
            observed.join(", "),
            pm,
            p10,
            p90,
            spec_toml(&r.pooled),
            nm,
            n10,
            n90,
            spec_toml(&r.new_site)
        ));
    }
    for v in crate::evidence::calibrate::calibrate_values(&library) {
        let observed: Vec<String> = v.sites.iter().map(|(_, x)| format!("{x:.3}")).collect();
        let (pm, p10, p90) = three(&v.pooled);
        let (nm, n10, n90) = three(&v.new_site);
        let spec = |d: &crate::distributions::DistSpec| match d {
            crate::distributions::DistSpec::Lognormal { mean, sd } => {
                format!("{{ dist = \"lognormal\", mean = {mean:.3}, sd = {sd:.3} }}")
            }
            other => format!("{other:?}"),
        };
        out.push_str(&format!(
            "\n{} — {} ({})\n  sites: {}\n  pooled:   {:.3}, {:.3} – {:.3}   {}\n  new site: {:.3}, {:.3} – {:.3}   {}\n",
            v.name,
            v.what,
            v.unit,
            observed.join(", "),
            pm,
            p10,
            p90,
            spec(&v.pooled),
            nm,
            n10,
            n90,
            spec(&v.new_site)
        ));
    }
    write_stdout(&out)
}

fn evidence_command(dir: &Path, json: bool) -> anyhow::Result<()> {
    let library = crate::evidence::Library::load(dir)?;
    if json {
        let list: Vec<serde_json::Value> = library
            .figures
            .iter()
            .map(|f| {
                serde_json::json!({
                    "key": f.key, "value": f.value, "of": f.of, "unit": f.unit,
                    "source": f.source, "note": f.note,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&list).context("serialising the evidence")?;
        return write_stdout(&(text + "\n"));
    }
    let mut rows = vec![vec![
        "key".to_string(),
        "value".into(),
        "unit".into(),
        "source".into(),
    ]];
    for f in &library.figures {
        let value = match f.of {
            Some(of) => format!("{} of {}", f.value, of),
            None => f.value.to_string(),
        };
        rows.push(vec![f.key.clone(), value, f.unit.clone(), f.source.clone()]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!("{} figures in {}\n\n", library.figures.len(), dir.display());
    for r in rows {
        let line = format!(
            "{:<w0$}  {:>w1$}  {:<w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    write_stdout(&out)
}

fn pay_command(args: PayArgs) -> anyhow::Result<()> {
    let model = scenario::load(&args.file)?;
    let site = model
        .sites
        .iter()
        .position(|s| s.id == args.site)
        .ok_or_else(|| Error::InvalidOption {
            option: "--site".into(),
            problem: format!("no site \"{}\" in {}", args.site, args.file.display()),
            valid: format!(
                "expected one of: {}",
                model
                    .sites
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let month = match &args.month {
        None => model.sites[site].start,
        Some(text) => {
            let start = model.settings.start;
            let last = start.plus(model.settings.horizon - 1);
            let bad = || Error::InvalidOption {
                option: "--month".into(),
                problem: format!("\"{text}\""),
                valid: format!(
                    "expected \"YYYY-MM\" from {start} to {last} (the simulation horizon)"
                ),
            };
            let ym = scenario::YearMonth::parse(text).ok_or_else(bad)?;
            let idx = start.months_until(ym);
            if idx < 0 || idx >= model.settings.horizon as i64 {
                return Err(bad().into());
            }
            idx as crate::Month
        }
    };
    let mut counts = Counts::default();
    for c in &args.counts {
        counts.add("--count", c)?;
    }
    let mut prior = Counts::default();
    for c in &args.prior {
        prior.add("--prior", c)?;
    }
    let settlement = settle_counts(&model, site, month, &counts, &prior)?;
    if args.json {
        let json = serde_json::to_string_pretty(&report::pay::to_json(&settlement))
            .context("serialising the payments")?;
        write_stdout(&(json + "\n"))?;
    } else {
        write_stdout(&report::pay::render(&settlement))?;
    }
    Ok(())
}

fn run_command(args: RunArgs) -> anyhow::Result<()> {
    let quantiles = args.quantiles.as_deref().map(parse_quantiles).transpose()?;
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::InvalidOption {
            option: "--confidence".into(),
            problem: format!("{}", args.confidence),
            valid: "expected a share strictly between 0 and 1, e.g. 0.8".into(),
        }
        .into());
    }
    let model = scenario::load(&args.file)?;
    let opts = RunOptions {
        trials: args.trials,
        seed: args.seed,
        threads: args.threads,
    };
    let trials = opts.trials.unwrap_or(model.settings.trials);
    let seed = opts.seed.unwrap_or(model.settings.seed);
    let (low, high) = quantiles.unwrap_or((model.settings.low, model.settings.high));

    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(trials), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} trials [{bar:40}] {eta}")
                .expect("constant template")
                .progress_chars("=> "),
        );
        bar
    };
    // Fail on an output folder that cannot be one now, not after the simulation.
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    if let Some(blocker) = out.ancestors().find(|p| p.exists() && !p.is_dir()) {
        return Err(Error::InvalidOption {
            option: "--out".into(),
            problem: format!(
                "{} is a file, so {} cannot be a folder",
                blocker.display(),
                out.display()
            ),
            valid: "expected a folder, existing or new".into(),
        }
        .into());
    }
    let started = Instant::now();
    let table = run(&model, &opts, &|done| bar.set_position(done))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let summary = summarise(&table, &model.name, seed, low, high);
    let plan = plan_checks(&model, &table, args.confidence);
    let mut summary_json = report::json::to_json(&summary);
    let inputs = crate::analysis::inputs::summarise_inputs(&table.inputs, low, high);
    if let Some(obj) = summary_json.as_object_mut() {
        obj.insert("plan".into(), report::plan::to_json(&plan));
        obj.insert("inputs".into(), report::record::inputs_json(&inputs));
    }
    let monthly = crate::analysis::monthly::summarise_monthly(&table.monthly, low, high);
    let json = serde_json::to_vec_pretty(&summary_json).context("serialising summary.json")?;
    let mut files = vec![
        ("summary.json", json),
        ("summary.csv", report::csv::summary_csv(&summary)?),
        ("plan.csv", report::plan::to_csv(&plan)?),
        ("monthly.csv", report::record::monthly_csv(&monthly)?),
    ];
    if args.per_trial {
        files.push(("trials.csv", report::csv::trials_csv(&table)?));
    }
    report::write_all_or_nothing(&out, &files)?;
    if !args.per_trial {
        // A trials.csv from an earlier run would sit beside this run's summary as if it were its.
        let stale = out.join("trials.csv");
        if stale.is_file() {
            std::fs::remove_file(&stale)
                .with_context(|| format!("cannot remove the earlier run's {}", stale.display()))?;
        }
    }

    write_stdout(&(report::terminal::render(&summary) + &report::plan::render(&plan)))?;
    for c in share_checks(&model, &table) {
        if c.breached() && !args.quiet {
            eprintln!(
                "warning: {} pays {:.1}% of all payments on average, above its max_share of {}%",
                c.party,
                c.mean_share * 100.0,
                c.max_share * 100.0
            );
        }
    }
    if !args.quiet {
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "{trials} trials in {:.2} s; wrote {} to {}",
            elapsed.as_secs_f64(),
            names.join(", "),
            out.display()
        );
    }
    Ok(())
}

/// Print to stdout. A reader that has gone away (`sibsim run … | head`) ends the output quietly
/// instead of failing: the results are complete in the output files either way.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Exit code for an error: 2 for a bad scenario or option (the user's input), 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Error>() {
        Some(Error::InvalidScenario(_) | Error::InvalidOption { .. } | Error::ContractCheck(_)) => {
            2
        }
        _ => 1,
    }
}
