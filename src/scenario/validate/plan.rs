//! `[plan]` and `[actuals]`: business-case figures and recorded outturns, each naming a metric of
//! this scenario.
//!
//! The metric names come from the catalogue of a model's outputs ([`crate::scenario::outputs`]),
//! the same one the engine lays its rows out from.

use std::collections::HashSet;

use super::*;
use crate::scenario::outputs::MetricNames;
use crate::span::{FieldPath, Target};

/// The site whose 13-week count `metric` names when that site sets no `p_13w`: such a count is 0
/// in every trial (the site draws no 13-week sustainments), so a plan figure or an actual on it
/// could never be compared with anything.
fn unrecorded_13w<'m>(model: &'m Model, metric: &str) -> Option<&'m Site> {
    let rest = match metric.split_once('.') {
        Some((fy, rest)) if fy.starts_with("fy") && !fy[2..].is_empty() => rest,
        _ => metric,
    };
    let rest = rest.strip_prefix("site.")?;
    model.sites.iter().find(|site| {
        !site.sustain_13w
            && rest
                .strip_prefix(site.id.as_str())
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|count| {
                    let base = count.split('.').next().unwrap_or(count);
                    base == Event::Sustain13w.metric() || base == "claimable_13w"
                })
    })
}

impl Validator<'_, '_> {
    /// A located error if `metric` is a 13-week count at a site that draws none.
    fn refuse_unrecorded_13w(&mut self, model: &Model, metric: &str, path: &FieldPath) -> bool {
        let Some(site) = unrecorded_13w(model, metric) else {
            return false;
        };
        self.err(
            path,
            Target::Key,
            format!(
                "\"{metric}\" is 0 in every trial: site {} sets no p_13w, so it has no 13-week sustainments",
                site.id
            ),
            "expected delivery.p_13w in that site, or another metric",
        );
        true
    }

    pub(super) fn actuals(&mut self, raw: &RawScenario, model: &Model) -> Vec<Actual> {
        let names: HashSet<String> = MetricNames::new(model).metrics.into_iter().collect();
        let mut out = Vec::new();
        for (metric, a) in &raw.actuals {
            let path = FieldPath::root().key("actuals").key(metric);
            if !names.contains(metric) {
                self.err(&path, Target::Key, format!("\"{metric}\" is not a metric of this scenario"), "expected a metric name such as engagements or \"site.<id>.job_starts\" (quoted when it has dots)");
            } else if self.refuse_unrecorded_13w(model, metric, &path) {
            } else if !a.value.is_finite() {
                self.err(
                    &path.key("value"),
                    Target::Value,
                    format!("value {}", fmt_num(a.value)),
                    "expected a finite number",
                );
            } else if !a.source.contains(".txt") {
                self.err(&path.key("source"), Target::Value, format!("\"{}\" names no report file", a.source), "expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\"");
            } else {
                out.push(Actual {
                    metric: metric.clone(),
                    value: a.value,
                    source: a.source.clone(),
                    note: a.note.clone(),
                });
            }
        }
        out
    }

    pub(super) fn plan(&mut self, raw: &RawScenario, model: &Model) -> Vec<PlanFigure> {
        let names: HashSet<String> = MetricNames::new(model).metrics.into_iter().collect();
        let mut out = Vec::new();
        let mut check = |v: &mut Self,
                         metric: String,
                         value: f64,
                         path: FieldPath,
                         example: &str| {
            if !names.contains(&metric) {
                v.err(
                    &path,
                    Target::Key,
                    format!("\"{metric}\" is not a metric of this scenario"),
                    format!("expected a metric name such as {example} (the README lists them all)"),
                );
            } else if v.refuse_unrecorded_13w(model, &metric, &path) {
            } else if !value.is_finite() {
                v.err(
                    &path,
                    Target::Value,
                    format!("plan value {} is not a planned figure", fmt_num(value)),
                    "expected a finite number",
                );
            } else if out.iter().any(|p: &PlanFigure| p.metric == metric) {
                v.err(
                        &path,
                        Target::Key,
                        format!("\"{metric}\" has a plan figure already"),
                        "expected one plan figure per metric (in [plan] or in the site's own plan table, not both)",
                    );
            } else {
                out.push(PlanFigure { metric, value });
            }
        };
        for (k, &v) in &raw.plan {
            check(
                self,
                k.clone(),
                v,
                FieldPath::root().key("plan").key(k),
                "engagements, job_starts, sustain_6w or payments.by_payer.<party>",
            );
        }
        for (id, s) in &raw.sites {
            for (k, &v) in &s.plan {
                check(
                    self,
                    format!("site.{id}.{k}"),
                    v,
                    FieldPath::root().key("sites").key(id).key("plan").key(k),
                    "engagements, job_starts or sustain_6w",
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;

    #[test]
    fn plan_figures_and_actuals_name_metrics() {
        let model = accept(&with(
            "[plan]\nengagements = 430\n\n[sites.only.plan]\njob_starts = 90\n\n\
             [actuals.engagements]\nvalue = 390\nsource = \"001_91c39e34d7f8be68.txt §1.3\"\n",
        ));
        let plan: Vec<(&str, f64)> = model
            .plan
            .iter()
            .map(|p| (p.metric.as_str(), p.value))
            .collect();
        assert_eq!(
            plan,
            [("engagements", 430.0), ("site.only.job_starts", 90.0)]
        );
        assert_eq!(model.actuals[0].value, 390.0);
    }

    #[test]
    fn unknown_metrics_and_unsourced_actuals_are_refused() {
        assert_eq!(refuse(&with("[plan]\nengagement = 430\n")), ["unit.toml:50:1: plan.engagement: \"engagement\" is not a metric of this scenario; expected a metric name such as engagements, job_starts, sustain_6w or payments.by_payer.<party> (the README lists them all)"]);
        assert_eq!(
            refuse(&with("[plan]\nengagements = 430\n\n[sites.only.plan]\nengagements = 400\n\n[actuals.engagements]\nvalue = 390\nsource = \"BIT\"\n")),
            ["unit.toml:57:10: actuals.engagements.source: \"BIT\" names no report file; expected the report's file name and its table or section, e.g. \"000_a181213f7b897744.txt Table 4.1\""]
        );
    }
}
