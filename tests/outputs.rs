//! Outputs an analyst can use (issue 15, item 6): CSV cells rounded by unit within half their
//! last printed digit of `summary.json`'s exact values, quantile columns named by level, a `unit`
//! column, `summary.json`'s `meta`, output folders that refuse another scenario's results unless
//! `--force` and never mix two runs' files, and `backtest` / `outside-view --out`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("file written")).expect("valid JSON")
}

/// A CSV file as its header and its rows keyed by their first cell, read with the csv crate.
fn read_csv(path: &Path) -> (Vec<String>, HashMap<String, Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("CSV written");
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = HashMap::new();
    for rec in r.records() {
        let rec: Vec<String> = rec.unwrap().iter().map(String::from).collect();
        rows.insert(rec[0].clone(), rec);
    }
    (header, rows)
}

/// Half the last printed digit of `cell`: 0.05 for `1238.3`, 0.5 for `1238`.
fn half_last_digit(cell: &str) -> f64 {
    let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
    0.5 * 10f64.powi(-(decimals as i32))
}

/// The most rounding may move a value of `unit` (the documented precision, not the printed
/// digits): counts to 0.1, money to pence, the rest to 4 significant figures (of the nearer of p
/// and 1 − p for a probability).
fn allowed(unit: &str, exact: f64) -> f64 {
    let sig4 = |x: f64| {
        if x == 0.0 {
            0.0
        } else {
            0.5 * 10f64.powi(x.abs().log10().floor() as i32 - 3)
        }
    };
    match unit {
        "count" | "months" | "ES-months" => 0.05,
        "GBP" => 0.005,
        "probability" => sig4(exact.min(1.0 - exact)).min(sig4(exact)).max(0.0),
        _ => sig4(exact).min(0.5),
    }
}

fn run_mhep1(out: &Path, extra: &[&str]) {
    sibsim()
        .args([
            "run",
            "scenarios/mhep1.toml",
            "--trials",
            "2000",
            "--seed",
            "11",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// MHEP 1: every quantile (and mean) in `summary.csv` is within half its last printed digit of
/// `summary.json`'s exact value, and within its unit's documented precision; each probability
/// likewise; `plan.csv` against the JSON's plan object.
#[test]
fn csv_cells_are_summary_json_rounded_by_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    run_mhep1(&out, &[]);
    let json = read_json(&out.join("summary.json"));
    let (header, rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(
        header.join(","),
        "name,kind,unit,mean,sd,mcse,p10,p50,p90,mcse_p10,mcse_p50,mcse_p90,note"
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    let mut rounded = 0;
    for (name, figures) in json["metrics"].as_object().unwrap() {
        let row = &rows[name];
        let unit = row[col("unit")].as_str();
        for (csv_col, json_key) in [
            ("p10", "low"),
            ("p50", "median"),
            ("p90", "high"),
            ("mean", "mean"),
        ] {
            let cell = &row[col(csv_col)];
            let Some(exact) = figures[json_key].as_f64() else {
                assert_eq!(cell, "", "{name} {csv_col}: undefined is an empty cell");
                continue;
            };
            let printed: f64 = cell.parse().unwrap_or_else(|_| panic!("{name}: {cell:?}"));
            // The subtraction's own rounding error: a few ulps of the values compared.
            let diff = (printed - exact).abs() - 4.0 * f64::EPSILON * exact.abs();
            assert!(
                diff <= half_last_digit(cell),
                "{name} {csv_col}: {cell} vs {exact}"
            );
            assert!(
                diff <= allowed(unit, exact),
                "{name} {csv_col} ({unit}): {cell} vs {exact}"
            );
            checked += 1;
            rounded += usize::from(printed != exact);
        }
    }
    assert!(checked > 1000, "{checked} figures checked");
    assert!(
        rounded > 100,
        "rounding is at work: {rounded} figures rounded"
    );
    for (name, p) in json["probabilities"].as_object().unwrap() {
        let row = &rows[name];
        assert_eq!(row[col("kind")], "probability");
        assert_eq!(row[col("unit")], "probability");
        let exact = p.as_f64().unwrap();
        let cell = &row[col("mean")];
        let printed: f64 = cell.parse().unwrap();
        assert!((printed - exact).abs() <= half_last_digit(cell) + 4.0 * f64::EPSILON);
        // Never rounded to certainty.
        assert_eq!(printed == 0.0, exact == 0.0, "{name}");
        assert_eq!(printed == 1.0, exact == 1.0, "{name}");
    }
    for (name, unit) in [
        ("engagements", "count"),
        ("site.haringey.provider.margin", "GBP"),
        ("payments.by_payer.sof", "GBP"),
        ("investor.irr", "fraction/year"),
        ("investor.multiple", "multiple"),
        ("site.staffordshire.months_delivered", "months"),
        ("site.haringey.provider.block_share", "fraction"),
    ] {
        assert_eq!(rows[name][col("unit")], unit, "{name}");
    }
    // The plan table, against the JSON's plan object.
    let (header, plan) = read_csv(&out.join("plan.csv"));
    assert_eq!(
        header.join(","),
        "metric,unit,plan,percentile,p_meet,optimism_ratio,confidence,derisked_target"
    );
    for (metric, check) in json["plan"].as_object().unwrap() {
        let row = &plan[metric];
        assert_eq!(row[1], "count");
        for (k, key) in ["plan", "percentile", "p_meet", "optimism_ratio"]
            .iter()
            .enumerate()
        {
            let exact = check[key].as_f64().unwrap();
            let cell = &row[k + 2];
            let printed: f64 = cell.parse().unwrap();
            assert!(
                (printed - exact).abs() <= half_last_digit(cell) + 4.0 * f64::EPSILON * exact.abs(),
                "{metric} {key}: {cell} vs {exact}"
            );
        }
    }
}

/// `--quantiles 0.05,0.95` names the columns p5 and p95.
#[test]
fn quantile_columns_are_named_by_level() {
    let tmp = tempfile::tempdir().unwrap();
    sibsim()
        .args([
            "run",
            "tests/fixtures/analytic.toml",
            "--trials",
            "200",
            "--quantiles",
            "0.05,0.95",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let (header, _) = read_csv(&tmp.path().join("summary.csv"));
    assert_eq!(
        header.join(","),
        "name,kind,unit,mean,sd,mcse,p5,p50,p95,mcse_p5,mcse_p50,mcse_p95,note"
    );
    let monthly = std::fs::read_to_string(tmp.path().join("monthly.csv")).unwrap();
    assert!(monthly.starts_with("series,unit,month,p5,p50,p95,mean\n"));
}

/// `date -u` in RFC 3339: the clock read by another program, to bracket the run's time.
fn utc_now() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("date runs");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `summary.json`'s `meta`: the version, the scenario's absolute path and SHA-256 (computed here
/// on the file's bytes), seed, trials, sampling, the command line and the UTC time.
#[test]
fn summary_json_meta_says_how_it_was_made() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let before = utc_now();
    sibsim()
        .args([
            "run",
            "scenarios/box1.toml",
            "--trials",
            "300",
            "--seed",
            "5",
            "--sampling",
            "lhs",
            "--replicates",
            "4",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let after = utc_now();
    let json = read_json(&out.join("summary.json"));
    let meta = &json["meta"];
    assert_eq!(meta["sibsim_version"], env!("CARGO_PKG_VERSION"));
    let path = std::fs::canonicalize("scenarios/box1.toml").unwrap();
    assert_eq!(meta["scenario_path"], path.display().to_string());
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read("scenarios/box1.toml").unwrap())
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(meta["scenario_sha256"], hex);
    assert_eq!(meta["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(meta["seed"], 5);
    assert_eq!(meta["trials"], json["trials"]);
    assert_eq!(meta["trials"], 300);
    assert_eq!(meta["sampling"], json["sampling"]);
    assert_eq!(meta["sampling"]["method"], "lhs");
    let command: Vec<&str> = meta["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(command[0].ends_with("sibsim"), "{command:?}");
    assert_eq!(
        command[1..8],
        [
            "run",
            "scenarios/box1.toml",
            "--trials",
            "300",
            "--seed",
            "5",
            "--sampling"
        ]
    );
    assert_eq!(command.last(), Some(&out.to_str().unwrap()));
    let created = meta["created_utc"].as_str().unwrap();
    assert_eq!(created.len(), 20, "{created}");
    // RFC 3339 timestamps of one format sort as times.
    assert!(
        before.as_str() <= created && created <= after.as_str(),
        "{before} <= {created} <= {after}"
    );
    // meta is first, and the only part two runs of the same options differ in.
    assert_eq!(json.as_object().unwrap().keys().next().unwrap(), "meta");
}

fn marker(dir: &Path) -> serde_json::Value {
    read_json(&dir.join(".sibsim-results.json"))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A copy of the analytic fixture at `path`, to be another scenario file.
fn other_scenario(path: &Path) -> PathBuf {
    std::fs::copy("tests/fixtures/analytic.toml", path).unwrap();
    std::fs::canonicalize(path).unwrap()
}

fn run_in(file: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    sibsim()
        .arg("run")
        .arg(file)
        .args(["--trials", "100", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

/// A folder holding another scenario's results is refused, before any run, with the exact text;
/// `--force` replaces them, removing the other run's files; the same scenario, edited, replaces
/// its own; a file of the user's is never touched.
#[test]
fn another_scenarios_folder_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let a = other_scenario(&tmp.path().join("a.toml"));
    let b = other_scenario(&tmp.path().join("b.toml"));
    let out = tmp.path().join("out");
    run_in(&a, &out, &["--per-trial"]).success();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let m = marker(&out);
    assert_eq!(m["scenario_path"], a.display().to_string());
    assert_eq!(
        m["sets"]["run"],
        serde_json::json!([
            "summary.json",
            "summary.csv",
            "plan.csv",
            "monthly.csv",
            "trials.csv"
        ])
    );
    let before: Vec<(String, Vec<u8>)> = entries(&out)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
        .collect();

    run_in(&b, &out, &[]).code(2).stdout("").stderr(format!(
        "Error: {} holds the results of another scenario, {} (its .sibsim-results.json), not of {}; \
         pass --force to replace them, or choose another --out folder\n",
        out.display(),
        a.display(),
        b.display()
    ));
    let after: Vec<(String, Vec<u8>)> = entries(&out)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
        .collect();
    assert_eq!(before, after, "a refused run changes nothing");

    // Forced: b's results replace a's, a's trials.csv goes with them, the user's file stays.
    run_in(&b, &out, &["--force"]).success();
    assert_eq!(
        entries(&out),
        [
            ".sibsim-results.json",
            "monthly.csv",
            "notes.txt",
            "plan.csv",
            "summary.csv",
            "summary.json"
        ]
    );
    assert_eq!(marker(&out)["scenario_path"], b.display().to_string());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );

    // The same scenario file, edited: its own results, replaced without --force.
    let text = std::fs::read_to_string(&b).unwrap();
    std::fs::write(&b, format!("# edited\n{text}")).unwrap();
    run_in(&b, &out, &["--per-trial"]).success();
    let m = marker(&out);
    let json = read_json(&out.join("summary.json"));
    assert_eq!(m["scenario_sha256"], json["meta"]["scenario_sha256"]);
    assert!(out.join("trials.csv").is_file());
    // Now a is the other scenario.
    run_in(&a, &out, &[]).code(2);
}

/// One command's files never sit beside another run's: `run` then `report` into one folder
/// leaves the report's set only (both write summary.json), and a run's charts go when a later
/// run draws none.
#[test]
fn a_folder_never_mixes_two_runs_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = Path::new("tests/fixtures/analytic.toml");
    let out2 = tmp.path().join("out2");
    sibsim()
        .args([
            "run",
            "tests/fixtures/analytic.toml",
            "--trials",
            "100",
            "--quiet",
            "--out",
        ])
        .arg(&out2)
        .arg("--charts")
        .arg(&out2)
        .assert()
        .success();
    let charts: Vec<String> = entries(&out2)
        .into_iter()
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert!(!charts.is_empty(), "charts drawn");
    run_in(file, &out2, &[]).success();
    assert_eq!(
        entries(&out2),
        [
            ".sibsim-results.json",
            "monthly.csv",
            "plan.csv",
            "summary.csv",
            "summary.json"
        ],
        "the earlier run's charts are gone"
    );
    sibsim()
        .args([
            "report",
            "tests/fixtures/analytic.toml",
            "--trials",
            "100",
            "--quiet",
            "--out",
        ])
        .arg(&out2)
        .assert()
        .success();
    assert_eq!(
        entries(&out2),
        [".sibsim-results.json", "report.html", "summary.json"]
    );
    let m = marker(&out2);
    assert_eq!(
        m["sets"]["report"],
        serde_json::json!(["summary.json", "report.html"])
    );
    assert!(m["sets"].get("run").is_none());
}

/// `backtest --out` and `outside-view --out` write their result as JSON (what `--json` prints)
/// and CSV, claimed like a run's; without a terminal there is no progress bar on stderr.
#[test]
fn backtest_and_outside_view_write_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bt");
    let args = ["--trials", "300", "--seed", "3"];
    let printed = sibsim()
        .args(["backtest", "scenarios/mhep1.toml", "--json"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(printed.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!("wrote backtest.json, backtest.csv to {}\n", out.display())
    );
    let stdout: serde_json::Value = serde_json::from_slice(&printed.get_output().stdout).unwrap();
    let file = read_json(&out.join("backtest.json"));
    assert_eq!(stdout, file);
    common::meta::assert_meta(&file, ("backtest", "scenarios/mhep1.toml"), 3, 300, "mc");
    let (header, rows) = read_csv(&out.join("backtest.csv"));
    assert_eq!(header[..4], ["metric", "label", "unit", "actual"]);
    let actuals = file["actuals"].as_array().unwrap();
    assert_eq!(rows.len(), actuals.len());
    let eng = actuals
        .iter()
        .find(|a| a["metric"] == "engagements")
        .unwrap();
    let row = &rows["engagements"];
    assert_eq!(row[2], "count");
    assert_eq!(row[3], "1249");
    let pct: f64 = row[4].parse().unwrap();
    assert!((pct - eng["percentile"].as_f64().unwrap()).abs() <= half_last_digit(&row[4]));
    assert_eq!(
        marker(&out)["sets"]["backtest"],
        serde_json::json!(["backtest.json", "backtest.csv"])
    );

    // outside-view into the same folder (same scenario): both sets kept; --quiet says nothing.
    sibsim()
        .args(["outside-view", "scenarios/mhep1.toml", "--quiet"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr("");
    assert_eq!(
        entries(&out),
        [
            ".sibsim-results.json",
            "backtest.csv",
            "backtest.json",
            "outside_view.csv",
            "outside_view.json"
        ]
    );
    let view = read_json(&out.join("outside_view.json"));
    common::meta::assert_meta(
        &view,
        ("outside-view", "scenarios/mhep1.toml"),
        3,
        300,
        "mc",
    );
    let (header, rows) = read_csv(&out.join("outside_view.csv"));
    assert_eq!(
        header.join(","),
        "metric,unit,plan,outside_p10,outside_p50,outside_p90,inside_p10,inside_p50,inside_p90,disagree"
    );
    for v in view["plan"].as_array().unwrap() {
        let row = &rows[v["metric"].as_str().unwrap()];
        let inside: f64 = row[7].parse().unwrap();
        assert!((inside - v["inside"][1].as_f64().unwrap()).abs() <= half_last_digit(&row[7]));
    }
    // Another scenario's folder: refused before anything runs.
    sibsim()
        .args(["backtest", "scenarios/mhep1_reset.toml", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "holds the results of another scenario",
        ));
}

/// compare, seek and sensitivity claim their folders too: another scenario's is refused before
/// any run.
#[test]
fn compare_and_sensitivity_refuse_another_scenarios_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run_in(Path::new("tests/fixtures/analytic.toml"), &out, &[]).success();
    for args in [
        vec![
            "compare",
            "scenarios/box1.toml",
            "--sweep",
            "tariff_scale=1,2",
        ],
        vec![
            "sensitivity",
            "scenarios/box1.toml",
            "--metric",
            "engagements",
        ],
    ] {
        sibsim()
            .args(&args)
            .args(["--quiet", "--out"])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "holds the results of another scenario",
            ));
    }
}

/// `backtest` and `outside-view` draw a progress bar on a terminal (here a pseudo-terminal made by
/// util-linux's `script`) and none with `--quiet`.
#[test]
fn backtest_and_outside_view_show_progress_on_a_terminal() {
    let bin = assert_cmd::cargo::cargo_bin("sibsim");
    for command in ["backtest", "outside-view"] {
        let on_terminal = |extra: &str| {
            let line = format!(
                "{} {command} scenarios/mhep1.toml --trials 5000 {extra} >/dev/null",
                bin.display()
            );
            let out = std::process::Command::new("script")
                .args(["-qec", &line, "/dev/null"])
                .stdin(std::process::Stdio::null())
                .output()
                .expect("util-linux `script` runs (apt-get install util-linux)");
            assert!(out.status.success(), "{command}: {out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let shown = on_terminal("");
        assert!(shown.contains("/5000 trials ["), "{command}: {shown:?}");
        assert_eq!(on_terminal("--quiet"), "", "{command} --quiet");
    }
}

/// A figure that is undefined while its metric is not says why, in the JSON and the CSV: one
/// trial has no spread (n − 1 = 0), and 30 trials are too few for the P10 and P90 errors. The
/// 53 is Conover's interval worked by hand (replicates module docs): at n = 52,
/// 0.1·52 − 1.96·√(0.1·0.9·52) = 0.96, whose floor is rank 0, outside the sample; at n = 53,
/// 5.3 − 4.28 = 1.02 (rank 1) and 5.3 + 4.28 rounds up to rank 10 ≤ 53.
#[test]
fn undefined_spreads_and_errors_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path, trials: &str| {
        sibsim()
            .args([
                "run",
                "scenarios/mhep1.toml",
                "--quiet",
                "--trials",
                trials,
                "--out",
            ])
            .arg(out)
            .assert()
            .success();
    };
    let one = dir.path().join("one");
    run(&one, "1");
    let json = read_json(&one.join("summary.json"));
    for m in [
        &json["metrics"]["engagements"],
        &json["inputs"]["input.haringey.p_engage"],
    ] {
        assert!(m["mean"].is_f64(), "{m}");
        assert!(m["sd"].is_null() && m["mcse"].is_null(), "{m}");
        assert_eq!(
            m["notes"]["sd"],
            "sd and mcse undefined: defined in 1 trial, and a standard deviation needs at least 2"
        );
        assert_eq!(
            m["notes"]["mcse_low"],
            "the standard errors of P10, P50 and P90 are undefined: a quantile's 95% \
             order-statistic interval needs at least 53 trials where it is defined for P10, and \
             it is defined in 1"
        );
    }
    let thirty = dir.path().join("thirty");
    run(&thirty, "30");
    let json = read_json(&thirty.join("summary.json"));
    let m = &json["metrics"]["engagements"];
    assert!(m["sd"].as_f64().unwrap() > 0.0, "{m}");
    assert!(m["mcse_low"].is_null() && m["mcse_high"].is_null(), "{m}");
    assert!(m["mcse_median"].as_f64().unwrap() > 0.0, "{m}");
    let note = "the standard errors of P10 and P90 are undefined: a quantile's 95% \
                order-statistic interval needs at least 53 trials where it is defined for P10, \
                and it is defined in 30";
    assert_eq!(m["notes"]["mcse_low"], note);
    assert!(m["notes"].get("sd").is_none(), "{m}");
    let (_, rows) = read_csv(&thirty.join("summary.csv"));
    assert_eq!(
        rows["engagements"].last().unwrap(),
        &format!("mcse_p10: {note}")
    );
    // A probability the same in all 30 trials has a binomial SE of 0, which the note puts in
    // its place: the chance of the other outcome may still be up to 1 − 0.05^(1/30) = 9.503%
    // (e^(−2.995732/30) = 0.904966). Which flags are unanimous is read from the CSV itself.
    let mut unanimous = 0;
    for cells in rows.values() {
        // name, kind, unit, mean (p), sd, mcse, …, note
        if cells[1] != "probability" {
            continue;
        }
        let note = cells.last().unwrap();
        if cells[5] == "0" {
            assert!(cells[3] == "0" || cells[3] == "1", "{cells:?}");
            let other = if cells[3] == "1" {
                "not being set"
            } else {
                "being set"
            };
            let seen = if cells[3] == "1" {
                "set in every one of"
            } else {
                "set in none of"
            };
            assert_eq!(
                note,
                &format!("mcse 0 only because the flag was {seen} the 30 trials; the chance of its {other} may still be up to 9.503% (one-sided 95% Clopper–Pearson bound 1 − 0.05^(1/n); about 3/n for large n)")
            );
            unanimous += 1;
        } else {
            assert!(note.is_empty(), "{cells:?}");
        }
    }
    assert!(unanimous > 0, "no unanimous flag in 30 trials of MHEP 1");
}
