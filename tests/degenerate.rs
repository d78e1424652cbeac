//! Degenerate numbers (issue 14, item 2): each case the fuzzing found, as a regression test. Every
//! command runs under a timeout, so a hang fails the test instead of blocking the suite.

use std::time::Duration;

use assert_cmd::Command;
use proptest::prelude::*;
use serde_json::Value;
use sibsim::engine::table::Moments;

/// Long enough for a debug build on a busy machine; the cases take well under a second.
const TIMEOUT: Duration = Duration::from_secs(60);

fn sibsim(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("sibsim")
        .unwrap()
        .args(args)
        .timeout(TIMEOUT)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Subnormal shape and scale parameters used to hang `validate` (gamma) and `run` (beta); both are
/// refused now, by `validate` and by `run`, before anything is simulated.
#[test]
fn subnormal_parameters_are_refused_promptly_by_validate_and_run() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("never");
    for (file, field) in [
        (
            "tests/bad/gamma_subnormal_scale.toml",
            "referrals_per_month.scale: scale 1e-310 is below the smallest normal number",
        ),
        (
            "tests/bad/beta_subnormal_shape.toml",
            "p_engage.alpha: alpha 1e-310 is below the smallest normal number",
        ),
    ] {
        for cmd in ["validate", "run"] {
            let mut args = vec![cmd, file];
            if cmd == "run" {
                args.extend(["--quiet", "--out", dir.to_str().unwrap()]);
            }
            let a = sibsim(&args).code(2);
            let err = stderr(&a);
            assert!(err.contains(field), "{cmd} {file}: {err}");
            assert!(err.contains("at least 2.2250738585072014e-308"), "{err}");
        }
        assert!(
            !dir.exists(),
            "{file}: output written for a refused scenario"
        );
    }
}

fn pay_json(args: &[&str]) -> Value {
    let mut all = vec![
        "pay",
        "tests/fixtures/analytic.toml",
        "--site",
        "only",
        "--json",
    ];
    all.extend(args);
    let a = sibsim(&all).success();
    serde_json::from_slice(&a.get_output().stdout).expect("pay --json prints JSON")
}

fn paid_to(v: &Value, party: &str) -> f64 {
    v["totals"]["by_payee"][party].as_f64().unwrap_or(0.0)
}

/// Counts near 2⁶⁴ wrapped round (8 job starts of 16+ hours beside 2⁶⁴ − 1 of fewer paid for 7):
/// they are refused with the valid range, and the largest accepted count is settled exactly.
#[test]
fn pay_refuses_counts_it_cannot_settle_exactly() {
    for count in [
        "job_start:lt16=18446744073709551615",
        "job_start:lt16=1000000000000001",
    ] {
        let a = sibsim(&[
            "pay",
            "tests/fixtures/analytic.toml",
            "--site",
            "only",
            "--count",
            "job_start:ge16=8",
            "--count",
            count,
        ])
        .code(2);
        let err = stderr(&a);
        assert!(
            err.contains("is more events than can be settled exactly")
                && err.contains("N a whole number from 0 to 10^15"),
            "{err}"
        );
    }
    // analytic.toml pays £1,000 a job start of 16+ hours and nothing for fewer.
    let v = pay_json(&[
        "--count",
        "job_start:ge16=8",
        "--count",
        "job_start:lt16=1000000000000000",
    ]);
    assert_eq!(paid_to(&v, "charity"), 8_000.0);
    let v = pay_json(&[
        "--count",
        "job_start:ge16=1000000000000000",
        "--prior",
        "job_start:ge16=1000000000000000",
    ]);
    assert_eq!(paid_to(&v, "charity"), 1e18);
}

/// A 70,000-character site id: the terminal table cuts it to 160 characters ending in "…" (it
/// used to overflow the formatter's width and panic), the JSON keeps it whole.
#[test]
fn long_identifiers_are_cut_in_tables_and_whole_in_json() {
    let long = "s".repeat(70_000);
    let text = std::fs::read_to_string("tests/fixtures/analytic.toml")
        .unwrap()
        .replace("sites.only", &format!("sites.{long}"))
        .replace("site = \"only\"", &format!("site = \"{long}\""));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let a = sibsim(&["pay", file, "--site", &long, "--count", "engagement=3"]).success();
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    let cut = format!("{}…", "s".repeat(159));
    assert!(out.contains(&cut), "{}", &out[..out.len().min(500)]);
    assert!(
        out.lines().all(|l| l.chars().count() < 400),
        "a line is still as long as the id"
    );
    let a = sibsim(&[
        "pay",
        file,
        "--site",
        &long,
        "--count",
        "engagement=3",
        "--json",
    ])
    .success();
    let v: Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["site"].as_str(), Some(long.as_str()));
    assert_eq!(paid_to(&v, "charity"), 300.0, "3 engagements at £100");
}

/// The exact sample variance of `k·2^e` for integers `k`, from i128 sums:
/// `(nΣk² − (Σk)²) / (n(n − 1))`, times 4^e.
fn exact_mean_var(ks: &[i64], e: i32) -> (f64, f64) {
    let n = ks.len() as i128;
    let s: i128 = ks.iter().map(|&k| k as i128).sum();
    let s2: i128 = ks.iter().map(|&k| (k as i128) * (k as i128)).sum();
    let var_num = n * s2 - s * s; // exact
    let scale = 2f64.powi(e);
    let mean = (s as f64 / n as f64) * scale;
    let var = var_num as f64 / (n * (n - 1)) as f64;
    (mean, var.sqrt() * scale)
}

proptest! {
    /// Mean and sd of values from 1e-290 to 1e300 (where Σ(x − m)² overflowed to NaN, then shown
    /// as an sd of 0), against the exact figures of the same values as scaled integers; merged
    /// halves agree too.
    #[test]
    fn moments_match_exact_scaled_integers(
        base in -(1i64 << 40)..(1i64 << 40),
        deltas in prop::collection::vec(-(1i64 << 20)..(1i64 << 20), 2..200),
        e in -1000i32..950,
        split in 0usize..200,
    ) {
        let ks: Vec<i64> = deltas.iter().map(|d| base + d).collect();
        let scale = 2f64.powi(e);
        let xs: Vec<f64> = ks.iter().map(|&k| k as f64 * scale).collect();
        let (mean, sd) = exact_mean_var(&ks, e);
        let m = Moments::of(&xs);
        prop_assert_eq!(m.n, xs.len() as u64);
        prop_assert!(m.mean.is_finite() && m.sd().is_finite(), "{:?}", m);
        let tol = |want: f64| 1e-9 * want.abs() + 1e-9 * sd + f64::MIN_POSITIVE;
        prop_assert!((m.mean - mean).abs() <= tol(mean), "mean {} vs {}", m.mean, mean);
        prop_assert!((m.sd() - sd).abs() <= 1e-6 * sd + f64::MIN_POSITIVE, "sd {} vs {}", m.sd(), sd);
        let split = split.min(xs.len());
        let merged = Moments::of(&xs[..split]).merge(Moments::of(&xs[split..]));
        prop_assert!((merged.mean - mean).abs() <= tol(mean), "merged mean {} vs {}", merged.mean, mean);
        prop_assert!((merged.sd() - sd).abs() <= 1e-6 * sd + f64::MIN_POSITIVE, "merged sd {} vs {}", merged.sd(), sd);
    }
}

/// The case behind `sd 0` beside a mean of 1e305: values near 1e305 that differ.
#[test]
fn huge_values_keep_their_spread() {
    let xs = [1e305, 2e305, 3e305];
    let m = Moments::of(&xs);
    assert!((m.mean - 2e305).abs() <= 1e290, "{m:?}");
    assert!((m.sd() - 1e305).abs() <= 1e291, "{m:?}");
}
