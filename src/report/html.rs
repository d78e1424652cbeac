//! The HTML report (`sibsim report FILE -o report.html`): one self-contained page a commissioner
//! can hand to a board — the headline answers first, then the run's charts, the assumptions table,
//! method notes and what is needed to reproduce it (sibsim's version, the scenario's hash).
//!
//! # Self-contained and safe
//! The page is well-formed XHTML (it parses as XML), with its CSS inline in one `<style>` element
//! and its charts inline as `<svg>` elements: no `<script>`, no font, image or stylesheet fetched
//! from anywhere, and no `src` or `href` attribute at all. A simple `@media print` block keeps
//! each chart and table on one page when printed to PDF.
//!
//! All text from the scenario — its name and description, site and party ids, metric names and
//! the comments quoted as citations — is escaped ([`escape`]); the charts escape their own text
//! (see [`crate::report::charts`]).
//!
//! # Reproducing a report
//! The page names sibsim's version, the trials, seed and sampling, and the FNV-1a 64-bit hash
//! ([`fnv1a64`]) of the scenario file's bytes: the same file (same hash) run by the same version
//! with the same trials and seed gives the same figures on any number of threads.
//!
//! Like the other exporters this builds the page in memory; the caller writes it.

use std::fmt::Write as _;

use toml_edit::{DocumentMut, Item, TableLike};

use crate::analysis::RunReport;
use crate::compare::report::{render as render_comparison, Comparison};
use crate::engine::record::SPV_COSTS;
use crate::report::charts::{
    compare_charts, sobol_charts, tornado_charts, Chart, ChartError, Skipped,
};
use crate::report::terminal::header;
use crate::report::terminal::headline::{percent, Headline, Range, Unit};
use crate::report::terminal::{group_thousands, quantile_label};
use crate::scenario::model::Param;
use crate::scenario::Model;
use crate::sensitivity::analysis::Sensitivity;
use crate::sensitivity::report::render as render_sensitivity;

/// The CSS of every page: plain, readable on screen and on paper.
const STYLE: &str = "
body { font-family: sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #999; margin-top: 2rem; }
pre.headline, pre.section { font-size: 0.75rem; background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }
table.headline { width: auto; margin: 0.6rem 0; }
table.headline td.n, table.headline th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.chances span { white-space: nowrap; }
ul.warnings li { color: #8a2a00; font-weight: bold; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
code { font-size: 0.9em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; }
  figure, tr, table.headline { page-break-inside: avoid; }
  pre.headline, pre.section { white-space: pre-wrap; background: none; }
  pre.section { font-size: 6.5pt; }
  section#comparison, section#sensitivity { page: wide; }
}
/* The analyses' tables run to about 185 characters: printed on landscape pages, at 6.5pt, they
   keep their columns (a character of a monospace font is about 0.6em: 3.9pt; 185 of them fit the
   786pt of a landscape A4 page inside 1cm margins). */
@page wide { size: A4 landscape; margin: 1cm; }
@media print {
}
";

/// What the page is built from: one finished run and the file it ran.
#[derive(Debug, Clone, Copy)]
pub struct HtmlReport<'a> {
    /// The scenario run.
    pub model: &'a Model,
    /// The run's summary, plan check and analyses.
    pub report: &'a RunReport,
    /// The run's charts ([`crate::report::charts::run_charts`]).
    pub charts: &'a [Chart],
    /// The charts left out, with why.
    pub skipped: &'a [Skipped],
    /// The scenario file's name as the user gave it.
    pub file: &'a str,
    /// The scenario file's text, shown in full on the page.
    pub text: &'a str,
    /// Further sections after the run's charts: a comparison of payment structures
    /// ([`Section::comparison`]) and a sensitivity analysis ([`Section::sensitivity`]).
    pub sections: &'a [Section],
    /// The command that reproduces the page, as the user would type it (shown in "Reproduce").
    pub command: &'a str,
    /// Other inputs the page depends on (a comparison file, the evidence library), each named
    /// with the FNV-1a 64-bit hash of its bytes ([`fnv1a64`]; a folder's: of its files' names
    /// and bytes in name order).
    pub also: &'a [(String, u64)],
}

/// A further part of the page, from another analysis of the same scenario.
#[derive(Debug, Clone)]
pub struct Section {
    /// The element id of its `<section>`: `comparison`, `sensitivity`.
    pub id: &'static str,
    /// The section's heading.
    pub title: String,
    /// What it answers and how to read it, in words.
    pub intro: String,
    /// Its charts, and those left out with why.
    pub charts: Vec<Chart>,
    /// Its charts left out, with why.
    pub skipped: Vec<Skipped>,
    /// The analysis' own text report (as its command prints it), shown preformatted.
    pub text: String,
    /// One line for the page's method notes: its trials, seed and settings.
    pub method: String,
}

impl Section {
    /// A comparison of payment structures (`sibsim compare`): its answer in words, the
    /// risk-transfer frontier and the key figures across variants, and its table.
    ///
    /// # Errors
    /// A chart that plotters cannot draw.
    pub fn comparison(c: &Comparison) -> Result<Section, ChartError> {
        let (charts, skipped) = compare_charts(c)?;
        let names: Vec<&str> = c.variants.iter().map(|v| v.name.as_str()).collect();
        let mut intro = format!(
            "The same delivery paid for in {} ways ({}), on the same {} trials and seed: \
             who bears the risk, and what each outcome costs the commissioners. Differences \
             from the base are paired (common random numbers) with their standard errors.",
            names.len(),
            names.join(", "),
            group_thousands(&c.trials.to_string())
        );
        if let Some(st) = &c.structures {
            intro.push(' ');
            intro.push_str(st);
        }
        Ok(Section {
            id: "comparison",
            title: format!("Payment structures compared: {}", c.name),
            intro,
            charts,
            skipped,
            text: render_comparison(c),
            method: format!(
                "Comparison {}: {} trials from seed {} per variant, by {}, common random numbers{}.",
                c.name,
                group_thousands(&c.trials.to_string()),
                c.seed,
                c.sampling,
                if c.feedback {
                    ", distress and termination feeding back into delivery"
                } else {
                    ", without feedback"
                }
            ),
        })
    }

    /// A sensitivity analysis (`sibsim sensitivity`): which inputs drive each output (tornado and
    /// Sobol indices) and the reverse stress of its failure events.
    ///
    /// # Errors
    /// A chart that plotters cannot draw.
    pub fn sensitivity(s: &Sensitivity) -> Result<Section, ChartError> {
        let (mut charts, mut skipped) = tornado_charts(s)?;
        let (more, left) = sobol_charts(s)?;
        charts.extend(more);
        skipped.extend(left);
        let outputs: Vec<&str> = s.outputs.iter().map(|o| o.metric.as_str()).collect();
        let events: Vec<&str> = s.stress.iter().map(|e| e.event.text.as_str()).collect();
        let mut intro = format!(
            "Which uncertain inputs drive {}: the tornado compares the output's median with each \
             input in its bottom and top {:.0}% of trials; the Sobol indices split the output's \
             variance among the inputs (first order: alone; total: with its interactions).",
            outputs.join(", "),
            s.band * 100.0
        );
        if !events.is_empty() {
            let _ = write!(
                intro,
                " The reverse stress describes the trials where {} happens: the inputs' shifts \
                 and the rules that find them.",
                events.join(", ")
            );
        }
        let sobol = s.outputs.iter().find_map(|o| o.sobol.as_ref());
        Ok(Section {
            id: "sensitivity",
            title: "What drives the results: sensitivity".into(),
            intro,
            charts,
            skipped,
            text: render_sensitivity(s),
            method: format!(
                "Sensitivity: {} trials from seed {} for the tornado and reverse stress{}; \
                 intervals at {}, from {} bootstrap resamples.",
                group_thousands(&s.trials.to_string()),
                s.seed,
                sobol.map_or_else(
                    || "; no Sobol indices".to_owned(),
                    |o| format!(
                        "; Sobol indices from a pick-freeze design of {} base samples",
                        group_thousands(&o.base_samples.to_string())
                    )
                ),
                percent(s.confidence),
                group_thousands(&s.bootstrap.to_string())
            ),
        })
    }
}

/// One input the scenario draws, for the assumptions table.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// Where it sits in the file: `sites.haringey.delivery.p_engage`, `finance.costs.central_team`.
    pub path: String,
    /// Its distribution, as [`crate::distributions::Dist::describe`] writes it.
    pub distribution: String,
    /// Whether the file writes it (else the format's default applies, or an optional input is off).
    pub written: bool,
    /// The comments on its line and directly above it, as written; empty if there are none.
    pub citation: String,
}

impl HtmlReport<'_> {
    /// The page, as a UTF-8 XHTML document.
    pub fn render(&self) -> String {
        let s = &self.report.summary;
        let headline = Headline::new(self.report, header(self.report));
        let mut out = String::new();
        out.push_str(
            "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n",
        );
        let _ = write!(
            out,
            "<head>\n<meta charset=\"utf-8\"/>\n<title>{} — sibsim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            escape(&s.scenario)
        );
        let _ = writeln!(out, "<h1>{}</h1>", escape(&s.scenario));
        if !self.model.description.trim().is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"description\">{}</p>",
                escape(self.model.description.trim())
            );
        }

        // The answers first.
        out.push_str("<section id=\"headline\">\n<h2>Headline</h2>\n");
        if headline.warnings.is_empty() {
            out.push_str(
                "<p>No warnings: nothing crossed the thresholds of docs/terminal.md.</p>\n",
            );
        } else {
            out.push_str("<p>Warnings:</p>\n<ul class=\"warnings\">\n");
            for w in &headline.warnings {
                let _ = writeln!(out, "<li>{}</li>", escape(&w.text));
            }
            out.push_str("</ul>\n");
        }
        out.push_str(&headline_html(&headline));
        out.push_str("</section>\n");

        out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        figures_into(&mut out, self.charts, self.skipped);
        out.push_str("</section>\n");

        for section in self.sections {
            let _ = writeln!(
                out,
                "<section id=\"{}\">\n<h2>{}</h2>\n<p>{}</p>",
                section.id,
                escape(&section.title),
                escape(&section.intro)
            );
            figures_into(&mut out, &section.charts, &section.skipped);
            let _ = writeln!(
                out,
                "<details open=\"open\"><summary>The full table</summary>\n<pre class=\"section\">{}</pre></details>\n</section>",
                escape(&section.text)
            );
        }

        out.push_str("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n");
        out.push_str(
            "<p>Every input the scenario draws, with its distribution as written and the comments \
             the file gives it (its citation). An input the file does not write takes the \
             format's default.</p>\n",
        );
        match assumptions(self.model, self.text) {
            Ok(rows) => {
                out.push_str(
                    "<table>\n<tr><th>input</th><th>distribution</th><th>citation (the file's comments)</th></tr>\n",
                );
                for a in rows {
                    let citation = if !a.written {
                        "not in the file: the format's default".to_owned()
                    } else if a.citation.is_empty() {
                        "no comment in the file".to_owned()
                    } else {
                        a.citation.clone()
                    };
                    let _ = writeln!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        escape(&a.path),
                        escape(&a.distribution),
                        escape(&citation)
                    );
                }
                out.push_str("</table>\n");
            }
            Err(why) => {
                let _ = writeln!(out, "<p>No assumptions table: {}.</p>", escape(&why));
            }
        }
        out.push_str("</section>\n");

        out.push_str("<section id=\"method\">\n<h2>Method</h2>\n<ul>\n");
        let plan = &s_plan(self.report);
        let _ = writeln!(
            out,
            "<li>{} trials from seed {}; inputs sampled {}.</li>",
            crate::report::terminal::group_thousands(&s.trials.to_string()),
            s.seed,
            escape(plan)
        );
        let _ = writeln!(
            out,
            "<li>Quantiles reported: {} / {} / {} (ranges are low / median / high).</li>",
            percent(s.quantiles[0]),
            percent(s.quantiles[1]),
            percent(s.quantiles[2])
        );
        let worst = s
            .probabilities
            .iter()
            .map(|(_, p)| p.mcse)
            .filter(|x| x.is_finite())
            .fold(0.0_f64, f64::max);
        let _ = writeln!(
            out,
            "<li>Monte Carlo error: every figure is an estimate from the trials. The largest \
             standard error of a probability here is {:.2} percentage points; each figure's \
             error (<code>mcse</code>) is in <code>summary.json</code> of <code>sibsim run</code> \
             with the same trials and seed.</li>",
            worst * 100.0
        );
        for section in self.sections {
            let _ = writeln!(out, "<li>{}</li>", escape(&section.method));
        }
        out.push_str("</ul>\n</section>\n");

        out.push_str("<section id=\"reproduce\">\n<h2>Reproduce</h2>\n<ul>\n");
        let _ = writeln!(
            out,
            "<li>sibsim version {}</li>",
            escape(env!("CARGO_PKG_VERSION"))
        );
        let _ = writeln!(
            out,
            "<li>Scenario file <code>{}</code>, FNV-1a 64-bit hash of its bytes: <code>{:016x}</code></li>",
            escape(self.file),
            fnv1a64(self.text.as_bytes())
        );
        for (what, hash) in self.also {
            let _ = writeln!(
                out,
                "<li>{}, FNV-1a 64-bit hash: <code>{hash:016x}</code></li>",
                escape(what)
            );
        }
        let _ = writeln!(
            out,
            "<li>Command: <code>{}</code></li>",
            escape(self.command)
        );
        out.push_str("</ul>\n</section>\n</body>\n</html>\n");
        out
    }
}

/// The charts as figures with their titles as captions, then the ones left out with why.
fn figures_into(out: &mut String, charts: &[Chart], skipped: &[Skipped]) {
    for c in charts {
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            inline_svg(&c.svg),
            escape(&c.title)
        );
    }
    if charts.is_empty() {
        out.push_str("<p>No chart could be drawn.</p>\n");
    }
    for k in skipped {
        let _ = writeln!(
            out,
            "<p>No chart <code>{}</code>: {}.</p>",
            escape(&k.chart),
            escape(&k.why)
        );
    }
}

/// One cell of a headline table: a figure as the headline formats it, with the JSON Pointer
/// (RFC 6901) of the same figure in `summary.json` and its unit, so that a reader (or a test) can
/// trace every number to the results contract.
fn cell(pointer: &[&str], unit: &str, text: &str) -> String {
    let path: String = pointer
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect();
    format!(
        "<td class=\"n\" data-summary=\"{}\" data-unit=\"{unit}\">{}</td>",
        escape(&path),
        escape(text)
    )
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Count => "count",
        Unit::Money => "money",
        Unit::Percent => "percent",
        Unit::Multiple => "multiple",
    }
}

/// The headline as HTML tables: the same figures and formatting as the terminal's headline
/// ([`Headline::render`]), each cell naming its `summary.json` figure (`data-summary`).
fn headline_html(h: &Headline) -> String {
    let mut out = String::new();
    let labels = h.quantiles.map(quantile_label);
    let _ = writeln!(
        out,
        "<p>{}</p>",
        escape(h.header.trim()).replace('\n', "<br/>")
    );
    if !h.plan.is_empty() {
        let _ = writeln!(
            out,
            "<table class=\"headline\" id=\"plan\">\n<caption>Plan vs simulation (de-risked target: \
             reached in {} of trials)</caption>\n<tr><th>plan figure</th><th class=\"n\">plan</th>\
             <th class=\"n\">simulated {}</th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
             <th class=\"n\">percentile</th><th class=\"n\">P(meet)</th><th class=\"n\">de-risked</th></tr>",
            percent(h.confidence),
            labels[0],
            labels[1],
            labels[2]
        );
        for p in &h.plan {
            let unit = Unit::of(&p.metric);
            let u = unit_name(unit);
            let m = p.metric.as_str();
            let _ = write!(out, "<tr><td><code>{}</code></td>", escape(m));
            out.push_str(&cell(&["plan", m, "plan"], u, &unit.format(p.plan)));
            for (k, q) in ["low", "median", "high"].into_iter().enumerate() {
                out.push_str(&cell(&["metrics", m, q], u, &unit.format(p.simulated[k])));
            }
            out.push_str(&cell(
                &["plan", m, "percentile"],
                "probability",
                &percent(p.percentile),
            ));
            out.push_str(&cell(
                &["plan", m, "p_meet"],
                "probability",
                &percent(p.p_meet),
            ));
            out.push_str(&cell(
                &["plan", m, "derisked_target"],
                u,
                &unit.format(p.derisked),
            ));
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    if !h.sites.is_empty() {
        out.push_str(
            "<table class=\"headline\" id=\"providers\">\n<caption>Provider risk by site</caption>\n\
             <tr><th>provider at site</th><th class=\"n\">P(loss)</th><th class=\"n\">P(distress)</th>\
             <th class=\"n\">P(terminated)</th></tr>\n",
        );
        for site in &h.sites {
            let flag = |what: &str| format!("site.{}.{what}", site.site);
            let _ = write!(out, "<tr><td><code>{}</code></td>", escape(&site.site));
            out.push_str(&cell(
                &["probabilities", &flag("provider_loss")],
                "probability",
                &percent(site.p_loss),
            ));
            for (what, p) in [
                ("provider_distress", site.p_distress),
                ("terminated", site.p_terminated),
            ] {
                match p {
                    Some(p) => out.push_str(&cell(
                        &["probabilities", &flag(what)],
                        "probability",
                        &percent(p),
                    )),
                    None => out.push_str("<td class=\"n\">not modelled</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    let ranges: [(&str, &str, &Option<Range>, Unit); 4] = [
        (
            "investor money multiple",
            "investor.multiple",
            &h.multiple,
            Unit::Multiple,
        ),
        ("investor IRR", "investor.irr", &h.irr, Unit::Percent),
        (
            "commissioners' cost per sustained job",
            "commissioning.cost_per_sustained_job",
            &h.cost_per_sustained_job,
            Unit::Money,
        ),
        (
            "commissioners' cost per job start",
            "commissioning.cost_per_job_start",
            &h.cost_per_job_start,
            Unit::Money,
        ),
    ];
    let mut notes: Vec<String> = Vec::new();
    let mut rows = String::new();
    for (label, metric, range, unit) in ranges {
        let Some(r) = range else { continue };
        let _ = write!(rows, "<tr><td>{}</td>", escape(label));
        let never = r.values.iter().all(|x| x.is_nan()) && unit == Unit::Money;
        if never {
            notes.push(format!(
                "undefined in every trial: no trial has {}",
                if metric.ends_with("sustained_job") {
                    "a job sustained 26 weeks"
                } else {
                    "a job start"
                }
            ));
        }
        for (k, figure) in ["low", "median", "high"].into_iter().enumerate() {
            let mut text = unit.format(r.values[k]);
            if never {
                let _ = write!(text, " [{}]", notes.len());
            } else if let Some((_, note)) = r.notes.iter().find(|(f, _)| *f == figure) {
                notes.push(note.clone());
                let _ = write!(text, " [{}]", notes.len());
            }
            rows.push_str(&cell(&["metrics", metric, figure], unit_name(unit), &text));
        }
        rows.push_str("</tr>\n");
    }
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "<table class=\"headline\" id=\"ranges\">\n<caption>Returns and costs</caption>\n\
             <tr><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>\n{rows}</table>",
            labels[0], labels[1], labels[2]
        );
    }
    let chances: Vec<String> = [
        (
            "P(investor capital loss)",
            "investor.capital_loss",
            h.p_capital_loss,
        ),
        ("P(SPV default)", "spv.default", h.p_spv_default),
        ("P(a site terminated early)", "terminated", h.p_terminated),
    ]
    .into_iter()
    .filter_map(|(label, flag, p)| {
        let p = p?;
        let c = cell(&["probabilities", flag], "probability", &percent(p));
        // The same attributes on a span: the chances read as a sentence, not a table.
        let span = c
            .replacen("<td class=\"n\"", "<span", 1)
            .replace("</td>", "</span>");
        Some(format!("{} {span}", escape(label)))
    })
    .collect();
    if !chances.is_empty() {
        let _ = writeln!(out, "<p class=\"chances\">{}</p>", chances.join("; "));
    }
    if !notes.is_empty() {
        out.push_str("<ol class=\"notes\">\n");
        for n in &notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ol>\n");
    }
    out
}

/// How the run sampled, in words: `mc, independent trials`.
fn s_plan(report: &RunReport) -> String {
    let p = &report.sampling;
    if p.method.replicated() {
        format!(
            "by {}, {} replicates of {} trials (errors from the replicates' spread)",
            p.method,
            crate::report::terminal::group_thousands(&p.replicates.to_string()),
            crate::report::terminal::group_thousands(&p.per_replicate.to_string())
        )
    } else {
        format!("by {}, independent trials", p.method)
    }
}

/// A chart's SVG document as an element inside the page: without any XML declaration before it.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// `text` safe in XHTML text and attribute values: `&`, `<`, `>`, `"` and `'` escaped, and the
/// control characters XML 1.0 forbids replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo): `h = 0xcbf29ce484222325`, then for each byte
/// `h = (h XOR byte) · 0x100000001b3` modulo 2^64. Not cryptographic: it names a file's version,
/// it does not protect it.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Every input the scenario draws — each site's fields in [`Param`] order, then the SPV's costs —
/// with its distribution and the comments `text` (the scenario file) gives it.
///
/// # Errors
/// Why the text cannot be read for comments (it does not parse as TOML), as words.
pub fn assumptions(model: &Model, text: &str) -> Result<Vec<Assumption>, String> {
    let doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the scenario text does not parse as TOML: {e}"))?;
    let mut out = Vec::new();
    for site in &model.sites {
        let parent = doc
            .get("sites")
            .and_then(|s| table_like(s)?.get(&site.id))
            .and_then(table_like);
        for &p in Param::ALL {
            let found = parent
                .and_then(|t| t.get(p.table()))
                .and_then(table_like)
                .and_then(|t| comments(t, p.field()));
            let dist = &site.inputs[p as usize];
            let distribution = if found.is_none() && p.optional() {
                "absent: not drawn".to_owned()
            } else {
                dist.describe()
            };
            out.push(Assumption {
                path: format!("sites.{}.{}.{}", site.id, p.table(), p.field()),
                distribution,
                written: found.is_some(),
                citation: found.unwrap_or_default(),
            });
        }
    }
    if let Some(finance) = &model.finance {
        let costs = doc
            .get("finance")
            .and_then(table_like)
            .and_then(|t| t.get("costs"))
            .and_then(table_like);
        for (name, dist) in SPV_COSTS.iter().zip(&finance.costs) {
            let found = costs.and_then(|t| comments(t, name));
            out.push(Assumption {
                path: format!("finance.costs.{name}"),
                distribution: dist.describe(),
                written: found.is_some(),
                citation: found.unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

fn table_like(item: &Item) -> Option<&dyn TableLike> {
    item.as_table_like()
}

/// The comments of `key` in `table`: the paragraph of comment lines directly above it (ended by
/// a blank line or an empty `#` line) and the comment after its value on its line, joined by spaces. `None` if the key is
/// not there.
fn comments(table: &dyn TableLike, key: &str) -> Option<String> {
    let (k, item) = table.get_key_value(key)?;
    let mut parts: Vec<String> = Vec::new();
    if let Some(prefix) = k.leaf_decor().prefix().and_then(|r| r.as_str()) {
        let mut block: Vec<&str> = Vec::new();
        for line in prefix.lines() {
            let line = line.trim();
            match line.strip_prefix('#').map(str::trim) {
                Some(c) if !c.is_empty() => block.push(c),
                // A blank line, or an empty comment line between paragraphs, ends a block: what
                // came before is about something else (a whole table, a cross-check).
                _ => block.clear(),
            }
        }
        parts.extend(block.into_iter().map(String::from));
    }
    let suffix = match item {
        Item::Value(v) => v.decor().suffix().and_then(|r| r.as_str()),
        _ => None,
    };
    if let Some(c) = suffix.and_then(|s| s.trim().strip_prefix('#')) {
        if !c.trim().is_empty() {
            parts.push(c.trim().to_owned());
        }
    }
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        // From the FNV reference test suite (Noll's fnv test vectors).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</svg>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/svg&gt;"
        );
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    }
}
