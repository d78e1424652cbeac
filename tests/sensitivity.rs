//! Sensitivity and reverse stress through the whole analysis (issue 11): the input that defines a
//! failure found first with its threshold, fixed inputs driving nothing, identical results on any
//! thread count, and the command's files and errors. The estimators' own checks (Ishigami, a
//! linear function, bootstrap coverage; Spearman, KS, the tree) are beside them
//! (`tests/sobol.rs`, `src/sensitivity/{rank,stress}.rs`).

use assert_cmd::Command;
use predicates::prelude::*;
use sibsim::compare::figures::named;
use sibsim::engine::runner::{run, RunOptions};
use sibsim::scenario::{self, Model};
use sibsim::sensitivity::analysis::{analyse, Options, Sensitivity};

mod common;

const FIXTURE: &str = "tests/fixtures/sensitivity_stress.toml";

fn load(path: &str) -> Model {
    scenario::load(std::path::Path::new(path)).expect("fixture loads")
}

fn options(metrics: &[&str], events: &[&str], sobol_n: usize, threads: Option<usize>) -> Options {
    Options {
        trials: 2000,
        seed: 11,
        threads,
        metrics: metrics.iter().map(|s| s.to_string()).collect(),
        events: events.iter().map(|s| s.to_string()).collect(),
        sobol_n,
        bootstrap: 200,
        confidence: 0.95,
        band: 0.1,
        depth: 3,
        min_leaf: 20,
    }
}

fn quiet(_: &str, _: u64, _: u64) {}

/// The provider's cost rises with the ES salary alone (the fixture's premise, checked here from a
/// run: cost sorted by salary never falls), so "cost > 1,700,000" fails exactly above one salary.
/// Reverse stress ranks the salary first, with KS D = 1 (the groups do not overlap), and the tree's
/// first rule splits on it within one percentile of the salary where failure begins — taken here
/// from the data, independently of the analysis.
#[test]
fn reverse_stress_finds_the_input_that_defines_failure_and_its_threshold() {
    let model = load(FIXTURE);
    let opts = options(&[], &["site.only.provider.cost > 1700000"], 0, None);
    let s = analyse(&model, &opts, &quiet).unwrap();

    let table = run(
        &model,
        &RunOptions {
            trials: Some(opts.trials),
            seed: Some(opts.seed),
            ..RunOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    let salary = table.inputs.get("input.only.es_salary").unwrap();
    let cost = named(&table, "site.only.provider.cost").unwrap();
    let mut pairs: Vec<(f64, f64)> = salary.iter().copied().zip(cost.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        pairs.windows(2).all(|w| w[1].1 >= w[0].1),
        "the premise: cost rises with the salary"
    );
    let fail_from = pairs
        .iter()
        .find(|p| p.1 > 1_700_000.0)
        .expect("some trials fail")
        .0;
    let failing = pairs.iter().filter(|p| p.1 > 1_700_000.0).count();

    let st = &s.stress[0];
    assert_eq!(st.failing, failing);
    assert_eq!(st.judged, 2000);
    assert_eq!(st.shifts[0].input, "input.only.es_salary");
    assert_eq!(st.shifts[0].ks, 1.0);
    assert!(st.shifts[1].ks < 0.1, "{:?}", st.shifts[1]);
    // The rule with the highest failure rate: salary above a threshold, all failing.
    let top = &st.rules[0];
    assert_eq!(top.failing, top.trials);
    let c = &top.conditions[0];
    assert_eq!(c.input, "input.only.es_salary");
    assert_eq!(c.op, ">");
    // Within one percentile of the salaries: the share of trials between the two is ≤ 1%.
    let between = salary
        .iter()
        .filter(|&&x| x > c.threshold.min(fail_from) && x < c.threshold.max(fail_from))
        .count();
    assert!(
        between as f64 <= 0.01 * salary.len() as f64,
        "threshold {} vs failure from {fail_from}: {between} trials between",
        c.threshold
    );
}

/// A fixed input (every one but the four delivery inputs and the salary) drives nothing: its
/// Sobol indices are exactly 0, it has no rank correlation, and the tornado lists it after every
/// varying input.
#[test]
fn a_fixed_input_gets_index_zero_and_never_tops_the_tornado() {
    let model = load(FIXTURE);
    let s = analyse(&model, &options(&["engagements"], &[], 128, None), &quiet).unwrap();
    let fixed: Vec<&str> = s
        .inputs
        .iter()
        .filter(|i| i.fixed)
        .map(|i| i.name.as_str())
        .collect();
    assert!(fixed.contains(&"input.only.p_6w") && fixed.contains(&"input.only.es_posts"));
    let varying = s.inputs.len() - fixed.len();
    assert_eq!(
        varying, 5,
        "referrals, p_engage, p_job_start, p_13w, es_salary"
    );
    let o = &s.outputs[0];
    for (k, b) in o.tornado.iter().enumerate() {
        let is_fixed = fixed.contains(&b.input.as_str());
        assert_eq!(b.fixed, is_fixed, "{}", b.input);
        if is_fixed {
            assert!(k >= varying, "{} at {k}", b.input);
            assert_eq!(b.rho, None);
        }
    }
    let sobol = o.sobol.as_ref().unwrap();
    for ix in sobol
        .inputs
        .iter()
        .filter(|i| fixed.contains(&i.name.as_str()))
    {
        let (f, t) = (ix.first.unwrap(), ix.total.unwrap());
        assert_eq!((f.value, f.low, f.high), (0.0, 0.0, 0.0), "{}", ix.name);
        assert_eq!((t.value, t.low, t.high), (0.0, 0.0, 0.0), "{}", ix.name);
    }
    // Engagements do not depend on the salary (no distress in the fixture): its first-order index
    // is 0 within its interval, while referrals explain a clear share.
    let salary = sobol
        .inputs
        .iter()
        .find(|i| i.name == "input.only.es_salary")
        .unwrap();
    let f = salary.first.unwrap();
    assert!(f.low <= 0.0 && f.high >= 0.0, "{f:?}");
    let referrals = sobol
        .inputs
        .iter()
        .find(|i| i.name == "input.only.referrals_per_month")
        .unwrap();
    assert!(referrals.first.unwrap().low > 0.3, "{referrals:?}");
}

fn json(s: &Sensitivity) -> Vec<u8> {
    sibsim::sensitivity::report::to_json(s).unwrap()
}

#[test]
fn the_analysis_is_the_same_on_one_and_four_threads() {
    let model = load(FIXTURE);
    let run = |t| {
        json(
            &analyse(
                &model,
                &options(
                    &["engagements", "site.only.provider.margin"],
                    &["site.only.provider_loss"],
                    64,
                    Some(t),
                ),
                &quiet,
            )
            .unwrap(),
        )
    };
    assert_eq!(run(1), run(4));
}

fn sibsim() -> Command {
    Command::cargo_bin("sibsim").unwrap()
}

#[test]
fn the_command_writes_its_files_and_refuses_bad_names_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    sibsim()
        .args([
            "sensitivity",
            FIXTURE,
            "--metric",
            "engagements",
            "--event",
            "site.only.provider.cost > 1700000",
            "--sobol-n",
            "0",
            "--trials",
            "500",
            "--quiet",
            "--json",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sensitivity.json")).unwrap()).unwrap();
    assert_eq!(j["schema"], "sibsim.sensitivity/1");
    let seed = j["seed"].as_u64().unwrap();
    common::meta::assert_meta(&j, ("sensitivity", FIXTURE), seed, 500, "mc");
    assert!(j["outputs"][0]["sobol"].is_null());
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert!(csv.starts_with("analysis,subject,item,statistic,value,low,high,note\n"));
    // The salary's reverse-stress row: KS D = 1, as in the JSON.
    let ks = j["stress"][0]["shifts"][0]["ks"].as_f64().unwrap();
    assert_eq!(ks, 1.0);
    assert!(
        csv.lines().any(|l| l.starts_with(
            "stress_shift,site.only.provider.cost > 1700000,input.only.es_salary,ks,1,"
        )),
        "{csv}"
    );

    // A misspelt metric: exit 2, the closest names, nothing written.
    let bad = tmp.path().join("bad");
    sibsim()
        .args(["sensitivity", FIXTURE, "--metric", "engagments", "--out"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean engagements"));
    assert!(!bad.exists());
    // An event on a metric without a comparison; a flag compared with 0.5.
    for (event, want) in [
        ("engagements", "is a metric, so it needs a comparison"),
        ("site.only.provider_loss = 0.5", "is a flag"),
        ("engagements < lots", "is not a finite number"),
    ] {
        sibsim()
            .args(["sensitivity", FIXTURE, "--event", event, "--out"])
            .arg(&bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
    // Options out of range.
    for (flag, value, want) in [
        ("--band", "0.7", "expected a share in (0, 0.5]"),
        ("--depth", "4", "expected 1, 2 or 3"),
        (
            "--sobol-n",
            "1",
            "expected 0 (no Sobol indices) or 32 to 8,192",
        ),
        (
            "--bootstrap",
            "18446744073709551615",
            "expected 100 to 100,000 resamples",
        ),
        ("--min-leaf", "0", "expected 1 to half the trials"),
    ] {
        sibsim()
            .args([
                "sensitivity",
                FIXTURE,
                "--metric",
                "engagements",
                flag,
                value,
                "--out",
            ])
            .arg(&bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
    assert!(!bad.exists());
}

/// The catalogue lists the inputs a run records, in its order, and calls an input fixed exactly
/// when its recorded draws never vary (checked on a run of MHEP 1).
#[test]
fn the_catalogue_is_the_recorded_inputs_and_knows_which_are_fixed() {
    let model = load("scenarios/mhep1.toml");
    let cat = sibsim::sensitivity::inputs::catalogue(&model);
    let table = run(
        &model,
        &RunOptions {
            trials: Some(300),
            seed: Some(3),
            ..RunOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    let names: Vec<&str> = cat.iter().map(|i| i.name.as_str()).collect();
    let recorded: Vec<&str> = table.inputs.names.iter().map(String::as_str).collect();
    assert_eq!(names, recorded);
    for i in &cat {
        let col = table.inputs.get(&i.name).unwrap();
        let varies = col.iter().any(|&x| x != col[0]);
        assert_eq!(i.fixed, !varies, "{}", i.name);
    }
    assert!(cat.iter().any(|i| i.fixed) && cat.iter().any(|i| !i.fixed));
}

/// A copula's correlated inputs form groups: across sites, p_engage at every site; within each
/// site, p_job_start with p_6w. Each input records its block, and the groups list them together.
#[test]
fn inputs_a_copula_correlates_are_grouped() {
    let base = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let text = format!(
        "{base}\n[correlation]\nacross_sites = {{ \"delivery.p_engage\" = 0.7 }}\nwithin_site = [{{ a = \"delivery.p_job_start\", b = \"delivery.p_6w\", rho = 0.6 }}]\n"
    );
    let model = scenario::parse_scenario("correlated.toml", &text).unwrap();
    let cat = sibsim::sensitivity::inputs::catalogue(&model);
    let groups = sibsim::sensitivity::inputs::groups(&cat);
    let mut copula: Vec<Vec<String>> = groups
        .iter()
        .filter(|g| g.name.starts_with("copula."))
        .map(|g| {
            let mut m: Vec<String> = g.members.iter().map(|&i| cat[i].name.clone()).collect();
            m.sort();
            m
        })
        .collect();
    copula.sort();
    let sites = ["haringey", "staffordshire", "tower_hamlets"];
    let mut want: Vec<Vec<String>> = sites
        .iter()
        .map(|s| vec![format!("input.{s}.p_6w"), format!("input.{s}.p_job_start")])
        .collect();
    want.push(
        sites
            .iter()
            .map(|s| format!("input.{s}.p_engage"))
            .collect(),
    );
    want.sort();
    assert_eq!(copula, want);
    // Uncorrelated inputs belong to no block.
    let referrals = cat
        .iter()
        .find(|i| i.name == "input.haringey.referrals_per_month")
        .unwrap();
    assert_eq!(referrals.correlated, None);
    // Without a copula, no copula groups.
    let plain = sibsim::sensitivity::inputs::groups(&sibsim::sensitivity::inputs::catalogue(
        &load("scenarios/mhep1.toml"),
    ));
    assert!(plain.iter().all(|g| !g.name.starts_with("copula.")));
}

/// With a copula, an input's own Sobol index would depend on the order of the inputs it is
/// correlated with (the first in the Cholesky order carries the shared factor): each such input's
/// indices are null with a note naming its copula group, whose index is given.
#[test]
fn correlated_inputs_have_no_index_of_their_own_but_their_group_does() {
    let base = std::fs::read_to_string(FIXTURE).unwrap();
    let text = format!(
        "{base}\n[correlation]\nwithin_site = [{{ a = \"delivery.referrals_per_month\", b = \"delivery.p_engage\", rho = 0.8 }}]\n"
    );
    let model = scenario::parse_scenario("correlated.toml", &text).unwrap();
    let s = analyse(&model, &options(&["engagements"], &[], 64, None), &quiet).unwrap();
    let sobol = s.outputs[0].sobol.as_ref().unwrap();
    for name in ["input.only.referrals_per_month", "input.only.p_engage"] {
        let ix = sobol.inputs.iter().find(|i| i.name == name).unwrap();
        assert!(ix.first.is_none() && ix.total.is_none(), "{ix:?}");
        assert!(
            ix.note
                .as_deref()
                .unwrap()
                .contains("see the group copula.0"),
            "{ix:?}"
        );
    }
    let group = sobol.groups.iter().find(|g| g.name == "copula.0").unwrap();
    // Referrals and engagement rate drive engagements between them: a clear share.
    assert!(group.first.unwrap().low > 0.5, "{group:?}");
    // An uncorrelated input keeps its index.
    let job = sobol
        .inputs
        .iter()
        .find(|i| i.name == "input.only.p_job_start")
        .unwrap();
    assert!(job.first.is_some());
}

/// The command's errors, word for word: what is wrong and what would be valid.
#[test]
fn the_commands_errors_read_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    for (args, want) in [
        (
            vec!["--metric", "engagments"],
            "Error: invalid --metric: no metric or flag named \"engagments\"; did you mean engagements?; expected a metric or flag of a run\n",
        ),
        (
            vec!["--event", "engagements = 3"],
            "Error: invalid --event \"engagements = 3\": engagements is a metric: `=` would hold in almost no trial; expected <, <=, > or >=, e.g. `engagements < 0`\n",
        ),
    ] {
        sibsim()
            .args(["sensitivity", FIXTURE])
            .args(&args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(want);
    }
    assert!(!out.exists());
}
