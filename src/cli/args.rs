//! The command line's arguments (clap). Options that several commands take are groups flattened
//! into each, so that they read and behave the same everywhere.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use sibsim::analysis::plan::DEFAULT_CONFIDENCE;
use sibsim::engine::sampling::Method;
use sibsim::engine::RunOptions;
use sibsim::evidence::search::{EvidenceSearch, ENV_VAR};

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
    /// Write a commented starting scenario to NAME.toml, from a template (README, "Start a new
    /// scenario").
    Init(InitArgs),
    /// Check a scenario file and report every problem found, with file:line:column.
    Validate {
        /// The scenario file (TOML).
        file: PathBuf,
        #[command(flatten)]
        evidence: EvidenceOption,
    },
    /// Settle given event counts at one site and month under the scenario's rules (no simulation).
    Pay(PayArgs),
    /// Simulate a scenario and write one self-contained HTML report: the headline answers, the
    /// charts, the assumptions with their citations, method notes (docs/report.md).
    Report(ReportArgs),
    /// Simulate a scenario and show where its recorded actuals fall, beside its plan figures.
    Backtest {
        /// The scenario file (TOML), with an [actuals] table.
        file: PathBuf,
        #[command(flatten)]
        sampling: Sampling,
        #[command(flatten)]
        evidence: EvidenceOption,
        #[command(flatten)]
        output: AnalysisOutput,
        /// Also write the back-test's chart (SVG) into this folder (docs/charts.md).
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
        /// With --charts: also write each chart as PNG (rendered from its SVG at twice the size, text
        /// in the system's sans-serif font; docs/charts.md).
        #[arg(long, requires = "charts")]
        png: bool,
    },
    /// Scale each plan figure by past projects' actual/plan ratios (the outside view) and set it
    /// beside the simulation (the inside view).
    OutsideView {
        /// The scenario file (TOML), with plan figures.
        file: PathBuf,
        #[command(flatten)]
        sampling: Sampling,
        #[command(flatten)]
        evidence: EvidenceDirOption,
        /// The reference class of actual/plan ratios to use.
        #[arg(long, default_value = sibsim::analysis::outside_view::DEFAULT_CLASS)]
        class: String,
        #[command(flatten)]
        output: AnalysisOutput,
        /// Also write, per plan figure, the outside view against the simulation as a chart (SVG)
        /// into this folder (docs/charts.md).
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
        /// With --charts: also write each chart as PNG (docs/charts.md).
        #[arg(long, requires = "charts")]
        png: bool,
    },
    /// Calibrate rates from the evidence counts: pooled, and for a new site (between-site spread).
    Calibrate {
        #[command(flatten)]
        evidence: EvidenceDirOption,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Instead of the library's rates: the exposure of a scenario's window-observed rates
        /// (`beta_counts` with `exposure`), by simulation to a fixed point (docs/calibration.md).
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        #[command(flatten)]
        window: WindowArgs,
    },
    /// Compare payment structures on common random numbers: a comparison file's variants, or a
    /// scenario swept over a block share, tariff scale, cap or field; paired differences from
    /// the base with their errors, and the risk-transfer frontier.
    Compare(CompareArgs),
    /// Find the smallest or largest value of a block share, tariff scale or field that meets a
    /// target (e.g. "site.haringey.provider_loss <= 0.10"), by bisection on common random numbers.
    Seek(SeekArgs),
    /// Which inputs drive an output: rank correlations and a tornado, variance-based (Sobol)
    /// indices with bootstrap intervals, and the reverse stress of a failure event.
    Sensitivity(SensitivityArgs),
    /// List the evidence library: every figure with its value, unit and source.
    Evidence {
        #[command(flatten)]
        evidence: EvidenceDirOption,
        #[command(flatten)]
        output: JsonOutput,
    },
    /// Print the JSON Schema of the scenario format, for editors (taplo / Even Better TOML):
    /// `sibsim schema > sibsim.schema.json` (docs/scenario-format.md, "Editor support").
    Schema,
    /// Print a shell completion script: e.g. `sibsim completions bash > ~/.local/share/bash-completion/completions/sibsim`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// How many trials, from which seed (both default to the scenario's), on how many threads.
#[derive(Debug, Clone, Args)]
pub struct Sampling {
    /// Number of trials (default: the scenario's `simulation.trials`).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Master seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, 1 to 1,024 (default: one per core). Results are identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
}

impl Sampling {
    /// The engine's options.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            trials: self.trials,
            seed: self.seed,
            threads: self.threads,
            ..RunOptions::default()
        }
    }
}

/// The runs of `calibrate --scenario`.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// Trials of each run of the fixed point (with --scenario).
    #[arg(long, default_value_t = 4000)]
    pub trials: u64,
    /// Master seed (with --scenario; default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (with --scenario; default: one per core). Results are identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Most runs of the fixed point, the first at the file's exposures (with --scenario).
    #[arg(long, default_value_t = 6)]
    pub rounds: usize,
}

/// `--json`, for the commands that print a table otherwise.
#[derive(Debug, Clone, Args)]
pub struct JsonOutput {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The search order of the evidence library, for `--help` (docs/calibration-evidence.md, "Which
/// library").
const EVIDENCE_HELP: &str =
    "The evidence library's folder. Without it, the library is the first of: \
the folder in the SIBSIM_EVIDENCE environment variable; an evidence/ folder beside the scenario \
(in its own folder, then in its parent's; for a command without a scenario, in the working \
folder); the copy of the library bundled with sibsim. A folder named here or in SIBSIM_EVIDENCE \
that cannot be read is an error, never replaced by the next one.";

/// Short form of [`EVIDENCE_HELP`], for `-h`.
const EVIDENCE_SHORT: &str = "The evidence library's folder (default: $SIBSIM_EVIDENCE, else evidence/ beside the scenario, else the bundled copy)";

/// `--evidence DIR`: step 1 of the evidence library's search order.
#[derive(Debug, Clone, Args)]
pub struct EvidenceOption {
    #[arg(long = "evidence", value_name = "DIR", help = EVIDENCE_SHORT, long_help = EVIDENCE_HELP)]
    pub evidence: Option<PathBuf>,
}

/// `--evidence DIR` with `--dir` as an alias, for the commands that named the library's folder
/// `--dir` before every command took `--evidence`.
#[derive(Debug, Clone, Args)]
pub struct EvidenceDirOption {
    #[arg(long = "evidence", visible_alias = "dir", value_name = "DIR", help = EVIDENCE_SHORT, long_help = EVIDENCE_HELP)]
    pub evidence: Option<PathBuf>,
}

/// The search order from `--evidence` (`flag`) and the environment.
fn search(flag: Option<&PathBuf>) -> EvidenceSearch {
    EvidenceSearch {
        flag: flag.cloned(),
        // An empty value counts as unset, as shells clear a variable with `VAR=`.
        env: std::env::var_os(ENV_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    }
}

impl EvidenceOption {
    /// The search order this option and `SIBSIM_EVIDENCE` give.
    pub fn search(&self) -> EvidenceSearch {
        search(self.evidence.as_ref())
    }
}

impl EvidenceDirOption {
    /// The search order this option and `SIBSIM_EVIDENCE` give.
    pub fn search(&self) -> EvidenceSearch {
        search(self.evidence.as_ref())
    }
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The scenario file to write; its name without .toml becomes the scenario's `name`.
    #[arg(value_name = "NAME.toml")]
    pub file: PathBuf,
    /// The starting point.
    #[arg(long, value_enum, default_value = "ips")]
    pub template: super::init::Template,
    /// Overwrite NAME.toml if it exists.
    #[arg(long)]
    pub force: bool,
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
    #[command(flatten)]
    pub evidence: EvidenceOption,
    #[command(flatten)]
    pub output: JsonOutput,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub sampling: Sampling,
    /// How the inputs are drawn: mc (independent trials), lhs (Latin hypercube) or sobol
    /// (scrambled Sobol points). lhs and sobol run in replicates, whose spread gives every Monte
    /// Carlo error; delivery stays Monte Carlo.
    #[arg(long = "sampling", value_name = "METHOD", default_value = "mc")]
    pub method: Method,
    /// Replicates of lhs or sobol sampling, at least 2 (default 32); trials are rounded up to a
    /// whole number per replicate.
    #[arg(long, value_name = "R")]
    pub replicates: Option<u64>,
    /// Run until these metrics' Monte Carlo errors are small enough, e.g.
    /// `engagements=0.005,investor.multiple=0.01`: the mean, P10, P50 and P90 of each within that
    /// share of itself (judged every 1,024 trials, then every ~10% more; --trials then sets only
    /// the replicate size of lhs and sobol).
    #[arg(long, value_name = "METRIC=REL,...")]
    pub precision: Option<String>,
    /// Most trials a run to --precision may take (default 1,000,000).
    #[arg(long, value_name = "N", requires = "precision")]
    pub max_trials: Option<u64>,
    /// Low and high quantiles, e.g. `0.05,0.95` (default: the scenario's, else 0.1,0.9).
    #[arg(long, value_name = "LOW,HIGH")]
    pub quantiles: Option<String>,
    /// Confidence of the de-risked target for each plan figure: the value reached in this share
    /// of trials (0.8 → the P20 value).
    #[arg(long, default_value_t = DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    #[command(flatten)]
    pub output: RunOutput,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub sampling: Sampling,
    /// The HTML file to write (replaced whole, or left as it was if anything fails). Default:
    /// `report.html` in the --out folder.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output folder for the figures behind the page: summary.json, and compare.json /
    /// sensitivity.json with --compare / --sensitivity (and report.html unless -o names the page).
    /// Default without -o: `sibsim-out/<scenario file stem>`; with -o only the page is written.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an --out folder that holds another scenario's results, replacing them (without
    /// it such a folder is refused; the same scenario's results are always replaced;
    /// docs/outputs.md).
    #[arg(long)]
    pub force: bool,
    /// Add a comparison of payment structures: a comparison file (docs/compare.md) whose base is
    /// FILE, run on the same trials and seed.
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// Add a sensitivity analysis (docs/sensitivity.md): tornado, Sobol indices and reverse stress
    /// of the --metric outputs and --event failures (default: investor.multiple and engagements,
    /// and the event investor.capital_loss, where the scenario has them).
    #[arg(long)]
    pub sensitivity: bool,
    /// An output the sensitivity section explains (repeat for more; implies --sensitivity).
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// A failure event for the sensitivity section's reverse stress (repeat for more; implies
    /// --sensitivity).
    #[arg(long = "event", value_name = "E")]
    pub events: Vec<String>,
    /// Base samples of the sensitivity section's Sobol design (0: no Sobol indices; default
    /// 1,024; implies --sensitivity).
    #[arg(long, value_name = "N")]
    pub sobol_n: Option<usize>,
    /// No progress bar and no notes on stderr (warnings are still shown).
    #[arg(long)]
    pub quiet: bool,
    // The evidence library: the scenario's evidence inputs, and the reference class (volume)
    // that marks the outside view on each plan metric's distribution chart (when it is invalid
    // or lacks the class, the charts go without, with a note).
    #[command(flatten)]
    pub evidence: EvidenceOption,
}

/// Where and how `run` reports.
#[derive(Debug, Args)]
pub struct RunOutput {
    /// Output folder (default: `sibsim-out/<scenario file stem>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an --out folder that holds another scenario's results, replacing them (without
    /// it such a folder is refused; the same scenario's results are always replaced;
    /// docs/outputs.md).
    #[arg(long)]
    pub force: bool,
    /// Also write `trials.csv`, one row per trial.
    #[arg(long)]
    pub per_trial: bool,
    /// Also write the run's charts (SVG) into this folder: the distribution of each plan metric,
    /// engagements, job starts, provider margin per site and investor multiple; fan charts by month.
    /// May be the --out folder.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// With --charts: also write each chart as PNG (rendered from its SVG at twice the size, text
    /// in the system's sans-serif font; docs/charts.md).
    #[arg(long, requires = "charts")]
    pub png: bool,
    // The evidence library: the scenario's evidence inputs, and (with --charts) the reference
    // class (volume) that marks the outside view on each plan metric's distribution chart
    // (when it is invalid or lacks the class, the charts go without, with a note).
    #[command(flatten)]
    pub evidence: EvidenceOption,
    /// No progress bar and no notes on stderr (warnings are still shown).
    #[arg(long)]
    pub quiet: bool,
    /// After the headline, the full table: every metric, probability and plan figure.
    #[arg(long)]
    pub full: bool,
    /// After the headline, the full table's rows whose names match PATTERN (implies --full):
    /// comma-separated alternatives, each a glob over the whole name when it has * or ?
    /// (site.*.provider.*), else a substring (irr).
    #[arg(long, value_name = "PATTERN")]
    pub metrics: Option<String>,
}

impl RunArgs {
    /// The engine's options: the sampling group's, with the sampling method and replicates.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            sampling: self.method,
            replicates: self.replicates,
            ..self.sampling.options()
        }
    }
}

/// How a block-share variant is built, and whether money feeds back into delivery.
#[derive(Debug, Clone, Args)]
pub struct StructureArgs {
    /// How the blocks of a block-share variant are paid, in advance over each site's months:
    /// monthly, quarterly or annual.
    #[arg(long, value_name = "SCHEDULE", default_value = "monthly")]
    pub block_schedule: String,
    /// The event of the outcome tariff a block-share variant adds where a commissioner pays its
    /// provider none (default: the event of the commissioner tariffs elsewhere, else job_start).
    #[arg(long, value_name = "EVENT")]
    pub outcome_event: Option<String>,
    /// Keep money caps on the rescaled tariffs at their level instead of scaling them.
    #[arg(long)]
    pub no_scale_caps: bool,
    /// Run every variant without distress and termination, so that delivery is identical in
    /// every trial of every variant.
    #[arg(long)]
    pub no_feedback: bool,
    /// The seed of the pilot trials a block-share variant's equal-spend solve runs on (default:
    /// derived from the scenario's own seed, so --seed re-runs the same structures on other
    /// trials). Must differ from --seed.
    #[arg(long, value_name = "N")]
    pub pilot_seed: Option<u64>,
}

/// Where `compare` and `seek` write, and how they print.
#[derive(Debug, Clone, Args)]
pub struct CompareOutput {
    /// Output folder (default: `sibsim-out/<file stem>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an --out folder that holds another scenario's results, replacing them (without
    /// it such a folder is refused; the same scenario's results are always replaced;
    /// docs/outputs.md).
    #[arg(long)]
    pub force: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no notes on stderr (warnings are still shown).
    #[arg(long)]
    pub quiet: bool,
}

/// Where `backtest` and `outside-view` write, and how they print.
#[derive(Debug, Clone, Args)]
pub struct AnalysisOutput {
    /// Also write the results as files into this folder, all or nothing: `backtest.json` and
    /// `backtest.csv`, or `outside_view.json` and `outside_view.csv` (docs/outputs.md).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an --out folder that holds another scenario's results, replacing them (without
    /// it such a folder is refused; the same scenario's results are always replaced;
    /// docs/outputs.md).
    #[arg(long)]
    pub force: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A comparison file (docs/compare.md), or a scenario file with --sweep.
    pub file: PathBuf,
    #[command(flatten)]
    pub sampling: Sampling,
    #[command(flatten)]
    pub evidence: EvidenceOption,
    /// Sweep one path over values, e.g. block_share=0,0.25,0.5,0.75,0.9,0.95,1,
    /// tariff_scale=0.5,1,1.5 or cap.sof_grant=500000,986959 (docs/compare.md, "Paths").
    #[arg(long, value_name = "PATH=V1,V2,...")]
    pub sweep: Option<String>,
    #[command(flatten)]
    pub structure: StructureArgs,
    #[command(flatten)]
    pub output: CompareOutput,
    /// Also write the comparison's charts (SVG) into this folder: the risk-transfer frontier and
    /// the key figures across the variants (docs/charts.md).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// With --charts: also write each chart as PNG (rendered from its SVG at twice the size, text
    /// in the system's sans-serif font; docs/charts.md).
    #[arg(long, requires = "charts")]
    pub png: bool,
}

#[derive(Debug, Args)]
pub struct SeekArgs {
    /// The scenario file (or a comparison file, whose base and feedback setting are used).
    pub file: PathBuf,
    #[command(flatten)]
    pub sampling: Sampling,
    #[command(flatten)]
    pub evidence: EvidenceOption,
    /// What to vary: block_share, tariff_scale, or a path such as blocks.<name>.amount.
    #[arg(long, value_name = "PATH")]
    pub vary: String,
    /// The target, FIGURE <= X or FIGURE >= X; FIGURE is a metric or flag, optionally with
    /// .mean, .p10, .p50 or .p90, e.g. "investor.capital_loss <= 0.2".
    #[arg(long, value_name = "TARGET")]
    pub target: String,
    /// The range searched, LOW,HIGH (default: 0,1 for block_share, 0,3 for scales, else 0 to
    /// twice the current value, with finance.loan at most the facility and finance.facility at
    /// least the loan).
    // Hyphen values: a negative LOW reaches the range check (and its message), not clap's.
    #[arg(long, value_name = "LOW,HIGH", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Stop when the bracket is this narrow, a number > 0 (default: a ten-thousandth of the
    /// range; 1 for a threshold).
    // Negative numbers: `--tolerance -1` is refused by the tolerance check, not as an argument.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub tolerance: Option<f64>,
    #[command(flatten)]
    pub structure: StructureArgs,
    #[command(flatten)]
    pub output: CompareOutput,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub sampling: Sampling,
    #[command(flatten)]
    pub evidence: EvidenceOption,
    /// An output to explain: a metric or flag of a run (repeat for more), e.g. engagements,
    /// investor.multiple, site.tower_hamlets.provider.margin.
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// A failure event for reverse stress (repeat for more): a flag (investor.capital_loss), a
    /// flag = 0 or 1 (plan.engagements.met = 0), or a metric against a number
    /// (investor.multiple < 1).
    #[arg(long = "event", value_name = "E")]
    pub events: Vec<String>,
    /// Base samples of the Sobol design (0: no Sobol indices). The design runs
    /// N × (inputs + groups + 3) trials.
    #[arg(long, value_name = "N", default_value_t = sibsim::sensitivity::analysis::DEFAULT_SOBOL_N)]
    pub sobol_n: usize,
    /// Bootstrap resamples for the Sobol indices' intervals.
    #[arg(long, value_name = "B", default_value_t = sibsim::sensitivity::analysis::DEFAULT_BOOTSTRAP)]
    pub bootstrap: usize,
    /// Level of the Sobol intervals.
    #[arg(long, value_name = "C", default_value_t = sibsim::sensitivity::analysis::DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    /// The tornado's band: the output's median where an input is in its bottom vs top share.
    #[arg(long, value_name = "SHARE", default_value_t = sibsim::sensitivity::analysis::DEFAULT_BAND)]
    pub band: f64,
    /// Depth of the reverse stress rule tree (1 to 3).
    #[arg(long, value_name = "D", default_value_t = sibsim::sensitivity::analysis::DEFAULT_DEPTH)]
    pub depth: usize,
    /// Fewest trials in a leaf of the rule tree (default: 1% of the trials, at least 20).
    #[arg(long, value_name = "N")]
    pub min_leaf: Option<usize>,
    #[command(flatten)]
    pub output: CompareOutput,
    /// Also write each output's tornado and Sobol charts (SVG) into this folder (docs/charts.md).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// With --charts: also write each chart as PNG (rendered from its SVG at twice the size, text
    /// in the system's sans-serif font; docs/charts.md).
    #[arg(long, requires = "charts")]
    pub png: bool,
}
