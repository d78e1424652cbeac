//! The back-test's actuals in the bundled MHEP 1 scenario: every one cites a report file of
//! `/work/shared/seeds/` by name and, for money, says what it covers (issue 12, money like for like).

use sibsim::scenario::parse_scenario;

#[test]
fn every_mhep1_actual_cites_a_report_and_money_states_its_scope() {
    let text = std::fs::read_to_string("scenarios/mhep1.toml").expect("bundled scenario");
    let model = parse_scenario("mhep1.toml", &text).expect("valid");
    let reports = ["000_a181213f7b897744.txt", "001_91c39e34d7f8be68.txt"];
    assert!(model.actuals.len() >= 10, "{} actuals", model.actuals.len());
    let mut money = 0;
    for a in &model.actuals {
        assert!(
            reports.iter().any(|r| a.source.contains(r)),
            "{}: source {:?} names none of {reports:?}",
            a.metric,
            a.source
        );
        let is_money = ["payments.", "investor.", "margin", "spv."]
            .iter()
            .any(|k| a.metric.contains(k));
        if is_money {
            money += 1;
            let scoped = a.note.as_deref().is_some_and(|n| n.contains("scope"))
                || a.readings.is_some()
                || a.note
                    .as_deref()
                    .is_some_and(|n| n.contains("like for like"));
            assert!(scoped, "{}: a money actual with no scope stated", a.metric);
        }
    }
    // Table 5 and Table 8 for two sites, loan drawn, cash returned, the loan IRR, top-up income.
    assert!(money >= 9, "{money} money actuals");
}
