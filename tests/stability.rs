//! Value stability: a fixed scenario (`tests/fixtures/rules.toml`, which exercises every payment
//! rule), seed and trial count give exactly these committed figures.
//!
//! Not a check of correctness (tests/statistics.rs does that) but of reproducibility across
//! builds, platforms and refactorings: a change to the random streams, the order of draws or the
//! quantile estimator shows up here. If such a change is intended, update the figures in the same
//! commit and say why.

use sibsim::analysis::summarise;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::load;

#[test]
fn fixed_seed_gives_the_committed_percentiles() {
    let model = load("tests/fixtures/rules.toml".as_ref()).unwrap();
    let opts = RunOptions {
        trials: Some(1000),
        seed: Some(20161),
        threads: Some(2),
        ..RunOptions::default()
    };
    let table = run(&model, &opts, &|_| {}).unwrap();
    let s = summarise(&table, &model.name, 20161, 0.1, 0.9);
    let got = |name: &str| {
        let m = &s.metrics.iter().find(|(n, _)| n == name).unwrap().1;
        [m.low, m.median, m.high]
    };
    let got: Vec<(&str, [f64; 3])> = [
        "engagements",
        "job_starts",
        "claimable_6w.ge16",
        "provider.margin",
        "payments.total",
        "payments.share.fund",
    ]
    .into_iter()
    .map(|n| (n, got(n)))
    .collect();
    let expected: Vec<(&str, [f64; 3])> = vec![
        ("engagements", [407.0, 433.0, 460.0]),
        ("job_starts", [101.0, 113.0, 127.10000000000002]),
        ("claimable_6w.ge16", [37.0, 45.5, 54.0]),
        ("provider.margin", [-5948452.0, -5944260.0, -5939588.0]),
        ("payments.total", [68508.0, 73340.0, 78541.0]),
        ("payments.share.fund", [0.089125425, 0.09544587, 0.10217784]),
    ];
    assert_eq!(got, expected);
}
