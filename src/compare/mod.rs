//! Structure comparison for commissioners (docs/compare.md): the same delivery under different
//! payment structures, on common random numbers, with paired differences and their errors; block
//! share sweeps at equal expected commissioner spend; and goal seek.
//!
//! Every variant runs on the same seed and trial indices. A trial's random streams are split by
//! purpose (parameters, each site's delivery; MODEL.md, Non-negotiables), so a variant that changes
//! only payment rules draws exactly the same delivery. Where distress or termination feeds money
//! back into delivery (`feedback = true`), a variant's trials diverge from the base's only through
//! that feedback; the report counts the trials whose delivery differs.
//!
//! The pieces: [`knob`] (the fields a variant sets), [`structure`] (the block-share transform),
//! [`paired`] (paired statistics), [`figures`] (what each variant reports), [`file`](mod@file) (the
//! comparison file), [`report`] (the results contract, `compare.json`), [`seek`] (goal seek).

pub mod figures;
pub mod file;
pub mod knob;
pub mod paired;
pub mod report;
pub mod seek;
pub mod structure;

use crate::analysis::TrialTable;
use crate::engine::runner::{run, RunOptions};
use crate::error::{Error, ScenarioErrors};
use crate::scenario::{outputs, Model};

pub use knob::{Knob, KnobError};
pub use report::Comparison;
pub use structure::{Schedule, Structure};

/// How every run of a comparison is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// Trials of every run (base and variants).
    pub trials: u64,
    /// Master seed of every run: common random numbers across the variants.
    pub seed: u64,
    /// Worker threads (`None`: rayon's default); the results do not depend on it.
    pub threads: Option<usize>,
    /// Whether distress and termination stay on (else every variant runs without them).
    pub feedback: bool,
    /// The seed of the pilot trials block-share solves run on; `None`: [`pilot_seed`] of the
    /// scenario's own seed. It must differ from `seed` ([`run_base`] refuses it), else the solve
    /// would be fitted to the trials that judge it.
    pub pilot_seed: Option<u64>,
}

/// Progress of a comparison: called with what is being run, and trials done of the run's total.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// Why a comparison or a seek could not give figures.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A run of the base or a variant failed.
    #[error(transparent)]
    Run(#[from] Error),
    /// Problems in a comparison file, each located.
    #[error(transparent)]
    Invalid(#[from] ScenarioErrors),
    /// A command-line path or value.
    #[error("invalid {option}: {problem}; {valid}")]
    Option {
        /// The option or value, e.g. `--trials`.
        option: String,
        /// What is wrong with it.
        problem: String,
        /// What would be valid.
        valid: String,
    },
    /// The tariff scales that give equal expected commissioner spend could not be found.
    #[error("variant {variant}: cannot equalise {commissioner}'s expected net spend: {why}")]
    NotEqualised {
        /// The variant's name.
        variant: String,
        /// The commissioner's party id.
        commissioner: String,
        /// Why no scale was found (e.g. spend does not rise with the scale over the range tried).
        why: String,
    },
    /// Goal seek could not answer (not bracketed, not monotone, no such figure).
    #[error("{0}")]
    Seek(String),
}

/// A variant as defined: what it changes from the base.
#[derive(Debug, Clone, Default)]
pub struct VariantDef {
    /// The variant's name, unique in the file.
    pub name: String,
    /// What the variant models, for the report.
    pub description: String,
    /// Payment rules taken from another scenario (its file name, for the report, and model).
    pub rules_from: Option<(String, Model)>,
    /// Field knobs, applied in order after `rules_from` ([`Knob::TariffScale`] included).
    pub set: Vec<(Knob, f64)>,
    /// The block-share transform, applied last.
    pub structure: Option<Structure>,
}

/// How a block-share variant's tariff scales were found.
///
/// The solve runs on **pilot trials** (the same number of trials on [`pilot_seed`]), and the
/// structure it finds is then frozen and run on the comparison's own trials. So the reported
/// figures, their paired errors and the check of equal spend are out of sample: the blocks and
/// scales are fixed contract terms, not fitted to the trials that judge them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solve {
    /// The block share b, 0–1: the share of each site's expected commissioner income paid as blocks.
    pub block_share: f64,
    /// How the new blocks are paid: monthly, quarterly or annually, in advance.
    pub schedule: Schedule,
    /// The event of a tariff added where a commissioner pays its provider none.
    pub outcome_event: String,
    /// The seed of the pilot trials the solve ran on.
    pub pilot_seed: u64,
    /// Per commissioner: the base's expected net spend, the variant's, the scale found.
    pub commissioners: Vec<SolvedSpend>,
    /// Runs of the variant on the pilot trials (the frozen structure's run on the comparison's
    /// trials is one more).
    pub evaluations: usize,
    /// Of them, runs that searched outward for a bracket: with no bracket yet, the last two runs
    /// did not show spend rising (a step of feedback between them).
    pub outward_steps: usize,
    /// How the scales were found, in words (the root-finder, and how closely spend was matched).
    pub method: &'static str,
}

impl Solve {
    /// Runs of the variant in all: the solve's on the pilot trials and the frozen structure's.
    pub fn runs(&self) -> usize {
        self.evaluations + 1
    }
}

/// One commissioner's equal-spend solve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SolvedSpend {
    /// The commissioner's party id.
    pub commissioner: String,
    /// On the pilot trials: the base's expected net spend and the variant's at the scale found.
    pub base_spend_mean: f64,
    /// The variant's expected net spend on the pilot trials at the scale found, £.
    pub variant_spend_mean: f64,
    /// Monte Carlo SE of the variant's mean spend on the pilot (`null` with fewer than 2 trials).
    pub variant_spend_se: Option<f64>,
    /// Monte Carlo SE of the base's mean spend on the pilot (`null` with fewer than 2 trials).
    pub base_spend_se: Option<f64>,
    /// Out of sample, on the comparison's trials: the variant's mean net spend minus the base's
    /// (equal spend holds if this is within a few `check_se` of 0).
    pub check_difference: f64,
    /// Paired SE of `check_difference` (`null` with fewer than 2 trials).
    pub check_se: Option<f64>,
    /// The scale s_c found for the commissioner's tariffs to providers.
    pub tariff_scale: f64,
    /// The multiplier on b × I_s (1 but at block share 1, where the blocks carry the solve).
    pub block_scale: f64,
    /// Per site of this commissioner: the blocks scheduled in all (b × I_s × block scale).
    pub blocks: Vec<SiteBlock>,
}

/// One run of a block-share solve on the pilot trials.
struct Trial {
    x: Vec<f64>,
    spend: Vec<f64>,
    se: Vec<f64>,
}

/// The blocks scheduled at one site, £ over its term.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteBlock {
    /// The site's id.
    pub site: String,
    /// The blocks scheduled at the site over its term, £.
    pub amount: f64,
}

/// A variant run.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The variant's name (`base` for the base).
    pub name: String,
    /// What the variant models.
    pub description: String,
    /// What was set, as `path = value` lines, for the report.
    pub settings: Vec<String>,
    /// The model run: the base with the variant's changes applied.
    pub model: Model,
    /// The run's per-trial metrics and flags.
    pub table: TrialTable,
    /// How a block-share variant's structure was solved (`None` for other variants).
    pub solve: Option<Solve>,
}

/// The base of a comparison, run.
#[derive(Debug, Clone)]
pub struct Base {
    /// The base scenario (feedback as set up), without income accounts: what variants start from.
    pub plain: Model,
    /// The base run itself: model and trial table on the comparison's seed.
    pub run: Evaluated,
    /// The base on the pilot trials, run when a block-share variant first needs it.
    pilot: std::sync::OnceLock<TrialTable>,
}

impl Base {
    /// The base's run on the pilot trials ([`pilot_seed`]), made once.
    fn pilot(&self, setup: &Setup, progress: Progress<'_>) -> Result<&TrialTable, Error> {
        if let Some(t) = self.pilot.get() {
            return Ok(t);
        }
        let table = run_table(
            &self.run.model,
            &pilot(setup, &self.plain),
            "base (pilot trials)",
            progress,
        )?;
        Ok(self.pilot.get_or_init(|| table))
    }
}

/// The default seed of the pilot trials a block-share solve runs on, from the *scenario's* seed
/// (`simulation.seed`, not the run's `--seed`): a SplitMix64 step, so seeds 1, 2, 3 … give
/// unrelated pilots, never the seed itself. So a scenario's block-share structures stay the same
/// contract terms when a comparison is re-run on other trials with another `--seed`.
pub fn pilot_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    let z = z ^ (z >> 31);
    if z == seed {
        z.wrapping_add(1)
    } else {
        z
    }
}

fn pilot(setup: &Setup, model: &Model) -> Setup {
    Setup {
        seed: setup
            .pilot_seed
            .unwrap_or_else(|| pilot_seed(model.settings.seed)),
        ..*setup
    }
}

/// `model` without distress and termination.
pub fn without_feedback(model: &Model) -> Model {
    let mut m = model.clone();
    for s in &mut m.sites {
        s.distress = None;
        s.termination = None;
    }
    m
}

fn run_table(
    model: &Model,
    setup: &Setup,
    label: &str,
    progress: Progress<'_>,
) -> Result<TrialTable, Error> {
    let opts = RunOptions {
        trials: Some(setup.trials),
        seed: Some(setup.seed),
        threads: setup.threads,
        ..RunOptions::default()
    };
    let total = setup.trials;
    run(model, &opts, &|done| progress(label, done, total))
}

/// Run the base of a comparison.
///
/// # Errors
/// A run that cannot start (trials, threads), or a pilot seed equal to the run's seed.
pub fn run_base(model: &Model, setup: &Setup, progress: Progress<'_>) -> Result<Base, Error> {
    let pilot = pilot(setup, model).seed;
    if pilot == setup.seed {
        return Err(Error::InvalidOption {
            option: "--pilot-seed".into(),
            problem: format!(
                "the pilot seed {pilot} is the run's seed: block-share structures would be solved on the very trials that judge them"
            ),
            valid: "expected a pilot seed other than --seed (or none: the default is derived from the scenario's seed)".into(),
        });
    }
    let plain = if setup.feedback {
        model.clone()
    } else {
        without_feedback(model)
    };
    let accounted = structure::with_income_accounts(&plain);
    let table = run_table(&accounted, setup, "base", progress)?;
    Ok(Base {
        plain,
        run: Evaluated {
            name: "base".into(),
            description: model.name.clone(),
            settings: Vec::new(),
            model: accounted,
            table,
            solve: None,
        },
        pilot: std::sync::OnceLock::new(),
    })
}

/// Take the payment rules of `from` into `base` (docs/compare.md, `rules_from`).
///
/// # Errors
/// A scenario with another start month, other parties or other sites.
pub fn take_rules(base: &Model, from: &Model) -> Result<Model, String> {
    if base.settings.start != from.settings.start {
        return Err(format!(
            "it starts in {} and the base in {}",
            from.settings.start, base.settings.start
        ));
    }
    let parties = |m: &Model| -> Vec<(String, crate::scenario::Role)> {
        m.parties.iter().map(|p| (p.id.clone(), p.role)).collect()
    };
    if parties(base) != parties(from) {
        return Err("its parties (ids, roles, order) differ from the base's".into());
    }
    let sites = |m: &Model| -> Vec<String> { m.sites.iter().map(|s| s.id.clone()).collect() };
    if sites(base) != sites(from) {
        return Err("its sites (ids, order) differ from the base's".into());
    }
    let mut m = base.clone();
    let last = base.settings.horizon.saturating_sub(1);
    m.rules = from.rules.clone();
    m.tariffs = from.tariffs.clone();
    for t in &mut m.tariffs {
        t.to = t.to.min(last);
    }
    m.blocks = from.blocks.clone();
    for b in &mut m.blocks {
        b.months.retain(|&mo| mo <= last);
    }
    m.caps = from.caps.clone();
    m.rule_sets = from.rule_sets.clone();
    m.variations = from.variations.clone();
    Ok(m)
}

/// The base's expected commissioner income per site and the count of `event` per site, on `t`.
fn base_income(
    base: &Base,
    t: &TrialTable,
    event: crate::scenario::Event,
) -> structure::BaseIncome {
    let sites = &base.plain.sites;
    let mean = |name: String| figures::exact_mean(t, &name).unwrap_or(0.0);
    structure::BaseIncome {
        income: sites
            .iter()
            .map(|s| {
                mean(format!(
                    "payments.by_rule.{}",
                    structure::income_rule(&s.id)
                ))
            })
            .collect(),
        events: sites
            .iter()
            .map(|s| mean(format!("site.{}.{}", s.id, event.metric())))
            .collect(),
    }
}

/// Expected net spend (paid − received) of party `id` and its Monte Carlo SE.
fn net_spend(table: &TrialTable, id: &str) -> (f64, f64) {
    let paid = figures::exact_mean(table, &format!("payments.by_payer.{id}")).unwrap_or(0.0);
    let got = figures::exact_mean(table, &format!("payments.by_payee.{id}")).unwrap_or(0.0);
    let col = |name: String| figures::named(table, &name).unwrap_or_default();
    let (p, r) = (
        col(format!("payments.by_payer.{id}")),
        col(format!("payments.by_payee.{id}")),
    );
    let (_, var, n) = paired::mean_var(p.iter().zip(&r).map(|(a, b)| a - b));
    (paid - got, (var / n.max(1) as f64).sqrt())
}

/// Party `id`'s mean net spend in `a` minus in `b` (the same trials), and its paired SE.
fn spend_difference(a: &TrialTable, b: &TrialTable, id: &str) -> (f64, Option<f64>) {
    let net = |t: &TrialTable| -> Vec<f64> {
        let col = |name: String| figures::named(t, &name).unwrap_or_default();
        let (p, r) = (
            col(format!("payments.by_payer.{id}")),
            col(format!("payments.by_payee.{id}")),
        );
        let n = t.trials;
        (0..n)
            .map(|i| p.get(i).copied().unwrap_or(0.0) - r.get(i).copied().unwrap_or(0.0))
            .collect()
    };
    let (x, y) = (net(a), net(b));
    let d = paired::mean_diff(&x, &y);
    (d.value, d.se_paired.is_finite().then_some(d.se_paired))
}

/// Relative tolerance of the equal-spend solve: each commissioner's expected spend is matched to
/// within this share of the base's (or a hundredth of its Monte Carlo SE, if larger). With
/// feedback off the spend is linear in the scale and the solve lands on it to rounding; with
/// feedback on, distress and termination make it a step function of the scale, so exact equality
/// may not exist.
pub const SPEND_TOLERANCE: f64 = 1e-5;

/// Most runs one block-share solve may take.
pub const MAX_SOLVE_RUNS: usize = 12;

/// Run variant `def` against `base`.
///
/// # Errors
/// Rules that cannot be taken, a finance override that breaks a rule (facility below the loan),
/// a solve that does not converge, or a run that cannot start.
pub fn evaluate(
    base: &Base,
    def: &VariantDef,
    setup: &Setup,
    progress: Progress<'_>,
) -> Result<Evaluated, CompareError> {
    let mut m = base.plain.clone();
    let mut settings = Vec::new();
    if let Some((file, from)) = &def.rules_from {
        let from = if setup.feedback {
            from.clone()
        } else {
            without_feedback(from)
        };
        m = take_rules(&m, &from).map_err(|why| CompareError::Option {
            option: format!("variants.{}.rules_from", def.name),
            problem: format!("{file} cannot lend its rules: {why}"),
            valid: "expected a scenario with the base's start month, parties and sites".into(),
        })?;
        settings.push(format!("rules_from = {file}"));
    }
    for (knob, value) in &def.set {
        knob.apply(&mut m, *value);
        settings.push(format!("{knob} = {value}"));
    }
    if let Some(f) = &m.finance {
        if f.facility < f.loan {
            return Err(CompareError::Option {
                option: format!("variants.{}", def.name),
                problem: format!("the facility £{} is below the loan £{}", f.facility, f.loan),
                valid: "expected finance.facility ≥ finance.loan".into(),
            });
        }
    }
    let m = structure::with_income_accounts(&m);
    let Some(st) = def.structure else {
        let table = run_table(&m, setup, &def.name, progress)?;
        return Ok(Evaluated {
            name: def.name.clone(),
            description: def.description.clone(),
            settings,
            model: m,
            table,
            solve: None,
        });
    };
    settings.push(format!("block_share = {}", st.block_share));
    solve_structure(base, def, m, st, settings, setup, progress)
}

#[allow(clippy::too_many_arguments)]
fn solve_structure(
    base: &Base,
    def: &VariantDef,
    m: Model,
    st: Structure,
    settings: Vec<String>,
    setup: &Setup,
    progress: Progress<'_>,
) -> Result<Evaluated, CompareError> {
    let comms = structure::commissioners(&m);
    let ids: Vec<String> = comms.iter().map(|&c| m.parties[c].id.clone()).collect();
    let pilot_setup = pilot(setup, &base.plain);
    let pilot_base = base.pilot(setup, progress)?;
    let income = base_income(base, pilot_base, st.outcome_event);
    if income.income.iter().all(|&i| i <= 0.0) {
        return Err(CompareError::Option {
            option: format!("{}: block_share", def.name),
            problem: "the base pays its providers nothing through commissioners (no commissioner tariff or block to a provider paid in any trial)".into(),
            valid: "expected a scenario whose commissioners pay their sites' providers (the lines block_share moves; docs/compare.md)".into(),
        });
    }
    let targets: Vec<(f64, f64)> = ids.iter().map(|id| net_spend(pilot_base, id)).collect();
    let runs = std::cell::Cell::new(0usize);
    let mut outward = 0usize;
    // Block share 1: all of the expected income is block and the tariffs pay nothing, so the
    // solve moves the blocks; otherwise it moves the tariffs.
    let all_block = st.block_share >= 1.0;
    let eval = |x: &[f64]| -> Result<Trial, CompareError> {
        runs.set(runs.get() + 1);
        let (scales, blocks) = if all_block {
            (vec![0.0; x.len()], x.to_vec())
        } else {
            (x.to_vec(), vec![1.0; x.len()])
        };
        let model = structure::transform(&m, &st, &income, &scales, &blocks);
        let label = format!("{} (solve run {}, pilot trials)", def.name, runs.get());
        let table = run_table(&model, &pilot_setup, &label, progress)?;
        let (spend, se) = ids.iter().map(|id| net_spend(&table, id)).unzip();
        Ok(Trial {
            x: x.to_vec(),
            spend,
            se,
        })
    };
    let k = ids.len();
    let tol: Vec<f64> = targets
        .iter()
        .map(|&(t, se)| (SPEND_TOLERANCE * t.abs()).max(1e-2 * se).max(1e-6))
        .collect();
    let what = if all_block { "block" } else { "tariff" };
    let residual = |r: &Trial, c: usize| r.spend[c] - targets[c].0;
    let exact = |r: &Trial| (0..k).all(|c| residual(r, c).abs() <= tol[c]);
    // Within a tenth of the Monte Carlo error of the variant's own mean spend (and of the
    // base's): with feedback on, spend is a step function of the scale, which may have no exact
    // root; this is the fallback acceptance.
    let close = |r: &Trial| {
        (0..k).all(|c| residual(r, c).abs() <= (0.1 * r.se[c].max(targets[c].1)).max(tol[c]))
    };
    let score = |r: &Trial| {
        (0..k)
            .map(|c| residual(r, c).abs() / tol[c])
            .fold(0.0, f64::max)
    };
    // Per commissioner: a safeguarded secant. Spend rises with the scale, so every run below the
    // target bounds the root from below and every run above it from above; a secant step that
    // leaves that bracket is replaced by the bracket's midpoint.
    let mut history: Vec<Trial> = vec![eval(&vec![0.0; k])?, eval(&vec![1.0; k])?];
    let chosen = loop {
        let last = &history[history.len() - 1];
        if exact(last) {
            break history.len() - 1;
        }
        let prev = &history[history.len() - 2];
        let mut next = last.x.clone();
        for c in 0..k {
            if residual(last, c).abs() <= tol[c] {
                continue;
            }
            let lo = history
                .iter()
                .filter(|r| residual(r, c) < 0.0)
                .map(|r| r.x[c])
                .fold(f64::NEG_INFINITY, f64::max);
            let hi = history
                .iter()
                .filter(|r| residual(r, c) > 0.0)
                .map(|r| r.x[c])
                .fold(f64::INFINITY, f64::min);
            let slope = (last.spend[c] - prev.spend[c]) / (last.x[c] - prev.x[c]);
            let secant = last.x[c] - residual(last, c) / slope;
            next[c] = if lo.is_finite() && hi.is_finite() {
                if secant > lo && secant < hi {
                    secant
                } else {
                    0.5 * (lo + hi)
                }
            } else if slope.is_finite() && slope > 0.0 {
                secant.max(0.0)
            } else if hi.is_infinite() {
                outward += 1;
                // Every run so far spends below the target, and the last two do not show spend
                // rising (a step of feedback between them): search outward, a quarter past the
                // highest scale run, until a run spends above the target and brackets the root.
                let top = history.iter().map(|r| r.x[c]).fold(0.0, f64::max);
                top + 0.25 * top.max(1.0)
            } else {
                outward += 1;
                // Every run spends above the target: search down towards no tariff (scale 0).
                let bottom = history.iter().map(|r| r.x[c]).fold(f64::INFINITY, f64::min);
                0.5 * bottom
            };
        }
        let pinned = next == last.x;
        if pinned || runs.get() >= MAX_SOLVE_RUNS {
            let best = (0..history.len())
                .min_by(|&a, &b| score(&history[a]).total_cmp(&score(&history[b])))
                .expect("two runs at least");
            if close(&history[best]) {
                break best;
            }
            let r = &history[best];
            let c = (0..k)
                .max_by(|&a, &b| {
                    (residual(r, a).abs() / tol[a]).total_cmp(&(residual(r, b).abs() / tol[b]))
                })
                .unwrap_or(0);
            let why = if pinned && residual(r, c) > 0.0 {
                format!(
                    "with no {what} at all its expected spend is £{:.2}, above the base's £{:.2}",
                    r.spend[c], targets[c].0
                )
            } else {
                let se = if r.se[c].is_finite() {
                    format!("Monte Carlo SE £{:.2}", r.se[c])
                } else {
                    "no Monte Carlo SE with one trial".to_string()
                };
                format!(
                    "after {} runs its expected spend is at best £{:.2} against the base's £{:.2} ({se}); spend may jump with the {what} scale (distress or termination feeding back): try more trials or --no-feedback",
                    runs.get(),
                    r.spend[c],
                    targets[c].0,
                )
            };
            return Err(CompareError::NotEqualised {
                variant: def.name.clone(),
                commissioner: ids[c].clone(),
                why,
            });
        }
        history.push(eval(&next)?);
    };
    let exact_hit = exact(&history[chosen]);
    let Trial {
        x: scales,
        spend,
        se: spend_se,
    } = history.swap_remove(chosen);
    let evaluations = runs.get();
    // Freeze the structure found on the pilot and run it on the comparison's own trials.
    let (tariff_scales, block_scales) = if all_block {
        (vec![0.0; k], scales.clone())
    } else {
        (scales.clone(), vec![1.0; k])
    };
    let model = structure::transform(&m, &st, &income, &tariff_scales, &block_scales);
    let table = run_table(&model, setup, &def.name, progress)?;
    let method = match (all_block, exact_hit) {
        (true, true) => "safeguarded secant on the block scale (block share 1: no tariff) on pilot trials, common random numbers; spend matched there to the tolerance; structure then frozen and run on the comparison's trials",
        (false, true) => "safeguarded secant on the tariff scale on pilot trials, common random numbers; spend matched there to the tolerance; structure then frozen and run on the comparison's trials",
        (true, false) => "safeguarded secant on the block scale (block share 1: no tariff) on pilot trials, common random numbers; spend jumps with the scale (feedback), matched there within a tenth of its Monte Carlo error; structure then frozen and run on the comparison's trials",
        (false, false) => "safeguarded secant on the tariff scale on pilot trials, common random numbers; spend jumps with the scale (feedback), matched there within a tenth of its Monte Carlo error; structure then frozen and run on the comparison's trials",
    };
    let commissioners = comms
        .iter()
        .enumerate()
        .map(|(c, &party)| {
            let (check_difference, check_se) = spend_difference(&table, &base.run.table, &ids[c]);
            SolvedSpend {
                commissioner: ids[c].clone(),
                base_spend_mean: targets[c].0,
                variant_spend_mean: spend[c],
                variant_spend_se: spend_se[c].is_finite().then_some(spend_se[c]),
                base_spend_se: targets[c].1.is_finite().then_some(targets[c].1),
                check_difference,
                check_se,
                tariff_scale: if all_block { 0.0 } else { scales[c] },
                block_scale: if all_block { scales[c] } else { 1.0 },
                blocks: m
                    .sites
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.commissioner == party)
                    .map(|(s, site)| {
                        let scale = if all_block { scales[c] } else { 1.0 };
                        SiteBlock {
                            site: site.id.clone(),
                            amount: st.block_share * income.income[s] * scale,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Evaluated {
        name: def.name.clone(),
        description: def.description.clone(),
        settings,
        model,
        table,
        solve: Some(Solve {
            block_share: st.block_share,
            schedule: st.schedule,
            outcome_event: st.outcome_event.name().to_string(),
            pilot_seed: pilot_setup.seed,
            commissioners,
            evaluations,
            outward_steps: outward,
            method,
        }),
    })
}

/// How many trials' delivery (any count at any site) differs between two runs.
pub fn delivery_diverged(model: &Model, a: &TrialTable, b: &TrialTable) -> usize {
    let mut names: Vec<String> = outputs::count_columns(model)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let totals = names.clone();
    for s in &model.sites {
        names.extend(totals.iter().map(|n| format!("site.{}.{n}", s.id)));
    }
    let n = a.trials.min(b.trials);
    let mut diverged = vec![false; n];
    for name in &names {
        if let (Some(x), Some(y)) = (figures::named(a, name), figures::named(b, name)) {
            for t in 0..n {
                diverged[t] |= x[t].to_bits() != y[t].to_bits();
            }
        }
    }
    diverged.iter().filter(|&&d| d).count()
}
