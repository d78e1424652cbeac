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

    /// `[actuals]`: each key a metric of this scenario, or a sum of metrics written `a + b` (a
    /// figure reported over two financial years against `fy2017.… + fy2018.…`); `low` and `high`
    /// are other readings of an ambiguous report, labelled by `assumption`; `label` is a short
    /// name for the back-test's table, one line, unique among the actuals.
    pub(super) fn actuals(&mut self, raw: &RawScenario, model: &Model) -> Vec<Actual> {
        let names: HashSet<String> = MetricNames::new(model).metrics.into_iter().collect();
        let mut labels = HashSet::new();
        let mut out = Vec::new();
        for (metric, a) in &raw.actuals {
            let path = FieldPath::root().key("actuals").key(metric);
            let terms: Vec<&str> = metric.split('+').map(str::trim).collect();
            if let Some(bad) = terms.iter().find(|t| !names.contains(**t)) {
                let what = if terms.len() > 1 {
                    format!("\"{bad}\" (in \"{metric}\") is not a metric of this scenario")
                } else {
                    format!("\"{metric}\" is not a metric of this scenario")
                };
                self.err(&path, Target::Key, what, "expected a metric name such as engagements or \"site.<id>.job_starts\" (quoted when it has dots), or metrics joined by \" + \"");
            } else if terms
                .iter()
                .any(|t| self.refuse_unrecorded_13w(model, t, &path))
            {
            } else if !a.value.is_finite() {
                self.err(
                    &path.key("value"),
                    Target::Value,
                    format!("value {}", fmt_num(a.value)),
                    "expected a finite number",
                );
            } else if a.source.trim().is_empty() {
                self.err(&path.key("source"), Target::Value, "the source is empty", "expected where the figure comes from, e.g. \"000_a181213f7b897744.txt Table 4.1\", \"INDIGO project page\" or \"annual report p. 12\"");
            } else if let (Some(readings), Some(label)) =
                (self.readings(a, &path), self.label(a, &path, &mut labels))
            {
                out.push(Actual {
                    metric: terms.join(" + "),
                    label,
                    value: a.value,
                    source: a.source.clone(),
                    note: a.note.clone(),
                    readings,
                });
            }
        }
        out
    }

    /// An actual's `label`: `Some(None)` when it has none, `None` (with a located error) when it is
    /// blank, runs over more than one line or repeats an earlier actual's label.
    fn label(
        &mut self,
        a: &RawActual,
        path: &FieldPath,
        seen: &mut HashSet<String>,
    ) -> Option<Option<String>> {
        let Some(label) = &a.label else {
            return Some(None);
        };
        let problem = if label.trim().is_empty() {
            "an empty label".to_string()
        } else if label.contains('\n') {
            "a label of more than one line".to_string()
        } else if !seen.insert(label.trim().to_string()) {
            format!("label \"{}\" is another actual's already", label.trim())
        } else {
            return Some(Some(label.trim().to_string()));
        };
        self.err(
            &path.key("label"),
            Target::Value,
            problem,
            "expected a short one-line name for the back-test's table, unique among the actuals, or no label (the key is shown)",
        );
        None
    }

    /// An actual's `low` / `high` / `assumption`: `Some(None)` when it has none, `None` (with a
    /// located error) when they are inconsistent.
    fn readings(&mut self, a: &RawActual, path: &FieldPath) -> Option<Option<Readings>> {
        let v = a.value;
        let mut ok = true;
        for (field, x, inside) in [
            ("low", a.low, a.low.is_none_or(|l| l <= v)),
            ("high", a.high, a.high.is_none_or(|h| h >= v)),
        ] {
            let Some(x) = x else { continue };
            if !x.is_finite() || !inside {
                let side = if field == "low" { "≤" } else { "≥" };
                self.err(
                    &path.key(field),
                    Target::Value,
                    format!(
                        "{field} {} is not a reading {side} value {}",
                        fmt_num(x),
                        fmt_num(v)
                    ),
                    format!("expected a finite {field} with low ≤ value ≤ high"),
                );
                ok = false;
            }
        }
        let labelled = a
            .assumption
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        match (a.low.is_some() || a.high.is_some(), labelled) {
            (true, false) => {
                self.err(
                    path,
                    Target::Key,
                    "low/high given with no assumption saying what each reading covers",
                    "expected assumption = \"value: …; low: …; high: …\"",
                );
                ok = false;
            }
            (false, true) | (false, false) if a.assumption.is_some() => {
                self.err(
                    &path.key("assumption"),
                    Target::Value,
                    "an assumption with no low or high reading to label",
                    "expected low and/or high beside it, or the text in note",
                );
                ok = false;
            }
            _ => {}
        }
        if !ok {
            return None;
        }
        Some(
            a.assumption
                .clone()
                .filter(|_| labelled)
                .map(|assumption| Readings {
                    low: a.low,
                    high: a.high,
                    assumption,
                }),
        )
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
            refuse(&with("[plan]\nengagements = 430\n\n[sites.only.plan]\nengagements = 400\n\n[actuals.engagements]\nvalue = 390\nsource = \" \"\n")),
            ["unit.toml:57:10: actuals.engagements.source: the source is empty; expected where the figure comes from, e.g. \"000_a181213f7b897744.txt Table 4.1\", \"INDIGO project page\" or \"annual report p. 12\""]
        );
    }

    /// Any non-empty text is a source: a report file's name is not required (issue 15).
    #[test]
    fn a_source_is_any_text_but_empty() {
        let actual = |source: &str| {
            with(&format!(
                "[actuals.engagements]\nvalue = 390\nsource = \"{source}\"\n"
            ))
        };
        let model = accept(&actual("INDIGO project page"));
        assert_eq!(model.actuals[0].source, "INDIGO project page");
        assert_eq!(
            refuse(&actual("")),
            ["unit.toml:51:10: actuals.engagements.source: the source is empty; expected where the figure comes from, e.g. \"000_a181213f7b897744.txt Table 4.1\", \"INDIGO project page\" or \"annual report p. 12\""]
        );
    }

    #[test]
    fn readings_and_sums_are_checked_where_they_stand() {
        let ok = accept(&with(
            "[actuals.\"engagements + job_starts\"]\nvalue = 390\nlow = 300\nhigh = 500\n\
             assumption = \"value: one site; low: less; high: more\"\n\
             source = \"001_91c39e34d7f8be68.txt §1.3\"\n",
        ));
        let a = &ok.actuals[0];
        assert_eq!(a.metric, "engagements + job_starts");
        assert_eq!(a.label, None);
        let r = a.readings.as_ref().expect("readings");
        assert_eq!((r.low, r.high), (Some(300.0), Some(500.0)));
        let src = "source = \"001_91c39e34d7f8be68.txt §1.3\"\n";
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nlow = 400\nassumption = \"x\"\n{src}"))),
            ["unit.toml:51:7: actuals.engagements.low: low 400 is not a reading ≤ value 390; expected a finite low with low ≤ value ≤ high"]
        );
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nhigh = 380\nassumption = \"x\"\n{src}"))),
            ["unit.toml:51:8: actuals.engagements.high: high 380 is not a reading ≥ value 390; expected a finite high with low ≤ value ≤ high"]
        );
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nhigh = 400\n{src}"))),
            ["unit.toml:49:10: actuals.engagements: low/high given with no assumption saying what each reading covers; expected assumption = \"value: …; low: …; high: …\""]
        );
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nassumption = \"x\"\n{src}"))),
            ["unit.toml:51:14: actuals.engagements.assumption: an assumption with no low or high reading to label; expected low and/or high beside it, or the text in note"]
        );
        assert_eq!(
            refuse(&with(&format!("[actuals.\"engagements + job_start\"]\nvalue = 390\n{src}"))),
            ["unit.toml:49:10: actuals.engagements + job_start: \"job_start\" (in \"engagements + job_start\") is not a metric of this scenario; expected a metric name such as engagements or \"site.<id>.job_starts\" (quoted when it has dots), or metrics joined by \" + \""]
        );
    }

    #[test]
    fn labels_are_one_line_and_unique() {
        let src = "source = \"001_91c39e34d7f8be68.txt §1.3\"\n";
        let ok = accept(&with(&format!(
            "[actuals.\"engagements + job_starts\"]\nvalue = 390\nlabel = \" both \"\n{src}"
        )));
        assert_eq!(ok.actuals[0].label.as_deref(), Some("both"));
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nlabel = \" \"\n{src}"))),
            ["unit.toml:51:9: actuals.engagements.label: an empty label; expected a short one-line name for the back-test's table, unique among the actuals, or no label (the key is shown)"]
        );
        assert_eq!(
            refuse(&with(&format!("[actuals.engagements]\nvalue = 390\nlabel = \"a\\nb\"\n{src}"))),
            ["unit.toml:51:9: actuals.engagements.label: a label of more than one line; expected a short one-line name for the back-test's table, unique among the actuals, or no label (the key is shown)"]
        );
        assert_eq!(
            refuse(&with(&format!(
                "[actuals.engagements]\nvalue = 390\nlabel = \"x\"\n{src}\n\
                 [actuals.job_starts]\nvalue = 90\nlabel = \"x\"\n{src}"
            ))),
            ["unit.toml:56:9: actuals.job_starts.label: label \"x\" is another actual's already; expected a short one-line name for the back-test's table, unique among the actuals, or no label (the key is shown)"]
        );
    }
}
