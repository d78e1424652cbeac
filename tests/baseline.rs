//! Behaviour kept through refactoring: every bundled scenario and fixture, run at a fixed seed,
//! trial count and thread count, gives exactly the outputs committed under `tests/baseline/`
//! (first recorded on 84a3f08 before the issue-8 restructuring; re-recorded by
//! `tests/baseline/record.sh` in issue 9, whose faster sampling changed the random streams and
//! whose compact store holds non-whole values to f32 — `tests/distribution.rs` checks that the
//! distributions did not move; and in issue 15, whose CSVs round by unit and name their quantile
//! columns p10/p50/p90 — `scripts/baseline_rounding_check.py` showed every JSON number unchanged
//! and every CSV value within its rounding first). `summary.json` is recorded without its `meta`
//! (time, command line, paths: the only part that differs run to run), which the comparison,
//! a containment, then ignores.
//!
//! Fields may be *added* (new metrics, new columns, new JSON keys) but none of the recorded ones
//! may move, change value or disappear. A change that is meant to move a figure updates the files
//! here in the same commit and says why.

use std::path::Path;

use assert_cmd::Command;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

/// Scenarios run at 1,000 trials, seed 7, 2 threads.
const SCENARIOS: [&str; 7] = [
    "scenarios/box1.toml",
    "scenarios/ips_new_service.toml",
    "scenarios/mhep1.toml",
    "scenarios/mhep1_reset.toml",
    "tests/fixtures/analytic.toml",
    "tests/fixtures/distress.toml",
    "tests/fixtures/rules.toml",
];

fn stem(path: &str) -> &str {
    Path::new(path).file_stem().unwrap().to_str().unwrap()
}

/// `old` is contained in `new`: every key of an object with an equal value, arrays of the same
/// length element by element; numbers compared exactly.
fn contained(old: &serde_json::Value, new: &serde_json::Value, at: &str, diffs: &mut Vec<String>) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in o {
                match n.get(k) {
                    Some(w) => contained(v, w, &format!("{at}.{k}"), diffs),
                    None => diffs.push(format!("{at}.{k}: missing")),
                }
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (v, w)) in o.iter().zip(n).enumerate() {
                contained(v, w, &format!("{at}[{i}]"), diffs);
            }
        }
        _ if old == new => {}
        _ => diffs.push(format!("{at}: was {old}, now {new}")),
    }
}

fn check_json(old: &Path, new: &[u8]) -> Vec<String> {
    let old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(old).expect("baseline present")).unwrap();
    let new: serde_json::Value = serde_json::from_slice(new).expect("valid JSON");
    let mut diffs = Vec::new();
    contained(&old, &new, "", &mut diffs);
    diffs
}

/// CSV with a header: every recorded column is still there, with the same cells; the rows keyed by
/// their first column when `keyed` (summary and plan tables), else in order (trials).
fn check_csv(old: &Path, new: &Path, keyed: bool) -> Vec<String> {
    let read = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut lines = text
            .lines()
            .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
        let header = lines.next().unwrap_or_default();
        (header, lines.collect::<Vec<_>>())
    };
    let (oh, orows) = read(old);
    let (nh, nrows) = read(new);
    let mut diffs = Vec::new();
    if !keyed && orows.len() != nrows.len() {
        diffs.push(format!(
            "{}: {} rows, now {}",
            new.display(),
            orows.len(),
            nrows.len()
        ));
        return diffs;
    }
    for (ci, col) in oh.iter().enumerate() {
        let Some(nci) = nh.iter().position(|c| c == col) else {
            diffs.push(format!("{}: column {col} missing", new.display()));
            continue;
        };
        for (ri, orow) in orows.iter().enumerate() {
            let nrow = if keyed {
                nrows.iter().find(|r| r.first() == orow.first())
            } else {
                nrows.get(ri)
            };
            match nrow {
                None => diffs.push(format!("{}: row {} missing", new.display(), orow[0])),
                Some(nrow) if nrow.get(nci) != orow.get(ci) => diffs.push(format!(
                    "{}: row {} column {col}: was {:?}, now {:?}",
                    new.display(),
                    orow[0],
                    orow.get(ci),
                    nrow.get(nci)
                )),
                Some(_) => {}
            }
        }
    }
    diffs
}

fn assert_none(diffs: Vec<String>) {
    assert!(
        diffs.is_empty(),
        "{} differences from the baseline, first ones:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn run_outputs_match_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let mut diffs = Vec::new();
    for file in SCENARIOS {
        let name = stem(file);
        let out = tmp.path().join(name);
        let args = [
            "run",
            file,
            "--trials",
            "1000",
            "--seed",
            "7",
            "--threads",
            "2",
        ];
        sibsim()
            .args(args)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .assert()
            .success();
        let base = Path::new("tests/baseline").join(name);
        diffs.extend(check_json(
            &base.join("summary.json"),
            &std::fs::read(out.join("summary.json")).unwrap(),
        ));
        diffs.extend(check_csv(
            &base.join("summary.csv"),
            &out.join("summary.csv"),
            true,
        ));
        if base.join("plan.csv").exists() {
            diffs.extend(check_csv(
                &base.join("plan.csv"),
                &out.join("plan.csv"),
                true,
            ));
        }
    }
    assert_none(diffs);
}

#[test]
fn per_trial_outputs_match_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let mut diffs = Vec::new();
    for file in ["scenarios/mhep1.toml", "tests/fixtures/rules.toml"] {
        let name = stem(file);
        let out = tmp.path().join(name);
        sibsim()
            .args([
                "run",
                file,
                "--trials",
                "200",
                "--seed",
                "7",
                "--threads",
                "2",
            ])
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--per-trial"])
            .assert()
            .success();
        let base = Path::new("tests/baseline").join(name);
        diffs.extend(check_csv(
            &base.join("trials.csv"),
            &out.join("trials.csv"),
            false,
        ));
    }
    assert_none(diffs);
}

#[test]
fn analysis_outputs_match_the_baseline() {
    let mut diffs = Vec::new();
    let json = |args: &[&str]| {
        sibsim()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let opts = ["--trials", "1000", "--seed", "7", "--json"];
    for name in ["mhep1", "ips_new_service", "mhep1_reset"] {
        let file = format!("scenarios/{name}.toml");
        let mut args = vec!["outside-view", file.as_str()];
        args.extend(opts);
        diffs.extend(check_json(
            &Path::new("tests/baseline")
                .join(name)
                .join("outside_view.json"),
            &json(&args),
        ));
    }
    for name in ["mhep1", "mhep1_reset"] {
        let file = format!("scenarios/{name}.toml");
        let mut args = vec!["backtest", file.as_str()];
        args.extend(opts);
        diffs.extend(check_json(
            &Path::new("tests/baseline").join(name).join("backtest.json"),
            &json(&args),
        ));
    }
    diffs.extend(check_json(
        Path::new("tests/baseline/evidence.json"),
        &json(&["evidence", "--json"]),
    ));
    diffs.extend(check_json(
        Path::new("tests/baseline/calibrate.json"),
        &json(&["calibrate", "--json"]),
    ));
    assert_none(diffs);
}
