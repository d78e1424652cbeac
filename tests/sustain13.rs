//! The 13-week sustainment (`p_13w`, trigger `sustain_13w`): its rate, its place between the 6-
//! and 26-week outcomes, its tariff, and that scenarios without it are untouched.

use assert_cmd::Command;
use serde_json::Value;
use sibsim::analysis::TrialTable;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{parse_scenario, Model};

fn model(path: &str) -> Model {
    let text = std::fs::read_to_string(path).unwrap();
    parse_scenario(path, &text).unwrap()
}

fn column(table: &TrialTable, name: &str) -> Vec<f64> {
    let j = table
        .metric_names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    table.metric_column(j)
}

fn fixture() -> (Model, TrialTable) {
    let model = model("tests/fixtures/sustain13.toml");
    let table = run(&model, &RunOptions::default(), &|_| {}).unwrap();
    (model, table)
}

#[test]
fn the_13_week_rate_given_6_weeks_is_p13() {
    let (_, table) = fixture();
    let (s6, s13) = (column(&table, "sustain_6w"), column(&table, "sustain_13w"));
    // A 6-week outcome is recorded one month after the start, a 13-week one three months after:
    // of the 6-week sustainers counted in the 24 months, a share `inside` also have their 13
    // weeks inside them (time to job: geometric with mean 3, as in tests/statistics.rs).
    let (h, q) = (24_i64, 1.0 / (1.0 + 3.0_f64));
    let cdf = |n: i64| {
        if n < 0 {
            0.0
        } else {
            1.0 - (1.0 - q).powi(n as i32 + 1)
        }
    };
    let within = |delay: i64| (0..h).map(|k| cdf(h - 1 - k - delay)).sum::<f64>();
    let inside = within(3) / within(1);
    let ratios: Vec<f64> = s6
        .iter()
        .zip(&s13)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| b / a / inside)
        .collect();
    let n = ratios.len() as f64;
    let mean = ratios.iter().sum::<f64>() / n;
    let var = ratios.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(se > 0.0);
    let z = (mean - 0.65) / se;
    assert!(z.abs() < 4.0, "13w/6w {mean:.4} vs p13 0.65 ({z:.2} SE)");
}

#[test]
fn thirteen_weeks_lies_between_six_and_twenty_six_and_claims_within_outcomes() {
    let (_, table) = fixture();
    let c = |n: &str| column(&table, n);
    for band in ["", ".lt16", ".ge16"] {
        let (s6, s13, s26) = (
            c(&format!("sustain_6w{band}")),
            c(&format!("sustain_13w{band}")),
            c(&format!("sustain_26w{band}")),
        );
        let c13 = c(&format!("claimable_13w{band}"));
        for t in 0..table.trials {
            assert!(s26[t] <= s13[t] && s13[t] <= s6[t], "trial {t}{band}");
            assert!(c13[t] <= s13[t], "trial {t}{band}");
        }
    }
    // The tariff pays £750 for every claimable 13-week sustainment, exactly.
    let (paid, claims) = (
        c("payments.by_rule.thirteen_weeks"),
        c("site.only.claimable_13w"),
    );
    for t in 0..table.trials {
        assert_eq!(paid[t], 750.0 * claims[t]);
    }
}

#[test]
fn sibsim_pay_settles_a_13_week_tariff() {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "pay",
            "tests/fixtures/sustain13.toml",
            "--site",
            "only",
            "--month",
            "2030-06",
            "--count",
            "sustain_13w:ge16=3",
            "--count",
            "sustain_13w:lt16=1",
            "--json",
        ])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["totals"]["by_payee"]["charity"].as_f64(), Some(3000.0));
}

#[test]
fn a_p_13w_above_1_is_refused_where_it_is_written() {
    let text = std::fs::read_to_string("tests/fixtures/sustain13.toml").unwrap();
    let bad = text.replace("p_13w = 0.65", "p_13w = 1.5");
    let err = parse_scenario("sustain13.toml", &bad)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "sustain13.toml:34:9: sites.only.delivery.p_13w: 1.5 is out of range; expected a probability: a number from 0 to 1, or a distribution whose values all lie in [0, 1] (beta, beta_mean, beta_counts, or uniform/triangular/pert/truncated normal within [0, 1])\n   |\n34 | p_13w = 1.5\n   |         ^^^\n1 problem found; nothing was simulated"
    );
}

#[test]
fn scenarios_without_p_13w_have_no_13_week_metrics_or_inputs() {
    let model = model("tests/fixtures/analytic.toml");
    let table = run(
        &model,
        &RunOptions {
            trials: Some(10),
            ..RunOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    assert!(!table.metric_names.iter().any(|n| n.contains("13w")));
    let (_, with) = fixture();
    assert!(with
        .metric_names
        .iter()
        .any(|n| n == "site.only.claimable_13w.ge16"));
}

/// The 13-week sustainment is recorded like the other outcomes, with no list to extend: its
/// monthly series ends at the trial's total and its financial years add up to it, per site and in
/// total.
#[test]
fn thirteen_weeks_has_a_monthly_series_and_per_year_figures() {
    use sibsim::engine::replay::replay;
    use sibsim::scenario::outputs::years;
    let m = model("tests/fixtures/sustain13.toml");
    let mut seen = 0.0;
    for t in 0..30 {
        let r = replay(&m, 5, t);
        let mut scopes = vec![String::new()];
        scopes.extend(m.sites.iter().map(|s| format!("site.{}.", s.id)));
        for scope in scopes {
            let total = r.value(&format!("{scope}sustain_13w")).expect("13w metric");
            let series = r
                .series(&format!("{scope}sustain_13w"))
                .expect("13w series");
            assert_eq!(*series.last().expect("a month"), total, "trial {t} {scope}");
            let by_year: f64 = years(&m)
                .map(|y| {
                    r.value(&format!("fy{y}.{scope}sustain_13w"))
                        .expect("13w per year")
                })
                .sum();
            assert_eq!(by_year, total, "trial {t} {scope}");
            seen += total;
        }
    }
    assert!(seen > 0.0, "the fixture produces 13-week sustainments");
}

/// The recorded `p_13w` is the one delivery used: a draw below the trial's `p_26w` is raised to
/// it (every 26-week sustainment is a 13-week one), and the record shows the raised value.
#[test]
fn the_recorded_p_13w_is_the_value_used() {
    let path = "tests/fixtures/sustain13.toml";
    let text = std::fs::read_to_string(path).unwrap().replace(
        "p_13w = 0.65",
        "p_13w = { dist = \"uniform\", min = 0.3, max = 0.7 }",
    );
    let m = parse_scenario(path, &text).expect("valid");
    let opts = RunOptions {
        trials: Some(400),
        seed: Some(3),
        threads: Some(2),
        ..RunOptions::default()
    };
    let table = run(&m, &opts, &|_| {}).unwrap();
    let p13 = table.inputs.get("input.only.p_13w").expect("recorded");
    let p26 = table.inputs.get("input.only.p_26w").expect("recorded");
    assert!(p13.iter().zip(&p26).all(|(a, b)| a >= b));
    let raised = p13.iter().zip(&p26).filter(|(a, b)| a == b).count();
    // Half the uniform's draws fall below 0.5: about 200 of 400 trials are raised.
    assert!((150..=250).contains(&raised), "{raised} of 400 raised");
}

/// A plan figure or an actual on a 13-week count (any band, claimable or not, per year or not) at
/// a site that sets no `p_13w` is refused; at the site that sets it, accepted.
#[test]
fn thirteen_week_figures_only_at_sites_that_draw_them() {
    let path = "tests/bad/plan_13w_at_site_without_p_13w.toml";
    let text = std::fs::read_to_string(path).unwrap();
    let base = text.replace("[sites.other.plan]\nsustain_13w = 10\n", "");
    let with_actual = |metric: &str| {
        format!("{base}\n[actuals.\"{metric}\"]\nvalue = 3\nsource = \"003_ce3dba4e6d6f0870.txt (illustrative)\"\n")
    };
    for metric in [
        "site.other.claimable_13w.ge16",
        "fy2030.site.other.sustain_13w",
    ] {
        let err = parse_scenario(path, &with_actual(metric)).expect_err(metric);
        assert!(err.to_string().contains("sets no p_13w"), "{metric}: {err}");
    }
    for metric in [
        "site.only.claimable_13w.ge16",
        "fy2030.site.only.sustain_13w",
    ] {
        parse_scenario(path, &with_actual(metric)).unwrap_or_else(|e| panic!("{metric}: {e}"));
    }
}
