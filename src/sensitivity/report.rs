//! The outputs of a sensitivity analysis: `sensitivity.json` (the [`Sensitivity`] as is, schema
//! `sibsim.sensitivity/1`), `sensitivity.csv` (long format) and the terminal summary.

use super::analysis::{Bar, Index, Sensitivity, Shift};
use crate::error::ReportError;
use crate::report::table::Table;
use crate::report::terminal::number;
use crate::scenario::units::Unit;

/// Rows of each list the terminal shows (the files hold them all).
pub const TOP: usize = 8;

/// `sensitivity.json`.
///
/// # Errors
/// A serialisation failure.
pub fn to_json(s: &Sensitivity) -> Result<Vec<u8>, ReportError> {
    let mut v = serde_json::to_vec_pretty(s).map_err(|source| ReportError::Json {
        what: "sensitivity",
        source,
    })?;
    v.push(b'\n');
    Ok(v)
}

/// `sensitivity.csv`: one row per figure, long format:
/// `analysis,subject,item,statistic,value,low,high,note`, numbers rounded by unit (a swing in the
/// output's unit, a median shift in the input's, a failure rate as a probability, other
/// statistics to 4 significant figures; [`crate::scenario::units`]); `sensitivity.json` keeps the
/// exact values. `analysis` is `tornado`,
/// `tornado_by_param`, `sobol_first`, `sobol_total` (inputs, groups and `noise` as items),
/// `stress_shift`, `stress_shift_by_param` or `stress_rule`; `subject` the output or event.
///
/// # Errors
/// A CSV failure.
pub fn to_csv(s: &Sensitivity) -> Result<Vec<u8>, ReportError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |source| ReportError::Csv {
        what: "sensitivity",
        source,
    };
    w.write_record([
        "analysis",
        "subject",
        "item",
        "statistic",
        "value",
        "low",
        "high",
        "note",
    ])
    .map_err(err)?;
    // Each statistic rounded by its unit (crate::scenario::units): a swing in the output's unit,
    // a median shift in the input's, a failure rate as a probability, the rest (correlations,
    // indices, KS D, standardised differences) to 4 significant figures.
    let unit_of = |stat: &str, subject: &str, item: &str| match stat {
        "swing" => Unit::of_metric(subject),
        "median_shift" if item.starts_with("input.") => Unit::of_input(item),
        "failure_rate" => Unit::Probability,
        _ => Unit::Number,
    };
    let mut rows: Vec<[String; 8]> = Vec::new();
    let mut row = |a: &str,
                   subj: &str,
                   item: &str,
                   stat: &str,
                   v: Option<f64>,
                   lo: Option<f64>,
                   hi: Option<f64>,
                   note: &str| {
        let unit = unit_of(stat, subj, item);
        let num = |x: Option<f64>| x.map_or(String::new(), |v| unit.cell(v));
        rows.push([
            a.into(),
            subj.into(),
            item.into(),
            stat.into(),
            num(v),
            num(lo),
            num(hi),
            note.into(),
        ]);
    };
    for o in &s.outputs {
        for (kind, bars) in [
            ("tornado", &o.tornado),
            ("tornado_by_param", &o.tornado_by_param),
        ] {
            for b in bars {
                let note = if b.fixed {
                    "fixed: the input does not vary"
                } else {
                    ""
                };
                row(
                    kind,
                    &o.metric,
                    &b.input,
                    "spearman_rho",
                    b.rho,
                    None,
                    None,
                    note,
                );
                row(
                    kind, &o.metric, &b.input, "swing", b.swing, b.low, b.high, note,
                );
            }
        }
        if let Some(sb) = &o.sobol {
            let note = sb.note.as_deref().unwrap_or("");
            let indices = sb.inputs.iter().chain(&sb.groups).chain(sb.noise.as_ref());
            for ix in indices {
                let why = ix.note.as_deref().unwrap_or(note);
                for (kind, e) in [("sobol_first", ix.first), ("sobol_total", ix.total)] {
                    row(
                        kind,
                        &o.metric,
                        &ix.name,
                        "index",
                        e.map(|e| e.value),
                        e.map(|e| e.low),
                        e.map(|e| e.high),
                        why,
                    );
                }
            }
        }
    }
    for st in &s.stress {
        let note = st.note.as_deref().unwrap_or("");
        row(
            "stress",
            &st.event.text,
            "",
            "failure_rate",
            st.rate,
            None,
            None,
            note,
        );
        for (kind, shifts) in [
            ("stress_shift", &st.shifts),
            ("stress_shift_by_param", &st.shifts_by_param),
        ] {
            for sh in shifts {
                row(
                    kind,
                    &st.event.text,
                    &sh.input,
                    "ks",
                    Some(sh.ks),
                    None,
                    None,
                    "",
                );
                row(
                    kind,
                    &st.event.text,
                    &sh.input,
                    "standardised_difference",
                    sh.standardised,
                    None,
                    None,
                    if sh.standardised.is_none() {
                        "both groups constant: the input alone separates them"
                    } else {
                        ""
                    },
                );
                row(
                    kind,
                    &st.event.text,
                    &sh.input,
                    "median_shift",
                    Some(sh.shift),
                    Some(sh.median_other),
                    Some(sh.median_fail),
                    "low = median in other trials, high = in failing trials",
                );
            }
        }
        for r in &st.rules {
            row(
                "stress_rule",
                &st.event.text,
                &r.text,
                "failure_rate",
                Some(r.rate),
                None,
                None,
                &format!(
                    "{} of {} trials",
                    number(r.failing as f64),
                    number(r.trials as f64)
                ),
            );
        }
    }
    for r in &rows {
        w.write_record(r).map_err(err)?;
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        what: "sensitivity",
        source: e.into_error().into(),
    })
}

fn fig(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), figure)
}

/// A figure to about 3 significant digits, thousands separated from 1,000 on.
fn figure(x: f64) -> String {
    if x.abs() >= 1000.0 {
        number(x)
    } else if x == 0.0 {
        "0".into()
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    }
}

fn tornado_table(out: &mut String, title: &str, bars: &[Bar]) {
    out.push_str(title);
    out.push('\n');
    let mut t = Table::names_then_figures(5, 1);
    t.row([
        "input",
        "rank corr.",
        "median, low band",
        "median, high band",
        "swing",
    ]);
    t.rule();
    for b in bars.iter().filter(|b| !b.fixed).take(TOP) {
        t.row([
            b.input.clone(),
            b.rho.map_or_else(|| "—".into(), |r| format!("{r:+.2}")),
            fig(b.low),
            fig(b.high),
            b.swing.map_or_else(
                || "—".into(),
                |s| format!("{}{}", if s > 0.0 { "+" } else { "" }, figure(s)),
            ),
        ]);
    }
    t.render_into(out);
    let fixed = bars.iter().filter(|b| b.fixed).count();
    if fixed > 0 {
        out.push_str(&format!(
            "({fixed} fixed inputs, which drive nothing, not shown)\n"
        ));
    }
}

fn sobol_table(out: &mut String, title: &str, ix: &[Index], confidence: f64) {
    out.push_str(title);
    out.push('\n');
    let mut t = Table::names_then_figures(3, 1);
    let pct = (confidence * 100.0).round();
    t.row([
        "input".to_string(),
        format!("first order ({pct}% interval)"),
        format!("total effect ({pct}% interval)"),
    ]);
    t.rule();
    let sorted = by_first_order(ix);
    let cell = |e: Option<super::analysis::Estimate>, note: &Option<String>| match e {
        Some(e) => format!("{:.3} ({:.3} to {:.3})", e.value, e.low, e.high),
        None => format!("— ({})", note.as_deref().unwrap_or("not estimated")),
    };
    let mut marked = false;
    for i in sorted.into_iter().take(TOP) {
        let mark = i.first.is_some() && i.note.is_some();
        marked |= mark;
        t.row([
            format!("{}{}", i.name, if mark { " *" } else { "" }),
            cell(i.first, &i.note),
            cell(i.total, &i.note),
        ]);
    }
    t.render_into(out);
    if marked {
        out.push_str("* total effect within the delivery randomness it re-draws: an upper bound\n");
    }
}

fn shifts_table(out: &mut String, shifts: &[Shift]) {
    let mut t = Table::names_then_figures(5, 1);
    t.row([
        "input",
        "median, failing",
        "median, others",
        "std. difference",
        "KS D",
    ]);
    t.rule();
    for s in shifts.iter().take(TOP) {
        t.row([
            s.input.clone(),
            figure(s.median_fail),
            figure(s.median_other),
            s.standardised
                .map_or_else(|| "— (constant)".into(), |d| format!("{d:+.2}")),
            format!("{:.3}", s.ks),
        ]);
    }
    t.render_into(out);
}

/// The terminal summary: per output the top of its tornado and of its Sobol indices; per event
/// the inputs that shift most and the rules that describe the failing trials.
/// `ix` largest first-order index first (those without one last), as the table and the Sobol
/// chart rank inputs: a delivery input's total can be inflated by the randomness it re-draws (see
/// the analysis' note), its first order cannot. Ties keep their order.
pub fn by_first_order(ix: &[Index]) -> Vec<&Index> {
    let mut sorted: Vec<&Index> = ix.iter().collect();
    let key = |i: &Index| i.first.map_or(f64::NEG_INFINITY, |e| e.value);
    sorted.sort_by(|a, b| key(b).total_cmp(&key(a)));
    sorted
}

/// The analysis as text, as `sibsim sensitivity` prints it: per output the tornado and Sobol table, per event the shifts and rules.
pub fn render(s: &Sensitivity) -> String {
    let mut out = format!(
        "Sensitivity of {}: {} trials (seed {}) for the tornado and reverse stress",
        s.scenario,
        number(s.trials as f64),
        s.seed
    );
    if let Some(sb) = s.outputs.iter().find_map(|o| o.sobol.as_ref()) {
        out.push_str(&format!(
            "; a pick-freeze design of {} base samples for the Sobol indices",
            number(sb.base_samples as f64)
        ));
    }
    out.push_str(".\n");
    for o in &s.outputs {
        out.push_str(&format!("\n== {} ==\n", o.metric));
        if let Some(u) = &o.undefined {
            out.push_str(&format!(
                "undefined in {} of {} trials, left out: {}\n",
                number(u.samples as f64),
                number(s.trials as f64),
                u.why
            ));
        }
        let pct = (s.band * 100.0).round();
        tornado_table(
            &mut out,
            &format!("Tornado: the output's median where the input is in its bottom vs top {pct}%"),
            &o.tornado,
        );
        if !o.tornado_by_param.is_empty() {
            out.push('\n');
            tornado_table(
                &mut out,
                "By parameter across the sites (mean of the sites' ranks)",
                &o.tornado_by_param,
            );
        }
        if let Some(sb) = &o.sobol {
            out.push('\n');
            if let Some(n) = &sb.note {
                out.push_str(&format!("Sobol indices: {n}\n"));
            }
            if !sb.inputs.is_empty() {
                sobol_table(
                    &mut out,
                    "Sobol indices, inputs (largest first-order index first)",
                    &sb.inputs,
                    s.confidence,
                );
                out.push('\n');
                let mut g: Vec<Index> = sb.groups.clone();
                g.extend(sb.noise.clone());
                sobol_table(
                    &mut out,
                    "Sobol indices, groups (noise: delivery randomness given the inputs)",
                    &g,
                    s.confidence,
                );
            }
            if let Some(c) = &sb.caveat {
                out.push_str(&format!("Note: {c}\n"));
            }
            if let Some(d) = &sb.dropped {
                out.push_str(&format!(
                    "({} of {} base samples left out: {})\n",
                    number(d.samples as f64),
                    number(sb.base_samples as f64),
                    d.why
                ));
            }
        }
    }
    for st in &s.stress {
        out.push_str(&format!("\n== Reverse stress: {} ==\n", st.event.text));
        match st.rate {
            Some(r) => out.push_str(&format!(
                "{} of {} trials fail ({:.1}%)\n",
                number(st.failing as f64),
                number(st.judged as f64),
                100.0 * r
            )),
            None => out.push_str("no trial is judged\n"),
        }
        if let Some(u) = &st.undefined {
            out.push_str(&format!(
                "{} trials left out: {}\n",
                number(u.samples as f64),
                u.why
            ));
        }
        if let Some(n) = &st.note {
            out.push_str(&format!("{n}\n"));
            continue;
        }
        out.push_str("Inputs that differ most between failing and other trials:\n");
        shifts_table(&mut out, &st.shifts);
        if !st.rules.is_empty() {
            out.push_str("\nWhat the failing trials have in common (a tree of depth ≤ 3, leaves by failure rate):\n");
            for r in st.rules.iter().take(TOP) {
                out.push_str(&format!("  {}\n", r.text));
            }
        }
    }
    out
}
