//! The evidence library's search order (docs/calibration-evidence.md, "Which library"):
//! `--evidence DIR`, then `SIBSIM_EVIDENCE`, then `evidence/` beside the scenario (its own folder,
//! then its parent's) or in the working folder, then the copy bundled with sibsim. Each step wins
//! over the later ones; a library named explicitly that cannot be read is an error with an exact
//! text; a scenario far from any `evidence/` folder runs from the bundled copy with the same
//! results as from the repository's folder.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SCENARIO: &str = "scenarios/ips_new_service.toml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sibsim` with no `SIBSIM_EVIDENCE` from the environment the tests run in.
fn sibsim() -> Command {
    let mut cmd = Command::cargo_bin("sibsim").unwrap();
    cmd.env_remove("SIBSIM_EVIDENCE");
    cmd
}

/// A valid library: a copy of the repository's evidence/ folder.
fn good_library(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(repo().join("evidence")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
}

/// An invalid library: reading it fails, so a run that reads it cannot succeed.
fn broken_library(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("bad.toml"), "[figures.x]\nvalue = 1\n").unwrap();
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// `run` of the scenario at `file` (in working folder `cwd`), with `args`: its summary.json.
fn run(
    cwd: &Path,
    file: &Path,
    out: &Path,
    args: &[&str],
    env: Option<&Path>,
) -> serde_json::Value {
    let mut cmd = sibsim();
    cmd.current_dir(cwd)
        .arg("run")
        .arg(file)
        .args(["--trials", "300", "--quiet", "--out"])
        .arg(out)
        .args(args);
    if let Some(e) = env {
        cmd.env("SIBSIM_EVIDENCE", e);
    }
    cmd.assert().success();
    summary(out)
}

fn canonical(p: &Path) -> String {
    std::fs::canonicalize(p).unwrap().display().to_string()
}

/// Each step of the order wins over every later one: the later libraries are broken, so a
/// run that read one would fail; `meta.evidence` names the one chosen.
#[test]
fn each_step_of_the_order_wins_over_the_later_ones() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let file = root.join("a/b/x.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::copy(repo().join(SCENARIO), &file).unwrap();
    let (flag, env, own, parent) = (
        root.join("flag"),
        root.join("env"),
        root.join("a/b/evidence"),
        root.join("a/evidence"),
    );
    let out = root.join("out");
    let evidence_of = |args: &[&str], env_dir: Option<&Path>| {
        let json = run(root, &file, &out, args, env_dir);
        json["meta"]["evidence"].as_str().unwrap().to_owned()
    };

    // 1. --evidence, over a broken SIBSIM_EVIDENCE and broken folders beside the scenario.
    good_library(&flag);
    broken_library(&env);
    broken_library(&own);
    broken_library(&parent);
    let flag_arg = flag.display().to_string();
    assert_eq!(
        evidence_of(&["--evidence", &flag_arg], Some(&env)),
        canonical(&flag)
    );
    // 2. SIBSIM_EVIDENCE, over the broken folders beside the scenario.
    good_library(&env);
    std::fs::remove_file(env.join("bad.toml")).unwrap();
    assert_eq!(evidence_of(&[], Some(&env)), canonical(&env));
    // 3a. evidence/ in the scenario's own folder, over its parent's.
    std::fs::remove_dir_all(&own).unwrap();
    good_library(&own);
    assert_eq!(evidence_of(&[], None), canonical(&own));
    // 3b. evidence/ in the parent's folder, over the bundled copy.
    std::fs::remove_dir_all(&own).unwrap();
    std::fs::remove_dir_all(&parent).unwrap();
    good_library(&parent);
    assert_eq!(evidence_of(&[], None), canonical(&parent));
    // 4. Nothing named or found: the bundled copy.
    std::fs::remove_dir_all(&parent).unwrap();
    assert_eq!(
        evidence_of(&[], None),
        format!("bundled with sibsim {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Commands without a scenario: `evidence/` in the working folder, else the bundled copy; the
/// listing says which and how it was chosen.
#[test]
fn without_a_scenario_the_working_folders_library_then_the_bundled_copy() {
    let root = tempfile::tempdir().unwrap();
    let n = sibsim::evidence::Library::load(&repo().join("evidence"))
        .unwrap()
        .figures
        .len();
    let first_line = |cwd: &Path| {
        let out = sibsim().current_dir(cwd).arg("evidence").assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        text.lines().next().unwrap().to_owned()
    };
    assert_eq!(
        first_line(root.path()),
        format!(
            "{n} figures in the library bundled with sibsim {} (none named by --evidence or SIBSIM_EVIDENCE, no folder at evidence)",
            env!("CARGO_PKG_VERSION")
        )
    );
    good_library(&root.path().join("evidence"));
    assert_eq!(
        first_line(root.path()),
        format!("{n} figures in evidence (found in the working folder)")
    );
}

/// An --evidence folder that cannot be read is refused with this exact text by every command
/// that reads the library, before anything runs — never replaced by the next library.
#[test]
fn a_bad_evidence_flag_is_an_error_in_every_command() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("no-such-library");
    let m = missing.display().to_string();
    let expected = format!(
        "Error: cannot read the evidence library at {m} (given by --evidence): No such file or directory (os error 2); expected a folder of evidence *.toml files; a library named by --evidence is never replaced by another (without --evidence, sibsim searches SIBSIM_EVIDENCE, evidence/ beside the scenario, then its bundled copy)\n"
    );
    let out = root.path().join("out").display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", SCENARIO, "--out", &out],
        vec!["validate", SCENARIO],
        vec!["validate", "scenarios/mhep1_structures.toml"],
        vec!["report", SCENARIO, "--out", &out],
        vec!["backtest", "scenarios/mhep1.toml"],
        vec!["outside-view", SCENARIO],
        vec!["outside-view", SCENARIO, "--dir", &m],
        vec!["compare", SCENARIO, "--sweep", "block_share=0,1"],
        vec![
            "seek",
            SCENARIO,
            "--vary",
            "block_share",
            "--target",
            "engagements >= 1",
        ],
        vec!["sensitivity", SCENARIO],
        vec!["calibrate"],
        vec!["calibrate", "--dir", &m],
        vec!["calibrate", "--scenario", SCENARIO],
        vec!["evidence"],
        vec!["evidence", "--dir", &m],
        vec!["pay", SCENARIO, "--site", "x", "--count", "job_start=1"],
    ];
    for args in &commands {
        let mut cmd = sibsim();
        cmd.args(args);
        if !args.contains(&"--dir") {
            cmd.arg("--evidence").arg(&missing);
        }
        let got = cmd.assert().code(2);
        assert_eq!(stderr(&got), expected, "{args:?}");
        assert!(got.get_output().stdout.is_empty(), "{args:?}");
    }
    assert!(!root.path().join("out").exists());
}

/// SIBSIM_EVIDENCE that cannot be read is refused with this exact text; a folder named by it is
/// never replaced by the next library, even for a scenario that has an evidence/ folder beside
/// it. An empty value counts as unset.
#[test]
fn a_bad_sibsim_evidence_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nowhere");
    let got = sibsim()
        .args(["validate", SCENARIO])
        .env("SIBSIM_EVIDENCE", &missing)
        .assert()
        .code(2);
    assert_eq!(
        stderr(&got),
        format!(
            "Error: cannot read the evidence library at {} (given by SIBSIM_EVIDENCE): No such file or directory (os error 2); expected a folder of evidence *.toml files; a library named by SIBSIM_EVIDENCE is never replaced by another (with SIBSIM_EVIDENCE unset, sibsim searches evidence/ beside the scenario, then its bundled copy)\n",
            missing.display()
        )
    );
    // A file where a folder should be.
    let file = root.path().join("file");
    std::fs::write(&file, "").unwrap();
    let got = sibsim()
        .args(["evidence"])
        .env("SIBSIM_EVIDENCE", &file)
        .assert()
        .code(2);
    assert!(
        stderr(&got).starts_with(&format!(
            "Error: cannot read the evidence library at {} (given by SIBSIM_EVIDENCE): Not a directory (os error 20); ",
            file.display()
        )),
        "{}",
        stderr(&got)
    );
    // --evidence wins over it.
    sibsim()
        .args(["validate", SCENARIO, "--evidence", "evidence"])
        .env("SIBSIM_EVIDENCE", &missing)
        .assert()
        .success();
    // Empty: unset.
    sibsim()
        .args(["validate", SCENARIO])
        .env("SIBSIM_EVIDENCE", "")
        .assert()
        .success();
}

/// A broken library beside the scenario is reported at the evidence input, saying which library
/// and how it was chosen.
#[test]
fn a_broken_library_beside_the_scenario_says_which_and_how() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("x.toml");
    std::fs::copy(SCENARIO, &file).unwrap();
    let lib = root.path().join("evidence");
    broken_library(&lib);
    let got = sibsim()
        .current_dir(root.path())
        .args(["validate", "x.toml"])
        .assert()
        .code(2);
    assert_eq!(
        stderr(&got),
        "Error: x.toml:97:42: sites.new_service.delivery.p_job_start.key: the evidence library at evidence (found beside the scenario) is invalid: evidence/bad.toml:1:1: figures.x: missing field `unit`; expected it in this table (docs/scenario-format.md lists every field); expected a valid library there, or another named by --evidence or SIBSIM_EVIDENCE (docs/calibration-evidence.md, \"Which library\")\n   |\n97 | p_job_start = { dist = \"evidence\", key = \"bit2020.job_start_rate\", level = \"new_site\" }\n   |                                          ^^^^^^^^^^^^^^^^^^^^^^^^\n1 problem found; nothing was simulated\n"
    );
}

/// A scenario with an evidence input, copied to a folder with no evidence/ near it, validates and
/// runs from there on the bundled copy — with results identical, but for `meta`, to a run on the
/// repository's evidence/ folder; the report names the library and hashes it alike.
#[test]
fn far_from_any_library_the_bundled_copy_gives_the_same_results() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::copy(SCENARIO, root.join("x.toml")).unwrap();
    let here = Path::new("x.toml");
    sibsim()
        .current_dir(root)
        .args(["validate", "x.toml"])
        .assert()
        .success();
    let mut bundled = run(root, here, &root.join("b"), &[], None);
    let repo_evidence = repo().join("evidence").display().to_string();
    let mut folder = run(
        root,
        here,
        &root.join("f"),
        &["--evidence", &repo_evidence],
        None,
    );
    assert_eq!(
        bundled["meta"]["evidence"],
        format!("bundled with sibsim {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        folder["meta"]["evidence"],
        canonical(&repo().join("evidence"))
    );
    bundled.as_object_mut().unwrap().remove("meta");
    folder.as_object_mut().unwrap().remove("meta");
    assert_eq!(bundled, folder);
    for name in ["summary.csv", "plan.csv", "monthly.csv"] {
        assert_eq!(
            std::fs::read(root.join("b").join(name)).unwrap(),
            std::fs::read(root.join("f").join(name)).unwrap(),
            "{name}"
        );
    }

    // The report's Reproduce section names the library; the bundled copy hashes as the folder.
    let page = |args: &[&str], name: &str| {
        sibsim()
            .current_dir(root)
            .args(["report", "x.toml", "--trials", "200", "--quiet", "-o", name])
            .args(args)
            .assert()
            .success();
        std::fs::read_to_string(root.join(name)).unwrap()
    };
    let line = |page: &str| {
        page.lines()
            .find(|l| l.starts_with("<li>Evidence library: "))
            .unwrap_or_else(|| panic!("no evidence line"))
            .to_owned()
    };
    let b = line(&page(&[], "b.html"));
    let f = line(&page(&["--evidence", &repo_evidence], "f.html"));
    assert!(
        b.starts_with(&format!(
            "<li>Evidence library: the library bundled with sibsim {} (none named by --evidence or SIBSIM_EVIDENCE, no folder at evidence), FNV-1a 64-bit hash: <code>",
            env!("CARGO_PKG_VERSION")
        )),
        "{b}"
    );
    assert!(
        f.starts_with(&format!(
            "<li>Evidence library: {repo_evidence} (given by --evidence), FNV-1a 64-bit hash: <code>"
        )),
        "{f}"
    );
    let hash = |l: &str| l.split("<code>").nth(1).unwrap().to_owned();
    assert_eq!(hash(&b), hash(&f));
}

/// An empty folder (or one with no `*.toml`) is not a library: an error naming it and how it was
/// chosen, not an empty listing whose keys all fail later.
#[test]
fn a_folder_with_no_evidence_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "not evidence").unwrap();
    let out = sibsim()
        .args(["evidence", "--evidence"])
        .arg(&empty)
        .assert()
        .code(2);
    assert_eq!(
        stderr(&out),
        format!(
            "Error: cannot read the evidence library at {} (given by --evidence): the folder holds \
             no evidence file (*.toml); expected a folder of evidence *.toml files like the \
             repository's evidence/ (docs/calibration-evidence.md)\n",
            empty.display()
        )
    );
}
