//! Variance-based (Sobol) indices by pick-freeze (issue 11): the estimator against functions whose
//! indices are known in closed form (Ishigami, linear), the coverage of its bootstrap intervals,
//! the design's rows, and the design run through the engine (a fixed input's indices are exactly
//! 0, each dimension moves its own recorded input, a given point runs as a plan's trial does,
//! identical tables on 1 and 4 threads).

use std::f64::consts::PI;
use std::path::Path;

use sibsim::engine::record::RecordLayout;
use sibsim::engine::runner::run_points;
use sibsim::engine::sampling::{Method, Plan};
use sibsim::engine::trial::ParamDims;
use sibsim::engine::{run, RunOptions, TrialTable};
use sibsim::scenario::{load, parse_scenario, Model};
use sibsim::sensitivity::sobol::{
    dim_names, estimate, run_design, Design, Entry, Estimate, Index, Indices, Row, Undefined,
};

/// The Ishigami function (Ishigami & Homma 1990), a = 7, b = 0.1, on x_i = −π + 2π u_i.
fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

/// The analytic indices of Ishigami's function for a = 7, b = 0.1 (Sobol' & Levitan 1999;
/// Saltelli et al., *Global Sensitivity Analysis: The Primer*, 2008): V = a²/8 + bπ⁴/5 +
/// b²π⁸/18 + ½, V1 = ½(1 + bπ⁴/5)², V2 = a²/8, V13 = 8b²π⁸/225, V3 = V12 = V23 = V123 = 0.
fn ishigami_analytic() -> ([f64; 3], [f64; 3]) {
    let (a, b, p4) = (7.0f64, 0.1f64, PI.powi(4));
    let v = a * a / 8.0 + b * p4 / 5.0 + b * b * p4 * p4 / 18.0 + 0.5;
    let v1 = 0.5 * (1.0 + b * p4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * p4 * p4 / 225.0;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

/// `f` at every row of `design`'s points.
fn evaluate(design: &Design, seed: u64, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut u = vec![0.0; design.dims()];
    (0..design.rows())
        .map(|r| {
            design.point(seed, r, &mut u);
            f(&u)
        })
        .collect()
}

fn ok(e: &Entry) -> &Index {
    e.as_ref().unwrap_or_else(|why| panic!("no index: {why}"))
}

fn covers(e: &Estimate, x: f64) -> bool {
    e.low <= x && x <= e.high
}

#[test]
fn ishigami_indices_lie_in_their_99_percent_intervals() {
    // The published figures round the closed forms: check those first.
    let (s, st) = ishigami_analytic();
    let published = ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]);
    for i in 0..3 {
        assert!((s[i] - published.0[i]).abs() < 5e-5, "S{}", i + 1);
        assert!((st[i] - published.1[i]).abs() < 5e-5, "ST{}", i + 1);
    }
    // 99% intervals at N = 8192: each covers its value with about 98–99% (measured over 100
    // seeds while writing this test: 95–99 of 100 per interval, all six at once in 86), so the
    // test as a whole is expected to pass for about 9 seeds in 10; the seed is the first tried.
    let design = Design::new(8192, 3, vec![], false).unwrap();
    let y = evaluate(&design, 1, ishigami);
    let ix = estimate(&design, &y, 1000, 0.99, 2, None).unwrap();
    assert_eq!((ix.used, ix.dropped, ix.undefined), (8192, 0, None));
    for i in 0..3 {
        let e = ok(&ix.dims[i]);
        assert!(
            covers(&e.first, s[i]),
            "S{}: {:?} vs {}",
            i + 1,
            e.first,
            s[i]
        );
        assert!(
            covers(&e.total, st[i]),
            "ST{}: {:?} vs {}",
            i + 1,
            e.total,
            st[i]
        );
        // Honest, not vacuous: narrow enough to tell the indices apart.
        assert!(e.first.high - e.first.low < 0.1, "S{} {:?}", i + 1, e.first);
        assert!(
            e.total.high - e.total.low < 0.1,
            "ST{} {:?}",
            i + 1,
            e.total
        );
        assert_eq!((e.used, e.resamples), (8192, 1000));
    }
    // V from the A and B rows: the analytic variance is 13.8446.
    assert!((ix.variance - 13.8446).abs() < 0.5, "V {}", ix.variance);
}

#[test]
fn ishigami_intervals_cover_at_their_nominal_rate() {
    // 100 independent designs of N = 256 with 90% intervals: 600 intervals, of which about 540
    // should cover their value. Binomial spread ±7, more with the six intervals of one design
    // sharing its resamples; [500, 575] is 83%–96%. Intervals half as wide again (98.6%) or a
    // third narrower (73%) fall outside.
    let (s, st) = ishigami_analytic();
    let design = Design::new(256, 3, vec![], false).unwrap();
    let mut covered = 0;
    for seed in 0..100 {
        let y = evaluate(&design, 1000 + seed, ishigami);
        let ix = estimate(&design, &y, 400, 0.9, seed, None).unwrap();
        for i in 0..3 {
            let e = ok(&ix.dims[i]);
            covered += usize::from(covers(&e.first, s[i])) + usize::from(covers(&e.total, st[i]));
        }
    }
    assert!((500..=575).contains(&covered), "{covered} of 600 covered");
}

#[test]
fn a_linear_function_has_first_order_equal_to_total_equal_to_its_share_of_variance() {
    // f = 4·x1 + x2 − 0.5·x3 + 0·x4, x1 ~ U(0, 1) (variance 1/12), x2 ~ N(0, 1), x3 ~ Exp(1)
    // (variance 1), x4 ~ U(0, 1); each by its quantile of the design's uniform. Additive, so
    // S_i = ST_i = c_i² var(x_i) / Σ_k c_k² var(x_k); for a group, the sum over its members.
    let quantiles = |u: &[f64]| {
        let normal = -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u[1]);
        [u[0], normal, -(-u[2]).ln_1p(), u[3]]
    };
    let c = [4.0, 1.0, -0.5, 0.0];
    let parts = [16.0 / 12.0, 1.0, 0.25, 0.0];
    let sum: f64 = parts.iter().sum();
    let design = Design::new(4096, 4, vec![vec![0, 1], vec![3, 2]], false).unwrap();
    let y = evaluate(&design, 3, |u| {
        let x = quantiles(u);
        (0..4).map(|i| c[i] * x[i]).sum()
    });
    let ix = estimate(&design, &y, 1000, 0.99, 4, None).unwrap();
    assert!((ix.variance - sum).abs() < 0.1 * sum, "V {}", ix.variance);
    for (i, part) in parts.iter().enumerate().take(3) {
        let e = ok(&ix.dims[i]);
        let share = part / sum;
        assert!(
            covers(&e.first, share),
            "S{}: {:?} vs {share}",
            i + 1,
            e.first
        );
        assert!(
            covers(&e.total, share),
            "ST{}: {:?} vs {share}",
            i + 1,
            e.total
        );
    }
    // x4 does not enter f: its rows repeat A's outputs bit for bit, so its indices and their
    // intervals are exactly 0.
    let zero = ok(&ix.dims[3]);
    for e in [zero.first, zero.total] {
        assert_eq!((e.value, e.low, e.high), (0.0, 0.0, 0.0));
    }
    for (g, share) in [(0, parts[0] + parts[1]), (1, parts[2])] {
        let e = ok(&ix.groups[g]);
        let share = share / sum;
        assert!(
            covers(&e.first, share),
            "group {g}: {:?} vs {share}",
            e.first
        );
        assert!(
            covers(&e.total, share),
            "group {g}: {:?} vs {share}",
            e.total
        );
    }
    assert_eq!(design.groups(), [vec![0, 1], vec![2, 3]]);
}

#[test]
fn each_row_takes_its_columns_from_a_or_b_and_its_key_from_its_base_sample() {
    let design = Design::new(3, 5, vec![vec![4, 1]], true).unwrap();
    assert_eq!((design.per_sample(), design.rows()), (9, 27));
    let seed = 8;
    let point = |row: u64| {
        let mut u = vec![0.0; 5];
        let key = design.point(seed, row, &mut u);
        (u, key)
    };
    for j in 0..3 {
        let (a, key_a) = point(design.row(j, Row::A));
        let (b, key_b) = point(design.row(j, Row::B));
        assert_eq!((key_a, key_b), (j as u64, 3 + j as u64));
        assert!(a.iter().chain(&b).all(|&u| u > 0.0 && u < 1.0));
        assert!((0..5).all(|d| a[d] != b[d]));
        let mixed = |from_b: &[usize]| -> Vec<f64> {
            (0..5)
                .map(|d| if from_b.contains(&d) { b[d] } else { a[d] })
                .collect()
        };
        for i in 0..5 {
            assert_eq!(point(design.row(j, Row::Dim(i))), (mixed(&[i]), j as u64));
        }
        assert_eq!(
            point(design.row(j, Row::Group(0))),
            (mixed(&[1, 4]), j as u64)
        );
        assert_eq!(point(design.row(j, Row::Noise)), (a.clone(), 3 + j as u64));
        // Base samples are independent of one another.
        if j > 0 {
            assert_ne!(point(design.row(j - 1, Row::A)).0, a);
        }
    }
    for r in 0..design.rows() {
        let (j, kind) = design.kind(r);
        assert_eq!(design.row(j, kind), r);
    }
    assert_eq!(design.kind(8), (0, Row::Noise));
    assert_eq!(design.kind(9 + 7), (1, Row::Group(0)));
    // The same seed and row give the same point; another seed another.
    let mut other = vec![0.0; 5];
    design.point(seed + 1, 0, &mut other);
    assert_ne!(point(0).0, other);
    assert_eq!(point(13), point(13));
}

#[test]
fn bad_designs_are_refused() {
    let err = |r: Result<Design, sibsim::error::Error>| r.unwrap_err().to_string();
    assert_eq!(
        err(Design::new(1, 3, vec![], false)),
        "invalid --sobol-n: 1 base samples; expected at least 2"
    );
    assert_eq!(
        err(Design::new(8, 0, vec![], false)),
        "invalid sobol design: no dimension; expected at least one input"
    );
    assert_eq!(
        err(Design::new(8, 3, vec![vec![0], vec![]], false)),
        "invalid sobol group: group 1 is empty; expected distinct dimensions from 0 to 2"
    );
    assert_eq!(
        err(Design::new(8, 3, vec![vec![3, 0]], false)),
        "invalid sobol group: group 0 names dimension 3; expected distinct dimensions from 0 to 2"
    );
    assert_eq!(
        err(Design::new(8, 3, vec![vec![2, 0, 2]], false)),
        "invalid sobol group: group 0 names dimension 2 twice; expected distinct dimensions from 0 to 2"
    );
    assert_eq!(
        err(Design::new(5_000_000, 3, vec![], true)),
        "invalid --sobol-n: 5,000,000 base samples of 6 rows each; expected at most 1,666,666 base samples"
    );
    assert_eq!(
        err(Design::new(usize::MAX, 3, vec![], false)),
        format!(
            "invalid --sobol-n: {} base samples of 5 rows each; expected at most 2,000,000 base samples",
            sibsim::report::terminal::group_thousands(&usize::MAX.to_string())
        )
    );
}

#[test]
fn undefined_outputs_drop_their_base_samples_and_are_counted() {
    let design = Design::new(200, 3, vec![vec![0, 2]], true).unwrap();
    let mut y = evaluate(&design, 5, ishigami);
    // Undefined at A_j for j ≡ 0 (mod 10), at B_j for j ≡ 5 (mod 20): 20 + 10 base samples.
    for j in 0..200 {
        if j % 10 == 0 {
            y[design.row(j, Row::A) as usize] = f64::NAN;
        }
        if j % 20 == 5 {
            y[design.row(j, Row::B) as usize] = f64::INFINITY;
        }
        // At dimension 1's row for j ≡ 3 (mod 7): 29 of them, 5 of which (j = 10, 45, 80, 150,
        // 185) are dropped already.
        if j % 7 == 3 {
            y[design.row(j, Row::Dim(1)) as usize] = f64::NAN;
        }
    }
    let ix = estimate(&design, &y, 50, 0.9, 1, None).unwrap();
    assert_eq!((ix.n, ix.used, ix.dropped), (200, 170, 30));
    assert_eq!(ok(&ix.dims[0]).used, 170);
    assert_eq!(ok(&ix.dims[1]).used, 170 - (29 - 5));
    assert_eq!(ok(&ix.groups[0]).used, 170);
    assert_eq!(ok(ix.noise.as_ref().unwrap()).used, 170);
    // Ishigami has no randomness beyond u: the noise row repeats A's output.
    let noise = ok(ix.noise.as_ref().unwrap());
    assert_eq!((noise.first.value, noise.total.value), (0.0, 0.0));

    // Undefined everywhere but base sample 0 (rows 0 to 6): no variance to estimate.
    let few: Vec<f64> = (0..design.rows())
        .map(|r| if r < 7 { 1.0 + r as f64 } else { f64::NAN })
        .collect();
    let ix = estimate(&design, &few, 50, 0.9, 1, None).unwrap();
    assert_eq!(ix.undefined, Some(Undefined::TooFewSamples { defined: 1 }));
    assert_eq!(
        (ix.used, ix.dropped, ix.dims.len(), ix.noise),
        (1, 199, 0, None)
    );
}

#[test]
fn a_constant_output_or_bad_arguments_give_no_indices_and_say_why() {
    let design = Design::new(10, 2, vec![], false).unwrap();
    let flat = vec![3.5; design.rows() as usize];
    let why = |ix: Indices| {
        assert!(ix.dims.is_empty() && ix.groups.is_empty() && ix.noise.is_none());
        assert_eq!(ix.variance, 0.0);
        let w = ix.undefined.expect("a reason");
        (w, w.to_string())
    };
    assert_eq!(
        why(estimate(&design, &flat, 10, 0.9, 0, None).unwrap()),
        (
            Undefined::ConstantOutput { value: 3.5 },
            "the output is 3.5 in every trial used: it has no variance to apportion".into()
        )
    );
    assert_eq!(
        why(estimate(&design, &flat[1..], 10, 0.9, 0, None).unwrap()),
        (
            Undefined::WrongLength {
                expected: 40,
                got: 39
            },
            "39 output values for a design of 40 rows".into()
        )
    );
    for (b, c) in [(0, 0.9), (10, 1.0), (10, 0.0), (10, f64::NAN)] {
        let (w, _) = why(estimate(&design, &flat, b, c, 0, None).unwrap());
        assert!(matches!(w, Undefined::InvalidBootstrap { bootstrap, .. } if bootstrap == b));
    }
    // Constant at A and B but not elsewhere is still no variance to apportion.
    let mut y = flat.clone();
    y[design.row(0, Row::Dim(1)) as usize] = 9.0;
    assert!(matches!(
        why(estimate(&design, &y, 10, 0.9, 0, None).unwrap()).0,
        Undefined::ConstantOutput { .. }
    ));
}

fn fixture() -> Model {
    load(Path::new("tests/fixtures/sobol_engine.toml")).expect("the fixture loads")
}

/// The inputs the fixture draws; every other is fixed.
const DRAWN: [&str; 4] = [
    "input.only.referrals_per_month",
    "input.only.p_engage",
    "input.only.p_job_start",
    "input.only.p_13w",
];

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Every held value of a table, column by column: metrics, flags, then inputs.
fn held(t: &TrialTable) -> Vec<Vec<u64>> {
    let stores = [t.store(), t.inputs.store()];
    stores
        .iter()
        .flat_map(|s| (0..s.width()).map(|c| bits(&s.column(c))))
        .collect()
}

#[test]
fn through_the_engine_a_fixed_input_gets_exactly_zero_and_threads_do_not_matter() {
    let model = fixture();
    let names = dim_names(&model);
    assert_eq!(names.len(), ParamDims::new(&model).total);
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    let (refs, engage) = (at(DRAWN[0]), at(DRAWN[1]));
    let design = Design::new(64, names.len(), vec![vec![refs, engage]], true).unwrap();
    let one = run_design(&model, &design, 5, Some(1), &|_| {}).unwrap();
    let four = run_design(&model, &design, 5, Some(4), &|_| {}).unwrap();
    assert_eq!(one.trials as u64, design.rows());
    assert_eq!(held(&one), held(&four));

    let output = |name: &str| {
        let y = one.metric_column(one.metric_index(name).unwrap());
        estimate(&design, &y, 200, 0.95, 6, None).unwrap()
    };
    for metric in [
        "engagements",
        "job_starts",
        "sustain_13w",
        "provider.margin",
    ] {
        let ix = output(metric);
        assert_eq!((ix.used, ix.undefined), (64, None), "{metric}");
        for (d, name) in names.iter().enumerate() {
            let e = ok(&ix.dims[d]);
            if DRAWN.contains(&name.as_str()) {
                continue;
            }
            for x in [e.first, e.total] {
                assert_eq!((x.value, x.low, x.high), (0.0, 0.0, 0.0), "{metric} {name}");
            }
        }
    }
    // Engagements grow with referrals and the engagement rate, which drive them.
    let ix = output("engagements");
    for d in [refs, engage] {
        assert!(ok(&ix.dims[d]).total.low > 0.0, "{}", names[d]);
    }
    assert!(ok(&ix.groups[0]).total.low > 0.0);
}

#[test]
fn each_dimension_moves_its_own_recorded_input_and_the_noise_row_none() {
    let model = fixture();
    let names = dim_names(&model);
    let design = Design::new(16, names.len(), vec![], true).unwrap();
    let table = run_design(&model, &design, 9, Some(2), &|_| {}).unwrap();
    let inputs = |j: usize, kind: Row| table.inputs.row(design.row(j, kind) as usize);
    let column = |name: &str| table.inputs.index_of(name).unwrap();
    for j in 0..design.n() {
        let a = inputs(j, Row::A);
        let changed =
            |other: &[f64]| -> Vec<usize> { (0..a.len()).filter(|&c| a[c] != other[c]).collect() };
        for (i, name) in names.iter().enumerate() {
            let expected = if DRAWN.contains(&name.as_str()) {
                vec![column(name)]
            } else {
                vec![]
            };
            assert_eq!(changed(&inputs(j, Row::Dim(i))), expected, "{name}");
        }
        assert_eq!(changed(&inputs(j, Row::Noise)), Vec::<usize>::new());
        let mut drawn: Vec<usize> = DRAWN.iter().map(|n| column(n)).collect();
        drawn.sort_unstable();
        assert_eq!(changed(&inputs(j, Row::B)), drawn);
    }
    // The noise row is A's inputs with B's delivery: its engagements differ from A's somewhere.
    let e = table.metric_index("engagements").unwrap();
    let value = |j: usize, kind: Row| table.value(design.row(j, kind) as usize, e);
    assert!((0..design.n()).any(|j| value(j, Row::Noise) != value(j, Row::A)));
}

#[test]
fn a_given_point_runs_exactly_as_a_plans_trial_copula_included() {
    // run_points fed the points and trial indices of an lhs plan is that lhs run, bit for bit,
    // with a copula on two of the site's inputs: the design's rows are normal trials.
    let text = std::fs::read_to_string("tests/fixtures/sobol_engine.toml").unwrap();
    let text = format!(
        "{text}\n[correlation]\nwithin_site = [{{ a = \"delivery.p_engage\", b = \"delivery.p_job_start\", rho = 0.6 }}]\n"
    );
    let model = parse_scenario("correlated.toml", &text).unwrap();
    let opts = RunOptions {
        trials: Some(96),
        seed: Some(3),
        threads: Some(2),
        sampling: Method::Lhs,
        replicates: Some(4),
    };
    let plan = Plan::new(Method::Lhs, 96, Some(4)).unwrap();
    let planned = run(&model, &opts, &|_| {}).unwrap();
    let given = run_points(&model, 96, 3, Some(3), &|_| {}, &|t, out| {
        plan.uniforms(3, t, out);
        t
    })
    .unwrap();
    assert_eq!(held(&planned), held(&given));
    assert_eq!(planned.monthly.values, given.monthly.values);
}

#[test]
fn dim_names_follow_the_parameter_layers_dimensions() {
    let model = load(Path::new("scenarios/mhep1.toml")).unwrap();
    let dims = ParamDims::new(&model);
    let names = dim_names(&model);
    assert_eq!(names.len(), dims.total);
    // A reordering of the recorded inputs: every one once.
    let mut sorted = names.clone();
    sorted.sort();
    let mut recorded = RecordLayout::new(&model).input_names;
    recorded.sort();
    assert_eq!(sorted, recorded);
    // Site-major core inputs in Param order, then p_13w where set, then the SPV's costs.
    let params = sibsim::scenario::Param::ALL;
    let n_core = sibsim::scenario::Param::N_CORE;
    for (d, name) in names.iter().enumerate().take(dims.core) {
        let site = &model.sites[d / n_core].id;
        assert_eq!(
            name,
            &format!("input.{site}.{}", params[d % n_core].field())
        );
    }
    for (s, site) in model.sites.iter().enumerate() {
        if let Some(d) = dims.optional[s] {
            assert_eq!(names[d], format!("input.{}.p_13w", site.id));
        }
    }
    assert_eq!(names[dims.spv], "input.spv.central_team");
    assert!(names[dims.spv..]
        .iter()
        .all(|n| n.starts_with("input.spv.")));
}

#[test]
fn a_design_for_other_dimensions_is_refused() {
    let model = fixture();
    let d = ParamDims::new(&model).total;
    let design = Design::new(4, d + 1, vec![], false).unwrap();
    let err = run_design(&model, &design, 1, Some(1), &|_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid sobol design: {} dimensions for a scenario of {d}; expected {d}, one per input (dim_names)",
            d + 1
        )
    );
    let design = Design::new(4, d, vec![], false).unwrap();
    let err = run_design(&model, &design, 1, Some(0), &|_| {}).unwrap_err();
    assert!(err.to_string().contains("0 threads"), "{err}");
}

#[test]
fn the_bootstrap_gives_the_same_intervals_on_any_number_of_threads() {
    // Ishigami with some outputs undefined (so that an index draws resamples of its own, beside
    // the shared ones), 700 resamples: three batches of 256, the last one partial.
    let design = Design::new(300, 3, vec![vec![0, 2]], true).unwrap();
    let mut y = evaluate(&design, 11, ishigami);
    for j in (0..300).step_by(13) {
        y[design.row(j, Row::Dim(2)) as usize] = f64::NAN;
    }
    let bits = |ix: &Indices| -> Vec<u64> {
        let entries = ix.dims.iter().chain(&ix.groups).chain(ix.noise.as_ref());
        entries
            .flat_map(|e| {
                let i = ok(e);
                [i.first, i.total]
                    .into_iter()
                    .flat_map(|x| [x.value, x.low, x.high].map(f64::to_bits))
                    .chain([i.used as u64, i.resamples as u64])
            })
            .collect()
    };
    let one = estimate(&design, &y, 700, 0.9, 8, Some(1)).unwrap();
    let three = estimate(&design, &y, 700, 0.9, 8, Some(3)).unwrap();
    let default = estimate(&design, &y, 700, 0.9, 8, None).unwrap();
    assert_eq!(ok(&one.dims[2]).used, 300 - 300usize.div_ceil(13));
    assert_eq!(ok(&one.dims[0]).resamples, 700);
    assert_eq!(bits(&one), bits(&three));
    assert_eq!(bits(&one), bits(&default));
    assert_eq!(one, three);
    // Not a constant: the intervals have width, and another seed moves them.
    let other = estimate(&design, &y, 700, 0.9, 9, Some(3)).unwrap();
    assert!(ok(&one.dims[0]).first.high > ok(&one.dims[0]).first.low);
    assert_ne!(bits(&one), bits(&other));
    // Threads are checked as for a run.
    let err = estimate(&design, &y, 700, 0.9, 8, Some(0)).unwrap_err();
    assert!(err.to_string().contains("0 threads"), "{err}");
}
