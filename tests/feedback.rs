//! The vicious circle (MODEL.md; 001_91c39e34d7f8be68.txt §5.2.2): a provider paid per engagement
//! and running at about half its plan runs out of cash; with distress feedback on, staff leave
//! faster, vacancies are frozen and posts cut, so capacity falls and the commissioner terminates
//! more often than with the same scenario and seed without feedback (common random numbers).

use sibsim::analysis::{quantile_sorted, TrialTable};
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{parse_scenario, Model};

fn scenarios() -> (Model, Model) {
    let text = std::fs::read_to_string("tests/fixtures/distress.toml").unwrap();
    let start = text.find("\n[sites.only.distress]").unwrap();
    let end = text.find("\n[sites.only.termination]").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    (
        parse_scenario("distress.toml", &text).unwrap(),
        parse_scenario("no_distress.toml", &without).unwrap(),
    )
}

fn column(t: &TrialTable, name: &str) -> Vec<f64> {
    if let Some(j) = t.metric_names.iter().position(|n| n == name) {
        return t.metric_column(j);
    }
    let j = t.flag_names.iter().position(|n| n == name).unwrap();
    t.flag_column(j)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.5)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn distress_feedback_lowers_capacity_and_raises_termination() {
    let (on, off) = scenarios();
    let opts = RunOptions::default();
    let (with, without) = (
        run(&on, &opts, &|_| {}).unwrap(),
        run(&off, &opts, &|_| {}).unwrap(),
    );
    let n = with.trials as f64;

    // The scenario runs at about half its plan without feedback.
    let plan = 1700.0;
    let share = median(column(&without, "engagements")) / plan;
    assert!(
        (0.4..0.6).contains(&share),
        "engagements at {share:.2} of plan"
    );

    // Lower median capacity (ES in post, summed over months).
    let (cap_on, cap_off) = (
        median(column(&with, "es_in_post_months")),
        median(column(&without, "es_in_post_months")),
    );
    assert!(
        cap_on < cap_off,
        "median ES-months {cap_on} with feedback, {cap_off} without"
    );

    // Higher P(termination), by more than 4 standard errors of the difference.
    let (p_on, p_off) = (
        mean(&column(&with, "site.only.terminated")),
        mean(&column(&without, "site.only.terminated")),
    );
    let se = (p_on * (1.0 - p_on) / n + p_off * (1.0 - p_off) / n).sqrt();
    assert!(
        p_on - p_off > 4.0 * se,
        "P(termination) {p_on} with feedback, {p_off} without"
    );

    // Common random numbers: where the provider never fell into distress, the feedback never acted,
    // so the trial is the same in both runs.
    let distressed = column(&with, "site.only.provider_distress");
    let (e_on, e_off) = (
        column(&with, "engagements"),
        column(&without, "engagements"),
    );
    let calm: Vec<usize> = (0..with.trials).filter(|&t| distressed[t] == 0.0).collect();
    assert!(!calm.is_empty() && calm.len() < with.trials);
    for t in calm {
        assert_eq!(e_on[t], e_off[t], "trial {t}");
    }
}
