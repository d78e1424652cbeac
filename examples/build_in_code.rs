//! Build a scenario in code, run it, and compare three block shares for the same service.
//!
//! A commissioner's question: if we pay the provider more as a block and less per job start, how
//! does the provider's risk of a loss change? Delivery draws use the same streams in every variant
//! (common random numbers), so the differences are the payment structure, not noise.
//!
//! Run with `cargo run --release --example build_in_code`.

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
    println!("block share | job starts P50 | provider margin P10 / P50 | P(provider loss)");
    for share in [0.5, 0.75, 0.9] {
        let model = scenario(share)?;
        let results = Simulation::new(&model).trials(5_000).seed(42).run()?;
        let starts = results.metric("job_starts")?.p50();
        let margin = results.metric("provider.margin")?;
        let p_loss = results.probability("provider_loss")?.p * 100.0;
        let (pct, low, mid) = (share * 100.0, margin.p10(), margin.p50());
        println!("{pct:>10.0}% | {starts:>14.0} | {low:>11.0} / {mid:>11.0} | {p_loss:>15.1}%");
    }
    Ok(())
}
