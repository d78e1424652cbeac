//! Structure comparison at its edges (issue 10 review): a ratio whose denominator is 0 in every
//! trial, and a block-share solve whose first runs do not bracket the equal-spend root.

use sibsim::compare::figures::named;
use sibsim::compare::file::{variant_at, StructureOptions};
use sibsim::compare::report::Comparison;
use sibsim::compare::{evaluate, run_base, Knob, Setup};
use sibsim::scenario::{self, Model};

mod common;

fn load(path: &str) -> Model {
    scenario::load(std::path::Path::new(path)).expect("bundled scenario loads")
}

/// MHEP 1 with its evidence haircut and rates as they were before issue 12 set `p_evidence` to 1
/// and gave the rates exposures: the trials a premise below was found on (the first change draws
/// the sustainments from other random numbers, the second raises the rates, so the same seeds
/// give other trials).
fn mhep1_before_issue12_rates() -> Model {
    let path = "scenarios/mhep1.toml";
    let text = std::fs::read_to_string(path).expect("bundled scenario reads");
    let old = common::before_haircut_and_exposure(&text);
    scenario::parse_scenario(path, &old).expect("bundled scenario loads")
}

fn quiet(_: &str, _: u64, _: u64) {}

fn setup(trials: u64, seed: u64, feedback: bool, pilot_seed: Option<u64>) -> Setup {
    Setup {
        trials,
        seed,
        threads: None,
        feedback,
        pilot_seed,
    }
}

/// `box1.toml` counts no sustained job in any trial (checked here from the run's own column), so
/// the commissioners' spend per sustained job is undefined as a whole: its cells say so, with
/// the reason, and its difference says why it has none.
#[test]
fn a_ratio_whose_denominator_is_always_zero_is_undefined_and_says_why() {
    let model = load("scenarios/box1.toml");
    let s = setup(300, 4, true, None);
    let base = run_base(&model, &s, &quiet).unwrap();
    let sustained = named(&base.run.table, "sustain_26w").expect("a sustained-jobs column");
    assert!(
        sustained.iter().all(|&v| v == 0.0),
        "the premise: no sustained job in any trial"
    );
    let def = variant_at(
        &Knob::TariffScale,
        0.5,
        &model,
        &StructureOptions::default(),
    );
    let v = evaluate(&base, &def, &s, &quiet).unwrap();
    let c = Comparison::new("edge", &s, &base, &[v]);
    let fig = c
        .figures
        .iter()
        .find(|f| f.key == "commissioners.cost_per_sustained_job.ratio_of_means")
        .expect("the figure is reported");
    for cell in &fig.cells {
        assert_eq!(cell.value, None);
        assert_eq!(cell.defined_trials, 0);
        let u = cell.undefined.as_ref().expect("an undefined note");
        assert_eq!(u.trials, 300);
        assert!(u.why.contains("denominator is 0"), "{}", u.why);
    }
    let d = fig.cells[1].difference.as_ref().unwrap();
    assert_eq!(d.value, None);
    let note = d.note.as_deref().unwrap();
    assert!(note.contains("undefined in both runs"), "{note}");
    assert!(!note.contains("quantile"), "{note}");
}

/// On these pilot trials (MHEP 1 with its old evidence haircut, feedback on, 200 trials, pilot
/// seed 20) the block-share-1
/// solve's secant step lands where Staffordshire's spend has just stepped down (a termination), so
/// the last two runs show spend falling with no bracket yet (the premise, asserted: the solve
/// counts its outward steps). The solve searches outward instead of stopping, and the frozen
/// structure then spends as the base does on other trials (seed 21), out of sample, within
/// 4 × √2 paired SEs (the √2: the pilot's own error).
#[test]
fn a_solve_without_a_bracket_searches_outward() {
    let model = mhep1_before_issue12_rates();
    let s = setup(200, 21, true, Some(20));
    let base = run_base(&model, &s, &quiet).unwrap();
    let def = variant_at(&Knob::BlockShare, 1.0, &model, &StructureOptions::default());
    let v = evaluate(&base, &def, &s, &quiet).expect("the solve converges");
    let solve = v.solve.as_ref().unwrap();
    assert_eq!(solve.pilot_seed, 20);
    assert!(solve.outward_steps > 0, "the premise: {solve:?}");
    for c in &solve.commissioners {
        let se = c.check_se.unwrap();
        assert!(
            c.check_difference.abs() <= 4.0 * std::f64::consts::SQRT_2 * se + 1e-6,
            "{}: {} ± {se}",
            c.commissioner,
            c.check_difference
        );
    }
}

/// A pilot seed equal to the run's seed would fit the structures to the trials that judge them:
/// refused before any trial runs.
#[test]
fn a_pilot_on_the_runs_own_trials_is_refused() {
    let model = load("scenarios/mhep1.toml");
    let e = run_base(&model, &setup(50, 7, true, Some(7)), &quiet).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("--pilot-seed") && text.contains("the pilot seed 7 is the run's seed"),
        "{text}"
    );
}
