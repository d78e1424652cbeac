//! `sibsim schema` and `sibsim completions`: the JSON Schema accepts every scenario sibsim accepts
//! and refuses the files in tests/bad/ whose error is one of shape (a wrong type, an unknown or
//! missing field, an unknown `dist`), checked with an independent validator (the `jsonschema`
//! crate); the completion scripts name every subcommand.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").expect("binary builds")
}

/// The schema as the user gets it: `sibsim schema`'s standard output.
fn schema() -> Value {
    let out = sibsim().arg("schema").assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("sibsim schema prints JSON")
}

fn validator() -> jsonschema::Validator {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::validator_for(&schema).expect("the schema is itself a valid JSON Schema")
}

/// A TOML file as the JSON value the schema describes (TOML tables → objects, arrays → arrays).
fn toml_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("file readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: not TOML: {e}", path.display()))
}

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The schema's complaints about `instance`, each as "/json/pointer: message".
fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}

#[test]
fn the_schema_accepts_every_scenario_sibsim_accepts() {
    let validator = validator();
    let bundled = toml_files("scenarios");
    assert!(bundled.len() >= 6, "bundled files: {bundled:?}");
    let mut accepted = 0;
    for path in bundled.iter().chain(toml_files("tests/fixtures").iter()) {
        let is_bundled = path.starts_with("scenarios");
        let value = toml_as_json(path);
        // A comparison file (`base = "mhep1.toml"` and its variants, docs/compare.md) is not a
        // scenario: the schema is not its.
        if value.get("base").is_some() {
            continue;
        }
        // Only files sibsim itself accepts: a fixture made to be refused says nothing about the
        // schema. Every bundled scenario must be one.
        if let Err(e) = sibsim::scenario::load(path) {
            assert!(!is_bundled, "{}: bundled but invalid: {e}", path.display());
            continue;
        }
        let errors = schema_errors(&validator, &value);
        assert!(
            errors.is_empty(),
            "{} validates with sibsim but the schema refuses it:\n{}",
            path.display(),
            errors.join("\n")
        );
        accepted += 1;
    }
    // The five bundled scenarios and the fixtures: far more than the bundled ones alone, or the
    // fixtures were skipped.
    assert!(
        accepted >= bundled.len() + 5,
        "only {accepted} files checked"
    );
}

/// The files in tests/bad/ whose error is one of shape, which the schema must refuse: the error
/// message (NAME.stderr) says "invalid type", "unknown field", "missing field" or "unknown variant"
/// — serde's own messages, raised while the file is read into the raw types the schema is made
/// from — or, for the two dotted-key files, the hint that replaces serde's "invalid type: map"
/// (a table where a number or an actual's field should be).
///
/// The other files in tests/bad/ are refused by validation, after the file has been read: values
/// out of range (probabilities, shares, amounts, subnormal or overflowing parameters), months
/// outside the horizon or site, references to parties, sites, tariffs and rule sets that do not
/// exist, rules that contradict each other (`amount` and `tiers`, a band on an engagement),
/// strings with a closed set of values (roles, lags, `every`), a `payee` left out (optional in the
/// format: some rules name it through the site), and one TOML syntax error. A JSON Schema could
/// express a few of them, but the schema describes the format's shape, and validation's messages
/// for these — with file:line:column and what is valid — are the ones users should see.
const SHAPE_ERRORS: &[&str] = &[
    "demand_range_for_window",
    "dotted_actuals_header",
    "dotted_plan_key",
    "missing_field",
    "unknown_distribution",
    "unknown_field",
    "wrong_type",
];

const SHAPE_MESSAGES: &[&str] = &[
    "invalid type",
    "unknown field",
    "missing field",
    "unknown variant",
];

/// The field path at the head of a committed error, `sites.only.demand[0].months`, as JSON
/// pointer segments: `["sites", "only", "demand", "0", "months"]`.
fn error_field_path(stderr: &str) -> Vec<String> {
    let first = stderr.lines().next().unwrap();
    // "Error: FILE:LINE:COL: PATH: problem…"
    let after_location = first.splitn(5, ':').nth(4).unwrap().trim_start();
    let path = after_location.split(':').next().unwrap();
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .map(str::to_string)
        .collect()
}

#[test]
fn every_shape_error_in_tests_bad_is_listed() {
    for path in toml_files("tests/bad") {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let stderr = std::fs::read_to_string(path.with_extension("stderr")).unwrap();
        let first = stderr.lines().next().unwrap();
        let by_message = SHAPE_MESSAGES.iter().any(|m| first.contains(m));
        if by_message {
            assert!(
                SHAPE_ERRORS.contains(&stem.as_str()),
                "{stem}: its error is one of shape ({first}); list it in SHAPE_ERRORS"
            );
        }
        if SHAPE_ERRORS.contains(&stem.as_str()) && !by_message {
            assert!(
                first.contains("TOML reads the dotted"),
                "{stem} is listed as a shape error but its message is not one: {first}"
            );
        }
    }
}

#[test]
fn the_schema_refuses_each_shape_error_in_tests_bad_at_its_field() {
    let validator = validator();
    for stem in SHAPE_ERRORS {
        let path = PathBuf::from(format!("tests/bad/{stem}.toml"));
        let instance = toml_as_json(&path);
        let errors: Vec<_> = validator.iter_errors(&instance).collect();
        assert!(!errors.is_empty(), "{stem}: the schema accepts it");
        // The schema refuses it for the reason sibsim does: at the field sibsim names, or at the
        // table holding it (an unknown or missing field is the table's fault).
        let field: Vec<String> =
            error_field_path(&std::fs::read_to_string(path.with_extension("stderr")).unwrap());
        let located = errors.iter().any(|e| {
            let at: Vec<String> = e
                .instance_path()
                .to_string()
                .split('/')
                .skip(1)
                .map(str::to_string)
                .collect();
            !at.is_empty() && field.starts_with(&at)
        });
        assert!(
            located,
            "{stem}: sibsim names {}, the schema refuses elsewhere:\n{}",
            field.join("."),
            errors
                .iter()
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// The others are no business of the schema's (see [`SHAPE_ERRORS`]): it accepts them all, so an
/// editor does not flag, with a vaguer message, what `sibsim validate` explains.
#[test]
fn the_schema_accepts_the_bad_files_whose_error_is_not_one_of_shape() {
    let validator = validator();
    let mut checked = 0;
    for path in toml_files("tests/bad") {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(value) = toml::from_str::<Value>(&text) else {
            assert_eq!(stem, "syntax_error", "only syntax_error is not TOML");
            continue;
        };
        if SHAPE_ERRORS.contains(&stem.as_str()) {
            continue;
        }
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{stem}: {}", errors.join("\n"));
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} files checked");
}

/// Each field's doc comment is its description; a distribution is a number or one of the `dist`
/// tables, the same names serde's "unknown variant" error lists.
#[test]
fn the_schema_describes_fields_and_distributions() {
    let schema = schema();
    let defs = &schema["definitions"];
    assert_eq!(
        defs["RawDelivery"]["properties"]["p_engage"]["description"],
        "Probability that a referral taken on completes a vocational profile (engages)."
    );
    assert_eq!(
        defs["RawSimulation"]["required"],
        serde_json::json!(["horizon_months", "start"])
    );
    // An `Input` field: a number or a `dist` table, nothing else.
    let input = &defs["Input"]["anyOf"];
    assert_eq!(input[0], serde_json::json!({ "type": "number" }));
    assert_eq!(input[1]["$ref"], "#/definitions/DistSpec");
    let mut names: Vec<String> = defs["DistSpec"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["properties"]["dist"]["const"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let stderr = std::fs::read_to_string("tests/bad/unknown_distribution.stderr").unwrap();
    let listed = stderr
        .lines()
        .next()
        .unwrap()
        .split("expected one of ")
        .nth(1)
        .unwrap();
    let mut expected: Vec<String> = listed
        .split(", ")
        .map(|s| s.trim_matches('`').to_string())
        .collect();
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    // PERT's weight is optional, with its default; nothing in a TOML file can be null.
    let pert = defs["DistSpec"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["properties"]["dist"]["const"] == "pert")
        .unwrap();
    assert_eq!(pert["properties"]["lambda"]["default"], 4.0);
    assert!(!pert["required"]
        .as_array()
        .unwrap()
        .contains(&"lambda".into()));
    assert!(!serde_json::to_string(&schema).unwrap().contains("null"));
}

#[test]
fn completions_name_every_subcommand() {
    let out = sibsim().args(["completions", "bash"]).assert().success();
    let bash = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for command in [
        "run",
        "validate",
        "pay",
        "report",
        "backtest",
        "outside-view",
        "calibrate",
        "compare",
        "seek",
        "sensitivity",
        "evidence",
        "schema",
        "completions",
    ] {
        assert!(
            bash.contains(&format!("sibsim,{command})")),
            "bash completion lacks {command}"
        );
    }
    for (shell, marker) in [
        ("zsh", "#compdef sibsim"),
        ("fish", "complete -c sibsim"),
        ("elvish", "edit:completion:arg-completer[sibsim]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = sibsim().args(["completions", shell]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(text.contains(marker), "{shell}: no {marker:?}");
    }
    sibsim().args(["completions", "tcsh"]).assert().code(2);
}
