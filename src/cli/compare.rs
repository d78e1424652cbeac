//! `sibsim compare` and `sibsim seek`: read and check everything first, then run with a progress
//! bar, then write the files all-or-nothing and print.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use sibsim::compare::file::{self, is_comparison, parse_sweep, variant_at, StructureOptions};
use sibsim::compare::seek::{
    check_search, default_range, default_tolerance, expected_evaluations, figure_and_se,
    parse_target, seek as run_seek, short, short_se,
};
use sibsim::compare::{self, report, CompareError, Knob, Schedule, Setup, VariantDef};
use sibsim::engine::metrics::Layout;
use sibsim::engine::sampling::Plan;
use sibsim::engine::work::Work;
use sibsim::error::Error;
use sibsim::evidence::search::{EvidenceSearch, Located};
use sibsim::report::charts::{compare_charts, Chart, PngRenderer, Skipped};
use sibsim::report::{write_all_or_nothing, write_claimed, Owner};
use sibsim::scenario::{self, Event, Model};

use super::args::{CompareArgs, CompareOutput, Sampling, SeekArgs, StructureArgs};
use super::commands::{
    announce_work, as_refs, chart_files, check_dir, check_out_dir, default_out, meta, png_renderer,
    progress_bar, with_base, with_meta_line,
};
use super::write_stdout;

/// `1234567` → `"1,234,567"`.
fn thousands(n: u64) -> String {
    sibsim::report::terminal::group_thousands(&n.to_string())
}

fn option(option: &str, problem: String, valid: &str) -> CompareError {
    CompareError::Option {
        option: option.into(),
        problem,
        valid: valid.into(),
    }
}

fn structure_options(a: &StructureArgs) -> Result<StructureOptions, CompareError> {
    let schedule = Schedule::parse(&a.block_schedule).ok_or_else(|| {
        option(
            "--block-schedule",
            format!("\"{}\"", a.block_schedule),
            "expected monthly, quarterly or annual",
        )
    })?;
    let outcome_event = match &a.outcome_event {
        None => None,
        Some(e) => Some(
            Event::parse(e)
                .filter(|&e| e != Event::Referral)
                .ok_or_else(|| {
                    option(
                        "--outcome-event",
                        format!("\"{e}\""),
                        "expected engagement, job_start, sustain_6w, sustain_13w or sustain_26w",
                    )
                })?,
        ),
    };
    Ok(StructureOptions {
        schedule,
        outcome_event,
        scale_caps: !a.no_scale_caps,
    })
}

/// The base scenario of FILE (a scenario, or a comparison file's base) and the comparison file
/// if it is one.
fn read(
    path: &Path,
    search: &EvidenceSearch,
) -> anyhow::Result<(Model, Option<file::ComparisonFile>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
        path: path.to_path_buf(),
        source,
    })?;
    if is_comparison(&text) {
        let c = file::parse_in(path, &text, search)?;
        super::commands::warn_about(&c.base);
        Ok((c.base.clone(), Some(c)))
    } else {
        let model = scenario::parse_scenario_in(&path.display().to_string(), &text, search)
            .map_err(Error::from)?;
        super::commands::warn_about(&model);
        Ok((model, None))
    }
}

/// What `compare` and `seek` both read first.
struct Inputs {
    /// The base scenario.
    model: Model,
    /// The comparison file, if FILE is one.
    cfile: Option<file::ComparisonFile>,
    /// The structure options.
    opts: StructureOptions,
    /// Whether feedback stays on (the file's setting unless --no-feedback).
    feedback: bool,
    /// The evidence library the search order chose (for the results' `meta`).
    located: Located,
}

/// Reads FILE and the options into [`Inputs`].
fn inputs(file: &Path, search: &EvidenceSearch, a: &StructureArgs) -> anyhow::Result<Inputs> {
    let located = search.locate(Some(file)).map_err(Error::from)?;
    let (model, cfile) = read(file, search)?;
    let opts = structure_options(a)?;
    let feedback = !a.no_feedback && cfile.as_ref().is_none_or(|c| c.feedback);
    Ok(Inputs {
        model,
        cfile,
        opts,
        feedback,
        located,
    })
}

/// The runs' setup, the checked output folder and the progress bar.
fn start(
    model: &Model,
    s: &Sampling,
    (feedback, pilot_seed): (bool, Option<u64>),
    o: &CompareOutput,
    (file, command): (&Path, &str),
) -> anyhow::Result<(Setup, std::path::PathBuf, ProgressBar)> {
    let setup = Setup {
        trials: s.trials.unwrap_or(model.settings.trials),
        seed: s.seed.unwrap_or(model.settings.seed),
        threads: s.threads,
        feedback,
        pilot_seed,
    };
    let out = out_dir(o, file, command)?;
    let bar = styled(progress_bar(setup.trials, o.quiet));
    Ok((setup, out, bar))
}

/// Runs a block-share variant is guessed to take, the frozen structure's run on the comparison's
/// trials included. Feedback off: two solve runs at scales 0 and 1 and a third that lands on the
/// root (spend is linear in the scale), then the frozen run: 4, measured on
/// scenarios/mhep1_structures.toml without feedback at 1,000, 2,000 and 10,000 trials (3 solve
/// runs for each of its two block-share variants, every time). Feedback on: spend jumps with the
/// scale and the solve takes more (up to `MAX_SOLVE_RUNS`): measured on the bundled comparison at
/// 500, 1,000, 2,000, 4,000, 10,000 and 20,000 trials, its 12 solves took 5 to 12 solve runs, 93
/// in all — 8.75 runs a variant with the frozen run (9.25 with the base's pilot run shared out,
/// as issue 14's 9.75 also counted it); rounded up to 9. Guesses, so totals that count solves
/// are shown with ≈.
const SOLVE_RUNS_GUESS: [usize; 2] = [4, 9];

/// One stage of a comparison: the base or a variant.
#[derive(Debug)]
struct Stage {
    /// Its name, which is also the label of its last run (a solved variant's frozen run).
    name: String,
    /// Runs it is expected to take.
    expected: usize,
    solved: bool,
}

/// Which run of how many, for the bar's message. A new run is seen as a new label (every run of
/// a comparison or seek has its own). A comparison's runs are grouped in stages — the base, then
/// each variant — each with the runs it is expected to take; the total is the runs of the stages
/// done, plus the current stage's (those it has taken, and at least one more while a solve has
/// not reached its frozen run), plus the expected runs of the rest.
#[derive(Debug)]
struct Overall {
    stages: Vec<Stage>,
    /// For a seek: evaluations are found from the labels (a label's part before " (" names its
    /// evaluation), and counted against this estimate of how many.
    seek_evaluations: Option<usize>,
    state: std::sync::Mutex<Count>,
}

#[derive(Debug, Default)]
struct Count {
    label: String,
    stage: usize,
    /// Runs of the stages before `stage`, and of `stage` so far.
    done_before: usize,
    in_stage: usize,
    /// For a seek: the evaluation being run (0: the base) and its name.
    evaluation: usize,
    evaluation_name: String,
}

impl Overall {
    /// A comparison of `variants` (after the base): a variant with a block-share structure takes
    /// [`SOLVE_RUNS_GUESS`] runs, the first such one also the base's pilot run.
    fn comparison(variants: &[VariantDef], feedback: bool) -> Overall {
        let guess = SOLVE_RUNS_GUESS[usize::from(feedback)];
        let mut stages = vec![Stage {
            name: "base".into(),
            expected: 1,
            solved: false,
        }];
        let mut pilot = 1;
        for v in variants {
            let solved = v.structure.is_some();
            stages.push(Stage {
                name: v.name.clone(),
                expected: if solved {
                    guess + std::mem::take(&mut pilot)
                } else {
                    1
                },
                solved,
            });
        }
        Overall {
            stages,
            seek_evaluations: None,
            state: std::sync::Mutex::default(),
        }
    }

    /// A seek expected to take about `evaluations` evaluations.
    fn seek(evaluations: usize) -> Overall {
        Overall {
            stages: Vec::new(),
            seek_evaluations: Some(evaluations),
            state: std::sync::Mutex::default(),
        }
    }

    /// Runs expected in all, and whether that is a guess (a structure is solved): for the work
    /// estimate before the comparison starts.
    fn expected_runs(&self) -> (u64, bool) {
        let runs: usize = self.stages.iter().map(|st| st.expected).sum();
        (runs as u64, self.stages.iter().any(|st| st.solved))
    }

    /// The comparison moves to its next stage (a variant is done).
    fn next_stage(&self) {
        if let Ok(mut c) = self.state.lock() {
            c.done_before += std::mem::take(&mut c.in_stage);
            c.stage += 1;
        }
    }

    /// The bar's message for a run labelled `label`, when it starts a new run.
    fn observe(&self, label: &str) -> Option<String> {
        let mut c = self.state.lock().ok()?;
        if c.label == label {
            return None;
        }
        c.label = label.to_string();
        c.in_stage += 1;
        let run = c.done_before + c.in_stage;
        if let Some(of) = self.seek_evaluations {
            let name = label.split(" (").next().unwrap_or(label);
            if name != "base" && name != c.evaluation_name {
                c.evaluation += 1;
                c.evaluation_name = name.to_string();
            }
            return Some(if c.evaluation == 0 {
                format!("run {run}: {label}")
            } else {
                format!(
                    "run {run}, evaluation {} of ≈{}: {label}",
                    c.evaluation,
                    of.max(c.evaluation)
                )
            });
        }
        let current = match self.stages.get(c.stage) {
            // Its last run: the stage takes exactly what it has.
            Some(st) if st.name == label => c.in_stage,
            Some(st) if st.solved => st.expected.max(c.in_stage + 1),
            Some(st) => st.expected.max(c.in_stage),
            None => c.in_stage,
        };
        let later: usize = self
            .stages
            .iter()
            .skip(c.stage + 1)
            .map(|st| st.expected)
            .sum();
        let total = c.done_before + current + later;
        // A guess while a solve is to come or under way (not yet at its frozen run).
        let guessed = self
            .stages
            .iter()
            .skip(c.stage)
            .enumerate()
            .any(|(i, st)| st.solved && !(i == 0 && st.name == label));
        let approx = if guessed { "≈" } else { "" };
        Some(format!("run {run} of {approx}{total}: {label}"))
    }
}

/// A bar per run, its message which run of how many and the run's label.
fn bar_progress<'a>(
    bar: &'a ProgressBar,
    overall: &'a Overall,
) -> impl Fn(&str, u64, u64) + Sync + 'a {
    move |label: &str, done: u64, total: u64| {
        if bar.length() != Some(total) {
            bar.set_length(total);
        }
        if let Some(message) = overall.observe(label) {
            bar.set_message(message);
        }
        bar.set_position(done);
    }
}

/// Write a command's JSON and CSV into `out` all-or-nothing, then print the JSON (`--json`) or
/// the rendered text: the ending `compare` and `sensitivity` share.
pub(super) fn write_and_print(
    (out, owner, force): (&Path, Owner, bool),
    json: (&str, Vec<u8>),
    csv: (&str, Vec<u8>),
    print_json: bool,
    render: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let files = vec![(json.0, json.1.clone()), csv];
    write_claimed(out, &files, owner, force)?;
    if print_json {
        write_stdout(&json.1)
    } else {
        write_stdout(render().as_bytes())
    }
}

/// Write `charts` into `dir`, all or nothing, and say on stderr (unless `quiet`) what was written
/// and which charts were left out, and why.
pub(super) fn write_charts(
    dir: &Path,
    (charts, skipped): (Vec<Chart>, Vec<Skipped>),
    png: Option<&PngRenderer>,
    quiet: bool,
) -> anyhow::Result<()> {
    let files = chart_files(&charts, png)?;
    write_all_or_nothing(dir, &as_refs(&files))?;
    if !quiet {
        for s in &skipped {
            eprintln!("chart {} not drawn: {}", s.chart, s.why);
        }
        eprintln!("wrote {} chart files to {}", files.len(), dir.display());
    }
    Ok(())
}

pub(super) fn styled(bar: ProgressBar) -> ProgressBar {
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos}/{len} trials [{bar:30}]")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The output folder, checked before anything runs: no file in its way (`run`'s
/// [`check_out_dir`]), and a file can be made where it is or is to be (a probe file, made and
/// removed at once), so that a read-only place fails now, not after the runs.
pub(super) fn out_dir(
    o: &CompareOutput,
    file: &Path,
    command: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let out = o.out.clone().unwrap_or_else(|| default_out(file));
    check_out_dir(&out)?;
    sibsim::report::check_claim(&out, &Owner::new(file, command)?, o.force)?;
    let place = out
        .ancestors()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .find(|p| p.is_dir())
        .unwrap_or(Path::new("."));
    let probe = place.join(format!(".sibsim-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // Best effort: the probe is empty and named for this process.
            let _ = std::fs::remove_file(&probe);
            Ok(out)
        }
        Err(e) => Err(Error::InvalidOption {
            option: "--out".into(),
            problem: format!(
                "{} cannot be written in {} ({e})",
                out.display(),
                place.display()
            ),
            valid: "expected a folder that can be written, existing or new".into(),
        }
        .into()),
    }
}

pub(super) fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let Inputs {
        model,
        cfile,
        opts,
        feedback,
        located,
    } = inputs(&args.file, &args.evidence.search(), &args.structure)?;
    let (name, variants): (String, Vec<VariantDef>) = match (&args.sweep, &cfile) {
        (Some(_), Some(c)) => {
            return Err(option(
                "--sweep",
                format!(
                    "{} is a comparison file, and a sweep runs on one scenario: its [[variants]] would be ignored",
                    args.file.display()
                ),
                &format!(
                    "expected the base scenario with --sweep, `sibsim compare {} --sweep …`{}, or the comparison file without --sweep to run its variants",
                    c.base_path.display(),
                    if c.feedback { "" } else { " --no-feedback (the file sets feedback = false)" }
                ),
            )
            .into())
        }
        (Some(spec), None) => {
            let (knob, values) = parse_sweep(spec, &model)?;
            let stem = args
                .file
                .file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
            (
                format!("{stem}: sweep {knob}"),
                values
                    .iter()
                    .map(|&v| variant_at(&knob, v, &model, &opts))
                    .collect(),
            )
        }
        (None, Some(c)) => (c.name.clone(), c.variants.clone()),
        (None, None) => {
            return Err(option(
                "FILE",
                format!(
                    "{} is a scenario, and no --sweep was given",
                    args.file.display()
                ),
                "expected a comparison file (with `base = …` and [[variants]], docs/compare.md) or --sweep PATH=V1,V2,…",
            )
            .into())
        }
    };
    if let Some(dir) = &args.charts {
        check_dir("--charts", dir)?;
    }
    let renderer = png_renderer(args.png)?;
    let (setup, out, bar) = start(
        &model,
        &args.sampling,
        (feedback, args.structure.pilot_seed),
        &args.output,
        (&args.file, "compare"),
    )?;
    let overall = Overall::comparison(&variants, setup.feedback);
    let (runs, approx) = overall.expected_runs();
    let work = Work::of(&model, setup.trials).times(runs, approx);
    announce_work(
        &work.into(),
        "comparison",
        setup.threads,
        (
            &format!(
                "expected at most {} trials for these {runs} runs, fewer variants, or a shorter horizon or fewer sites",
                thousands(work.max_trials())
            ),
            "fewer trials or variants run shorter",
            "--trials",
        ),
    )?;
    let progress = bar_progress(&bar, &overall);
    let started = std::time::Instant::now();
    let base = compare::run_base(&model, &setup, &progress)?;
    let mut runs = Vec::new();
    for v in &variants {
        overall.next_stage();
        runs.push(compare::evaluate(&base, v, &setup, &progress)?);
    }
    bar.finish_and_clear();
    let c = report::Comparison::new(&name, &setup, &base, &runs);
    // Drawn before anything is written, so that a chart that fails leaves every output as it was.
    let charts = match &args.charts {
        Some(_) => Some(compare_charts(&c)?),
        None => None,
    };
    write_and_print(
        (&out, Owner::new(&args.file, "compare")?, args.output.force),
        (
            "compare.json",
            with_meta_line(
                "comparison",
                &c,
                &with_base(
                    meta(&args.file, setup.seed, &Plan::mc(setup.trials), &located)?,
                    cfile.as_ref().map(|c| c.base_path.as_path()),
                    cfile.as_ref().map_or(&[][..], |c| &c.rules_paths),
                )?,
            )?,
        ),
        ("compare.csv", report::to_csv(&c)?),
        args.output.json,
        || report::render(&c),
    )?;
    if let (Some(dir), Some(charts)) = (&args.charts, charts) {
        write_charts(dir, charts, renderer.as_ref(), args.output.quiet)?;
    }
    if !args.output.quiet {
        // The base, its pilot if any variant was solved, and every variant's runs.
        let pilot = usize::from(runs.iter().any(|r| r.solve.is_some()));
        let total: usize = 1
            + pilot
            + runs
                .iter()
                .map(|r| r.solve.as_ref().map_or(1, sibsim::compare::Solve::runs))
                .sum::<usize>();
        eprintln!(
            "{} runs of {} trials in {:.2} s; wrote compare.json, compare.csv to {}",
            total,
            setup.trials,
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

fn parse_range(s: &str) -> Result<[f64; 2], CompareError> {
    let bad = || {
        option(
            "--range",
            format!("\"{s}\""),
            "expected LOW,HIGH, two numbers, e.g. 0,1",
        )
    };
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let number = |x: &str| -> Result<f64, CompareError> {
        let v: f64 = x.trim().parse().map_err(|_| bad())?;
        if v.is_finite() {
            Ok(v)
        } else {
            // As written: 1e400 reads as infinity.
            Err(option(
                "--range",
                format!("\"{s}\": {} is not a finite number", x.trim()),
                "expected LOW,HIGH, two finite numbers, e.g. 0,1",
            ))
        }
    };
    Ok([number(a)?, number(b)?])
}

/// A value a seek found, to one decimal below its tolerance (so that the two ends of a final
/// bracket, less than the tolerance apart, print apart), without trailing zeros.
fn to_tolerance(x: f64, tolerance: f64) -> String {
    let decimals = (1.0 - tolerance.log10().ceil()).clamp(0.0, 12.0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(super) fn seek(args: SeekArgs) -> anyhow::Result<()> {
    let Inputs {
        model,
        cfile,
        opts,
        feedback,
        located,
    } = inputs(&args.file, &args.evidence.search(), &args.structure)?;
    let knob =
        Knob::parse(args.vary.trim(), &model).map_err(|e| option("--vary", e.problem, &e.valid))?;
    let layout = Layout::new(&compare::structure::with_income_accounts(&model));
    let target = parse_target(&args.target, &layout.metrics, &layout.flags)?;
    let range = match &args.range {
        Some(r) => parse_range(r)?,
        None => default_range(&knob, &model).ok_or_else(|| {
            option(
                "--range",
                format!("{knob} is 0 in the scenario, so there is no default range"),
                "expected --range LOW,HIGH",
            )
        })?,
    };
    let tolerance = args
        .tolerance
        .unwrap_or_else(|| default_tolerance(&knob, range));
    check_search(&knob, range, tolerance, &model)?;
    let (setup, out, bar) = start(
        &model,
        &args.sampling,
        (feedback, args.structure.pilot_seed),
        &args.output,
        (&args.file, "seek"),
    )?;
    let evaluations =
        expected_evaluations(range, tolerance, matches!(knob, Knob::TariffThreshold(_)));
    let overall = Overall::seek(evaluations);
    // The base, then each evaluation: one run, or a structure's solve (its guess of runs) after
    // one pilot run.
    let runs = if knob == Knob::BlockShare {
        2 + evaluations * SOLVE_RUNS_GUESS[usize::from(setup.feedback)]
    } else {
        1 + evaluations
    } as u64;
    let work = Work::of(&model, setup.trials).times(runs, true);
    announce_work(
        &work.into(),
        "seek",
        setup.threads,
        (
            &format!(
                "expected at most {} trials for about {runs} runs, a wider --tolerance, a narrower --range, or a shorter horizon or fewer sites",
                thousands(work.max_trials())
            ),
            "fewer trials, a wider --tolerance or a narrower --range run shorter",
            "--trials",
        ),
    )?;
    let progress = bar_progress(&bar, &overall);
    let started = std::time::Instant::now();
    let base = compare::run_base(&model, &setup, &progress)?;
    let r = run_seek(
        &base, &knob, range, tolerance, &target, &opts, &setup, &progress,
    );
    bar.finish_and_clear();
    let r = r?;
    let json = with_meta_line(
        "seek",
        &r,
        &with_base(
            meta(&args.file, setup.seed, &Plan::mc(setup.trials), &located)?,
            cfile.as_ref().map(|c| c.base_path.as_path()),
            cfile.as_ref().map_or(&[][..], |c| &c.rules_paths),
        )?,
    )?;
    write_claimed(
        &out,
        &[("seek.json", json.clone())],
        Owner::new(&args.file, "seek")?,
        args.output.force,
    )?;
    if args.output.json {
        write_stdout(&json)?;
    } else {
        let figure = r.target.figure();
        // The figure to its SE's second significant figure, as a refusal prints it.
        let achieved = match r.achieved_se {
            Some(se) => figure_and_se(r.achieved, se).0,
            None => short(r.achieved),
        };
        let se = match (r.achieved_se, &r.note) {
            (Some(se), _) => format!("± {} Monte Carlo SE", figure_and_se(r.achieved, se).1),
            (None, Some(note)) => note
                .split("; ")
                .find_map(|n| n.strip_prefix("achieved_se: "))
                .unwrap_or("no Monte Carlo SE")
                .to_string(),
            (None, None) => "no Monte Carlo SE".to_string(),
        };
        let text = format!(
            "Seek on {}: {} {} in [{}, {}] meeting {}\n\
             {} = {}: {figure} = {} ({se}), met\n\
             {} = {}: {figure} = {}, not met\n\
             {}\n\
             {} evaluations ({} runs of {} trial{}, seed {}); stopped because {}\n",
            r.scenario,
            r.direction,
            r.knob,
            short(r.range[0]),
            short(r.range[1]),
            r.target.text,
            r.knob,
            to_tolerance(r.value, r.tolerance),
            achieved,
            r.knob,
            to_tolerance(r.not_met_value, r.tolerance),
            r.not_met_figure
                .map_or_else(|| "undefined (no trial defines it)".to_string(), short),
            match r.value_se {
                Some(v) => format!(
                    "the value is located to ± {} by the figure's Monte Carlo error (its SE over the response's slope)",
                    short_se(v)
                ),
                None => format!(
                    "the value's own precision is unknown: {}",
                    r.note
                        .as_deref()
                        .and_then(|n| n.split("; ").find_map(|n| n.strip_prefix("value_se: ")))
                        .unwrap_or("not estimated")
                ),
            },
            r.evaluations,
            r.runs,
            thousands(r.trials),
            if r.trials == 1 { "" } else { "s" },
            r.seed,
            r.stopped_because
        );
        write_stdout(text.as_bytes())?;
    }
    if !args.output.quiet {
        eprintln!(
            "seek took {:.2} s; wrote seek.json to {}",
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

/// `report --compare FILE`: a comparison file, read and checked before anything runs.
pub(super) struct ReportComparison {
    name: String,
    /// The base scenario's path, as the comparison file names it (resolved).
    pub(super) base_path: PathBuf,
    /// The files its variants take rules from (resolved).
    pub(super) rules_paths: Vec<PathBuf>,
    base: Model,
    variants: Vec<VariantDef>,
    feedback: bool,
}

/// Read the comparison file `path` for a report on `scenario` (whose text is `text`): refused if
/// it is not a comparison file or its base is another file than the report's scenario (the
/// report would set one scenario's run beside another's comparison).
pub(super) fn for_report(
    path: &Path,
    scenario: &Path,
    text: &str,
    search: &EvidenceSearch,
) -> anyhow::Result<ReportComparison> {
    if let Err(e) = std::fs::read(path) {
        return Err(option(
            "--compare",
            format!("cannot read {}: {e}", path.display()),
            "expected a readable comparison file (docs/compare.md), e.g. scenarios/mhep1_structures.toml",
        )
        .into());
    }
    let (_, cfile) = read(path, search)?;
    let Some(c) = cfile else {
        return Err(option(
            "--compare",
            format!("{} is a scenario, not a comparison file", path.display()),
            "expected a comparison file (with `base = …` and [[variants]], docs/compare.md), e.g. scenarios/mhep1_structures.toml",
        )
        .into());
    };
    let same = std::fs::read_to_string(&c.base_path).is_ok_and(|base| base == text);
    if !same {
        return Err(option(
            "--compare",
            format!(
                "the base of {} is {}, which is not the report's scenario {}",
                path.display(),
                c.base_path.display(),
                scenario.display()
            ),
            &format!(
                "expected a comparison file whose base is {} (byte for byte), or `sibsim report {}` on its base",
                scenario.display(),
                c.base_path.display()
            ),
        )
        .into());
    }
    Ok(ReportComparison {
        name: c.name.clone(),
        base_path: c.base_path.clone(),
        rules_paths: c.rules_paths.clone(),
        base: c.base.clone(),
        variants: c.variants.clone(),
        feedback: c.feedback,
    })
}

/// The work of a report's comparison on `s`'s trials (engine::work): its runs, a guess if a
/// structure is solved.
pub(super) fn report_comparison_work(c: &ReportComparison, s: &Sampling) -> Work {
    let (runs, approx) = Overall::comparison(&c.variants, c.feedback).expected_runs();
    Work::of(&c.base, s.trials.unwrap_or(c.base.settings.trials)).times(runs, approx)
}

/// Run a report's comparison on `s`'s trials and seed, with the default structure options (as
/// `sibsim compare FILE` without options), showing its runs on `bar`.
pub(super) fn run_for_report(
    c: &ReportComparison,
    s: &Sampling,
    bar: &ProgressBar,
) -> anyhow::Result<compare::report::Comparison> {
    let setup = Setup {
        trials: s.trials.unwrap_or(c.base.settings.trials),
        seed: s.seed.unwrap_or(c.base.settings.seed),
        threads: s.threads,
        feedback: c.feedback,
        pilot_seed: None,
    };
    let overall = Overall::comparison(&c.variants, setup.feedback);
    let progress = bar_progress(bar, &overall);
    let base = compare::run_base(&c.base, &setup, &progress)?;
    let mut runs = Vec::new();
    for v in &c.variants {
        overall.next_stage();
        runs.push(compare::evaluate(&base, v, &setup, &progress)?);
    }
    Ok(report::Comparison::new(&c.name, &setup, &base, &runs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sibsim::compare::structure::default_outcome_event;

    fn plain(name: &str) -> VariantDef {
        VariantDef {
            name: name.into(),
            ..VariantDef::default()
        }
    }

    fn solved(name: &str) -> VariantDef {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mhep1.toml");
        let m = scenario::load(&path).unwrap();
        VariantDef {
            name: name.into(),
            structure: Some(compare::Structure {
                block_share: 0.5,
                schedule: Schedule::Monthly,
                outcome_event: default_outcome_event(&m),
                scale_caps: true,
            }),
            ..VariantDef::default()
        }
    }

    /// The messages `overall` gives for `labels`, a stage ending before each label in `next`.
    fn messages(overall: &Overall, labels: &[(&str, bool)]) -> Vec<String> {
        let mut out = Vec::new();
        for &(label, next) in labels {
            if next {
                overall.next_stage();
            }
            // A run reports progress many times; only its first report changes the message.
            out.extend(overall.observe(label));
            assert!(overall.observe(label).is_none());
        }
        out
    }

    #[test]
    fn found_values_print_to_their_tolerance() {
        assert_eq!(to_tolerance(137_445.068_359_375, 10.0), "137445");
        assert_eq!(to_tolerance(137_438.964_843_75, 10.0), "137439");
        assert_eq!(to_tolerance(0.437_316_894_531_25, 1e-4), "0.43732");
        assert_eq!(to_tolerance(0.437_255_859_375, 1e-4), "0.43726");
        assert_eq!(to_tolerance(0.5, 1e-4), "0.5");
        assert_eq!(to_tolerance(30.0, 1.0), "30");
        assert_eq!(to_tolerance(143_100.25, 0.01), "143100.25");
    }

    #[test]
    fn a_comparison_without_solves_counts_its_runs_exactly() {
        let o = Overall::comparison(&[plain("a"), plain("b")], true);
        assert_eq!(
            messages(&o, &[("base", false), ("a", true), ("b", true)]),
            ["run 1 of 3: base", "run 2 of 3: a", "run 3 of 3: b"]
        );
    }

    #[test]
    fn solves_are_estimated_and_the_estimate_follows_what_they_take() {
        // Feedback off. Base, a plain variant, then two block-share variants:
        // 1 + 1 + (1 pilot + 4) + 4 = 11.
        let o = Overall::comparison(&[plain("a"), solved("s"), solved("t")], false);
        let s = |k: usize| format!("s (solve run {k}, pilot trials)");
        let (s1, s2, s3, s4, s5) = (s(1), s(2), s(3), s(4), s(5));
        let got = messages(
            &o,
            &[
                ("base", false),
                ("a", true),
                ("base (pilot trials)", true),
                (&s1, false),
                (&s2, false),
                (&s3, false),
                (&s4, false),
                (&s5, false),
                ("s", false),
                ("t (solve run 1, pilot trials)", true),
            ],
        );
        assert_eq!(
            got,
            [
                "run 1 of ≈11: base",
                "run 2 of ≈11: a",
                "run 3 of ≈11: base (pilot trials)",
                "run 4 of ≈11: s (solve run 1, pilot trials)",
                "run 5 of ≈11: s (solve run 2, pilot trials)",
                "run 6 of ≈11: s (solve run 3, pilot trials)",
                // s takes more than guessed: the total grows with it, its frozen run still to come.
                "run 7 of ≈12: s (solve run 4, pilot trials)",
                "run 8 of ≈13: s (solve run 5, pilot trials)",
                "run 9 of ≈13: s",
                "run 10 of ≈13: t (solve run 1, pilot trials)",
            ]
        );
        // Feedback on: 9 guessed; a solve that takes fewer ends the guess at its frozen run.
        let o = Overall::comparison(&[solved("s")], true);
        let got = messages(
            &o,
            &[
                ("base", false),
                ("base (pilot trials)", true),
                ("s (solve run 1, pilot trials)", false),
                ("s (solve run 2, pilot trials)", false),
                ("s", false),
            ],
        );
        assert_eq!(
            got,
            [
                "run 1 of ≈11: base",
                "run 2 of ≈11: base (pilot trials)",
                "run 3 of ≈11: s (solve run 1, pilot trials)",
                "run 4 of ≈11: s (solve run 2, pilot trials)",
                "run 5 of 5: s",
            ]
        );
    }

    #[test]
    fn a_seek_counts_its_evaluations() {
        let o = Overall::seek(16);
        let got = messages(
            &o,
            &[
                ("base", false),
                ("base (pilot trials)", false),
                ("block_share=0 (solve run 1, pilot trials)", false),
                ("block_share=0 (solve run 2, pilot trials)", false),
                ("block_share=0", false),
                ("block_share=1 (solve run 1, pilot trials)", false),
            ],
        );
        assert_eq!(
            got,
            [
                "run 1: base",
                "run 2: base (pilot trials)",
                "run 3, evaluation 1 of ≈16: block_share=0 (solve run 1, pilot trials)",
                "run 4, evaluation 1 of ≈16: block_share=0 (solve run 2, pilot trials)",
                "run 5, evaluation 1 of ≈16: block_share=0",
                "run 6, evaluation 2 of ≈16: block_share=1 (solve run 1, pilot trials)",
            ]
        );
    }
}
