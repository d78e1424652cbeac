//! Issue 15: `cargo install --path . --root TMP`, then every command from a folder that has
//! nothing to do with the repository — no `evidence/` beside it, no `scenarios/`, no `docs/`.
//! Everything a command needs must come from the installed binary (the bundled evidence library,
//! the templates) or from the user's own files.
//!
//! The install builds in this repository's target folder with the profile these tests were built
//! in (`--debug` under `cargo test`, as CI runs it), so it reuses what is already compiled.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Run the installed `sibsim` in `dir` with `args`; the output, with the command in any failure.
fn sibsim(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        // What a user's shell has: nothing pointing at the repository.
        .env_remove("SIBSIM_EVIDENCE")
        .output()
        .expect("the installed sibsim runs");
    assert!(
        out.status.success(),
        "sibsim {} failed in {}:\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn an_installed_sibsim_works_from_an_unrelated_folder() {
    let root = tempfile::tempdir().unwrap();
    let mut install = Command::new(cargo());
    install
        .args([
            "install",
            "--path",
            env!("CARGO_MANIFEST_DIR"),
            "--locked",
            "--root",
        ])
        .arg(root.path());
    if cfg!(debug_assertions) {
        install.arg("--debug");
    }
    let status = install.status().expect("cargo runs");
    assert!(status.success(), "cargo install failed");
    let bin: PathBuf = root.path().join("bin").join("sibsim");
    assert!(bin.is_file(), "{} was not installed", bin.display());

    // A user's folder: their own copies of two bundled scenarios, and nothing else.
    // A folder inside a fresh one, so that neither it nor its parent has an `evidence/`.
    let home = tempfile::tempdir().unwrap();
    let dir = &home.path().join("work");
    std::fs::create_dir(dir).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["mhep1.toml", "lcf_tower_hamlets_mh.toml"] {
        std::fs::copy(repo.join("scenarios").join(name), dir.join(name)).unwrap();
    }
    assert!(!dir.join("evidence").exists() && !dir.parent().unwrap().join("evidence").exists());

    let version = sibsim(&bin, dir, &["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("sibsim {}", env!("CARGO_PKG_VERSION"))
    );
    // A new contract from the LCF template, and the bundled LCF scenario whose delivery comes
    // from the evidence library (`dist = "evidence"`): both validate and run here.
    sibsim(&bin, dir, &["init", "--template", "lcf", "my_lcf.toml"]);
    let trials = ["--trials", "300", "--quiet"];
    for file in ["my_lcf.toml", "lcf_tower_hamlets_mh.toml", "mhep1.toml"] {
        sibsim(&bin, dir, &["validate", file]);
        let out = format!("out/run-{file}");
        sibsim(
            &bin,
            dir,
            &[&["run", file, "--out", &out][..], &trials].concat(),
        );
        assert!(dir.join(&out).join("summary.json").is_file());
    }
    let runs: &[&[&str]] = &[
        &["report", "mhep1.toml", "--out", "out/report"],
        &["backtest", "mhep1.toml", "--out", "out/backtest"],
        &["outside-view", "mhep1.toml", "--out", "out/outside"],
        &[
            "compare",
            "mhep1.toml",
            "--sweep",
            "tariff_scale=0.9,1.1",
            "--out",
            "out/compare",
        ],
        &[
            "seek",
            "mhep1.toml",
            "--vary",
            "block_share",
            "--target",
            "site.staffordshire.provider_distress <= 0.6",
            "--tolerance",
            "0.1",
            "--out",
            "out/seek",
        ],
        &[
            "sensitivity",
            "lcf_tower_hamlets_mh.toml",
            "--metric",
            "engagements",
            "--sobol-n",
            "0",
            "--out",
            "out/sensitivity",
        ],
    ];
    for args in runs {
        sibsim(&bin, dir, &[args, &trials[..]].concat());
    }
    for f in [
        "report/report.html",
        "backtest/backtest.json",
        "outside/outside_view.json",
        "compare/compare.json",
        "sensitivity/sensitivity.json",
    ] {
        assert!(dir.join("out").join(f).is_file(), "out/{f} was not written");
    }
    // The library alone: the bundled copy lists and calibrates.
    let listing = sibsim(&bin, dir, &["evidence"]);
    assert!(String::from_utf8_lossy(&listing.stdout).contains("bit2020"));
    sibsim(&bin, dir, &["calibrate"]);
    sibsim(
        &bin,
        dir,
        &[
            "pay",
            "mhep1.toml",
            "--site",
            "haringey",
            "--count",
            "engagement=10",
        ],
    );
    let schema = sibsim(&bin, dir, &["schema"]);
    assert!(serde_json::from_slice::<serde_json::Value>(&schema.stdout).is_ok());
    let completions = sibsim(&bin, dir, &["completions", "bash"]);
    assert!(String::from_utf8_lossy(&completions.stdout).contains("sibsim"));
}
