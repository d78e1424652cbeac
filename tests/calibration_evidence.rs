//! Window-aware calibration (issue 12, item 1; `src/evidence/calibrate.rs`,
//! `docs/calibration-evidence.md`): BIT's counts are seen inside each provider's window, so the
//! eventual rate is the within-window ratio divided by the exposure.

use sibsim::distributions::Dist;
use sibsim::evidence::calibrate::{calibrate, fit, problems, SiteRate};
use sibsim::evidence::Library;

fn library() -> Library {
    Library::load("evidence".as_ref()).expect("the bundled library is valid")
}

/// SplitMix64: a seeded generator of the test's own, independent of the code under test.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A provider of the round trip: window months, mean time to job, eventual job-start and 6-week
/// rates, engagements. Windows and times to job are BIT's (000 Table 1, §3.4); the rates are
/// chosen apart from each other so that the spread between sites is real.
const PROVIDERS: [(u32, f64, f64, f64, u32); 5] = [
    (39, 7.0, 0.50, 0.62, 300),
    (36, 7.0, 0.42, 0.66, 500),
    (15, 4.0, 0.38, 0.85, 500),
    (18, 4.0, 0.30, 0.70, 200),
    (31, 2.3, 0.30, 0.68, 500),
];

/// One provider's counts seen inside its window: engagements uniformly over its months, a job
/// start with the eventual rate after a geometric lag (whole months, same month allowed, mean μ),
/// a 6-week outcome with its rate recorded one month after the start.
fn simulate(rng: &mut Rng, (l, mu, p, p6, n): (u32, f64, f64, f64, u32)) -> (f64, f64) {
    let q = mu / (1.0 + mu);
    let (mut starts, mut six) = (0.0, 0.0);
    for _ in 0..n {
        let engaged = (rng.uniform() * f64::from(l)).floor();
        if rng.uniform() >= p {
            continue;
        }
        // Inversion: P(lag ≥ j) = qʲ.
        let lag = (rng.uniform().max(f64::MIN_POSITIVE).ln() / q.ln()).floor();
        let start = engaged + lag;
        if start <= f64::from(l) - 1.0 {
            starts += 1.0;
            if rng.uniform() < p6 && start + 1.0 <= f64::from(l) - 1.0 {
                six += 1.0;
            }
        }
    }
    (starts, six)
}

/// Simulated within-window counts of five providers with known eventual rates, over 40 seeds: each
/// provider's 80% interval for its eventual rate covers the truth about 80% of the time (job starts
/// and 6-week outcomes; the time to job is known here, so no exposure uncertainty is added), where
/// the within-window ratio's own interval would miss it far more often; and the new-site mean
/// averages to the mean of the true rates.
#[test]
fn round_trip_recovers_the_eventual_rates() {
    let seeds = 40u64;
    let (mut covered, mut covered6, mut naive, mut total) = (0, 0, 0, 0);
    let mut new_site_means = 0.0;
    for seed in 0..seeds {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 12);
        let mut sites = Vec::new();
        for (i, &pr) in PROVIDERS.iter().enumerate() {
            let (l, mu, p, p6, n) = pr;
            let (starts, six) = simulate(&mut rng, pr);
            let js = SiteRate::new(
                &format!("p{i}"),
                (starts, f64::from(n)),
                (l, mu),
                (0, None),
                0.0,
            )
            .unwrap();
            let d = Dist::new(&js.interval().unwrap()).unwrap();
            covered += usize::from(d.quantile(0.1) <= p && p <= d.quantile(0.9));
            let observed = Dist::new(&sibsim::distributions::DistSpec::beta_counts(
                starts,
                f64::from(n),
            ))
            .unwrap();
            naive += usize::from(observed.quantile(0.1) <= p && p <= observed.quantile(0.9));
            let s6 =
                SiteRate::new(&format!("p{i}"), (six, starts), (l, mu), (1, Some(0)), 0.0).unwrap();
            let d6 = Dist::new(&s6.interval().unwrap()).unwrap();
            covered6 += usize::from(d6.quantile(0.1) <= p6 && p6 <= d6.quantile(0.9));
            total += 1;
            sites.push(js);
        }
        let (_, new_site) = fit(&sites).unwrap();
        new_site_means += Dist::new(&new_site).unwrap().mean();
    }
    let share = |c: usize| c as f64 / total as f64;
    assert!(
        (0.72..=0.9).contains(&share(covered)),
        "job starts: {}",
        share(covered)
    );
    assert!(
        (0.72..=0.9).contains(&share(covered6)),
        "6 weeks: {}",
        share(covered6)
    );
    assert!(share(naive) < 0.5, "within-window ratios: {}", share(naive));
    let truth = PROVIDERS.iter().map(|p| p.2).sum::<f64>() / 5.0;
    let mean = new_site_means / seeds as f64;
    assert!(
        (mean - truth).abs() < 0.01,
        "new-site mean {mean} vs {truth}"
    );
}

/// On the bundled library: every eventual rate is at least the ratio seen (exposures are at most
/// 1), Provider 5, the quickest to find work (10 weeks, 000 §3.4), has the highest job-start
/// exposure, and of the two 4-month providers the shorter window (P3, 15 months) the lower.
#[test]
fn the_library_s_eventual_rates_lie_above_the_observed_ratios() {
    let lib = library();
    let rates = calibrate(&lib);
    assert_eq!(rates.len(), 3);
    for r in &rates {
        for s in &r.sites {
            assert!(s.exposure > 0.0 && s.exposure < 1.0, "{}", s.key);
            assert!(s.eventual >= s.observed(), "{}", s.key);
        }
    }
    let js = &rates[0];
    assert_eq!(js.name, "job_start_rate");
    let w: Vec<f64> = js.sites.iter().map(|s| s.exposure).collect();
    assert!(w[..4].iter().all(|&x| x < w[4]), "{w:?}");
    assert!(w[2] < w[3], "{w:?}");
    // The pooled eventual rate lies between the pooled ratio scaled by the largest and by the
    // smallest exposure.
    let pooled = Dist::new(&js.pooled).unwrap().mean();
    let ratio = 590.0 / 1926.0;
    let (lo, hi) = w
        .iter()
        .fold((1.0f64, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(ratio / hi < pooled && pooled < ratio / lo, "{pooled}");
}

/// A missing window is a problem named like the others, and the rates that need it are not
/// calibrated.
#[test]
fn a_missing_window_is_a_named_problem() {
    let mut lib = library();
    lib.figures.retain(|f| f.key != "bit2020.window_months_p3");
    assert_eq!(
        problems(&lib),
        [
            "job_start_rate: needs each provider's observation window and time to job (bit2020.window_months_p3 in whole months ≥ 1)",
            "sustain_6w_rate: needs each provider's observation window and time to job (bit2020.window_months_p3 in whole months ≥ 1)",
        ]
    );
    let names: Vec<&str> = calibrate(&lib).iter().map(|r| r.name).collect();
    assert_eq!(names, ["sustain_26w_given_6w_rate"]);
    assert!(problems(&library()).is_empty());
}
