//! The distribution of the outputs is unchanged by issue 9's faster sampling (the random streams
//! changed; what they draw from must not).
//!
//! `tests/distribution/before.csv` holds figures of 100,000 trials run on commit `fceae80`, before
//! the change, with their standard errors (written by `tests/distribution/make_before.py` from that
//! run's `trials.csv`). Here the current code runs 100,000 trials at another seed, the same
//! statistics are computed the same way, and each must agree with the old within 4 combined
//! standard errors, √(se_old² + se_new²), plus — for a quantile — one step of the column's value
//! grid: a count's P10 is a whole number, and can move by one when its CDF is within noise of 0.1.
//! MHEP 1 runs with its on-account bases' `until` taken out and its evidence haircut put back, as
//! the scenario was when recorded.
//!
//! Standard errors: of a mean, sd/√n; of a quantile P_p, distribution-free from the 95%
//! order-statistic interval (ranks n·p ∓ 1.96·√(n·p·(1−p))): (x_hi − x_lo)/(2 × 1.96).

use sibsim::{Scenario, Simulation};

mod common;
use common::{with_old_evidence_haircut, without_exposure, without_lapse};

const TRIALS: u64 = 100_000;
/// Not the seed of the recorded run: the new run is an independent sample.
const SEED: u64 = 7_919;

struct Stat {
    value: f64,
    se: f64,
}

/// Linear interpolation between order statistics (as the summary, and as `make_before.py`).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let i = h.floor() as usize;
    if i + 1 >= sorted.len() {
        return sorted[sorted.len() - 1];
    }
    sorted[i] + (h - i as f64) * (sorted[i + 1] - sorted[i])
}

fn quantile_se(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len() as f64;
    let half = 1.96 * (n * p * (1.0 - p)).sqrt();
    let lo = sorted[((n * p - half).floor().max(0.0)) as usize];
    let hi = sorted[((n * p + half).ceil() as usize).min(sorted.len() - 1)];
    (hi - lo) / (2.0 * 1.96)
}

/// The smallest gap between distinct values: 1 for a count, £100 for money paid in £100 units,
/// next to nothing for a continuous figure.
fn grid_step(sorted: &[f64]) -> f64 {
    sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 0.0)
        .fold(f64::INFINITY, f64::min)
}

fn stats(mut xs: Vec<f64>, statistic: &str) -> Stat {
    assert!(xs.iter().all(|x| x.is_finite()), "a value is not finite");
    let n = xs.len() as f64;
    if statistic == "mean" {
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        return Stat {
            value: mean,
            se: (var / n).sqrt(),
        };
    }
    let p = match statistic {
        "p10" => 0.1,
        "p50" => 0.5,
        "p90" => 0.9,
        other => panic!("unknown statistic {other}"),
    };
    xs.sort_by(f64::total_cmp);
    Stat {
        value: quantile(&xs, p),
        se: quantile_se(&xs, p),
    }
}

/// MHEP 1 as recorded: no lapsing bases, the old evidence haircut, no exposures.
fn mhep1_as_recorded(text: &str) -> String {
    with_old_evidence_haircut(&without_exposure(&without_lapse(text)))
}

fn check(scenario: &str, path: &str, edit: fn(&str) -> String) {
    let text = std::fs::read_to_string(path).expect("the scenario is readable");
    let model = Scenario::from_str(path, &edit(&text)).expect("the scenario loads");
    let results = Simulation::new(&model)
        .trials(TRIALS)
        .seed(SEED)
        .run()
        .expect("the run succeeds");
    let before = include_str!("distribution/before.csv");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in before.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != scenario {
            continue;
        }
        let (metric, statistic) = (f[1], f[2]);
        let old = Stat {
            value: f[3].parse().unwrap(),
            se: f[4].parse().unwrap(),
        };
        let column = results.column(metric).expect("the metric exists");
        let mut sorted = column.clone();
        sorted.sort_by(f64::total_cmp);
        let step = if statistic == "mean" {
            0.0
        } else {
            grid_step(&sorted)
        };
        let new = stats(column, statistic);
        let combined = (old.se.powi(2) + new.se.powi(2)).sqrt();
        let diff = (new.value - old.value).abs();
        let allowed = 4.0 * combined + step;
        if diff > allowed {
            failures.push(format!(
                "{metric} {statistic}: before {:.6} ± {:.4}, now {:.6} ± {:.4} (|Δ| {diff:.4} > {allowed:.4})",
                old.value, old.se, new.value, new.se
            ));
        }
        checked += 1;
    }
    assert!(checked >= 16, "only {checked} statistics in before.csv");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mhep1_outputs_are_distributed_as_before() {
    check("mhep1", "scenarios/mhep1.toml", mhep1_as_recorded);
}

#[test]
fn analytic_fixture_outputs_are_distributed_as_before() {
    check("analytic", "tests/fixtures/analytic.toml", str::to_string);
}
