//! Window-aware calibration (issue 12, item 1; docs/calibration.md): the `exposure` of a
//! `beta_counts` rate, and its calibration by simulation (`sibsim::evidence::window`).

use sibsim::distributions::{Dist, DistSpec};
use sibsim::evidence::window::{calibrate_window, Stage, WindowCalibration, WindowOptions};
use sibsim::{Scenario, Simulation};
use statrs::distribution::{Beta, ContinuousCDF};

const FIXTURE: &str = "tests/fixtures/window.toml";

/// The fixture's eventual rates, in stage order.
const TRUTH: [(&str, f64); 3] = [("p_job_start", 0.45), ("p_6w", 0.7), ("p_26w", 0.6)];

fn counts(exposure: Option<f64>) -> DistSpec {
    DistSpec::BetaCounts {
        successes: 146.0,
        trials: 527.0,
        exposure,
    }
}

#[test]
fn scaled_beta_quantile_and_mean_are_the_beta_scaled() {
    let e = 0.8;
    let d = Dist::new(&counts(Some(e))).unwrap();
    let beta = Beta::new(146.5, 381.5).unwrap();
    for u in [0.001, 0.05, 0.1, 0.5, 0.9, 0.95, 0.999] {
        let want = beta.inverse_cdf(u) / e;
        assert!(
            (d.quantile(u) - want).abs() < 1e-8,
            "u {u}: {} vs {want}",
            d.quantile(u)
        );
    }
    // P(q > 0.8) is ~1e-100 here: the clamp does not bite and the mean is the beta's over e.
    assert!((d.mean() - 146.5 / 528.0 / e).abs() < 1e-12);
    // Without exposure: the plain Jeffreys posterior.
    let plain = Dist::new(&counts(None)).unwrap();
    assert!((plain.mean() - 146.5 / 528.0).abs() < 1e-15);
    assert!((plain.quantile(0.3) - beta.inverse_cdf(0.3)).abs() < 1e-8);
}

#[test]
fn scaled_beta_mean_counts_the_clamp() {
    // 30 of 100 at the exposure where P(q > e) = 5e-4, inside the 0.001 allowed: accepted and
    // clamped. The mean is E[min(q/e, 1)], checked against a midpoint sum over the quantiles.
    let beta = Beta::new(30.5, 70.5).unwrap();
    let e = beta.inverse_cdf(1.0 - 5e-4);
    let spec = DistSpec::BetaCounts {
        successes: 30.0,
        trials: 100.0,
        exposure: Some(e),
    };
    let d = Dist::new(&spec).unwrap();
    let n = 400_000;
    let numeric: f64 = (0..n)
        .map(|i| (beta.inverse_cdf((i as f64 + 0.5) / n as f64) / e).min(1.0))
        .sum::<f64>()
        / n as f64;
    assert!(
        (d.mean() - numeric).abs() < 2e-6,
        "{} vs {numeric}",
        d.mean()
    );
    assert_eq!(d.quantile(0.9999), 1.0);
    assert!(d.quantile(0.999) < 1.0);
    // Just past the threshold, refused.
    let refused = Dist::new(&DistSpec::BetaCounts {
        successes: 30.0,
        trials: 100.0,
        exposure: Some(beta.inverse_cdf(1.0 - 2e-3)),
    })
    .unwrap_err();
    assert_eq!(refused.param, "exposure");
}

/// The scenario error for `p_job_start = { … exposure = X }` in the fixture.
fn exposure_error(x: &str) -> String {
    let text = std::fs::read_to_string(FIXTURE).unwrap().replace(
        "p_job_start = 0.45 ",
        &format!("p_job_start = {{ dist = \"beta_counts\", successes = 146, trials = 527, exposure = {x} }}"),
    );
    Scenario::from_str("window.toml", &text)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_exposures_are_refused_at_their_position() {
    let at = "window.toml:30:81: sites.only.delivery.p_job_start.exposure:";
    for (x, problem) in [
        ("0", "exposure 0 is not in (0, 1]"),
        ("-0.5", "exposure -0.5 is not in (0, 1]"),
        ("1.5", "exposure 1.5 is not in (0, 1]"),
        ("nan", "exposure NaN is not a finite number"),
    ] {
        let e = exposure_error(x);
        assert!(e.contains(at), "{x}: {e}");
        assert!(e.contains(problem), "{x}: {e}");
    }
    // 146/527 = 0.277: an exposure of 0.28 would put the eventual rate above 1 half the time.
    let e = exposure_error("0.28");
    assert!(e.contains(at), "{e}");
    assert!(
        e.contains("exposure 0.28 makes the eventual rate exceed 1 with probability"),
        "{e}"
    );
    assert!(e.contains("P(rate > 1) ≤ 0.001"), "{e}");
    // The rate quoted is the Jeffreys posterior mean, (146 + ½)/(527 + 1) = 0.2775, said as such.
    assert!(
        e.contains("as the Jeffreys posterior mean (successes + ½)/(trials + 1), is 0.277)"),
        "{e}"
    );
    // A tiny exposure is printed to a few significant figures, not as 300 digits.
    let e = exposure_error("1e-300");
    assert!(
        e.contains("exposure 1e-300 makes the eventual rate exceed 1"),
        "{e}"
    );
    let e = exposure_error("0.19651673674409653");
    assert!(e.contains("exposure 0.1965 makes"), "{e}");
    // The boundary: P(q > e) must be at most 0.001.
    assert!(exposure_error("0.31").contains("exceed 1"));
    let ok = std::fs::read_to_string(FIXTURE).unwrap().replace(
        "p_job_start = 0.45 ",
        "p_job_start = { dist = \"beta_counts\", successes = 146, trials = 527, exposure = 0.4 } ",
    );
    assert!(Scenario::from_str("window.toml", &ok).is_ok());
}

/// One trial of the fixture (the "observation"): its within-window counts.
fn observe(seed: u64) -> [(f64, f64); 3] {
    let model = Scenario::load(FIXTURE).unwrap();
    let r = Simulation::new(&model)
        .trials(1)
        .seed(seed)
        .threads(1)
        .run()
        .unwrap();
    let c = |n: &str| r.column(&format!("site.only.{n}")).unwrap()[0];
    Stage::ALL.map(|s| (c(s.counts().0), c(s.counts().1)))
}

/// The fixture with its rates replaced by `beta_counts` of `obs`, calibrated.
fn calibrate(obs: &[(f64, f64); 3]) -> WindowCalibration {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    for ((field, truth), (s, n)) in TRUTH.iter().zip(obs) {
        let line = format!("{field} = {truth}");
        assert!(text.contains(&line));
        text = text.replace(
            &line,
            &format!("{field} = {{ dist = \"beta_counts\", successes = {s}, trials = {n} }}"),
        );
    }
    let model = Scenario::from_str("window.toml", &text).unwrap();
    let opts = WindowOptions {
        trials: 2000,
        seed: Some(99),
        threads: Some(2),
        ..WindowOptions::default()
    };
    calibrate_window(&model, &opts).unwrap()
}

fn dist(s: f64, n: f64, exposure: Option<f64>) -> Dist {
    Dist::new(&DistSpec::BetaCounts {
        successes: s,
        trials: n,
        exposure,
    })
    .unwrap()
}

#[test]
fn round_trip_recovers_the_eventual_rates() {
    let (mut covered, mut naive_covered, mut checks) = (0, 0, 0);
    for seed in 1..=6 {
        let obs = observe(seed);
        let cal = calibrate(&obs);
        assert!(cal.converged, "seed {seed}: last move {}", cal.last_move);
        for (k, stage) in cal.stages.iter().enumerate() {
            let truth = TRUTH[k].1;
            let (s, n) = obs[k];
            let d = dist(s, n, Some(stage.exposure));
            let (lo, hi) = (d.quantile(0.05), d.quantile(0.95));
            covered += usize::from(lo <= truth && truth <= hi);
            let naive = dist(s, n, None);
            naive_covered +=
                usize::from(naive.quantile(0.05) <= truth && truth <= naive.quantile(0.95));
            checks += 1;
            // The calibration matches the ratio of expected counts (Σ successes / Σ base over
            // trials) to the observed ratio; what is checked here is the mean of the per-trial
            // ratios, which sits a little below that where the base is small (Jensen), so the
            // tolerance allows for it: a loose check that the fixed point is near the observation.
            let observed = s / n;
            assert!(
                (stage.window.mean - observed).abs() < 0.02,
                "seed {seed} {}: window mean {} vs observed {observed}",
                TRUTH[k].0,
                stage.window.mean
            );
        }
    }
    // 90% intervals on 18 checks: 16.2 expected, sd 1.3; at least 14.
    assert!(
        covered >= 14,
        "true rate inside the calibrated P5–P95 in {covered} of {checks}"
    );
    // Taking the window ratios as eventual rates (the double censoring) misses most of them.
    assert!(
        naive_covered <= 8,
        "naive intervals covered {naive_covered} of {checks}"
    );
}

fn mhep1(rounds: usize) -> WindowCalibration {
    let model = Scenario::load("scenarios/mhep1.toml").unwrap();
    let opts = WindowOptions {
        trials: 4000,
        seed: Some(2016),
        threads: Some(2),
        max_rounds: rounds,
        ..WindowOptions::default()
    };
    calibrate_window(&model, &opts).unwrap()
}

/// MHEP 1 at its file's exposures. The real check is the last one: no exposure is stale (each
/// file exposure within `max(3·SE, 0.01)` of the one computed from this run). The first two are
/// loose sanity checks: the simulated window ratio's mean over trials (not the ratio the
/// calibration matches, which is the ratio of expected counts) within twice the combined MC and
/// posterior SD of BIT's ratio — a tolerance of ~0.10 for Staffordshire's 26-week stage — and
/// BIT's ratio inside the simulated P5–P95.
#[test]
fn mhep1_window_ratios_match_bit_and_its_exposures_are_current() {
    // One round: the run at the file's own exposures, as `sibsim run` uses them.
    let cal = mhep1(1);
    assert_eq!(cal.stages.len(), 9);
    for s in &cal.stages {
        let name = format!("{}.{}", s.site, s.stage.param().field());
        let (k, n) = s.observed.expect("every MHEP 1 rate is a beta_counts");
        let observed = k / n;
        let (a, b) = (k + 0.5, n - k + 0.5);
        let sd_cal = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        let tol = 2.0 * (s.window.mcse.powi(2) + sd_cal.powi(2)).sqrt();
        assert!(
            (s.window.mean - observed).abs() <= tol,
            "{name}: simulated window mean {:.4} vs BIT {observed:.4} (tolerance {tol:.4})",
            s.window.mean
        );
        let pct = s.window.percentile_of(observed);
        assert!(
            (0.05..=0.95).contains(&pct),
            "{name}: BIT's ratio at the {pct:.3} quantile"
        );
        assert!(
            !s.stale(),
            "{name}: file exposure {:?} vs computed {:.4} ± {:.4}",
            s.file_exposure,
            s.exposure,
            s.exposure_se
        );
    }
}

#[test]
fn mhep1_calibration_is_the_same_on_one_thread() {
    let model = Scenario::load("scenarios/mhep1.toml").unwrap();
    let run = |threads| {
        let opts = WindowOptions {
            trials: 300,
            seed: Some(5),
            threads: Some(threads),
            max_rounds: 2,
            ..WindowOptions::default()
        };
        calibrate_window(&model, &opts).unwrap()
    };
    assert_eq!(run(1), run(2));
}
