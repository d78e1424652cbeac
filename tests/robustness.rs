//! Bad input never panics and never yields numbers that are not finite: random edits of a valid
//! scenario (values replaced by extreme, malformed or out-of-range ones, lines dropped) either fail
//! validation with located errors or simulate to finite results.

use proptest::prelude::*;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::parse_scenario;

const BASE: &str = include_str!("fixtures/analytic.toml");

const VALUES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "0.5",
    "1e11",
    "\"x\"",
    "[]",
    "{}",
    "\"2029-12\"",
    "{ dist = \"gamma\", shape = 0.01, scale = 1e6 }",
    "{ dist = \"normal\", mean = 1e300, sd = 1e300 }",
    "{ dist = \"beta\", alpha = 1e-300, beta = 1e-300 }",
    "{ dist = \"uniform\", min = -1e308, max = 1e308 }",
    "{ dist = \"pert\", min = 0, mode = 0, max = 0 }",
    "{ dist = \"discrete\", values = [0] }",
];

fn edit(lines: &mut Vec<String>, at: usize, what: usize) {
    let i = at % lines.len();
    let line = lines[i].clone();
    match (line.split_once('='), what) {
        (Some((key, _)), w) if w < VALUES.len() && !line.starts_with('#') => {
            lines[i] = format!("{key}= {}", VALUES[w]);
        }
        _ => {
            lines.remove(i);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn edited_scenarios_fail_cleanly_or_give_finite_results(
        edits in prop::collection::vec((0usize..200, 0usize..VALUES.len() + 2), 1..4)
    ) {
        let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
        for (at, what) in edits {
            edit(&mut lines, at, what);
        }
        let text = lines.join("\n");
        match parse_scenario("edited.toml", &text) {
            Err(errors) => {
                prop_assert!(!errors.0.is_empty());
                for e in &errors.0 {
                    prop_assert!(e.line >= 1 && e.column >= 1);
                    prop_assert!(!e.problem.is_empty());
                }
            }
            Ok(model) => {
                let opts = RunOptions { trials: Some(5), seed: Some(1), threads: Some(1), ..RunOptions::default() };
                let table = run(&model, &opts, &|_| {}).unwrap();
                // Never an infinity; NaN only where a figure is undefined by definition (a cost
                // per outcome with no outcomes, an IRR with no sign change).
                let w = table.metric_names.len() + table.flag_names.len();
                let values: Vec<f64> = (0..table.trials).flat_map(|t| table.row(t)).collect();
                for (i, v) in values.iter().enumerate() {
                    let name = table.metric_names.get(i % w).map_or("flag", String::as_str);
                    let may_be_undefined = name.contains(".cost_per_")
                        || name == "investor.irr"
                        || name == "investor.multiple";
                    prop_assert!(v.is_finite() || (v.is_nan() && may_be_undefined), "{} = {}", name, v);
                }
            }
        }
    }
}
