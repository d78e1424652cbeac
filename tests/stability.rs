//! Value stability: a fixed scenario, seed and trial count give exactly these committed figures.
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
    let model = load("scenarios/mhep1.toml".as_ref()).unwrap();
    let opts = RunOptions {
        trials: Some(1000),
        seed: Some(20161),
        threads: Some(2),
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
        "site.haringey.claimable_26w.ge16",
        "provider.margin",
        "payments.by_payer.outcome_payer",
    ]
    .into_iter()
    .map(|n| (n, got(n)))
    .collect();
    let expected: Vec<(&str, [f64; 3])> = vec![
        ("engagements", [1161.1000000000001, 1429.5, 1736.0]),
        ("job_starts", [330.0, 411.5, 505.0]),
        ("site.haringey.claimable_26w.ge16", [12.0, 22.0, 33.0]),
        (
            "provider.margin",
            [-648731.2599411786, -395139.8247243251, -136443.3892028062],
        ),
        (
            "payments.by_payer.outcome_payer",
            [475422.0, 608675.0, 750334.0],
        ),
    ];
    assert_eq!(got, expected);
}
