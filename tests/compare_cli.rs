//! `sibsim compare` and `sibsim seek` as a user runs them: the bundled comparison, a sweep,
//! goal seek on a case with a known answer, and clear refusals that write nothing.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("file written")).expect("valid JSON")
}

#[test]
fn the_bundled_comparison_runs_and_writes_its_files() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("c");
    let run = sibsim()
        .args([
            "compare",
            "scenarios/mhep1_structures.toml",
            "--trials",
            "400",
            "--quiet",
        ])
        .arg("--out")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("Risk-transfer frontier"))
        .stdout(predicate::str::contains("Difference from the base"));
    let text = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let j = read_json(&dir.join("compare.json"));
    assert_eq!(j["schema"], "sibsim.compare/1");
    assert_eq!(j["trials"], 400);
    let seed = j["seed"].as_u64().unwrap();
    common::meta::assert_comparison_meta(
        &j,
        (
            "compare",
            "scenarios/mhep1_structures.toml",
            "scenarios/mhep1.toml",
            &["scenarios/mhep1_reset.toml"],
        ),
        seed,
        400,
        "mc",
    );
    let names: Vec<&str> = j["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "base");
    assert!(names.len() >= 4, "{names:?}");
    for n in &names {
        assert!(text.contains(n), "{n} not in the table");
    }
    // Every figure has a cell per variant, and only the variants carry a difference.
    for f in j["figures"].as_array().unwrap() {
        let cells = f["cells"].as_array().unwrap();
        assert_eq!(cells.len(), names.len(), "{}", f["key"]);
        assert!(cells[0].get("difference").is_none());
        for c in &cells[1..] {
            assert!(
                c.get("difference").is_some(),
                "{} {}",
                f["key"],
                c["variant"]
            );
        }
    }
    // Each variant's median variance-reduction factor is the median, over its figures, of
    // (se_unpaired / se_paired)² where both are positive, recomputed here from the cells; and on
    // MHEP 1 common random numbers help: the median is above 1 for every variant.
    for (v, name) in names.iter().enumerate().skip(1) {
        let mut factors: Vec<f64> = j["figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| {
                let d = &f["cells"][v]["difference"];
                let (u, p) = (d["se_unpaired"].as_f64()?, d["se_paired"].as_f64()?);
                (u > 0.0 && p > 0.0).then(|| (u / p).powi(2))
            })
            .collect();
        assert!(factors.len() > 10, "{name}: {} factors", factors.len());
        factors.sort_by(f64::total_cmp);
        let k = factors.len();
        let want = if k % 2 == 1 {
            factors[k / 2]
        } else {
            0.5 * (factors[k / 2 - 1] + factors[k / 2])
        };
        let got = j["variants"][v]["variance_reduction_median"]
            .as_f64()
            .unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{name}: median factor {got}, recomputed {want}"
        );
        assert!(got > 1.0, "{name}: median variance reduction {got}");
    }
    assert!(j["variants"][0]["variance_reduction_median"].is_null());
    let csv = std::fs::read_to_string(dir.join("compare.csv")).unwrap();
    let rows = csv.lines().count();
    assert_eq!(
        rows,
        1 + j["figures"].as_array().unwrap().len() * names.len(),
        "one row per figure and variant"
    );
    assert!(csv.starts_with("figure,stat,unit,variant,value,defined_trials,undefined_trials,difference,se_paired,se_unpaired,variance_reduction,note\n"));
}

#[test]
fn a_sweep_is_the_same_on_any_thread_count_and_json_is_the_file() {
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let dir = out.path().join(threads);
        let run = sibsim()
            .args([
                "compare",
                "scenarios/mhep1.toml",
                "--sweep",
                "block_share=0,0.5,1",
                "--trials",
                "300",
                "--threads",
                threads,
                "--json",
                "--quiet",
            ])
            .arg("--out")
            .arg(&dir)
            .assert()
            .success();
        let written = std::fs::read(dir.join("compare.json")).unwrap();
        assert_eq!(run.get_output().stdout, written, "--json prints the file");
        files.push(written);
    }
    // The same results on 1 and 2 threads: everything but `meta` (the command line, the time).
    let j: serde_json::Value = serde_json::from_slice(&files[0]).unwrap();
    let other: serde_json::Value = serde_json::from_slice(&files[1]).unwrap();
    // A sweep runs a scenario, not a comparison file: its meta names no base or rules files.
    let seed = j["seed"].as_u64().unwrap();
    common::meta::assert_meta(&j, ("compare", "scenarios/mhep1.toml"), seed, 300, "mc");
    assert_eq!(
        common::meta::without_meta(j.clone()),
        common::meta::without_meta(other)
    );
    let solve = &j["variants"][1]["solve"];
    assert_eq!(solve["block_share"], 0.0);
    for c in solve["commissioners"].as_array().unwrap() {
        let (b, v) = (
            c["base_spend_mean"].as_f64().unwrap(),
            c["variant_spend_mean"].as_f64().unwrap(),
        );
        // Matched to the tolerance, or (spend jumping with the scale under feedback) within a
        // tenth of the larger Monte Carlo error of the two means.
        let se = c["base_spend_se"]
            .as_f64()
            .unwrap()
            .max(c["variant_spend_se"].as_f64().unwrap());
        assert!((b - v).abs() <= (1e-5 * b.abs()).max(0.1 * se), "{c}");
    }
}

/// tests/fixtures/seek_block.toml: P(loss) = P(97,500 + 12·O > B) with O ~ U(2,000, 4,000), so the
/// smallest block with P(loss) ≤ 0.10 is B* = 97,500 + 12 × 3,800 = 143,100 (derived in the
/// fixture's header). With N trials the seek lands on the empirical 0.9-quantile of O, whose SE is
/// √(0.09/N) × 2,000; 4 of those (× 12) plus the bracketing tolerance bound the error.
/// `sibsim seek` on the fixture for its provider's P(loss) ≤ 0.10, varying the block.
fn seek_block(range: &str, trials: &str, out: &Path) -> assert_cmd::assert::Assert {
    sibsim()
        .args([
            "seek",
            "tests/fixtures/seek_block.toml",
            "--vary",
            "blocks.core.amount",
        ])
        .args([
            "--target",
            "site.only.provider_loss <= 0.10",
            "--range",
            range,
        ])
        .args(["--trials", trials, "--json", "--quiet", "--out"])
        .arg(out)
        .assert()
}

#[test]
fn seek_finds_the_closed_form_block() {
    let out = tempfile::tempdir().unwrap();
    let n = 10_000.0_f64;
    let run = seek_block("100000,200000", "10000", out.path()).success();
    let j: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let value = j["value"].as_f64().unwrap();
    let tol = 4.0 * 12.0 * (0.09 / n).sqrt() * 2000.0 + j["tolerance"].as_f64().unwrap();
    assert!(
        (value - 143_100.0).abs() <= tol,
        "found {value}, closed form 143,100 ± {tol}"
    );
    assert_eq!(j["direction"], "smallest");
    assert!(j["achieved"].as_f64().unwrap() <= 0.10);
    assert!(j["not_met_figure"].as_f64().unwrap() > 0.10);
    assert!(j["evaluations"].as_u64().unwrap() <= 40);
    assert_eq!(read_json(&out.path().join("seek.json")), j);
    let seed = j["seed"].as_u64().unwrap();
    common::meta::assert_meta(
        &j,
        ("seek", "tests/fixtures/seek_block.toml"),
        seed,
        10_000,
        "mc",
    );
}

/// A seek on a comparison file: its `meta` hashes the comparison file and names its base
/// scenario with the base's own hash, since the results follow from both files.
#[test]
fn a_seek_on_a_comparison_file_hashes_its_base_too() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize("tests/fixtures/seek_block.toml").unwrap();
    let file = tmp.path().join("cmp.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"cmp\"\nbase = \"{}\"\n\n[[variants]]\nname = \"more\"\ntariff_scale = 1.1\n",
            base.display()
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let run = sibsim()
        .args(["seek", file, "--vary", "blocks.core.amount"])
        .args(["--target", "site.only.provider_loss <= 0.10"])
        .args(["--range", "100000,200000", "--trials", "500", "--seed", "9"])
        .args(["--json", "--quiet", "--out"])
        .arg(tmp.path().join("s"))
        .assert()
        .success();
    let j: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    common::meta::assert_comparison_meta(
        &j,
        ("seek", file, base.to_str().unwrap(), &[]),
        9,
        500,
        "mc",
    );
    // The same seek as text: the figure met is printed to its SE's second significant figure,
    // the SE to 2 significant figures, each within half its last digit of seek.json's values.
    let run = sibsim()
        .args(["seek", file, "--vary", "blocks.core.amount"])
        .args(["--target", "site.only.provider_loss <= 0.10"])
        .args(["--range", "100000,200000", "--trials", "500", "--seed", "9"])
        .args(["--quiet", "--out"])
        .arg(tmp.path().join("t"))
        .assert()
        .success();
    let text = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let met = text
        .lines()
        .find(|l| l.ends_with(" Monte Carlo SE), met"))
        .unwrap_or_else(|| panic!("no line met with its SE:\n{text}"));
    let (_, rest) = met
        .split_once("site.only.provider_loss (probability) = ")
        .expect("the figure");
    let (figure, rest) = rest.split_once(" (± ").expect("its SE");
    let se = rest.strip_suffix(" Monte Carlo SE), met").unwrap();
    let decimals = |x: &str| x.split_once('.').map_or(0, |(_, d)| d.len());
    assert_eq!(decimals(figure), decimals(se), "{met}");
    let digits = se.trim_start_matches(['0', '.']).len();
    assert_eq!(digits, 2, "{met}");
    let half = 0.5 * 10f64.powi(-(decimals(se) as i32));
    let f: f64 = figure.parse().unwrap();
    let s: f64 = se.parse().unwrap();
    assert!((f - j["achieved"].as_f64().unwrap()).abs() <= half, "{met}");
    assert!(
        (s - j["achieved_se"].as_f64().unwrap()).abs() <= half,
        "{met}"
    );
}

#[test]
fn an_unreachable_target_is_refused_and_nothing_is_written() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("s");
    seek_block("100000,140000", "1000", &dir)
        .code(2)
        .stderr(predicate::str::contains("met at neither end"))
        .stderr(predicate::str::contains("cannot be met"));
    assert!(!dir.join("seek.json").exists());
}

#[test]
fn bad_comparison_files_get_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = std::fs::canonicalize("scenarios").unwrap();
    let file = tmp.path().join("x.toml");
    let text = format!(
        "base = \"{}/mhep1.toml\"\n\n[[variants]]\nname = \"a\"\nblock_share = 1.5\n[variants.set]\n\"tariffs.nope.amount\" = 5\n\"finance.interest_rate\" = 2\n\n[[variants]]\nname = \"a\"\nblock_schedule = \"weekly\"\n",
        scenarios.display()
    );
    std::fs::write(&file, text).unwrap();
    let f = file.display().to_string();
    let out = tmp.path().join("o");
    let got = sibsim()
        .args(["compare", &f, "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
    for want in [
        format!("{f}:5:15: variants[0].block_share: 1.5 is out of range; expected a block share from 0 to 1"),
        format!("{f}:7:1: variants[0].set.tariffs.nope.amount: no tariff `nope`; expected one of the scenario's tariffs:"),
        format!("{f}:8:27: variants[0].set.finance.interest_rate: 2 is out of range; expected an annual rate from 0 to 1"),
        format!("{f}:11:8: variants[1].name: a second variant named \"a\""),
        format!("{f}:12:18: variants[1].block_schedule: unknown block schedule \"weekly\""),
    ] {
        assert!(stderr.contains(&want), "missing\n{want}\nin\n{stderr}");
    }
    assert!(!out.exists());
}

#[test]
fn compare_refuses_a_scenario_without_a_sweep_and_bad_sweeps() {
    sibsim()
        .args(["compare", "scenarios/mhep1.toml", "--quiet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no --sweep was given"));
    for (sweep, want) in [
        ("block_share=0,2", "expected a block share from 0 to 1"),
        ("cap.nope=1", "no cap `nope`"),
        ("block_share", "has no ="),
        ("tariff_scale=1,x", "\"x\" is not a number"),
    ] {
        sibsim()
            .args([
                "compare",
                "scenarios/mhep1.toml",
                "--quiet",
                "--sweep",
                sweep,
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
}

/// `sibsim seek --vary block_share` on the IPS scenario, feedback off: P(provider loss) falls as
/// the block share rises there (tests/compare.rs), from 0.46 at b = 0 to 0.08 at b = 1 on these
/// 400 trials, so a target of 0.25 is bracketed by [0, 1] (any value between the ends would do).
/// Checked against `sibsim compare --sweep` at every value the seek ran, on the same trials: the
/// figures agree, the value found meets the target and the other end of the bracket does not, and
/// the seek's run count is the sweep's solves (each solve's runs, plus the base's pilot run).
#[test]
fn seek_on_block_share_agrees_with_a_sweep_of_the_values_it_ran() {
    let out = tempfile::tempdir().unwrap();
    let target = 0.25;
    // The seek allows a relative 1e-9 for rounding (docs/compare.md): 100 of 400 trials may sum to
    // a shade above 0.25.
    let met = |x: f64| x <= target * (1.0 + 1e-9);
    let common = ["--no-feedback", "--trials", "400", "--json", "--quiet"];
    let run = sibsim()
        .args([
            "seek",
            "scenarios/ips_new_service.toml",
            "--vary",
            "block_share",
        ])
        .args(["--target", "site.new_service.provider_loss <= 0.25"])
        .args(common)
        .arg("--out")
        .arg(out.path().join("seek"))
        .assert()
        .success();
    let j: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let value = j["value"].as_f64().unwrap();
    let not_met = j["not_met_value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&value), "{value}");
    assert_eq!(j["direction"], "smallest");
    assert!(not_met < value, "not met at {not_met}, met at {value}");
    assert!(met(j["achieved"].as_f64().unwrap()));
    assert!(!met(j["not_met_figure"].as_f64().unwrap()));
    let points = j["points"].as_array().unwrap();
    assert_eq!(j["evaluations"].as_u64().unwrap() as usize, points.len());
    let values: Vec<f64> = points
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert!(values.contains(&value) && values.contains(&not_met));

    let list: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let run = sibsim()
        .args(["compare", "scenarios/ips_new_service.toml", "--sweep"])
        .arg(format!("block_share={}", list.join(",")))
        .args(common)
        .arg("--out")
        .arg(out.path().join("sweep"))
        .assert()
        .success();
    let c: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let variants = c["variants"].as_array().unwrap();
    let loss = c["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "site.new_service.provider_loss")
        .unwrap();
    let mut runs = 1; // the base on the pilot trials
    for (p, x) in points.iter().zip(&values) {
        let v = 1 + values.iter().position(|y| y == x).unwrap();
        assert_eq!(variants[v]["name"], format!("block_share={x}"));
        let figure = loss["cells"][v]["value"].as_f64().unwrap();
        assert_eq!(p["figure"].as_f64().unwrap(), figure, "at {x}");
        assert_eq!(p["met"].as_bool().unwrap(), met(figure), "at {x}");
        if *x == value {
            assert!(met(figure), "at the value found, {figure}");
        }
        if *x == not_met {
            assert!(!met(figure), "at the other end, {figure}");
        }
        runs += 1 + variants[v]["solve"]["evaluations"].as_u64().unwrap();
    }
    assert_eq!(j["runs"].as_u64().unwrap(), runs);
}

// --- validation ---

/// A comparison file in a temporary folder, its base the bundled `scenarios/mhep1.toml` (loan
/// £360,000, facility £360,000), with `variants` after the base line.
fn comparison_file(dir: &Path, variants: &str) -> std::path::PathBuf {
    let scenarios = std::fs::canonicalize("scenarios").unwrap();
    let file = dir.join("c.toml");
    std::fs::write(
        &file,
        format!("base = \"{}/mhep1.toml\"\n{variants}", scenarios.display()),
    )
    .unwrap();
    file
}

#[test]
fn validate_refuses_a_variant_with_the_facility_below_the_loan() {
    let tmp = tempfile::tempdir().unwrap();
    let file = comparison_file(
        tmp.path(),
        "\n[[variants]]\nname = \"thin\"\n[variants.set]\n\"finance.facility\" = 300000\n",
    );
    let f = file.display().to_string();
    sibsim()
        .args(["validate", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{f}:6:22: variants[0].set.finance.facility: variant \"thin\": the facility £300000 would be below the loan £360000; expected finance.facility from the loan, £360000, up to 1e12"
        )));
}

#[test]
fn a_sweep_or_a_seek_range_past_the_facility_is_refused_before_any_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    sibsim()
        .args(["compare", "scenarios/mhep1.toml", "--quiet", "--sweep"])
        .arg("finance.loan=100000,400000")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr("Error: invalid --sweep: finance.loan=400000: a loan of £400000 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)\n");
    // --threads 0 would stop the first run: the error shows that none was started.
    sibsim()
        .args(["seek", "scenarios/mhep1.toml", "--vary", "finance.loan"])
        .args(["--target", "investor.capital_loss <= 0.5"])
        .args(["--range", "0,400000", "--threads", "0", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr("Error: invalid --range: finance.loan=400000: a loan of £400000 is above the scenario's facility of £360000; expected finance.loan from 0 to the facility, £360000 (the facility must stay ≥ the loan)\n");
    assert!(!out.exists());
}

/// `sibsim seek` on the goal-seek fixture with `extra` arguments and `--threads 0`, which would
/// stop the first run: an error other than that one comes before any run.
fn seek_before_any_run(extra: &[&str]) -> assert_cmd::assert::Assert {
    sibsim()
        .args([
            "seek",
            "tests/fixtures/seek_block.toml",
            "--vary",
            "blocks.core.amount",
            "--target",
            "site.only.provider_loss <= 0.10",
            "--threads",
            "0",
            "--quiet",
        ])
        .args(extra)
        .assert()
}

#[test]
fn seek_options_are_checked_before_any_run() {
    for (extra, want) in [
        (
            &["--tolerance", "-1"][..],
            "Error: invalid --tolerance: -1; expected a number > 0\n",
        ),
        (
            &["--tolerance", "0"],
            "Error: invalid --tolerance: 0; expected a number > 0\n",
        ),
        (
            &["--range", "5,1"],
            "Error: invalid --range: 5,1; expected LOW,HIGH with LOW < HIGH\n",
        ),
        (
            &["--range", "-1,5"],
            "Error: invalid --range: blocks.core.amount=-1: -1 is out of range; expected a number ≥ 0\n",
        ),
    ] {
        seek_before_any_run(extra).code(2).stderr(want);
    }
    // The threads error itself, once the options are good: the runs were about to start.
    seek_before_any_run(&["--range", "100000,200000"])
        .code(2)
        .stderr(predicate::str::contains("invalid threads"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_folder_that_cannot_be_written_is_refused_before_any_run() {
    // /proc takes no new files, even for root.
    seek_before_any_run(&["--range", "100000,200000", "--out", "/proc/sibsim-test/out"])
        .code(2)
        .stderr(predicate::str::starts_with(
            "Error: invalid --out: /proc/sibsim-test/out cannot be written in /proc (",
        ))
        .stderr(predicate::str::ends_with(
            "); expected a folder that can be written, existing or new\n",
        ));
    sibsim()
        .args(["compare", "scenarios/mhep1.toml", "--sweep", "block_share=0,1"])
        .args(["--threads", "0", "--quiet", "--out", "Cargo.toml/out"])
        .assert()
        .code(2)
        .stderr("Error: invalid --out: Cargo.toml is a file, so Cargo.toml/out cannot be a folder; expected a folder, existing or new\n");
}

#[test]
fn a_comparison_file_with_a_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = comparison_file(
        tmp.path(),
        "feedback = false\n\n[[variants]]\nname = \"a\"\ntariff_scale = 2\n",
    );
    let base = std::fs::canonicalize("scenarios")
        .unwrap()
        .join("mhep1.toml");
    sibsim()
        .arg("compare")
        .arg(&file)
        .args(["--sweep", "block_share=0,1", "--quiet"])
        .assert()
        .code(2)
        .stderr(format!(
            "Error: invalid --sweep: {} is a comparison file, and a sweep runs on one scenario: its [[variants]] would be ignored; expected the base scenario with --sweep, `sibsim compare {} --sweep …` --no-feedback (the file sets feedback = false), or the comparison file without --sweep to run its variants\n",
            file.display(),
            base.display()
        ));
}

#[test]
fn sweep_errors_name_the_item() {
    for (sweep, want) in [
        ("block_share=", "Error: invalid --sweep: block_share= has no values; expected comma-separated numbers after block_share=, e.g. block_share=0,0.5,1\n"),
        ("tariff_scale=1,-1", "Error: invalid --sweep: tariff_scale=-1: -1 is out of range; expected a number ≥ 0\n"),
        ("caps.nope=1", "Error: invalid --sweep: path \"caps.nope\": no cap `nope`; expected one of the scenario's caps: cbo_grant_2018_19, cbo_haringey_2018_19, haringey_topup_50pct, sof_grant\n"),
    ] {
        sibsim()
            .args(["compare", "scenarios/mhep1.toml", "--quiet", "--sweep", sweep])
            .assert()
            .code(2)
            .stderr(want);
    }
}

#[test]
fn seek_shows_its_figure_with_the_statistic_and_says_why_an_se_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    // One trial: every figure is 0 or 1, and no SE can be estimated.
    let run = sibsim()
        .args([
            "seek",
            "tests/fixtures/seek_block.toml",
            "--vary",
            "blocks.core.amount",
            "--target",
            "site.only.provider_loss <= 0.10",
            "--range",
            "100000,200000",
            "--trials",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let text = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Seek on seek_block: smallest blocks.core.amount in [100000, 200000] meeting site.only.provider_loss <= 0.10");
    assert!(
        lines[1].ends_with(": site.only.provider_loss (probability) = 0 (no Monte Carlo SE: it needs at least 2 trials defining the figure), met"),
        "{text}"
    );
    assert!(
        lines[2].ends_with(": site.only.provider_loss (probability) = 1, not met"),
        "{text}"
    );
    assert_eq!(
        lines[3],
        "the value's own precision is unknown: no Monte Carlo SE of the figure at the value found"
    );
    // 2 ends and 14 halvings of 100,000 to within 10; the default tolerance printed as 10.
    assert_eq!(lines[4], "16 evaluations (16 runs of 1 trial, seed 3); stopped because the bracket is within the tolerance (10)");
    let j = read_json(&tmp.path().join("seek.json"));
    assert_eq!(j["tolerance"], 10.0);
    assert_eq!(j["target"]["stat"], "probability");
    assert!(j["achieved_se"].is_null());
    assert!(j["value_se"].is_null());
    assert_eq!(
        j["note"],
        "value_se: no Monte Carlo SE of the figure at the value found; achieved_se: no Monte Carlo SE: it needs at least 2 trials defining the figure"
    );
    for p in j["points"].as_array().unwrap() {
        assert!(p["se"].is_null(), "{p}");
        assert_eq!(
            p["note"], "no Monte Carlo SE: it needs at least 2 trials defining the figure",
            "{p}"
        );
    }
}

// --- review 2 ---

#[test]
fn values_too_large_for_a_number_are_echoed_as_written() {
    sibsim()
        .args(["compare", "scenarios/mhep1.toml", "--quiet", "--sweep"])
        .arg("tariff_scale=1e400")
        .assert()
        .code(2)
        .stderr("Error: invalid --sweep: tariff_scale=1e400: 1e400 is out of range; expected a number ≤ 1e12\n");
    seek_before_any_run(&["--range", "0,1e400"])
        .code(2)
        .stderr("Error: invalid --range: \"0,1e400\": 1e400 is not a finite number; expected LOW,HIGH, two finite numbers, e.g. 0,1\n");
}

#[test]
fn comparison_files_without_a_scenario_base_or_with_an_empty_variant_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = std::fs::canonicalize("scenarios").unwrap();
    let out = tmp.path().join("o");
    let first_line = |text: &str| -> String {
        let file = tmp.path().join("x.toml");
        std::fs::write(&file, text).unwrap();
        let got = sibsim()
            .arg("compare")
            .arg(&file)
            .args(["--quiet", "--out"])
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
        let f = file.display().to_string();
        stderr
            .lines()
            .next()
            .unwrap_or_default()
            .replace(&f, "FILE")
    };
    assert_eq!(
        first_line("[[variants]]\nname = \"a\"\ntariff_scale = 2\n"),
        "Error: FILE:1:3: base: a comparison file needs base = \"…\": this one has [[variants]] but no base; expected base = \"SCENARIO.toml\" before the first [[variants]], the base scenario's path relative to this file"
    );
    let structures = scenarios.join("mhep1_structures.toml");
    assert_eq!(
        first_line(&format!(
            "base = \"{}\"\n[[variants]]\nname = \"a\"\ntariff_scale = 2\n",
            structures.display()
        )),
        format!("Error: FILE:1:8: base: {} is a comparison file, not a scenario; expected the path of a scenario file: the base must be a scenario, not another comparison", structures.display())
    );
    assert_eq!(
        first_line(&format!(
            "base = \"{}/mhep1.toml\"\n\n[[variants]]\nname = \"a\"\ndescription = \"the base again\"\n",
            scenarios.display()
        )),
        "Error: FILE:4:1: variants[0]: variant \"a\" changes nothing: it has only a name and a description; expected at least one of rules_from, block_share, tariff_scale or a [variants.set] field"
    );
    assert!(!out.exists());
}

/// The figure ± SE the refusal shows at `at` ("… is F ± S at block_share = 0 and …").
fn figure_at(msg: &str, at: &str) -> (f64, f64) {
    let head = msg.split(at).next().unwrap_or_default();
    let tail = head.rsplit(" is ").next().unwrap_or_default();
    let last = tail.rsplit(" and ").next().unwrap_or_default();
    let (f, se) = last.trim().split_once(" ± ").expect("figure ± SE");
    (f.parse().unwrap(), se.parse().unwrap())
}

#[test]
fn seek_says_a_target_missed_by_noise_is_not_met_on_these_trials() {
    // At 300 trials P(distress) at block share 1 misses 0.6 by less than 2 SEs; the same target
    // is met there at 10,000 trials (docs/compare.md's example). The refusal must not say the
    // block share cannot meet it. These trials are MHEP 1's with the evidence haircut and rates it had
    // before issue 12 set p_evidence to 1 and gave the rates exposures (the first draws the
    // sustainments from other random numbers, the second raises the rates: seed 2016's 300 trials
    // are others, and the target is met at block share 1 on them).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let text = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let old = common::before_haircut_and_exposure(&text);
    let scenario = tmp.path().join("mhep1.toml");
    std::fs::write(&scenario, old).unwrap();
    let got = sibsim()
        .arg("seek")
        .arg(&scenario)
        .args(["--vary", "block_share"])
        .args([
            "--target",
            "site.staffordshire.provider_distress <= 0.6",
            "--trials",
            "300",
            "--quiet",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .code(2);
    let msg = String::from_utf8(got.get_output().stderr.clone()).unwrap();
    assert!(msg.starts_with("Error: the target site.staffordshire.provider_distress <= 0.6 is not met on these trials at either end of the range: site.staffordshire.provider_distress (probability) (± its Monte Carlo SE) is "), "{msg}");
    assert!(
        msg.ends_with(
            ", so more trials may show it met there: run again with more --trials than 300\n"
        ),
        "{msg}"
    );
    assert!(!msg.contains("cannot be met"), "{msg}");
    // Each end's SE is a proportion's over 300 trials, √(p(1 − p)/299); the end named as near
    // the bound is within 2 of them, and is the only one named.
    let mut near = Vec::new();
    for (b, at) in [(0, " at block_share = 0 and"), (1, " at block_share = 1;")] {
        // Printed with the SE to 2 significant figures and p to the same place: p is k/300,
        // recovered whole from its rounding (the SE's second figure is at 10⁻³ here, finer than
        // 1/600); the SE is then within half its second figure, 5% of itself at most.
        let (printed, se) = figure_at(&msg, at);
        let p = (printed * 300.0).round() / 300.0;
        assert!((printed - p).abs() <= 0.0005, "{at}: {printed} vs {p}");
        let want = (p * (1.0 - p) / 299.0).sqrt();
        assert!((se - want).abs() <= 0.05 * want, "{at}: {se} vs {want}");
        assert!(p > 0.6, "{at}: not met, so above 0.6: {p}");
        if p - 0.6 <= 2.0 * want {
            near.push(b);
            assert!(
                msg.contains(&format!(
                    "at block_share = {b} it is within 2 of its SEs of the bound 0.6"
                )),
                "{msg}"
            );
        }
    }
    assert!(!near.is_empty(), "{msg}");
    assert!(!dir.exists());
}

/// `sibsim seek` on the goal-seek fixture with `target` and `extra`, and `--threads 0`, which
/// would stop the first run: an error other than that one comes before any run.
fn seek_target_before_any_run(target: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    sibsim()
        .args([
            "seek",
            "tests/fixtures/seek_block.toml",
            "--vary",
            "blocks.core.amount",
            "--range",
            "100000,200000",
            "--threads",
            "0",
            "--quiet",
            "--target",
            target,
        ])
        .args(extra)
        .assert()
}

#[test]
fn seek_refuses_trivial_targets_and_tolerances_before_any_run() {
    for (target, extra, want) in [
        ("site.only.provider_loss <= 1.5", &[][..], "Error: invalid --target: site.only.provider_loss is a probability, from 0 to 1, so <= 1.5 holds at every value of the knob; expected a bound it can cross: <= X with 0 ≤ X < 1\n"),
        ("site.only.provider_loss >= -0.1", &[], "Error: invalid --target: site.only.provider_loss is a probability, from 0 to 1, so >= -0.1 holds at every value of the knob; expected a bound it can cross: >= X with 0 < X ≤ 1\n"),
        ("site.only.provider_loss.mean >= 1.5", &[], "Error: invalid --target: site.only.provider_loss is a probability, from 0 to 1, so >= 1.5 holds at no value of the knob; expected a bound it can cross: >= X with 0 < X ≤ 1\n"),
        ("site.only.provider_loss <= 0.10", &["--tolerance", "100000"], "Error: invalid --tolerance: 100000 is at least as wide as the range 100000,200000: the search would stop at its two ends; expected a tolerance smaller than the range's width 100000\n"),
        ("site.only.provider_loss <= 0.10", &["--tolerance", "1e400"], "Error: invalid --tolerance: inf is at least as wide as the range 100000,200000: the search would stop at its two ends; expected a tolerance smaller than the range's width 100000\n"),
    ] {
        seek_target_before_any_run(target, extra).code(2).stderr(want);
    }
    // A bound the probability can cross, and a tolerance within the range: on to the runs.
    seek_target_before_any_run("site.only.provider_loss <= 0.10", &["--tolerance", "99999"])
        .code(2)
        .stderr(predicate::str::contains("invalid threads"));
}

#[test]
fn the_frontier_states_its_dominance_rule_as_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let run = sibsim()
        .args([
            "compare",
            "scenarios/mhep1.toml",
            "--sweep",
            "tariff_scale=1,1.5",
        ])
        .args([
            "--trials",
            "50",
            "--no-feedback",
            "--json",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let j: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    // report.rs `frontier`: w dominates v when every axis's paired difference w − v and its SE
    // are defined, none is above +2 SE and at least one is below −2 SE.
    assert_eq!(
        j["frontier"]["rule"],
        "a variant is dominated by another that is better (lower) on at least one axis by more than 2 paired standard errors of the difference, and worse on none by more than 2 (it may be worse by up to 2 SEs); the axes: commissioners' cost per sustained job, P(provider loss) averaged over the sites, P(investor capital loss); an axis whose difference or SE is undefined lets neither dominate"
    );
}
