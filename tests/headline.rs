//! `sibsim run`'s headline (issue 13): the exact text for MHEP 1, the width of every bundled
//! scenario's, its figures equal to summary.json's, and `--full` / `--metrics`.

use std::path::Path;

use assert_cmd::Command;

/// stdout of `sibsim run FILE --trials N --seed 7 --quiet --out DIR ARGS…`, and summary.json.
fn run(file: &str, trials: &str, dir: &Path, args: &[&str]) -> (String, serde_json::Value) {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .args(["run", file, "--trials", trials, "--seed", "7", "--quiet"])
        .args(args)
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let json = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    (stdout, json)
}

/// The real output at 2,000 trials, seed 7, each figure checked by hand against that run's
/// summary.json and full table (e.g. investor.irr low −0.4097 → −41.0%, site.haringey
/// provider_distress 0.9995 → >99.9%, commissioning.cost_per_sustained_job median 10,482.4 →
/// £10,482); `headline_figures_are_summary_json_s` re-checks several on every run.
const MHEP1: &str = "\
Scenario mhep1_business_case: 2,000 trials, seed 7, quantiles P10 / P50 / P90
Sampling: mc, independent trials

Plan vs simulation (de-risked target: reached in 80.0% of trials)
plan figure                      plan  simulated P10 / P50 / P90  percentile  P(meet)  de-risked
engagements                     2,651        927 / 1,232 / 1,660      100.0%     0.0%      1,007
site.haringey.engagements         250            179 / 267 / 361       41.1%    59.5%        209
site.staffordshire.engagements  1,032            275 / 456 / 895       97.2%     2.9%        326
site.tower_hamlets.engagements  1,369            316 / 442 / 564      100.0%     0.0%        361

provider at site  P(loss)  P(distress)  P(terminated)
haringey           100.0%       >99.9%           0.0%
staffordshire       60.1%        61.8%          54.8%
tower_hamlets       99.4%        99.2%           0.0%

                                          P10      P50      P90
investor money multiple                  0.44     0.98     1.76
investor IRR                           -41.0%    -1.0%    32.4%
commissioners' cost per sustained job  £9,283  £10,482  £12,022
commissioners' cost per job start      £3,655   £3,992   £4,401
P(investor capital loss) 51.3%; P(SPV default) 0.0%; P(a site terminated early) 54.8%

Warnings
- The plan lies beyond every trial: engagements 2,651 (simulated P90 1,660),
  site.tower_hamlets.engagements 1,369 (simulated P90 564).
- The plan is met in fewer than 10% of trials: site.staffordshire.engagements 1,032 (2.9%).
- Providers lose money in half the trials or more: haringey 100.0%, staffordshire 60.1%,
  tower_hamlets 99.4%.
- Providers fall into distress in half the trials or more: haringey >99.9%, staffordshire 61.8%,
  tower_hamlets 99.2%.
- Sites terminated early in a quarter of trials or more: staffordshire 54.8%.
- The investor loses capital (money multiple below 1) in 51.3% of trials.
";

#[test]
fn mhep1_headline_exact_text() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, _) = run("scenarios/mhep1.toml", "2000", dir.path(), &[]);
    assert_eq!(stdout, MHEP1);
}

/// Every bundled scenario's headline fits 100 columns, and shows only the figures it has.
#[test]
fn every_bundled_headline_fits_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    for (name, finance, plan) in [
        ("box1", false, false),
        ("ips_new_service", false, true),
        ("lcf_tower_hamlets_mh", true, false),
        ("mhep1", true, true),
        ("mhep1_reset", true, true),
    ] {
        let file = format!("scenarios/{name}.toml");
        let (stdout, _) = run(&file, "500", &dir.path().join(name), &[]);
        for line in stdout.lines() {
            assert!(line.chars().count() <= 100, "{name}: {line:?}");
        }
        assert!(stdout.lines().count() <= 40, "{name}: {stdout}");
        assert_eq!(stdout.contains("investor IRR"), finance, "{name}");
        assert_eq!(stdout.contains("P(SPV default)"), finance, "{name}");
        assert_eq!(stdout.contains("Plan vs simulation"), plan, "{name}");
        // No full table without --full.
        assert!(!stdout.contains("\nProbabilities\n"), "{name}");
    }
}

/// A figure of the headline parsed back: "-41.0%" → -0.41, "£10,482" → 10482, "0.98" → 0.98.
fn parse(cell: &str) -> f64 {
    let s: String = cell
        .chars()
        .filter(|c| !matches!(c, '£' | ',' | '%'))
        .collect();
    let x: f64 = s
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"));
    if cell.ends_with('%') {
        x / 100.0
    } else {
        x
    }
}

/// The cells after `label` on the headline's line that starts with it.
fn cells<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in\n{stdout}"));
    line[label.len()..].split_whitespace().collect()
}

#[test]
fn headline_figures_are_summary_json_s() {
    let dir = tempfile::tempdir().unwrap();
    // Another seed and size than the snapshot's, so that the figures are not those written there.
    let (stdout, json) = run("scenarios/mhep1_reset.toml", "900", dir.path(), &[]);
    let m = &json["metrics"];
    let close = |cell: &str, x: f64, half_step: f64, what: &str| {
        assert!(
            (parse(cell) - x).abs() <= half_step * (1.0 + 1e-9),
            "{what}: {cell} vs {x}"
        );
    };
    for (label, metric, step) in [
        ("investor money multiple", "investor.multiple", 0.005),
        (
            "commissioners' cost per sustained job",
            "commissioning.cost_per_sustained_job",
            0.5,
        ),
        (
            "commissioners' cost per job start",
            "commissioning.cost_per_job_start",
            0.5,
        ),
        ("investor IRR", "investor.irr", 0.0005),
    ] {
        let c = cells(&stdout, label);
        for (k, key) in ["low", "median", "high"].into_iter().enumerate() {
            match m[metric][key].as_f64() {
                Some(x) => close(c[k], x, step, metric),
                // An undefined quantile says so and points at its note.
                None => {
                    assert_eq!(c[k], "undefined", "{metric} {key}");
                    assert!(c[k + 1].starts_with('['), "{metric} {key}: a note mark");
                }
            }
            if m[metric][key].is_null() {
                break; // the cells after a note mark are shifted; the first quantile is enough
            }
        }
    }
    let p = &json["probabilities"];
    let chances = cells(&stdout, "P(investor capital loss)");
    close(
        chances[0].trim_end_matches(';'),
        p["investor.capital_loss"].as_f64().unwrap(),
        0.0005,
        "capital loss",
    );
    let site = cells(&stdout, "staffordshire ");
    close(
        site[0],
        p["site.staffordshire.provider_loss"].as_f64().unwrap(),
        0.0005,
        "loss",
    );
    close(
        site[1],
        p["site.staffordshire.provider_distress"].as_f64().unwrap(),
        0.0005,
        "distress",
    );
    close(
        site[2],
        p["site.staffordshire.terminated"].as_f64().unwrap(),
        0.0005,
        "terminated",
    );
    let plan = &json["plan"]["site.tower_hamlets.job_starts"];
    let row = cells(&stdout, "site.tower_hamlets.job_starts");
    close(row[0], plan["plan"].as_f64().unwrap(), 0.5, "plan");
    close(
        row[6],
        plan["percentile"].as_f64().unwrap(),
        0.0005,
        "percentile",
    );
    close(row[7], plan["p_meet"].as_f64().unwrap(), 0.0005, "p_meet");
    close(
        row[8],
        plan["derisked_target"].as_f64().unwrap(),
        0.5,
        "de-risked",
    );
}

#[test]
fn full_and_metrics_add_the_table_after_the_headline() {
    let dir = tempfile::tempdir().unwrap();
    let file = "scenarios/mhep1.toml";
    let (headline, _) = run(file, "300", &dir.path().join("a"), &[]);
    let (full, _) = run(file, "300", &dir.path().join("b"), &["--full"]);
    let table = full
        .strip_prefix(&headline)
        .expect("--full starts with the headline");
    assert!(table.starts_with("\nmetric "), "{table}");
    for row in [
        "\nreferrals ",
        "\npayments.by_payer.sof ",
        "\nProbabilities\n",
    ] {
        assert!(table.contains(row), "{row:?} missing");
    }
    assert!(
        table.contains("\nplan figure  "),
        "the plan table as before"
    );

    // A glob over whole names: the three sites' margins, no probability, no plan figure.
    let (glob, _) = run(
        file,
        "300",
        &dir.path().join("c"),
        &["--metrics", "site.*.provider.margin"],
    );
    let table = glob.strip_prefix(&headline).unwrap();
    let rows: Vec<&str> = table
        .lines()
        .skip(3) // blank, header, rule
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        rows,
        [
            "site.haringey.provider.margin",
            "site.staffordshire.provider.margin",
            "site.tower_hamlets.provider.margin",
        ]
    );
    // A substring: metrics and probabilities that contain it.
    let (sub, _) = run(file, "300", &dir.path().join("d"), &["--metrics", "irr"]);
    let table = sub.strip_prefix(&headline).unwrap();
    for row in [
        "\ninvestor.irr ",
        "\ninvestor.mirr ",
        "\ninvestor.irr_undefined ",
    ] {
        assert!(table.contains(row), "{row:?} missing:\n{table}");
    }
    assert!(!table.contains("\nengagements "));
}

#[test]
fn a_metrics_pattern_matching_nothing_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("sibsim")
        .unwrap()
        .args([
            "run",
            "scenarios/box1.toml",
            "--metrics",
            "investor.*",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "Error: invalid --metrics: \"investor.*\" matches no metric or probability of this \
             scenario's table; expected comma-separated substrings of metric or probability \
             names (e.g. margin) or globs over whole names (e.g. site.*.provider.*; names in \
             README \"Metric names\")\n",
        );
    assert!(!dir.path().join("summary.json").exists());
}

/// The issue's own example: an SPV that runs out of money is warned of in words, with the
/// probability summary.json gives (MHEP 1 with its £360k loan cut to £20k).
#[test]
fn an_spv_out_of_money_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/mhep1.toml").unwrap();
    let cut = text
        .replacen("loan = 360000.0", "loan = 20000.0", 1)
        .replacen("facility = 360000.0", "facility = 20000.0", 1);
    assert_ne!(cut, text);
    let file = dir.path().join("small_loan.toml");
    std::fs::write(&file, cut).unwrap();
    let (stdout, json) = run(file.to_str().unwrap(), "300", &dir.path().join("out"), &[]);
    let p = json["probabilities"]["spv.default"].as_f64().unwrap();
    assert!(p >= 0.1, "P(SPV default) {p}");
    let expected = format!(
        "- The SPV runs out of money in {:.1}% of trials.",
        p * 100.0
    );
    assert!(stdout.contains(&expected), "{expected}\n{stdout}");
}
