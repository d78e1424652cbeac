//! One function per command: load the input, call the library for a result, export it, write it.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sibsim::analysis::backtest::Backtest;
use sibsim::analysis::contract;
use sibsim::analysis::outside_view::{OutsideViewReport, ReferenceClass, DEFAULT_CLASS};
use sibsim::analysis::precision::{
    check_max_trials, parse_targets, run_to_precision, DEFAULT_MAX_TRIALS, PRECISION_SEGMENT,
};
use sibsim::analysis::run::{Meta, PrecisionOutcome};
use sibsim::analysis::{RunReport, TrialTable};
use sibsim::engine::metrics::Layout;
use sibsim::engine::pay::{settle_counts, Counts};
use sibsim::engine::run as simulate;
use sibsim::engine::runner::{run_observed as simulate_observed, Segment};
use sibsim::engine::sampling::Plan;
use sibsim::engine::work::{Total, Work};
use sibsim::error::Error;
use sibsim::evidence::calibrate::problems;
use sibsim::evidence::results::{Calibration, Listing};
use sibsim::evidence::search::{EvidenceSearch, Located};
use sibsim::report::charts::{
    backtest_chart, outside_inside_charts, outside_view_charts, png_name, run_charts_with, Chart,
    PngError, PngRenderer,
};
use sibsim::report::csv::{Csv, TrialsCsv};
use sibsim::report::html::{HtmlReport, Section};
use sibsim::report::json::{with_meta, Json};
use sibsim::report::terminal::{self, MetricPattern, Terminal};
use sibsim::report::{
    check_claim, commit, write_all_or_nothing, write_claimed, Exporter, OutputSet, Owner,
    PendingFile, Report, ReportError,
};
use sibsim::scenario::outputs::is_financial_year_metric;
use sibsim::scenario::{self, Model};

use super::args::{AnalysisOutput, PayArgs, ReportArgs, RunArgs, Sampling};
use super::{print, write_stdout};

pub(super) fn validate(file: &Path, search: &EvidenceSearch) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::ReadScenario {
        path: file.to_path_buf(),
        source,
    })?;
    search.locate(Some(file)).map_err(Error::from)?;
    if sibsim::compare::file::is_comparison(&text) {
        // A comparison file: its base and every variant checked, nothing run.
        let c = sibsim::compare::file::parse_in(file, &text, search)?;
        let line = format!(
            "{}: ok (comparison {}: base {} ({}), {} variant{}: {})\n",
            file.display(),
            c.name,
            c.base.name,
            c.base_path.display(),
            c.variants.len(),
            if c.variants.len() == 1 { "" } else { "s" },
            c.variants
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return write_stdout(line.as_bytes());
    }
    // The max_share check simulates trials: a long one is announced like a long run
    // (docs/performance.md), one beyond its limits is skipped with a note.
    let mut announce = |cost: &contract::CheckCost| {
        if cost.is_long() {
            eprintln!("warning: {}", cost.warning(rayon::current_num_threads()));
        }
    };
    let validation =
        contract::validate_announced(&file.display().to_string(), &text, search, &mut announce)?;
    print(Report::Validation(&validation), false)
}

/// Print the scenario's plausibility warnings (a percentage typed as a whole number, …), as every
/// command that runs or reads a scenario does. Warnings about the scenario are not progress:
/// `--quiet` does not hide them.
pub(super) fn warn_about(model: &Model) {
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
}

/// Memory above which a run is announced: 2 GB, as `validate`'s check is bounded
/// ([`sibsim::analysis::contract::MAX_CHECK_BYTES`]).
const MEMORY_WARNING_BYTES: f64 = 2e9;

/// Warn before a run of `trials` trials of `model` that may need more than
/// [`MEMORY_WARNING_BYTES`] ([`sibsim::engine::runner::memory_estimate`], an upper estimate).
/// The engine refuses a table beyond 8 GiB as it grows; this says so before the wait.
fn warn_memory(model: &Model, trials: u64) {
    let bytes = sibsim::engine::runner::memory_estimate(model, trials);
    if bytes > MEMORY_WARNING_BYTES {
        eprintln!(
            "warning: this run may need up to {:.1} GB of memory for {} trials (an upper \
             estimate; a table of results beyond 8.6 GB is refused as it grows; \
             docs/performance.md); fewer trials need less",
            bytes / 1e9,
            sibsim::report::terminal::group_thousands(&trials.to_string())
        );
    }
}

pub(super) fn run(args: RunArgs) -> anyhow::Result<()> {
    let quantiles = args.quantiles.as_deref().map(parse_quantiles).transpose()?;
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::InvalidOption {
            option: "--confidence".into(),
            problem: format!("{}", args.confidence),
            valid: "expected a share strictly between 0 and 1, e.g. 0.8".into(),
        }
        .into());
    }
    let search = args.output.evidence.search();
    let located = search.locate(Some(&args.file)).map_err(Error::from)?;
    let model = scenario::load_with(&args.file, &search)?;
    warn_about(&model);
    let opts = args.options();
    let targets = match &args.precision {
        None => None,
        Some(spec) => Some(parse_targets(spec, &Layout::new(&model).metrics)?),
    };
    let pattern = match &args.output.metrics {
        None => None,
        Some(text) => Some(metric_pattern(text, &Layout::new(&model))?),
    };
    let max_trials = args.max_trials.unwrap_or(DEFAULT_MAX_TRIALS);
    // With lhs or sobol the trials fill whole replicates: this many run.
    let plan = opts.plan(&model)?;
    let trials = plan.trials();
    let seed = opts.seed.unwrap_or(model.settings.seed);
    let quantiles = quantiles.unwrap_or((model.settings.low, model.settings.high));
    let quiet = args.output.quiet;
    // A long run says so, with its estimate, before it starts (engine::work; docs/performance.md).
    // A run to a precision stops when it is precise enough: it may take up to --max-trials (the
    // library refuses that beyond a day, as the engine refuses a plain run).
    match &targets {
        None => {
            let work = Work::of(&model, trials);
            if work.is_long() && !work.is_refused() {
                let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
                eprintln!("warning: {}", work.warning(threads));
            }
            // A refused run is refused alone (by the engine), not after a warning.
            if !work.is_refused() {
                warn_memory(&model, trials);
            }
        }
        Some(_) => {
            // An invalid --max-trials is refused alone, not after a warning about its length.
            check_max_trials(&model, max_trials)?;
            let work = Total::from(Work::of(&model, max_trials));
            if work.is_long() && !work.is_refused() {
                let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
                eprintln!(
                    "warning: {}",
                    work.warning(
                        "run",
                        threads,
                        "it stops as soon as the targets are met, and a lower --max-trials bounds it"
                    )
                    .replacen("this run is long: ", "this run may be long: up to ", 1)
                );
            }
        }
    }

    // Fail on an output folder that cannot be one now, not after the simulation.
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.file));
    check_out_dir(&out)?;
    if let Some(dir) = &args.output.charts {
        check_dir("--charts", dir)?;
    }
    let renderer = png_renderer(args.output.png)?;
    // Every output is staged in the output folder's staging folder and put in place together at
    // the end (docs/outputs.md); trials.csv is streamed there as the trials come. If anything
    // fails or an interrupt comes first, dropping the set removes it all.
    let mut set = OutputSet::new(&out)?;
    set.claim(Owner::new(&args.file, "run")?, args.output.force)?;
    let mut streamed = if args.output.per_trial {
        Some(TrialsCsv::new(set.stream("trials.csv")?))
    } else {
        None
    };
    let mut write_error = None;
    let bar = progress_bar(targets.as_ref().map_or(trials, |_| max_trials), quiet);
    let started = Instant::now();
    let mut stream = |segment: &Segment<'_>| {
        if sibsim::interrupt::requested() {
            return ControlFlow::Break(());
        }
        let Some(csv) = streamed.as_mut() else {
            return ControlFlow::Continue(());
        };
        match write_segment(csv, segment) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                write_error = Some(e);
                ControlFlow::Break(())
            }
        }
    };
    let (table, plan, precision) = match &targets {
        None => (
            simulate_observed(&model, &opts, &|done| bar.set_position(done), &mut stream)?,
            plan,
            None,
        ),
        Some(targets) => {
            let done = run_to_precision(
                &model,
                &opts,
                targets,
                max_trials,
                &|done| bar.set_position(done),
                &mut stream,
            )?;
            let outcome = PrecisionOutcome {
                met: done.assessment.met,
                trials: done.table.trials as u64,
                max_trials,
                checked_every: PRECISION_SEGMENT,
                targets: done.assessment.targets,
            };
            (done.table, done.plan, Some(outcome))
        }
    };
    bar.finish_and_clear();
    if sibsim::interrupt::requested() {
        return Err(Error::Interrupted.into());
    }
    let elapsed = started.elapsed();
    let streamed = match streamed {
        None => None,
        Some(csv) => {
            let path = csv.get_ref().temp_path().to_path_buf();
            let finished = match write_error.take() {
                Some(e) => Err(e),
                None => csv.finish(),
            };
            Some(finished.map_err(|source| ReportError::WriteFile { path, source })?)
        }
    };

    let mut report = RunReport::new(&model, &table, &plan, seed, quantiles, args.confidence);
    report.precision = precision;
    report.meta = Some(meta(&args.file, seed, &plan, &located)?);
    let mut files = vec![
        ("summary.json", Json.export(Report::Run(&report))?),
        ("summary.csv", Csv.export(Report::Run(&report))?),
        ("plan.csv", Csv.export(Report::Plan(&report.plan))?),
        ("monthly.csv", Csv.export(Report::Monthly(&report.monthly))?),
    ];
    // Drawn before anything is written, so that a chart that fails leaves every output as it was.
    let mut notes = Vec::new();
    let (charts, skipped) = match &args.output.charts {
        Some(_) => {
            let rc = chart_reference_class(&model, &located, &mut notes);
            run_charts_with(&model, &report, &table, rc.as_ref())?
        }
        None => (Vec::new(), Vec::new()),
    };
    let chart_files = chart_files(&charts, renderer.as_ref())?;
    let charts = as_refs(&chart_files);
    let charts_dir = args.output.charts.as_ref();
    let beside = charts_dir.is_some_and(|d| same_dir(d, &out));
    if beside {
        files.extend(charts.iter().cloned());
    }
    let mut names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    for (name, bytes) in &files {
        set.add(name, bytes)?;
    }
    match streamed {
        Some(file) => {
            names.push("trials.csv");
            set.add_streamed(file)?;
        }
        // A trials.csv from an earlier run would sit beside this run's summary as if it were its:
        // removed with the set (and put back if the set is rolled back).
        None => {
            if out.join("trials.csv").is_file() {
                set.remove("trials.csv")?;
            }
        }
    }
    set.settle()?;
    let removed = set.removing().to_vec();
    let mut sets = vec![set];
    if let Some(dir) = charts_dir.filter(|_| !beside) {
        let mut c = OutputSet::new(dir)?;
        for (name, bytes) in &charts {
            c.add(name, bytes)?;
        }
        sets.push(c);
    }
    commit(sets)?;

    write_stdout(&Terminal.export(Report::Run(&report))?)?;
    match &pattern {
        Some(p) => write_stdout(terminal::table(&report, &|n| p.matches(n)).as_bytes())?,
        None if args.output.full => write_stdout(terminal::table(&report, &|_| true).as_bytes())?,
        None => {}
    }
    for c in report.shares.iter().filter(|c| c.breached()) {
        eprintln!(
            "warning: {} pays {:.1}% of all payments on average, above its max_share of {}%",
            c.party,
            c.mean_share * 100.0,
            c.max_share * 100.0
        );
    }
    if !quiet {
        eprintln!(
            "{} trials in {:.2} s; wrote {} to {}",
            table.trials,
            elapsed.as_secs_f64(),
            names.join(", "),
            out.display()
        );
        if !removed.is_empty() {
            eprintln!(
                "removed {} from {}: files of an earlier run that this one does not write (docs/outputs.md)",
                removed.join(", "),
                out.display()
            );
        }
        if let Some(dir) = charts_dir.filter(|_| !beside) {
            eprintln!("wrote {} charts to {}", charts.len(), dir.display());
        }
        for s in &skipped {
            eprintln!("note: no chart {}: {}", s.chart, s.why);
        }
        for n in &notes {
            eprintln!("note: {n}");
        }
    }
    Ok(())
}

/// Before a command of several runs (`compare`, `seek`, `sensitivity`, `report`): refuse it if its
/// estimated work is beyond a day of CPU — `valid` says what would be accepted — or warn on stderr,
/// with its estimated CPU and wall time, if it is beyond ten minutes (engine::work;
/// docs/performance.md). A refusal comes before anything is written.
pub(super) fn announce_work(
    total: &Total,
    what: &str,
    threads: Option<usize>,
    (valid, shorter, runs_option): (&str, &str, &str),
) -> Result<(), Error> {
    if total.is_refused() {
        // The option that drives most of the work: a Sobol bootstrap can outweigh every run;
        // else `runs_option`, the one that drives the runs (`--trials`, or `--sobol-n` where a
        // Sobol design has more rows than the plain run has trials).
        let option = if total.bootstrap_seconds() > total.cpu_seconds() / 2.0 {
            "--bootstrap"
        } else {
            runs_option
        };
        return Err(Error::InvalidOption {
            option: option.into(),
            problem: total.problem(),
            valid: format!("{valid} (docs/performance.md: the work estimate)"),
        });
    }
    if total.is_long() {
        let threads = threads.unwrap_or_else(rayon::current_num_threads);
        eprintln!("warning: {}", total.warning(what, threads, shorter));
    }
    Ok(())
}

/// `sibsim report FILE [--compare FILE] [--sensitivity] [-o report.html] [--out DIR]`: checks
/// everything first, runs the scenario as `run` does (without streaming), then the comparison and
/// the sensitivity analysis if asked, and writes one self-contained HTML page — and, in the
/// `--out` folder, the figures behind it — all or nothing.
pub(super) fn report(args: &ReportArgs) -> anyhow::Result<()> {
    // Where the page goes, and the folder of the figures behind it (none with -o alone).
    let page_target = match (&args.output, &args.out) {
        (Some(file), _) => file.clone(),
        (None, Some(dir)) => dir.join("report.html"),
        (None, None) => default_out(&args.file).join("report.html"),
    };
    let figures_dir = match (&args.output, &args.out) {
        (_, Some(dir)) => Some(dir.clone()),
        (Some(_), None) => None,
        (None, None) => Some(default_out(&args.file)),
    };
    let name = page_target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(|| Error::InvalidOption {
            option: "--output".into(),
            problem: format!("{} names no file", page_target.display()),
            valid: "expected a file path, e.g. report.html".into(),
        })?;
    let page_dir = match page_target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Fail on a target that cannot be written now, not after the simulation.
    check_dir("--output", &page_dir)?;
    if page_target.is_dir() {
        return Err(Error::InvalidOption {
            option: "--output".into(),
            problem: format!("{} is a folder", page_target.display()),
            valid: "expected a file path, e.g. report.html".into(),
        }
        .into());
    }
    if let Some(dir) = &figures_dir {
        check_out_dir(dir)?;
        check_claim(dir, &Owner::new(&args.file, "report")?, args.force)?;
    }
    let text = std::fs::read_to_string(&args.file).map_err(|source| Error::ReadScenario {
        path: args.file.clone(),
        source,
    })?;
    let search = args.evidence.search();
    let located = search.locate(Some(&args.file)).map_err(Error::from)?;
    let model = scenario::parse_scenario_in(&args.file.display().to_string(), &text, &search)?;
    warn_about(&model);
    let opts = args.sampling.options();
    let plan = opts.plan(&model)?;
    let seed = opts.seed.unwrap_or(model.settings.seed);
    let quantiles = (model.settings.low, model.settings.high);
    let comparison = match &args.compare {
        Some(path) => Some(super::compare::for_report(
            path, &args.file, &text, &search,
        )?),
        None => None,
    };
    let sensitivity = if wants_sensitivity(args) {
        let o = report_sensitivity_options(args, &model, plan.trials(), seed);
        sibsim::sensitivity::analysis::check(&o)?;
        sibsim::sensitivity::analysis::check_names(&model, &o)?;
        Some(o)
    } else {
        None
    };

    // The report's run, its comparison's runs and its sensitivity analysis' trials (engine::work).
    let mut work = Total::from(Work::of(&model, plan.trials()));
    if let Some(c) = &comparison {
        work.add(super::compare::report_comparison_work(c, &args.sampling));
    }
    // The Sobol design's share of the runs' work: the refusal of too long a report names
    // `--sobol-n` when it is most of it, else `--trials`.
    let mut design_seconds = 0.0;
    if let Some(o) = &sensitivity {
        let needed = sibsim::sensitivity::analysis::trials_needed(&model, o)?;
        design_seconds = Work::of(&model, needed.saturating_sub(o.trials)).cpu_seconds();
        work.add(Work::of(&model, needed));
        if let Some(b) = sibsim::sensitivity::analysis::bootstrap_work(&model, o)? {
            work.add_bootstrap(b);
        }
    }
    let runs_seconds = work.cpu_seconds() - work.bootstrap_seconds();
    let runs_option = if design_seconds > runs_seconds / 2.0 {
        "--sobol-n"
    } else {
        "--trials"
    };
    let fewer = if comparison.is_some() || sensitivity.is_some() {
        (
            "expected fewer --trials, a smaller --sobol-n, or fewer sections (--compare, --sensitivity)",
            "fewer trials, or fewer sections, run shorter",
            runs_option,
        )
    } else {
        (
            "expected fewer --trials, or a shorter horizon or fewer sites",
            "fewer trials run shorter",
            runs_option,
        )
    };
    announce_work(&work, "report", opts.threads, fewer)?;
    let bar = super::compare::styled(progress_bar(plan.trials(), args.quiet));
    bar.set_message("run");
    let started = Instant::now();
    let table = simulate_observed(&model, &opts, &|done| bar.set_position(done), &mut |_| {
        ControlFlow::Continue(())
    })?;
    let mut report = RunReport::new(
        &model,
        &table,
        &plan,
        seed,
        quantiles,
        sibsim::analysis::plan::DEFAULT_CONFIDENCE,
    );
    report.meta = Some(meta(&args.file, seed, &plan, &located)?);
    let mut sections = Vec::new();
    let mut figures: Vec<(&str, Vec<u8>)> =
        vec![("summary.json", Json.export(Report::Run(&report))?)];
    if let (Some(report_comparison), Some(comparison_file)) = (&comparison, &args.compare) {
        let c = super::compare::run_for_report(report_comparison, &args.sampling, &bar)?;
        // Its own seed and trials, sampled `mc` whatever the run's sampling.
        let c_meta = with_base(
            meta(comparison_file, c.seed, &Plan::mc(c.trials), &located)?,
            Some(&report_comparison.base_path),
            &report_comparison.rules_paths,
        )?;
        figures.push(("compare.json", with_meta_line("comparison", &c, &c_meta)?));
        sections.push(Section::comparison(&c)?);
    }
    if let Some(o) = &sensitivity {
        let progress = |label: &str, done: u64, total: u64| {
            if bar.length() != Some(total) {
                bar.set_length(total);
            }
            let message = format!("sensitivity: {label}");
            if bar.message() != message {
                bar.set_message(message);
            }
            bar.set_position(done);
        };
        let s = sibsim::sensitivity::analysis::analyse(&model, o, &progress)?;
        figures.push((
            "sensitivity.json",
            with_meta_line(
                "sensitivity",
                &s,
                &meta(&args.file, s.seed, &Plan::mc(s.trials), &located)?,
            )?,
        ));
        sections.push(Section::sensitivity(&s)?);
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let mut notes = Vec::new();
    let rc = chart_reference_class(&model, &located, &mut notes);
    let (mut charts, skipped) = run_charts_with(&model, &report, &table, rc.as_ref())?;
    // The outside view against the inside view, one chart per plan figure, after the run's own.
    if let Some(rc) = &rc {
        charts.extend(outside_inside_charts(&model, &report, rc)?);
    }
    let command = report_command(args, &report);
    let mut also = Vec::new();
    if let Some(path) = &args.compare {
        let bytes = std::fs::read(path).unwrap_or_default();
        also.push((
            format!("Comparison file {}", path.display()),
            sibsim::report::html::fnv1a64(&bytes),
        ));
    }
    // The library the search chose, whether or not anything was read from it: its hash when
    // its files can be read.
    if let Ok(files) = located.files() {
        also.push((
            format!("Evidence library: {}", located.describe()),
            library_hash(&files),
        ));
    }
    let page = HtmlReport {
        model: &model,
        report: &report,
        charts: &charts,
        skipped: &skipped,
        file: &args.file.display().to_string(),
        text: &text,
        sections: &sections,
        command: &command,
        also: &also,
    }
    .render()
    .into_bytes();
    let mut written = Vec::new();
    // The figures and the page are one transaction: both in place, or neither (docs/outputs.md).
    let mut sets = Vec::new();
    if let Some(dir) = &figures_dir {
        if args.output.is_none() {
            figures.push(("report.html", page.clone()));
        }
        let mut set = OutputSet::new(dir)?;
        set.claim(Owner::new(&args.file, "report")?, args.force)?;
        for (name, bytes) in &figures {
            set.add(name, bytes)?;
        }
        sets.push(set);
        written.push(format!(
            "{} to {}",
            figures
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
            dir.display()
        ));
    }
    if args.output.is_some() {
        let mut set = OutputSet::new(&page_dir)?;
        set.add(&name, &page)?;
        sets.push(set);
        written.push(page_target.display().to_string());
    }
    commit(sets)?;
    if !args.quiet {
        eprintln!(
            "report of {} trials in {:.2} s; wrote {}",
            table.trials,
            elapsed.as_secs_f64(),
            written.join("; ")
        );
        for s in skipped
            .iter()
            .chain(sections.iter().flat_map(|s| &s.skipped))
        {
            eprintln!("note: no chart {}: {}", s.chart, s.why);
        }
        for n in &notes {
            eprintln!("note: {n}");
        }
    }
    Ok(())
}

/// The sensitivity section's options: the report's trials and seed, the analysis' defaults, and
/// its outputs and events — those asked for, else investor.multiple and engagements and the event
/// investor.capital_loss, where the scenario has them.
fn report_sensitivity_options(
    args: &ReportArgs,
    model: &Model,
    trials: u64,
    seed: u64,
) -> sibsim::sensitivity::analysis::Options {
    use sibsim::sensitivity::analysis as sa;
    let asked = !args.metrics.is_empty() || !args.events.is_empty();
    let layout = Layout::new(model);
    let has = |name: &str| layout.metrics.iter().any(|m| m == name);
    let metrics = if asked {
        args.metrics.clone()
    } else {
        ["investor.multiple", "engagements"]
            .into_iter()
            .filter(|m| has(m))
            .map(String::from)
            .collect()
    };
    let events = if asked {
        args.events.clone()
    } else if model.finance.is_some() {
        vec!["investor.capital_loss".to_owned()]
    } else {
        Vec::new()
    };
    sa::Options {
        trials,
        seed,
        threads: args.sampling.threads,
        metrics,
        events,
        sobol_n: args.sobol_n.unwrap_or(sa::DEFAULT_SOBOL_N),
        bootstrap: sa::DEFAULT_BOOTSTRAP,
        confidence: sa::DEFAULT_CONFIDENCE,
        band: sa::DEFAULT_BAND,
        depth: sa::DEFAULT_DEPTH,
        min_leaf: super::sensitivity::default_min_leaf(trials),
    }
}

/// The FNV-1a 64-bit hash of an evidence library's files ([`Located::files`], in name order):
/// each file's name (without its folder), a zero byte, its bytes and a zero byte — so a folder
/// and the bundled copy of the same files hash alike.
fn library_hash(files: &[(String, String)]) -> u64 {
    let mut all = Vec::new();
    for (name, text) in files {
        let base = Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        all.extend(base.bytes());
        all.push(0);
        all.extend(text.bytes());
        all.push(0);
    }
    sibsim::report::html::fnv1a64(&all)
}

/// Whether the report has a sensitivity section: asked for, or implied by its options.
fn wants_sensitivity(args: &ReportArgs) -> bool {
    args.sensitivity
        || !args.metrics.is_empty()
        || !args.events.is_empty()
        || args.sobol_n.is_some()
}

/// `word` as a POSIX shell reads it back: as is when it holds only characters no shell treats
/// specially, else in single quotes (a `'` inside as `'\''`).
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=,+-@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The command that makes the same page again, as shown under "Reproduce".
fn report_command(args: &ReportArgs, report: &RunReport) -> String {
    let mut words: Vec<String> = vec!["sibsim".into(), "report".into()];
    words.push(args.file.display().to_string());
    words.extend([
        "--trials".into(),
        report.summary.trials.to_string(),
        "--seed".into(),
        report.summary.seed.to_string(),
    ]);
    if let Some(f) = &args.compare {
        words.extend(["--compare".into(), f.display().to_string()]);
    }
    if wants_sensitivity(args) {
        words.push("--sensitivity".into());
        for m in &args.metrics {
            words.extend(["--metric".into(), m.clone()]);
        }
        for e in &args.events {
            words.extend(["--event".into(), e.clone()]);
        }
        if let Some(n) = args.sobol_n {
            words.extend(["--sobol-n".into(), n.to_string()]);
        }
    }
    if let Some(o) = &args.output {
        words.extend(["-o".into(), o.display().to_string()]);
    }
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reference class whose outside view the distribution charts of `model`'s plan metrics
/// mark: [`DEFAULT_CLASS`] of the evidence library `located`, as `sibsim outside-view` uses by
/// default. `None` without plan figures, or with a note pushed on `notes` when the library is
/// invalid or the class not fitted: the charts go without it, the run does not fail for it.
fn chart_reference_class(
    model: &Model,
    located: &Located,
    notes: &mut Vec<String>,
) -> Option<ReferenceClass> {
    if model.plan.is_empty() {
        return None;
    }
    let fitted = located
        .load()
        .map_err(|e| e.one_line())
        .and_then(|library| {
            ReferenceClass::fit(&library, DEFAULT_CLASS)
                .map_err(|e| format!("in the evidence library {}: {e}", located.describe()))
        });
    match fitted {
        Ok(rc) => Some(rc),
        Err(why) => {
            notes.push(format!(
                "the distribution charts do not mark the outside view: {why} (--evidence DIR)"
            ));
            None
        }
    }
}

/// The `--metrics` pattern, refused when it is empty or matches no metric or probability of the
/// scenario, before anything runs.
fn metric_pattern(text: &str, layout: &Layout) -> Result<MetricPattern, Error> {
    let valid = "expected comma-separated substrings of metric or probability names (e.g. margin) \
                 or globs over whole names (e.g. site.*.provider.*; names in README \"Metric names\")";
    let refuse = |problem: String| Error::InvalidOption {
        option: "--metrics".into(),
        problem,
        valid: valid.into(),
    };
    let pattern = MetricPattern::new(text).ok_or_else(|| refuse(format!("{text:?} is empty")))?;
    let shown = |n: &&String| !is_financial_year_metric(n);
    if layout
        .metrics
        .iter()
        .chain(&layout.flags)
        .filter(shown)
        .any(|n| pattern.matches(n))
    {
        Ok(pattern)
    } else {
        Err(refuse(format!(
            "{text:?} matches no metric or probability of this scenario's table"
        )))
    }
}

/// One segment's exact rows and inputs into `trials.csv`, after the header if it is the first.
fn write_segment(csv: &mut TrialsCsv<PendingFile>, s: &Segment<'_>) -> std::io::Result<()> {
    let t = s.table;
    if !csv.has_header() {
        csv.header(&t.metric_names, &t.flag_names, &t.inputs.names)?;
    }
    csv.rows(s.first, s.rows, t.width(), s.inputs, t.inputs.names.len())
}

pub(super) fn pay(args: PayArgs) -> anyhow::Result<()> {
    let search = args.evidence.search();
    search.locate(Some(&args.file)).map_err(Error::from)?;
    let model = scenario::load_with(&args.file, &search)?;
    warn_about(&model);
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
        Some(text) => parse_month(&model, text)?,
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
    print(Report::Settlement(&settlement), args.output.json)
}

pub(super) fn backtest(
    file: &Path,
    search: &EvidenceSearch,
    sampling: &Sampling,
    output: &AnalysisOutput,
    charts: Option<&Path>,
    png: bool,
) -> anyhow::Result<()> {
    if let Some(dir) = charts {
        check_dir("--charts", dir)?;
    }
    let owner = analysis_out(output, file, "backtest")?;
    let renderer = png_renderer(png)?;
    let (model, table, meta) = load_and_run(
        (file, search),
        sampling,
        output.quiet,
        |m| m.actuals.is_empty(),
        ("has no [actuals]", "expected a scenario with recorded outturns: [actuals] \"<metric>\" = { value = N, source = \"<where the figure comes from, in words>\" }"),
    )?;
    let seed = sampling.seed.unwrap_or(model.settings.seed);
    let backtest = Backtest::new(&model, &table, seed);
    if let Some(dir) = charts {
        // load_and_run refused a scenario without actuals; one whose actuals the run does not
        // record has no chart, and the table below says which.
        if let Some(c) = backtest_chart(&backtest)? {
            let files = chart_files(std::slice::from_ref(&c), renderer.as_ref())?;
            write_all_or_nothing(dir, &as_refs(&files))?;
        }
    }
    let json = with_meta("back-test", &backtest, &meta)?;
    let report = Report::Backtest(&backtest);
    write_analysis(
        output,
        owner,
        (report, json),
        ("backtest.json", "backtest.csv"),
    )
}

pub(super) fn outside_view(
    file: &Path,
    sampling: &Sampling,
    (search, class): (&EvidenceSearch, &str),
    output: &AnalysisOutput,
    charts: Option<&Path>,
    png: bool,
) -> anyhow::Result<()> {
    if let Some(out) = charts {
        check_dir("--charts", out)?;
    }
    let owner = analysis_out(output, file, "outside-view")?;
    let renderer = png_renderer(png)?;
    let (library, located) = search.load(Some(file)).map_err(Error::from)?;
    let rc = ReferenceClass::fit(&library, class).map_err(|e| Error::InvalidOption {
        option: "--class".into(),
        problem: format!("in the evidence library {}: {e}", located.describe()),
        valid: "expected a class with reference cases from at least two programmes: \"volume\" or \"outcomes\" (class = \"...\" in the evidence files)".into(),
    })?;
    let (model, table, meta) = load_and_run(
        (file, search),
        sampling,
        output.quiet,
        |m| m.plan.is_empty(),
        (
            "has no plan figures",
            "expected a scenario with [plan] or [sites.<id>.plan] figures",
        ),
    )?;
    let view = OutsideViewReport::new(&model, &table, &rc, &library);
    if let Some(out) = charts {
        // Drawn, then written all or nothing, before the table is printed.
        let charts = outside_view_charts(&model, &view)?;
        let files = chart_files(&charts, renderer.as_ref())?;
        write_all_or_nothing(out, &as_refs(&files))?;
    }
    let json = with_meta("outside view", &view, &meta)?;
    write_analysis(
        output,
        owner,
        (Report::OutsideView(&view), json),
        ("outside_view.json", "outside_view.csv"),
    )
}

/// The `--out` folder of `backtest` or `outside-view`, checked before anything runs (a file in
/// its way; another scenario's results without `--force`): the owner its files will be written
/// for, or `None` without `--out`.
fn analysis_out(
    output: &AnalysisOutput,
    file: &Path,
    command: &str,
) -> anyhow::Result<Option<Owner>> {
    let Some(out) = &output.out else {
        return Ok(None);
    };
    check_out_dir(out)?;
    let owner = Owner::new(file, command)?;
    check_claim(out, &owner, output.force)?;
    Ok(Some(owner))
}

/// Writes a `backtest` or `outside-view` result into its `--out` folder as JSON (`json_bytes`,
/// with its `meta`) and CSV, all or nothing (nothing without `--out`), and says so on stderr
/// unless `--quiet`; then prints it, as that JSON with `--json`.
fn write_analysis(
    output: &AnalysisOutput,
    owner: Option<Owner>,
    (report, json_bytes): (Report<'_>, Vec<u8>),
    (json, csv): (&str, &str),
) -> anyhow::Result<()> {
    if let (Some(out), Some(owner)) = (&output.out, owner) {
        let files = [(json, json_bytes.clone()), (csv, Csv.export(report)?)];
        write_claimed(out, &files, owner, output.force)?;
        if !output.quiet {
            eprintln!("wrote {json}, {csv} to {}", out.display());
        }
    }
    if output.json {
        let mut bytes = json_bytes;
        bytes.push(b'\n');
        write_stdout(&bytes)
    } else {
        print(report, false)
    }
}

/// `result`'s JSON with `meta` first (`report::json::with_meta`), ending in a newline: a
/// `compare.json`, `seek.json` or `sensitivity.json`.
pub(super) fn with_meta_line<T: serde::Serialize>(
    what: &'static str,
    result: &T,
    meta: &Meta,
) -> anyhow::Result<Vec<u8>> {
    let mut bytes = with_meta(what, result, meta)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The `meta` of `summary.json` and the other results files for a run of the scenario file (or
/// comparison file) `file` (read again for its hash) with `seed` and sampling `plan`, made now by
/// this process's command line, the evidence library `located`.
pub(super) fn meta(
    file: &Path,
    seed: u64,
    plan: &sibsim::engine::sampling::Plan,
    located: &Located,
) -> Result<Meta, Error> {
    let bytes = std::fs::read(file).map_err(|source| Error::ReadScenario {
        path: file.to_path_buf(),
        source,
    })?;
    let command = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut meta = Meta::new(
        file,
        &bytes,
        seed,
        plan,
        command,
        std::time::SystemTime::now(),
    );
    meta.evidence = Some(located.absolute_label());
    Ok(meta)
}

/// `meta` with the other scenario files of a comparison file added, each read again for its
/// hash: its base and the files its variants take rules from (`rules`); `meta` itself when there
/// is no comparison file (`base` is `None`).
pub(super) fn with_base(
    meta: Meta,
    base: Option<&Path>,
    rules: &[std::path::PathBuf],
) -> Result<Meta, Error> {
    let Some(base) = base else {
        return Ok(meta);
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| Error::ReadScenario {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut meta = meta.with_base(base, &read(base)?);
    for path in rules {
        meta = meta.with_rules_from(path, &read(path)?);
    }
    Ok(meta)
}

pub(super) fn calibrate(search: &EvidenceSearch, json: bool) -> anyhow::Result<()> {
    let (library, located) = search.load(None).map_err(Error::from)?;
    let problems = problems(&library);
    if !problems.is_empty() {
        return Err(Error::InvalidOption {
            option: "--evidence".into(),
            problem: format!(
                "the evidence library {} cannot calibrate {}",
                located.describe(),
                problems.join("; ")
            ),
            valid:
                "expected the BIT provider figures the calibration uses (see evidence/bit2020.toml)"
                    .into(),
        }
        .into());
    }
    let calibration = Calibration::new(&library, &located.describe());
    print(Report::Calibration(&calibration), json)
}

pub(super) fn evidence(search: &EvidenceSearch, json: bool) -> anyhow::Result<()> {
    let (library, located) = search.load(None).map_err(Error::from)?;
    let listing = Listing::new(&library, &located.describe());
    print(Report::Evidence(&listing), json)
}

/// Load a scenario, refuse it when `lacking` says it lacks what the command needs (the problem and
/// what would be valid), and run it with the given trials and seed, with a progress bar on a
/// terminal unless `quiet`.
fn load_and_run(
    (file, search): (&Path, &EvidenceSearch),
    sampling: &Sampling,
    quiet: bool,
    lacking: impl Fn(&Model) -> bool,
    (problem, valid): (&str, &str),
) -> anyhow::Result<(Model, TrialTable, Meta)> {
    let located = search.locate(Some(file)).map_err(Error::from)?;
    let model = scenario::load_with(file, search)?;
    warn_about(&model);
    if lacking(&model) {
        return Err(Error::InvalidOption {
            option: "FILE".into(),
            problem: format!("{} {problem}", file.display()),
            valid: valid.into(),
        }
        .into());
    }
    let opts = sampling.options();
    let plan = opts.plan(&model)?;
    let trials = plan.trials();
    // One run: refused by the engine beyond a day; a long one is announced (engine::work).
    let work = Work::of(&model, trials);
    if work.is_long() && !work.is_refused() {
        let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
        eprintln!(
            "warning: {}",
            Total::from(work).warning("run", threads, "fewer trials run shorter")
        );
    }
    if !work.is_refused() {
        warn_memory(&model, trials);
    }
    let bar = progress_bar(trials, quiet);
    let table = simulate(&model, &opts, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let seed = sampling.seed.unwrap_or(model.settings.seed);
    let meta = meta(file, seed, &plan, &located)?;
    Ok((model, table?, meta))
}

/// `--month YYYY-MM` as a month index, within the simulation horizon.
fn parse_month(model: &Model, text: &str) -> Result<sibsim::Month, Error> {
    let start = model.settings.start;
    let last = start.plus(model.settings.horizon - 1);
    let bad = || Error::InvalidOption {
        option: "--month".into(),
        problem: format!("\"{text}\""),
        valid: format!("expected \"YYYY-MM\" from {start} to {last} (the simulation horizon)"),
    };
    let ym = scenario::YearMonth::parse(text).ok_or_else(bad)?;
    let idx = start.months_until(ym);
    if idx < 0 || idx >= model.settings.horizon as i64 {
        return Err(bad());
    }
    Ok(idx as sibsim::Month)
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

/// Fail on an output folder that cannot be one, before any simulation.
pub(super) fn check_out_dir(out: &Path) -> Result<(), Error> {
    if let Some(blocker) = out.ancestors().find(|p| p.exists() && !p.is_dir()) {
        return Err(Error::InvalidOption {
            option: "--out".into(),
            problem: format!(
                "{} is a file, so {} cannot be a folder",
                blocker.display(),
                out.display()
            ),
            valid: "expected a folder, existing or new".into(),
        });
    }
    Ok(())
}

/// The fonts for `--png`, loaded before anything runs (none without `--png`).
pub(super) fn png_renderer(png: bool) -> Result<Option<PngRenderer>, PngError> {
    png.then(PngRenderer::new).transpose()
}

/// The files of `charts`: each SVG, and with a renderer its PNG beside it.
pub(super) fn chart_files(
    charts: &[Chart],
    png: Option<&PngRenderer>,
) -> Result<Vec<(String, Vec<u8>)>, PngError> {
    let mut files = Vec::new();
    for c in charts {
        files.push((c.file.clone(), c.svg.clone().into_bytes()));
        if let Some(r) = png {
            files.push((png_name(&c.file), r.render(&c.file, &c.svg)?));
        }
    }
    Ok(files)
}

/// Files named by `String` as the writers take them.
pub(super) fn as_refs(files: &[(String, Vec<u8>)]) -> Vec<(&str, Vec<u8>)> {
    files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect()
}

/// As [`check_out_dir`], for the folder of another option (`--charts`).
pub(super) fn check_dir(option: &str, dir: &Path) -> Result<(), Error> {
    check_out_dir(dir).map_err(|e| match e {
        Error::InvalidOption { problem, valid, .. } => Error::InvalidOption {
            option: option.into(),
            problem,
            valid,
        },
        other => other,
    })
}

/// Whether two output folders are one, so that its files are written as one set.
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

pub(super) fn default_out(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("sibsim-out").join(stem)
}

/// A progress bar on stderr when it is a terminal and not `quiet`; a hidden one otherwise.
pub(super) fn progress_bar(trials: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(trials), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} trials [{bar:40}] {eta}")
            .expect("constant template")
            .progress_chars("=> "),
    );
    bar
}
