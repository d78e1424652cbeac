//! The bundled Life Chances Fund scenario, MHEP Tower Hamlets (`003`): it validates and runs at a
//! fixed seed; in every trial its outcome payments are what its tariffs price, cut at the £2.07m
//! maximum (`003` General overview) and never above it; the provider's outcome payments stay within
//! 5% of its contract value; its capital is at least the £300k `003` gives; it holds no plan and no
//! outturn; and `002`'s 32.3% job outcome rate lies inside its simulated range.

use assert_cmd::Command;
use predicates::prelude::*;
use sibsim::engine::{run, RunOptions, TrialTable};
use sibsim::scenario::{load, Band, Event, Limit, Model, Pricing};

const FILE: &str = "scenarios/lcf_tower_hamlets_mh.toml";
/// `003` General overview: "Max potential outcome payment: GBP 2.07m".
const MAX_OUTCOME_PAYMENT: f64 = 2_070_000.0;
/// `003` General overview: "Capital raised (minimum): GBP 300k".
const MIN_CAPITAL: f64 = 300_000.0;

fn model() -> Model {
    load(FILE.as_ref()).expect("the bundled LCF scenario is valid")
}

fn simulate(model: &Model, threads: usize) -> TrialTable {
    let options = RunOptions {
        trials: Some(2000),
        seed: Some(2020),
        threads: Some(threads),
        ..RunOptions::default()
    };
    run(model, &options, &|_| {}).expect("the scenario runs")
}

fn column(table: &TrialTable, name: &str) -> Vec<f64> {
    let j = table
        .metric_index(name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    table.metric_column(j)
}

fn flag_share(table: &TrialTable, name: &str) -> f64 {
    let j = table
        .flag_index(name)
        .unwrap_or_else(|| panic!("no flag {name}"));
    let col = table.flag_column(j);
    col.iter().sum::<f64>() / col.len() as f64
}

/// The metric counting the events a tariff line pays for (claims, for sustainments).
fn counted(event: Event, band: Option<Band>) -> String {
    let base = match event {
        Event::Referral => "referrals",
        Event::Engagement => "engagements",
        Event::JobStart => "job_starts",
        Event::Sustain6w => "claimable_6w",
        Event::Sustain13w => "claimable_13w",
        Event::Sustain26w => "claimable_26w",
    };
    match band {
        None => base.to_string(),
        Some(Band::Lt16) => format!("{base}.lt16"),
        Some(Band::Ge16) => format!("{base}.ge16"),
    }
}

fn cap_index(model: &Model, name: &str) -> usize {
    model
        .caps
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no cap {name}"))
}

#[test]
fn validates_and_runs_at_a_fixed_seed_from_the_command_line() {
    Command::cargo_bin("sibsim")
        .unwrap()
        .args(["validate", FILE])
        .assert()
        .success()
        .stdout(predicate::str::contains(": ok"));
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("sibsim")
        .unwrap()
        .args(["run", FILE, "--trials", "300", "--seed", "2020", "--quiet"])
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["scenario"], "lcf_tower_hamlets_mh");
    assert_eq!(json["trials"], 300);
    assert_eq!(json["seed"], 2020);
}

#[test]
fn the_same_seed_gives_the_same_trials_on_one_and_two_threads() {
    let model = model();
    let (a, b) = (simulate(&model, 1), simulate(&model, 2));
    assert_eq!(a.metric_names, b.metric_names);
    for j in 0..a.metric_names.len() {
        let (x, y) = (a.metric_column(j), b.metric_column(j));
        assert!(
            x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{}",
            a.metric_names[j]
        );
    }
}

/// Every trial: the outcome payers pay exactly what the tariffs price the trial's events at, cut
/// at £2.07m — so never more — and the cut happens in some trials (the cap is not idle).
#[test]
fn outcome_payments_never_exceed_the_maximum_and_the_cap_does_bind() {
    let model = model();
    let cap = cap_index(&model, "max_outcome_payment");
    assert!(
        matches!(model.caps[cap].limit, Limit::Money(m) if m == MAX_OUTCOME_PAYMENT),
        "the cap is 003's £2.07m"
    );
    let lines: Vec<_> = model
        .tariffs
        .iter()
        .filter(|t| t.caps.contains(&cap))
        .collect();
    // The four metrics of 003, each paid by the local commissioner and by the LCF.
    assert_eq!(lines.len(), 8);
    // Every tariff that pays the SPV is under the cap: nothing escapes it.
    let spv = model.finance.as_ref().unwrap().spv;
    assert!(model
        .tariffs
        .iter()
        .filter(|t| t.payee == spv)
        .all(|t| t.caps.contains(&cap)));

    let table = simulate(&model, 2);
    let due_after = column(&table, "payments.due_after_horizon");
    assert!(
        due_after.iter().all(|&x| x == 0.0),
        "all is paid in the horizon"
    );
    let mut priced = vec![0.0; table.trials];
    let mut paid = vec![0.0; table.trials];
    for line in &lines {
        assert_eq!(line.threshold, 0);
        let Pricing::Flat(amount) = line.pricing else {
            panic!("flat tariffs expected")
        };
        let events = column(&table, &counted(line.event, line.band));
        let by_rule = column(
            &table,
            &format!("payments.by_rule.{}", model.rules[line.rule]),
        );
        for t in 0..table.trials {
            priced[t] += amount * events[t];
            paid[t] += by_rule[t];
        }
    }
    let used = column(&table, "caps.max_outcome_payment.used");
    let mut cut = 0;
    for t in 0..table.trials {
        assert!(
            paid[t] <= MAX_OUTCOME_PAYMENT + 1e-6,
            "trial {t}: £{} paid",
            paid[t]
        );
        let expected = priced[t].min(MAX_OUTCOME_PAYMENT);
        assert!(
            (paid[t] - expected).abs() < 1e-6,
            "trial {t}: paid £{}, priced £{}",
            paid[t],
            priced[t]
        );
        assert!((used[t] - paid[t]).abs() < 1e-6, "trial {t}");
        cut += usize::from(priced[t] > MAX_OUTCOME_PAYMENT);
    }
    assert!(
        cut >= table.trials / 20 && cut < table.trials,
        "the cap cuts in {cut} of {} trials",
        table.trials
    );
    let binds = flag_share(&table, "caps.max_outcome_payment.binds");
    assert!((binds - cut as f64 / table.trials as f64).abs() < 1e-12);
}

/// The provider's outcome payments: nothing for the first `threshold` job starts, then the
/// tariff, cut at 5% of its contract value (blocks plus those payments).
#[test]
fn provider_outcome_payments_start_beyond_the_minimum_and_stay_within_five_percent() {
    let model = model();
    let cap = cap_index(&model, "provider_outcomes_5pc");
    let Limit::Money(limit) = model.caps[cap].limit else {
        panic!("a money cap")
    };
    let line = model
        .tariffs
        .iter()
        .find(|t| t.caps.contains(&cap))
        .unwrap();
    let Pricing::Flat(amount) = line.pricing else {
        panic!("a flat tariff")
    };
    assert!(line.threshold > 0, "a minimum threshold (003)");
    let table = simulate(&model, 2);
    let starts = column(&table, "job_starts");
    let paid = column(&table, "payments.by_rule.provider_job_start");
    let block = column(&table, "payments.by_rule.service_block");
    let (mut none, mut full) = (0, 0);
    for t in 0..table.trials {
        let beyond = (starts[t] - line.threshold as f64).max(0.0);
        let expected = (beyond * amount).min(limit);
        assert!((paid[t] - expected).abs() < 1e-6, "trial {t}");
        assert!(paid[t] <= 0.05 * (block[t] + paid[t]) + 1e-6, "trial {t}");
        none += usize::from(paid[t] == 0.0);
        full += usize::from(paid[t] == limit);
    }
    assert!(
        none > 0 && full > 0,
        "{none} trials below the minimum, {full} at 5%"
    );
}

#[test]
fn capital_is_at_least_the_300k_of_003_and_there_is_no_plan_or_outturn() {
    let model = model();
    let finance = model.finance.as_ref().expect("an investor and an SPV");
    assert!(finance.equity + finance.loan >= MIN_CAPITAL);
    assert!(finance.facility >= MIN_CAPITAL);
    // The contract's high-case targets are not public, and the project's outturn is kept back as
    // an independent check of the forecast: neither may be in the file.
    assert!(model.plan.is_empty());
    assert!(model.actuals.is_empty());
}

/// The file's header check: `002`'s 32.3% job outcome rate (job starts per engagement, within
/// the window) lies between the simulated P10 and P90.
#[test]
fn the_lcf_job_outcome_rate_lies_inside_the_simulated_range() {
    let table = simulate(&model(), 2);
    let (starts, engaged) = (column(&table, "job_starts"), column(&table, "engagements"));
    let mut rate: Vec<f64> = starts
        .iter()
        .zip(&engaged)
        .filter(|(_, e)| **e > 0.0)
        .map(|(s, e)| s / e)
        .collect();
    rate.sort_by(f64::total_cmp);
    let at = |p: f64| rate[((rate.len() - 1) as f64 * p).round() as usize];
    assert!(
        at(0.1) < 0.323 && 0.323 < at(0.9),
        "P10 {} P90 {}",
        at(0.1),
        at(0.9)
    );
}
