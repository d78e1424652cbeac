//! The plan section of a run's terminal output: each plan figure against the simulation
//! (see [`analysis::plan`](crate::analysis::plan)).

use super::number;
use crate::analysis::plan::PlanCheck;
use crate::report::table::Table;

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The section (empty when the scenario has no plan figures).
pub(super) fn render(checks: &[PlanCheck]) -> String {
    let Some(first) = checks.first() else {
        return String::new();
    };
    let mut out = format!(
        "\nPlan vs simulation (de-risked target: reached in {} of trials)\n",
        percent(first.confidence)
    );
    let mut table = Table::names_then_figures(6, 1);
    table.row([
        "plan figure",
        "plan",
        "percentile",
        "P(meet)",
        "plan/median",
        "de-risked",
    ]);
    for c in checks {
        table.row([
            c.metric.clone(),
            number(c.plan),
            percent(c.percentile),
            percent(c.p_meet),
            number(c.optimism_ratio),
            number(c.derisked_target),
        ]);
    }
    table.render_into(&mut out);
    out
}
