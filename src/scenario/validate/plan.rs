//! `[plan]` and `[actuals]`: business-case figures and recorded outturns, each naming a metric of
//! this scenario.
//!
//! The metric names come from the engine's row layout (`engine::metrics::Layout`): an import that
//! runs up a layer, left here until the metric-name catalogue moves below the engine.

use std::collections::HashSet;

use super::*;
use crate::scenario::span::{FieldPath, Target};

impl Validator<'_, '_> {
    pub(super) fn actuals(&mut self, raw: &RawScenario, model: &Model) -> Vec<Actual> {
        let names: HashSet<String> = crate::engine::metrics::Layout::new(model)
            .metric_names()
            .into_iter()
            .collect();
        let mut out = Vec::new();
        for (metric, a) in &raw.actuals {
            let path = FieldPath::root().key("actuals").key(metric);
            if !names.contains(metric) {
                self.err(&path, Target::Key, format!("\"{metric}\" is not a metric of this scenario"), "expected a metric name such as engagements or \"site.<id>.job_starts\" (quoted when it has dots)");
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
        let names: HashSet<String> = crate::engine::metrics::Layout::new(model)
            .metric_names()
            .into_iter()
            .collect();
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
