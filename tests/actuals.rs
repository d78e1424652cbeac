//! The back-test's actuals in the bundled MHEP 1 scenarios: every one cites a report file (listed
//! in docs/sources.md) by name and, for money, says what it covers; each low/high reading says
//! what it assumes (issue 12, money like for like). The signed case (`mhep1.toml`) keeps what fits
//! it; the contract as run (`mhep1_reset.toml`, to MHEP 1's close) carries the money.

use sibsim::scenario::{parse_scenario, Actual};

const REPORTS: [&str; 2] = ["000_a181213f7b897744.txt", "001_91c39e34d7f8be68.txt"];

fn actuals(file: &str) -> Vec<Actual> {
    let text = std::fs::read_to_string(format!("scenarios/{file}")).expect("bundled scenario");
    parse_scenario(file, &text).expect("valid").actuals
}

fn is_money(a: &Actual) -> bool {
    ["payments.", "investor.", "margin", "spv."]
        .iter()
        .any(|k| a.metric.contains(k))
}

/// Checks every actual of `file` cites a report, every money actual states its scope in its note,
/// and every low/high reading has an assumption naming each side; returns the money actuals.
fn check(file: &str) -> Vec<Actual> {
    let all = actuals(file);
    for a in &all {
        assert!(
            REPORTS.iter().any(|r| a.source.contains(r)),
            "{file} {}: source {:?} names none of {REPORTS:?}",
            a.metric,
            a.source
        );
        if let Some(r) = &a.readings {
            assert!(r.low.is_some() || r.high.is_some(), "{}", a.metric);
            assert!(
                r.assumption.contains("value:"),
                "{}: {}",
                a.metric,
                r.assumption
            );
            for (side, given) in [("low:", r.low.is_some()), ("high:", r.high.is_some())] {
                assert_eq!(
                    r.assumption.contains(side),
                    given,
                    "{}: the assumption must label {side} exactly when it is given",
                    a.metric
                );
            }
        }
    }
    let money: Vec<Actual> = all.into_iter().filter(is_money).collect();
    for a in &money {
        assert!(
            a.note.as_deref().is_some_and(|n| n.contains("scope")),
            "{file} {}: a money actual with no scope stated",
            a.metric
        );
    }
    money
}

#[test]
fn every_mhep1_actual_cites_a_report_and_money_states_its_scope() {
    let all = actuals("mhep1.toml");
    // 000 Table 4.1: engagements, job starts, 6-week sustainments for three sites and in total.
    assert!(all.len() >= 12, "{} actuals", all.len());
    let money = check("mhep1.toml");
    // The signed case is not the contract the money was paid under: what money stays says so.
    for a in &money {
        let note = a.note.as_deref().unwrap_or_default();
        assert!(note.contains("NOT"), "{}: {note}", a.metric);
    }
}

#[test]
fn every_mhep1_reset_actual_cites_a_report_and_money_states_its_scope() {
    let money = check("mhep1_reset.toml");
    let metrics: Vec<&str> = money.iter().map(|a| a.metric.as_str()).collect();
    // The money table of issue 12: each row present, compared over the report's window.
    for m in [
        "fy2017.site.haringey.provider.margin + fy2018.site.haringey.provider.margin",
        "fy2017.site.tower_hamlets.provider.margin + fy2018.site.tower_hamlets.provider.margin",
        "fy2017.payments.by_payer.haringey + fy2018.payments.by_payer.haringey",
        "fy2017.payments.by_payer.tower_hamlets_ccg + fy2018.payments.by_payer.tower_hamlets_ccg",
        "payments.by_payer.sof + fy2018.payments.by_payer.cbo",
        "spv.costs",
        "investor.loan.drawn",
        "investor.loan.interest_paid + investor.loan.principal_repaid",
        "investor.loan.irr_owed",
    ] {
        assert!(metrics.contains(&m), "{m} missing from {metrics:?}");
    }
    // The two ambiguous scopes of the brief carry both readings.
    let with_readings: Vec<&str> = money
        .iter()
        .filter(|a| a.readings.is_some())
        .map(|a| a.metric.as_str())
        .collect();
    assert!(with_readings.contains(&"investor.loan.drawn"));
    assert!(with_readings.iter().any(|m| m.contains("by_payer.haringey")
        && m.contains("by_payer.sof")
        && m.contains("by_payer.cbo")));
    // Tower Hamlets runs to Mar 2020 here, past 000 Table 4.1's window: its counts are FY sums.
    let all = actuals("mhep1_reset.toml");
    for a in all
        .iter()
        .filter(|a| a.source.contains("Table 4.1") && a.metric.contains("tower_hamlets"))
    {
        assert!(
            a.metric.contains("fy2015.")
                && a.metric.contains("fy2018.")
                && !a.metric.contains("fy2019."),
            "{}",
            a.metric
        );
    }
}
