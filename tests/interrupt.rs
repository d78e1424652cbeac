//! An interrupted run leaves its output folder byte for byte as it was, removes its temporaries
//! and exits 130; a later run removes what a dead run left (docs/outputs.md).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every entry of `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = if e.path().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                b"<dir>".to_vec()
            };
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

fn interrupted(signal: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("sibsim");
    // An earlier run's outputs, with a trials.csv, and a file of the user's.
    let status = Command::new(&bin)
        .args([
            "run",
            "scenarios/box1.toml",
            "--trials",
            "200",
            "--per-trial",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(out.join("notes.txt"), "the user's").unwrap();
    // A temporary an earlier version left when it was killed (pid 4000000000 cannot be alive).
    std::fs::write(out.join(".trials.csv.tmp-4000000000"), vec![b'x'; 10_000]).unwrap();
    let mut before = snapshot(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        [
            ".sibsim-results.json",
            ".trials.csv.tmp-4000000000",
            "monthly.csv",
            "notes.txt",
            "plan.csv",
            "summary.csv",
            "summary.json",
            "trials.csv"
        ]
    );
    before.remove(".trials.csv.tmp-4000000000");

    // A long run streaming its trials; interrupted once its staging folder holds some of them.
    let child = Command::new(&bin)
        .args([
            "run",
            "scenarios/mhep1.toml",
            "--trials",
            "5000000",
            "--per-trial",
            // Over box1's results (another scenario): forced, and still rolled back whole.
            "--force",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let staged = loop {
        let staging = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".sibsim-tmp-")
            });
        if let Some(s) = staging {
            if std::fs::metadata(s.join("trials.csv")).is_ok_and(|m| m.len() > 1_000_000) {
                break s;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no trials streamed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    // 5,000,000 trials of MHEP 1 are a long run: its warning comes first (docs/performance.md;
    // the wall time after it depends on the machine's threads).
    let (warning, rest) = stderr.split_once('\n').unwrap();
    // Then its memory: 5,000,000 trials' table at 4 bytes a value, plus a segment and the monthly
    // series kept — an upper estimate (runner::memory_estimate), past the 2 GB warned of.
    let (memory, error) = rest.split_once('\n').unwrap();
    assert!(
        memory.starts_with("warning: this run may need up to ")
            && memory.ends_with(
                " GB of memory for 5,000,000 trials (an upper estimate; a table of results \
                 beyond 8.6 GB is refused as it grows; docs/performance.md); fewer trials need less"
            ),
        "{stderr}"
    );
    assert!(
        warning.starts_with(
            "warning: this run is long: 5,000,000 trials × 39 months × (3 sites + 1 + 49 payment \
             items / 100) is an estimated 29 minutes of CPU time, about "
        ),
        "{stderr}"
    );
    assert_eq!(
        error,
        "Error: interrupted before the run finished: no output was written\n"
    );
    assert!(!staged.exists());
    // Exactly as before: the earlier run's files byte for byte, the user's file, and neither
    // this run's temporaries nor the dead run's.
    assert_eq!(snapshot(&out), before);
}

#[test]
fn sigint_leaves_the_folder_as_it_was_and_exits_130() {
    interrupted("INT");
}

#[test]
fn sigterm_leaves_the_folder_as_it_was_and_exits_130() {
    interrupted("TERM");
}
