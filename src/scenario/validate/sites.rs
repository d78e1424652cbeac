//! `[sites.<id>]`: provider and commissioner, dates, every numeric input (delivery, staffing and
//! costs, each a number or a distribution whose support must lie in the field's domain), and the
//! optional distress and termination rules.

use std::collections::BTreeMap;

use super::*;
use crate::distributions::{Dist, DistSpec, Input};
use crate::span::{FieldPath, Target};
use crate::Month;

pub(super) fn raw_input(site: &RawSite, p: Param) -> Option<&Input> {
    let d = &site.delivery;
    let s = &site.staffing;
    let c = &site.costs;
    match p {
        Param::ReferralsPerMonth => Some(&d.referrals_per_month),
        Param::ReferralDispersion => d.referral_dispersion.as_ref(),
        Param::RampMonths => d.ramp_months.as_ref(),
        Param::PEngage => Some(&d.p_engage),
        Param::CaseloadPerEs => Some(&d.caseload_per_es),
        Param::WaitDropout => d.wait_dropout.as_ref(),
        Param::PJobStart => Some(&d.p_job_start),
        Param::TimeToJobMonths => Some(&d.time_to_job_months),
        Param::MonthsWithoutJob => Some(&d.months_on_caseload_without_job),
        Param::ShareGe16 => Some(&d.share_ge16),
        Param::P6w => Some(&d.p_6w),
        Param::P26w => Some(&d.p_26w),
        Param::PEvidence => Some(&d.p_evidence),
        Param::EsPosts => Some(&s.es_posts),
        Param::TeamLeaders => s.team_leaders.as_ref(),
        Param::TurnoverPerMonth => Some(&s.turnover_per_month),
        Param::MonthsToFill => Some(&s.months_to_fill),
        Param::EsSalary => Some(&c.es_salary),
        Param::TeamLeaderSalary => c.team_leader_salary.as_ref(),
        Param::OnCostRate => Some(&c.on_cost_rate),
        Param::OverheadsPerMonth => c.overheads_per_month.as_ref(),
        Param::RecruitmentCostPerHire => c.recruitment_cost_per_hire.as_ref(),
        Param::OpeningCash => c.opening_cash.as_ref(),
        Param::P13w => d.p_13w.as_ref(),
    }
}

impl Validator<'_, '_> {
    pub(super) fn sites(
        &mut self,
        raw: &RawScenario,
        parties: &[Party],
        settings: &Settings,
    ) -> Vec<Site> {
        let path = FieldPath::root().key("sites");
        if raw.sites.is_empty() {
            self.err(
                &path,
                Target::Key,
                "no sites are defined",
                "expected at least one [sites.<id>] table",
            );
        }
        let mut out = Vec::new();
        for (id, s) in &raw.sites {
            let sp = path.key(id);
            if !valid_id(id) {
                self.err(
                    &sp,
                    Target::Key,
                    format!("site id \"{id}\" is not an identifier"),
                    ID_RULE,
                );
            }
            let provider = self.party_index(
                parties,
                &s.provider,
                &sp.key("provider"),
                Some(Role::Provider),
            );
            let commissioner = self.party_index(
                parties,
                &s.commissioner,
                &sp.key("commissioner"),
                Some(Role::Commissioner),
            );
            let start = self.month(&s.start, settings, &sp.key("start"));
            let end = self.month(&s.end, settings, &sp.key("end"));
            if let (Some(a), Some(b)) = (start, end) {
                if b < a {
                    self.err(
                        &sp.key("end"),
                        Target::Value,
                        format!("end {} is before start {}", s.end, s.start),
                        "expected end ≥ start (both inclusive)",
                    );
                }
            }
            let excess = match s.delivery.excess_referrals.as_str() {
                "wait" => Excess::Wait,
                "lost" => Excess::Lost,
                other => {
                    self.err(
                        &sp.key("delivery").key("excess_referrals"),
                        Target::Value,
                        format!("unknown policy \"{other}\""),
                        "expected \"wait\" or \"lost\"",
                    );
                    Excess::Lost
                }
            };
            if excess == Excess::Lost && s.delivery.wait_dropout.is_some() {
                self.err(
                    &sp.key("delivery").key("wait_dropout"),
                    Target::Key,
                    "wait_dropout is set but excess referrals are lost, not waiting",
                    "expected no wait_dropout, or excess_referrals = \"wait\"",
                );
            }
            let errors_before = self.errors.len();
            let mut inputs = Vec::with_capacity(Param::ALL.len());
            for &p in Param::ALL {
                let fp = sp.key(p.table()).key(p.field());
                let dist = match raw_input(s, p) {
                    // Never drawn: the site has no such input.
                    None if p.optional() => Dist::fixed(f64::NAN),
                    None => Dist::fixed(
                        p.default()
                            .expect("required fields are not Option in RawSite"),
                    ),
                    Some(input) => self.input(input, p, &fp),
                };
                inputs.push(dist);
            }
            // Every 26-week sustainment is a 13-week one, so a trial's p_13w is raised to its
            // p_26w; one that can never exceed p_26w would be replaced in every trial.
            // (Only on inputs that were valid: a refused one stands in as 0 here.)
            if s.delivery.p_13w.is_some() && self.errors.len() == errors_before {
                let (p13, p26) = (&inputs[Param::P13w as usize], &inputs[Param::P26w as usize]);
                if p13.quantile(1.0 - 1e-9) < p26.quantile(1e-9) {
                    self.err(
                        &sp.key("delivery").key("p_13w"),
                        Target::Value,
                        "p_13w is below p_26w in every trial, but every 26-week sustainment is also a 13-week one",
                        "expected a probability at least p_26w's",
                    );
                }
            }
            let distress = s
                .distress
                .as_ref()
                .and_then(|d| self.distress(d, &sp.key("distress")));
            let termination = s
                .termination
                .as_ref()
                .and_then(|t| self.termination(t, s, id, &raw.plan, &sp.key("termination")));
            let demand = self.demand(&s.demand, (start, end), settings, &sp.key("demand"));
            if s.distress.is_some() && distress.is_none()
                || s.termination.is_some() && termination.is_none()
            {
                continue;
            }
            let Some(demand) = demand else { continue };
            if let (Some(provider), Some(commissioner), Some(start), Some(end)) =
                (provider, commissioner, start, end)
            {
                out.push(Site {
                    id: id.clone(),
                    provider,
                    commissioner,
                    start,
                    end,
                    excess,
                    inputs,
                    sustain_13w: s.delivery.p_13w.is_some(),
                    distress,
                    termination,
                    demand,
                });
            }
        }
        self.sites_dropped = out.len() < raw.sites.len();
        out
    }
    /// A site's demand shocks: each window inside the horizon, ending no earlier than it starts and
    /// overlapping the site's delivery (`start`, `end`, when those are valid), with a multiplier
    /// ≥ 0 and at most [`MAX_DEMAND_MULTIPLIER`]. `None` if any is refused.
    pub(super) fn demand(
        &mut self,
        raw: &[RawDemand],
        (start, end): (Option<Month>, Option<Month>),
        settings: &Settings,
        path: &FieldPath,
    ) -> Option<Vec<DemandShock>> {
        let before = self.errors.len();
        let mut out = Vec::with_capacity(raw.len());
        for (k, d) in raw.iter().enumerate() {
            let dp = path.index(k);
            let from = self.month(&d.from, settings, &dp.key("from"));
            let to = match &d.to {
                None => from,
                Some(t) => self.month(t, settings, &dp.key("to")),
            };
            let multiplier = self.input_in(
                &d.multiplier,
                Domain::NonNegative,
                Some((MAX_DEMAND_MULTIPLIER, "(a multiplier of the referral rate)")),
                &dp.key("multiplier"),
            );
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if to < from {
                self.err(
                    &dp.key("to"),
                    Target::Value,
                    "the window ends before it starts",
                    "expected to ≥ from (both inclusive)",
                );
                continue;
            }
            if let (Some(start), Some(end)) = (start, end) {
                if to < start || from > end {
                    let at = |m: Month| settings.start.plus(m);
                    self.err(
                        &dp.key("from"),
                        Target::Value,
                        format!(
                            "the window {} to {} is outside the site's delivery, {} to {}, so it changes nothing",
                            at(from),
                            at(to),
                            at(start),
                            at(end)
                        ),
                        "expected a window with some month from the site's start to its end",
                    );
                    continue;
                }
            }
            out.push(DemandShock {
                from,
                to,
                multiplier,
            });
        }
        (self.errors.len() == before).then_some(out)
    }

    pub(super) fn distress(&mut self, d: &RawDistress, path: &FieldPath) -> Option<Distress> {
        let mut ok = true;
        let cash_floor = d.cash_floor.unwrap_or(0.0);
        if !cash_floor.is_finite() || cash_floor.abs() > MAX_MONEY {
            self.err(
                &path.key("cash_floor"),
                Target::Value,
                format!("cash floor {}", fmt_num(cash_floor)),
                format!("expected an amount in £ within ±{}", fmt_num(MAX_MONEY)),
            );
            ok = false;
        }
        let turnover_multiplier = d.turnover_multiplier.unwrap_or(1.0);
        if !(1.0..=100.0).contains(&turnover_multiplier) {
            self.err(
                &path.key("turnover_multiplier"),
                Target::Value,
                format!("multiplier {}", fmt_num(turnover_multiplier)),
                "expected a number from 1 (no effect) to 100",
            );
            ok = false;
        }
        let posts_cut = d.posts_cut.unwrap_or(0);
        if !(0..=10_000).contains(&posts_cut) {
            self.err(
                &path.key("posts_cut"),
                Target::Value,
                format!("{posts_cut} posts"),
                "expected a whole number of ES posts from 0 to 10000",
            );
            ok = false;
        }
        ok.then_some(Distress {
            cash_floor,
            turnover_multiplier,
            recruitment_freeze: d.recruitment_freeze.unwrap_or(false),
            posts_cut: posts_cut as u32,
        })
    }

    pub(super) fn termination(
        &mut self,
        t: &RawTermination,
        site: &RawSite,
        site_id: &str,
        programme_plan: &BTreeMap<String, f64>,
        path: &FieldPath,
    ) -> Option<Termination> {
        let mut ok = true;
        let event = Event::ALL.into_iter().find(|e| e.metric() == t.metric);
        let plan = match event {
            None => {
                self.err(
                    &path.key("metric"),
                    Target::Value,
                    format!("unknown metric \"{}\"", t.metric),
                    format!("expected one of: {}", Event::METRICS.join(", ")),
                );
                None
            }
            Some(Event::Sustain13w) if site.delivery.p_13w.is_none() => {
                self.err(
                    &path.key("metric"),
                    Target::Value,
                    "sustain_13w is judged but the site sets no p_13w, so it counts none",
                    "expected delivery.p_13w in this site, or another metric",
                );
                None
            }
            Some(e) => match site
                .plan
                .get(e.metric())
                .or_else(|| programme_plan.get(&format!("site.{site_id}.{}", t.metric)))
            {
                Some(&p) if p > 0.0 => Some(p),
                _ => {
                    self.err(&path.key("metric"), Target::Value, format!("the site has no plan figure above 0 for {}", t.metric), format!("expected {} = N in this site's [plan] table, to judge performance against", t.metric));
                    None
                }
            },
        };
        if !(t.below_share > 0.0 && t.below_share <= 1.0) {
            self.err(
                &path.key("below_share"),
                Target::Value,
                format!("share {}", fmt_num(t.below_share)),
                "expected a share of plan above 0 and up to 1, e.g. 0.5",
            );
            ok = false;
        }
        let whole = |v: &mut Self, x: i64, key: &str, min: i64| -> Option<u32> {
            if (min..=1200).contains(&x) {
                Some(x as u32)
            } else {
                v.err(
                    &path.key(key),
                    Target::Value,
                    format!("{x} months"),
                    format!("expected a whole number of months from {min} to 1200"),
                );
                None
            }
        };
        let months = whole(self, t.months, "months", 1);
        let grace = whole(self, t.grace_months.unwrap_or(0), "grace_months", 0);
        let notice = whole(self, t.notice_months.unwrap_or(0), "notice_months", 0);
        let (Some(event), Some(plan), true, Some(months), Some(grace_months), Some(notice_months)) =
            (event, plan, ok, months, grace, notice)
        else {
            return None;
        };
        Some(Termination {
            event,
            plan,
            below_share: t.below_share,
            months,
            grace_months,
            notice_months,
        })
    }
    /// Validate one numeric input: parameters, then its support against the field's domain.
    pub(super) fn input(&mut self, input: &Input, p: Param, path: &FieldPath) -> Dist {
        let why = "for one site (split a larger service into sites)";
        self.input_in(input, p.domain(), p.max().map(|m| (m, why)), path)
    }

    /// Validate a numeric input whose values must lie in `domain` and, if `limit` is given, within
    /// ±its first value (but for a 1e-9 chance), its second saying why.
    pub(super) fn input_in(
        &mut self,
        input: &Input,
        domain: Domain,
        limit: Option<(f64, &str)>,
        path: &FieldPath,
    ) -> Dist {
        let resolved;
        let input = match input {
            Input::Dist(DistSpec::Evidence { key, level }) => {
                match self.resolve_evidence(key, level.as_deref(), path) {
                    Some(spec) => {
                        resolved = Input::Dist(spec);
                        &resolved
                    }
                    None => return Dist::fixed(0.0),
                }
            }
            other => other,
        };
        let fallback = Dist::fixed(0.0);
        let dist = match Dist::from_input(input) {
            Ok(d) => d,
            Err(e) => {
                let at = match input {
                    Input::Fixed(_) => path.clone(),
                    Input::Dist(_) => path.key(e.param),
                };
                self.err(&at, Target::Value, e.problem, e.valid);
                return fallback;
            }
        };
        let (lo, hi) = dist.support();
        if let (Domain::Count, Input::Fixed(x)) = (domain, input) {
            if x.fract() != 0.0 && *x >= 0.0 {
                self.err(
                    path,
                    Target::Value,
                    format!("{x} is not a whole number"),
                    format!("expected {}", domain.describe()),
                );
                return fallback;
            }
        }
        if !domain.contains(lo, hi) {
            let problem = match input {
                // A whole number of 2 to 100 for a probability is most likely a percentage.
                Input::Fixed(x)
                    if domain == Domain::Probability
                        && x.fract() == 0.0
                        && (2.0..=100.0).contains(x) =>
                {
                    format!(
                        "{} is out of range (a percentage? {}% is {})",
                        fmt_num(*x),
                        fmt_num(*x),
                        fmt_num(x / 100.0)
                    )
                }
                Input::Fixed(x) => format!("{} is out of range", fmt_num(*x)),
                Input::Dist(_) => format!(
                    "{} can take values in [{}, {}], outside the valid range",
                    dist.describe(),
                    fmt_num(lo),
                    fmt_num(hi)
                ),
            };
            self.err(
                path,
                Target::Value,
                problem,
                format!("expected {}", domain.describe()),
            );
            return fallback;
        }
        if let Some((max, why)) = limit {
            // Unbounded distributions are fine if their tails beyond the limit are negligible.
            let far_hi = if hi.is_finite() {
                hi
            } else {
                dist.quantile(1.0 - 1e-9)
            };
            let far_lo = if lo.is_finite() {
                lo
            } else {
                dist.quantile(1e-9)
            };
            if far_hi > max || far_lo < -max {
                let problem = match input {
                    Input::Fixed(x) => {
                        format!("{} is beyond the limit of {}", fmt_num(*x), fmt_num(max))
                    }
                    Input::Dist(_) => format!(
                        "{} can draw values beyond the limit of {}",
                        dist.describe(),
                        fmt_num(max)
                    ),
                };
                let valid = if far_lo < -max {
                    format!("expected values within ±{}", fmt_num(max))
                } else {
                    format!("expected values up to {} {why}", fmt_num(max))
                };
                self.err(path, Target::Value, problem, valid);
                return fallback;
            }
        }
        dist
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn inputs_distress_and_termination_are_read() {
        let model = accept(&with(
            "[sites.only.distress]\nturnover_multiplier = 2\nrecruitment_freeze = true\n\n\
             [sites.only.termination]\nmetric = \"engagements\"\nbelow_share = 0.5\nmonths = 3\n\n\
             [sites.only.plan]\nengagements = 400\n",
        ));
        let site = &model.sites[0];
        assert_eq!(site.input(Param::PEngage).mean(), 0.6);
        assert!(site.distress.as_ref().is_some_and(|d| d.recruitment_freeze));
        let t = site.termination.as_ref().expect("a termination rule");
        assert_eq!((t.event, t.plan, t.months), (Event::Engagement, 400.0, 3));
    }

    #[test]
    fn an_input_outside_its_domain_is_refused() {
        assert_eq!(refuse(&edit("p_engage = 0.6", "p_engage = 1.5")), ["unit.toml:22:12: sites.only.delivery.p_engage: 1.5 is out of range; expected a probability: a number from 0 to 1, or a distribution whose values all lie in [0, 1] (beta, beta_mean, beta_counts, or uniform/triangular/pert/truncated normal within [0, 1])"]);
        assert_eq!(
            refuse(&edit(
                "p_engage = 0.6",
                r#"p_engage = { dist = "normal", mean = 0.6, sd = 0.1 }"#
            )),
            ["unit.toml:22:12: sites.only.delivery.p_engage: Normal(mean 0.6, sd 0.1) can take values in [-∞, ∞], outside the valid range; expected a probability: a number from 0 to 1, or a distribution whose values all lie in [0, 1] (beta, beta_mean, beta_counts, or uniform/triangular/pert/truncated normal within [0, 1])"]
        );
    }

    #[test]
    fn termination_without_a_plan_figure_is_refused() {
        let text = with(
            "[sites.only.termination]\nmetric = \"job_starts\"\nbelow_share = 0.5\nmonths = 3\n",
        );
        assert_eq!(refuse(&text), ["unit.toml:50:10: sites.only.termination.metric: the site has no plan figure above 0 for job_starts; expected job_starts = N in this site's [plan] table, to judge performance against"]);
    }
}
