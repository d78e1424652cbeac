//! `[[blocks]]`: scheduled fixed payments, optionally on account of a tariff's events; and
//! `[[variations]]`, which switch sites to another rule set from a month.

use super::*;
use crate::span::{FieldPath, Target};
use crate::Month;

impl Validator<'_, '_> {
    pub(super) fn variations(
        &mut self,
        raw: &RawScenario,
        sites: &[Site],
        settings: &Settings,
    ) -> Vec<Variation> {
        let mut out: Vec<Variation> = Vec::new();
        for (i, v) in raw.variations.iter().enumerate() {
            let vp = FieldPath::root().key("variations").index(i);
            let from = self.month(&v.from, settings, &vp.key("from"));
            let rule_set = self.rule_sets.iter().position(|r| *r == v.rule_set);
            if rule_set.is_none() {
                self.err(
                    &vp.key("rule_set"),
                    Target::Value,
                    format!("no tariff or block belongs to rule set \"{}\"", v.rule_set),
                    format!(
                        "expected one of the rule sets in use: {}",
                        self.rule_sets.join(", ")
                    ),
                );
            }
            let applies = self.site_list(raw, sites, v.sites.as_ref(), &vp, "variation");
            let (Some(from), Some(rule_set)) = (from, rule_set) else {
                continue;
            };
            if let Some(s) = applies
                .iter()
                .find(|&&s| out.iter().any(|o| o.from == from && o.sites.contains(&s)))
            {
                self.err(
                    &vp.key("from"),
                    Target::Value,
                    format!(
                        "site {} already has a variation from {}",
                        sites[*s].id, v.from
                    ),
                    "expected at most one variation per site and month",
                );
                continue;
            }
            out.push(Variation {
                from,
                rule_set,
                sites: applies,
            });
        }
        out
    }

    pub(super) fn blocks(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        sites: &[Site],
        settings: &Settings,
        tariffs: &[TariffLine],
    ) -> Vec<Block> {
        let mut out = Vec::new();
        for (i, b) in raw.blocks.iter().enumerate() {
            let bp = FieldPath::root().key("blocks").index(i);
            let rule = self.rule_name(&b.name, &bp);
            let payer = self.party_ref(b.payer.as_ref(), "payer", parties, &bp);
            let payee = self.party_ref(b.payee.as_ref(), "payee", parties, &bp);
            let site = self.site_index(raw, sites, &b.site, &bp.key("site"));
            let amount_ok = self.amount(b.amount, &bp);
            if b.months.is_empty() {
                self.err(
                    &bp.key("months"),
                    Target::Value,
                    "no months are listed",
                    "expected at least one \"YYYY-MM\" month when the block falls due",
                );
            }
            let months: Vec<Option<Month>> = b
                .months
                .iter()
                .enumerate()
                .map(|(k, m)| self.month(m, settings, &bp.key("months").index(k)))
                .collect();
            for (k, m) in b.months.iter().enumerate() {
                if b.months[..k].contains(m) {
                    self.err(
                        &bp.key("months").index(k),
                        Target::Value,
                        format!("{m} is listed twice"),
                        "expected each month once (use a larger amount to pay more in one month)",
                    );
                }
            }
            let (Some(payer), Some(payee), Some(site), true) = (payer, payee, site, amount_ok)
            else {
                continue;
            };
            let (a, c) = (
                Self::resolve(&payer, &sites[site]),
                Self::resolve(&payee, &sites[site]),
            );
            if a == c {
                self.err(
                    &bp.key("payee"),
                    Target::Value,
                    format!("the payer and payee are both \"{}\"", parties[a].id),
                    "expected a payment between two different parties",
                );
                continue;
            }
            let rule_set = self.rule_set(b.rule_set.as_ref(), &bp);
            let on_account = match &b.on_account_of {
                None => None,
                Some(oa) => {
                    let Some(line) = self.on_account(oa, tariffs, site, (a, c), &bp) else {
                        continue;
                    };
                    Some(line)
                }
            };
            if months.iter().all(Option::is_some) {
                out.push(Block {
                    rule,
                    site,
                    payer: a,
                    payee: c,
                    amount: b.amount,
                    months: months.into_iter().flatten().collect(),
                    on_account,
                    rule_set,
                });
            }
        }
        out
    }

    /// Resolve a block's `on_account_of`: the tariff must apply at the block's site with the same
    /// payer and payee (a block on account is an advance of that tariff's payments).
    pub(super) fn on_account(
        &mut self,
        oa: &RawOnAccount,
        tariffs: &[TariffLine],
        site: usize,
        (payer, payee): (usize, usize),
        path: &FieldPath,
    ) -> Option<OnAccount> {
        let path = path.key("on_account_of");
        if oa.events < 1 {
            self.err(
                &path.key("events"),
                Target::Value,
                format!("{} events", oa.events),
                "expected the whole number of events the block pays for in advance, ≥ 1",
            );
            return None;
        }
        let rules = &self.rules;
        let rule = rules.iter().position(|r| *r == oa.tariff);
        let line = tariffs
            .iter()
            .position(|t| Some(t.rule) == rule && t.site == site);
        let Some(line) = line else {
            let problem = if rule.is_some_and(|r| tariffs.iter().any(|t| t.rule == r)) {
                format!(
                    "tariff \"{}\" does not apply at this block's site",
                    oa.tariff
                )
            } else {
                format!("\"{}\" is not a tariff", oa.tariff)
            };
            let names: Vec<String> = tariffs
                .iter()
                .filter(|t| t.site == site)
                .map(|t| rules[t.rule].clone())
                .collect();
            self.err(
                &path.key("tariff"),
                Target::Value,
                problem,
                format!(
                    "expected the name of a tariff that applies at the block's site: {}",
                    names.join(", ")
                ),
            );
            return None;
        };
        if (tariffs[line].payer, tariffs[line].payee) != (payer, payee) {
            self.err(
                &path.key("tariff"),
                Target::Value,
                format!(
                    "tariff \"{}\" is paid by a different party, or to a different party, than the block",
                    oa.tariff
                ),
                "expected a tariff with the block's own payer and payee (the block pays it in advance)",
            );
            return None;
        }
        Some(OnAccount {
            tariff: line,
            events: oa.events as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;

    const BLOCK: &str =
        "[[blocks]]\nname = \"mobilisation\"\npayer = \"council\"\npayee = \"charity\"\n\
                         site = \"only\"\namount = 5000\nmonths = [\"2030-01\", \"2030-07\"]\n";

    #[test]
    fn blocks_on_account_and_variations_are_read() {
        let on_account = BLOCK.replace(
            "months = [\"2030-01\", \"2030-07\"]",
            "months = [\"2030-01\", \"2030-07\"]\non_account_of = { tariff = \"per_engagement\", events = 20 }\nrule_set = \"reset\"",
        );
        let model = accept(&with(&format!(
            "{on_account}\n[[variations]]\nfrom = \"2031-01\"\nrule_set = \"reset\"\n"
        )));
        assert_eq!(model.rules, ["per_engagement", "mobilisation"]);
        assert_eq!(model.blocks.len(), 1);
        assert_eq!(model.rule_sets, ["base", "reset"]);
        assert_eq!(model.rule_set_at(0, 11), 0);
        assert_eq!(model.rule_set_at(0, 12), 1);
    }

    #[test]
    fn a_month_paid_twice_and_an_unused_rule_set_are_refused() {
        let twice = BLOCK.replace("\"2030-07\"]", "\"2030-01\"]");
        assert_eq!(refuse(&with(&twice)), ["unit.toml:55:22: blocks[0].months[1]: 2030-01 is listed twice; expected each month once (use a larger amount to pay more in one month)"]);
        let variation =
            format!("{BLOCK}\n[[variations]]\nfrom = \"2031-01\"\nrule_set = \"reset\"\n");
        assert_eq!(refuse(&with(&variation)), ["unit.toml:59:12: variations[0].rule_set: no tariff or block belongs to rule set \"reset\"; expected one of the rule sets in use: base"]);
    }
}
