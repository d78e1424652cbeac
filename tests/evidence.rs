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
        // Reference cases from outside the five reports cite a web page and its section.
        let web = f.class.is_some()
            && f.source.starts_with("https://")
            && f.source.split_whitespace().count() >= 2;
        assert!(
            web || REPORTS.iter().any(|r| f.source.contains(r)),
            "{}: source {:?} names none of the reports",
            f.key,
            f.source
        );
    }
}

/// Every reference case names its class, programme and kind of plan and cites a source; none is
/// one of the five MHEP Life Chances Fund projects (Haringey & Barnet, Enfield, Shropshire, Tower
/// Hamlets MH and LD), which are kept back as an independent check of the forecast — nor cites
/// the seeds that report on them (002, the LCF evaluation; 003, the LCF Tower Hamlets page).
#[test]
fn reference_cases_are_complete_and_leave_out_the_mhep_lcf_projects() {
    let lib = library();
    let cases: Vec<_> = lib.figures.iter().filter(|f| f.class.is_some()).collect();
    assert!(cases.len() >= 8, "{} cases", cases.len());
    for f in &cases {
        let class = f.class.as_deref().unwrap();
        assert!(
            ["volume", "outcomes"].contains(&class),
            "{}: {class}",
            f.key
        );
        let case = f
            .case
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no case info", f.key));
        assert!(!case.programme.is_empty(), "{}", f.key);
        assert!(
            ["base", "best", "target"].contains(&case.plan_kind.as_str()),
            "{}: {}",
            f.key,
            case.plan_kind
        );
        assert!(
            f.source.starts_with("https://") || f.source.contains(".txt"),
            "{}",
            f.key
        );
        let text = format!("{} {} {}", f.key, case.programme, f.source).to_lowercase();
        for banned in [
            "lcf",
            "life_chances",
            "life chances",
            "barnet",
            "enfield",
            "shropshire",
            "002_e43310aba2acd977",
            "003_ce3dba4e6d6f0870",
        ] {
            assert!(!text.contains(banned), "{}: mentions {banned}", f.key);
        }
        if let (Some(a), Some(p)) = (case.actual, case.plan) {
            assert!(
                (a / p - f.value).abs() < 1e-3,
                "{}: {a}/{p} vs {}",
                f.key,
                f.value
            );
        }
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

/// Every library in tests/bad_evidence/ is refused by `evidence --dir` and `calibrate --dir` with
/// exit code 2 and exactly the text committed beside it in NAME.stderr, located in the evidence
/// file (not at a scenario line that uses it), and nothing on stdout.
#[test]
fn bad_evidence_libraries_get_exact_errors() {
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir("tests/bad_evidence")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for path in dirs {
        let dir = format!(
            "tests/bad_evidence/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let expected = std::fs::read_to_string(format!("{dir}.stderr"))
            .unwrap_or_else(|_| panic!("{dir} has no .stderr beside it"));
        // Which library is broken and how it was chosen, then its problems, located in its file.
        assert!(
            expected.starts_with(&format!(
                "Error: the evidence library at {dir} (given by --evidence) is invalid:\n{dir}/"
            )),
            "{expected}"
        );
        for (command, flag) in [
            ("evidence", "--dir"),
            ("evidence", "--evidence"),
            ("calibrate", "--dir"),
        ] {
            let got = Command::cargo_bin("sibsim")
                .unwrap()
                .args([command, flag, &dir])
                .env_remove("SIBSIM_EVIDENCE")
                .assert()
                .code(2);
            let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
            assert_eq!(stderr, expected, "{command} {flag} {dir}");
            assert!(got.get_output().stdout.is_empty(), "{command} {flag} {dir}");
        }
        // Named by the environment instead: the same problems, and it says so.
        let got = Command::cargo_bin("sibsim")
            .unwrap()
            .arg("calibrate")
            .env("SIBSIM_EVIDENCE", &dir)
            .assert()
            .code(2);
        assert_eq!(
            String::from_utf8(got.get_output().stderr.clone()).unwrap(),
            expected.replacen("(given by --evidence)", "(given by SIBSIM_EVIDENCE)", 1),
            "SIBSIM_EVIDENCE={dir}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} bad evidence libraries found");
}

/// The outside view's interval for a plan of 1,000 engagements contains MHEP 1's overall ratio of
/// actual to plan × 1,000 (0.59, 001_91c39e34d7f8be68.txt §1.3), and honestly widens for so few
/// reference cases: wider than the cases' own range.
#[test]
fn the_outside_view_interval_contains_mhep1s_outturn() {
    use sibsim::analysis::outside_view::ReferenceClass;
    let lib = library();
    let rc = ReferenceClass::fit(&lib, "volume").unwrap();
    let (low, high) = (
        1000.0 * rc.ratio_quantile(0.1),
        1000.0 * rc.ratio_quantile(0.9),
    );
    let mhep1 = 1000.0 * value(&lib, "reference_class.mhep1_engagements_overall");
    assert!(low < mhep1 && mhep1 < high, "{low}..{high} misses {mhep1}");
    let (min, max) = rc.cases.iter().fold((f64::MAX, f64::MIN), |(a, b), c| {
        (a.min(c.ratio), b.max(c.ratio))
    });
    assert!(
        low < 1000.0 * min && high > 1000.0 * max,
        "{low}..{high} vs cases {min}..{max}"
    );
}

#[test]
fn the_outside_view_command_sets_both_views_side_by_side() {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "outside-view",
            "scenarios/mhep1.toml",
            "--trials",
            "300",
            "--json",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["class"], "volume");
    // 001's three MHEP 1 sites, DWP Restart and the Essex MST SIB (evidence/reference_class.toml).
    assert_eq!(v["cases"].as_array().unwrap().len(), 5);
    let volume = &v["classes"][0];
    assert_eq!(
        (&volume["class"], &volume["cases"], &volume["programmes"]),
        (&"volume".into(), &5.into(), &3.into())
    );
    let eng = v["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["metric"] == "engagements")
        .unwrap();
    assert_eq!(eng["plan"], 2651.0);
    let o = eng["outside"].as_array().unwrap();
    assert!(o[0].as_f64() < o[1].as_f64() && o[1].as_f64() < o[2].as_f64());
    assert!(eng["disagree"].is_boolean());
}

/// 000_a181213f7b897744.txt Table 4.1: 590 job starts of 1,926 engagements pooled; by provider from
/// 31/142 (22%) to 68/156 (44%) inside their windows. Calibrated for the eventual rate, each provider's
/// ratio is divided by its exposure (tests/calibration_evidence.rs checks those): the pooled rate
/// sits above 590/1926, the new-site distribution is wider, and its central 95% covers every
/// provider's eventual rate.
#[test]
fn calibration_pools_counts_and_spreads_them_for_a_new_site() {
    use sibsim::distributions::Dist;
    use sibsim::evidence::calibrate::calibrate;
    let lib = library();
    let rates = calibrate(&lib);
    let js = rates.iter().find(|r| r.name == "job_start_rate").unwrap();
    let pooled = Dist::new(&js.pooled).unwrap();
    let new_site = Dist::new(&js.new_site).unwrap();
    assert!(pooled.mean() > 590.0 / 1926.0, "{}", pooled.mean());

    let width = |d: &Dist| d.quantile(0.9) - d.quantile(0.1);
    assert!(width(&new_site) > 3.0 * width(&pooled));
    let observed: Vec<f64> = js.sites.iter().map(|s| s.observed()).collect();
    let (lo, hi) = observed
        .iter()
        .fold((1.0f64, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    assert!((0.21..0.22).contains(&lo) && (0.43..0.44).contains(&hi));
    for s in &js.sites {
        assert!(
            new_site.quantile(0.025) < s.eventual && new_site.quantile(0.975) > s.eventual,
            "{}",
            s.key
        );
    }
}

/// A scenario may name evidence instead of a number: `ips_new_service.toml` takes its job-start
/// rate from the library's new-site calibration.
#[test]
fn a_scenario_input_can_be_a_calibrated_rate_from_the_library() {
    use sibsim::distributions::Dist;
    use sibsim::evidence::calibrate::calibrate;
    use sibsim::scenario::{load, Param};
    let model = load("scenarios/ips_new_service.toml".as_ref()).unwrap();
    let input = model.sites[0].input(Param::PJobStart);
    let lib = library();
    let rates = calibrate(&lib);
    let js = rates.iter().find(|r| r.name == "job_start_rate").unwrap();
    let expected = Dist::new(&js.new_site).unwrap();
    assert_eq!(input.mean(), expected.mean());
    assert_eq!(input.quantile(0.1), expected.quantile(0.1));
}

/// Per-provider figures without counts (000_a181213f7b897744.txt Table 4.2: 18 to 87 engagements
/// per ES a year; §3.4: time to job from 10 weeks to 7 months) are spread on the log scale: a new
/// site's central 95% covers every provider.
#[test]
fn per_provider_values_calibrate_for_a_new_site() {
    use sibsim::distributions::Dist;
    use sibsim::evidence::calibrate::calibrate_values;
    let lib = library();
    let values = calibrate_values(&lib);
    assert_eq!(values.len(), 2);
    for v in &values {
        let d = Dist::new(&v.new_site).unwrap();
        let pooled = Dist::new(&v.pooled).unwrap();
        for (key, x) in &v.sites {
            assert!(
                d.quantile(0.025) < *x && *x < d.quantile(0.975),
                "{}: {key} {x}",
                v.name
            );
        }
        assert!(d.quantile(0.9) - d.quantile(0.1) > pooled.quantile(0.9) - pooled.quantile(0.1));
    }
}
