//! The JSON Schema of the scenario file, for editors (taplo / Even Better TOML) and other tools:
//! generated from the file-format types themselves ([`crate::scenario::raw`] and
//! [`crate::distributions::Input`]), each field's doc comment its description, so it cannot drift
//! from what the loader accepts.
//!
//! It describes the *shape* of a scenario — tables, field names, types, required fields, the `dist`
//! names — which is what serde checks when a file is read. The semantic rules validation applies
//! afterwards (probabilities in [0, 1], months inside the horizon, references to parties and
//! sites, distribution parameters) are not in it: `sibsim validate` remains the full check.
//!
//! Draft 07, not 2020-12: it is the draft editors' validators (taplo's among them) support
//! most widely, and the format needs nothing newer.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::scenario::raw::RawScenario;

/// The JSON Schema (draft 07) of a scenario file, as a JSON value.
///
/// # Example
/// ```
/// let schema = sibsim::scenario::schema::scenario_schema();
/// assert_eq!(schema["title"], "sibsim scenario");
/// assert!(schema["required"].as_array().unwrap().iter().any(|f| f == "simulation"));
/// ```
pub fn scenario_schema() -> Value {
    let mut schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<RawScenario>()
        .to_value();
    without_null(&mut schema);
    if let Some(root) = schema.as_object_mut() {
        // The type's name means nothing to a user: the editor shows the title on hover.
        root.insert("title".into(), "sibsim scenario".into());
    }
    schema
}

/// TOML has no null: an optional field is one left out, never one set to null. schemars describes
/// an `Option<T>` as "T or null" (and an absent default as `null`); this takes the null out, so an
/// editor neither offers it nor shows it on hover.
fn without_null(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = map.get_mut("anyOf") {
                any.retain(|s| s.get("type") != Some(&Value::from("null")));
                if any.len() == 1 {
                    // `allOf` of one, not the bare `$ref`: in draft 07 a `$ref`'s siblings (the
                    // field's description) are ignored.
                    if let Some(any) = map.remove("anyOf") {
                        map.insert("allOf".into(), any);
                    }
                }
            }
            map.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

/// [`scenario_schema`] as pretty-printed JSON text, ending in a newline: what `sibsim schema`
/// prints.
pub fn scenario_schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&scenario_schema())
        .expect("a serde_json::Value always serialises");
    text.push('\n');
    text
}
