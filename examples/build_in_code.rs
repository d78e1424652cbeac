//! Build a scenario in code, run it, and compare three block shares for the same service.
//!
//! A commissioner's question: if we pay the provider more as a block and less per job start, how
//! does the provider's risk of a loss change? Delivery draws use the same streams in every variant
//! (common random numbers), so the differences are the payment structure, not noise.
//!
//! Run with `cargo run --release --example build_in_code`.

use std::collections::BTreeMap;

use sibsim::analysis::summarise;
use sibsim::distributions::{DistSpec, Input};
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::raw::*;
use sibsim::scenario::validate_raw;

fn party(role: &str) -> RawParty {
    RawParty {
        role: role.into(),
        ..RawParty::default()
    }
}

/// One IPS site for three years; the quarterly block pays `block_share` of an expected £780k and
/// the job-start tariff is scaled so the expected total stays about the same.
fn scenario(block_share: f64) -> RawScenario {
    let total = 780_000.0;
    let expected_starts = 120.0;
    let quarters = 12;
    let delivery = RawDelivery {
        referrals_per_month: Input::Dist(DistSpec::Pert {
            min: 15.0,
            mode: 22.0,
            max: 30.0,
            lambda: 4.0,
        }),
        referral_dispersion: None,
        ramp_months: Some(6.0.into()),
        p_engage: Input::Dist(DistSpec::BetaMean {
            mean: 0.6,
            sd: 0.08,
        }),
        caseload_per_es: 20.0.into(),
        excess_referrals: "wait".into(),
        wait_dropout: Some(0.2.into()),
        // Pooled BIT job-start rate, 000_a181213f7b897744.txt Table 4.1: 590 of 1,926 engaged.
        p_job_start: Input::Dist(DistSpec::BetaCounts {
            successes: 590.0,
            trials: 1926.0,
        }),
        time_to_job_months: 4.0.into(),
        months_on_caseload_without_job: 5.0.into(),
        share_ge16: 0.75.into(),
        p_6w: 0.7.into(),
        p_26w: 0.6.into(),
        p_evidence: 0.8.into(),
    };
    let site = RawSite {
        provider: "provider".into(),
        commissioner: "council".into(),
        start: "2027-04".into(),
        end: "2030-03".into(),
        delivery,
        staffing: RawStaffing {
            es_posts: 5.0.into(),
            team_leaders: Some(1.0.into()),
            turnover_per_month: 0.02.into(),
            months_to_fill: 3.0.into(),
        },
        costs: RawCosts {
            es_salary: 27_000.0.into(),
            team_leader_salary: Some(35_000.0.into()),
            on_cost_rate: 0.25.into(),
            overheads_per_month: Some(2_500.0.into()),
            recruitment_cost_per_hire: Some(3_000.0.into()),
            opening_cash: Some(50_000.0.into()),
        },
        plan: BTreeMap::new(),
        distress: None,
        termination: None,
    };
    RawScenario {
        name: format!("new IPS service, {:.0}% block", block_share * 100.0),
        description: None,
        simulation: RawSimulation {
            trials: Some(5_000),
            seed: Some(42),
            horizon_months: 36,
            start: "2027-04".into(),
            quantiles: None,
        },
        parties: BTreeMap::from([
            ("council".into(), party("commissioner")),
            ("provider".into(), party("provider")),
        ]),
        sites: BTreeMap::from([("borough".into(), site)]),
        tariffs: vec![RawTariff {
            name: "job_start".into(),
            payer: Some("site.commissioner".into()),
            payee: Some("site.provider".into()),
            event: "job_start".into(),
            band: None,
            amount: Some(total * (1.0 - block_share) / expected_starts),
            ..RawTariff::default()
        }],
        blocks: vec![RawBlock {
            name: "quarterly_block".into(),
            payer: Some("council".into()),
            payee: Some("provider".into()),
            site: "borough".into(),
            amount: total * block_share / quarters as f64,
            months: (0..quarters)
                .map(|q| format!("{}-{:02}", 2027 + (3 + 3 * q) / 12, (3 + 3 * q) % 12 + 1))
                .collect(),
            ..RawBlock::default()
        }],
        ..RawScenario::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("block share | job starts P50 | provider margin P10 / P50 | P(provider loss)");
    for share in [0.5, 0.75, 0.9] {
        let model = validate_raw("<code>", &scenario(share))?;
        let table = run(&model, &RunOptions::default(), &|_| {})?;
        let s = summarise(&table, &model.name, model.settings.seed, 0.1, 0.9);
        let metric = |name: &str| {
            &s.metrics
                .iter()
                .find(|(n, _)| n == name)
                .expect("metric exists")
                .1
        };
        let p_loss = s
            .probabilities
            .iter()
            .find(|(n, _)| n == "provider_loss")
            .expect("flag exists")
            .1
            .p;
        let (starts, margin) = (metric("job_starts"), metric("provider.margin"));
        println!(
            "{:>10.0}% | {:>14.0} | {:>11.0} / {:>11.0} | {:>15.1}%",
            share * 100.0,
            starts.median,
            margin.low,
            margin.median,
            p_loss * 100.0
        );
    }
    Ok(())
}
