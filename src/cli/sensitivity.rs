//! `sibsim sensitivity`: check everything first, then run (a plain run, then the Sobol design)
//! with a progress bar, then write the files all-or-nothing and print.

use sibsim::error::Error;
use sibsim::scenario;
use sibsim::sensitivity::analysis::{self, Options};
use sibsim::sensitivity::report;

use super::args::SensitivityArgs;
use super::commands::{meta, progress_bar, with_meta_line};
use sibsim::engine::sampling::Plan;
use sibsim::report::charts::{sobol_charts, tornado_charts};

use super::commands::check_dir;
use super::compare::{out_dir, styled, write_and_print, write_charts};

/// A leaf of the rule tree holds at least 1% of the trials (and 20, but at most half of them).
pub(super) fn default_min_leaf(trials: u64) -> usize {
    ((trials / 100) as usize)
        .max(20)
        .min(((trials / 2) as usize).max(1))
}

pub(super) fn sensitivity(args: SensitivityArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let search = args.evidence.search();
    let located = search.locate(Some(&args.file)).map_err(Error::from)?;
    let model = scenario::load_with(&args.file, &search)?;
    super::commands::warn_about(&model);
    let trials = args.sampling.trials.unwrap_or(model.settings.trials);
    let opts = Options {
        trials,
        seed: args.sampling.seed.unwrap_or(model.settings.seed),
        threads: args.sampling.threads,
        metrics: args.metrics.clone(),
        events: args.events.clone(),
        sobol_n: args.sobol_n,
        bootstrap: args.bootstrap,
        confidence: args.confidence,
        band: args.band,
        depth: args.depth,
        min_leaf: args.min_leaf.unwrap_or_else(|| default_min_leaf(trials)),
    };
    analysis::check_names(&model, &opts)?;
    if opts.trials == 0 || opts.trials > sibsim::limits::MAX_TRIALS as u64 {
        return Err(sibsim::error::Error::InvalidOption {
            option: "--trials".into(),
            problem: format!(
                "{} trials",
                sibsim::report::terminal::group_thousands(&opts.trials.to_string())
            ),
            valid: format!(
                "expected a whole number from 1 to {}",
                sibsim::report::terminal::group_thousands(&sibsim::limits::MAX_TRIALS.to_string())
            ),
        }
        .into());
    }
    let needed = analysis::trials_needed(&model, &opts)?;
    let mut work =
        sibsim::engine::work::Total::from(sibsim::engine::work::Work::of(&model, needed));
    if let Some(b) = analysis::bootstrap_work(&model, &opts)? {
        work.add_bootstrap(b);
    }
    super::commands::announce_work(
        &work,
        "sensitivity analysis",
        opts.threads,
        (
            "expected fewer --trials, a smaller --sobol-n or fewer --bootstrap resamples (the Sobol design runs N × (inputs + groups + 3) trials and its bootstrap B × N × (inputs + groups + 1) steps an output; docs/sensitivity.md), or a shorter horizon or fewer sites",
            "fewer --trials, a smaller --sobol-n or fewer --bootstrap resamples run shorter",
            // The Sobol design's rows beyond the plain run's trials make it the driver.
            if needed.saturating_sub(opts.trials) > opts.trials {
                "--sobol-n"
            } else {
                "--trials"
            },
        ),
    )?;
    let out = out_dir(&args.output, &args.file, "sensitivity")?;
    if let Some(dir) = &args.charts {
        check_dir("--charts", dir)?;
    }
    let renderer = super::commands::png_renderer(args.png)?;
    let bar = styled(progress_bar(opts.trials, args.output.quiet));
    let progress = |label: &str, done: u64, total: u64| {
        if bar.length() != Some(total) {
            bar.set_length(total);
        }
        if bar.message() != label {
            bar.set_message(label.to_string());
        }
        bar.set_position(done);
    };
    let s = analysis::analyse(&model, &opts, &progress);
    bar.finish_and_clear();
    let s = s?;
    // Drawn before anything is written, so that a chart that fails leaves every output as it was.
    let charts = match &args.charts {
        Some(_) => {
            let (mut charts, mut skipped) = tornado_charts(&s)?;
            let (more, left) = sobol_charts(&s)?;
            charts.extend(more);
            skipped.extend(left);
            Some((charts, skipped))
        }
        None => None,
    };
    write_and_print(
        (
            &out,
            sibsim::report::Owner::new(&args.file, "sensitivity")?,
            args.output.force,
        ),
        (
            "sensitivity.json",
            with_meta_line(
                "sensitivity",
                &s,
                &meta(&args.file, opts.seed, &Plan::mc(opts.trials), &located)?,
            )?,
        ),
        ("sensitivity.csv", report::to_csv(&s)?),
        args.output.json,
        || report::render(&s),
    )?;
    if let (Some(dir), Some(charts)) = (&args.charts, charts) {
        write_charts(dir, charts, renderer.as_ref(), args.output.quiet)?;
    }
    if !args.output.quiet {
        eprintln!(
            "sensitivity took {:.2} s; wrote sensitivity.json, sensitivity.csv to {}",
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}
