//! The library API as a user meets it: `Scenario` (load, parse, build), `Simulation` and
//! `Results`.

use std::sync::atomic::{AtomicU64, Ordering};

use sibsim::distributions::DistSpec;
use sibsim::error::Error;
use sibsim::scenario::{Param, Pricing};
use sibsim::{
    BlockSpec, Event, Results, Role, Scenario, Simulation, SiteSpec, TariffSpec, YearMonth,
};

const START: YearMonth = YearMonth::new(2027, 4);
const END: YearMonth = YearMonth::new(2030, 3);

fn site() -> SiteSpec {
    SiteSpec::new("borough", "provider", "council", START, END)
        .referrals_per_month(DistSpec::pert(15.0, 22.0, 30.0))
        .ramp_months(6.0)
        .p_engage(DistSpec::beta_mean(0.6, 0.08))
        .wait_dropout(0.2)
        .p_job_start(DistSpec::beta_counts(590.0, 1926.0))
        .time_to_job_months(4.0)
        .months_on_caseload_without_job(5.0)
        .share_ge16(0.75)
        .p_6w(0.7)
        .p_26w(0.6)
        .p_evidence(0.8)
        .es_posts(5.0)
        .team_leaders(1.0)
        .turnover_per_month(0.02)
        .months_to_fill(3.0)
        .es_salary(27_000.0)
        .team_leader_salary(35_000.0)
        .on_cost_rate(0.25)
        .overheads_per_month(2_500.0)
        .recruitment_cost_per_hire(3_000.0)
        .opening_cash(50_000.0)
}

fn built() -> Result<Scenario, Error> {
    Scenario::builder("ips", START, 36)
        .trials(400)
        .seed(11)
        .party("council", Role::Commissioner)
        .party("provider", Role::Provider)
        .site(site())
        .tariff(TariffSpec::flat("job_start", Event::JobStart, 3_250.0))
        .block(BlockSpec::new(
            "quarterly_block",
            "borough",
            32_500.0,
            (0..12).map(|q| START.plus(3 * q)),
        ))
        .build()
}

/// The same scenario as `built()`, as a file would say it.
const TOML: &str = r#"
name = "ips"
[simulation]
trials = 400
seed = 11
horizon_months = 36
start = "2027-04"
[parties.council]
role = "commissioner"
[parties.provider]
role = "provider"
[sites.borough]
provider = "provider"
commissioner = "council"
start = "2027-04"
end = "2030-03"
[sites.borough.delivery]
referrals_per_month = { dist = "pert", min = 15, mode = 22, max = 30 }
ramp_months = 6
p_engage = { dist = "beta_mean", mean = 0.6, sd = 0.08 }
caseload_per_es = 20
excess_referrals = "wait"
wait_dropout = 0.2
p_job_start = { dist = "beta_counts", successes = 590, trials = 1926 }
time_to_job_months = 4
months_on_caseload_without_job = 5
share_ge16 = 0.75
p_6w = 0.7
p_26w = 0.6
p_evidence = 0.8
[sites.borough.staffing]
es_posts = 5
team_leaders = 1
turnover_per_month = 0.02
months_to_fill = 3
[sites.borough.costs]
es_salary = 27000
team_leader_salary = 35000
on_cost_rate = 0.25
overheads_per_month = 2500
recruitment_cost_per_hire = 3000
opening_cash = 50000
[[tariffs]]
name = "job_start"
payer = "site.commissioner"
payee = "site.provider"
event = "job_start"
amount = 3250
[[blocks]]
name = "quarterly_block"
payer = "site.commissioner"
payee = "site.provider"
site = "borough"
amount = 32500
months = ["2027-04", "2027-07", "2027-10", "2028-01", "2028-04", "2028-07", "2028-10", "2029-01",
          "2029-04", "2029-07", "2029-10", "2030-01"]
"#;

/// Every value of a run, to the bit (NaN included), and its summary.
fn fingerprint(r: &Results) -> (Vec<u64>, String) {
    let t = r.table();
    let bits = (0..t.trials)
        .flat_map(|i| t.row(i))
        .map(|x| x.to_bits())
        .collect();
    (bits, format!("{:?}", r.summary()))
}

#[test]
fn built_scenario_runs_as_the_same_file() -> Result<(), Error> {
    let from_code = built()?;
    let from_file = Scenario::from_str("ips.toml", TOML)?;
    let a = Simulation::new(&from_code).run()?;
    let b = Simulation::new(&from_file).run()?;
    assert_eq!(a.trials(), 400);
    assert_eq!(a.seed(), 11);
    assert_eq!(a.metric_names(), b.metric_names());
    assert_eq!(fingerprint(&a), fingerprint(&b));
    Ok(())
}

#[test]
fn builder_refuses_invalid_values_naming_the_field() {
    let bad = Scenario::builder("bad", START, 36)
        .party("council", Role::Commissioner)
        .party("provider", Role::Provider)
        .site(site().p_engage(1.5).input(Param::EsSalary, -1.0))
        .build();
    let Err(Error::InvalidScenario(errors)) = bad else {
        panic!("expected InvalidScenario, got {bad:?}");
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "sites.borough.delivery.p_engage",
            "sites.borough.costs.es_salary"
        ]
    );

    let month_13 = Scenario::builder("bad", YearMonth::new(2027, 13), 36).build();
    let Err(Error::InvalidScenario(errors)) = month_13 else {
        panic!("expected InvalidScenario, got {month_13:?}");
    };
    assert_eq!(errors.0[0].field, "simulation.start");
}

#[test]
fn builder_lists_every_missing_input() {
    let bare = SiteSpec::new("borough", "provider", "council", START, END).p_engage(0.5);
    let err = Scenario::builder("bare", START, 36)
        .party("council", Role::Commissioner)
        .party("provider", Role::Provider)
        .site(bare)
        .build()
        .expect_err("inputs are missing");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "<code>:1:1: sites.borough.delivery.referrals_per_month: missing input; set it with SiteSpec::referrals_per_month\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("12 problems found; nothing was simulated"),
        "{text}"
    );
}

#[test]
fn one_or_four_threads_give_identical_results() -> Result<(), Error> {
    let model = Scenario::load("scenarios/mhep1.toml")?;
    let one = Simulation::new(&model)
        .trials(300)
        .seed(5)
        .threads(1)
        .run()?;
    let four = Simulation::new(&model)
        .trials(300)
        .seed(5)
        .threads(4)
        .run()?;
    assert_eq!(fingerprint(&one), fingerprint(&four));
    Ok(())
}

#[test]
fn metric_figures_are_the_summary_figures() -> Result<(), Box<dyn std::error::Error>> {
    let model = Scenario::load("scenarios/mhep1.toml")?;
    let r = Simulation::new(&model).trials(300).seed(9).run()?;
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let [low, _, high] = r.summary().quantiles;
    for (name, s) in &r.summary().metrics {
        let m = r.metric(name)?;
        assert_eq!(m.name(), name);
        assert!(
            same(m.mean(), s.mean) && same(m.sd(), s.sd) && same(m.mcse(), s.mcse),
            "{name}"
        );
        if name == "investor.irr" {
            // The summary's IRR quantiles are over all trials, those with no IRR ranked lowest
            // (`Metric::quantile` is over the trials with an IRR): check them against the ranking.
            let col = |n: &str| r.column(n);
            let ranked = sibsim::analysis::summary::irr_quantiles_all_trials(
                &col("investor.irr")?,
                &col("investor.multiple")?,
                &col("investor.returned")?,
                r.summary().quantiles,
            );
            for (q, figure) in ranked.iter().zip([s.low, s.median, s.high]) {
                match q {
                    sibsim::analysis::summary::RankedQuantile::Value(v) => {
                        assert!((v - figure).abs() <= 1e-7 * v.abs(), "{v} vs {figure}")
                    }
                    _ => assert!(figure.is_nan()),
                }
            }
            continue;
        }
        if let Some(basis) = name.strip_prefix("investor.loan.irr_") {
            // The loan's IRRs too, ranked by the loan's own multiple: (interest + principal
            // repaid, + outstanding when owed) ÷ drawn, none where nothing was drawn.
            let col = |n: &str| r.column(n);
            let (drawn, interest) = (
                col("investor.loan.drawn")?,
                col("investor.loan.interest_paid")?,
            );
            let (repaid, outstanding) = (
                col("investor.loan.principal_repaid")?,
                col("investor.loan.outstanding")?,
            );
            let owed = if basis == "owed" { 1.0 } else { 0.0 };
            let returned: Vec<f64> = (0..drawn.len())
                .map(|t| interest[t] + repaid[t] + owed * outstanding[t])
                .collect();
            let multiple: Vec<f64> = (0..drawn.len())
                .map(|t| {
                    if drawn[t] > 0.0 {
                        returned[t] / drawn[t]
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let ranked = sibsim::analysis::summary::irr_quantiles_all_trials(
                &col(name)?,
                &multiple,
                &returned,
                r.summary().quantiles,
            );
            for (q, figure) in ranked.iter().zip([s.low, s.median, s.high]) {
                match q {
                    sibsim::analysis::summary::RankedQuantile::Value(v) => {
                        assert!(
                            (v - figure).abs() <= 1e-7 * v.abs(),
                            "{name}: {v} vs {figure}"
                        )
                    }
                    _ => assert!(figure.is_nan(), "{name}"),
                }
            }
            continue;
        }
        assert!(same(m.quantile(low), s.low), "{name} low");
        assert!(same(m.p50(), s.median), "{name} median");
        assert!(same(m.quantile(high), s.high), "{name} high");
    }
    // The scenario's quantiles are the default P10 / P90.
    let starts = r.metric("job_starts")?;
    assert_eq!(
        (starts.p10(), starts.p90()),
        (starts.summary().low, starts.summary().high)
    );
    for (name, p) in &r.summary().probabilities {
        assert_eq!(r.probability(name)?, *p);
        let col = r.column(name)?;
        assert_eq!(col.iter().sum::<f64>() / col.len() as f64, p.p);
    }
    let t = r.trial(17).expect("trial 17 exists");
    assert_eq!(t.get("engagements"), Some(r.column("engagements")?[17]));
    assert_eq!(t.get("no_such_metric"), None);
    assert!(r.trial(300).is_none());
    Ok(())
}

#[test]
fn unknown_names_are_errors_listing_close_names() -> Result<(), Error> {
    let model = Scenario::load("scenarios/box1.toml")?;
    let r = Simulation::new(&model).trials(50).run()?;
    let err = r.metric("job_sarts").expect_err("no such metric");
    assert_eq!(
        err.to_string(),
        "no metric or input named \"job_sarts\"; did you mean job_starts?"
    );
    let err = r.metric("provider_loss").expect_err("a flag, not a metric");
    assert_eq!(
        err.to_string(),
        "no metric or input named \"provider_loss\"; \"provider_loss\" is a flag: use probability(\"provider_loss\")"
    );
    let err = r.probability("xyzzy").expect_err("no such flag");
    assert_eq!(
        err.to_string(),
        "no flag named \"xyzzy\"; see the metric names in README.md"
    );
    assert!(r.column("xyzzy").is_err());
    Ok(())
}

/// The recorded inputs are reachable by name like the metrics: per trial, as a column and
/// summarised, agreeing with the trial table's own record and with the summary's `inputs`.
#[test]
fn recorded_inputs_by_name() -> Result<(), Error> {
    use sibsim::analysis::inputs::summarise_inputs;
    use sibsim::engine::table::F32_RELATIVE_ERROR;
    let model = Scenario::load("scenarios/mhep1.toml")?;
    let r = Simulation::new(&model).trials(300).seed(4).run()?;
    let name = "input.haringey.p_engage";
    assert!(r.input_names().iter().any(|n| n == name));
    let col = r.column(name)?;
    assert_eq!(Some(&col), r.table().inputs.get(name).as_ref());
    assert_eq!(r.trial(17).and_then(|t| t.get(name)), Some(col[17]));
    let m = r.metric(name)?;
    // The column is held to f32 precision; the mean is of the exact draws.
    let mean = col.iter().sum::<f64>() / col.len() as f64;
    assert!((m.mean() - mean).abs() <= 2.0 * F32_RELATIVE_ERROR * mean.abs());
    let (lo, hi) = (0.1, 0.9);
    let figures = summarise_inputs(&r.table().inputs, lo, hi);
    let f = &figures
        .iter()
        .find(|(n, _)| n == name)
        .expect("summarised")
        .1;
    assert_eq!((m.p10(), m.p50(), m.p90()), (f.low, f.median, f.high));
    // Probabilities are drawn in (0, 1): a sanity check that this is the drawn rate.
    assert!(col.iter().all(|&x| x > 0.0 && x < 1.0));
    Ok(())
}

#[test]
fn observers_see_every_trial() -> Result<(), Error> {
    let model = Scenario::load("scenarios/box1.toml")?;
    let most = AtomicU64::new(0);
    let r = Simulation::new(&model)
        .trials(200)
        .observe(|done, total| {
            assert_eq!(total, 200);
            most.fetch_max(done, Ordering::Relaxed);
        })
        .run()?;
    assert_eq!(r.trials(), 200);
    assert_eq!(most.load(Ordering::Relaxed), 200);
    Ok(())
}

#[test]
fn bad_run_options_are_refused() -> Result<(), Error> {
    let model = Scenario::load("scenarios/box1.toml")?;
    let err = Simulation::new(&model)
        .trials(0)
        .run()
        .expect_err("zero trials");
    assert!(matches!(err, Error::InvalidOption { .. }));
    let err = Simulation::new(&model)
        .quantiles(0.6, 0.9)
        .run()
        .expect_err("low above median");
    assert_eq!(
        err.to_string(),
        "invalid quantiles: 0.6 and 0.9; expected 0 < low < 0.5 < high < 1, e.g. 0.1 and 0.9"
    );
    Ok(())
}

#[test]
fn a_changed_tariff_changes_only_payments() -> Result<(), Box<dyn std::error::Error>> {
    let before = built()?;
    let mut after = before.clone();
    after.scale_tariff("job_start", 2.0)?;
    let (a, b) = (
        Simulation::new(&before).trials(200).run()?,
        Simulation::new(&after).trials(200).run()?,
    );
    // Common random numbers: delivery is the same trial by trial, the tariff's pay doubles.
    assert_eq!(a.column("job_starts")?, b.column("job_starts")?);
    let (pa, pb) = (
        a.column("payments.by_rule.job_start")?,
        b.column("payments.by_rule.job_start")?,
    );
    assert!(pa.iter().zip(&pb).all(|(x, y)| *y == 2.0 * x));

    after.set_tariff(
        "job_start",
        Pricing::Tiers(vec![(Some(20), 4_000.0), (None, 2_000.0)]),
    )?;
    let err = after
        .scale_tariff("jobstart", 2.0)
        .expect_err("no such tariff");
    assert_eq!(
        err.to_string(),
        "invalid tariff: there is no tariff named \"jobstart\"; expected one of: job_start"
    );
    assert!(after.scale_tariff("job_start", -1.0).is_err());
    assert!(after.scale_tariff("job_start", 1e300).is_err());
    assert!(after
        .set_tariff(
            "job_start",
            Pricing::Tiers(vec![(None, 1.0), (Some(3), 2.0)])
        )
        .is_err());
    Ok(())
}

#[test]
fn builder_covers_finance_caps_and_variations() -> Result<(), Error> {
    use sibsim::scenario::builder::{Compounding, DrawdownSpec, RepaymentSpec};
    use sibsim::scenario::{Band, CapScope, Lag};
    use sibsim::{CapSpec, FinanceSpec, PartySpec};
    let model = Scenario::builder("sib", START, 36)
        .party("council", Role::Commissioner)
        .party("provider", Role::Provider)
        .party("spv", Role::Spv)
        .party("bank", Role::Investor)
        .party_with(
            PartySpec::new("fund", Role::OutcomePayer)
                .budget(200_000.0)
                .max_share(0.5),
        )
        .site(site().plan("engagements", 400.0))
        .tariff(TariffSpec::flat("engage", Event::Engagement, 700.0).payee("spv"))
        .tariff(
            TariffSpec::tiered(
                "sustain",
                Event::Sustain26w,
                &[(Some(20), 3_850.0), (None, 1_600.0)],
            )
            .payer("fund")
            .payee("spv")
            .band(Band::Ge16)
            .lag(Lag::Quarterly)
            .window(START, YearMonth::new(2029, 3)),
        )
        .tariff(
            TariffSpec::flat("engage_reset", Event::Engagement, 900.0)
                .payee("spv")
                .rule_set("reset"),
        )
        .variation(YearMonth::new(2028, 4), "reset", &[])
        .cap(CapSpec::money("fund_cap", CapScope::Contract, 150_000.0, &[]).payer("fund"))
        .finance(
            FinanceSpec::new("spv", "bank")
                .equity(40_000.0)
                .loan(360_000.0, 0.08)
                .compounding(Compounding::Annual)
                .drawdown(DrawdownSpec::AsNeeded)
                .repayment(RepaymentSpec::Schedule(vec![(END, 360_000.0)]))
                .costs(5_000.0, 1_000.0, DistSpec::pert(0.0, 500.0, 1_000.0)),
        )
        .plan("engagements", 400.0)
        .build()?;
    assert_eq!(model.tariff_names(), ["engage", "sustain", "engage_reset"]);
    assert_eq!((model.caps.len(), model.variations.len()), (1, 1));
    assert!(model.finance.is_some());
    let r = Simulation::new(&model).trials(100).run()?;
    assert!(r.metric("investor.multiple")?.mean() > 0.0);
    Ok(())
}
