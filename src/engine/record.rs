//! The trial recorder: what a trial drew and what happened each month (issue 8, item 4).
//!
//! Three records come out of every trial beside its row of metrics:
//! - **Inputs** ([`InputTable`]): every drawn input of every site, named `input.<site>.<param>`
//!   with the field names of the scenario format (`input.haringey.p_engage`), in site order and
//!   [`Param::ALL`] order within a site (the optional `p_13w` only for sites that set it: a site
//!   without it has no such input, rather than a column of NaN); then the SPV's monthly costs, `input.spv.central_team`,
//!   `input.spv.administration`, `input.spv.evaluation` (scenarios with `[finance]` only; no site
//!   input has these names, so a site called `spv` cannot clash). A value is recorded as drawn and
//!   clamped to its field's limit — the value the trial used; whole-number inputs (`es_posts`,
//!   `ramp_months`, …) are used rounded to the nearest. An absent `referral_dispersion` is `inf`.
//!   The copula's programme-level draws are not inputs of their own: they show in the sites'
//!   inputs, as the correlation between them.
//! - **Monthly series** ([`MonthlyTable`]): at each month-end, cumulative `engagements`,
//!   `job_starts`, `sustain_6w`, `sustain_26w` — every outcome event the model records
//!   ([`recorded_events`]: `sustain_13w` too, between the 6- and 26-week ones, where it is used) — (in total, then per site as `site.<site>.…`, each
//!   site followed by its `site.<site>.provider.cash`), then `spv.cash` and
//!   `investor.outstanding` (loan principal and unpaid interest; with `[finance]` only), then
//!   cumulative `payments.by_payer.<party>` for every party.
//! - **Financial-year metrics**, written into the trial's row after every other metric (see
//!   [`window_metric_names`]): per financial year (April–March) `fy<YYYY>.<name>` in total and
//!   `fy<YYYY>.site.<site>.<name>` per site, for the same events (`engagements`, `job_starts`,
//!   `sustain_6w`, `sustain_13w` where used, `sustain_26w`), `provider.income`, `provider.cost`, `provider.margin`; then
//!   `fy<YYYY>.payments.by_payer.<party>`. `fy2017` is FY2017/18, April 2017 – March 2018. A year
//!   only partly inside the horizon is reported over its months inside it. Counts are counted in
//!   the month the event happens (as the whole-horizon counts are); money in the month it moves.
//!
//! # Memory
//! The inputs and year metrics are kept for every trial, like the rest of the row, in the run's
//! compact column store ([`crate::engine::table::store`]: whole numbers exactly, other values as
//! the nearest `f32`). The monthly series would be the largest part of a run (MHEP 1: 31
//! series × 39 months), so they are **stored compactly and capped** rather than summarised as
//! trials complete: type-7 quantiles need every value, and a streaming estimate would be
//! approximate. Each value is kept as `f32` (about 7 significant figures: pennies on £100,000,
//! exact counts up to 16 million), for the first [`monthly_trials`] trials only — at most
//! [`MONTHLY_TRIALS`] and at most [`MONTHLY_BYTES`] in all. Trials are independent, so the first
//! N are a sample of them all; which trials are kept does not depend on threads, so `monthly.csv`
//! is bit-identical for any thread count. For MHEP 1 that is 1,209 values, 4.8 kB per stored
//! trial, 48 MB at 10,000 trials — beside 72 inputs and 152 year metrics kept for every
//! trial. [`replay`](crate::engine::replay) re-runs any one trial with its series in full
//! precision.

use crate::engine::delivery::MonthEvents;
use crate::engine::finance::ProviderBooks;
use crate::engine::investment::SpvAccount;
use crate::engine::metrics::column;
use crate::engine::settlement::Ledger;
use crate::engine::table::ColumnStore;
pub use crate::scenario::outputs::{financial_year, window_metric_names};
use crate::scenario::outputs::{recorded_events, YEAR_MONEY as MONEY};
use crate::scenario::{Event, Model, Param, YearMonth};
use crate::{Money, Month};

/// Most trials whose monthly series are stored for `monthly.csv`.
pub const MONTHLY_TRIALS: usize = 10_000;
/// Most memory, in bytes, the stored monthly series of a run may take (256 MiB).
pub const MONTHLY_BYTES: usize = 256 << 20;

/// Names of the SPV's monthly costs, in the order validation lists them in `Finance::costs`.
pub const SPV_COSTS: [&str; 3] = ["central_team", "administration", "evaluation"];

/// What a run records beside the metrics, laid out once per model.
#[derive(Debug, Clone)]
pub struct RecordLayout {
    /// `input.<site>.<param>` (then `input.<site>.demand[k]` for each demand shock), then
    /// `input.spv.<cost>`.
    pub input_names: Vec<String>,
    /// Names of the monthly series, in storage order.
    pub series_names: Vec<String>,
    /// Calendar month of each step.
    pub months: Vec<YearMonth>,
    /// Names of the financial-year metrics, in row order.
    pub window_names: Vec<String>,
    /// The events counted, monthly and per year ([`recorded_events`]).
    events: Vec<Event>,
    /// Where each site's inputs start in [`RecordLayout::input_names`], then where the SPV's do.
    site_inputs: Vec<usize>,
    /// Per month, the index of its financial year (0 = the first the horizon touches).
    year_of: Vec<usize>,
    n_sites: usize,
    n_parties: usize,
    finance: bool,
}

impl RecordLayout {
    /// The layout of `model`'s records.
    pub fn new(model: &Model) -> RecordLayout {
        let mut input_names = Vec::new();
        let mut site_inputs = Vec::with_capacity(model.sites.len());
        for site in &model.sites {
            site_inputs.push(input_names.len());
            for p in Param::ALL
                .iter()
                .filter(|p| !p.optional() || site.sustain_13w)
            {
                input_names.push(format!("input.{}.{}", site.id, p.field()));
            }
            for k in 0..site.demand.len() {
                input_names.push(format!("input.{}.demand[{k}]", site.id));
            }
        }
        site_inputs.push(input_names.len());
        if let Some(f) = &model.finance {
            input_names.extend((0..f.costs.len()).map(|k| match SPV_COSTS.get(k) {
                Some(n) => format!("input.spv.{n}"),
                None => format!("input.spv.cost{k}"),
            }));
        }
        let events = recorded_events(model);
        let counts: Vec<&str> = events.iter().map(|e| e.metric()).collect();
        let mut series_names: Vec<String> = counts.iter().map(|s| s.to_string()).collect();
        for site in &model.sites {
            for n in counts.iter().chain(&["provider.cash"]) {
                series_names.push(format!("site.{}.{n}", site.id));
            }
        }
        if model.finance.is_some() {
            series_names.push("spv.cash".into());
            series_names.push("investor.outstanding".into());
        }
        for p in &model.parties {
            series_names.push(format!("payments.by_payer.{}", p.id));
        }
        let s = &model.settings;
        let months: Vec<YearMonth> = (0..s.horizon).map(|m| s.start.plus(m)).collect();
        let first = financial_year(s.start);
        let year_of = months
            .iter()
            .map(|&ym| (financial_year(ym) - first) as usize)
            .collect();
        RecordLayout {
            input_names,
            site_inputs,
            series_names,
            months,
            window_names: window_metric_names(model),
            events,
            year_of,
            n_sites: model.sites.len(),
            n_parties: model.parties.len(),
            finance: model.finance.is_some(),
        }
    }

    /// Values of one trial's monthly series: series × months.
    pub fn series_len(&self) -> usize {
        self.series_names.len() * self.months.len()
    }
    fn horizon(&self) -> usize {
        self.months.len()
    }
    /// How many events are counted.
    fn n_counts(&self) -> usize {
        self.events.len()
    }
    /// Series per site: the counts, then the provider's cash.
    fn per_site(&self) -> usize {
        self.n_counts() + 1
    }
    /// Figures per site and in total in each financial year: the counts, then the money.
    fn per_year(&self) -> usize {
        self.n_counts() + MONEY.len()
    }
    /// Series index of site `s` (`None`: the total) count `c`.
    fn count_series(&self, s: Option<usize>, c: usize) -> usize {
        s.map_or(c, |s| self.n_counts() + s * self.per_site() + c)
    }
    fn cash_series(&self, s: usize) -> usize {
        self.n_counts() + s * self.per_site() + self.n_counts()
    }
    fn spv_series(&self) -> usize {
        self.n_counts() + self.n_sites * self.per_site()
    }
    fn payer_series(&self, p: usize) -> usize {
        self.spv_series() + if self.finance { 2 } else { 0 } + p
    }
    fn year_block(&self) -> usize {
        self.per_year() * (1 + self.n_sites) + self.n_parties
    }
    /// Year-metric index of year `y`, site `s` (`None`: the total), figure `k` (the counts, then
    /// MONEY order).
    fn year_figure(&self, y: usize, s: Option<usize>, k: usize) -> usize {
        y * self.year_block() + s.map_or(0, |s| 1 + s) * self.per_year() + k
    }
    fn year_payer(&self, y: usize, p: usize) -> usize {
        y * self.year_block() + self.per_year() * (1 + self.n_sites) + p
    }
}

/// One trial's record in the making: its inputs, its monthly series and its year figures. Reset
/// at the start of each trial, so one recorder can serve many trials in turn.
#[derive(Debug, Clone)]
pub struct TrialRecorder<'l> {
    layout: &'l RecordLayout,
    /// This trial's inputs, in [`RecordLayout::input_names`] order.
    pub inputs: Vec<f64>,
    /// Series-major: series k's month m is at `k × horizon + m`.
    pub series: Vec<f64>,
    /// The year metrics, in [`RecordLayout::window_names`] order.
    pub window: Vec<f64>,
    /// Running counts, the total's then each site's, in the layout's event order.
    cumulative: Vec<u64>,
    /// Per party, what it had paid when the current financial year began.
    paid_before_year: Vec<Money>,
}

impl<'l> TrialRecorder<'l> {
    /// A recorder for trials laid out by `layout`.
    pub fn new(layout: &'l RecordLayout) -> TrialRecorder<'l> {
        TrialRecorder {
            layout,
            inputs: vec![0.0; layout.input_names.len()],
            series: vec![0.0; layout.series_len()],
            window: vec![0.0; layout.window_names.len()],
            cumulative: vec![0; layout.n_counts() * (1 + layout.n_sites)],
            paid_before_year: vec![0.0; layout.n_parties],
        }
    }

    /// Start a new trial.
    pub fn reset(&mut self) {
        self.inputs.iter_mut().for_each(|x| *x = 0.0);
        self.series.iter_mut().for_each(|x| *x = 0.0);
        self.window.iter_mut().for_each(|x| *x = 0.0);
        self.cumulative.iter_mut().for_each(|x| *x = 0);
        self.paid_before_year.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Site `s`'s drawn inputs, in [`Param::ALL`] order (the optional ones only if it sets them),
    /// then its demand multipliers.
    pub fn site_inputs(&mut self, s: usize, values: &[f64], demand: &[f64]) {
        let at = &self.layout.site_inputs;
        let mid = at[s] + values.len();
        self.inputs[at[s]..mid].copy_from_slice(values);
        self.inputs[mid..at[s + 1]].copy_from_slice(demand);
    }

    /// The SPV's drawn monthly costs, in `Finance::costs` order.
    pub fn spv_costs(&mut self, draws: &[Money]) {
        let at = self.layout.site_inputs[self.layout.n_sites];
        self.inputs[at..at + draws.len()].copy_from_slice(draws);
    }

    /// What happened at site `s` in month `m` (a month it delivered).
    pub fn site_events(&mut self, s: usize, m: Month, ev: &MonthEvents) {
        let l = self.layout;
        let y = l.year_of[m as usize];
        for (c, &e) in l.events.iter().enumerate() {
            let n = ev.total(e);
            self.cumulative[c] += n;
            self.cumulative[l.n_counts() * (1 + s) + c] += n;
            for site in [None, Some(s)] {
                self.window[l.year_figure(y, site, c)] += n as f64;
            }
        }
    }

    /// Month `m` has closed: record the balances and the month's money. `costs` are the
    /// providers' costs of the month per site; their income is the ledger's `site_net_month`.
    pub fn end_month(
        &mut self,
        m: Month,
        books: &[ProviderBooks],
        ledger: &Ledger,
        costs: &[Money],
        spv: Option<&SpvAccount>,
    ) {
        let l = self.layout;
        let (h, m) = (l.horizon(), m as usize);
        let y = l.year_of[m];
        for c in 0..l.n_counts() {
            for s in (0..l.n_sites).map(Some).chain([None]) {
                let running = self.cumulative[l.n_counts() * s.map_or(0, |s| 1 + s) + c];
                self.series[l.count_series(s, c) * h + m] = running as f64;
            }
        }
        let (income, cost) = (l.n_counts(), l.n_counts() + 1);
        for (s, b) in books.iter().enumerate() {
            self.series[l.cash_series(s) * h + m] = b.cash;
            for (k, v) in [(income, ledger.site_net_month[s]), (cost, costs[s])] {
                self.window[l.year_figure(y, Some(s), k)] += v;
                self.window[l.year_figure(y, None, k)] += v;
            }
        }
        if let Some(a) = spv {
            self.series[l.spv_series() * h + m] = a.cash;
            self.series[(l.spv_series() + 1) * h + m] = a.principal + a.interest_due;
        }
        let year_ends = m + 1 == h || l.year_of[m + 1] != y;
        for (p, &paid) in ledger.paid_by.iter().enumerate() {
            self.series[l.payer_series(p) * h + m] = paid;
            if year_ends {
                self.window[l.year_payer(y, p)] = paid - self.paid_before_year[p];
                self.paid_before_year[p] = paid;
            }
        }
    }

    /// The trial is over: work out the year margins and write the year metrics into `out` (the
    /// row's slice for them, [`RecordLayout::window_names`] long).
    pub fn finish(&mut self, out: &mut [f64]) {
        let l = self.layout;
        let n = l.n_counts();
        let (income, cost, margin) = (n, n + 1, n + 2);
        for y in 0..l.year_of.last().map_or(0, |&y| y + 1) {
            for s in (0..l.n_sites).map(Some).chain([None]) {
                let i = self.window[l.year_figure(y, s, income)];
                let c = self.window[l.year_figure(y, s, cost)];
                self.window[l.year_figure(y, s, margin)] = i - c;
            }
        }
        out.copy_from_slice(&self.window);
    }
}

/// Every trial's inputs: one row per trial, one column per input, held compactly like the
/// metrics (see [`crate::engine::table::store`]: whole-number inputs exactly, the others as the
/// nearest `f32`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputTable {
    /// `input.<site>.<param>`, then `input.spv.<cost>`.
    pub names: Vec<String>,
    /// Rows held.
    pub trials: usize,
    /// The rows, one column per name.
    pub(crate) values: ColumnStore,
}

impl InputTable {
    /// An empty table of these inputs.
    pub fn new(names: Vec<String>) -> InputTable {
        InputTable {
            values: ColumnStore::new(names.len()),
            names,
            trials: 0,
        }
    }
    /// Trial `t`'s inputs, as held.
    ///
    /// # Panics
    /// If `t >= self.trials`.
    pub fn row(&self, t: usize) -> Vec<f64> {
        self.values.row(t)
    }
    /// Trial `t`'s input `j`, as held.
    ///
    /// # Panics
    /// If `t >= self.trials` or `j >= self.names.len()`.
    pub fn value(&self, t: usize, j: usize) -> f64 {
        self.values.get(t, j)
    }
    /// Column of input `name`, e.g. `input.haringey.p_engage`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        column(&self.names, name)
    }
    /// Input `name` across the trials, in trial order, as held (`None`: no such input).
    pub fn get(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.index_of(name)?;
        Some(self.values.column(j))
    }
    /// The store holding the rows.
    pub fn store(&self) -> &ColumnStore {
        &self.values
    }
}

/// The monthly series of the first [`monthly_trials`] trials, stored as `f32`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthlyTable {
    /// Series names, e.g. `engagements`, `site.haringey.provider.cash`.
    pub names: Vec<String>,
    /// Calendar month of each step.
    pub months: Vec<YearMonth>,
    /// Trials stored (the first ones of the run).
    pub trials: usize,
    /// Trial-major, then series, then month.
    pub values: Vec<f32>,
}

impl MonthlyTable {
    /// Series `name` of stored trial `t`, one value per month (`None`: no such series or trial).
    pub fn series(&self, t: usize, name: &str) -> Option<&[f32]> {
        let k = column(&self.names, name)?;
        (t < self.trials).then(|| {
            let h = self.months.len();
            let at = (t * self.names.len() + k) * h;
            &self.values[at..at + h]
        })
    }
}

/// How many trials of a run of `trials` keep their monthly series: all of them up to
/// [`MONTHLY_TRIALS`] and [`MONTHLY_BYTES`], and at least one.
pub fn monthly_trials(layout: &RecordLayout, trials: usize) -> usize {
    let per_trial = (layout.series_len() * std::mem::size_of::<f32>()).max(1);
    trials
        .min(MONTHLY_TRIALS)
        .min((MONTHLY_BYTES / per_trial).max(1))
}

/// Where a run's monthly series go: the store of the first [`monthly_trials`] trials' series,
/// allocated up front and handed out, segment by segment, in chunks of trials, so that workers
/// fill it in place, in trial order, beside their segment's input rows.
#[derive(Debug)]
pub struct RecordSink {
    monthly: MonthlyTable,
}

/// One chunk's share of a segment: its trials' input rows and stored series.
#[derive(Debug)]
pub struct ChunkSlots<'a> {
    inputs: &'a mut [f64],
    monthly: &'a mut [f32],
    n_inputs: usize,
    series_len: usize,
}

impl RecordSink {
    /// Room for the series of a run of `trials` trials laid out by `layout`.
    pub fn new(layout: &RecordLayout, trials: usize) -> RecordSink {
        let stored = monthly_trials(layout, trials);
        RecordSink {
            monthly: MonthlyTable {
                names: layout.series_names.clone(),
                months: layout.months.clone(),
                trials: stored,
                values: vec![0.0; stored * layout.series_len()],
            },
        }
    }

    /// The slots of trials `first..` in consecutive chunks of `chunk` trials (the last may be
    /// shorter), one per chunk, in trial order: `inputs` holds the trials' input rows,
    /// `n_inputs` each. Trials past the monthly store's cap get no series slots.
    pub fn chunks<'a>(
        &'a mut self,
        first: usize,
        inputs: &'a mut [f64],
        n_inputs: usize,
        trials: usize,
        chunk: usize,
    ) -> Vec<ChunkSlots<'a>> {
        let series_len = self.monthly.names.len() * self.monthly.months.len();
        let chunk = chunk.max(1);
        let n_chunks = trials.div_ceil(chunk);
        let from = (first * series_len).min(self.monthly.values.len());
        let mut monthly = &mut self.monthly.values[from..];
        let mut inputs = inputs;
        let mut out = Vec::with_capacity(n_chunks);
        for _ in 0..n_chunks {
            let at = (chunk * n_inputs).min(inputs.len());
            let (a, rest) = std::mem::take(&mut inputs).split_at_mut(at);
            inputs = rest;
            let at = (chunk * series_len).min(monthly.len());
            let (b, rest) = std::mem::take(&mut monthly).split_at_mut(at);
            monthly = rest;
            out.push(ChunkSlots {
                inputs: a,
                monthly: b,
                n_inputs,
                series_len,
            });
        }
        out
    }

    /// The filled store, cut to the first `trials` trials if the run stopped early.
    pub fn into_monthly(self, trials: usize) -> MonthlyTable {
        let mut monthly = self.monthly;
        if trials < monthly.trials {
            monthly.trials = trials;
            monthly
                .values
                .truncate(trials * monthly.names.len() * monthly.months.len());
            monthly.values.shrink_to_fit();
        }
        monthly
    }
}

impl ChunkSlots<'_> {
    /// Keep the record of the chunk's `i`-th trial.
    pub fn store(&mut self, i: usize, rec: &TrialRecorder<'_>) {
        let n = self.n_inputs;
        self.inputs[i * n..(i + 1) * n].copy_from_slice(&rec.inputs);
        let len = self.series_len;
        if let Some(slot) = self.monthly.get_mut(i * len..(i + 1) * len) {
            // Trial-major and series-major alike, so the layouts match value for value.
            for (to, &from) in slot.iter_mut().zip(&rec.series) {
                *to = from as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years_start_in_april() {
        let ym = |year, month| YearMonth { year, month };
        assert_eq!(financial_year(ym(2017, 4)), 2017);
        assert_eq!(financial_year(ym(2018, 3)), 2017);
        assert_eq!(financial_year(ym(2016, 1)), 2015);
        assert_eq!(financial_year(ym(2016, 12)), 2016);
    }
}
