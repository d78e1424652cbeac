//! The evidence library: every figure names its source report, its totals add up, and the bundled
//! MHEP 1 scenario uses the same participant counts the library holds.

use assert_cmd::Command;
use sibsim::evidence::Library;

const REPORTS: [&str; 5] = [
    "000_a181213f7b897744.txt",
    "001_91c39e34d7f8be68.txt",
    "002_e43310aba2acd977.txt",
    "003_ce3dba4e6d6f0870.txt",
    "004_11cdaccfc06e171a.txt",
];

fn library() -> Library {
    Library::load("evidence".as_ref()).expect("the bundled library is valid")
}

fn value(lib: &Library, key: &str) -> f64 {
    lib.get(key)
        .unwrap_or_else(|| panic!("no figure {key}"))
        .value
}

#[test]
fn every_figure_cites_one_of_the_reports() {
    let lib = library();
    assert!(lib.figures.len() >= 300, "{} figures", lib.figures.len());
    for f in &lib.figures {
        assert!(
            REPORTS.iter().any(|r| f.source.contains(r)),
            "{}: source {:?} names none of the reports",
            f.key,
            f.source
        );
    }
}

/// 000_a181213f7b897744.txt Table 4.1 and 001_91c39e34d7f8be68.txt Box 1: the totals are the sums
/// of their parts.
#[test]
fn totals_add_up() {
    let lib = library();
    let sum = |prefix: &str| -> f64 {
        (1..=5)
            .map(|p| value(&lib, &format!("bit2020.{prefix}_p{p}")))
            .sum()
    };
    assert_eq!(sum("engagements"), value(&lib, "bit2020.engagements_all"));
    assert_eq!(sum("job_starts"), value(&lib, "bit2020.job_starts_all"));
    assert_eq!(value(&lib, "bit2020.job_starts_all"), 590.0);
    assert_eq!(lib.get("bit2020.job_starts_all").unwrap().of, Some(1926.0));
    let box1: f64 = [
        "engagements",
        "job_entries_under_16h",
        "job_entries_16h_plus",
        "sustain_under_16h",
        "sustain_16h_plus",
    ]
    .iter()
    .map(|k| value(&lib, &format!("mhep1.box1_payer_{k}")))
    .sum();
    assert_eq!(box1, value(&lib, "mhep1.box1_payer_total"));
    assert_eq!(box1, 17_900.0);
}

/// The scenario's job-start rates are the library's participant counts of the matched provider
/// (Staffordshire = P5, Tower Hamlets = P2, Haringey = P1; see the scenario's header).
#[test]
fn the_mhep1_scenario_uses_the_librarys_counts() {
    let lib = library();
    let text = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let doc: toml::Table = text.parse().unwrap();
    for (site, provider) in [("staffordshire", 5), ("tower_hamlets", 2), ("haringey", 1)] {
        let spec = &doc["sites"][site]["delivery"]["p_job_start"];
        let figure = lib.get(&format!("bit2020.job_starts_p{provider}")).unwrap();
        assert_eq!(
            spec["successes"].as_integer().unwrap() as f64,
            figure.value,
            "{site}"
        );
        assert_eq!(
            Some(spec["trials"].as_integer().unwrap() as f64),
            figure.of,
            "{site}"
        );
    }
}

#[test]
fn the_evidence_command_lists_it() {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args(["evidence", "--json"])
        .assert()
        .success();
    let list: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let lib = library();
    assert_eq!(list.as_array().unwrap().len(), lib.figures.len());
    let first = &list[0];
    for key in ["key", "value", "of", "unit", "source", "note"] {
        assert!(first.get(key).is_some(), "{key}");
    }
}
