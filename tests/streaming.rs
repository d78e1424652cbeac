//! `trials.csv` streamed to disk during the run (issue 9, item 4): the values the trials computed
//! (rounded by unit since issue 15: each within half its last printed digit of the exact value),
//! byte for byte what the cell-by-cell writer gives, and all or nothing — a run that fails leaves
//! no file behind and the old one whole.

use std::path::Path;

use assert_cmd::Command;
use sibsim::engine::replay::replay;
use sibsim::scenario::load;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `trials.csv` of trials `0..n` as the cell-by-cell writer of issue 8 wrote it, each cell rounded
/// by its column's unit (issue 15), from each trial replayed alone; and every exact value, in the
/// same order, with its cell.
fn expected_trials_csv(path: &str, seed: u64, n: u64) -> (String, Vec<(f64, String)>) {
    use sibsim::scenario::units::Unit;
    let model = load(path.as_ref()).expect("bundled scenario");
    let mut w = csv::Writer::from_writer(Vec::new());
    let first = replay(&model, seed, 0);
    w.write_field("trial").unwrap();
    for name in first.columns.iter().chain(&first.input_names) {
        w.write_field(name).unwrap();
    }
    w.write_record(None::<&[u8]>).unwrap();
    let n_metrics = sibsim::engine::metrics::Layout::new(&model).metrics.len();
    let units: Vec<Unit> = first
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| {
            if k < n_metrics {
                Unit::of_metric(c)
            } else {
                Unit::Count
            }
        })
        .chain(first.input_names.iter().map(|n| Unit::of_input(n)))
        .collect();
    let mut cells = Vec::new();
    for t in 0..n {
        let rec = replay(&model, seed, t);
        w.write_field(t.to_string()).unwrap();
        for (k, &x) in rec.row.iter().chain(&rec.inputs).enumerate() {
            let cell = units[k].cell(x);
            w.write_field(&cell).unwrap();
            cells.push((x, cell));
        }
        w.write_record(None::<&[u8]>).unwrap();
    }
    (String::from_utf8(w.into_inner().unwrap()).unwrap(), cells)
}

#[test]
fn streamed_trials_csv_holds_every_trials_values_rounded_by_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    sibsim()
        .args([
            "run",
            "scenarios/mhep1.toml",
            "--trials",
            "60",
            "--seed",
            "5",
            "--threads",
            "3",
            "--per-trial",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let got = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let (expected, cells) = expected_trials_csv("scenarios/mhep1.toml", 5, 60);
    assert_eq!(got, expected);
    // Rounding moved no value by more than half its last printed digit; whole numbers (every
    // count and flag) are exact.
    for (x, cell) in &cells {
        if x.is_nan() {
            assert_eq!(cell, "");
            continue;
        }
        let back: f64 = cell.parse().expect("a number");
        let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(
            // Plus the subtraction's own rounding, a few ulps of the values compared.
            (back - x).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) + 4.0 * f64::EPSILON * x.abs(),
            "{x} written {cell}"
        );
        if x.fract() == 0.0 {
            assert_eq!(back, *x);
        }
    }
    assert_eq!(
        entries(&out),
        [
            ".sibsim-results.json",
            "monthly.csv",
            "plan.csv",
            "summary.csv",
            "summary.json",
            "trials.csv"
        ]
    );
}

#[test]
fn a_run_failing_before_the_files_are_in_place_keeps_the_old_trials_csv() {
    // summary.json is a folder, so the run cannot put its files in place after streaming
    // trials.csv: the old trials.csv stays whole and no temporary is left.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    std::fs::write(out.join("trials.csv"), "old").unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    sibsim()
        .args([
            "run",
            "scenarios/box1.toml",
            "--trials",
            "300",
            "--per-trial",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .assert()
        .code(1);
    assert_eq!(entries(out), ["summary.json", "trials.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("trials.csv")).unwrap(),
        "old"
    );
}

/// A write that fails in the middle of the stream — here the file-size limit (`ulimit -f`, with
/// SIGXFSZ ignored so that the write returns an error rather than killing the process), reached
/// in the first of the run's three segments — stops the run there with an error naming the file,
/// and leaves nothing: not the temporary, not the output folder it created.
#[cfg(unix)]
#[test]
fn a_write_failing_mid_stream_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("new/run");
    let bin = assert_cmd::cargo::cargo_bin("sibsim");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"trap "" XFSZ; ulimit -f 512; exec "$@""#)
        .arg("sh")
        .arg(bin)
        .args([
            "run",
            "scenarios/box1.toml",
            "--trials",
            "20000",
            "--per-trial",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains(".sibsim-tmp-"),
        "{stderr}"
    );
    assert!(entries(tmp.path()).is_empty(), "{:?}", entries(tmp.path()));
}
