//! Correlated inputs (MODEL.md, "One trial", step 1): when a bad labour market or an optimistic
//! design hits every site together, the programme's total spreads more than with sites drawn
//! independently.

use sibsim::analysis::quantile_sorted;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::parse_scenario;

fn p10_p90_width(text: &str, label: &str) -> f64 {
    let model = parse_scenario(label, text).unwrap();
    let opts = RunOptions {
        trials: Some(3000),
        ..RunOptions::default()
    };
    let table = run(&model, &opts, &|_| {}).unwrap();
    let j = table
        .metric_names
        .iter()
        .position(|n| n == "engagements")
        .unwrap();
    let mut v = table.metric_column(j);
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.9) - quantile_sorted(&v, 0.1)
}

#[test]
fn correlated_sites_widen_the_totals_p10_p90() {
    let base = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let correlated = format!(
        "{base}\n[correlation]\nacross_sites = {{ \"delivery.referrals_per_month\" = 0.8, \"delivery.p_engage\" = 0.8 }}\n"
    );
    let independent = p10_p90_width(&base, "independent.toml");
    let shared = p10_p90_width(&correlated, "correlated.toml");
    assert!(
        shared > 1.15 * independent,
        "P10-P90 of total engagements: {shared} correlated vs {independent} independent"
    );
}

#[test]
fn an_impossible_correlation_matrix_is_refused_with_its_place() {
    let base = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
    let text = format!(
        "{base}\n[correlation]\nwithin_site = [\n  {{ a = \"delivery.p_engage\", b = \"delivery.p_job_start\", rho = 0.9 }},\n  {{ a = \"delivery.p_job_start\", b = \"delivery.p_6w\", rho = 0.9 }},\n  {{ a = \"delivery.p_engage\", b = \"delivery.p_6w\", rho = -0.9 }},\n]\n"
    );
    let err = parse_scenario("bad.toml", &text).unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert!(err.0[0]
        .headline()
        .ends_with("correlation: these correlations do not form a valid correlation matrix (it is not positive definite); expected correlations that can hold together, e.g. smaller ones, or fewer pairs pulling in opposite directions"));
}
