//! Reports: every command's result in each output format, one exporter per format behind one
//! trait (after hyperfine's `src/export/`), plus what they share — the text-table helper and
//! [`output`]: an [`OutputSet`] stages a command's files (and a run's streamed `trials.csv`, a
//! [`PendingFile`] written a segment of trials at a time by [`csv::TrialsCsv`]) and [`commit`]
//! puts every set in place together, or leaves every folder as it was.
//!
//! # The results contract
//! Each command's result is a plain, serialisable library type, wrapped for exporting in
//! [`Report`]: a run's [`RunReport`] (summary, plan checks and `max_share` checks), its plan
//! checks alone, its per-trial [`TrialTable`], a [`Validation`], a pay [`Settlement`], a
//! [`Backtest`], an [`OutsideViewReport`], a [`Calibration`] and an evidence [`Listing`]. Their
//! JSON forms (serde) are the documented contracts; see each type.
//!
//! # Exporters
//! An [`Exporter`] turns a [`Report`] into bytes: [`terminal::Terminal`] (the tables a user
//! reads), [`json::Json`] and [`csv::Csv`]. An exporter that has no form for a kind of result
//! (CSV of a calibration, say) answers [`ReportError::Unsupported`]. A new format (SVG, HTML) is one
//! new file here implementing [`Exporter`].
//!
//! Exporters build bytes in memory and never touch the file system themselves, so each can be
//! tested on its exact output and the caller decides where, and whether, to write.

pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod output;
pub mod table;
pub mod terminal;

/// The unit of every figure and the precision of its CSV cells (defined with the metric
/// catalogue, [`crate::scenario::units`], so that the results can carry their units).
pub use crate::scenario::units;

pub use output::{
    check_claim, commit, write_all_or_nothing, write_claimed, OutputSet, Owner, PendingFile, MARKER,
};

// Defined with the library's errors, below the layers that produce it, so that `error` does not
// reach up into `report`.
pub use crate::error::ReportError;

use crate::analysis::backtest::Backtest;
use crate::analysis::contract::Validation;
use crate::analysis::monthly::MonthlySummary;
use crate::analysis::outside_view::OutsideViewReport;
use crate::analysis::plan::PlanCheck;
use crate::analysis::{RunReport, TrialTable};
use crate::engine::pay::Settlement;
use crate::evidence::results::{Calibration, Listing};

/// One command's result, borrowed, for an [`Exporter`].
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// A run: summary, plan checks and `max_share` checks (`summary.json`, `summary.csv`).
    Run(&'a RunReport),
    /// A run's plan checks alone (`plan.csv`).
    Plan(&'a [PlanCheck]),
    /// A table's per-trial results as it holds them (a run streams its `trials.csv` from the
    /// exact rows instead, with [`csv::TrialsCsv`]).
    Trials(&'a TrialTable),
    /// A run's monthly series, summarised month by month (`monthly.csv`).
    Monthly(&'a MonthlySummary),
    /// A scenario that passed `validate`.
    Validation(&'a Validation),
    /// The payments that given event counts earn (`pay`).
    Settlement(&'a Settlement),
    /// Recorded outturns against the simulation (`backtest`).
    Backtest(&'a Backtest),
    /// Plan figures under the outside and inside views (`outside-view`).
    OutsideView(&'a OutsideViewReport),
    /// Rates and quantities calibrated from the evidence (`calibrate`).
    Calibration(&'a Calibration),
    /// The evidence library's figures (`evidence`).
    Evidence(&'a Listing),
}

impl Report<'_> {
    /// The kind of result, for messages: "run summary", "per-trial table", ….
    pub fn kind(&self) -> &'static str {
        match self {
            Report::Run(_) => "run summary",
            Report::Plan(_) => "plan checks",
            Report::Trials(_) => "per-trial table",
            Report::Monthly(_) => "monthly series",
            Report::Validation(_) => "validation",
            Report::Settlement(_) => "payments",
            Report::Backtest(_) => "back-test",
            Report::OutsideView(_) => "outside view",
            Report::Calibration(_) => "calibration",
            Report::Evidence(_) => "evidence listing",
        }
    }
}

/// One output format.
pub trait Exporter {
    /// The format's name, for messages: "terminal", "JSON", "CSV".
    fn format(&self) -> &'static str;

    /// The result in this format.
    ///
    /// # Errors
    /// [`ReportError::Unsupported`] when the format has no form for this kind of result (see
    /// [`unsupported`](Exporter::unsupported)); otherwise whatever formatting can fail with.
    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError>;

    /// The error an exporter answers for a kind of result it has no form for.
    fn unsupported(&self, report: Report<'_>) -> ReportError {
        ReportError::Unsupported {
            format: self.format(),
            kind: report.kind(),
        }
    }
}
