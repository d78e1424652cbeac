//! Block months written as ranges (issue 15): `tests/fixtures/mhep1_ranges.toml` is
//! `scenarios/mhep1.toml` with its comments cut and every block's months written as a range
//! (`"2016-04..2016-04"`, and `"2017-04..2018-04"` with `every = "year"` for Haringey's extension).
//! It reads into the same blocks, and a run of it writes the same files as a run of MHEP 1, byte
//! for byte: `summary.json` after removing only its `meta` object, if it has one (the run's
//! provenance: the scenario's path and hash, the command line and the time, which differ by
//! construction; the scenario's name is the same in both files, so nothing else is removed), and
//! `summary.csv`, `plan.csv`, `monthly.csv` and `trials.csv` whole.

use std::path::Path;

use assert_cmd::Command;
use sibsim::scenario::parse_scenario;

const LISTED: &str = "scenarios/mhep1.toml";
const RANGES: &str = "tests/fixtures/mhep1_ranges.toml";

#[test]
fn ranges_read_into_the_blocks_written_out() {
    let model = |file: &str| {
        let text = std::fs::read_to_string(file).unwrap();
        parse_scenario(file, &text).unwrap_or_else(|e| panic!("{e}"))
    };
    let (listed, ranges) = (model(LISTED), model(RANGES));
    assert!(std::fs::read_to_string(RANGES)
        .unwrap()
        .contains("every = \"year\""));
    assert_eq!(listed.blocks.len(), 10);
    assert_eq!(listed.blocks.len(), ranges.blocks.len());
    for (a, b) in listed.blocks.iter().zip(&ranges.blocks) {
        let name = &listed.rules[a.rule];
        assert_eq!(name, &ranges.rules[b.rule]);
        assert_eq!(a.months, b.months, "{name}");
        assert_eq!(
            (a.site, a.payer, a.payee, a.amount.to_bits(), a.rule_set),
            (b.site, b.payer, b.payee, b.amount.to_bits(), b.rule_set),
            "{name}"
        );
        let base =
            |x: &sibsim::scenario::Block| x.on_account.map(|o| (o.tariff, o.events, o.until));
        assert_eq!(base(a), base(b), "{name}");
    }
    // Haringey's extension: April 2017 and April 2018 are months 15 and 27 of a horizon from
    // January 2016.
    let ext = listed
        .rules
        .iter()
        .position(|r| r == "haringey_commissioner_extension")
        .unwrap();
    let block = ranges.blocks.iter().find(|b| b.rule == ext).unwrap();
    assert_eq!(block.months, [15, 27]);
}

fn run(file: &str, out: &Path) {
    Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "run",
            file,
            "--trials",
            "400",
            "--seed",
            "11",
            "--per-trial",
            "--quiet",
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_run_writes_the_same_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("listed"), dir.path().join("ranges"));
    run(LISTED, &a);
    run(RANGES, &b);
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    for f in ["summary.csv", "plan.csv", "monthly.csv", "trials.csv"] {
        let (x, y) = (read(&a, f), read(&b, f));
        assert!(!x.is_empty(), "{f} is empty");
        assert!(x == y, "{f} differs");
    }
    let json = |d: &Path| -> (serde_json::Value, Vec<u8>) {
        let bytes = read(d, "summary.json");
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let had_meta = v.as_object_mut().unwrap().remove("meta").is_some();
        let bytes = if had_meta {
            serde_json::to_vec_pretty(&v).unwrap()
        } else {
            bytes
        };
        (v, bytes)
    };
    let ((va, ja), (vb, jb)) = (json(&a), json(&b));
    assert_eq!(va["scenario"], "mhep1_business_case");
    assert_eq!(va["trials"], 400);
    assert!(ja == jb, "summary.json differs beyond its meta");
    assert_eq!(va, vb);
}

/// A quarterly range and a several-month monthly range, on `tests/fixtures/analytic.toml` (a
/// 24-month horizon from January 2030): they read into the months written out — by hand, month
/// indices from 0 = 2030-01 — and a run of each writes the same summary as the list.
#[test]
fn quarterly_and_monthly_ranges_equal_their_lists() {
    let base = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
    let listed_months = r#"months = ["2030-01", "2030-07"]"#;
    assert!(base.contains(listed_months));
    let cases: [(&str, &str, Vec<u32>); 2] = [
        (
            "months = \"2030-01..2031-12\"\nevery = \"quarter\"",
            r#"months = ["2030-01", "2030-04", "2030-07", "2030-10", "2031-01", "2031-04", "2031-07", "2031-10"]"#,
            vec![0, 3, 6, 9, 12, 15, 18, 21],
        ),
        (
            "months = \"2030-03..2030-09\"",
            r#"months = ["2030-03", "2030-04", "2030-05", "2030-06", "2030-07", "2030-08", "2030-09"]"#,
            (2..=8).collect(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (k, (range, list, months)) in cases.into_iter().enumerate() {
        let mut outs = Vec::new();
        for (form, text) in [("range", range), ("list", list)] {
            let scenario = base.replace(listed_months, text);
            let file = dir.path().join(format!("case{k}_{form}.toml"));
            std::fs::write(&file, &scenario).unwrap();
            let model = parse_scenario(&file.display().to_string(), &scenario)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(model.blocks[0].months, months, "case {k}, {form}");
            let out = dir.path().join(format!("out{k}_{form}"));
            run(file.to_str().unwrap(), &out);
            outs.push(std::fs::read(out.join("summary.csv")).unwrap());
        }
        assert!(outs[0] == outs[1], "case {k}: summary.csv differs");
    }
}
