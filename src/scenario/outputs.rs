//! The catalogue of outcome counts a trial records: one table ([`COUNTS`]) says what each count
//! counts, so the row layout, the per-month recording and the settlement read one description
//! instead of hand-numbered offsets.
//!
//! A count of a banded event comes as a triple in the row: the total, then `.lt16`, then `.ge16`
//! (README, "Metric names").

use crate::scenario::{Band, Event, Model};

/// What one count counts in a month at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Every occurrence of the event.
    Event(Event),
    /// The evidenced occurrences of an event that needs evidence (the ones a tariff pays on).
    Claimable(Event),
    /// Referrals taken on that did not engage.
    Declined,
    /// Referrals lost for want of capacity.
    Lost,
    /// ES taken on (replacements).
    Hires,
    /// ES in post, summed over months.
    EsInPost,
}

impl Counted {
    /// The event behind the count, if any.
    pub fn event(self) -> Option<Event> {
        match self {
            Counted::Event(e) | Counted::Claimable(e) => Some(e),
            _ => None,
        }
    }
    /// Whether the count is split by hours band (a triple in the row).
    pub fn banded(self) -> bool {
        self.event().is_some_and(Event::has_band)
    }
}

/// One count: its metric name and what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountDef {
    pub name: &'static str,
    pub counted: Counted,
}

const fn def(name: &'static str, counted: Counted) -> CountDef {
    CountDef { name, counted }
}

/// Every count recorded per site and in total, in row order. The names and their order are a
/// public contract: add new counts where they read naturally only if they are optional (see
/// [`counts`]), so that no existing scenario's row moves.
pub const COUNTS: [CountDef; 13] = [
    def("referrals", Counted::Event(Event::Referral)),
    def("referrals_declined", Counted::Declined),
    def("referrals_lost", Counted::Lost),
    def("engagements", Counted::Event(Event::Engagement)),
    def("job_starts", Counted::Event(Event::JobStart)),
    def("sustain_6w", Counted::Event(Event::Sustain6w)),
    def("sustain_13w", Counted::Event(Event::Sustain13w)),
    def("sustain_26w", Counted::Event(Event::Sustain26w)),
    def("claimable_6w", Counted::Claimable(Event::Sustain6w)),
    def("claimable_13w", Counted::Claimable(Event::Sustain13w)),
    def("claimable_26w", Counted::Claimable(Event::Sustain26w)),
    def("hires", Counted::Hires),
    def("es_in_post_months", Counted::EsInPost),
];

/// One column of the count block: a count in one band (`None`: both bands, the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountColumn {
    pub counted: Counted,
    pub band: Option<Band>,
}

/// The counts `model` records, in row order: every count but those of optional events the
/// model does not use ([`Model::records`]).
pub fn counts(model: &Model) -> impl Iterator<Item = &'static CountDef> + '_ {
    COUNTS
        .iter()
        .filter(|d| d.counted.event().is_none_or(|e| model.records(e)))
}

/// The columns of `model`'s count block with their names (`job_starts`, `job_starts.lt16`, …), in
/// row order.
pub fn count_columns(model: &Model) -> Vec<(String, CountColumn)> {
    let mut out = Vec::new();
    for d in counts(model) {
        out.push((
            d.name.to_string(),
            CountColumn {
                counted: d.counted,
                band: None,
            },
        ));
        if d.counted.banded() {
            for b in Band::ALL {
                out.push((
                    format!("{}.{}", d.name, b.name()),
                    CountColumn {
                        counted: d.counted,
                        band: Some(b),
                    },
                ));
            }
        }
    }
    out
}
