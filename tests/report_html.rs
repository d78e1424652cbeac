//! The HTML report (`sibsim report`, `sibsim::report::html`): the page is well-formed XHTML, is
//! self-contained (no script, no external URL), shows the terminal headline's figures exactly, cites
//! each input from the scenario's comments, and keeps untrusted names as text.

use assert_cmd::Command;
use roxmltree::{Document, Node, ParsingOptions};
use sibsim::analysis::RunReport;
use sibsim::engine::run;
use sibsim::engine::runner::RunOptions;
use sibsim::report::charts::run_charts;
use sibsim::report::html::{assumptions, fnv1a64, HtmlReport};
use sibsim::report::terminal::header;
use sibsim::report::terminal::headline::Headline;
use sibsim::scenario::{self, Model};

mod common;

const EVIL: &str = r#"<script>alert("x")</script> & </svg> 'q'"#;

fn report_of(model: &Model, trials: u64) -> (RunReport, sibsim::engine::table::TrialTable) {
    let opts = RunOptions {
        trials: Some(trials),
        ..Default::default()
    };
    let plan = opts.plan(model).expect("plan");
    let table = run(model, &opts, &|_| {}).expect("run");
    let report = RunReport::new(
        model,
        &table,
        &plan,
        model.settings.seed,
        (model.settings.low, model.settings.high),
        0.8,
    );
    (report, table)
}

fn page(model: &Model, file: &str, text: &str, trials: u64) -> (String, RunReport) {
    let (report, table) = report_of(model, trials);
    let (charts, skipped) = run_charts(model, &report, &table).expect("charts");
    let html = HtmlReport {
        model,
        report: &report,
        charts: &charts,
        skipped: &skipped,
        file,
        text,
        sections: &[],
        command: "sibsim report FILE",
        also: &[],
    }
    .render();
    (html, report)
}

fn parse(html: &str) -> Document<'_> {
    let opts = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(html, opts).expect("the page is well-formed XHTML")
}

/// The ids of the page's sections, in order.
fn section_ids<'a>(doc: &'a Document<'_>) -> Vec<&'a str> {
    doc.descendants()
        .filter(|n| n.has_tag_name("section"))
        .filter_map(|n| n.attribute("id"))
        .collect()
}

/// The concatenated text under `node`.
fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

fn section<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Node<'a, 'i> {
    doc.descendants()
        .find(|n| n.has_tag_name("section") && n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no section {id}"))
}

/// No script element, and no `src`/`href` (in any namespace) that could fetch anything.
fn assert_self_contained(doc: &Document<'_>) {
    assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        for a in n.attributes() {
            let name = a.name();
            assert!(
                name != "src" && name != "href",
                "<{}> has {name}=\"{}\"",
                n.tag_name().name(),
                a.value()
            );
            let v = a.value().trim().to_ascii_lowercase();
            assert!(
                !v.starts_with("http:") && !v.starts_with("https:") && !v.starts_with("//"),
                "{}: {}",
                name,
                a.value()
            );
            // The namespaces are names, not fetched; any other URL would be.
            if v.contains("://") {
                assert_eq!(name, "xmlns", "{v}");
            }
        }
        // CSS can fetch too: url(…) and @import.
        if n.has_tag_name("style") {
            let css = text_of(n);
            assert!(!css.contains("url(") && !css.contains("@import"), "{css}");
        }
    }
}

#[test]
fn mhep1_page_parses_is_self_contained_and_leads_with_the_headline() {
    let path = "scenarios/mhep1.toml";
    let text = std::fs::read_to_string(path).expect("read");
    let model = scenario::parse_scenario(path, &text).expect("valid");
    let (html, report) = page(&model, path, &text, 200);
    let doc = parse(&html);
    assert_self_contained(&doc);

    // Sections in order: the answers first.
    let ids = section_ids(&doc);
    assert_eq!(
        ids,
        ["headline", "charts", "assumptions", "method", "reproduce"]
    );

    // The headline section shows the warnings in words, then the terminal headline's figures as
    // tables: every cell's text appears in the terminal headline of the same run.
    let headline = Headline::new(&report, header(&report));
    let terminal = headline.render();
    let head = section(&doc, "headline");
    let cells: Vec<String> = head
        .descendants()
        .filter(|n| n.attribute("data-summary").is_some())
        .map(text_of)
        .collect();
    assert!(cells.len() > 40, "{} figures", cells.len());
    for c in &cells {
        assert!(terminal.contains(c.as_str()), "{c} is not in\n{terminal}");
    }
    let items: Vec<String> = head
        .descendants()
        .filter(|n| n.has_tag_name("ul"))
        .flat_map(|ul| ul.children().filter(|n| n.has_tag_name("li")))
        .map(text_of)
        .collect();
    let expected: Vec<&str> = headline.warnings.iter().map(|w| w.text.as_str()).collect();
    assert!(!expected.is_empty(), "MHEP 1 has warnings at 200 trials");
    assert_eq!(items, expected);

    // One inline chart per chart of the run.
    let (_, table) = report_of(&model, 200);
    let (charts, _) = run_charts(&model, &report, &table).expect("charts");
    let svgs = section(&doc, "charts")
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .count();
    assert_eq!(svgs, charts.len());

    // Every site input and SPV cost has a row: 3 sites × every field + 3 SPV costs.
    let rows = section(&doc, "assumptions")
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .count();
    let inputs = sibsim::scenario::model::Param::ALL.len();
    assert_eq!(rows, 1 + 3 * inputs + 3);

    // Reproduce: version and the hash of the file's bytes.
    let repro = text_of(section(&doc, "reproduce"));
    assert!(repro.contains(&format!("sibsim version {}", env!("CARGO_PKG_VERSION"))));
    assert!(repro.contains(&format!("{:016x}", fnv1a64(text.as_bytes()))));
    let method = text_of(section(&doc, "method"));
    assert!(method.contains("200 trials from seed 2016"), "{method}");
}

#[test]
fn citations_are_the_comments_on_and_above_the_line() {
    let path = "scenarios/mhep1.toml";
    let text = std::fs::read_to_string(path).expect("read");
    let model = scenario::parse_scenario(path, &text).expect("valid");
    let rows = assumptions(&model, &text).expect("parses");
    let find = |p: &str| {
        rows.iter()
            .find(|a| a.path == p)
            .unwrap_or_else(|| panic!("no row {p}"))
    };
    // Written in mhep1.toml as
    //   es_posts = 3   # 000 §3.6: "Provider 1 employed 3 ES and a Team Leader"; 000 §3.2 ...
    let es = find("sites.haringey.staffing.es_posts");
    assert!(es.written);
    assert_eq!(es.distribution, "3");
    assert!(
        es.citation
            .starts_with("000 §3.6: \"Provider 1 employed 3 ES and a Team Leader\""),
        "{}",
        es.citation
    );
    // A comment block above the line, ending at a blank line.
    let central = find("finance.costs.central_team");
    assert_eq!(central.distribution, "PERT(min 3600, mode 4518, max 5900)");
    assert!(
        central
            .citation
            .starts_with("Central team: \"Delivery support by MHEP £230,442\""),
        "{}",
        central.citation
    );
    assert!(
        !central.citation.contains("CROSS-CHECK"),
        "{}",
        central.citation
    );
    // Not written: the optional p_13w is off, not drawn.
    let p13 = find("sites.haringey.delivery.p_13w");
    assert!(!p13.written);
    assert_eq!(p13.distribution, "absent: not drawn");
}

#[test]
fn untrusted_names_stay_text() {
    let path = "scenarios/ips_new_service.toml";
    let text = std::fs::read_to_string(path).expect("read");
    let mut model = scenario::parse_scenario(path, &text).expect("valid");
    let old = model.sites[0].id.clone();
    model.name = EVIL.into();
    model.description = format!("about {EVIL}");
    model.sites[0].id = EVIL.into();
    for p in &mut model.plan {
        p.metric = p.metric.replace(&old, EVIL);
    }
    // The file's text as the renamed model would be written: the site's tables under the evil
    // key, and a comment holding it too.
    let key = format!("\"{}\"", EVIL.replace('"', "\\\""));
    let evil_text = text
        .replace(&format!("[sites.{old}"), &format!("[sites.{key}"))
        .replace(
            "referrals_per_month = { dist",
            &format!("# cite {EVIL}\nreferrals_per_month = {{ dist"),
        );
    let (html, _) = page(&model, EVIL, &evil_text, 200);
    let doc = parse(&html);
    assert_self_contained(&doc);

    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("h1"))
        .expect("h1");
    assert_eq!(text_of(title), EVIL);
    let head = text_of(section(&doc, "headline"));
    assert!(head.contains(&format!("Scenario {EVIL}:")), "{head}");
    let rows: Vec<String> = section(&doc, "assumptions")
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .map(text_of)
        .collect();
    let referrals = rows
        .iter()
        .find(|r| r.starts_with(&format!("sites.{EVIL}.delivery.referrals_per_month")))
        .expect("the renamed site's row");
    assert!(referrals.contains(&format!("cite {EVIL}")), "{referrals}");
    assert!(text_of(section(&doc, "reproduce")).contains(EVIL));
}

#[test]
fn the_command_writes_one_page_and_refuses_what_it_does_not_have() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("box1.html");
    Command::cargo_bin("sibsim")
        .expect("binary")
        .args([
            "report",
            "scenarios/box1.toml",
            "--trials",
            "200",
            "--quiet",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out).expect("written");
    assert_self_contained(&parse(&html));
    // Nothing else is left beside it (no temporary).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["box1.html"]);

    // An invalid scenario writes nothing and says where.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = 3\n").expect("write");
    let out2 = dir.path().join("bad.html");
    Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["report", "--quiet", "-o"])
        .arg(&out2)
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicates::str::contains("bad.toml:1:"));
    assert!(!out2.exists());

    // --compare takes a comparison file whose base is the report's scenario, byte for byte;
    // an unknown sensitivity output is refused too — all before anything runs.
    for (flags, says) in [
        (
            ["--compare", "scenarios/box1.toml"].as_slice(),
            "is a scenario, not a comparison file",
        ),
        (
            ["--compare", "scenarios/mhep1_structures.toml"].as_slice(),
            "which is not the report's scenario scenarios/box1.toml",
        ),
        (["--metric", "no.such.metric"].as_slice(), "no.such.metric"),
    ] {
        Command::cargo_bin("sibsim")
            .expect("binary")
            .args(["report", "scenarios/box1.toml", "-o"])
            .arg(dir.path().join("c.html"))
            .args(flags)
            .assert()
            .failure()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
    assert!(!dir.path().join("c.html").exists());
}

/// The headline's figures as the page formats them, written here from the units' definitions
/// (docs/terminal.md) rather than taken from the library, applied to `summary.json`'s values.
fn formatted(value: &serde_json::Value, unit: &str) -> String {
    let Some(x) = value.as_f64() else {
        assert!(value.is_null(), "{value}");
        return "undefined".into();
    };
    let whole = |x: f64| {
        let digits = format!("{:.0}", x.abs().round());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if x.round() < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    };
    match unit {
        "count" => whole(x),
        "money" => match whole(x).strip_prefix('-') {
            Some(w) => format!("-£{w}"),
            None => format!("£{}", whole(x)),
        },
        "multiple" => format!("{x:.2}"),
        "percent" => {
            let s = format!("{:.1}%", x * 100.0);
            if s == "-0.0%" {
                "0.0%".into()
            } else {
                s
            }
        }
        "probability" if x > 0.0 && x < 0.0005 => "<0.1%".into(),
        "probability" if (0.9995..1.0).contains(&x) => ">99.9%".into(),
        "probability" => format!("{:.1}%", x * 100.0),
        other => panic!("unknown unit {other}"),
    }
}

/// Every figure of the page's headline equals the same figure in the `summary.json` written with
/// it, formatted; no number in the headline's tables goes unchecked.
#[test]
fn every_headline_number_is_the_summary_json_figure() {
    let dir = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("sibsim")
        .expect("binary")
        .args([
            "report",
            "scenarios/mhep1.toml",
            "--trials",
            "500",
            "--seed",
            "7",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("summary.json")).expect("summary.json"),
    )
    .expect("json");
    let doc = parse(&html);
    let head = section(&doc, "headline");
    let mut checked = 0;
    for n in head.descendants().filter(|n| n.is_element()) {
        let Some(pointer) = n.attribute("data-summary") else {
            // A table cell without a pointer holds no figure: a name (in <code>), a label or
            // "not modelled".
            let is_name = n.children().any(|c| c.has_tag_name("code"));
            if n.has_tag_name("td") && !is_name {
                let t = text_of(n);
                assert!(
                    !t.chars().any(|c| c.is_ascii_digit()),
                    "a number without its summary.json figure: {t}"
                );
            }
            continue;
        };
        let value = summary
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in summary.json"));
        let unit = n.attribute("data-unit").expect("data-unit");
        let shown = text_of(n);
        // A figure with a note carries its number: "-41.3% [1]".
        let shown = shown.split(" [").next().unwrap_or(&shown);
        assert_eq!(shown, formatted(value, unit), "{pointer}");
        checked += 1;
    }
    // MHEP 1: 4 plan figures × 7, 3 sites × 3, 4 ranges × 3, 3 chances.
    assert_eq!(checked, 4 * 7 + 3 * 3 + 4 * 3 + 3);
}

/// With --compare and --sensitivity the page gains their sections, after the run's charts and
/// before the assumptions, each with its charts and its table; the figures behind them are
/// written beside the page.
#[test]
fn the_comparison_and_sensitivity_sections() {
    let dir = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("sibsim")
        .expect("binary")
        .args([
            "report",
            "scenarios/mhep1.toml",
            "--compare",
            "scenarios/mhep1_structures.toml",
            // --sobol-n implies --sensitivity (the Reproduce line below spells it out).
            "--sobol-n",
            "64",
            "--trials",
            "300",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // With the marker naming whose results the folder holds (docs/outputs.md).
    assert_eq!(
        names,
        [
            ".sibsim-results.json",
            "compare.json",
            "report.html",
            "sensitivity.json",
            "summary.json"
        ]
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    let doc = parse(&html);
    assert_self_contained(&doc);
    let ids = section_ids(&doc);
    assert_eq!(
        ids,
        [
            "headline",
            "charts",
            "comparison",
            "sensitivity",
            "assumptions",
            "method",
            "reproduce"
        ]
    );
    let svgs = |id: &str| {
        section(&doc, id)
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .count()
    };
    let compare: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("compare.json")).expect("compare.json"),
    )
    .expect("json");
    // Each results file says how it was made: compare.json by the comparison file and its base
    // (the report's scenario), the comparison's own seed and trials, sampled mc.
    let seed = compare["seed"].as_u64().expect("seed");
    common::meta::assert_comparison_meta(
        &compare,
        (
            "report",
            "scenarios/mhep1_structures.toml",
            "scenarios/mhep1.toml",
            &["scenarios/mhep1_reset.toml"],
        ),
        seed,
        300,
        "mc",
    );
    // Every variant is named in the comparison's section, which has the frontier and the
    // key-figures charts.
    let text = text_of(section(&doc, "comparison"));
    for v in compare["variants"].as_array().expect("variants") {
        let name = v["name"].as_str().expect("name");
        assert!(text.contains(name), "{name}");
    }
    assert!(svgs("comparison") >= 2, "{}", svgs("comparison"));
    // A tornado and a Sobol chart for each of the default outputs, investor.multiple and
    // engagements; the reverse stress of investor.capital_loss in the table.
    let sens: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sensitivity.json")).expect("sensitivity.json"),
    )
    .expect("json");
    let seed = sens["seed"].as_u64().expect("seed");
    common::meta::assert_meta(&sens, ("report", "scenarios/mhep1.toml"), seed, 300, "mc");
    let outputs: Vec<&str> = sens["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|o| o["metric"].as_str().expect("metric"))
        .collect();
    assert_eq!(outputs, ["investor.multiple", "engagements"]);
    assert_eq!(svgs("sensitivity"), 4);
    assert!(text_of(section(&doc, "sensitivity")).contains("investor.capital_loss"));
    let method = text_of(section(&doc, "method"));
    assert!(
        method.contains("Comparison mhep1_structures: 300 trials"),
        "{method}"
    );
    assert!(
        method.contains("pick-freeze design of 64 base samples"),
        "{method}"
    );
    let repro = text_of(section(&doc, "reproduce"));
    assert!(repro.contains(
        "sibsim report scenarios/mhep1.toml --trials 300 --seed 2016 --compare scenarios/mhep1_structures.toml --sensitivity --sobol-n 64"
    ), "{repro}");
    let cfile = std::fs::read("scenarios/mhep1_structures.toml").expect("read");
    assert!(
        repro.contains(&format!(
            "Comparison file scenarios/mhep1_structures.toml, FNV-1a 64-bit hash: {:016x}",
            fnv1a64(&cfile)
        )),
        "{repro}"
    );
}
