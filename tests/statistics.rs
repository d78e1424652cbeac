//! Statistical checks of the delivery model against closed-form expectations.
//!
//! With fixed rates and unlimited capacity every referral is independent, so expected counts have a
//! closed form; the simulated means must lie within 4 Monte Carlo standard errors of them.

use sibsim::engine::{run, RunOptions};
use sibsim::scenario::parse_scenario;

fn column(table: &sibsim::analysis::TrialTable, name: &str) -> Vec<f64> {
    let j = table
        .metric_names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    table.metric_column(j)
}

fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn assert_within_4_se(table: &sibsim::analysis::TrialTable, metric: &str, expected: f64) {
    let (mean, se) = mean_and_se(&column(table, metric));
    assert!(se > 0.0, "{metric}: no variation");
    let z = (mean - expected) / se;
    assert!(
        z.abs() < 4.0,
        "{metric}: simulated mean {mean:.3} vs analytic {expected:.3} ({z:.2} standard errors)"
    );
}

#[test]
fn counts_match_their_analytic_expectation() {
    let text = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
    let model = parse_scenario("analytic.toml", &text).unwrap();
    let table = run(&model, &RunOptions::default(), &|_| {}).unwrap();

    let (lambda, p_e, p_j, mu, share, p6, p26, p_ev): (f64, f64, f64, f64, f64, f64, f64, f64) =
        (30.0, 0.6, 0.3, 3.0, 0.75, 0.7, 0.5, 0.8);
    let h = 24;
    // A start lags its engagement by G ~ Geometric(q) failures, q = 1/(1+μ), so
    // P(G ≤ n) = 1 − (1−q)^(n+1). An engagement in month k is counted as a start if k + G ≤ h − 1,
    // reaches 6 weeks one month after the start and 26 weeks six months after it.
    let q = 1.0 / (1.0 + mu);
    let cdf = |n: i64| {
        if n < 0 {
            0.0
        } else {
            1.0 - (1.0 - q).powi(n as i32 + 1)
        }
    };
    let within = |delay: i64| (0..h).map(|k| cdf(h - 1 - k - delay)).sum::<f64>();
    let per_month_engaged = lambda * p_e;

    assert_within_4_se(&table, "referrals", lambda * h as f64);
    assert_within_4_se(&table, "engagements", per_month_engaged * h as f64);
    let starts = per_month_engaged * p_j * within(0);
    assert_within_4_se(&table, "job_starts", starts);
    assert_within_4_se(&table, "job_starts.ge16", starts * share);
    assert_within_4_se(&table, "job_starts.lt16", starts * (1.0 - share));
    let s6 = per_month_engaged * p_j * p6 * within(1);
    assert_within_4_se(&table, "sustain_6w", s6);
    assert_within_4_se(&table, "claimable_6w", s6 * p_ev);
    let s26 = per_month_engaged * p_j * p6 * p26 * within(6);
    assert_within_4_se(&table, "sustain_26w", s26);
    assert_within_4_se(&table, "claimable_26w.ge16", s26 * p_ev * share);
    // Money follows the counts: £100 per engagement, £1,000 per ≥16 h start, two £5,000 blocks.
    assert_within_4_se(
        &table,
        "provider.income",
        100.0 * per_month_engaged * h as f64 + 1000.0 * starts * share + 10_000.0,
    );
}
