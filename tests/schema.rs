//! `sibsim schema` and `sibsim completions`: the JSON Schema accepts every scenario sibsim accepts
//! and refuses the files in tests/bad/ whose error is one of shape (a wrong type, an unknown or
//! missing field, an unknown `dist`) or a word outside a closed set (a role, an event, a lag,
//! `every`…), checked with an independent validator (the `jsonschema` crate); every word it offers
//! validates; the completion scripts name every subcommand.

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
/// from — or, for the three dotted-key files, the hint that replaces serde's "invalid type: map"
/// (a table where a number or an actual's field should be).
///
/// The other files in tests/bad/ are refused by validation, after the file has been read: values
/// out of range (probabilities, shares, amounts, subnormal or overflowing parameters), months
/// outside the horizon or site, references to parties, sites, tariffs and rule sets that do not
/// exist, rules that contradict each other (`amount` and `tiers`, a band on an engagement), a
/// `payee` left out (optional in the format: some rules name it through the site), and one TOML
/// syntax error. A JSON Schema could express a few of them, but the schema describes the format's
/// shape, and validation's messages for these — with file:line:column and what is valid — are the
/// ones users should see. The exception is a word outside a closed set (a role, an event, a lag,
/// `every`…, [`CHOICE_ERRORS`]): the schema lists the words as an `enum`, so an editor offers
/// them, and refuses a slip.
const SHAPE_ERRORS: &[&str] = &[
    "demand_range_for_window",
    "dist_field_wrong_type",
    "dist_table_field_wrong_type",
    "dotted_actuals_header",
    "dotted_actuals_key",
    "dotted_plan_key",
    "missing_field",
    "unknown_distribution",
    "unknown_field",
    "wrong_type",
];

/// The files in tests/bad/ with a word outside a closed set, which the schema refuses at that
/// field (its `enum`), while sibsim refuses it in validation with its own message.
const CHOICE_ERRORS: &[&str] = &[
    "several_problems",
    "unknown_every",
    "unknown_lag",
    "unknown_role_no_knock_on",
];

/// Validation's messages for a word outside a closed set (src/scenario/validate/).
const CHOICE_MESSAGES: &[&str] = &[
    "unknown role \"",
    "unknown event \"",
    "unknown lag \"",
    "unknown interval \"",
    "unknown scope \"",
    "unknown policy \"",
    "unknown hours band \"",
    "unknown metric \"",
    "unknown compounding \"",
    "unknown drawdown \"",
    "unknown repayment \"",
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
    line_field_path(stderr.lines().next().unwrap())
}

/// The field path of one error line, `Error: FILE:LINE:COL: PATH: problem…` (the first) or
/// `FILE:LINE:COL: PATH: problem…` (those after it), as JSON pointer segments.
fn line_field_path(line: &str) -> Vec<String> {
    let line = line.strip_prefix("Error: ").unwrap_or(line);
    let after_location = line.splitn(4, ':').nth(3).unwrap().trim_start();
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
        if SHAPE_ERRORS.contains(&stem.as_str()) || CHOICE_ERRORS.contains(&stem.as_str()) {
            continue;
        }
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{stem}: {}", errors.join("\n"));
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} files checked");
}

/// The lines of a committed error that refuse a word outside a closed set.
fn choice_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| CHOICE_MESSAGES.iter().any(|m| l.contains(m)))
        .collect()
}

#[test]
fn every_choice_error_in_tests_bad_is_listed() {
    let mut found = Vec::new();
    for path in toml_files("tests/bad") {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let stderr = std::fs::read_to_string(path.with_extension("stderr")).unwrap();
        if !choice_lines(&stderr).is_empty() {
            found.push(stem);
        }
    }
    assert_eq!(found, CHOICE_ERRORS);
}

/// A role, event, lag or `every` outside its set is refused by the schema at the very field
/// validation names (the `enum`'s complaint), and only there: the rest of each file is in shape.
#[test]
fn the_schema_refuses_a_word_outside_its_set_at_its_field() {
    let validator = validator();
    for stem in CHOICE_ERRORS {
        let path = PathBuf::from(format!("tests/bad/{stem}.toml"));
        let stderr = std::fs::read_to_string(path.with_extension("stderr")).unwrap();
        let mut expected: Vec<String> = choice_lines(&stderr)
            .iter()
            .map(|l| format!("/{}", line_field_path(l).join("/")))
            .collect();
        let mut refused: Vec<String> = validator
            .iter_errors(&toml_as_json(&path))
            .map(|e| e.instance_path().to_string())
            .collect();
        expected.sort();
        refused.sort();
        assert_eq!(refused, expected, "{stem}");
        let word = stderr.split("unknown ").nth(1).unwrap();
        let word = word.split('"').nth(1).unwrap();
        let message = validator
            .iter_errors(&toml_as_json(&path))
            .map(|e| e.to_string())
            .next()
            .unwrap();
        assert!(
            message.contains(&format!("\"{word}\"")) && message.contains("is not one of"),
            "{stem}: {message}"
        );
    }
}

/// Every word the schema offers for a field is one validation accepts there, checked by setting it
/// in a bundled scenario that validates (every field with an `enum` in the schema is covered, so a
/// new one must be added here); and the check can fail: a made-up word is refused at the field.
#[test]
fn every_word_the_schema_offers_is_accepted_by_validation() {
    let schema = schema();
    let defs = schema["definitions"].as_object().unwrap();
    // (definition, property) → its words, from the definitions and the `dist` variants.
    let mut enums: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut collect = |owner: &str, props: &Value| {
        for (prop, s) in props.as_object().into_iter().flatten() {
            if let Some(words) = s["enum"].as_array() {
                let words = words.iter().map(|w| w.as_str().unwrap().to_string());
                enums.push((owner.to_string(), prop.clone(), words.collect()));
            }
        }
    };
    for (name, def) in defs {
        collect(name, &def["properties"]);
        for variant in def["oneOf"].as_array().into_iter().flatten() {
            let dist = variant["properties"]["dist"]["const"]
                .as_str()
                .unwrap_or("");
            collect(&format!("{name}.{dist}"), &variant["properties"]);
        }
    }
    let base_text = std::fs::read_to_string("scenarios/lcf_tower_hamlets_mh.toml").unwrap();
    let base: toml::Table = toml::from_str(&base_text).unwrap();
    sibsim::scenario::parse_scenario("lcf.toml", &base_text).expect("the base validates");
    let site = "tower_hamlets_mh";
    let mut covered = Vec::new();
    for (owner, prop, words) in &enums {
        // Where the field is in the base, as TOML table keys, and its dotted path in errors.
        let (table_path, field): (Vec<&str>, String) = match (owner.as_str(), prop.as_str()) {
            ("RawParty", "role") => (
                vec!["parties", "tower_hamlets"],
                "parties.tower_hamlets.role".into(),
            ),
            ("RawDelivery", "excess_referrals") => (
                vec!["sites", site, "delivery"],
                format!("sites.{site}.delivery.excess_referrals"),
            ),
            ("RawTermination", "metric") => (
                vec!["sites", site, "termination"],
                format!("sites.{site}.termination.metric"),
            ),
            ("RawTariff", "event" | "band" | "lag") => {
                (vec!["tariffs", "0"], format!("tariffs[0].{prop}"))
            }
            ("RawCap", "per") => (vec!["caps", "0"], "caps[0].per".into()),
            ("RawBlock", "every") => (vec!["blocks", "0"], "blocks[0].every".into()),
            ("RawFinance", _) => (vec!["finance"], format!("finance.{prop}")),
            ("DistSpec.evidence", "level") => (
                vec!["sites", site, "delivery", "p_job_start"],
                format!("sites.{site}.delivery.p_job_start.level"),
            ),
            other => panic!("no case for the schema's enum at {other:?}: add one"),
        };
        covered.push(format!("{owner}.{prop}"));
        let errors_with = |word: &str| -> Vec<String> {
            let mut doc = base.clone();
            if table_path.last() == Some(&"termination") {
                // A termination rule judged on the metric needs its plan figure.
                let site = table_at(&mut doc, &["sites", site]);
                let mut plan = toml::Table::new();
                for metric in words {
                    plan.insert(metric.clone(), 100.0.into());
                }
                site.insert("plan".into(), plan.into());
                let mut rule = toml::Table::new();
                rule.insert("below_share".into(), 0.5.into());
                rule.insert("months".into(), 6.into());
                site.insert("termination".into(), rule.into());
            }
            let table = table_at(&mut doc, &table_path);
            table.insert(prop.clone(), word.into());
            let text = toml::to_string(&doc).unwrap();
            match sibsim::scenario::parse_scenario("lcf.toml", &text) {
                Ok(_) => Vec::new(),
                Err(errors) => errors
                    .0
                    .iter()
                    .filter(|e| e.field == field)
                    .map(|e| e.problem.clone())
                    .collect(),
            }
        };
        for word in words {
            let refused: Vec<String> = errors_with(word)
                .into_iter()
                .filter(|p| p.contains("unknown") || p.contains("needs level"))
                .collect();
            assert!(refused.is_empty(), "{field} = \"{word}\": {refused:?}");
        }
        assert!(
            !errors_with("not_a_word").is_empty(),
            "{field} = \"not_a_word\" is not refused there"
        );
    }
    covered.sort();
    assert_eq!(
        covered,
        [
            "DistSpec.evidence.level",
            "RawBlock.every",
            "RawCap.per",
            "RawDelivery.excess_referrals",
            "RawFinance.compounding",
            "RawFinance.drawdown",
            "RawFinance.repayment",
            "RawParty.role",
            "RawTariff.band",
            "RawTariff.event",
            "RawTariff.lag",
            "RawTermination.metric",
        ]
    );
}

/// The table at `path` in `doc` (keys, and indices into arrays of tables), which must exist.
fn table_at<'a>(doc: &'a mut toml::Table, path: &[&str]) -> &'a mut toml::Table {
    let Some((first, rest)) = path.split_first() else {
        return doc;
    };
    let value = doc.get_mut(*first).unwrap_or_else(|| panic!("no {first}"));
    let (value, rest) = match value {
        toml::Value::Array(items) => (&mut items[rest[0].parse::<usize>().unwrap()], &rest[1..]),
        other => (other, rest),
    };
    table_at(value.as_table_mut().unwrap(), rest)
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
