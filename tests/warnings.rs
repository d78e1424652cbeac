//! Plausibility warnings (issue 15): each file in `tests/warnings/` is valid but holds a value that
//! looks like a slip. `validate` accepts it and prints exactly the text committed beside it in
//! NAME.stdout (the ok line, then each warning with its line and a caret); `run` simulates it and
//! shows the same warnings on stderr before anything else, and with `--quiet` only them. The bundled
//! scenarios and the test fixtures, written with care, raise none.

use std::path::PathBuf;

use assert_cmd::Command;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn each_slip_gets_its_exact_warning_in_validate_and_run() {
    let out = tempfile::tempdir().unwrap();
    let all = files("tests/warnings");
    assert!(all.len() >= 6, "only {} warning files", all.len());
    for path in all {
        let file = path.display().to_string();
        let expected = std::fs::read_to_string(path.with_extension("stdout"))
            .unwrap_or_else(|_| panic!("{file} has no .stdout beside it"));
        let got = sibsim().args(["validate", &file]).assert().success();
        let stdout = String::from_utf8(got.get_output().stdout.clone()).unwrap();
        assert_eq!(stdout, expected, "validate's text for {file}");
        assert!(got.get_output().stderr.is_empty());
        let (ok_line, warnings) = expected.split_once('\n').unwrap();
        assert!(ok_line.starts_with(&format!("{file}: ok")), "{ok_line}");
        assert!(warnings.starts_with("warning: "), "{file}: no warning");

        let dir = out.path().join(path.file_stem().unwrap());
        let got = sibsim()
            .args(["run", &file, "--trials", "20", "--out"])
            .arg(&dir)
            .assert()
            .success();
        let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
        assert!(
            stderr.starts_with(warnings),
            "run's stderr for {file}:\n{stderr}"
        );
        assert!(
            dir.join("summary.json").is_file(),
            "a warning stopped the run"
        );
        let quiet = sibsim()
            .args(["run", &file, "--trials", "20", "--quiet", "--out"])
            .arg(&dir)
            .assert()
            .success();
        // --quiet drops the progress and the notes, not the warnings: they are all it prints.
        let stderr = String::from_utf8(quiet.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr, warnings, "run --quiet's stderr for {file}");
    }
}

/// Every command that reads a scenario shows its warnings first, with `--quiet` too — not only
/// `run` (report, sensitivity and compare's base once printed none).
#[test]
fn every_command_that_reads_the_scenario_shows_its_warnings() {
    let file = "tests/warnings/on_cost_percentage.toml";
    let expected = std::fs::read_to_string("tests/warnings/on_cost_percentage.stdout").unwrap();
    let warnings = expected.split_once('\n').unwrap().1;
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    let report = report.to_str().unwrap();
    for args in [
        vec!["report", file, "--trials", "20", "--quiet", "--out", report],
        vec!["sensitivity", file, "--trials", "50", "--quiet"],
        vec![
            "compare",
            file,
            "--sweep",
            "block_share=0.5",
            "--trials",
            "50",
            "--quiet",
        ],
        vec!["pay", file, "--site", "only", "--count", "engagement=1"],
    ] {
        let got = sibsim().args(&args).assert();
        let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
        assert!(
            stderr.starts_with(warnings),
            "{}: stderr\n{stderr}",
            args.join(" ")
        );
    }
}

#[test]
fn bundled_scenarios_and_fixtures_raise_no_warning() {
    let mut checked = 0;
    for path in files("scenarios")
        .into_iter()
        .chain(files("tests/fixtures"))
    {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        // Comparison files are not scenarios; `validate` checks them another way.
        if sibsim::compare::file::is_comparison(&text) {
            continue;
        }
        let model = sibsim::scenario::parse_scenario(&file, &text)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let warnings: Vec<String> = model.warnings.iter().map(|w| w.headline()).collect();
        assert!(warnings.is_empty(), "{file}: {warnings:#?}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} files checked");
}
