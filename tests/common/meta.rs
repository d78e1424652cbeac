//! The `meta` object every results file carries (docs/outputs.md), checked against what the test
//! knows independently: the file's bytes hashed here, the options it passed, the clock.

use serde_json::Value;

/// The canonical path of `file` and the SHA-256 of its bytes, computed here.
fn path_and_hash(file: &str) -> (String, String) {
    let path = std::fs::canonicalize(file).unwrap();
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(file).unwrap())
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    (path.display().to_string(), hex)
}

/// `json` (a results file) starts with a `meta` made by `sibsim <command> … <file> …` with `seed`,
/// `trials` and sampling `method`: sibsim's version, the file's canonical path and the SHA-256 of
/// its bytes (computed here), the command line as words, a UTC time and the evidence library;
/// `file` is a scenario, so no base scenario is named.
pub fn assert_meta(
    json: &Value,
    (command, file): (&str, &str),
    seed: u64,
    trials: u64,
    method: &str,
) {
    assert_common(json, (command, file), seed, trials, method);
    for key in [
        "base_scenario_path",
        "base_scenario_sha256",
        "rules_from_files",
    ] {
        assert!(json["meta"].get(key).is_none(), "{key}: {}", json["meta"]);
    }
}

/// As [`assert_meta`] for a comparison file `file` whose base scenario is `base` and whose
/// variants take rules from the scenarios `rules`: `meta` names them too, each with the SHA-256
/// of its bytes (`rules_from_files` absent when there are none).
pub fn assert_comparison_meta(
    json: &Value,
    (command, file, base, rules): (&str, &str, &str, &[&str]),
    seed: u64,
    trials: u64,
    method: &str,
) {
    assert_common(json, (command, file), seed, trials, method);
    let (path, hex) = path_and_hash(base);
    assert_eq!(json["meta"]["base_scenario_path"], path);
    assert_eq!(json["meta"]["base_scenario_sha256"], hex);
    if rules.is_empty() {
        assert!(
            json["meta"].get("rules_from_files").is_none(),
            "{}",
            json["meta"]
        );
    } else {
        let want: Vec<Value> = rules
            .iter()
            .map(|r| {
                let (path, sha256) = path_and_hash(r);
                serde_json::json!({ "path": path, "sha256": sha256 })
            })
            .collect();
        assert_eq!(json["meta"]["rules_from_files"], Value::Array(want));
    }
}

fn assert_common(
    json: &Value,
    (command, file): (&str, &str),
    seed: u64,
    trials: u64,
    method: &str,
) {
    assert_eq!(
        json.as_object().unwrap().keys().next().map(String::as_str),
        Some("meta"),
        "meta is not first"
    );
    let meta = &json["meta"];
    assert_eq!(meta["sibsim_version"], env!("CARGO_PKG_VERSION"));
    let (path, hex) = path_and_hash(file);
    assert_eq!(meta["scenario_path"], path);
    assert_eq!(meta["scenario_sha256"], hex);
    assert_eq!(meta["seed"], seed);
    assert_eq!(meta["trials"], trials);
    assert_eq!(meta["sampling"]["method"], method);
    let words: Vec<&str> = meta["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(words[0].ends_with("sibsim"), "{words:?}");
    assert_eq!(words[1], command);
    assert!(words.contains(&file), "{words:?}");
    let created = meta["created_utc"].as_str().unwrap();
    assert!(
        created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "{created}"
    );
    assert!(meta["evidence"].is_string(), "{}", meta["evidence"]);
}

/// `json` without its `meta`: what two runs of the same options agree on byte for byte.
pub fn without_meta(mut json: Value) -> Value {
    json.as_object_mut()
        .unwrap()
        .shift_remove("meta")
        .expect("a meta to remove");
    json
}
