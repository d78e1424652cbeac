//! Errors of the library. Scenario errors point at `file:line:column` and name the field, what is
//! wrong and what would be valid (after csv's `Position` and just's caret under the bad token).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file as named on the command line (or `<memory>` for a string).
    pub file: String,
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column (in characters) of the offending token.
    pub column: usize,
    /// Dotted path of the field, e.g. `sites.haringey.delivery.p_engage.max`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What would be valid (may be empty when nothing useful can be said).
    pub valid: String,
    /// The source line of the offending token, for display.
    pub source_line: String,
    /// The width of the caret under the token, in characters (at least 1).
    pub caret_len: usize,
}

impl ScenarioError {
    /// The one-line form: `file:line:column: field: problem; valid`.
    pub fn headline(&self) -> String {
        let mut s = format!("{}:{}:{}: ", self.file, self.line, self.column);
        if !self.field.is_empty() {
            s.push_str(&self.field);
            s.push_str(": ");
        }
        s.push_str(&self.problem);
        if !self.valid.is_empty() {
            s.push_str("; ");
            s.push_str(&self.valid);
        }
        s
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.headline())?;
        if self.source_line.trim().is_empty() {
            return Ok(());
        }
        writeln!(f)?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(self.column.saturating_sub(1)),
            "^".repeat(self.caret_len.max(1))
        )
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{e}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} found; nothing was simulated",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ScenarioErrors {}

/// Errors of the library's entry points.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read scenario file {}", path.display())]
    ReadScenario {
        /// The file as named.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The evidence library's folder or a file in it could not be read.
    #[error("cannot read the evidence library at {}", path.display())]
    ReadEvidence {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The scenario file is not valid: every problem found, each located.
    #[error(transparent)]
    InvalidScenario(#[from] ScenarioErrors),
    /// The evidence library the search order chose cannot be used (it says which, and how it was
    /// chosen: [`crate::evidence::search`]).
    #[error(transparent)]
    Evidence(crate::evidence::search::EvidenceError),
    /// The file is valid but the contract it describes breaks a rule the user set (e.g. a top-up
    /// fund above its `max_share`), each located at the field that sets the rule.
    #[error("{}\n{} contract check{} failed", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n\n"), .0.len(), if .0.len() == 1 { "" } else { "s" })]
    ContractCheck(Vec<ScenarioError>),
    /// A library option out of range (trials, quantiles, thread count, …).
    #[error("invalid {option}: {problem}; {valid}")]
    InvalidOption {
        /// The option, e.g. `trials`.
        option: String,
        /// What is wrong with its value.
        problem: String,
        /// What would be valid.
        valid: String,
    },
    /// A metric or flag name a run does not have ([`crate::Results::metric`] and friends).
    #[error(transparent)]
    UnknownName(#[from] crate::lookup::UnknownName),
    /// A trial recorded ±∞ as a metric, or drew NaN as an input: parameters that passed validation but
    /// overflow in combination. Refused rather than dropped from the statistics.
    #[error("trial {trial} gave {what} = {value}, not a finite number; the scenario's inputs overflow in combination (check the inputs this figure is computed from for vanishingly small or very large values)")]
    NonFiniteValue {
        /// Counted from 0, as `trials.csv` numbers them.
        trial: u64,
        /// The figure, e.g. an input's name or a metric.
        what: String,
        /// The value: NaN or ±∞.
        value: f64,
    },
    /// A report could not be produced or written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The run was stopped by an interrupt ([`crate::interrupt`]) before it finished.
    #[error("interrupted before the run finished: no output was written")]
    Interrupted,
}

/// What went wrong producing or writing a report. Each variant names the file concerned; the
/// underlying cause, where there is one, is the error's `source()`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output directory did not exist and could not be created.
    #[error("cannot create output directory `{}`", .path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file (or its temporary) could not be created, written or flushed to disk.
    #[error("cannot write `{}`", .path.display())]
    WriteFile {
        /// The file being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A completely written temporary could not be renamed over its target.
    #[error("cannot move `{}` into place as `{}`", .from.display(), .to.display())]
    Rename {
        /// The temporary.
        from: PathBuf,
        /// The target.
        to: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A target path is an existing directory, so a file cannot replace it.
    #[error("cannot write `{}`: a directory of that name exists", .path.display())]
    TargetIsDirectory {
        /// The target.
        path: PathBuf,
    },
    /// An interrupt ([`crate::interrupt`]) came before the set was in place: every output
    /// folder was left as it was and the temporaries were removed.
    #[error("interrupted before the outputs were put in place: every output folder is as it was")]
    Interrupted,
    /// An output name was not a plain file name (it was empty, `.`/`..`, or had a separator).
    #[error("output name `{name}` must be a plain file name, not a path")]
    InvalidFileName {
        /// The name as given.
        name: String,
    },
    /// The same output name was given twice in one set.
    #[error("output name `{name}` appears twice in one output set")]
    DuplicateFileName {
        /// The repeated name.
        name: String,
    },
    /// An exporter has no form for this kind of result (e.g. a calibration as CSV).
    #[error("the {format} format has no form for a {kind}")]
    Unsupported {
        /// The exporter's format.
        format: &'static str,
        /// The kind of result.
        kind: &'static str,
    },
    /// Serialising a result as JSON failed.
    #[error("cannot serialise the {what} as JSON")]
    Json {
        /// Which result, e.g. "run summary".
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// An output folder holds another scenario's results (its marker,
    /// [`report::output::MARKER`](crate::report::output::MARKER), names another scenario file)
    /// and the command was not forced.
    #[error("{} holds the results of another scenario, {theirs} (its {}), not of {}; pass --force to replace them, or choose another --out folder", .dir.display(), crate::report::output::MARKER, .ours.display())]
    OtherScenario {
        /// The output folder.
        dir: PathBuf,
        /// The scenario file whose results it holds (or why its marker cannot be read).
        theirs: String,
        /// The scenario file of this command.
        ours: PathBuf,
    },
    /// The scenario file could not be read to claim an output folder for it.
    #[error("cannot read `{}` to record it with its results", .path.display())]
    ReadScenarioFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Formatting a table as CSV failed.
    #[error("cannot format the {what} as CSV")]
    Csv {
        /// Which table, e.g. "summary".
        what: &'static str,
        /// Why.
        #[source]
        source: ::csv::Error,
    },
}
