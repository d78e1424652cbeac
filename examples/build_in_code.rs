//! Build a scenario in code, run it, and compare three block shares for the same service.
//!
//! A commissioner's question: if we pay the provider more as a block and less per job start, how
//! does the provider's risk of a loss change? The comparison (`sibsim::compare`, the library side
//! of `sibsim compare`) runs every variant on the same trials (common random numbers), moves the
//! block share at the base's expected commissioner spend, and gives each difference from the base
//! with its paired standard error, so the differences are the payment structure, not noise.
//!
//! Run with `cargo run --release --example build_in_code`.

use sibsim::compare::file::{variant_at, StructureOptions};
use sibsim::compare::{self, Comparison, Knob};
use sibsim::distributions::DistSpec;
use sibsim::scenario::Param::*;
use sibsim::{BlockSpec, Event, Role, Scenario, Simulation, SiteSpec, TariffSpec, YearMonth};

/// One IPS site for three years; the quarterly block pays `block_share` of an expected £780k and
/// the job-start tariff is scaled so the expected total stays about the same.
fn scenario(block_share: f64) -> Result<Scenario, sibsim::error::Error> {
    let (start, end) = (YearMonth::new(2027, 4), YearMonth::new(2030, 3));
    let site = SiteSpec::new("borough", "provider", "council", start, end)
        .referrals_per_month(DistSpec::pert(15.0, 22.0, 30.0))
        .p_engage(DistSpec::beta_mean(0.6, 0.08))
        // Pooled BIT job-start rate, 000_a181213f7b897744.txt Table 4.1: 590 of 1,926 engaged.
        .p_job_start(DistSpec::beta_counts(590.0, 1926.0))
        .inputs([(RampMonths, 6.0), (WaitDropout, 0.2), (P6w, 0.7)])
        .inputs([(TimeToJobMonths, 4.0), (MonthsWithoutJob, 5.0)])
        .inputs([(ShareGe16, 0.75), (P26w, 0.6), (PEvidence, 0.8)])
        .inputs([(EsPosts, 5.0), (TeamLeaders, 1.0), (MonthsToFill, 3.0)])
        .inputs([(TurnoverPerMonth, 0.02), (OnCostRate, 0.25)])
        .inputs([(EsSalary, 27_000.0), (TeamLeaderSalary, 35_000.0)])
        .inputs([(OverheadsPerMonth, 2_500.0), (OpeningCash, 50_000.0)])
        .recruitment_cost_per_hire(3_000.0);
    let per_start = 780_000.0 * (1.0 - block_share) / 120.0;
    let per_quarter = 780_000.0 * block_share / 12.0;
    let quarters = (0..12).map(|q| start.plus(3 * q));
    let name = format!("new IPS service, {:.0}% block", block_share * 100.0);
    Scenario::builder(name, start, 36)
        .party("council", Role::Commissioner)
        .party("provider", Role::Provider)
        .site(site)
        .tariff(TariffSpec::flat("job_start", Event::JobStart, per_start))
        .block(BlockSpec::new("block", "borough", per_quarter, quarters))
        .build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = scenario(0.5)?;
    let results = Simulation::new(&model).trials(5_000).seed(42).run()?;
    let starts = results.metric("job_starts")?;
    println!(
        "the base (50% block): job starts P10 {:.0} / P50 {:.0} / P90 {:.0}",
        starts.p10(),
        starts.p50(),
        starts.p90()
    );

    let setup = compare::Setup {
        trials: 5_000,
        seed: 42,
        threads: None,
        feedback: true,
        pilot_seed: None,
    };
    let quiet = |_: &str, _: u64, _: u64| {};
    let base = compare::run_base(&model, &setup, &quiet)?;
    let mut variants = Vec::new();
    for share in [0.25, 0.75, 0.9] {
        let def = variant_at(
            &Knob::BlockShare,
            share,
            &model,
            &StructureOptions::default(),
        );
        variants.push(compare::evaluate(&base, &def, &setup, &quiet)?);
    }
    let c = Comparison::new("block shares", &setup, &base, &variants);
    println!(
        "block share | P(provider loss) | difference from 50% (± paired SE) | variance reduction"
    );
    for v in &variants {
        let cell = c
            .cell("site.borough.provider_loss", &v.name)
            .expect("a figure of every run");
        let d = cell
            .difference
            .as_ref()
            .expect("variants carry a difference");
        let (p, diff, se) = (
            cell.value.unwrap_or(f64::NAN) * 100.0,
            d.value.unwrap_or(f64::NAN) * 100.0,
            d.se_paired.unwrap_or(f64::NAN) * 100.0,
        );
        let vr = d
            .variance_reduction
            .map_or("—".to_string(), |r| format!("×{r:.1}"));
        println!(
            "{:>11} | {p:>15.1}% | {diff:>+21.1} pp ± {se:.1} pp | {vr}",
            v.name
        );
    }
    Ok(())
}
