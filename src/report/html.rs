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
use crate::engine::record::SPV_COSTS;
use crate::report::charts::{Chart, Skipped};
use crate::report::terminal::header;
use crate::report::terminal::headline::{percent, Headline};
use crate::scenario::model::Param;
use crate::scenario::Model;

/// The CSS of every page: plain, readable on screen and on paper.
const STYLE: &str = "
body { font-family: sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #999; margin-top: 2rem; }
pre.headline { font-size: 0.8rem; background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }
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
  figure, tr, pre.headline { page-break-inside: avoid; }
  pre.headline { white-space: pre-wrap; background: none; }
}
";

/// What the page is built from: one finished run and the file it ran.
#[derive(Debug, Clone, Copy)]
pub struct HtmlReport<'a> {
    pub model: &'a Model,
    pub report: &'a RunReport,
    /// The run's charts ([`crate::report::charts::run_charts`]), and those left out with why.
    pub charts: &'a [Chart],
    pub skipped: &'a [Skipped],
    /// The scenario file's name as the user gave it, and its text.
    pub file: &'a str,
    pub text: &'a str,
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
        let _ = writeln!(
            out,
            "<pre class=\"headline\">{}</pre>\n</section>",
            escape(&headline.render())
        );

        out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        for c in self.charts {
            let _ = writeln!(
                out,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                inline_svg(&c.svg),
                escape(&c.title)
            );
        }
        if self.charts.is_empty() {
            out.push_str("<p>No chart could be drawn.</p>\n");
        }
        for k in self.skipped {
            let _ = writeln!(
                out,
                "<p>No chart <code>{}</code>: {}.</p>",
                escape(&k.chart),
                escape(&k.why)
            );
        }
        out.push_str("</section>\n");

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
        let _ = writeln!(
            out,
            "<li>Command: <code>sibsim report {} --trials {} --seed {} -o report.html</code></li>",
            escape(self.file),
            s.trials,
            s.seed
        );
        out.push_str("</ul>\n</section>\n</body>\n</html>\n");
        out
    }
}

/// How the run sampled, in words: `mc, independent trials`.
fn s_plan(report: &RunReport) -> String {
    let p = &report.sampling;
    if p.method.replicated() {
        format!(
            "by {}, {} replicates of {} trials (errors from the replicates' spread)",
            p.method, p.replicates, p.per_replicate
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
