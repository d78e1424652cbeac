//! Load MHEP 1's business case, change one tariff, rerun, and read the paired difference.
//!
//! The question: had Tower Hamlets CCG paid £1,000 per engagement instead of £700 (001 §3.5.1),
//! how much better off would its provider have been, and at what cost to the CCG? Both runs use
//! the same seed, and changing a payment rule leaves every delivery draw where it was (common
//! random numbers), so the trial-by-trial differences are the tariff's effect — directly, and
//! through the provider's cash: MHEP 1's providers fall into distress, which cuts delivery, so more
//! income can also change what is delivered (the margin's difference is not exactly the extra
//! payment for that reason).
//!
//! Run with `cargo run --release --example change_tariff`.

use sibsim::analysis::quantile_sorted;
use sibsim::scenario::Pricing;
use sibsim::{Results, Scenario, Simulation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let before = Scenario::load("scenarios/mhep1.toml")?;
    let mut after = before.clone();
    after.set_tariff("commissioner_engagement", Pricing::Flat(1_000.0))?;

    let run = |model| Simulation::new(model).trials(5_000).seed(2016).run();
    let (base, changed) = (run(&before)?, run(&after)?);

    println!(
        "{:<52} {:>12} {:>12} {:>12} {:>10}",
        "paired difference, after − before", "mean", "P10", "P90", "± MCSE"
    );
    for name in [
        "site.tower_hamlets.provider.margin",
        "payments.by_payer.tower_hamlets_ccg",
        "commissioning.tower_hamlets_ccg.cost_per_job_start",
    ] {
        paired(&base, &changed, name)?;
    }
    let margin = |r: &Results| {
        r.metric("site.tower_hamlets.provider.margin")
            .map(|m| m.p50())
    };
    let (m0, m1) = (margin(&base)?, margin(&changed)?);
    println!("Tower Hamlets provider margin, median: £{m0:.0} → £{m1:.0}");
    Ok(())
}

/// Per-trial differences of metric `name` between two runs with the same seed.
fn paired(base: &Results, changed: &Results, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = (base.column(name)?, changed.column(name)?);
    let mut d: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| y - x)
        .filter(|x| !x.is_nan())
        .collect();
    d.sort_by(f64::total_cmp);
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let (p10, p90) = (quantile_sorted(&d, 0.1), quantile_sorted(&d, 0.9));
    println!(
        "{name:<52} {mean:>12.2} {p10:>12.2} {p90:>12.2} {:>10.2}",
        sd / n.sqrt()
    );
    Ok(())
}
