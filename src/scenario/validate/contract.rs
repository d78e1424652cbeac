//! `[[tariffs]]`: payment rules per event — payer and payee (a party or the site's own), pricing
//! (flat or tiered), threshold, window, lag, pass-through, rule set and the sites they apply to —
//! and the helpers every rule shares (rule names, party references, site lists, amounts).

use super::*;
use crate::span::{FieldPath, Target};

/// A party reference as written in a tariff or block.
pub(super) enum PartyRef {
    Party(usize),
    SiteCommissioner,
    SiteProvider,
}

impl Validator<'_, '_> {
    pub(super) fn party_ref(
        &mut self,
        who: Option<&String>,
        what: &str,
        parties: &[Party],
        path: &FieldPath,
    ) -> Option<PartyRef> {
        let Some(who) = who else {
            self.err(
                path,
                Target::Key,
                format!("{what} is missing"),
                format!("expected {what} = a party id, \"site.commissioner\" or \"site.provider\""),
            );
            return None;
        };
        match who.as_str() {
            "site.commissioner" => Some(PartyRef::SiteCommissioner),
            "site.provider" => Some(PartyRef::SiteProvider),
            id => self
                .party_index(parties, id, &path.key(what), None)
                .map(PartyRef::Party),
        }
    }

    pub(super) fn rule_name(&mut self, name: &str, path: &FieldPath) -> usize {
        if !valid_id(name) {
            self.err(
                &path.key("name"),
                Target::Value,
                format!("rule name \"{name}\" is not an identifier"),
                ID_RULE,
            );
        } else if self.rules.iter().any(|r| r == name) {
            self.err(
                &path.key("name"),
                Target::Value,
                format!("rule name \"{name}\" is used twice"),
                "expected a name unique among tariffs and blocks",
            );
        }
        self.rules.push(name.to_string());
        self.rules.len() - 1
    }

    pub(super) fn resolve(r: &PartyRef, site: &Site) -> usize {
        match r {
            PartyRef::Party(i) => *i,
            PartyRef::SiteCommissioner => site.commissioner,
            PartyRef::SiteProvider => site.provider,
        }
    }

    /// The index of site `name` among the valid `sites`; an error if no such site is defined
    /// (a site that is defined but invalid has had its own errors reported already).
    pub(super) fn site_index(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        name: &str,
        path: &FieldPath,
    ) -> Option<usize> {
        let found = sites.iter().position(|s| s.id == name);
        if found.is_none() && !raw.sites.contains_key(name) {
            let known: Vec<&str> = raw.sites.keys().map(String::as_str).collect();
            self.err(
                path,
                Target::Value,
                format!("site \"{name}\" is not defined"),
                format!("expected one of the [sites] ids: {}", known.join(", ")),
            );
        }
        found
    }

    pub(super) fn amount(&mut self, amount: f64, path: &FieldPath) -> bool {
        if amount.is_finite() && (0.0..=MAX_MONEY).contains(&amount) {
            return true;
        }
        self.err(
            &path.key("amount"),
            Target::Value,
            format!("amount {} is not a payment", fmt_num(amount)),
            format!("expected an amount in £ from 0 to {}", fmt_num(MAX_MONEY)),
        );
        false
    }

    /// The sites a rule or variation applies to: all, or those listed (each once, each defined).
    pub(super) fn site_list(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        list: Option<&Vec<String>>,
        path: &FieldPath,
        what: &str,
    ) -> Vec<usize> {
        let Some(list) = list else {
            return (0..sites.len()).collect();
        };
        if list.is_empty() {
            self.err(
                &path.key("sites"),
                Target::Value,
                "the list of sites is empty",
                format!("expected at least one site id, or no `sites` field to apply the {what} at every site"),
            );
        }
        let mut v = Vec::new();
        for (k, name) in list.iter().enumerate() {
            let at = path.key("sites").index(k);
            match self.site_index(raw, sites, name, &at) {
                Some(j) if v.contains(&j) => self.err(
                    &at,
                    Target::Value,
                    format!("site \"{name}\" is listed twice"),
                    "expected each site once",
                ),
                Some(j) => v.push(j),
                None => {}
            }
        }
        v
    }

    /// The index of a rule set by name, creating it on first use (`"base"` is index 0).
    pub(super) fn rule_set(&mut self, name: Option<&String>, path: &FieldPath) -> usize {
        let Some(name) = name else { return 0 };
        if !valid_id(name) {
            self.err(
                &path.key("rule_set"),
                Target::Value,
                format!("rule set \"{name}\" is not an identifier"),
                ID_RULE,
            );
        }
        match self.rule_sets.iter().position(|r| r == name) {
            Some(i) => i,
            None => {
                self.rule_sets.push(name.clone());
                self.rule_sets.len() - 1
            }
        }
    }

    pub(super) fn pricing(&mut self, t: &RawTariff, path: &FieldPath) -> Option<Pricing> {
        match (t.amount, &t.tiers) {
            (Some(a), None) => self.amount(a, path).then_some(Pricing::Flat(a)),
            (None, Some(tiers)) => {
                let tp = path.key("tiers");
                let valid = "expected tiers like [{ up_to = 20, amount = 3850 }, { amount = 1600 }]: every tier but the last with `up_to`, strictly increasing, the last without";
                if tiers.is_empty() {
                    self.err(&tp, Target::Value, "the list of tiers is empty", valid);
                    return None;
                }
                let mut out = Vec::new();
                let mut last_up = 0i64;
                let mut ok = true;
                for (k, tier) in tiers.iter().enumerate() {
                    let kp = tp.index(k);
                    ok &= self.amount(tier.amount, &kp);
                    let is_last = k + 1 == tiers.len();
                    match (tier.up_to, is_last) {
                        (Some(u), false) if u > last_up => {
                            last_up = u;
                            out.push((Some(u as u64), tier.amount));
                        }
                        (Some(u), false) => {
                            self.err(
                                &kp.key("up_to"),
                                Target::Value,
                                format!(
                                    "up_to {u} does not increase on the tier before ({last_up})"
                                ),
                                valid,
                            );
                            ok = false;
                        }
                        (None, false) => {
                            self.err(
                                &kp,
                                Target::Value,
                                "only the last tier may leave out up_to",
                                valid,
                            );
                            ok = false;
                        }
                        (Some(u), true) => {
                            self.err(
                                &kp.key("up_to"),
                                Target::Value,
                                format!("the last tier ends at {u}"),
                                format!("{valid} (to stop paying after {u} events, use a [[caps]] count)"),
                            );
                            ok = false;
                        }
                        (None, true) => out.push((None, tier.amount)),
                    }
                }
                ok.then_some(Pricing::Tiers(out))
            }
            (Some(_), Some(_)) => {
                self.err(
                    &path.key("tiers"),
                    Target::Key,
                    "both amount and tiers are given",
                    "expected either amount (a flat tariff) or tiers",
                );
                None
            }
            (None, None) => {
                self.err(
                    path,
                    Target::Key,
                    "the tariff has no amount",
                    "expected amount = £ per event, or tiers = [...]",
                );
                None
            }
        }
    }

    pub(super) fn tariffs(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        sites: &[Site],
        settings: &Settings,
    ) -> Vec<TariffLine> {
        let mut out = Vec::new();
        for (i, t) in raw.tariffs.iter().enumerate() {
            let tp = FieldPath::root().key("tariffs").index(i);
            let rule = self.rule_name(&t.name, &tp);
            let payer = self.party_ref(t.payer.as_ref(), "payer", parties, &tp);
            let payee = self.party_ref(t.payee.as_ref(), "payee", parties, &tp);
            let event = Event::parse(&t.event);
            if event.is_none() {
                self.err(
                    &tp.key("event"),
                    Target::Value,
                    format!("unknown event \"{}\"", t.event),
                    format!("expected one of: {}", Event::NAMES.join(", ")),
                );
            }
            let band = match (&t.band, event) {
                (None, _) => None,
                (Some(b), ev) => {
                    let band = Band::parse(b);
                    if band.is_none() {
                        self.err(
                            &tp.key("band"),
                            Target::Value,
                            format!("unknown hours band \"{b}\""),
                            "expected \"lt16\" (under 16 hours a week) or \"ge16\" (16 or more)",
                        );
                    } else if ev.is_some_and(|e| !e.has_band()) {
                        self.err(
                            &tp.key("band"),
                            Target::Value,
                            format!("the event {} has no hours band", t.event),
                            "expected no band, or an event that is a job start or sustainment",
                        );
                    }
                    band
                }
            };
            let pricing = self.pricing(t, &tp);
            let threshold = match t.threshold {
                None => Some(0),
                Some(n) if n >= 0 => Some(n as u64),
                Some(n) => {
                    self.err(
                        &tp.key("threshold"),
                        Target::Value,
                        format!("threshold {n} is negative"),
                        "expected the whole number of events at a site that are not paid, ≥ 0",
                    );
                    None
                }
            };
            let from = match &t.from {
                None => Some(0),
                Some(m) => self.month(m, settings, &tp.key("from")),
            };
            let to = match &t.to {
                None => Some(settings.horizon - 1),
                Some(m) => self.month(m, settings, &tp.key("to")),
            };
            if let (Some(a), Some(b)) = (from, to) {
                if b < a {
                    self.err(
                        &tp.key("to"),
                        Target::Value,
                        "the window ends before it starts",
                        "expected to ≥ from (both inclusive)",
                    );
                }
            }
            let lag = match t.lag.as_deref() {
                None | Some("none") => Some(Lag::None),
                Some("monthly") => Some(Lag::Monthly),
                Some("quarterly") => Some(Lag::Quarterly),
                Some(other) => {
                    self.err(
                        &tp.key("lag"),
                        Target::Value,
                        format!("unknown lag \"{other}\""),
                        "expected \"none\" (paid in the month of the event), \"monthly\" or \"quarterly\" (in arrears)",
                    );
                    None
                }
            };
            let pass_through = t.pass_through.as_ref().and_then(|pt| {
                let pp = tp.key("pass_through");
                let to = self.party_index(parties, &pt.to, &pp.key("to"), None);
                if !(0.0..=1.0).contains(&pt.share) {
                    self.err(
                        &pp.key("share"),
                        Target::Value,
                        format!("share {} is not a share", fmt_num(pt.share)),
                        "expected a number from 0 to 1",
                    );
                    return None;
                }
                // Derived from a valid name, so it cannot clash with a rule's own (no dots there).
                self.rules.push(format!("{}.pass_through", t.name));
                let rule = self.rules.len() - 1;
                to.map(|to| PassThrough {
                    to,
                    share: pt.share,
                    rule,
                })
            });
            let rule_set = self.rule_set(t.rule_set.as_ref(), &tp);
            let applies = self.site_list(raw, sites, t.sites.as_ref(), &tp, "tariff");
            let (Some(payer), Some(payee), Some(event), Some(pricing), Some(threshold)) =
                (payer, payee, event, pricing, threshold)
            else {
                continue;
            };
            let (Some(from), Some(to), Some(lag)) = (from, to, lag) else {
                continue;
            };
            if t.pass_through.is_some() && pass_through.is_none() {
                continue;
            }
            // A tariff on 13-week sustainments at a site that draws none would silently pay
            // nothing in every trial.
            if event == Event::Sustain13w {
                if let Some(&s) = applies.iter().find(|&&s| !sites[s].sustain_13w) {
                    self.err(
                        &tp.key("event"),
                        Target::Value,
                        format!(
                            "sustain_13w is paid at site {} but the site sets no p_13w, so it has no 13-week sustainments",
                            sites[s].id
                        ),
                        "expected delivery.p_13w in that site, or sites = [...] without it",
                    );
                    continue;
                }
            }
            for &s in &applies {
                let (a, b) = (
                    Self::resolve(&payer, &sites[s]),
                    Self::resolve(&payee, &sites[s]),
                );
                if a == b {
                    self.err(
                        &tp.key("payee"),
                        Target::Value,
                        format!(
                            "at site {} the payer and payee are both \"{}\"",
                            sites[s].id, parties[a].id
                        ),
                        "expected a payment between two different parties",
                    );
                    break;
                }
                if pass_through.is_some_and(|pt| pt.to == b) {
                    self.err(
                        &tp.key("pass_through").key("to"),
                        Target::Value,
                        format!("the payee \"{}\" would pass money to itself", parties[b].id),
                        "expected a party other than the tariff's payee",
                    );
                    break;
                }
                out.push(TariffLine {
                    rule,
                    site: s,
                    payer: a,
                    payee: b,
                    event,
                    band,
                    pricing: pricing.clone(),
                    threshold,
                    from,
                    to,
                    lag,
                    pass_through,
                    rule_set,
                    caps: Vec::new(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn a_tiered_tariff_with_a_window_and_lag_is_read() {
        let model = accept(&with(
            "[[tariffs]]\nname = \"job_start\"\npayer = \"council\"\npayee = \"charity\"\n\
             event = \"job_start\"\nband = \"ge16\"\ntiers = [{ up_to = 20, amount = 3850 }, { amount = 1600 }]\n\
             from = \"2030-04\"\nlag = \"quarterly\"\n",
        ));
        let t = &model.tariffs[1];
        assert_eq!(model.rules[t.rule], "job_start");
        assert_eq!(
            (t.event, t.band, t.from, t.lag),
            (Event::JobStart, Some(Band::Ge16), 3, Lag::Quarterly)
        );
        assert!(
            matches!(&t.pricing, Pricing::Tiers(v) if v == &[(Some(20), 3850.0), (None, 1600.0)])
        );
    }

    #[test]
    fn tariff_problems_are_each_refused() {
        assert_eq!(refuse(&edit("amount = 100", "amount = 100\nlag = \"yearly\"")), ["unit.toml:48:7: tariffs[0].lag: unknown lag \"yearly\"; expected \"none\" (paid in the month of the event), \"monthly\" or \"quarterly\" (in arrears)"]);
        assert_eq!(
            refuse(&edit("amount = 100", "tiers = [{ up_to = 20, amount = 5 }, { up_to = 10, amount = 1 }]")),
            ["unit.toml:47:48: tariffs[0].tiers[1].up_to: the last tier ends at 10; expected tiers like [{ up_to = 20, amount = 3850 }, { amount = 1600 }]: every tier but the last with `up_to`, strictly increasing, the last without (to stop paying after 10 events, use a [[caps]] count)"]
        );
        assert_eq!(refuse(&edit(r#"payee = "site.provider""#, r#"payee = "site.commissioner""#)), ["unit.toml:45:9: tariffs[0].payee: at site only the payer and payee are both \"council\"; expected a payment between two different parties"]);
        assert_eq!(refuse(&edit(r#"name = "per_engagement""#, r#"name = "per engagement""#)), ["unit.toml:43:8: tariffs[0].name: rule name \"per engagement\" is not an identifier; expected an identifier of letters, digits, '_' or '-' (it becomes part of metric names)"]);
    }
}
