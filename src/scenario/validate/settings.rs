//! `[simulation]` settings, `[parties]`, and the references to them used everywhere else: a party
//! by id (with the role it must have) and a month inside the horizon.

use std::collections::BTreeMap;

use super::*;
use crate::limits::{MAX_HORIZON, MAX_TRIALS};
use crate::report::terminal::group_thousands;
use crate::span::{FieldPath, Target};
use crate::Month;

impl Validator<'_, '_> {
    pub(super) fn settings(&mut self, s: &RawSimulation, path: &FieldPath) -> Option<Settings> {
        let mut ok = true;
        let trials = s.trials.unwrap_or(DEFAULT_TRIALS as i64);
        if !(1..=MAX_TRIALS).contains(&trials) {
            self.err(
                &path.key("trials"),
                Target::Value,
                format!("{} trials", group_thousands(&trials.to_string())),
                format!(
                    "expected a whole number from 1 to {}",
                    group_thousands(&MAX_TRIALS.to_string())
                ),
            );
            ok = false;
        }
        let seed = s.seed.unwrap_or(DEFAULT_SEED as i64);
        if seed < 0 {
            self.err(
                &path.key("seed"),
                Target::Value,
                format!("seed {seed} is negative"),
                "expected a whole number ≥ 0",
            );
            ok = false;
        }
        if !(1..=MAX_HORIZON).contains(&s.horizon_months) {
            self.err(
                &path.key("horizon_months"),
                Target::Value,
                format!("horizon of {} months", s.horizon_months),
                format!("expected a whole number of months from 1 to {MAX_HORIZON}"),
            );
            ok = false;
        }
        let start = YearMonth::parse(&s.start);
        if start.is_none() {
            self.err(
                &path.key("start"),
                Target::Value,
                format!("\"{}\" is not a month", s.start),
                "expected \"YYYY-MM\", e.g. \"2016-01\"",
            );
            ok = false;
        }
        let (mut low, mut high) = (0.1, 0.9);
        if let Some(q) = &s.quantiles {
            let valid = "expected [low, high] with 0 < low < 0.5 < high < 1, e.g. [0.1, 0.9]";
            if q.len() != 2 {
                self.err(
                    &path.key("quantiles"),
                    Target::Value,
                    format!("{} values given", q.len()),
                    valid,
                );
                ok = false;
            } else if !(q[0] > 0.0 && q[0] < 0.5 && q[1] > 0.5 && q[1] < 1.0) {
                self.err(
                    &path.key("quantiles"),
                    Target::Value,
                    format!("quantiles [{}, {}]", q[0], q[1]),
                    valid,
                );
                ok = false;
            } else {
                (low, high) = (q[0], q[1]);
            }
        }
        ok.then(|| Settings {
            trials: trials as u64,
            seed: seed as u64,
            horizon: s.horizon_months as Month,
            start: start.expect("checked above"),
            low,
            high,
        })
    }

    pub(super) fn parties(
        &mut self,
        raw: &BTreeMap<String, RawParty>,
        path: &FieldPath,
    ) -> Vec<Party> {
        let mut out = Vec::new();
        if raw.is_empty() {
            self.err(
                path,
                Target::Key,
                "no parties are defined",
                "expected at least a [parties.<id>] table for each commissioner and provider",
            );
        }
        for (id, p) in raw {
            let pp = path.key(id);
            if !valid_id(id) {
                self.err(
                    &pp,
                    Target::Key,
                    format!("party id \"{id}\" is not an identifier"),
                    ID_RULE,
                );
            }
            let role = Role::parse(&p.role);
            if role.is_none() {
                self.unknown_roles.push(id.clone());
                self.err(
                    &pp.key("role"),
                    Target::Value,
                    format!("unknown role \"{}\"", p.role),
                    format!("expected one of: {}", Role::NAMES.join(", ")),
                );
            }
            if let Some(b) = p.budget {
                // With an unknown role (reported above) whether it may have a budget is unknown.
                if role.is_some_and(|r| !matches!(r, Role::Commissioner | Role::OutcomePayer)) {
                    self.err(&pp.key("budget"), Target::Key, format!("a budget for a party with role {}", p.role), "expected budgets only for commissioners and outcome payers (their spend is reported against it)");
                } else if !(b.is_finite() && (MIN_MONEY..=MAX_MONEY).contains(&b)) {
                    self.err(
                        &pp.key("budget"),
                        Target::Value,
                        format!(
                            "budget £{}",
                            if b != 0.0 && b.abs() < MIN_MONEY {
                                format!("{b:e}")
                            } else {
                                fmt_num(b)
                            }
                        ),
                        format!(
                            "expected an amount in £ from {} (a penny) to {}",
                            fmt_num(MIN_MONEY),
                            fmt_num(MAX_MONEY)
                        ),
                    );
                }
            }
            if let Some(share) = p.max_share {
                if !(share > 0.0 && share <= 1.0) {
                    self.err(
                        &pp.key("max_share"),
                        Target::Value,
                        format!("max_share {} is not a share", fmt_num(share)),
                        "expected a share above 0 and up to 1, e.g. 0.5",
                    );
                }
            }
            out.push(Party {
                id: id.clone(),
                name: p.name.clone().unwrap_or_else(|| id.clone()),
                role: role.unwrap_or(Role::Commissioner),
                max_share: p.max_share,
                budget: p.budget,
            });
        }
        out
    }

    pub(super) fn party_index(
        &mut self,
        parties: &[Party],
        id: &str,
        path: &FieldPath,
        role: Option<Role>,
    ) -> Option<usize> {
        let Some(i) = parties.iter().position(|p| p.id == id) else {
            let known: Vec<&str> = parties.iter().map(|p| p.id.as_str()).collect();
            self.err(
                path,
                Target::Value,
                format!("party \"{id}\" is not defined"),
                format!("expected one of the [parties] ids: {}", known.join(", ")),
            );
            return None;
        };
        if let Some(role) = role {
            if self.unknown_roles.contains(&parties[i].id) {
                // Its role is reported where it is set; its stand-in role would mislead here.
                return None;
            }
            if parties[i].role != role {
                let want = Role::NAMES[role as usize];
                self.err(
                    path,
                    Target::Value,
                    format!(
                        "party \"{id}\" has role {}",
                        Role::NAMES[parties[i].role as usize]
                    ),
                    format!("expected a party with role {want}"),
                );
                return None;
            }
        }
        Some(i)
    }

    pub(super) fn month(
        &mut self,
        s: &str,
        settings: &Settings,
        path: &FieldPath,
    ) -> Option<Month> {
        let last = settings.start.plus(settings.horizon - 1);
        let valid = format!(
            "expected \"YYYY-MM\" from {} to {} (the simulation horizon)",
            settings.start, last
        );
        let Some(ym) = YearMonth::parse(s) else {
            self.err(
                path,
                Target::Value,
                format!("\"{s}\" is not a month"),
                valid,
            );
            return None;
        };
        let idx = settings.start.months_until(ym);
        if idx < 0 || idx >= settings.horizon as i64 {
            self.err(
                path,
                Target::Value,
                format!("{s} is outside the simulation horizon"),
                valid,
            );
            return None;
        }
        Some(idx as Month)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn quantiles_and_defaults_are_read() {
        let model = accept(&edit("trials = 100", "quantiles = [0.05, 0.95]"));
        let s = &model.settings;
        assert_eq!(
            (s.trials, s.seed, s.horizon),
            (DEFAULT_TRIALS, DEFAULT_SEED, 24)
        );
        assert_eq!((s.low, s.high), (0.05, 0.95));
    }

    #[test]
    fn a_bad_horizon_and_a_month_outside_it_are_refused() {
        assert_eq!(refuse(&edit("horizon_months = 24", "horizon_months = 0")), ["unit.toml:5:18: simulation.horizon_months: horizon of 0 months; expected a whole number of months from 1 to 1200"]);
        assert_eq!(refuse(&edit(r#"end = "2031-12""#, r#"end = "2032-01""#)), ["unit.toml:18:7: sites.only.end: 2032-01 is outside the simulation horizon; expected \"YYYY-MM\" from 2030-01 to 2031-12 (the simulation horizon)"]);
    }

    #[test]
    fn an_unknown_role_and_a_party_of_the_wrong_role_are_refused() {
        assert_eq!(refuse(&edit(r#"provider = "charity""#, r#"provider = "council""#)), ["unit.toml:15:12: sites.only.provider: party \"council\" has role commissioner; expected a party with role provider"]);
        assert_eq!(refuse(&with("[parties.fund]\nrole = \"funder\"\n")),
            ["unit.toml:50:8: parties.fund.role: unknown role \"funder\"; expected one of: commissioner, outcome_payer, spv, provider, investor"]
        );
    }

    /// A party whose role is unknown is reported at its role only: not again at its budget, nor
    /// where `[finance]` or a site needs a role of it (its stand-in role would mislead there).
    #[test]
    fn an_unknown_role_is_reported_once() {
        let text = with(
            "[parties.fund]\nrole = \"outcome payer\"\nbudget = 1000\n\n\
             [parties.bank]\nrole = \"Investor\"\n\n\
             [finance]\nspv = \"fund\"\ninvestor = \"bank\"\nequity = 1000\n",
        )
        .replace("role = \"provider\"", "role = \"providor\"");
        assert_eq!(
            refuse(&text),
            [
                "unit.toml:12:8: parties.charity.role: unknown role \"providor\"; expected one of: commissioner, outcome_payer, spv, provider, investor",
                "unit.toml:50:8: parties.fund.role: unknown role \"outcome payer\"; expected one of: commissioner, outcome_payer, spv, provider, investor",
                "unit.toml:54:8: parties.bank.role: unknown role \"Investor\"; expected one of: commissioner, outcome_payer, spv, provider, investor",
            ]
        );
    }
}
