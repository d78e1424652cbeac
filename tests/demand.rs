//! Demand shocks (issue 15): `[[sites.<id>.demand]]` windows multiply a site's referral rate after
//! the ramp. With Poisson referrals at a fixed rate λ and unlimited capacity, a month's expected
//! referrals are λ × its ramp share × the product of the multipliers covering it (a drawn one by
//! its mean, being drawn independently of the rest); the simulated means must lie within 4 Monte
//! Carlo standard errors of that, month by month and in total. A drawn multiplier is one draw per
//! trial, recorded as an input; shocks of 1 change nothing, not even the other draws.

use sibsim::analysis::TrialTable;
use sibsim::engine::sampling::Method;
use sibsim::engine::trial::ParamDims;
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{parse_scenario, Model};

const LAMBDA: f64 = 30.0;

/// The expected referral multiplier of each of the 24 months of `tests/fixtures/demand.toml`,
/// worked by hand from the file: a ramp of 4 months (shares 1/4, 2/4, 3/4, then 1), ×2 in
/// 2030-02..03, ×0.4 in 2030-05..10 and ×0.5 more in 2030-07..08, ×1.5 in 2030-12, and
/// Uniform(0.2, 0.6) — mean 0.4 — in 2031-01..06.
const EXPECTED: [f64; 24] = [
    0.25,      // 2030-01: ramp 1/4
    0.5 * 2.0, // 2030-02: ramp 2/4, surge
    0.75 * 2.0,
    1.0,
    0.4, // 2030-05
    0.4,
    0.4 * 0.5, // 2030-07: the dip within the dip
    0.4 * 0.5,
    0.4,
    0.4, // 2030-10
    1.0,
    1.5, // 2030-12
    0.4, // 2031-01 .. 06: the drawn dip's mean
    0.4,
    0.4,
    0.4,
    0.4,
    0.4,
    1.0, // 2031-07 .. 12
    1.0,
    1.0,
    1.0,
    1.0,
    1.0,
];

fn model(file: &str) -> Model {
    let text = std::fs::read_to_string(file).unwrap();
    parse_scenario(file, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn column(table: &TrialTable, name: &str) -> Vec<f64> {
    let j = table
        .metric_names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    table.metric_column(j)
}

fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn assert_within_4_se(what: &str, xs: &[f64], expected: f64) {
    let (mean, se) = mean_and_se(xs);
    assert!(se > 0.0, "{what}: no variation");
    let z = (mean - expected) / se;
    assert!(
        z.abs() < 4.0,
        "{what}: simulated mean {mean:.4} vs analytic {expected:.4} ({z:.2} standard errors)"
    );
}

#[test]
fn referrals_follow_the_multipliers_month_by_month_and_in_total() {
    let model = model("tests/fixtures/demand.toml");
    let table = run(&model, &RunOptions::default(), &|_| {}).unwrap();
    assert_eq!(table.trials, 4000);
    let total: f64 = EXPECTED.iter().sum();
    assert!((total - 16.65).abs() < 1e-12, "{total}");
    assert_within_4_se("referrals", &column(&table, "referrals"), LAMBDA * total);
    // Every referral is taken on (unlimited capacity) and engages with p_engage = 0.6.
    assert_within_4_se(
        "engagements",
        &column(&table, "engagements"),
        0.6 * LAMBDA * total,
    );
    // The monthly series record engagements to date (not referrals): each referral engages, in
    // its own month, with p_engage = 0.6, so a month's engagements are the series' step.
    let monthly = &table.monthly;
    assert_eq!(monthly.trials, 4000);
    for (m, &expected) in EXPECTED.iter().enumerate() {
        let xs: Vec<f64> = (0..monthly.trials)
            .map(|t| {
                let to_date = monthly.series(t, "engagements").unwrap();
                let before = if m == 0 { 0.0 } else { to_date[m - 1] };
                f64::from(to_date[m] - before)
            })
            .collect();
        assert_within_4_se(
            &format!("engagements in {}", monthly.months[m]),
            &xs,
            0.6 * LAMBDA * expected,
        );
    }

    // The multipliers are recorded as inputs: the fixed ones in every trial, the drawn one once per
    // trial, inside its support and with its mean.
    for (k, x) in [2.0, 0.4, 0.5, 1.5].into_iter().enumerate() {
        let col = table
            .inputs
            .get(&format!("input.only.demand[{k}]"))
            .unwrap();
        assert!(col.iter().all(|&v| v == x), "demand[{k}]");
    }
    let drawn = table.inputs.get("input.only.demand[4]").unwrap();
    assert!(drawn.iter().all(|&v| (0.2..=0.6).contains(&v)));
    assert_within_4_se("demand[4]", &drawn, 0.4);
}

/// Under `lhs` and `sobol` the drawn multiplier takes its own dimension of the plan's point (after
/// the site's other inputs, before the SPV's), and the totals keep their expectation; the names of
/// the dimensions, as the Sobol design reads them, line up with the recorded inputs.
#[test]
fn stratified_sampling_gives_the_multiplier_a_dimension() {
    let model = model("tests/fixtures/demand.toml");
    let dims = ParamDims::new(&model);
    assert_eq!(dims.demand, [dims.core]);
    assert_eq!(dims.total, dims.core + 5);
    let names = sibsim::sensitivity::sobol::dim_names(&model);
    assert_eq!(names.len(), dims.total);
    assert_eq!(names[dims.core + 4], "input.only.demand[4]");
    let catalogue = sibsim::sensitivity::inputs::catalogue(&model);
    let demand: Vec<(&str, bool)> = catalogue
        .iter()
        .filter(|i| i.param.starts_with("demand"))
        .map(|i| (i.param.as_str(), i.fixed))
        .collect();
    assert_eq!(
        demand,
        [
            ("demand[0]", true),
            ("demand[1]", true),
            ("demand[2]", true),
            ("demand[3]", true),
            ("demand[4]", false)
        ]
    );
    let total: f64 = EXPECTED.iter().sum();
    for sampling in [Method::Lhs, Method::Sobol] {
        let opts = RunOptions {
            trials: Some(2048),
            sampling,
            ..RunOptions::default()
        };
        let table = run(&model, &opts, &|_| {}).unwrap();
        let drawn = table.inputs.get("input.only.demand[4]").unwrap();
        assert!(drawn.iter().all(|&v| (0.2..=0.6).contains(&v)));
        // Stratified: the trials' mean of the multiplier is far closer to 0.4 than 4 SE of
        // independent draws; checking against the looser bound keeps the test honest for both.
        assert_within_4_se(&format!("demand[4] ({sampling})"), &drawn, 0.4);
        assert_within_4_se(
            &format!("referrals ({sampling})"),
            &column(&table, "referrals"),
            LAMBDA * total,
        );
    }
}

/// The same results on one thread and on three, with each sampling method.
#[test]
fn shocks_are_bit_identical_across_thread_counts() {
    let model = model("tests/fixtures/demand.toml");
    for sampling in [Method::Mc, Method::Lhs] {
        let bits = |threads: usize| {
            let opts = RunOptions {
                trials: Some(300),
                threads: Some(threads),
                sampling,
                ..RunOptions::default()
            };
            let table = run(&model, &opts, &|_| {}).unwrap();
            let mut v: Vec<u64> = column(&table, "referrals")
                .iter()
                .map(|x| x.to_bits())
                .collect();
            v.extend(
                table
                    .inputs
                    .get("input.only.demand[4]")
                    .unwrap()
                    .iter()
                    .map(|x| x.to_bits()),
            );
            v
        };
        assert_eq!(bits(1), bits(3), "{sampling}");
    }
}

/// Shocks whose multipliers are all 1 leave every metric of every trial exactly as without them:
/// their draws come after every other input's in the site's parameter stream, and multiplying
/// by 1 changes no rate.
#[test]
fn shocks_of_one_change_nothing() {
    let plain = std::fs::read_to_string("tests/fixtures/analytic.toml").unwrap();
    let shocked = plain.replace(
        "[sites.only.staffing]",
        "[[sites.only.demand]]\nfrom = \"2030-03\"\nto = \"2031-02\"\nmultiplier = 1\n\n\
         [[sites.only.demand]]\nfrom = \"2030-06\"\nmultiplier = 1.0\n\n\
         [sites.only.staffing]",
    );
    assert_ne!(plain, shocked);
    let opts = RunOptions {
        trials: Some(500),
        ..RunOptions::default()
    };
    let a = run(&parse_scenario("a.toml", &plain).unwrap(), &opts, &|_| {}).unwrap();
    let b = run(&parse_scenario("b.toml", &shocked).unwrap(), &opts, &|_| {}).unwrap();
    assert_eq!(a.metric_names, b.metric_names);
    for j in 0..a.metric_names.len() {
        let bits = |t: &TrialTable| -> Vec<u64> {
            t.metric_column(j).iter().map(|x| x.to_bits()).collect()
        };
        assert_eq!(bits(&a), bits(&b), "{}", a.metric_names[j]);
    }
    assert_eq!(
        b.inputs.names.len(),
        a.inputs.names.len() + 2,
        "one recorded input per shock"
    );
}
