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
            let (labels, months) = self.block_months(b, settings, &bp);
            // Before any `continue`: a variation to this block's rule set must find it in use.
            let rule_set = self.rule_set(b.rule_set.as_ref(), &bp);
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
            let on_account = match &b.on_account_of {
                None => None,
                Some(oa) => {
                    let Some(line) = self.on_account(oa, tariffs, site, (a, c), &bp) else {
                        continue;
                    };
                    let Some(until) = self.until(oa, &labels, &months, settings, &bp) else {
                        continue;
                    };
                    Some(OnAccount { until, ..line })
                }
            };
            if let (Some(oa), true) = (on_account, months.iter().all(Option::is_some)) {
                if !self.same_until_in_shared_months(&out, oa, &months, settings, &bp) {
                    continue;
                }
            }
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

    /// A block's months, each with its label as the file has it (`"YYYY-MM"`): the list as
    /// written, or the range expanded by `every`. A month that is refused is `None` (a range that
    /// is refused is one `None`, labelled as written).
    fn block_months(
        &mut self,
        b: &RawBlock,
        settings: &Settings,
        bp: &FieldPath,
    ) -> (Vec<String>, Vec<Option<Month>>) {
        let path = bp.key("months");
        let step = match b.every.as_deref() {
            None | Some("month") => Some(1),
            Some("quarter") => Some(3),
            Some("year") => Some(12),
            Some(other) => {
                self.err(
                    &bp.key("every"),
                    Target::Value,
                    format!("unknown interval \"{other}\""),
                    "expected \"month\" (every month of the range, the default), \"quarter\" (every 3rd month from the range's first) or \"year\" (every 12th)",
                );
                None
            }
        };
        let list = match &b.months {
            RawMonths::Range(text) => {
                let range = self.month_range(text, settings, &path);
                return match (range, step) {
                    (Some((first, last)), Some(step)) => (first..=last)
                        .step_by(step)
                        .map(|m| (settings.start.plus(m).to_string(), Some(m)))
                        .unzip(),
                    _ => (vec![text.clone()], vec![None]),
                };
            }
            RawMonths::List(list) => list,
        };
        if let Some(every) = &b.every {
            self.err(
                &bp.key("every"),
                Target::Key,
                format!("every = \"{every}\" is given with a list of months"),
                "expected months = \"YYYY-MM..YYYY-MM\" (a range) with every, or no every with a list",
            );
        }
        if list.is_empty() {
            self.err(
                &path,
                Target::Value,
                "no months are listed",
                "expected at least one \"YYYY-MM\" month when the block falls due, or a range \"YYYY-MM..YYYY-MM\"",
            );
        }
        let months = list
            .iter()
            .enumerate()
            .map(|(k, m)| self.month(m, settings, &path.index(k)))
            .collect();
        for (k, m) in list.iter().enumerate() {
            if list[..k].contains(m) {
                self.err(
                    &path.index(k),
                    Target::Value,
                    format!("{m} is listed twice"),
                    "expected each month once (use a larger amount to pay more in one month)",
                );
            }
        }
        (list.clone(), months)
    }

    /// An inclusive range of months `"YYYY-MM..YYYY-MM"`, both inside the horizon, the first no
    /// later than the last; `None` (with a located error) otherwise.
    pub(super) fn month_range(
        &mut self,
        text: &str,
        settings: &Settings,
        path: &FieldPath,
    ) -> Option<(Month, Month)> {
        let last_month = settings.start.plus(settings.horizon - 1);
        let valid = format!(
            "expected \"YYYY-MM..YYYY-MM\", the first and last month (inclusive), both from {} to {} (the simulation horizon)",
            settings.start, last_month
        );
        let Some((a, b)) = text.split_once("..") else {
            let problem = if YearMonth::parse(text.trim()).is_some() {
                format!("\"{text}\" is one month, not a range")
            } else {
                format!("\"{text}\" is not a range of months")
            };
            self.err(
                path,
                Target::Value,
                problem,
                format!("{valid}, or a list of months [\"YYYY-MM\", …]"),
            );
            return None;
        };
        let mut ends = [None, None];
        for (end, part) in ends.iter_mut().zip([a.trim(), b.trim()]) {
            let Some(ym) = YearMonth::parse(part) else {
                self.err(
                    path,
                    Target::Value,
                    format!("\"{part}\" (in \"{text}\") is not a month"),
                    &valid,
                );
                return None;
            };
            let idx = settings.start.months_until(ym);
            if idx < 0 || idx >= settings.horizon as i64 {
                self.err(
                    path,
                    Target::Value,
                    format!("{part} (in \"{text}\") is outside the simulation horizon"),
                    &valid,
                );
                return None;
            }
            *end = Some(idx as Month);
        }
        let (first, last) = (ends[0]?, ends[1]?);
        if last < first {
            self.err(
                path,
                Target::Value,
                format!("the range \"{text}\" ends before it starts"),
                format!(
                    "expected the first month, then the last, e.g. \"{}..{}\"",
                    b.trim(),
                    a.trim()
                ),
            );
            return None;
        }
        Some((first, last))
    }

    /// The `until` of a block's `on_account_of`: a month in the horizon no earlier than any of the
    /// block's payments (a base cannot lapse before it is paid). `Some(None)` when not given.
    fn until(
        &mut self,
        oa: &RawOnAccount,
        raw_months: &[String],
        months: &[Option<Month>],
        settings: &Settings,
        path: &FieldPath,
    ) -> Option<Option<Month>> {
        let Some(text) = &oa.until else {
            return Some(None);
        };
        let path = path.key("on_account_of").key("until");
        let until = self.month(text, settings, &path)?;
        let latest = months
            .iter()
            .zip(raw_months)
            .filter_map(|(m, raw)| Some(((*m)?, raw)))
            .max_by_key(|(m, _)| *m);
        if let Some((_, raw)) = latest.filter(|(paid, _)| until < *paid) {
            self.err(
                &path,
                Target::Value,
                format!("{text} is before the block's payment in {raw}, whose base would lapse before it is paid"),
                format!("expected the last month the base covers, \"{raw}\" or later"),
            );
            return None;
        }
        Some(Some(until))
    }

    /// Whether a block on account, `oa`, paid in `months`, states the same `until` as every block
    /// already read that is paid on account of the same tariff line in one of those months: bases
    /// paid in one month add up to one base, which lapses once. Says so where not.
    fn same_until_in_shared_months(
        &mut self,
        earlier: &[Block],
        oa: OnAccount,
        months: &[Option<Month>],
        settings: &Settings,
        path: &FieldPath,
    ) -> bool {
        let clash = earlier.iter().find_map(|other| {
            let theirs = other.on_account.filter(|o| o.tariff == oa.tariff)?;
            let month = months.iter().flatten().find(|m| other.months.contains(m))?;
            (theirs.until != oa.until).then_some((other.rule, *month, theirs.until))
        });
        let Some((rule, month, until)) = clash else {
            return true;
        };
        let show = |u: Option<Month>| match u {
            Some(u) => format!("until = \"{}\"", settings.start.plus(u)),
            None => "no until".to_string(),
        };
        let field = if oa.until.is_some() {
            "until"
        } else {
            "tariff"
        };
        self.err(
            &path.key("on_account_of").key(field),
            Target::Value,
            format!(
                "block \"{}\" is paid on account of the same tariff in {} with {}, and bases paid in one month make one base",
                self.rules[rule],
                settings.start.plus(month),
                show(until),
            ),
            format!("expected {} here too, or the blocks paid in different months", show(until)),
        );
        false
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
            until: None,
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

    /// [`BLOCK`] on account of 20 engagements, with `extra` inside its `on_account_of`.
    fn on_account(extra: &str) -> String {
        BLOCK.replace(
            "months = [\"2030-01\", \"2030-07\"]",
            &format!("months = [\"2030-01\", \"2030-07\"]\non_account_of = {{ tariff = \"per_engagement\", events = 20{extra} }}"),
        )
    }

    #[test]
    fn a_base_is_read_with_its_last_month_or_none() {
        let model = accept(&with(&on_account(", until = \"2030-12\"")));
        let oa = model.blocks[0].on_account.unwrap();
        assert_eq!((oa.tariff, oa.events, oa.until), (0, 20, Some(11)));
        let model = accept(&with(&on_account("")));
        assert_eq!(model.blocks[0].on_account.unwrap().until, None);
        // The last month may be the month of the last payment: the base covers that month only.
        let model = accept(&with(&on_account(", until = \"2030-07\"")));
        assert_eq!(model.blocks[0].on_account.unwrap().until, Some(6));
    }

    #[test]
    fn a_last_month_not_a_month_outside_the_horizon_or_before_a_payment_is_refused() {
        assert_eq!(
            refuse(&with(&on_account(", until = \"March 2031\""))),
            ["unit.toml:56:67: blocks[0].on_account_of.until: \"March 2031\" is not a month; expected \"YYYY-MM\" from 2030-01 to 2031-12 (the simulation horizon)"]
        );
        assert_eq!(
            refuse(&with(&on_account(", until = \"2032-03\""))),
            ["unit.toml:56:67: blocks[0].on_account_of.until: 2032-03 is outside the simulation horizon; expected \"YYYY-MM\" from 2030-01 to 2031-12 (the simulation horizon)"]
        );
        assert_eq!(
            refuse(&with(&on_account(", until = \"2030-06\""))),
            ["unit.toml:56:67: blocks[0].on_account_of.until: 2030-06 is before the block's payment in 2030-07, whose base would lapse before it is paid; expected the last month the base covers, \"2030-07\" or later"]
        );
    }

    #[test]
    fn bases_paid_in_one_month_must_lapse_together() {
        let second = on_account(", until = \"2030-12\"")
            .replace("mobilisation", "top_up")
            .replace("\"2030-01\", \"2030-07\"", "\"2030-07\"");
        let text = with(&format!(
            "{}\n{second}",
            on_account(", until = \"2031-06\"")
        ));
        assert_eq!(
            refuse(&text),
            ["unit.toml:65:67: blocks[1].on_account_of.until: block \"mobilisation\" is paid on account of the same tariff in 2030-07 with until = \"2031-06\", and bases paid in one month make one base; expected until = \"2031-06\" here too, or the blocks paid in different months"]
        );
        let without = with(&format!(
            "{}\n{}",
            on_account(", until = \"2031-06\""),
            second.replace(", until = \"2030-12\"", "")
        ));
        assert_eq!(
            refuse(&without),
            ["unit.toml:65:28: blocks[1].on_account_of.tariff: block \"mobilisation\" is paid on account of the same tariff in 2030-07 with until = \"2031-06\", and bases paid in one month make one base; expected until = \"2031-06\" here too, or the blocks paid in different months"]
        );
        // Paid in different months, the bases may lapse differently.
        let apart = second.replace("\"2030-07\"]", "\"2030-08\"]");
        accept(&with(&format!(
            "{}\n{apart}",
            on_account(", until = \"2031-06\"")
        )));
    }

    /// [`BLOCK`] with `months` (and anything after it) in place of its list of months.
    fn block_months(months: &str) -> Vec<u32> {
        let text = BLOCK.replace("months = [\"2030-01\", \"2030-07\"]", months);
        accept(&with(&text)).blocks[0].months.clone()
    }

    /// A range is exactly the months it spans, or every 3rd or 12th of them from the first; the
    /// same months written out give the same block.
    #[test]
    fn a_range_expands_to_exactly_the_months_listed() {
        let listed = |ms: &[&str]| {
            let list: Vec<String> = ms.iter().map(|m| format!("\"{m}\"")).collect();
            block_months(&format!("months = [{}]", list.join(", ")))
        };
        assert_eq!(
            block_months("months = \"2030-11..2031-02\""),
            listed(&["2030-11", "2030-12", "2031-01", "2031-02"])
        );
        // Simulation month 0 is 2030-01: the horizon's index of each month.
        assert_eq!(
            block_months("months = \"2030-11..2031-02\""),
            [10, 11, 12, 13]
        );
        assert_eq!(
            block_months("months = \"2030-11..2031-02\"\nevery = \"month\""),
            [10, 11, 12, 13]
        );
        assert_eq!(
            block_months("months = \"2030-02..2031-12\"\nevery = \"quarter\""),
            listed(&[
                "2030-02", "2030-05", "2030-08", "2030-11", "2031-02", "2031-05", "2031-08",
                "2031-11"
            ])
        );
        // The last month of the range need not be one of the payments.
        assert_eq!(
            block_months("months = \"2030-04..2031-03\"\nevery = \"year\""),
            listed(&["2030-04"])
        );
        assert_eq!(
            block_months("months = \"2030-01..2031-01\"\nevery = \"year\""),
            listed(&["2030-01", "2031-01"])
        );
        assert_eq!(block_months("months = \" 2031-12 .. 2031-12 \""), [23]);
    }

    /// The base of a block on account is checked against the last month of its range.
    #[test]
    fn a_base_lapsing_before_the_last_payment_of_a_range_is_refused() {
        let text = on_account(", until = \"2030-06\"").replace(
            "months = [\"2030-01\", \"2030-07\"]",
            "months = \"2030-01..2030-07\"\nevery = \"quarter\"",
        );
        assert_eq!(
            refuse(&with(&text)),
            ["unit.toml:57:67: blocks[0].on_account_of.until: 2030-06 is before the block's payment in 2030-07, whose base would lapse before it is paid; expected the last month the base covers, \"2030-07\" or later"]
        );
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
