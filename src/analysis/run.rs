//! The result of `sibsim run`: the summary of every metric and probability, the plan checks and
//! the `max_share` checks, as one value — and its JSON form, `summary.json`, a public contract.
//!
//! # `summary.json`
//! ```json
//! {
//!   "meta": {"sibsim_version": "0.1.0", "scenario_path": "/home/a/scenarios/mhep1.toml",
//!            "scenario_sha256": "9f2c…", "seed": 42, "trials": 10000,
//!            "sampling": {"method": "lhs", "…": "…"},
//!            "command": ["sibsim", "run", "scenarios/mhep1.toml", "--sampling", "lhs"],
//!            "created_utc": "2026-12-01T13:30:33Z"},
//!   "scenario": "mhep1",
//!   "trials": 10000,
//!   "seed": 42,
//!   "quantiles": [0.1, 0.5, 0.9],
//!   "sampling": {"method": "lhs", "replicates": 32, "trials_per_replicate": 313,
//!                "error_estimate": "replicates"},
//!   "metrics": {
//!     "engagements": {"mean": 3412.7, "sd": 180.2, "mcse": 1.8,
//!                     "low": 3180.0, "median": 3415.0, "high": 3640.0,
//!                     "mcse_low": 3.1, "mcse_median": 2.9, "mcse_high": 3.6},
//!     "...": {}
//!   },
//!   "probabilities": {"provider_loss": 0.123, "...": 0.0},
//!   "plan": {"engagements": {"plan": 3600.0, "percentile": 0.93, "p_meet": 0.07,
//!            "optimism_ratio": 1.05, "confidence": 0.8, "derisked_target": 3250.0}}
//! }
//! ```
//! - `meta` (written by the command line, absent from a library user's report unless set; see
//!   [`Meta`]): how the file was made — sibsim's version, the scenario file's absolute path and
//!   the SHA-256 of its bytes, the seed, trials and sampling, the command line as its words, and
//!   the time it was written (UTC, RFC 3339). It is the only part of `summary.json` that differs
//!   between two runs of the same scenario, seed, trials and options.
//! - `scenario` (string), `trials` (integer, number of trials run: with `lhs` or `sobol`,
//!   replicates × trials per replicate, which may be a few more than asked), `seed` (integer,
//!   master seed).
//! - `quantiles`: the levels `[low, 0.5, high]` that `low`, `median` and `high` refer to.
//! - `sampling` (only in a run's report): how the inputs were sampled — `method` (`mc`, `lhs` or
//!   `sobol`, see [`engine::sampling`](crate::engine::sampling)), `replicates` and
//!   `trials_per_replicate` (1 and all trials for `mc`), and `error_estimate`, how every `mcse`
//!   was estimated: `"independent trials"` for `mc`, `"replicates"` (the spread of the replicates'
//!   estimates) otherwise; see [`analysis::replicates`](crate::analysis::replicates).
//! - `metrics`: one object per metric, keys in the order the engine lists them. `mean` is the
//!   sample mean, `sd` the sample standard deviation (n − 1), `mcse` the Monte Carlo standard
//!   error of the mean (`sd / √trials` for `mc`, from the replicates otherwise); `low`, `median`,
//!   `high` are type-7 sample quantiles of all trials at the levels in `quantiles`, and (in a run's
//!   report) `mcse_low`, `mcse_median`, `mcse_high` their Monte Carlo standard errors. A figure
//!   undefined while the one it belongs to is defined is null with a note saying why (`notes`):
//!   the `sd` and `mcse` of a metric defined in 1 trial (a standard deviation needs 2), the
//!   quantiles' errors with too few trials for their interval (53 for P10, 35 for P90) or fewer than 2
//!   replicates.
//! - `probabilities`: for each flagged event, in engine order, the share of trials in which it
//!   occurred, as a plain number in [0, 1]. (Its MCSE — `√(p(1 − p) / trials)` for `mc`, from the
//!   replicates otherwise — is in the CSV summary.)
//! - `plan` (only in a run's report, not in a bare [`Summary`]): one object per plan figure, see
//!   [`PlanCheck`].
//! - `inputs` (only in a run's report): every drawn input of the trial record
//!   (`input.<site>.<param>`, `input.spv.<cost>`), shaped like `metrics` (with its errors).
//! - `monthly_trials` (only in a run's report): how many trials `monthly.csv`'s figures are over
//!   — all of them, or the first 10,000 of a larger run (its memory bound).
//!
//! Money is in pounds. The figures are finite, or null when undefined in every trial (see
//! [`summary`](crate::analysis::summary)); a non-finite number cannot be represented in JSON and
//! appears as `null`. The `max_share` checks are not repeated in the JSON: their figures are the
//! metrics `payments.share.<party>` and the probabilities `max_share.<party>.exceeded`.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::analysis::contract::{share_checks, ShareCheck};
use crate::analysis::inputs::summarise_inputs;
use crate::analysis::monthly::{summarise_monthly, MonthlySummary};
use crate::analysis::plan::{plan_checks, PlanCheck};
use crate::analysis::replicates::{
    order_statistic_min_values, replace_mcse, run_errors, Errors, RunErrors,
};
use crate::analysis::summary::{FigureNote, SD_OF_ONE};
use crate::analysis::{summarise, MetricSummary, Probability, Summary, TrialTable};
use crate::engine::sampling::Plan;
use crate::scenario::units::Unit;
use crate::scenario::Model;

/// Everything `sibsim run` reports about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Means, spreads and quantiles of every metric; the probability of every flag. With `lhs`
    /// or `sobol` sampling each `mcse` is the replicates' (see [`analysis::replicates`]).
    ///
    /// [`analysis::replicates`]: crate::analysis::replicates
    pub summary: Summary,
    /// How the run sampled its inputs: the `sampling` object of `summary.json`.
    pub sampling: Plan,
    /// The Monte Carlo error of every figure: the metrics', probabilities' and inputs'.
    pub errors: RunErrors,
    /// Each plan figure against the simulated distribution, keyed by metric in the JSON.
    pub plan: Vec<PlanCheck>,
    /// Each drawn input (`input.<site>.<param>`, `input.spv.<cost>`), summarised like a metric:
    /// the `inputs` object of `summary.json`.
    pub inputs: Vec<(String, MetricSummary)>,
    /// Each party with a `max_share` against it (see the module docs for why not in the JSON).
    pub shares: Vec<ShareCheck>,
    /// The monthly series' fan (`monthly.csv`; not in the JSON).
    pub monthly: MonthlySummary,
    /// How many trials `monthly.csv`'s figures are over: all of them, or the first
    /// [`MONTHLY_TRIALS`](crate::engine::record::MONTHLY_TRIALS) when there are more.
    pub monthly_trials: usize,
    /// A run to a precision (`--precision`): the targets, the trials it took and the errors
    /// achieved; `None` for a run of a set number of trials.
    pub precision: Option<PrecisionOutcome>,
    /// The unit of each metric, in metric order ([`Unit::of_metric_in`]): the `unit` column of
    /// `summary.csv` and the rounding of its cells.
    pub units: Vec<Unit>,
    /// Where the results came from (the `meta` object of `summary.json`); `None` until the
    /// caller sets it ([`Meta::new`]), and then not in the JSON.
    pub meta: Option<Meta>,
    /// Notes on the inputs' figures that are undefined (see [`RunReport::new`]), as the
    /// summary's notes are on the metrics'.
    pub input_notes: Vec<FigureNote>,
}

/// How a `summary.json` was made: its `meta` object. Everything in it but `created_utc` and
/// `command` follows from the scenario file and the options, so two runs that agree on those give
/// the same `summary.json` outside `meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// sibsim's version (`CARGO_PKG_VERSION`).
    pub sibsim_version: String,
    /// The scenario file, as an absolute path where it can be resolved (else as given).
    pub scenario_path: String,
    /// The SHA-256 of the scenario file's bytes, 64 lowercase hex digits (what `sha256sum`
    /// prints).
    pub scenario_sha256: String,
    /// The master seed.
    pub seed: u64,
    /// The trials run.
    pub trials: u64,
    /// How the inputs were sampled (the same object as `summary.json`'s `sampling`).
    pub sampling: Plan,
    /// The command line, one string per word as the program received it.
    pub command: Vec<String>,
    /// When the file was made: UTC, RFC 3339 to the second (`2026-12-01T13:30:33Z`).
    pub created_utc: String,
    /// The evidence library the search order chose for the scenario
    /// ([`crate::evidence::search`]): its folder as an absolute path, or `bundled with sibsim
    /// X.Y.Z`; `None` (written `null`) when the caller did not say.
    pub evidence: Option<String>,
    /// For a comparison file (`compare`, `seek`, `report --compare`): the base scenario it names,
    /// as an absolute path and the SHA-256 of its bytes, since the results follow from both files.
    /// `None` otherwise, and then not written.
    pub base_scenario: Option<(String, String)>,
    /// For a comparison file whose variants take payment rules from other scenarios
    /// (`rules_from`): each such file, as an absolute path and the SHA-256 of its bytes. Empty
    /// otherwise, and then not written.
    pub rules_from: Vec<(String, String)>,
}

impl Meta {
    /// The meta of a run of the scenario file at `path`, whose bytes are `bytes`, with `seed`,
    /// sampling `plan` and `command`, made at `now`.
    pub fn new(
        path: &std::path::Path,
        bytes: &[u8],
        seed: u64,
        plan: &Plan,
        command: Vec<String>,
        now: std::time::SystemTime,
    ) -> Meta {
        let scenario_path = absolute(path);
        Meta {
            sibsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_path,
            scenario_sha256: sha256_hex(bytes),
            seed,
            trials: plan.trials(),
            sampling: *plan,
            command,
            created_utc: rfc3339_utc(now),
            evidence: None,
            base_scenario: None,
            rules_from: Vec::new(),
        }
    }

    /// This meta with the base scenario of a comparison file: the file at `path`, whose bytes are
    /// `bytes`.
    pub fn with_base(mut self, path: &std::path::Path, bytes: &[u8]) -> Meta {
        self.base_scenario = Some((absolute(path), sha256_hex(bytes)));
        self
    }

    /// This meta with one more scenario file a comparison's variant takes its rules from: the
    /// file at `path`, whose bytes are `bytes`.
    pub fn with_rules_from(mut self, path: &std::path::Path, bytes: &[u8]) -> Meta {
        self.rules_from.push((absolute(path), sha256_hex(bytes)));
        self
    }
}

/// `path` as an absolute path where it can be resolved, else as given.
fn absolute(path: &std::path::Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = 9
            + 2 * usize::from(self.base_scenario.is_some())
            + usize::from(!self.rules_from.is_empty());
        let mut st = s.serialize_struct("Meta", fields)?;
        st.serialize_field("sibsim_version", &self.sibsim_version)?;
        st.serialize_field("scenario_path", &self.scenario_path)?;
        st.serialize_field("scenario_sha256", &self.scenario_sha256)?;
        st.serialize_field("seed", &self.seed)?;
        st.serialize_field("trials", &self.trials)?;
        st.serialize_field("sampling", &Sampling(&self.sampling))?;
        st.serialize_field("command", &self.command)?;
        st.serialize_field("created_utc", &self.created_utc)?;
        st.serialize_field("evidence", &self.evidence)?;
        if let Some((path, sha256)) = &self.base_scenario {
            st.serialize_field("base_scenario_path", path)?;
            st.serialize_field("base_scenario_sha256", sha256)?;
        }
        if !self.rules_from.is_empty() {
            let files: Vec<serde_json::Value> = self
                .rules_from
                .iter()
                .map(|(path, sha256)| serde_json::json!({ "path": path, "sha256": sha256 }))
                .collect();
            st.serialize_field("rules_from_files", &files)?;
        }
        st.end()
    }
}

/// The SHA-256 of `bytes` (FIPS 180-4) as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `t` as an RFC 3339 UTC timestamp to the second, `YYYY-MM-DDTHH:MM:SSZ` (a time before 1970
/// is written as 1970-01-01T00:00:00Z).
pub fn rfc3339_utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a proleptic Gregorian date (Hinnant, "chrono-Compatible Low-Level
    // Date Algorithms", civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The `sampling` object: method, replicates, trials per replicate and how errors were estimated.
struct Sampling<'a>(&'a Plan);

impl Serialize for Sampling<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut st = s.serialize_struct("Sampling", 4)?;
        st.serialize_field("method", p.method.name())?;
        st.serialize_field("replicates", &p.replicates)?;
        st.serialize_field("trials_per_replicate", &p.per_replicate)?;
        st.serialize_field("error_estimate", error_estimate(p))?;
        st.end()
    }
}

/// How a run to a precision ended (the `precision` object of `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrecisionOutcome {
    /// Whether every target was met; false when the run reached `max_trials` first.
    pub met: bool,
    /// Trials the run took.
    pub trials: u64,
    /// The cap it was given (`--max-trials`).
    pub max_trials: u64,
    /// The run's step: it goes in segments of this many trials, judged after each of the first
    /// ten and then after about every 10% more ([`next_check`](crate::analysis::precision::next_check)).
    pub checked_every: u64,
    /// Each target: the metric, the relative error asked, and the mean, P10, P50 and P90 with
    /// their standard errors and relative errors.
    pub targets: Vec<crate::analysis::precision::Achieved>,
}

impl RunReport {
    /// The report of a finished run of `model` by sampling plan `plan` (see
    /// [`RunOptions::plan`](crate::engine::RunOptions::plan)): `seed` is the master seed the table
    /// was run with, `(low, high)` the quantile levels, `confidence` that of the de-risked plan
    /// targets.
    pub fn new(
        model: &Model,
        table: &TrialTable,
        plan: &Plan,
        seed: u64,
        (low, high): (f64, f64),
        confidence: f64,
    ) -> RunReport {
        let mut summary = summarise(table, &model.name, seed, low, high);
        let mut inputs = summarise_inputs(&table.inputs, low, high);
        let errors = run_errors(table, plan, [low, 0.5, high]);
        if plan.method.replicated() {
            // The trials within a replicate are not independent: `sd / √n` would not be the error.
            replace_mcse(&mut summary, &mut inputs, &errors);
        }
        let store = table.store();
        let notes = error_notes(
            &summary.metrics,
            &errors.metrics,
            |j| store.moments(j).n,
            false,
            summary.quantiles,
            plan,
        );
        summary.notes.extend(notes);
        let input_notes = error_notes(
            &inputs,
            &errors.inputs,
            |_| table.inputs.trials as u64,
            true,
            summary.quantiles,
            plan,
        );
        let units = summary
            .metrics
            .iter()
            .map(|(n, _)| Unit::of_metric_in(model, n))
            .collect();
        RunReport {
            units,
            summary,
            sampling: *plan,
            errors,
            plan: plan_checks(model, table, confidence),
            inputs,
            shares: share_checks(model, table),
            monthly: summarise_monthly(&table.monthly, low, high),
            monthly_trials: table.monthly.trials,
            precision: None,
            meta: None,
            input_notes,
        }
    }
}

/// Notes on the figures of `figures` (metrics or inputs, with their `errors` and `defined(j)`, the
/// trials where figure j is defined) that are undefined although the figure they belong to is
/// not, saying which and why — never a silent null:
/// - `sd` (and so `mcse`) with 1 defined trial: a standard deviation needs 2 (only for inputs:
///   [`summarise`]'s notes say it for the metrics);
/// - the quantiles' standard errors: too few defined trials for the order-statistic interval
///   (`mc`), or fewer than 2 replicates with a value (`lhs`, `sobol`) — see
///   [`replicates`](crate::analysis::replicates). That note goes on the first undefined error
///   (`mcse_low`, `mcse_median` or `mcse_high`) and names them all.
fn error_notes(
    figures: &[(String, MetricSummary)],
    errors: &[Errors],
    defined: impl Fn(usize) -> u64,
    with_sd: bool,
    quantiles: [f64; 3],
    plan: &Plan,
) -> Vec<FigureNote> {
    const FIGURES: [&str; 3] = ["mcse_low", "mcse_median", "mcse_high"];
    let labels = quantiles.map(crate::report::terminal::quantile_label);
    let thousands = |n: u64| crate::report::terminal::group_thousands(&n.to_string());
    // Once a level, not once a figure (a run has hundreds).
    let needs = quantiles.map(order_statistic_min_values);
    let mut notes = Vec::new();
    for (j, ((name, m), e)) in figures.iter().zip(errors).enumerate() {
        if with_sd && m.sd.is_nan() && defined(j) == 1 {
            notes.push(FigureNote {
                metric: name.clone(),
                figure: "sd",
                note: SD_OF_ONE.into(),
            });
        }
        let values = [m.low, m.median, m.high];
        let errs = e.quantiles();
        let missing: Vec<usize> = (0..3)
            .filter(|&k| values[k].is_finite() && errs[k].is_nan())
            .collect();
        let Some(&first) = missing.first() else {
            continue;
        };
        let which = match missing[..] {
            [a] => labels[a].clone(),
            [a, b] => format!("{} and {}", labels[a], labels[b]),
            _ => format!("{}, {} and {}", labels[0], labels[1], labels[2]),
        };
        let errors_of = if missing.len() == 1 {
            format!("the standard error of {which} is undefined")
        } else {
            format!("the standard errors of {which} are undefined")
        };
        let note = if plan.method.replicated() {
            format!(
                "{errors_of}: a replicated run's errors are the spread of its replicates' \
                 figures, which needs at least 2 replicates where it is defined"
            )
        } else {
            // The quantile whose interval needs the most trials (the one furthest out).
            let (need, k) = missing
                .iter()
                .map(|&k| (needs[k], k))
                .max_by_key(|&(need, _)| need.map_or(usize::MAX, |n| n))
                .unwrap_or((None, first));
            let need = need.map_or("more than 10,000,000".into(), |n| thousands(n as u64));
            format!(
                "{errors_of}: a quantile's 95% order-statistic interval needs at least {need} \
                 trials where it is defined for {}, and it is defined in {}",
                labels[k],
                thousands(defined(j))
            )
        };
        notes.push(FigureNote {
            metric: name.clone(),
            figure: FIGURES[first],
            note,
        });
    }
    notes
}

/// The documented shape of `summary.json` (module docs): the summary's fields, `sampling` after
/// `quantiles`, each metric's and input's figures with their quantiles' errors, then the plan,
/// the inputs and `monthly_trials`.
impl Serialize for RunReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct PlanChecks<'a>(&'a [PlanCheck]);
        impl Serialize for PlanChecks<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                plan_map(self.0, s)
            }
        }
        let summary = &self.summary;
        let mut st = s.serialize_struct("RunReport", 12)?;
        if let Some(meta) = &self.meta {
            st.serialize_field("meta", meta)?;
        }
        st.serialize_field("scenario", &summary.scenario)?;
        st.serialize_field("trials", &summary.trials)?;
        st.serialize_field("seed", &summary.seed)?;
        st.serialize_field("quantiles", &summary.quantiles)?;
        st.serialize_field("sampling", &Sampling(&self.sampling))?;
        st.serialize_field(
            "metrics",
            &Metrics(&summary.metrics, &self.errors.metrics, &summary.notes),
        )?;
        st.serialize_field("probabilities", &Probabilities(&summary.probabilities))?;
        st.serialize_field("plan", &PlanChecks(&self.plan))?;
        st.serialize_field(
            "inputs",
            &Metrics(&self.inputs, &self.errors.inputs, &self.input_notes),
        )?;
        st.serialize_field("monthly_trials", &self.monthly_trials)?;
        if let Some(p) = &self.precision {
            st.serialize_field("precision", p)?;
        }
        st.end()
    }
}

/// How a run's errors were estimated: the `error_estimate` of `summary.json`'s `sampling`.
pub fn error_estimate(plan: &Plan) -> &'static str {
    if plan.method.replicated() {
        "replicates"
    } else {
        "independent trials"
    }
}

/// `{metric: {plan, percentile, p_meet, optimism_ratio, confidence, derisked_target}}`: the
/// `plan` object of `summary.json`, also what the JSON exporter writes for plan checks alone.
pub(crate) fn plan_map<S: Serializer>(checks: &[PlanCheck], s: S) -> Result<S::Ok, S::Error> {
    /// One check without its metric, which is the key.
    struct Figures<'a>(&'a PlanCheck);
    impl Serialize for Figures<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let c = self.0;
            let mut st = s.serialize_struct("PlanCheck", 6)?;
            st.serialize_field("plan", &c.plan)?;
            st.serialize_field("percentile", &c.percentile)?;
            st.serialize_field("p_meet", &c.p_meet)?;
            st.serialize_field("optimism_ratio", &c.optimism_ratio)?;
            st.serialize_field("confidence", &c.confidence)?;
            st.serialize_field("derisked_target", &c.derisked_target)?;
            st.end()
        }
    }
    let mut map = s.serialize_map(Some(checks.len()))?;
    for c in checks {
        map.serialize_entry(&c.metric, &Figures(c))?;
    }
    map.end()
}

/// `{name: {mean, sd, mcse, low, median, high[, mcse_low, mcse_median, mcse_high][, notes]}}`, in
/// the given order; the quantiles' errors where there are errors (a bare [`Summary`] has none),
/// and `notes` (`{figure: text}`) where the metric has any.
struct Metrics<'a>(
    &'a [(String, MetricSummary)],
    &'a [Errors],
    &'a [FigureNote],
);
impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        // Grouped once: a run with few trials can have a note on every one of 10⁴ metrics.
        let mut by_metric: std::collections::HashMap<&str, Vec<&FigureNote>> =
            std::collections::HashMap::new();
        for n in self.2 {
            by_metric.entry(n.metric.as_str()).or_default().push(n);
        }
        for (j, (name, m)) in self.0.iter().enumerate() {
            let notes = by_metric.get(name.as_str()).map_or(&[][..], Vec::as_slice);
            map.serialize_entry(name, &Figures(m, self.1.get(j), notes))?;
        }
        map.end()
    }
}

/// One metric's figures.
struct Figures<'a>(&'a MetricSummary, Option<&'a Errors>, &'a [&'a FigureNote]);
impl Serialize for Figures<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// `{figure: note}`.
        struct Notes<'a>(&'a [&'a FigureNote]);
        impl Serialize for Notes<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for n in self.0 {
                    map.serialize_entry(n.figure, &n.note)?;
                }
                map.end()
            }
        }
        let m = self.0;
        let mut st = s.serialize_struct("MetricSummary", 10)?;
        st.serialize_field("mean", &m.mean)?;
        st.serialize_field("sd", &m.sd)?;
        st.serialize_field("mcse", &m.mcse)?;
        st.serialize_field("low", &m.low)?;
        st.serialize_field("median", &m.median)?;
        st.serialize_field("high", &m.high)?;
        if let Some(e) = self.1 {
            // The error of an undefined quantile is undefined too.
            let of = |figure: f64, error: f64| if figure.is_nan() { f64::NAN } else { error };
            st.serialize_field("mcse_low", &of(m.low, e.low))?;
            st.serialize_field("mcse_median", &of(m.median, e.median))?;
            st.serialize_field("mcse_high", &of(m.high, e.high))?;
        }
        if !self.2.is_empty() {
            st.serialize_field("notes", &Notes(self.2))?;
        }
        st.end()
    }
}

/// `{name: p}`, in the given order (a probability's MCSE is left to the CSV).
struct Probabilities<'a>(&'a [(String, Probability)]);
impl Serialize for Probabilities<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, p) in self.0 {
            map.serialize_entry(name, &p.p)?;
        }
        map.end()
    }
}

/// The documented shape above (without `plan`). Written by hand because the metrics and
/// probabilities are ordered pairs in memory and objects in the JSON, and a probability's MCSE is
/// left to the CSV.
impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Summary", 6)?;
        st.serialize_field("scenario", &self.scenario)?;
        st.serialize_field("trials", &self.trials)?;
        st.serialize_field("seed", &self.seed)?;
        st.serialize_field("quantiles", &self.quantiles)?;
        st.serialize_field("metrics", &Metrics(&self.metrics, &[], &self.notes))?;
        st.serialize_field("probabilities", &Probabilities(&self.probabilities))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sampling::Method;

    fn small_summary() -> Summary {
        let m = |x: f64| MetricSummary {
            mean: x,
            sd: 2.0,
            mcse: 0.5,
            low: x - 1.0,
            median: x,
            high: x + 1.5,
        };
        Summary {
            scenario: "demo".into(),
            trials: 16,
            seed: 42,
            quantiles: [0.1, 0.5, 0.9],
            // Deliberately not alphabetical: the order must survive.
            metrics: vec![("zeta".into(), m(10.0)), ("alpha".into(), m(-3.25))],
            probabilities: vec![
                (
                    "provider_loss".into(),
                    Probability {
                        p: 0.125,
                        mcse: 0.08,
                    },
                ),
                (
                    "plan.engagements.met".into(),
                    Probability { p: 1.0, mcse: 0.0 },
                ),
            ],
            notes: Vec::new(),
        }
    }

    #[test]
    fn summary_shape_keys_order_and_values() {
        assert_eq!(
            serde_json::to_string(&small_summary()).expect("serialises"),
            concat!(
                r#"{"scenario":"demo","trials":16,"seed":42,"quantiles":[0.1,0.5,0.9],"#,
                r#""metrics":{"zeta":{"mean":10.0,"sd":2.0,"mcse":0.5,"low":9.0,"median":10.0,"high":11.5},"#,
                r#""alpha":{"mean":-3.25,"sd":2.0,"mcse":0.5,"low":-4.25,"median":-3.25,"high":-1.75}},"#,
                r#""probabilities":{"provider_loss":0.125,"plan.engagements.met":1.0}}"#
            )
        );
    }

    #[test]
    fn run_report_has_the_plan_then_inputs_last_and_no_shares() {
        let report = RunReport {
            summary: Summary {
                metrics: vec![],
                probabilities: vec![],
                ..small_summary()
            },
            plan: vec![PlanCheck {
                metric: "engagements".into(),
                plan: 30.0,
                percentile: 0.6,
                p_meet: 0.6,
                optimism_ratio: f64::NAN,
                confidence: 0.8,
                derisked_target: 18.0,
            }],
            shares: vec![ShareCheck {
                party: "tuf".into(),
                max_share: 0.5,
                mean_share: 0.4,
                p_exceeded: 0.1,
            }],
            sampling: Plan::new(Method::Sobol, 16, Some(4)).unwrap(),
            errors: RunErrors::default(),
            inputs: vec![],
            monthly: MonthlySummary::default(),
            monthly_trials: 0,
            precision: None,
            units: vec![],
            meta: None,
            input_notes: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&report).expect("serialises"),
            concat!(
                r#"{"scenario":"demo","trials":16,"seed":42,"quantiles":[0.1,0.5,0.9],"#,
                r#""sampling":{"method":"sobol","replicates":4,"trials_per_replicate":4,"#,
                r#""error_estimate":"replicates"},"#,
                r#""metrics":{},"probabilities":{},"plan":{"engagements":{"plan":30.0,"#,
                r#""percentile":0.6,"p_meet":0.6,"optimism_ratio":null,"confidence":0.8,"#,
                r#""derisked_target":18.0}},"inputs":{},"monthly_trials":0}"#
            )
        );
    }

    #[test]
    fn metrics_carry_their_quantiles_errors_and_replicated_runs_their_mcse() {
        // Two replicates of two trials: x = 1, 3 | 5, 11. Replicate means 2 and 8 (SE 3), medians
        // the same; P10 1.2 and 5.6 (SE 2.2), P90 2.8 and 10.4 (SE 3.8). The flag is set in 1 of
        // replicate 0's trials and both of replicate 1's: shares 0.5 and 1, SE 0.25.
        let mut table = TrialTable::new(vec!["x".into()], vec!["f".into()]);
        for row in [[1.0, 1.0], [3.0, 0.0], [5.0, 1.0], [11.0, 1.0]] {
            table.push_row(&row);
        }
        let model = crate::scenario::load(std::path::Path::new("tests/fixtures/analytic.toml"))
            .expect("fixture loads");
        let plan = Plan::new(Method::Lhs, 4, Some(2)).unwrap();
        let report = RunReport::new(&model, &table, &plan, 1, (0.1, 0.9), 0.8);
        let json = serde_json::to_value(&report).expect("serialises");
        let x = &json["metrics"]["x"];
        let close = |v: &serde_json::Value, want: f64| {
            let v = v.as_f64().expect("a number");
            assert!((v - want).abs() < 1e-12, "{v} vs {want}");
        };
        close(&x["mean"], 5.0);
        close(&x["mcse"], 3.0);
        close(&x["mcse_low"], 2.2);
        close(&x["mcse_median"], 3.0);
        close(&x["mcse_high"], 3.8);
        assert!((report.summary.probabilities[0].1.mcse - 0.25).abs() < 1e-12);
        assert_eq!(json["sampling"]["method"], "lhs");
        // The same table as independent trials: the mean's error is sd/√4 and the quantiles'
        // undefined with so few trials.
        let report = RunReport::new(&model, &table, &Plan::mc(4), 1, (0.1, 0.9), 0.8);
        let json = serde_json::to_value(&report).expect("serialises");
        let sd = (((1.0f64 - 5.0).powi(2) + 4.0 + 0.0 + 36.0) / 3.0).sqrt();
        close(&json["metrics"]["x"]["mcse"], sd / 2.0);
        assert!(json["metrics"]["x"]["mcse_median"].is_null());
        assert_eq!(json["sampling"]["error_estimate"], "independent trials");
    }

    #[test]
    fn sha256_and_utc_time_match_published_values() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let at = |s: u64| rfc3339_utc(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_764_595_833), "2025-12-01T13:30:33Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn meta_comes_first_when_set() {
        let plan = Plan::mc(16);
        let mut report = RunReport {
            summary: Summary {
                metrics: vec![],
                probabilities: vec![],
                ..small_summary()
            },
            plan: vec![],
            shares: vec![],
            sampling: plan,
            errors: RunErrors::default(),
            inputs: vec![],
            monthly: MonthlySummary::default(),
            monthly_trials: 0,
            precision: None,
            units: vec![],
            meta: None,
            input_notes: Vec::new(),
        };
        report.meta = Some(Meta::new(
            std::path::Path::new("no/such/file.toml"),
            b"abc",
            42,
            &plan,
            vec!["sibsim".into(), "run".into()],
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_782_400),
        ));
        let json = serde_json::to_string(&report).expect("serialises");
        assert!(json.starts_with(&format!(
            concat!(
                r#"{{"meta":{{"sibsim_version":"{}","scenario_path":"no/such/file.toml","#,
                r#""scenario_sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","#,
                r#""seed":42,"trials":16,"sampling":{{"method":"mc","replicates":1,"#,
                r#""trials_per_replicate":16,"error_estimate":"independent trials"}},"#,
                r#""command":["sibsim","run"],"created_utc":"2000-02-29T00:00:00Z","evidence":null}},"#,
                r#""scenario":"demo","#
            ),
            env!("CARGO_PKG_VERSION")
        )));
    }
}
