//! Payment rules built in code: per-event tariffs, scheduled blocks and caps, each written as
//! the file format's table so validation checks it as it checks a file.

use super::{month, strings, PartyRef};
use crate::scenario::raw::*;
use crate::scenario::{Band, CapScope, Event, Lag, YearMonth};
use crate::Money;

/// A per-event tariff: by default paid by the site's commissioner to the site's provider, in the
/// month of the event, at every site, over the whole horizon.
#[derive(Debug, Clone)]
pub struct TariffSpec {
    pub(super) raw: RawTariff,
}

impl TariffSpec {
    /// `amount` £ for each `event`.
    pub fn flat(name: impl Into<String>, event: Event, amount: Money) -> Self {
        TariffSpec {
            raw: RawTariff {
                name: name.into(),
                payer: Some(PartyRef::SiteCommissioner.raw()),
                payee: Some(PartyRef::SiteProvider.raw()),
                event: event.name().into(),
                amount: Some(amount),
                ..RawTariff::default()
            },
        }
    }

    /// £ per event by cumulative count at the site: `(Some(up_to), amount)` for every tier but
    /// the last, `(None, amount)` for the last (e.g. `[(Some(20), 3850.0), (None, 1600.0)]`).
    pub fn tiered(name: impl Into<String>, event: Event, tiers: &[(Option<u64>, Money)]) -> Self {
        let mut t = TariffSpec::flat(name, event, 0.0);
        t.raw.amount = None;
        t.raw.tiers = Some(
            tiers
                .iter()
                .map(|&(up_to, amount)| RawTier {
                    up_to: up_to.map(|u| i64::try_from(u).unwrap_or(i64::MAX)),
                    amount,
                })
                .collect(),
        );
        t
    }

    /// Who pays (default: the site's commissioner).
    pub fn payer(mut self, p: impl Into<PartyRef>) -> Self {
        self.raw.payer = Some(p.into().raw());
        self
    }

    /// Who is paid (default: the site's provider).
    pub fn payee(mut self, p: impl Into<PartyRef>) -> Self {
        self.raw.payee = Some(p.into().raw());
        self
    }

    /// Only events in this hours band.
    pub fn band(mut self, band: Band) -> Self {
        self.raw.band = Some(band.name().into());
        self
    }

    /// Nothing is paid for the first `events` events at a site.
    pub fn threshold(mut self, events: u64) -> Self {
        self.raw.threshold = Some(i64::try_from(events).unwrap_or(i64::MAX));
        self
    }

    /// Live from `first` to `last` (inclusive).
    pub fn window(mut self, first: YearMonth, last: YearMonth) -> Self {
        self.raw.from = Some(month(first));
        self.raw.to = Some(month(last));
        self
    }

    /// When it is paid (default: in the month of the event).
    pub fn lag(mut self, lag: Lag) -> Self {
        self.raw.lag = Some(
            match lag {
                Lag::None => "none",
                Lag::Monthly => "monthly",
                Lag::Quarterly => "quarterly",
            }
            .into(),
        );
        self
    }

    /// The payee passes `share` of each payment on to party `to`.
    pub fn pass_through(mut self, to: &str, share: f64) -> Self {
        self.raw.pass_through = Some(RawPassThrough {
            to: to.into(),
            share,
        });
        self
    }

    /// The rule set the tariff belongs to (default `"base"`).
    pub fn rule_set(mut self, name: &str) -> Self {
        self.raw.rule_set = Some(name.into());
        self
    }

    /// Only at these sites (default: all).
    pub fn sites(mut self, sites: &[&str]) -> Self {
        self.raw.sites = strings(sites);
        self
    }
}

/// A fixed payment for one site on given months: by default from the site's commissioner to the
/// site's provider.
#[derive(Debug, Clone)]
pub struct BlockSpec {
    pub(super) raw: RawBlock,
}

impl BlockSpec {
    /// `amount` £ for `site`, paid at the start of each month in `months`.
    pub fn new(
        name: impl Into<String>,
        site: &str,
        amount: Money,
        months: impl IntoIterator<Item = YearMonth>,
    ) -> Self {
        BlockSpec {
            raw: RawBlock {
                name: name.into(),
                payer: Some(PartyRef::SiteCommissioner.raw()),
                payee: Some(PartyRef::SiteProvider.raw()),
                site: site.into(),
                amount,
                months: RawMonths::List(months.into_iter().map(month).collect()),
                ..RawBlock::default()
            },
        }
    }

    /// Who pays (default: the site's commissioner).
    pub fn payer(mut self, p: impl Into<PartyRef>) -> Self {
        self.raw.payer = Some(p.into().raw());
        self
    }

    /// Who is paid (default: the site's provider).
    pub fn payee(mut self, p: impl Into<PartyRef>) -> Self {
        self.raw.payee = Some(p.into().raw());
        self
    }

    /// Each payment stands for the first `events` events tariff `tariff` would pay until the next.
    pub fn on_account_of(mut self, tariff: &str, events: u64) -> Self {
        self.raw.on_account_of = Some(RawOnAccount {
            tariff: tariff.into(),
            events: i64::try_from(events).unwrap_or(i64::MAX),
            until: None,
        });
        self
    }

    /// The last month that the base of [`BlockSpec::on_account_of`] covers; what is left of it
    /// after that lapses. Call after `on_account_of` (without it, this does nothing).
    pub fn until(mut self, last: YearMonth) -> Self {
        if let Some(oa) = &mut self.raw.on_account_of {
            oa.until = Some(month(last));
        }
        self
    }

    /// The rule set the block belongs to (default `"base"`).
    pub fn rule_set(mut self, name: &str) -> Self {
        self.raw.rule_set = Some(name.into());
        self
    }
}

/// A cap on what some tariffs pay, in money or in events.
#[derive(Debug, Clone)]
pub struct CapSpec {
    pub(super) raw: RawCap,
}

impl CapSpec {
    /// At most `money` £ paid by the tariffs named in `rules`, per `per`.
    pub fn money(name: impl Into<String>, per: CapScope, money: Money, rules: &[&str]) -> Self {
        CapSpec {
            raw: RawCap {
                name: name.into(),
                rules: strings(rules),
                per: scope_name(per).into(),
                money: Some(money),
                ..RawCap::default()
            },
        }
    }

    /// At most `count` events paid by the tariffs named in `rules`, per `per`.
    pub fn count(name: impl Into<String>, per: CapScope, count: u64, rules: &[&str]) -> Self {
        CapSpec {
            raw: RawCap {
                name: name.into(),
                rules: strings(rules),
                per: scope_name(per).into(),
                count: Some(i64::try_from(count).unwrap_or(i64::MAX)),
                ..RawCap::default()
            },
        }
    }

    /// Cover every tariff party `payer` pays, instead of named rules.
    pub fn payer(mut self, payer: &str) -> Self {
        self.raw.rules = None;
        self.raw.payer = Some(payer.into());
        self
    }
}

fn scope_name(s: CapScope) -> &'static str {
    match s {
        CapScope::Contract => "contract",
        CapScope::Site => "site",
        CapScope::SiteYear => "site_year",
    }
}
