//! `sibsim backtest` and `sibsim outside-view` on the terminal: a headline, a table of figures and,
//! for the back-test, the source of each actual.

use super::number;
use crate::analysis::backtest::Backtest;
use crate::analysis::outside_view::OutsideViewReport;
use crate::report::table::Table;

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Each actual's percentile beside the plan's, then the sources.
pub(super) fn backtest(b: &Backtest) -> String {
    let mut out = format!(
        "Back-test of {}: {} trials, seed {}\n\n",
        b.scenario, b.trials, b.seed
    );
    let mut table = Table::names_then_figures(6, 1);
    table.row([
        "metric",
        "actual",
        "percentile",
        "sim. median",
        "plan",
        "plan percentile",
    ]);
    for r in &b.actuals {
        table.row([
            r.metric.clone(),
            number(r.actual),
            percent(r.percentile),
            number(r.median),
            r.plan.map_or("—".into(), number),
            r.plan_percentile.map_or("—".into(), percent),
        ]);
    }
    table.render_into(&mut out);
    out.push_str("\nSources:\n");
    for r in &b.actuals {
        out.push_str(&format!("  {}: {}\n", r.metric, r.source));
    }
    out
}

/// The reference class in one line, then each plan figure under both views.
pub(super) fn outside_view(o: &OutsideViewReport) -> String {
    let n = number;
    let [low, _, high] = o.quantiles;
    let r = o.ratio_quantiles;
    let mut out = format!(
        "Outside view of {}: {} reference cases of class {} ({}), actual/plan ratio P{:.0} / P50 / P{:.0} = {} / {} / {}\n\n",
        o.scenario,
        o.cases.len(),
        o.class,
        o.cases
            .iter()
            .map(|c| format!("{} {}", c.key, c.ratio))
            .collect::<Vec<_>>()
            .join(", "),
        low * 100.0,
        high * 100.0,
        n(r[0]),
        n(r[1]),
        n(r[2]),
    );
    let mut table = Table::names_then_figures(5, 1);
    table.row([
        "plan figure",
        "plan",
        "outside view low / median / high",
        "inside view low / median / high",
        "",
    ]);
    let three = |x: [f64; 3]| format!("{} / {} / {}", n(x[0]), n(x[1]), n(x[2]));
    for v in &o.plan {
        table.row([
            v.metric.clone(),
            n(v.plan),
            three(v.outside),
            three(v.inside),
            if v.disagree { "DISAGREE" } else { "" }.into(),
        ]);
    }
    table.render_into(&mut out);
    out
}
