//! `sibsim backtest` and `sibsim outside-view` on the terminal: a headline, a table of figures and,
//! for the back-test, the source, note and assumption of each actual.

use super::number;
use crate::analysis::backtest::{Backtest, BacktestRow};
use crate::analysis::outside_view::OutsideViewReport;
use crate::report::table::Table;

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Each actual's percentile beside the plan's and, for an ambiguous report, its low and high
/// readings' (`reading @ percentile`), then the sources, the notes (each row's scope) and the
/// assumptions. A row is named by its label where it has one; "Sources" gives that label's key.
pub(super) fn backtest(b: &Backtest) -> String {
    let name = |r: &BacktestRow| r.label.as_deref().unwrap_or(&r.metric).to_string();
    let mut out = format!(
        "Back-test of {}: {} trials, seed {}\n\n",
        b.scenario, b.trials, b.seed
    );
    let mut table = Table::names_then_figures(8, 1);
    table.row([
        "metric",
        "actual",
        "percentile",
        "low reading",
        "high reading",
        "sim. median",
        "plan",
        "plan percentile",
    ]);
    let at = |x: Option<f64>, p: Option<f64>| match (x, p) {
        (Some(x), Some(p)) => format!("{} @ {}", number(x), percent(p)),
        _ => "—".into(),
    };
    for r in &b.actuals {
        let (low, high) = r.readings.as_ref().map_or(("—".into(), "—".into()), |g| {
            (at(g.low, g.low_percentile), at(g.high, g.high_percentile))
        });
        table.row([
            name(r),
            number(r.actual),
            percent(r.percentile),
            low,
            high,
            number(r.median),
            r.plan.map_or("—".into(), number),
            r.plan_percentile.map_or("—".into(), percent),
        ]);
    }
    table.render_into(&mut out);
    out.push_str("\nSources:\n");
    for r in &b.actuals {
        match &r.label {
            Some(l) => out.push_str(&format!("  {l} ({}): {}\n", r.metric, r.source)),
            None => out.push_str(&format!("  {}: {}\n", r.metric, r.source)),
        }
    }
    if b.actuals.iter().any(|r| r.note.is_some()) {
        out.push_str("\nNotes (each actual's scope):\n");
        for r in &b.actuals {
            if let Some(n) = &r.note {
                out.push_str(&format!("  {}: {n}\n", name(r)));
            }
        }
    }
    if b.actuals.iter().any(|r| r.readings.is_some()) {
        out.push_str("\nAssumptions (reports whose scope is ambiguous):\n");
        for r in &b.actuals {
            if let Some(g) = &r.readings {
                out.push_str(&format!("  {}: {}\n", name(r), g.assumption));
            }
        }
    }
    out
}

/// Every class of the library in one line each, the class used, then each plan figure under both
/// views.
pub(super) fn outside_view(o: &OutsideViewReport) -> String {
    let n = number;
    let [low, _, high] = o.quantiles;
    let r = o.ratio_quantiles;
    let mut out = format!(
        "Outside view of {}: reference classes (actual/plan of a new project in a new programme)\n",
        o.scenario
    );
    for c in &o.classes {
        match (c.interval, c.ratio_median, c.plan_percentile) {
            (Some(i), Some(m), Some(pp)) => out.push_str(&format!(
                "  {}: {} cases in {} programmes, median ratio {}, tau programme {} / project {}{}, P{:.0}–P{:.0} {}–{}, plan at P{:.0}\n",
                c.class,
                c.cases,
                c.programmes,
                n(m),
                n(c.tau_programme.unwrap_or(f64::NAN)),
                n(c.tau_project.unwrap_or(f64::NAN)),
                if c.levels_identified { "" } else { " (not identified: one case per programme)" },
                low * 100.0,
                high * 100.0,
                n(i[0]),
                n(i[2]),
                pp * 100.0,
            )),
            _ => out.push_str(&format!(
                "  {}: {} cases in {} programmes, no fit: {}\n",
                c.class,
                c.cases,
                c.programmes,
                c.unfitted.as_deref().unwrap_or("unknown"),
            )),
        }
    }
    out.push_str(&format!(
        "\nClass {} ({}), actual/plan ratio P{:.0} / P50 / P{:.0} = {} / {} / {}\n\n",
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
    ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::backtest::ReadingsRow;
    use crate::analysis::outside_view::{ClassSummary, OutsideView, ReferenceCase};

    #[test]
    fn backtest_exact_text() {
        let b = Backtest {
            scenario: "mhep1".into(),
            trials: 1000,
            seed: 7,
            actuals: vec![
                BacktestRow {
                    metric: "engagements".into(),
                    label: None,
                    actual: 1266.0,
                    percentile: 0.0412,
                    median: 1438.0,
                    plan: Some(1800.0),
                    plan_percentile: Some(1.0),
                    source: "000 Table 4.1".into(),
                    note: None,
                    readings: None,
                },
                BacktestRow {
                    metric: "fy2017.job_starts + fy2018.job_starts".into(),
                    label: Some("job starts".into()),
                    actual: 372.0,
                    percentile: 0.5,
                    median: 371.5,
                    plan: None,
                    plan_percentile: None,
                    source: "000 Table 4.3".into(),
                    note: Some("scope: two years, upper bound".into()),
                    readings: Some(ReadingsRow {
                        low: Some(300.0),
                        low_percentile: Some(0.125),
                        high: None,
                        high_percentile: None,
                        assumption: "value: all sites; low: one site".into(),
                    }),
                },
            ],
        };
        assert_eq!(
            backtest(&b),
            "Back-test of mhep1: 1000 trials, seed 7\n\n\
             metric       actual  percentile  low reading  high reading  sim. median   plan  plan percentile\n\
             engagements   1,266        4.1%            —             —        1,438  1,800           100.0%\n\
             job starts      372       50.0%  300 @ 12.5%             —          372      —                —\n\
             \nSources:\n  engagements: 000 Table 4.1\n\
             \x20 job starts (fy2017.job_starts + fy2018.job_starts): 000 Table 4.3\n\
             \nNotes (each actual's scope):\n  job starts: scope: two years, upper bound\n\
             \nAssumptions (reports whose scope is ambiguous):\n  job starts: value: all sites; low: one site\n"
        );
    }

    #[test]
    fn outside_view_exact_text() {
        let o = OutsideViewReport {
            scenario: "s".into(),
            class: "volume".into(),
            cases: vec![
                ReferenceCase {
                    key: "a".into(),
                    ratio: 0.5,
                    programme: "p".into(),
                    plan_kind: "base".into(),
                },
                ReferenceCase {
                    key: "b".into(),
                    ratio: 0.7,
                    programme: "q".into(),
                    plan_kind: "best".into(),
                },
            ],
            quantiles: [0.1, 0.5, 0.9],
            plan: vec![OutsideView {
                metric: "engagements".into(),
                plan: 1000.0,
                outside: [300.0, 600.0, 900.0],
                inside: [950.0, 1000.0, 1050.0],
                disagree: true,
            }],
            ratio_quantiles: [0.3, 0.6, 0.9],
            classes: vec![
                ClassSummary {
                    class: "volume".into(),
                    cases: 2,
                    programmes: 2,
                    ratio_median: Some(0.6),
                    se_mean: Some(0.1),
                    tau_programme: Some(0.2),
                    tau_project: Some(0.0),
                    levels_identified: false,
                    interval: Some([0.3, 0.6, 0.9]),
                    plan_percentile: Some(0.85),
                    unfitted: None,
                },
                ClassSummary {
                    class: "outcomes".into(),
                    cases: 1,
                    programmes: 1,
                    ratio_median: None,
                    se_mean: None,
                    tau_programme: None,
                    tau_project: None,
                    levels_identified: false,
                    interval: None,
                    plan_percentile: None,
                    unfitted: Some("too few".into()),
                },
            ],
        };
        assert_eq!(
            outside_view(&o),
            "Outside view of s: reference classes (actual/plan of a new project in a new programme)\n\
             \x20 volume: 2 cases in 2 programmes, median ratio 0.6, tau programme 0.2 / project 0 (not identified: one case per programme), P10–P90 0.3–0.9, plan at P85\n\
             \x20 outcomes: 1 cases in 1 programmes, no fit: too few\n\
             \nClass volume (a 0.5, b 0.7), actual/plan ratio P10 / P50 / P90 = 0.3 / 0.6 / 0.9\n\n\
             plan figure   plan  outside view low / median / high  inside view low / median / high\n\
             engagements  1,000                   300 / 600 / 900              950 / 1,000 / 1,050  DISAGREE\n"
        );
    }
}
