//! `sibsim evidence` and `sibsim calibrate` on the terminal: the library's figures as a table, and
//! each calibrated quantity with its fits as the specs a scenario would hold.

use crate::distributions::DistSpec;
use crate::evidence::results::{Calibration, Eventual, Fitted, Listing};
use crate::report::table::{Align, Table};

/// Every figure: key, value (with its denominator), unit, source.
pub(super) fn listing(l: &Listing) -> String {
    let mut out = format!("{} figures in {}\n\n", l.figures.len(), l.source);
    let mut table = Table::new(&[Align::Left, Align::Right, Align::Left, Align::Left]);
    table.row(["key", "value", "unit", "source"]);
    for f in &l.figures {
        let value = match f.of {
            Some(of) => format!("{} of {}", f.value, of),
            None => f.value.to_string(),
        };
        table.row([f.key.clone(), value, f.unit.clone(), f.source.clone()]);
    }
    table.render_into(&mut out);
    out
}

/// One fit: mean, P10 – P90, and the spec.
fn fit(f: &Fitted, spec: &str) -> String {
    format!("{:.3}, {:.3} – {:.3}   {}", f.mean, f.p10, f.p90, spec)
}

/// A value's lognormal fit as a scenario's inline table (to 3 decimals; the rates' specs come
/// with the result, to 4).
fn value_spec(d: &DistSpec) -> String {
    match d {
        DistSpec::Lognormal { mean, sd } => {
            format!("{{ dist = \"lognormal\", mean = {mean:.3}, sd = {sd:.3} }}")
        }
        other => format!("{other:?}"),
    }
}

/// A provider's eventual rate: mean (P10 – P90), or the reason it has no interval.
fn eventual(e: &Eventual) -> String {
    match &e.undefined {
        None => format!("{:.3} ({:.3} – {:.3})", e.mean, e.p10, e.p90),
        Some(why) => format!("{:.3} (no interval: {why})", e.mean),
    }
}

/// Each rate (per provider: the ratio seen in its window, the window, the time to job, the
/// exposure and the eventual rate; then both fits of the eventual rate), then each per-provider
/// quantity: the observed values and both fits.
pub(super) fn calibration(c: &Calibration) -> String {
    let mut out = format!(
        "Rates calibrated from {} for their eventual values (mean, P10 – P90); \
         eventual = observed / exposure, the chance that an eventual outcome falls in the provider's window\n",
        c.source
    );
    for r in &c.rates {
        let spec = |f: &Fitted| f.spec.clone().unwrap_or_default();
        out.push_str(&format!("\n{} — {}\n", r.name, r.what));
        let mut table = Table::new(&[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ]);
        table.row([
            "  provider",
            "observed",
            "window",
            "time to job",
            "exposure",
            "eventual (P10 – P90)",
        ]);
        for s in &r.sites {
            table.row([
                format!("  {}", s.key),
                format!("{}/{} = {:.3}", s.successes, s.trials, s.observed),
                format!("{} mo", s.window_months),
                format!("{:.1} mo", s.time_to_job_months),
                format!("{:.3} ± {:.3}", s.exposure, s.exposure_sd),
                eventual(&s.eventual),
            ]);
        }
        table.render_into(&mut out);
        out.push_str(&format!(
            "  pooled:   {}\n  new site: {}\n",
            fit(&r.pooled, &spec(&r.pooled)),
            fit(&r.new_site, &spec(&r.new_site)),
        ));
    }
    for v in &c.values {
        let observed: Vec<String> = v.sites.iter().map(|s| format!("{:.3}", s.value)).collect();
        out.push_str(&format!(
            "\n{} — {} ({})\n  sites: {}\n  pooled:   {}\n  new site: {}\n",
            v.name,
            v.what,
            v.unit,
            observed.join(", "),
            fit(&v.pooled, &value_spec(&v.pooled.dist)),
            fit(&v.new_site, &value_spec(&v.new_site.dist)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::results::ListedFigure;

    #[test]
    fn listing_exact_text() {
        let figure = |key: &str, value: f64, of: Option<f64>, unit: &str| ListedFigure {
            key: key.into(),
            value,
            of,
            unit: unit.into(),
            source: "000 Table 4.1".into(),
            note: None,
        };
        let l = Listing {
            figures: vec![
                figure("bit2020.engaged_p1", 120.0, Some(300.0), "people"),
                figure("mhep.ratio", 0.55, None, "ratio"),
            ],
            source: "evidence".into(),
        };
        assert_eq!(
            listing(&l),
            "2 figures in evidence\n\n\
             key                      value  unit    source\n\
             bit2020.engaged_p1  120 of 300  people  000 Table 4.1\n\
             mhep.ratio                0.55  ratio   000 Table 4.1\n"
        );
    }
}
