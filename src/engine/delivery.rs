//! The delivery stage of one site, month by month (MODEL.md, "One trial", step 2).
//!
//! Referrals arrive (Poisson, or gamma–Poisson when over-dispersed) at the site's rate times the
//! mobilisation ramp, times the multipliers of the demand shocks covering the month (drawn once per
//! trial, [`SiteParams::demand`]); while free caseload capacity remains, each referral taken on engages with
//! `p_engage`; referrals beyond capacity wait (dropping out at `wait_dropout` a month) or are lost.
//! An engaged client starts a job with `p_job_start` after a geometric lag (mean
//! `time_to_job_months`, same month allowed), leaving the caseload the month after; otherwise
//! they leave after 1 + a geometric stay (mean `months_on_caseload_without_job`).
//! A start is ≥16 h with `share_ge16`; it is sustained 6 weeks (recorded one month after the start)
//! with `p_6w` and 26 weeks (six months after the start) with `p_26w` given 6 weeks; each
//! sustainment is claimable with `p_evidence`.
//!
//! **Drawn by counts, not person by person.** Clients are exchangeable, so each month draws how
//! many do each thing, from the exact law of the count. The streams differ from a
//! person-by-person draw; the distribution of every output is the same.
//! - Engagement is Bernoulli trials until free capacity runs out, drawn exactly in O(1)
//!   (`capped_successes` in `distributions::counts`).
//! - A geometric lag is memoryless: a client who has not yet started a job starts this month with
//!   probability `p = 1/(1 + mean)` however long they have waited (the lag is the number of
//!   failures before the first success, `P(lag = k) = (1 − p)ᵏp`, mean `(1 − p)/p`, variance
//!   `(1 − p)/p²`). So the clients who will start a job wait in one pool, of which
//!   `Bin(pool, 1/(1 + time_to_job_months))` start each month, from the month they engage; those
//!   who will not wait in another, of which `Bin(pool, 1/(1 + months_on_caseload_without_job))`
//!   leave each month from the next: one binomial per month instead of one inversion (a uniform
//!   and a logarithm) per engaged client.
//! - A month's job starts split by band, then by sustainment and evidence, by binomials: each
//!   person's outcomes are independent given the trial's inputs.
//!
//! The unit tests check the waits against the geometric mean and variance, and the capped
//! engagement against its exact law (in `distributions`).
//!
//! **13 weeks** (the Life Chances Fund MHEP contracts pay on it): only where the site sets `p_13w`
//! = P(13 weeks | 6 weeks). The 26-week count is drawn as without it, the 13-week draws after it;
//! every 26-week sustainer is a 13-week one too; a 6-week sustainer who did not reach 26
//! weeks reaches 13 with probability (max(p13, p26) − p26) / (1 − p26), so that P(13 weeks | 6
//! weeks) = p13 — or p26 in a trial whose draw of p13 falls below its p26, since 13 weeks cannot
//! be rarer than 26. It is recorded three months after the start and claimable with `p_evidence`
//! (its own evidence draw). A site without `p_13w` makes no extra draw at all.
//!
//! Capacity is ES in post × caseload per ES; each ES
//! leaves with `turnover_per_month` and the vacancy stays empty for `months_to_fill` months
//! (stochastically rounded, so the mean is exact). Nothing is counted outside the site's months.

use rand_distr::{Distribution, Gamma, Poisson};

use crate::distributions::counts::{binomial, capped_successes};
use crate::engine::rng::Stream;
use crate::scenario::outputs::{CountColumn, Counted};
use crate::scenario::{Band, Distress, Event, Excess, Param, Site, MAX_DEMAND_MULTIPLIER};
use crate::Month;

/// One trial's draw of a site's inputs (the epistemic layer).
#[derive(Debug, Clone)]
pub struct SiteParams {
    /// One per [`Param`], indexed by `Param as usize` (an optional input the site does not set is
    /// NaN).
    pub values: Vec<f64>,
    /// The multiplier of each of the site's demand shocks, in `Site::demand` order.
    pub demand: Vec<f64>,
}

impl SiteParams {
    /// Draw every input of `site`, one uniform each, in [`Param::ALL`] order: the inputs every
    /// site has, then the optional ones it sets ([`SiteParams::draw_optional`]).
    pub fn draw(site: &Site, rng: &mut Stream) -> SiteParams {
        let mut values: Vec<f64> = site.inputs[..Param::N_CORE]
            .iter()
            .zip(Param::ALL)
            .map(|(d, &p)| clamp(p, d.sample(rng)))
            .collect();
        values.resize(Param::ALL.len(), f64::NAN);
        let mut params = SiteParams {
            values,
            demand: Vec::new(),
        };
        params.draw_optional(site, rng);
        params.draw_demand(site, rng);
        params
    }
    /// Draw the inputs every site has from the given uniforms (one per input, in [`Param::ALL`]
    /// order), as a copula supplies them; the optional inputs are left unset (NaN), for
    /// [`SiteParams::draw_optional`].
    pub fn from_uniforms(site: &Site, uniforms: &[f64]) -> SiteParams {
        let mut values: Vec<f64> = site.inputs[..Param::N_CORE]
            .iter()
            .zip(Param::ALL)
            .zip(uniforms)
            .map(|((d, &p), &u)| clamp(p, d.quantile(u)))
            .collect();
        values.resize(Param::ALL.len(), f64::NAN);
        SiteParams {
            values,
            demand: Vec::new(),
        }
    }
    /// Draw the optional inputs the site sets, one uniform each, after the others — so that a site
    /// without them draws exactly what it drew before they existed.
    pub fn draw_optional(&mut self, site: &Site, rng: &mut Stream) {
        if site.sustain_13w {
            // Raised to the trial's p_26w (every 26-week sustainment is a 13-week one), so the
            // recorded value is the one delivery uses.
            let p = Param::P13w;
            let p26 = self.values[Param::P26w as usize];
            self.values[p as usize] = clamp(p, site.input(p).sample(rng)).max(p26);
        }
    }
    /// Draw the multiplier of each of the site's demand shocks, one uniform each, after every
    /// other input — so that a site without shocks draws exactly what it drew before they existed.
    pub fn draw_demand(&mut self, site: &Site, rng: &mut Stream) {
        self.demand = site
            .demand
            .iter()
            .map(|d| clamp_demand(d.multiplier.sample(rng)))
            .collect();
    }
    /// The demand shocks' multipliers from the given uniforms (one per shock), as a sampling
    /// plan's point supplies them.
    pub fn demand_from_uniforms(&mut self, site: &Site, uniforms: &[f64]) {
        self.demand = site
            .demand
            .iter()
            .zip(uniforms)
            .map(|(d, &u)| clamp_demand(d.multiplier.quantile(u)))
            .collect();
    }
    /// The inputs as drawn for the record: those every site has, then the optional ones the site
    /// sets (then come the demand multipliers, [`SiteParams::demand`]).
    pub fn drawn(&self, site: &Site) -> &[f64] {
        let n = if site.sustain_13w {
            Param::ALL.len()
        } else {
            Param::N_CORE
        };
        &self.values[..n]
    }

    /// The drawn value of input `p` (NaN for an optional input the site does not set).
    pub fn get(&self, p: Param) -> f64 {
        self.values[p as usize]
    }
    /// A whole-number input, rounded to the nearest.
    pub fn count(&self, p: Param) -> u32 {
        self.get(p).round().max(0.0) as u32
    }
}

/// Counts of each event by hours band: `[event][band]`. An event without a band is counted in
/// the first slot.
pub type ByEvent = [[u64; 2]; Event::N];

/// What happened at a site in one month: every event by hours band, the evidenced (claimable)
/// ones likewise, and the staffing and referral counts that are no events.
#[derive(Debug, Clone, Default)]
pub struct MonthEvents {
    happened: ByEvent,
    claimable: ByEvent,
    /// Referrals taken on that did not engage.
    pub referrals_declined: u64,
    /// Referrals lost for want of capacity (turned away, or dropped out while waiting).
    pub referrals_lost: u64,
    /// ES taken on this month (replacements; the opening team is in post from the start).
    pub hires: u64,
    /// ES in post this month (after hires, before leavers).
    pub es_in_post: u64,
}

/// The slot of `band` (`None`: an event without a band) in a [`ByEvent`] row.
fn slot(band: Option<Band>) -> usize {
    band.map_or(0, |b| b as usize)
}

impl MonthEvents {
    /// Events `event` in `band`.
    pub fn get(&self, event: Event, band: Band) -> u64 {
        self.happened[event as usize][band as usize]
    }
    /// Events `event` in both bands.
    pub fn total(&self, event: Event) -> u64 {
        let [a, b] = self.happened[event as usize];
        a + b
    }
    /// Evidenced events `event` in `band` (`None`: both bands).
    pub fn claimable(&self, event: Event, band: Option<Band>) -> u64 {
        let v = self.claimable[event as usize];
        band.map_or(v[0] + v[1], |b| v[b as usize])
    }
    /// The events that trigger a tariff on `event` in `band` (`None`: both bands): the claimable
    /// ones for events that need evidence, all of them otherwise.
    pub fn claims(&self, event: Event, band: Option<Band>) -> u64 {
        if event.needs_evidence() {
            self.claimable(event, band)
        } else {
            band.map_or(self.total(event), |b| self.get(event, b))
        }
    }
    /// Record `n` more events `event` in `band` (`None` for an event without a band).
    pub fn add(&mut self, event: Event, band: Option<Band>, n: u64) {
        self.happened[event as usize][slot(band)] += n;
    }
    /// Record `n` more claims on `event` in `band`: claimable events for events that need evidence
    /// (what `sibsim pay` is given), events otherwise.
    pub fn add_claims(&mut self, event: Event, band: Option<Band>, n: u64) {
        if event.needs_evidence() {
            self.claimable[event as usize][slot(band)] += n;
        } else {
            self.add(event, band, n);
        }
    }
    /// The value of one column of the count block ([`crate::scenario::outputs::COUNTS`]).
    pub fn count(&self, c: CountColumn) -> u64 {
        let by_band = |v: [u64; 2]| c.band.map_or(v[0] + v[1], |b| v[b as usize]);
        match c.counted {
            Counted::Event(e) => by_band(self.happened[e as usize]),
            Counted::Claimable(e) => by_band(self.claimable[e as usize]),
            Counted::Declined => self.referrals_declined,
            Counted::Lost => self.referrals_lost,
            Counted::Hires => self.hires,
            Counted::EsInPost => self.es_in_post,
        }
    }
}

/// Outcomes falling due in one month of a site: events and claimable events by band.
#[derive(Debug, Clone, Copy, Default)]
struct Due {
    happened: ByEvent,
    claimable: ByEvent,
}

impl Due {
    fn add(&mut self, e: Event, band: usize, happened: u64, evidenced: u64) {
        self.happened[e as usize][band] += happened;
        self.claimable[e as usize][band] += evidenced;
    }
}

/// A draw clamped to its input's limit: validation allows at most a 1e-9 chance of exceeding it.
fn clamp(p: Param, x: f64) -> f64 {
    p.max().map_or(x, |max| x.clamp(-max, max))
}

/// A demand multiplier clamped to [0, [`MAX_DEMAND_MULTIPLIER`]], as validation allows.
fn clamp_demand(x: f64) -> f64 {
    x.clamp(0.0, MAX_DEMAND_MULTIPLIER)
}

/// A site's delivery state within one trial.
#[derive(Debug, Clone)]
pub struct SiteDelivery {
    start: Month,
    end: Month,
    excess: Excess,
    /// Whether 13-week sustainments are drawn (the site sets `p_13w`).
    sustain_13w: bool,
    in_post: u64,
    waiting: u64,
    caseload: u64,
    /// Engaged clients who will start a job and have not yet, and those who will not and are
    /// still on the caseload.
    to_start: u64,
    without_job: u64,
    /// Per month from the site start: vacancies filled, clients leaving after a job start, and
    /// outcomes due.
    fills: Vec<u64>,
    exits: Vec<u64>,
    due: Vec<Due>,
    /// The monthly probabilities that a client waiting for a job start starts, and that one
    /// without a job leaves: see the module docs.
    start_hazard: f64,
    leave_hazard: f64,
    /// What distress does here, whether the provider is in it this month, and whether its posts
    /// have been cut already.
    distress: Option<Distress>,
    in_distress: bool,
    posts_cut: bool,
    /// The months (first, last) of each demand shock, in `Site::demand` order.
    shocks: Vec<(Month, Month)>,
}

/// The monthly hazard of a geometric lag in whole months ≥ 0 with this mean: `p = 1/(1 + mean)`,
/// the success probability of a geometric number of failures before the first success (1 — no
/// wait — for a mean of 0 or less, or NaN; 0 — never — for an infinite mean).
fn hazard(mean: f64) -> f64 {
    if mean > 0.0 {
        1.0 / (1.0 + mean)
    } else {
        1.0
    }
}

/// Monthly referrals: Poisson(λ), or with dispersion k a gamma–Poisson mixture (negative
/// binomial: variance λ + λ²/k).
fn referrals(rng: &mut Stream, lambda: f64, k: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    let rate = if k.is_finite() {
        Gamma::new(k, lambda / k).map_or(lambda, |g| g.sample(rng))
    } else {
        lambda
    };
    if rate <= 0.0 {
        return 0;
    }
    Poisson::new(rate).map_or(0, |p| p.sample(rng) as u64)
}

impl SiteDelivery {
    /// A site at the start of delivery: no one on the caseload, the funded posts filled.
    pub fn new(site: &Site, params: &SiteParams) -> SiteDelivery {
        let len = (site.end - site.start + 1) as usize;
        SiteDelivery {
            start: site.start,
            end: site.end,
            excess: site.excess,
            sustain_13w: site.sustain_13w,
            in_post: params.count(Param::EsPosts) as u64,
            waiting: 0,
            caseload: 0,
            to_start: 0,
            without_job: 0,
            fills: vec![0; len],
            exits: vec![0; len],
            due: vec![Due::default(); len],
            start_hazard: hazard(params.get(Param::TimeToJobMonths)),
            leave_hazard: hazard(params.get(Param::MonthsWithoutJob)),
            distress: site.distress,
            in_distress: false,
            posts_cut: false,
            shocks: site.demand.iter().map(|d| (d.from, d.to)).collect(),
        }
    }

    /// Make the state as [`SiteDelivery::new`] made it for this trial's `params`, keeping the
    /// per-month allocations (per-worker scratch).
    pub fn reset(&mut self, site: &Site, params: &SiteParams) {
        for v in [&mut self.fills, &mut self.exits] {
            v.iter_mut().for_each(|x| *x = 0);
        }
        self.due.iter_mut().for_each(|d| *d = Due::default());
        self.end = site.end;
        self.in_post = params.count(Param::EsPosts) as u64;
        (self.waiting, self.caseload) = (0, 0);
        (self.to_start, self.without_job) = (0, 0);
        self.start_hazard = hazard(params.get(Param::TimeToJobMonths));
        self.leave_hazard = hazard(params.get(Param::MonthsWithoutJob));
        (self.in_distress, self.posts_cut) = (false, false);
    }

    /// The last month of delivery (earlier than planned if the site was terminated).
    pub fn end(&self) -> Month {
        self.end
    }

    /// End delivery after month `last` (termination): nothing happens at the site after it, and
    /// outcomes due later are not counted.
    pub fn terminate_after(&mut self, last: Month) {
        self.end = self.end.min(last.max(self.start));
    }

    /// Whether the provider is in distress from the next month on. The first time it is, its posts
    /// are cut as configured: vacancies still to be filled first, then staff in post.
    pub fn set_distress(&mut self, on: bool) {
        let Some(d) = self.distress else { return };
        self.in_distress = on;
        if on && !self.posts_cut {
            self.posts_cut = true;
            let mut cut = d.posts_cut as u64;
            for f in self.fills.iter_mut().rev() {
                let n = (*f).min(cut);
                *f -= n;
                cut -= n;
            }
            self.in_post -= cut.min(self.in_post);
        }
    }

    /// Whether the site delivers in month `m`.
    pub fn live(&self, m: Month) -> bool {
        m >= self.start && m <= self.end
    }

    /// The slot of site month `k`, if it is within delivery.
    fn schedule(&mut self, k: u64) -> Option<usize> {
        (k <= (self.end - self.start) as u64).then_some(k as usize)
    }

    /// Run month `m` (which must be live) and return what happened.
    pub fn step(&mut self, m: Month, p: &SiteParams, rng: &mut Stream) -> MonthEvents {
        let k = (m - self.start) as usize;
        let freeze = self.in_distress && self.distress.is_some_and(|d| d.recruitment_freeze);
        if freeze && self.fills[k] > 0 {
            // No one is taken on this month: the vacancies wait (to the end of delivery at most).
            let waiting = std::mem::take(&mut self.fills[k]);
            if let Some(next) = self.schedule(k as u64 + 1) {
                self.fills[next] += waiting;
            }
        }
        let mut ev = MonthEvents {
            hires: self.fills[k],
            ..MonthEvents::default()
        };
        self.in_post += self.fills[k];
        // Clients without a job leave from the month after they engage (see the module docs).
        let left = binomial(rng, self.without_job, self.leave_hazard);
        self.without_job -= left;
        self.caseload -= (self.exits[k] + left).min(self.caseload);
        ev.es_in_post = self.in_post;

        let ramp = p.count(Param::RampMonths);
        let ramp_share = if ramp == 0 {
            1.0
        } else {
            ((k + 1) as f64 / ramp as f64).min(1.0)
        };
        let mut rate = p.get(Param::ReferralsPerMonth) * ramp_share;
        if !self.shocks.is_empty() {
            // The multipliers of the shocks covering this month; the product stays within the
            // referral rate's limit, as every draw of the rate does.
            let shock: f64 = self
                .shocks
                .iter()
                .zip(&p.demand)
                .filter(|&(&(from, to), _)| from <= m && m <= to)
                .map(|(_, x)| x)
                .product();
            rate = clamp(Param::ReferralsPerMonth, rate * shock);
        }
        let referred = referrals(rng, rate, p.get(Param::ReferralDispersion));
        ev.add(Event::Referral, None, referred);

        let capacity = self.in_post * p.count(Param::CaseloadPerEs) as u64;
        let free = capacity.saturating_sub(self.caseload);
        let pending = self.waiting + referred;
        let (engaged, declined) = capped_successes(rng, pending, free, p.get(Param::PEngage));
        ev.referrals_declined = declined;
        let pending = pending - engaged - declined;
        match self.excess {
            Excess::Wait => {
                let stay = binomial(rng, pending, 1.0 - p.get(Param::WaitDropout));
                ev.referrals_lost = pending - stay;
                self.waiting = stay;
            }
            Excess::Lost => {
                ev.referrals_lost = pending;
                self.waiting = 0;
            }
        }

        ev.add(Event::Engagement, None, engaged);
        self.caseload += engaged;
        let will_start = binomial(rng, engaged, p.get(Param::PJobStart));
        self.to_start += will_start;
        self.without_job += engaged - will_start;
        // Job starts this month, the same month as engagement allowed.
        let started = binomial(rng, self.to_start, self.start_hazard);
        self.to_start -= started;
        self.job_starts(k, started, p, rng);

        // Only banded events fall due later; referrals and engagements are this month's.
        let due = self.due[k];
        for e in Event::ALL.into_iter().filter(|e| e.has_band()) {
            ev.happened[e as usize] = due.happened[e as usize];
            ev.claimable[e as usize] = due.claimable[e as usize];
        }

        let multiplier = match self.distress {
            Some(d) if self.in_distress => d.turnover_multiplier,
            _ => 1.0,
        };
        let turnover = (p.get(Param::TurnoverPerMonth) * multiplier).min(1.0);
        let leavers = binomial(rng, self.in_post, turnover);
        self.in_post -= leavers;
        let fill = p.get(Param::MonthsToFill);
        let (whole, frac) = (fill.floor(), fill - fill.floor());
        // Each vacancy takes `whole` months, or one more with probability `frac`.
        let later = binomial(rng, leavers, frac);
        for (n, delay) in [(leavers - later, whole as u64), (later, whole as u64 + 1)] {
            if let Some(j) = self.schedule(k as u64 + 1 + delay) {
                self.fills[j] += n;
            }
        }
        ev
    }
}

impl SiteDelivery {
    /// Record `started` job starts in site month `k`: each leaves the caseload next month, is ≥16 h
    /// with `share_ge16`, and is sustained and evidenced as the module docs say — by band, all
    /// drawn as counts.
    fn job_starts(&mut self, k: usize, started: u64, p: &SiteParams, rng: &mut Stream) {
        if started == 0 {
            return;
        }
        let k = k as u64;
        if let Some(j) = self.schedule(k + 1) {
            self.exits[j] += started;
        }
        let (p6, p26, p_evid) = (
            p.get(Param::P6w),
            p.get(Param::P26w),
            p.get(Param::PEvidence),
        );
        // P(13 weeks | 6 weeks, not 26 weeks), so that P(13 weeks | 6 weeks) = max(p13, p26);
        // `None` where the site sets no `p_13w` (no draw is made).
        let p13_rest = self.sustain_13w.then(|| {
            let p13 = p.get(Param::P13w).max(p26);
            if p26 < 1.0 {
                (p13 - p26) / (1.0 - p26)
            } else {
                0.0
            }
        });
        let ge16 = binomial(rng, started, p.get(Param::ShareGe16));
        for (band, n) in [(0, started - ge16), (1, ge16)] {
            if n == 0 {
                continue;
            }
            self.due[k as usize].add(Event::JobStart, band, n, 0);
            let s6 = binomial(rng, n, p6);
            if s6 == 0 {
                continue;
            }
            let ev6 = binomial(rng, s6, p_evid);
            if let Some(j) = self.schedule(k + 1) {
                self.due[j].add(Event::Sustain6w, band, s6, ev6);
            }
            let s26 = binomial(rng, s6, p26);
            let ev26 = binomial(rng, s26, p_evid);
            if let Some(j) = self.schedule(k + 6) {
                self.due[j].add(Event::Sustain26w, band, s26, ev26);
            }
            if let Some(q) = p13_rest {
                // Every 26-week sustainment is a 13-week one too.
                let s13 = s26 + binomial(rng, s6 - s26, q);
                let ev13 = binomial(rng, s13, p_evid);
                if let Some(j) = self.schedule(k + 3) {
                    self.due[j].add(Event::Sustain13w, band, s13, ev13);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::Dist;
    use crate::engine::rng::stream;

    /// A site live for `months` months with the given inputs (all others zero).
    fn site(months: Month, set: &[(Param, f64)]) -> (Site, SiteParams) {
        let mut values = vec![0.0; Param::ALL.len()];
        values[Param::ReferralDispersion as usize] = f64::INFINITY;
        for &(p, v) in set {
            values[p as usize] = v;
        }
        let site = Site {
            id: "s".into(),
            provider: 0,
            commissioner: 1,
            start: 0,
            end: months - 1,
            excess: Excess::Lost,
            inputs: values.iter().map(|&v| Dist::fixed(v)).collect(),
            sustain_13w: false,
            distress: None,
            termination: None,
            demand: Vec::new(),
        };
        (
            site,
            SiteParams {
                values,
                demand: Vec::new(),
            },
        )
    }

    #[test]
    fn engagements_never_exceed_free_capacity() {
        // 2 ES × 5 clients, nobody ever leaves the caseload: at most 10 engagements, ever.
        let (site, p) = site(
            12,
            &[
                (Param::ReferralsPerMonth, 40.0),
                (Param::PEngage, 0.5),
                (Param::CaseloadPerEs, 5.0),
                (Param::EsPosts, 2.0),
                (Param::MonthsWithoutJob, 1e9),
            ],
        );
        let mut d = SiteDelivery::new(&site, &p);
        let mut rng = stream(1, 0, 0);
        let (mut engaged, mut lost, mut declined, mut referred) = (0, 0, 0, 0);
        for m in 0..12 {
            let ev = d.step(m, &p, &mut rng);
            engaged += ev.total(Event::Engagement);
            lost += ev.referrals_lost;
            declined += ev.referrals_declined;
            referred += ev.total(Event::Referral);
        }
        assert_eq!(engaged, 10);
        // With excess referrals lost, every referral is accounted for.
        assert_eq!(referred, engaged + lost + declined);
    }

    #[test]
    fn vacancies_stay_empty_for_months_to_fill() {
        // Everyone leaves at the end of month 0; vacancies take exactly 2 months to fill, so the
        // team is empty in months 1 and 2 and back (as hires) in month 3.
        let (site, p) = site(
            6,
            &[
                (Param::EsPosts, 3.0),
                (Param::TurnoverPerMonth, 1.0),
                (Param::MonthsToFill, 2.0),
            ],
        );
        let mut d = SiteDelivery::new(&site, &p);
        let mut rng = stream(1, 0, 0);
        let in_post: Vec<(u64, u64)> = (0..4)
            .map(|m| {
                let ev = d.step(m, &p, &mut rng);
                (ev.es_in_post, ev.hires)
            })
            .collect();
        assert_eq!(in_post, vec![(3, 0), (0, 0), (0, 0), (3, 3)]);
    }

    /// Mean and variance of `xs` with their standard errors (`√((m₄ − s⁴)/n)` for the variance).
    fn moments(xs: &[f64]) -> (f64, f64, f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
        (mean, (var / n).sqrt(), var, ((m4 - var * var) / n).sqrt())
    }

    /// The months waited by `pools` clients, in pools of `size`, who all engaged before month 0
    /// (month −1 for those without a job, who leave from the month after), one site per pool:
    /// job-start months of those due to start, or leaving months of those without a job.
    fn lags(mean: f64, pools: u64, size: u64, job: bool) -> Vec<f64> {
        let param = if job {
            Param::TimeToJobMonths
        } else {
            Param::MonthsWithoutJob
        };
        // Long enough for every wait: P(lag ≥ 3,000) is below 1e-30 for a mean of 40.
        let (site, p) = site(3_000, &[(param, mean)]);
        let mut lags = Vec::new();
        for pool in 0..pools {
            let mut d = SiteDelivery::new(&site, &p);
            if job {
                d.to_start = size;
            } else {
                d.without_job = size;
            }
            d.caseload = size;
            let mut rng = stream(pool, 0, 0);
            let mut m = 0;
            while d.to_start + d.without_job > 0 {
                let before = d.without_job;
                let ev = d.step(m, &p, &mut rng);
                let n = if job {
                    ev.total(Event::JobStart)
                } else {
                    before - d.without_job
                };
                lags.extend(std::iter::repeat_n(f64::from(m), n as usize));
                m += 1;
            }
        }
        lags
    }

    #[test]
    fn time_to_job_and_stay_without_job_are_geometric_with_their_means() {
        // Failures before the first success with p = 1/(1 + mean): mean (1 − p)/p, variance
        // (1 − p)/p². Pools of 50 are drawn trial by trial, pools of 400 by rand_distr at first.
        for job in [true, false] {
            for mean in [0.4, 2.3, 9.0, 40.0] {
                for (pools, size) in [(400, 50), (50, 400)] {
                    let xs = lags(mean, pools, size, job);
                    assert_eq!(xs.len(), (pools * size) as usize);
                    let p = 1.0 / (1.0 + mean);
                    let (m, se_m, v, se_v) = moments(&xs);
                    let what = if job { "time to job" } else { "stay" };
                    assert!(
                        (m - (1.0 - p) / p).abs() < 4.0 * se_m,
                        "{what}, mean {mean}: sample mean {m} ± {se_m}"
                    );
                    assert!(
                        (v - (1.0 - p) / (p * p)).abs() < 4.0 * se_v,
                        "{what}, mean {mean}: sample variance {v} ± {se_v}"
                    );
                }
            }
            // A mean of 0: no wait at all.
            assert!(lags(0.0, 10, 30, job).iter().all(|&x| x == 0.0));
        }
    }
}
