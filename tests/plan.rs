//! Plan against simulation: the de-risked target and the percentile are inverse to each other,
//! and every run reports them.

use assert_cmd::Command;
use sibsim::analysis::plan::plan_checks;
use sibsim::analysis::{percentile_of, quantile_sorted};
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{load, PlanFigure};

/// The value reached with 80% confidence (the P20) has percentile 0.20, within Monte Carlo error,
/// on a continuous metric (provider cost: salaries are drawn from distributions).
#[test]
fn the_p20_value_has_percentile_020() {
    let mut model = load("scenarios/ips_new_service.toml".as_ref()).unwrap();
    model.plan = vec![PlanFigure {
        metric: "provider.cost".into(),
        value: 0.0,
    }];
    let opts = RunOptions {
        trials: Some(4000),
        ..RunOptions::default()
    };
    let table = run(&model, &opts, &|_| {}).unwrap();
    let check = &plan_checks(&model, &table, 0.8)[0];
    let j = table
        .metric_names
        .iter()
        .position(|n| n == "provider.cost")
        .unwrap();
    let mut v = table.metric_column(j);
    v.sort_by(f64::total_cmp);
    assert_eq!(check.derisked_target, quantile_sorted(&v, 0.2));
    let p = percentile_of(&v, check.derisked_target);
    let n = v.len() as f64;
    let tolerance = 4.0 * (0.2 * 0.8 / n).sqrt();
    assert!(
        (p - 0.2).abs() <= tolerance,
        "percentile {p} of the P20 value"
    );
    // And the plan of 0 sits below every trial: percentile 0, always met.
    assert_eq!((check.percentile, check.p_meet), (0.0, 1.0));
}

#[test]
fn run_reports_plan_against_simulation_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "run",
            "scenarios/mhep1.toml",
            "--trials",
            "300",
            "--quiet",
            "--confidence",
            "0.9",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("Plan vs simulation (de-risked target: reached in 90.0% of trials)"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    let e = &json["plan"]["site.staffordshire.engagements"];
    assert_eq!(e["plan"], 1032.0);
    assert_eq!(e["confidence"], 0.9);
    for key in ["percentile", "p_meet", "optimism_ratio", "derisked_target"] {
        assert!(e[key].is_number(), "{key}");
    }
    // P(meet) is the probability of the plan flag.
    assert_eq!(
        e["p_meet"],
        json["probabilities"]["plan.site.staffordshire.engagements.met"]
    );
    let csv = std::fs::read_to_string(dir.path().join("plan.csv")).unwrap();
    assert!(csv.starts_with(
        "metric,unit,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target\n"
    ));
    assert!(csv.contains("\nsite.staffordshire.engagements,count,1032,"));

    Command::cargo_bin("sibsim")
        .unwrap()
        .args(["run", "scenarios/mhep1.toml", "--quiet", "--confidence", "1.5"])
        .assert()
        .code(2)
        .stderr("Error: invalid --confidence: 1.5; expected a share strictly between 0 and 1, e.g. 0.8\n");
}

/// `sibsim backtest` on MHEP 1: every recorded actual is reported with its percentile, and the
/// programme engagement plan's percentile beside it.
#[test]
fn backtest_reports_each_actual_and_the_plans_place() {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "backtest",
            "scenarios/mhep1.toml",
            "--trials",
            "400",
            "--json",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["trials"], 400);
    let rows = v["actuals"].as_array().unwrap();
    // 000 Table 4.1's twelve counts and the top-up (the money of the contract as run is in
    // mhep1_reset.toml).
    assert_eq!(rows.len(), 13);
    let eng = rows.iter().find(|r| r["metric"] == "engagements").unwrap();
    // 000_a181213f7b897744.txt Table 4.1: 527 + 566 + 156; the plan, 001's 2,651 (Haringey inferred).
    assert_eq!(
        (eng["actual"].as_f64(), eng["plan"].as_f64()),
        (Some(1249.0), Some(2651.0))
    );
    for r in rows {
        let p = r["percentile"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{r}");
    }
    Command::cargo_bin("sibsim")
        .unwrap()
        .args(["backtest", "tests/fixtures/analytic.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "Error: invalid FILE: tests/fixtures/analytic.toml has no [actuals]",
        ));
}

/// A plan figure for a finance metric is judged on the finished trial: its flag's probability is
/// the plan check's P(meet) (an undefined IRR meets no plan).
#[test]
fn plan_flags_see_every_metric_including_finance() {
    let mut model = load("scenarios/mhep1.toml".as_ref()).unwrap();
    model.plan.push(PlanFigure {
        metric: "investor.irr".into(),
        value: -0.5,
    });
    let opts = RunOptions {
        trials: Some(800),
        ..RunOptions::default()
    };
    let table = run(&model, &opts, &|_| {}).unwrap();
    let flag = table
        .flag_names
        .iter()
        .position(|n| n == "plan.investor.irr.met")
        .unwrap();
    let met = table.flag_column(flag).iter().sum::<f64>();
    let j = table
        .metric_names
        .iter()
        .position(|n| n == "investor.irr")
        .unwrap();
    let reached = table
        .metric_column(j)
        .iter()
        .filter(|&&x| x >= -0.5)
        .count();
    assert_eq!(met, reached as f64);
    assert!(met > 0.0 && (met as usize) < table.trials);
}
