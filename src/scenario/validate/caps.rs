//! `[[caps]]`: limits on money or count over the tariffs they cover, attached to those tariffs'
//! lines.

use super::*;
use crate::span::{FieldPath, Target};

impl Validator<'_, '_> {
    /// `[[caps]]`: resolve the tariffs each covers and attach the cap to their lines.
    pub(super) fn caps(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        tariffs: &mut [TariffLine],
    ) -> Vec<Cap> {
        let mut out = Vec::new();
        for (i, c) in raw.caps.iter().enumerate() {
            let cp = FieldPath::root().key("caps").index(i);
            if !valid_id(&c.name) {
                self.err(
                    &cp.key("name"),
                    Target::Value,
                    format!("cap name \"{}\" is not an identifier", c.name),
                    ID_RULE,
                );
            } else if raw.caps[..i].iter().any(|o| o.name == c.name) {
                self.err(
                    &cp.key("name"),
                    Target::Value,
                    format!("cap name \"{}\" is used twice", c.name),
                    "expected a name unique among caps",
                );
            }
            let per = match c.per.as_str() {
                "contract" => Some(CapScope::Contract),
                "site" => Some(CapScope::Site),
                "site_year" => Some(CapScope::SiteYear),
                other => {
                    self.err(&cp.key("per"), Target::Value, format!("unknown scope \"{other}\""), "expected \"contract\" (all sites, whole horizon), \"site\" (each site) or \"site_year\" (each site, each 12 months from its start)");
                    None
                }
            };
            let limit = match (c.money, c.count) {
                (Some(m), None) if m.is_finite() && m > 0.0 && m <= MAX_MONEY => {
                    Some(Limit::Money(m))
                }
                (Some(m), None) => {
                    self.err(
                        &cp.key("money"),
                        Target::Value,
                        format!("cap of £{}", fmt_num(m)),
                        format!(
                            "expected an amount in £ above 0 and up to {}",
                            fmt_num(MAX_MONEY)
                        ),
                    );
                    None
                }
                (None, Some(n)) if n >= 1 => Some(Limit::Events(n as u64)),
                (None, Some(n)) => {
                    self.err(
                        &cp.key("count"),
                        Target::Value,
                        format!("cap of {n} events"),
                        "expected a whole number of events ≥ 1",
                    );
                    None
                }
                (Some(_), Some(_)) => {
                    self.err(
                        &cp.key("count"),
                        Target::Key,
                        "both money and count are given",
                        "expected one cap per [[caps]] entry: money = £ or count = events",
                    );
                    None
                }
                (None, None) => {
                    self.err(
                        &cp,
                        Target::Key,
                        "the cap has no limit",
                        "expected money = £ or count = events",
                    );
                    None
                }
            };
            // The tariff lines covered: every line of the rules named, or every line the payer pays.
            let covered: Option<Vec<usize>> = match (&c.rules, &c.payer) {
                (Some(rules), None) => {
                    let mut v = Vec::new();
                    for (k, name) in rules.iter().enumerate() {
                        let rule = self.rules.iter().position(|r| r == name);
                        match rule {
                            Some(r) if tariffs.iter().any(|t| t.rule == r) => {
                                v.extend((0..tariffs.len()).filter(|&i| tariffs[i].rule == r))
                            }
                            Some(_) if raw.blocks.iter().any(|b| &b.name == name) => self.err(
                                &cp.key("rules").index(k),
                                Target::Value,
                                format!("\"{name}\" is a block"),
                                "expected tariff names: caps limit what tariffs pay, not blocks",
                            ),
                            _ if raw.tariffs.iter().any(|t| &t.name == name) => {}
                            _ => self.err(
                                &cp.key("rules").index(k),
                                Target::Value,
                                format!("\"{name}\" is not a tariff"),
                                "expected the names of [[tariffs]] entries",
                            ),
                        }
                    }
                    if rules.is_empty() {
                        self.err(
                            &cp.key("rules"),
                            Target::Value,
                            "the list of rules is empty",
                            "expected at least one tariff name",
                        );
                    }
                    Some(v)
                }
                (None, Some(payer)) => self
                    .party_index(parties, payer, &cp.key("payer"), None)
                    .map(|p| {
                        (0..tariffs.len())
                            .filter(|&i| tariffs[i].payer == p)
                            .collect()
                    }),
                (Some(_), Some(_)) => {
                    self.err(
                        &cp.key("payer"),
                        Target::Key,
                        "both rules and payer are given",
                        "expected either rules = [tariff names] or payer = a party id",
                    );
                    None
                }
                (None, None) => {
                    self.err(
                        &cp,
                        Target::Key,
                        "the cap covers nothing",
                        "expected rules = [tariff names] or payer = a party id",
                    );
                    None
                }
            };
            let (Some(per), Some(limit), Some(covered)) = (per, limit, covered) else {
                continue;
            };
            // A refused site or tariff has no lines: the payer may pay tariffs there.
            let knock_on = self.sites_dropped || self.tariffs_refused;
            if covered.is_empty() && c.payer.is_some() && !knock_on {
                self.err(
                    &cp.key("payer"),
                    Target::Value,
                    format!(
                        "\"{}\" pays no tariff",
                        c.payer.as_deref().unwrap_or_default()
                    ),
                    "expected a party that pays at least one tariff",
                );
                continue;
            }
            if let Limit::Money(m) = limit {
                if let Some(t) = covered
                    .iter()
                    .map(|&i| &tariffs[i])
                    .find(|t| t.pricing.first() > m)
                {
                    self.err(
                        &cp.key("money"),
                        Target::Value,
                        format!(
                            "a cap of £{} is smaller than one payment of £{} under tariff \"{}\"",
                            fmt_num(m),
                            fmt_num(t.pricing.first()),
                            self.rules[t.rule]
                        ),
                        "expected a cap of at least one payment",
                    );
                    continue;
                }
            }
            if let Limit::Events(_) = limit {
                // First come, first served: with different prices under one count cap, an extra
                // cheap event could crowd out a dearer one and payments fall as events rise.
                let lines: Vec<&TariffLine> = covered.iter().map(|&i| &tariffs[i]).collect();
                let prices: Vec<&Pricing> = lines.iter().map(|t| &t.pricing).collect();
                let one_rule = lines.iter().all(|t| t.rule == lines[0].rule);
                // Tier ordinals are per site: a contract-wide count cap over a tiered tariff at
                // several sites has the same problem across sites.
                let one_site = lines.iter().all(|t| t.site == lines[0].site);
                let tiered = prices.iter().any(|p| matches!(p, Pricing::Tiers(_)));
                let mixed = prices.windows(2).any(|w| w[0] != w[1]);
                if (!one_rule && (mixed || tiered))
                    || (tiered && !one_site && per == CapScope::Contract)
                {
                    self.err(
                        &cp.key("count"),
                        Target::Key,
                        "a count cap covers tariffs that pay different amounts, or tiers counted per site",
                        "expected a count cap on one tariff (per site or site_year if it is tiered and at several sites), or on tariffs with the same flat amount; use a money cap across tariffs with different amounts",
                    );
                    continue;
                }
            }
            let index = out.len();
            for &i in &covered {
                tariffs[i].caps.push(index);
            }
            out.push(Cap {
                name: c.name.clone(),
                per,
                limit,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;

    #[test]
    fn a_cap_is_attached_to_the_tariffs_it_covers() {
        let model = accept(&with(
            "[[caps]]\nname = \"engagement_money\"\nrules = [\"per_engagement\"]\nper = \"contract\"\nmoney = 6000\n",
        ));
        assert_eq!(model.caps.len(), 1);
        assert_eq!(model.caps[0].name, "engagement_money");
        assert_eq!(model.tariffs[0].caps, [0]);
    }

    #[test]
    fn a_cap_on_an_unknown_rule_or_without_a_limit_is_refused() {
        assert_eq!(
            refuse(&with("[[caps]]\nname = \"c\"\nrules = [\"per_job\"]\nper = \"contract\"\nmoney = 6000\n")),
            ["unit.toml:51:10: caps[0].rules[0]: \"per_job\" is not a tariff; expected the names of [[tariffs]] entries"]
        );
        assert_eq!(
            refuse(&with("[[caps]]\nname = \"c\"\nrules = [\"per_engagement\"]\nper = \"contract\"\n")),
            ["unit.toml:49:1: caps[0]: the cap has no limit; expected money = £ or count = events"]
        );
    }
}
