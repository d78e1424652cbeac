//! `sibsim pay` on the bundled scenarios, against figures worked out by hand from the reports.

use assert_cmd::Command;
use serde_json::Value;

fn pay(args: &[&str]) -> Value {
    let out = Command::cargo_bin("sibsim")
        .unwrap()
        .arg("pay")
        .args(args)
        .arg("--json")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("pay --json prints JSON")
}

fn total(v: &Value, side: &str, party: &str) -> f64 {
    v["totals"][side][party].as_f64().unwrap_or(0.0)
}

/// Paid by `payer` to `payee`, from the list of payments.
fn between(v: &Value, payer: &str, payee: &str) -> f64 {
    v["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["payer"] == payer && p["payee"] == payee)
        .map(|p| p["amount"].as_f64().unwrap())
        .sum()
}

/// 001_91c39e34d7f8be68.txt §3.5.1, Box 1: one quarter at Tower Hamlets with 40 engagements,
/// 10 job entries (6 under 16 hours, 4 of 16 or more) and 3 six-month sustainments (1 and 2).
/// The provider receives £40,000 — £12,000 from the SPV (40 × £300) and £28,000 from the CCG
/// (40 × £700) — and the SPV £17,900 from the outcome payer:
/// 40 × £90 + 6 × £700 + 4 × £1,350 + 1 × £1,400 + 2 × £1,650.
#[test]
fn box_1_quarter() {
    let v = pay(&[
        "scenarios/box1.toml",
        "--site",
        "tower_hamlets",
        "--month",
        "2016-04",
        "--count",
        "engagement=40",
        "--count",
        "sustain_6w:lt16=6",
        "--count",
        "sustain_6w:ge16=4",
        "--count",
        "sustain_26w:lt16=1",
        "--count",
        "sustain_26w:ge16=2",
    ]);
    assert_eq!(total(&v, "by_payee", "working_well_trust"), 40_000.0);
    assert_eq!(between(&v, "mhep", "working_well_trust"), 12_000.0);
    assert_eq!(
        between(&v, "tower_hamlets_ccg", "working_well_trust"),
        28_000.0
    );
    assert_eq!(total(&v, "by_payee", "mhep"), 17_900.0);
    assert_eq!(between(&v, "outcome_payer", "mhep"), 17_900.0);
    assert_eq!(
        40.0 * 90.0 + 6.0 * 700.0 + 4.0 * 1350.0 + 1.0 * 1400.0 + 2.0 * 1650.0,
        17_900.0
    );
}

/// Haringey after its 2018 reset (001_91c39e34d7f8be68.txt §4.1.4): £3,850 for each of the first
/// 20 job starts, then £1,600 each, up to the £90,000 cap.
#[test]
fn haringey_tiers_and_cap() {
    let at = |count: &str, prior: Option<&str>| {
        let mut args = vec![
            "scenarios/mhep1_reset.toml",
            "--site",
            "haringey",
            "--month",
            "2018-04",
            "--count",
            count,
        ];
        if let Some(p) = prior {
            args.extend(["--prior", p]);
        }
        total(&pay(&args), "by_payee", "twining")
    };
    // The first 12: all in the £3,850 tier.
    assert_eq!(at("job_start=12", None), 12.0 * 3850.0);
    // 25 from the start: 20 × £3,850 + 5 × £1,600 = £85,000.
    assert_eq!(at("job_start=25", None), 20.0 * 3850.0 + 5.0 * 1600.0);
    // 10 after 15: 5 × £3,850 + 5 × £1,600 = £27,250.
    assert_eq!(
        at("job_start=10", Some("job_start=15")),
        5.0 * 3850.0 + 5.0 * 1600.0
    );
    // 5 after 25: 5 × £1,600 = £8,000 would take the total to £93,000; the cap leaves £5,000.
    assert_eq!(at("job_start=5", Some("job_start=25")), 90_000.0 - 85_000.0);
    // Once the cap is reached nothing more is paid.
    assert_eq!(at("job_start=3", Some("job_start=30")), 0.0);
    // 40 at once: the cap, not 20 × £3,850 + 20 × £1,600 = £109,000.
    assert_eq!(at("job_start=40", None), 90_000.0);
}

/// Before the reset the tiered tariff is not in force: the same job starts earn nothing from the
/// Haringey commissioner (its £90k a year came as a block).
#[test]
fn haringey_tiers_are_not_live_before_the_reset() {
    let v = pay(&[
        "scenarios/mhep1_reset.toml",
        "--site",
        "haringey",
        "--month",
        "2017-06",
        "--count",
        "job_start=10",
    ]);
    assert_eq!(v["rule_set"], "base");
    assert_eq!(between(&v, "haringey", "twining"), 0.0);
}

#[test]
fn pay_refuses_bad_counts_with_exit_code_2() {
    for (args, message) in [
        (
            vec!["--count", "job_starts=3"],
            "Error: invalid --count: unknown event \"job_starts\"; expected EVENT[:BAND]=N with EVENT one of referral, engagement, job_start, sustain_6w, sustain_13w, sustain_26w, BAND lt16 or ge16 (job starts and sustainments only), N a whole number from 0 to 10^15\n",
        ),
        (
            vec!["--count", "engagement:ge16=3"],
            "Error: invalid --count: engagement has no hours band; expected EVENT[:BAND]=N with EVENT one of referral, engagement, job_start, sustain_6w, sustain_13w, sustain_26w, BAND lt16 or ge16 (job starts and sustainments only), N a whole number from 0 to 10^15\n",
        ),
        (
            vec!["--count", "sustain_6w=3"],
            "Error: invalid --count: sustain_6w has no band, but tariff \"topup_job_entry_lt16\" pays one band only; expected sustain_6w:lt16=N and sustain_6w:ge16=N\n",
        ),
        (
            vec!["--count", "engagement=1", "--month", "2017-01"],
            "Error: invalid --month: \"2017-01\"; expected \"YYYY-MM\" from 2016-04 to 2016-06 (the simulation horizon)\n",
        ),
    ] {
        Command::cargo_bin("sibsim")
            .unwrap()
            .args(["pay", "scenarios/box1.toml", "--site", "tower_hamlets"])
            .args(&args)
            .assert()
            .code(2)
            .stderr(message);
    }
    Command::cargo_bin("sibsim")
        .unwrap()
        .args(["pay", "scenarios/box1.toml", "--site", "haringey", "--count", "engagement=1"])
        .assert()
        .code(2)
        .stderr("Error: invalid --site: no site \"haringey\" in scenarios/box1.toml; expected one of: tower_hamlets\n");
}
