//! The trial record (issue 8, item 4): the monthly series end at the trial's totals, the
//! financial years add up to the whole horizon, the recorded inputs are the ones the trial used,
//! and `monthly.csv` does not depend on the thread count.

use assert_cmd::Command;
use sibsim::analysis::TrialTable;
use sibsim::engine::replay::replay;
use sibsim::engine::table::store::holds;
use std::ops::ControlFlow;

use sibsim::engine::runner::run_observed;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{parse_scenario, Model};

fn model(path: &str) -> Model {
    let text = std::fs::read_to_string(path).unwrap();
    parse_scenario(path, &text).unwrap()
}

fn run_n(model: &Model, trials: u64, seed: u64) -> TrialTable {
    let opts = RunOptions {
        trials: Some(trials),
        seed: Some(seed),
        threads: None,
        ..RunOptions::default()
    };
    run(model, &opts, &|_| {}).unwrap()
}

/// A run and its trials' exact rows (the table holds values that are not whole numbers to f32
/// precision only).
fn run_exact(model: &Model, trials: u64, seed: u64) -> (TrialTable, Vec<Vec<f64>>) {
    let opts = RunOptions {
        trials: Some(trials),
        seed: Some(seed),
        threads: None,
        ..RunOptions::default()
    };
    let mut rows = Vec::new();
    let table = run_observed(model, &opts, &|_| {}, &mut |s| {
        rows.extend((0..s.len()).map(|i| s.row(i).to_vec()));
        ControlFlow::Continue(())
    })
    .unwrap();
    (table, rows)
}

fn metric(table: &TrialTable, row: &[f64], name: &str) -> f64 {
    let j = table
        .metric_names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    row[j]
}

const COUNTS: [&str; 4] = ["engagements", "job_starts", "sustain_6w", "sustain_26w"];

#[test]
fn the_last_month_of_each_series_is_the_trials_total() {
    let m = model("scenarios/mhep1.toml");
    let table = run_n(&m, 24, 7);
    for t in 0..24 {
        let rec = replay(&m, 7, t as u64);
        // The replay is the very trial the run simulated: the table holds each of its values
        // exactly or, where it is not a whole number, as the nearest f32 (an undefined IRR is NaN).
        let held = |exact: &[f64], held: &[f64]| {
            exact.len() == held.len() && exact.iter().zip(held).all(|(&x, &h)| holds(x, h))
        };
        assert!(held(&rec.row, &table.row(t)), "trial {t}");
        assert!(held(&rec.inputs, &table.inputs.row(t)), "trial {t}");
        let mut names: Vec<String> = COUNTS.iter().map(|c| c.to_string()).collect();
        for site in &m.sites {
            names.extend(COUNTS.iter().map(|c| format!("site.{}.{c}", site.id)));
        }
        names.extend(
            m.parties
                .iter()
                .map(|p| format!("payments.by_payer.{}", p.id)),
        );
        for name in &names {
            let total = rec.value(name).unwrap();
            let series = rec.series(name).unwrap();
            assert_eq!(*series.last().unwrap(), total, "trial {t}: {name}");
            // The run's compact copy holds the same figure at f32 precision.
            let stored = table.monthly.series(t, name).unwrap();
            assert_eq!(*stored.last().unwrap(), total as f32, "trial {t}: {name}");
        }
        for site in &m.sites {
            // Cash ends at the opening balance plus the margin.
            let cash = rec
                .series(&format!("site.{}.provider.cash", site.id))
                .unwrap();
            let opening = rec
                .input(&format!("input.{}.opening_cash", site.id))
                .unwrap();
            let margin = rec
                .value(&format!("site.{}.provider.margin", site.id))
                .unwrap();
            let end = *cash.last().unwrap();
            assert!((end - (opening + margin)).abs() < 1e-6, "trial {t}: {end}");
        }
        // Cumulative series never fall.
        let engaged = rec.series("engagements").unwrap();
        assert!(engaged.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn financial_years_add_up_to_the_whole_horizon() {
    for path in ["scenarios/mhep1.toml", "scenarios/mhep1_reset.toml"] {
        let m = model(path);
        let (table, rows) = run_exact(&m, 100, 11);
        let years: Vec<String> = {
            let mut y: Vec<String> = table
                .metric_names
                .iter()
                .filter_map(|n| n.strip_prefix("fy")?.split('.').next().map(String::from))
                .collect();
            y.dedup();
            y
        };
        // 2016-01 .. : FY2015/16 (three months only) to the horizon's last.
        assert_eq!(years.first().map(String::as_str), Some("2015"), "{path}");
        let money = ["provider.income", "provider.cost", "provider.margin"];
        let mut names: Vec<String> = COUNTS.iter().chain(&money).map(|c| c.to_string()).collect();
        for site in &m.sites {
            names.extend(
                COUNTS
                    .iter()
                    .chain(&money)
                    .map(|c| format!("site.{}.{c}", site.id)),
            );
        }
        names.extend(
            m.parties
                .iter()
                .map(|p| format!("payments.by_payer.{}", p.id)),
        );
        for (t, row) in rows.iter().enumerate() {
            for name in &names {
                let whole = metric(&table, row, name);
                let sum: f64 = years
                    .iter()
                    .map(|y| metric(&table, row, &format!("fy{y}.{name}")))
                    .sum();
                let exact = COUNTS.iter().any(|c| name.ends_with(c));
                let tol = if exact {
                    0.0
                } else {
                    1e-9 * whole.abs().max(1.0)
                };
                assert!(
                    (sum - whole).abs() <= tol,
                    "{path} trial {t}: {name}: years sum to {sum}, whole horizon {whole}"
                );
            }
        }
    }
}

#[test]
fn a_fixed_input_is_recorded_in_every_trial() {
    let base = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let at = base.find("[sites.haringey.delivery]").unwrap();
    let line = at + base[at..].find("p_engage = ").unwrap();
    let end = line + base[line..].find('\n').unwrap();
    let text = format!("{}p_engage = 0.4321{}", &base[..line], &base[end..]);
    let m = parse_scenario("fixed.toml", &text).unwrap();
    let table = run_n(&m, 200, 3);
    let drawn = table.inputs.get("input.haringey.p_engage").unwrap();
    assert_eq!(drawn.len(), 200);
    assert!(drawn.iter().all(|&x| x == 0.4321), "{drawn:?}");
    // Another site's, still drawn, varies.
    let other = table.inputs.get("input.tower_hamlets.p_engage").unwrap();
    assert!(other.iter().any(|&x| x != other[0]));
    // The SPV's draws are recorded too.
    assert!(table.inputs.get("input.spv.central_team").is_some());
}

/// Spearman's rank correlation (no ties: continuous draws).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |x: &[f64]| {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let mut r = vec![0.0; x.len()];
        for (rank, &i) in idx.iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let var: f64 = ra.iter().map(|x| (x - mean) * (x - mean)).sum();
    cov / var
}

#[test]
fn recorded_inputs_show_the_requested_rank_correlation() {
    let base = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let text = format!(
        "{base}\n[correlation]\nacross_sites = {{ \"delivery.p_engage\" = 0.7 }}\nwithin_site = [{{ a = \"delivery.p_job_start\", b = \"delivery.p_6w\", rho = 0.6 }}]\n"
    );
    let m = parse_scenario("correlated.toml", &text).unwrap();
    let n = 2000;
    let table = run_n(&m, n, 5);
    let get = |name: &str| table.inputs.get(name).unwrap();
    // Gaussian copula: rank correlation (6/π)·asin(ρ/2).
    let rank = |rho: f64| 6.0 / std::f64::consts::PI * (rho / 2.0).asin();
    let tol = 4.0 / (n as f64).sqrt();
    for (a, b, want) in [
        (
            "input.haringey.p_job_start",
            "input.haringey.p_6w",
            rank(0.6),
        ),
        (
            "input.staffordshire.p_job_start",
            "input.staffordshire.p_6w",
            rank(0.6),
        ),
        (
            "input.haringey.p_engage",
            "input.tower_hamlets.p_engage",
            rank(0.7),
        ),
        ("input.haringey.p_engage", "input.haringey.p_6w", 0.0),
    ] {
        let got = spearman(&get(a), &get(b));
        assert!(
            (got - want).abs() < tol,
            "{a} ~ {b}: rank correlation {got}, expected {want} ± {tol}"
        );
    }
}

#[test]
fn monthly_csv_is_identical_on_one_and_four_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let out = tmp.path().join(threads);
        Command::cargo_bin("sibsim")
            .unwrap()
            .args([
                "run",
                "scenarios/mhep1.toml",
                "--trials",
                "300",
                "--seed",
                "9",
            ])
            .args(["--threads", threads, "--quiet", "--per-trial", "--out"])
            .arg(&out)
            .assert()
            .success();
        let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
        let trials = std::fs::read_to_string(out.join("trials.csv")).unwrap();
        outputs.push((monthly, trials));
    }
    assert_eq!(outputs[0], outputs[1]);
    let (monthly, trials) = &outputs[0];
    let mut lines = monthly.lines();
    assert_eq!(lines.next(), Some("series,unit,month,p10,p50,p90,mean"));
    assert_eq!(
        lines
            .next()
            .map(|l| l.split(',').take(3).collect::<Vec<_>>()),
        Some(vec!["engagements", "count", "2016-01"])
    );
    assert!(monthly.contains("\nsite.haringey.provider.cash,GBP,2019-03,"));
    assert!(monthly.contains("\ninvestor.outstanding,GBP,2016-01,"));
    // trials.csv carries the inputs after today's columns.
    let header = trials.lines().next().unwrap();
    assert!(
        header.ends_with(",input.spv.central_team,input.spv.administration,input.spv.evaluation")
    );
    assert!(header.contains(",spv.default,") || header.contains(",terminated,"));
}

/// Above the monthly store's cap, `monthly.csv` is over the first `MONTHLY_TRIALS` trials — the
/// same ones on any thread count — and the run's report says how many.
#[test]
fn monthly_figures_above_the_cap_are_over_the_first_trials_on_any_thread_count() {
    use sibsim::analysis::RunReport;
    use sibsim::engine::record::MONTHLY_TRIALS;
    let m = model("scenarios/box1.toml");
    let n = MONTHLY_TRIALS as u64 + 70;
    let run_on = |threads| {
        let opts = RunOptions {
            trials: Some(n),
            seed: Some(9),
            threads: Some(threads),
            ..RunOptions::default()
        };
        run(&m, &opts, &|_| {}).expect("runs")
    };
    let (one, three) = (run_on(1), run_on(3));
    assert_eq!(one.trials, n as usize);
    assert_eq!(one.monthly.trials, MONTHLY_TRIALS);
    assert_eq!(one.monthly.values, three.monthly.values);
    // The stored trials are the first ones: the last stored trial's series is its replay's.
    let last = MONTHLY_TRIALS - 1;
    let rec = replay(&m, 9, last as u64);
    let name = "engagements";
    let stored = one.monthly.series(last, name).expect("series");
    let full = rec.series(name).expect("series");
    assert!(stored.iter().zip(full).all(|(&a, &b)| a == b as f32));
    let plan = sibsim::engine::sampling::Plan::mc(n);
    let report = RunReport::new(&m, &one, &plan, 9, (0.1, 0.9), 0.8);
    assert_eq!(report.monthly_trials, MONTHLY_TRIALS);
    assert_eq!(report.summary.trials, n);
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["monthly_trials"], MONTHLY_TRIALS);
}
