//! Plan against simulation in every output: a terminal section, the `plan` object of
//! `summary.json`, and `plan.csv`.

use serde_json::{json, Map, Value};

use crate::analysis::plan::PlanCheck;
use crate::report::terminal::{number, push_row};
use crate::report::ReportError;

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The terminal section (empty when the scenario has no plan figures).
pub fn render(checks: &[PlanCheck]) -> String {
    let Some(first) = checks.first() else {
        return String::new();
    };
    let mut out = format!(
        "\nPlan vs simulation (de-risked target: reached in {} of trials)\n",
        percent(first.confidence)
    );
    let mut rows = vec![vec![
        "plan figure".to_string(),
        "plan".into(),
        "percentile".into(),
        "P(meet)".into(),
        "plan/median".into(),
        "de-risked".into(),
    ]];
    for c in checks {
        rows.push(vec![
            c.metric.clone(),
            number(c.plan),
            percent(c.percentile),
            percent(c.p_meet),
            number(c.optimism_ratio),
            number(c.derisked_target),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        push_row(&mut out, r, &widths);
    }
    out
}

/// `{"engagements": {"plan", "percentile", "p_meet", "optimism_ratio", "confidence",
/// "derisked_target"}, …}` — the `plan` object of `summary.json`.
pub fn to_json(checks: &[PlanCheck]) -> Value {
    let map: Map<String, Value> = checks
        .iter()
        .map(|c| {
            (
                c.metric.clone(),
                json!({
                    "plan": c.plan,
                    "percentile": c.percentile,
                    "p_meet": c.p_meet,
                    "optimism_ratio": c.optimism_ratio,
                    "confidence": c.confidence,
                    "derisked_target": c.derisked_target,
                }),
            )
        })
        .collect();
    Value::Object(map)
}

/// `plan.csv`: `metric,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target`.
///
/// # Errors
/// [`ReportError::Csv`] if the writer fails (in memory, so in practice it does not).
pub fn to_csv(checks: &[PlanCheck]) -> Result<Vec<u8>, ReportError> {
    let err = |source| ReportError::Csv {
        what: "plan table",
        source,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "metric",
        "plan",
        "percentile",
        "p_meet",
        "optimism_ratio",
        "confidence",
        "derisked_target",
    ])
    .map_err(err)?;
    for c in checks {
        let cell = |x: f64| {
            if x.is_nan() {
                String::new()
            } else {
                x.to_string()
            }
        };
        w.write_record([
            c.metric.clone(),
            cell(c.plan),
            cell(c.percentile),
            cell(c.p_meet),
            cell(c.optimism_ratio),
            cell(c.confidence),
            cell(c.derisked_target),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        what: "plan table",
        source: e.into_error().into(),
    })
}
