//! One evidence haircut (issue 12, item 2). The MHEP 1 sustainment rates are calibrated on
//! 000_a181213f7b897744.txt Table 4.1, whose 6-week and 6-month counts are evidenced outcomes
//! (claims), so the scenarios built on them pay on exactly the sustainments they simulate: no
//! second cut by `p_evidence`. The reasoning and citations are in `scenarios/mhep1.toml`
//! (Staffordshire's `p_evidence`).

use sibsim::error::Error;
use sibsim::evidence::Library;
use sibsim::{Scenario, Simulation};

fn library() -> Library {
    Library::load("evidence".as_ref()).expect("the bundled library is valid")
}

/// `(successes, trials)` of a `beta_counts` input.
fn counts(doc: &toml::Table, site: &str, input: &str) -> (f64, f64) {
    let spec = &doc["sites"][site]["delivery"][input];
    assert_eq!(spec["dist"].as_str(), Some("beta_counts"), "{site}.{input}");
    let n = |k: &str| spec[k].as_integer().unwrap() as f64;
    (n("successes"), n("trials"))
}

/// The sustainment rates of both MHEP 1 files are the library's Table 4.1 counts of the matched
/// provider (Staffordshire = P5, Tower Hamlets = P2, Haringey = P1, its 6-month rate pooled over
/// P1, P2 and P5): the evidenced counts that `p_evidence = 1` rests on.
#[test]
fn the_mhep1_sustainment_rates_are_the_librarys_evidenced_counts() {
    let lib = library();
    let v = |k: &str| lib.get(&format!("bit2020.{k}")).unwrap().value;
    let of = |k: &str| lib.get(&format!("bit2020.{k}")).unwrap().of.unwrap();
    for file in ["scenarios/mhep1.toml", "scenarios/mhep1_reset.toml"] {
        let doc: toml::Table = std::fs::read_to_string(file).unwrap().parse().unwrap();
        for (site, p) in [("staffordshire", 5), ("tower_hamlets", 2), ("haringey", 1)] {
            let six_week = format!("six_week_p{p}");
            assert_eq!(
                counts(&doc, site, "p_6w"),
                (v(&six_week), of(&six_week)),
                "{file} {site}"
            );
            let six_month = if site == "haringey" {
                (
                    v("six_month_p125"),
                    v("six_week_p1") + v("six_week_p2") + v("six_week_p5"),
                )
            } else {
                (v(&format!("six_month_p{p}")), v(&six_week))
            };
            assert_eq!(counts(&doc, site, "p_26w"), six_month, "{file} {site}");
        }
    }
    // The pooled 6-month denominator is Table 4.1's: 42 + 127 + 97 six-week outcomes.
    assert_eq!(
        v("six_week_p1") + v("six_week_p2") + v("six_week_p5"),
        266.0
    );
    // 001 §3.5.4: "Payments were made for all outcomes and outputs achieved".
    assert_eq!(lib.get("mhep1.outcomes_paid_share").unwrap().value, 1.0);
}

/// In every trial and at every site, the claimable 6- and 26-week counts (what the tariffs pay on)
/// are the simulated sustainments themselves, in each bundled scenario whose rates come from
/// Table 4.1; and there are sustainments to compare, so the equality is not of zeros.
#[test]
fn the_bundled_scenarios_pay_on_the_sustainments_they_simulate() -> Result<(), Error> {
    for file in [
        "scenarios/mhep1.toml",
        "scenarios/mhep1_reset.toml",
        "scenarios/ips_new_service.toml",
    ] {
        let model = Scenario::load(file)?;
        let r = Simulation::new(&model).trials(200).seed(12).run()?;
        let sites: Vec<String> = r
            .metric_names()
            .iter()
            .filter_map(|n| n.strip_prefix("site.")?.strip_suffix(".claimable_6w"))
            .map(|s| format!("site.{s}."))
            .chain(std::iter::once(String::new()))
            .collect();
        assert!(sites.len() >= 2, "{file}: {sites:?}");
        for prefix in &sites {
            for weeks in ["6w", "26w"] {
                let happened = r.column(&format!("{prefix}sustain_{weeks}"))?;
                let claimable = r.column(&format!("{prefix}claimable_{weeks}"))?;
                assert_eq!(claimable, happened, "{file} {prefix}{weeks}");
                assert!(happened.iter().sum::<f64>() > 0.0, "{file} {prefix}{weeks}");
            }
        }
    }
    Ok(())
}
