//! One sensitivity analysis of a scenario: a plain run (recorded inputs) for the tornado and the
//! reverse stress, and a pick-freeze design for the Sobol indices.

use serde::Serialize;

use super::event::{self, Event, EventError};
use super::inputs::{self, Group, Input};
use super::{rank, sobol, stress};
use crate::analysis::TrialTable;
use crate::compare::figures::named;
use crate::engine::runner::{run, RunOptions};
use crate::error::Error;
use crate::scenario::Model;

/// The results contract's schema name.
pub const SCHEMA: &str = "sibsim.sensitivity/1";

/// What to analyse and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Trials of the plain run (tornado, reverse stress).
    pub trials: u64,
    /// Master seed of the plain run and the Sobol design.
    pub seed: u64,
    /// Worker threads (`None`: rayon's default); the results do not depend on it.
    pub threads: Option<usize>,
    /// Outputs: metric or flag names of a run.
    pub metrics: Vec<String>,
    /// Failure events for reverse stress ([`event::parse`]).
    pub events: Vec<String>,
    /// Base samples of the Sobol design (0: no Sobol indices).
    pub sobol_n: usize,
    /// Bootstrap resamples for the Sobol intervals.
    pub bootstrap: usize,
    /// Level of the Sobol intervals.
    pub confidence: f64,
    /// The tornado's band: the output's median where an input is in its bottom vs top `band`.
    pub band: f64,
    /// Depth of the reverse stress rule tree (≤ 3).
    pub depth: usize,
    /// Fewest trials in a leaf of the rule tree.
    pub min_leaf: usize,
}

/// Default base samples of the Sobol design (`--sobol-n`); the defaults are documented in docs/sensitivity.md.
pub const DEFAULT_SOBOL_N: usize = 1024;
/// Default bootstrap resamples for the Sobol intervals (`--bootstrap`).
pub const DEFAULT_BOOTSTRAP: usize = 500;
/// Default level of the Sobol intervals (`--confidence`).
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// Default tornado band (`--band`): the bottom and top 10% of each input.
pub const DEFAULT_BAND: f64 = 0.1;
/// Default depth of the reverse stress rule tree (`--depth`).
pub const DEFAULT_DEPTH: usize = 3;
/// Fewest base samples of a Sobol design: below it the bootstrap intervals mean little (with 2,
/// indices of 2.4 came out).
pub const MIN_SOBOL_N: usize = 32;
/// Most base samples: 8,192 × (inputs + groups + 3) trials is 0.8 million trials on MHEP 1, about
/// 0.7 GB of trial table.
pub const MAX_SOBOL_N: usize = 8192;
/// Most bootstrap resamples (each resample is a pass over the base samples of every index).
pub const MAX_BOOTSTRAP: usize = 100_000;

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    /// The run itself failed (a bad model, an interrupted run).
    #[error(transparent)]
    Run(#[from] Error),
    /// A `--event` that does not parse or names no output of the run.
    #[error(transparent)]
    Event(#[from] EventError),
    /// An option out of range, or an output the run does not record.
    #[error("invalid {option}: {problem}; {valid}")]
    Option {
        /// The option, e.g. `--band`.
        option: String,
        /// What is wrong with its value.
        problem: String,
        /// What would be valid.
        valid: String,
    },
}

/// One tornado bar: an input's name (or `param.<field>` for a parameter across sites) and its
/// [`rank::Bar`] (rank correlation, the output's medians in the low and high bands, the swing
/// between them, and whether the input is fixed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// The input's name, e.g. `site.haringey.p_engage`, or a parameter across sites.
    pub input: String,
    /// Its Spearman ρ, the output's medians in the bottom and top bands, and the swing between them.
    #[serde(flatten)]
    pub bar: rank::Bar,
}

impl std::ops::Deref for Bar {
    type Target = rank::Bar;
    fn deref(&self) -> &rank::Bar {
        &self.bar
    }
}

/// A first-order or total index with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The index estimate, a share of the output's variance (0–1 up to Monte Carlo error).
    pub value: f64,
    /// Low end of its bootstrap interval at the report's confidence.
    pub low: f64,
    /// High end of its bootstrap interval.
    pub high: f64,
}

/// The Sobol indices of one input or group (`null`, with a `note`, when they cannot be
/// estimated).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    /// The input or group the index is for.
    pub name: String,
    /// First-order index S_i: the share of variance explained by it alone (`None`: not estimable, see `note`).
    pub first: Option<Estimate>,
    /// Total index S_Ti: the share it explains with all its interactions (`None`: not estimable, see `note`).
    pub total: Option<Estimate>,
    /// Base samples the index was estimated on.
    pub used: usize,
    /// Why an index is missing or to be read with care.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An output's Sobol indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolReport {
    /// Base samples N of the design, as asked.
    pub base_samples: usize,
    /// Base samples used (those where every row defines the output), and why others were not.
    pub used: usize,
    /// Base samples left out (the output undefined in one of their rows), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<Dropped>,
    /// The output's variance over the design's A and B rows, in its unit squared.
    pub variance: f64,
    /// `null` with a note when the output does not vary over the design.
    pub inputs: Vec<Index>,
    /// The indices of the Sobol groups: each site, each parameter across sites, the correlated inputs.
    pub groups: Vec<Index>,
    /// The delivery randomness given the inputs (the trial's own streams), as one more input.
    pub noise: Option<Index>,
    /// Why the output has no indices, if it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the total effects of delivery inputs also count (absent when the output has no
    /// delivery randomness to re-draw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// Base samples left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    /// How many samples or trials were left out.
    pub samples: usize,
    /// Why: the output is undefined in them (e.g. no IRR).
    pub why: String,
}

/// What the analysis says about one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputReport {
    /// The output analysed: a metric or flag name of a run.
    pub metric: String,
    /// Trials in which the output is defined.
    pub defined_trials: usize,
    /// Trials left out because the output is undefined in them, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<Dropped>,
    /// Every input, largest |swing| first; fixed inputs last.
    pub tornado: Vec<Bar>,
    /// Each parameter across the sites that draw it (the per-trial mean of its normalised ranks).
    pub tornado_by_param: Vec<Bar>,
    /// The Sobol indices (`None`: `--sobol-n 0`).
    pub sobol: Option<SobolReport>,
}

/// One input's shift between failing and other trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shift {
    /// The input's name.
    pub input: String,
    /// Median of the input over the failing trials.
    pub median_fail: f64,
    /// Median of the input over the other trials.
    pub median_other: f64,
    /// `median_fail − median_other` (negative: failing trials have lower values).
    pub shift: f64,
    /// (mean failing − mean other) ÷ pooled SD; `null` when both groups are constant (at
    /// different values: the input alone separates them).
    pub standardised: Option<f64>,
    /// Two-sample Kolmogorov–Smirnov statistic D between failing and other trials, 0–1.
    pub ks: f64,
    /// Asymptotic p-value of D (`None`: fewer than 4 effective trials).
    pub ks_p: Option<f64>,
}

/// A rule of the reverse stress tree, in words and in parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    /// The rule in words, e.g. "input.x ≤ 0.42 and input.y ≤ 31: 91% fail (812 of 892 trials; 34% overall)".
    pub text: String,
    /// The conditions that make up the rule, in tree order.
    pub conditions: Vec<ConditionReport>,
    /// Trials in the rule's leaf.
    pub trials: usize,
    /// Of those, the trials that fail.
    pub failing: usize,
    /// `failing ÷ trials`, 0–1.
    pub rate: f64,
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionReport {
    /// The input split on.
    pub input: String,
    /// `<=` or `>`.
    pub op: &'static str,
    /// The split value, in the input's unit.
    pub threshold: f64,
}

/// The reverse stress of one failure event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressReport {
    /// The failure event, as parsed from `--event`.
    pub event: Event,
    /// Trials where the event happens.
    pub failing: usize,
    /// Trials judged: those where the event's metric is defined.
    pub judged: usize,
    /// Share of judged trials that fail (`null` when no trial is judged).
    pub rate: Option<f64>,
    /// Trials left out because the event's metric is undefined in them, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<Dropped>,
    /// Largest KS statistic first; `null` list with a note when no trial or every trial fails.
    pub shifts: Vec<Shift>,
    /// The shifts of each parameter across the sites that draw it (the per-trial mean of its normalised ranks).
    pub shifts_by_param: Vec<Shift>,
    /// Leaves of the tree, highest failure rate first.
    pub rules: Vec<RuleReport>,
    /// Why the event has no shifts or rules (no trial or every trial fails), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A whole analysis: the results contract `sensitivity.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The schema name, [`SCHEMA`].
    pub schema: &'static str,
    /// The scenario's name.
    pub scenario: String,
    /// Trials of the plain run.
    pub trials: u64,
    /// Master seed.
    pub seed: u64,
    /// How the plain run was sampled: `"mc"` (plain Monte Carlo).
    pub sampling: &'static str,
    /// The tornado band, a share in (0, 0.5].
    pub band: f64,
    /// Level of the Sobol intervals, 0–1.
    pub confidence: f64,
    /// Bootstrap resamples of the Sobol intervals.
    pub bootstrap: usize,
    /// Every input the trials drew, in stream order.
    pub inputs: Vec<Input>,
    /// The Sobol groups of inputs.
    pub groups: Vec<Group>,
    /// One report per output (`--metric`).
    pub outputs: Vec<OutputReport>,
    /// One report per failure event (`--event`).
    pub stress: Vec<StressReport>,
}

/// Progress: what is being run, trials done of its total.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// A count with thousands separators, as every figure in the analysis' messages.
fn count(n: impl ToString) -> String {
    crate::report::terminal::group_thousands(&n.to_string())
}

fn opt_err(option: &str, problem: String, valid: &str) -> SensitivityError {
    SensitivityError::Option {
        option: option.into(),
        problem,
        valid: valid.into(),
    }
}

/// Check `opts` before anything runs.
///
/// # Errors
/// An option out of range.
pub fn check(opts: &Options) -> Result<(), SensitivityError> {
    if opts.metrics.is_empty() && opts.events.is_empty() {
        return Err(opt_err(
            "--metric",
            "no output and no event asked for".into(),
            "expected at least one --metric M or --event E",
        ));
    }
    if !(opts.band > 0.0 && opts.band <= 0.5) {
        return Err(opt_err(
            "--band",
            format!("{}", opts.band),
            "expected a share in (0, 0.5]",
        ));
    }
    if !(opts.confidence > 0.0 && opts.confidence < 1.0) {
        return Err(opt_err(
            "--confidence",
            format!("{}", opts.confidence),
            "expected a level in (0, 1)",
        ));
    }
    if opts.depth == 0 || opts.depth > 3 {
        return Err(opt_err(
            "--depth",
            format!("{}", opts.depth),
            "expected 1, 2 or 3",
        ));
    }
    if opts.sobol_n != 0 && !(MIN_SOBOL_N..=MAX_SOBOL_N).contains(&opts.sobol_n) {
        return Err(opt_err(
            "--sobol-n",
            count(opts.sobol_n),
            &format!(
                "expected 0 (no Sobol indices) or {} to {} base samples (each costs inputs + groups + 3 trials, about 0.8 KB each)",
                count(MIN_SOBOL_N),
                count(MAX_SOBOL_N)
            ),
        ));
    }
    if opts.sobol_n > 0 && !(100..=MAX_BOOTSTRAP).contains(&opts.bootstrap) {
        return Err(opt_err(
            "--bootstrap",
            count(opts.bootstrap),
            &format!("expected 100 to {} resamples", count(MAX_BOOTSTRAP)),
        ));
    }
    if opts.min_leaf == 0 || opts.min_leaf as u64 > opts.trials / 2 {
        return Err(opt_err(
            "--min-leaf",
            format!("{}", opts.min_leaf),
            "expected 1 to half the trials (a leaf smaller than the whole run on both sides of a split)",
        ));
    }
    Ok(())
}

/// Check `opts` and the outputs and events it names against `model`'s metric and flag names,
/// before anything runs.
///
/// # Errors
/// An option out of range, an output or event the run would not record.
pub fn check_names(model: &Model, opts: &Options) -> Result<(), SensitivityError> {
    check(opts)?;
    let layout = crate::engine::metrics::Layout::new(model);
    let empty = TrialTable::new(layout.metrics.clone(), layout.flags.clone());
    for m in &opts.metrics {
        column(&empty, m)?;
    }
    for e in &opts.events {
        event::parse(e, &empty)?;
    }
    Ok(())
}

fn column(table: &TrialTable, name: &str) -> Result<Vec<f64>, SensitivityError> {
    named(table, name).ok_or_else(|| {
        let names: Vec<String> = table
            .metric_names
            .iter()
            .chain(&table.flag_names)
            .cloned()
            .collect();
        let unknown = crate::lookup::UnknownName::new("metric or flag", name, &names);
        opt_err(
            "--metric",
            format!("{unknown}"),
            "expected a metric or flag of a run",
        )
    })
}

/// The per-parameter composites of `cols` (one per input): for each parameter drawn at more than
/// one site, the per-trial mean of its normalised ranks.
fn by_param(catalogue: &[Input], cols: &[Vec<f64>]) -> Vec<(String, Vec<f64>)> {
    inputs::groups(catalogue)
        .into_iter()
        .filter(|g| g.name.starts_with("param."))
        .map(|g| {
            let members: Vec<&[f64]> = g
                .members
                .iter()
                .filter(|&&i| !catalogue[i].fixed)
                .map(|&i| cols[i].as_slice())
                .collect();
            (g.name, rank::composite(&members))
        })
        .collect()
}

fn bars(named_cols: &[(String, Vec<f64>)], fixed: &[bool], y: &[f64], band: f64) -> Vec<Bar> {
    let refs: Vec<(&str, &[f64])> = named_cols
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let mut out: Vec<Bar> = rank::tornado(&refs, y, band)
        .into_iter()
        .map(|(input, mut bar)| {
            bar.fixed |= named_cols
                .iter()
                .position(|(n, _)| *n == input)
                .is_some_and(|i| fixed.get(i).copied().unwrap_or(false));
            Bar { input, bar }
        })
        .collect();
    // Fixed inputs last, whatever the ranking made of them.
    out.sort_by_key(|b| b.fixed);
    out
}

fn shift_rows(named_cols: &[(String, Vec<f64>)], fail: &[bool]) -> Vec<Shift> {
    let refs: Vec<(&str, &[f64])> = named_cols
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    stress::ranked_shifts(&refs, fail)
        .into_iter()
        .map(|(input, s)| Shift {
            input,
            median_fail: s.median_fail,
            median_other: s.median_other,
            shift: s.shift,
            standardised: s.standardised.is_finite().then_some(s.standardised),
            ks: s.ks,
            ks_p: s.ks_p,
        })
        .collect()
}

/// Trials the analysis runs: the plain run's, and the Sobol design's rows if it has one (for the
/// work estimate before it starts, crate::engine::work).
///
/// # Errors
/// A Sobol design that cannot be built (too many rows), as [`analyse`] would report it.
pub fn trials_needed(model: &Model, opts: &Options) -> Result<u64, SensitivityError> {
    Ok(match design_of(model, opts)? {
        None => opts.trials,
        Some(design) => opts.trials.saturating_add(design.rows()),
    })
}

/// The Sobol bootstrap's work once the design has run, if the analysis has one: `--bootstrap`
/// resamples × `--sobol-n` base samples × (inputs + groups + 1) indices × the outputs
/// (crate::engine::work::Bootstrap, added to the work estimate before the analysis starts).
///
/// # Errors
/// As [`trials_needed`].
pub fn bootstrap_work(
    model: &Model,
    opts: &Options,
) -> Result<Option<crate::engine::work::Bootstrap>, SensitivityError> {
    Ok(
        design_of(model, opts)?.map(|design| crate::engine::work::Bootstrap {
            resamples: opts.bootstrap as u64,
            samples: design.n() as u64,
            // Every row of a base sample but its A and B is an index.
            indices: (design.per_sample() - 2) as u64,
            metrics: opts.metrics.len() as u64,
        }),
    )
}

/// The Sobol design the analysis would run (`None`: no Sobol indices asked for).
fn design_of(model: &Model, opts: &Options) -> Result<Option<sobol::Design>, SensitivityError> {
    if opts.sobol_n == 0 || opts.metrics.is_empty() {
        return Ok(None);
    }
    let catalogue = inputs::catalogue(model);
    let groups = inputs::groups(&catalogue);
    let dim_names = sobol::dim_names(model);
    let design_groups: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .filter_map(|&i| dim_names.iter().position(|d| *d == catalogue[i].name))
                .collect()
        })
        .collect();
    Ok(Some(sobol::Design::new(
        opts.sobol_n,
        dim_names.len(),
        design_groups,
        true,
    )?))
}

/// Run the analysis.
///
/// # Errors
/// Options out of range, an output or event the run does not record, a run that cannot start.
pub fn analyse(
    model: &Model,
    opts: &Options,
    progress: Progress<'_>,
) -> Result<Sensitivity, SensitivityError> {
    check_names(model, opts)?;
    let catalogue = inputs::catalogue(model);
    let groups = inputs::groups(&catalogue);
    let run_opts = RunOptions {
        trials: Some(opts.trials),
        seed: Some(opts.seed),
        threads: opts.threads,
        ..RunOptions::default()
    };
    let table = run(model, &run_opts, &|done| {
        progress(
            "trials for the tornado and reverse stress",
            done,
            opts.trials,
        )
    })?;
    // Outputs and events are checked against the run's names before the Sobol design runs.
    let ys: Vec<Vec<f64>> = opts
        .metrics
        .iter()
        .map(|m| column(&table, m))
        .collect::<Result<_, _>>()?;
    let events: Vec<Event> = opts
        .events
        .iter()
        .map(|e| event::parse(e, &table))
        .collect::<Result<_, _>>()?;
    let input_cols: Vec<Vec<f64>> = catalogue
        .iter()
        .map(|i| table.inputs.get(&i.name).unwrap_or_default())
        .collect();
    let named_inputs: Vec<(String, Vec<f64>)> = catalogue
        .iter()
        .map(|i| i.name.clone())
        .zip(input_cols.iter().cloned())
        .collect();
    let fixed: Vec<bool> = catalogue.iter().map(|i| i.fixed).collect();
    let params = by_param(&catalogue, &input_cols);

    let mut outputs: Vec<OutputReport> = opts
        .metrics
        .iter()
        .zip(&ys)
        .map(|(m, y)| {
            let defined = y.iter().filter(|v| !v.is_nan()).count();
            OutputReport {
                metric: m.clone(),
                defined_trials: defined,
                undefined: (defined < y.len()).then(|| Dropped {
                    samples: y.len() - defined,
                    why: left_out_why(&table, y),
                }),
                tornado: bars(&named_inputs, &fixed, y, opts.band),
                tornado_by_param: bars(&params, &[], y, opts.band),
                sobol: None,
            }
        })
        .collect();

    let stress_out = events
        .into_iter()
        .map(|ev| stress_of(ev, &table, &catalogue, &named_inputs, &params, opts))
        .collect();

    if opts.sobol_n > 0 && !opts.metrics.is_empty() {
        sobol_into(model, opts, &catalogue, &groups, &mut outputs, progress)?;
    }

    Ok(Sensitivity {
        schema: SCHEMA,
        scenario: model.name.clone(),
        trials: opts.trials,
        seed: opts.seed,
        sampling: "mc",
        band: opts.band,
        confidence: opts.confidence,
        bootstrap: opts.bootstrap,
        inputs: catalogue,
        groups,
        outputs,
        stress: stress_out,
    })
}

/// Why trials where `y` is undefined are left out, and — where the run has the investor's
/// capital-loss flag — how many of them are capital losses: an IRR is undefined where no rate
/// zeroes the flows, which are among the worst trials, so leaving them out flatters the rest.
fn left_out_why(table: &TrialTable, y: &[f64]) -> String {
    let mut why =
        "the metric is undefined in these trials (e.g. an IRR no rate solves); they are left out"
            .to_string();
    if let Some(loss) = named(table, "investor.capital_loss") {
        let (left, lost) = y
            .iter()
            .zip(&loss)
            .filter(|(v, _)| v.is_nan())
            .fold((0usize, 0usize), |(n, l), (_, &c)| {
                (n + 1, l + usize::from(c == 1.0))
            });
        why.push_str(&format!(
            "; {} of the {} are capital losses, so what is left is conditioned on the better trials: for the whole picture use investor.multiple (e.g. --event \"investor.multiple < 1\")",
            count(lost),
            count(left)
        ));
    }
    why
}

fn stress_of(
    ev: Event,
    table: &TrialTable,
    catalogue: &[Input],
    named_inputs: &[(String, Vec<f64>)],
    params: &[(String, Vec<f64>)],
    opts: &Options,
) -> StressReport {
    let outcomes = ev.outcomes(table);
    let judged_idx: Vec<usize> = (0..outcomes.len())
        .filter(|&t| outcomes[t].is_some())
        .collect();
    let fail: Vec<bool> = judged_idx
        .iter()
        .map(|&t| outcomes[t] == Some(true))
        .collect();
    let failing = fail.iter().filter(|&&f| f).count();
    let judged = fail.len();
    let pick = |c: &Vec<f64>| -> Vec<f64> { judged_idx.iter().map(|&t| c[t]).collect() };
    let cols: Vec<(String, Vec<f64>)> = named_inputs
        .iter()
        .zip(catalogue)
        .filter(|(_, i)| !i.fixed)
        .map(|((n, c), _)| (n.clone(), pick(c)))
        .collect();
    let pcols: Vec<(String, Vec<f64>)> = params.iter().map(|(n, c)| (n.clone(), pick(c))).collect();
    let undefined = (judged < outcomes.len()).then(|| Dropped {
        samples: outcomes.len() - judged,
        why: format!(
            "{} is undefined in these trials; they are left out",
            ev.name
        ),
    });
    let note = if judged == 0 {
        Some("no trial defines the event's metric".to_string())
    } else if failing == 0 {
        Some(format!(
            "no trial of {} fails: nothing to tell the failing trials from the others (more trials, or a less extreme event)",
            count(judged)
        ))
    } else if failing == judged {
        Some(format!(
            "every trial of {} fails: nothing to tell the failing trials from the others",
            count(judged)
        ))
    } else {
        None
    };
    let (shifts, shifts_by_param, rules) = if note.is_some() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let refs: Vec<&[f64]> = cols.iter().map(|(_, c)| c.as_slice()).collect();
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let base_rate = failing as f64 / judged as f64;
        let min_leaf = opts.min_leaf.max(1);
        let rules = stress::rules(&refs, &fail, opts.depth, min_leaf)
            .into_iter()
            .map(|r| RuleReport {
                text: stress::describe(&r, &names, base_rate),
                conditions: r
                    .conditions
                    .iter()
                    .map(|c| ConditionReport {
                        input: names[c.input].to_string(),
                        op: if c.below { "<=" } else { ">" },
                        threshold: c.threshold,
                    })
                    .collect(),
                trials: r.trials,
                failing: r.failing,
                rate: if r.trials > 0 {
                    r.failing as f64 / r.trials as f64
                } else {
                    0.0
                },
            })
            .collect();
        (shift_rows(&cols, &fail), shift_rows(&pcols, &fail), rules)
    };
    StressReport {
        event: ev,
        failing,
        judged,
        rate: (judged > 0).then(|| failing as f64 / judged as f64),
        undefined,
        shifts,
        shifts_by_param,
        rules,
        note,
    }
}

fn sobol_into(
    model: &Model,
    opts: &Options,
    catalogue: &[Input],
    groups: &[Group],
    outputs: &mut [OutputReport],
    progress: Progress<'_>,
) -> Result<(), SensitivityError> {
    // The design's dimensions are the parameter layer's, in its own order; map them to the
    // catalogue by name.
    let dim_names = sobol::dim_names(model);
    let dim_of: Vec<Option<usize>> = catalogue
        .iter()
        .map(|i| dim_names.iter().position(|d| *d == i.name))
        .collect();
    let design_groups: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| g.members.iter().filter_map(|&i| dim_of[i]).collect())
        .collect();
    let design = sobol::Design::new(opts.sobol_n, dim_names.len(), design_groups, true)?;
    let rows = design.rows();
    let table = sobol::run_design(model, &design, opts.seed, opts.threads, &|done| {
        progress("Sobol design", done, rows)
    })?;
    let names: Vec<String> = dim_names;
    let resamples = opts.bootstrap as u64;
    for out in outputs.iter_mut() {
        let y = named(&table, &out.metric).unwrap_or_default();
        let label = format!("Sobol bootstrap of {}", out.metric);
        let ix = sobol::estimate_observed(
            &design,
            &y,
            (opts.bootstrap, opts.confidence, opts.seed),
            opts.threads,
            &|done| progress(&label, done, resamples),
        )?;
        out.sobol = Some(sobol_report(&ix, opts.sobol_n, &names, catalogue, groups));
    }
    Ok(())
}

fn index(name: &str, e: &sobol::Entry) -> Index {
    let est = |e: sobol::Estimate| Estimate {
        value: e.value,
        low: e.low,
        high: e.high,
    };
    match e {
        Ok(i) => Index {
            name: name.to_string(),
            first: Some(est(i.first)),
            total: Some(est(i.total)),
            used: i.used,
            note: None,
        },
        Err(why) => Index {
            name: name.to_string(),
            first: None,
            total: None,
            used: 0,
            note: Some(why.to_string()),
        },
    }
}

fn sobol_report(
    ix: &sobol::Indices,
    base_samples: usize,
    dim_names: &[String],
    catalogue: &[Input],
    groups: &[Group],
) -> SobolReport {
    let noise_total = ix
        .noise
        .as_ref()
        .and_then(|e| e.as_ref().ok())
        .map(|n| n.total.value);
    SobolReport {
        base_samples,
        used: ix.used,
        dropped: (ix.dropped > 0).then(|| Dropped {
            samples: ix.dropped,
            why: "the output is undefined in the sample's A or B row (e.g. an IRR no rate solves); an index also leaves out samples whose own row is undefined (its `used`)".into(),
        }),
        variance: ix.variance,
        inputs: dim_names
            .iter()
            .zip(&ix.dims)
            .map(|(n, e)| {
                let mut i = index(n, e);
                let info = catalogue.iter().find(|c| c.name == *n);
                if let Some(b) = info.and_then(|c| c.correlated) {
                    // The estimator assumes independent inputs: within a copula block an input's
                    // uniform carries its partners' shared factor (the first in the Cholesky order
                    // most of it), so only the block's index means anything.
                    i.first = None;
                    i.total = None;
                    i.note = Some(format!(
                        "correlated with other inputs by the scenario's copula: its own index would depend on their order; see the group copula.{b}"
                    ));
                } else if let (Some(t), Some(nz), Some(c)) = (i.total, noise_total, info) {
                    if !c.kind.is_money() && t.value <= nz {
                        i.note = Some(format!(
                            "total effect within the delivery randomness it re-draws (≤ the noise's total, {nz:.3}): read it as an upper bound; the first-order index is not affected"
                        ));
                    }
                }
                i
            })
            .collect(),
        groups: groups
            .iter()
            .zip(&ix.groups)
            .map(|(g, e)| index(&g.name, e))
            .collect(),
        noise: ix.noise.as_ref().map(|e| index("noise", e)),
        note: ix.undefined.as_ref().map(ToString::to_string),
        caveat: ix
            .noise
            .as_ref()
            .and_then(|e| e.as_ref().ok())
            .filter(|n| n.total.value > 0.0)
            .map(|n| format!(
                "a delivery or staffing input's total effect also counts the delivery randomness it re-draws (a different value changes how many random numbers its site's delivery uses), up to that site's share of the noise's total effect ({:.3} here), so inputs are ranked by first-order index and a total within the noise's is marked as an upper bound; first-order indices and the tornado are not affected, nor money inputs unless distress or termination feed money back into delivery (docs/sensitivity.md)",
                n.total.value
            )),
    }
}
