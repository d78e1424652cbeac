//! `sibsim pay`: settle given event counts at one site in one month, deterministically, under the
//! rules in force there and then — the contract's arithmetic without any simulation.
//!
//! Counts are claims (for sustainments: evidenced ones). Tiers, thresholds and caps see the events
//! as the first ones at the site, unless prior counts say how many came before: those are settled
//! first, silently, so that the shown payments continue from them. Lags are ignored (the payments a
//! month's events earn are shown, whenever they would be made), and blocks are not included — nor
//! therefore a block's on-account base: they fall due on their months whatever happens.

use crate::engine::delivery::MonthEvents;
use crate::engine::settlement::{Contract, Ledger};
use crate::error::Error;
use crate::scenario::{Band, Event, Model};
use crate::{Money, Month};

/// Most events one `--count` or `--prior` may give: 10¹⁵. The counts of an event (both bands, and
/// the prior ones before them) are added together, and at most six of them stay below 2⁵³, so every
/// sum is exact in the settlement's whole numbers and in the `f64` money it multiplies — where
/// counts near 2⁶⁴ would wrap round and pay £0.
pub const MAX_PAY_COUNT: u64 = 1_000_000_000_000_000;

/// Event counts by event and band, as given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// (event, band or none, count), in the order given.
    pub entries: Vec<(Event, Option<Band>, u64)>,
}

impl Counts {
    /// Parse `EVENT[:BAND]=N`, e.g. `engagement=40` or `sustain_6w:ge16=4`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming `option` and what would be valid.
    pub fn add(&mut self, option: &str, text: &str) -> Result<(), Error> {
        let bad = |problem: String| {
            Error::InvalidOption {
            option: option.to_string(),
            problem,
            valid: format!(
                "expected EVENT[:BAND]=N with EVENT one of {}, BAND lt16 or ge16 (job starts and sustainments only), N a whole number from 0 to 10^15",
                Event::NAMES.join(", ")
            ),
        }
        };
        let (key, n) = text
            .split_once('=')
            .ok_or_else(|| bad(format!("\"{text}\" has no '='")))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| bad(format!("\"{}\" is not a whole number", n.trim())))?;
        if n > MAX_PAY_COUNT {
            return Err(bad(format!(
                "{n} is more events than can be settled exactly"
            )));
        }
        let (event, band) = match key.split_once(':') {
            Some((e, b)) => (e, Some(b)),
            None => (key, None),
        };
        let event = Event::parse(event.trim())
            .ok_or_else(|| bad(format!("unknown event \"{}\"", event.trim())))?;
        let band = match band {
            None => None,
            Some(b) => {
                let band = Band::parse(b.trim())
                    .ok_or_else(|| bad(format!("unknown band \"{}\"", b.trim())))?;
                if !event.has_band() {
                    return Err(bad(format!("{} has no hours band", event.name())));
                }
                Some(band)
            }
        };
        if self
            .entries
            .iter()
            .any(|&(e, b, _)| e == event && b == band)
        {
            return Err(bad(format!("{key} is given twice")));
        }
        self.entries.push((event, band, n));
        Ok(())
    }

    /// The counts as one month's events. A banded event given without a band is refused when a
    /// live tariff pays on one band only (it could not tell what to pay).
    fn events(&self, model: &Model, lines: &[usize], option: &str) -> Result<MonthEvents, Error> {
        let mut ev = MonthEvents::default();
        for &(event, band, n) in &self.entries {
            if event.has_band() && band.is_none() {
                if let Some(&i) = lines
                    .iter()
                    .find(|&&i| model.tariffs[i].event == event && model.tariffs[i].band.is_some())
                {
                    let name = event.name();
                    return Err(Error::InvalidOption {
                        option: option.to_string(),
                        problem: format!(
                            "{name} has no band, but tariff \"{}\" pays one band only",
                            model.rules[model.tariffs[i].rule]
                        ),
                        valid: format!("expected {name}:lt16=N and {name}:ge16=N"),
                    });
                }
            }
            ev.add_claims(event, band, n);
        }
        Ok(ev)
    }
}

/// One payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// The payer's party id.
    pub payer: String,
    /// The payee's party id.
    pub payee: String,
    /// The payment rule, as named in [`Model::rules`](crate::scenario::Model::rules).
    pub rule: String,
    /// The amount, £.
    pub amount: Money,
}

/// What `pay` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The site's id.
    pub site: String,
    /// The month settled, `"YYYY-MM"`.
    pub month: String,
    /// The rule set in force at the site that month.
    pub rule_set: String,
    /// Every payment made, in settlement order.
    pub payments: Vec<Payment>,
    /// Total paid by each party id, in the scenario's party order, parties with nothing left out.
    pub by_payer: Vec<(String, Money)>,
    /// Total received by each party id, likewise.
    pub by_payee: Vec<(String, Money)>,
}

/// Settle `counts` at `site` in `month`, after `prior`.
///
/// # Errors
/// [`Error::InvalidOption`] for a band missing where the rules need one.
pub fn settle_counts(
    model: &Model,
    site: usize,
    month: Month,
    counts: &Counts,
    prior: &Counts,
) -> Result<Settlement, Error> {
    let contract = Contract::new(model);
    let lines = contract.live_tariffs(site, month);
    let prior_events = prior.events(model, &lines, "--prior")?;
    let events = counts.events(model, &lines, "--count")?;
    let mut ledger = Ledger::new(model, &contract);
    contract.settle_events_now(model, site, month, &prior_events, &mut ledger);
    ledger.log = Some(Vec::new());
    contract.settle_events_now(model, site, month, &events, &mut ledger);
    let log = ledger.log.take().unwrap_or_default();

    let id = |p: usize| model.parties[p].id.clone();
    let mut by_payer = vec![0.0; model.parties.len()];
    let mut by_payee = vec![0.0; model.parties.len()];
    let payments = log
        .iter()
        .map(|&(payer, payee, rule, amount)| {
            by_payer[payer] += amount;
            by_payee[payee] += amount;
            Payment {
                payer: id(payer),
                payee: id(payee),
                rule: model.rules[rule].clone(),
                amount,
            }
        })
        .collect();
    let totals = |v: Vec<f64>| {
        v.into_iter()
            .enumerate()
            .filter(|&(_, x)| x != 0.0)
            .map(|(p, x)| (id(p), x))
            .collect()
    };
    Ok(Settlement {
        site: model.sites[site].id.clone(),
        month: model.settings.start.plus(month).to_string(),
        rule_set: model.rule_sets[contract.rule_set_in_force(site, month)].clone(),
        payments,
        by_payer: totals(by_payer),
        by_payee: totals(by_payee),
    })
}
