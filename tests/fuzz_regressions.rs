//! Every input the fuzzers found (tests/fuzz_regressions/*.toml), replayed through
//! `sibsim::fuzz::check` under a per-case time limit: each must now fail cleanly or give finite
//! results. A file with a `# known: REASON` line is a class of failure being fixed elsewhere (or
//! not yet): skipped, with its reason printed — remove the line when its fix lands.
//! `SIBSIM_FUZZ_REPLAY_KNOWN=1` replays those too and lists how each fails (docs/fuzzing.md).

use std::path::Path;
use std::time::Duration;

use sibsim::fuzz::runner::check_bounded;

const LIMIT: Duration = Duration::from_secs(20);

fn known(text: &str) -> Option<&str> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# known:"))
        .map(str::trim)
}

#[test]
fn every_fuzz_finding_fails_cleanly_or_gives_finite_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let all = std::env::var("SIBSIM_FUZZ_REPLAY_KNOWN").is_ok_and(|v| v == "1");
    let (mut passed, mut skipped, mut failed) = (0, 0, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let reason = known(&text);
        if let Some(r) = reason {
            assert!(!r.is_empty(), "{name}: a `# known:` line needs its reason");
            if !all {
                eprintln!("skipped {name}: known: {r}");
                skipped += 1;
                continue;
            }
        }
        match check_bounded(&name, &text, LIMIT) {
            Ok(outcome) => {
                eprintln!("{name}: {outcome:?}");
                passed += 1;
            }
            Err(kind) => {
                eprintln!("{name}: FAILED: {kind:?}");
                if reason.is_none() {
                    failed.push(name);
                }
            }
        }
    }
    eprintln!(
        "{passed} passed, {skipped} skipped (known), {} failed",
        failed.len()
    );
    assert!(passed >= 1, "no regression input was replayed");
    assert!(failed.is_empty(), "fuzz regressions failing: {failed:?}");
}
