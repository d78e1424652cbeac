//! Charts of the analyses (`sibsim::report::charts`): the tornado and Sobol charts of
//! `sensitivity`, the comparison and frontier charts of `compare`, the back-test chart, the
//! outside view against the inside view of `outside-view`. Each renders for the bundled inputs as
//! well-formed XML, and one mark per chart type sits where the chart's own x axis (recovered from
//! its tick labels) puts its value.

use sibsim::analysis::backtest::Backtest;
use sibsim::analysis::outside_view::{OutsideViewReport, ReferenceClass, DEFAULT_CLASS};
use sibsim::analysis::RunReport;
use sibsim::engine::run;
use sibsim::engine::runner::RunOptions;
use sibsim::evidence::Library;
use sibsim::report::charts::{
    backtest_chart, hex, outside_inside_charts, outside_view_charts, palette, sobol_charts,
    tornado_charts, Chart, SobolChart, Tornado,
};
use sibsim::scenario;
use sibsim::sensitivity::analysis::{self, Options, Sensitivity};

mod common;

use common::svg::{rects, vertical_lines};

const SCENARIOS: [&str; 5] = [
    "box1",
    "ips_new_service",
    "lcf_tower_hamlets_mh",
    "mhep1",
    "mhep1_reset",
];

fn load(name: &str) -> sibsim::scenario::Model {
    scenario::load(std::path::Path::new(&format!("scenarios/{name}.toml")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sensitivity(name: &str) -> Sensitivity {
    let model = load(name);
    let opts = Options {
        trials: 300,
        seed: model.settings.seed,
        threads: None,
        metrics: vec!["engagements".into(), "job_starts".into()],
        events: vec![],
        sobol_n: 32,
        bootstrap: 100,
        confidence: 0.95,
        band: 0.1,
        depth: 1,
        min_leaf: 20,
    };
    analysis::analyse(&model, &opts, &|_, _, _| {}).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The x axis' mapping, value → pixel, from its first and last tick labels.
fn x_axis(doc: &roxmltree::Document) -> impl Fn(f64) -> f64 {
    let ((v0, x0), (v1, x1)) = common::svg::x_ticks(doc);
    assert!(v1 > v0, "ticks {:?}", (v0, v1));
    move |v| x0 + (v - v0) * (x1 - x0) / (v1 - v0)
}

/// `(cx, cy)` of the circles filled with `colour` of radius `r`, top first.
fn circles(doc: &roxmltree::Document, colour: &str, r: &str) -> Vec<(f64, f64)> {
    let mut c: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("circle")
                && n.attribute("fill") == Some(colour)
                && n.attribute("r") == Some(r)
        })
        .filter_map(|n| {
            Some((
                n.attribute("cx")?.parse().ok()?,
                n.attribute("cy")?.parse().ok()?,
            ))
        })
        .collect();
    c.sort_by(|a, b| a.1.total_cmp(&b.1));
    c
}

fn parse(c: &Chart) -> roxmltree::Document<'_> {
    let doc =
        roxmltree::Document::parse(&c.svg).unwrap_or_else(|e| panic!("{}: not XML: {e}", c.file));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&c.title), "{}: title not drawn", c.file);
    doc
}

#[test]
fn the_tornado_puts_the_largest_swing_first_at_its_length() {
    for name in SCENARIOS {
        let s = sensitivity(name);
        let (charts, skipped) = tornado_charts(&s).expect("charts");
        assert!(skipped.is_empty(), "{name}: {skipped:?}");
        assert_eq!(
            charts.iter().map(|c| c.file.as_str()).collect::<Vec<_>>(),
            ["tornado-engagements.svg", "tornado-job_starts.svg"],
            "{name}"
        );
        for (c, o) in charts.iter().zip(&s.outputs) {
            let doc = parse(c);
            let t = Tornado::new(&s, o);
            // The largest |swing| among the analysis' bars, computed here from its medians.
            let largest = o
                .tornado
                .iter()
                .filter_map(|b| Some((b.high? - b.low?).abs()))
                .fold(0.0, f64::max);
            assert_eq!((t.bars[0].2 - t.bars[0].1).abs(), largest, "{name}");
            let mut bars = rects(&doc, &hex(palette::BLUE));
            bars.extend(rects(&doc, &hex(palette::ORANGE)));
            bars.sort_by(|a, b| a.1.total_cmp(&b.1));
            assert_eq!(bars.len(), t.bars.len(), "{name} {}", c.file);
            let top = bars[0];
            assert!(
                bars.iter().all(|b| b.2 <= top.2),
                "{name} {}: the top bar is not the longest: {bars:?}",
                c.file
            );
            let x = x_axis(&doc);
            let (low, high) = (t.bars[0].1.min(t.bars[0].2), t.bars[0].1.max(t.bars[0].2));
            assert!(
                (top.0 - x(low)).abs() <= 1.5 && (top.0 + top.2 - x(high)).abs() <= 1.5,
                "{name} {}: top bar {top:?}, the axis puts {low}..{high} at {:.1}..{:.1}",
                c.file,
                x(low),
                x(high)
            );
        }
    }
}

#[test]
fn sobol_bars_end_at_their_first_order_index() {
    let blue = hex(palette::BLUE);
    for name in SCENARIOS {
        let s = sensitivity(name);
        let (charts, skipped) = sobol_charts(&s).expect("charts");
        assert_eq!(charts.len() + skipped.len(), 2, "{name}: {skipped:?}");
        for c in &charts {
            let doc = parse(c);
            let o = s
                .outputs
                .iter()
                .find(|o| c.file == format!("sobol-{}.svg", o.metric))
                .expect("output");
            let chart = SobolChart::new(&s, o).expect("indices");
            // The rows are the inputs with the largest first-order indices (at most 15), largest
            // first, then the noise: ranked here from the analysis' figures.
            let sb = o.sobol.as_ref().expect("sobol");
            let mut ranked: Vec<(f64, &str)> = sb
                .inputs
                .iter()
                .filter(|i| i.total.is_some())
                .filter_map(|i| Some((i.first?.value, i.name.as_str())))
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let expected: Vec<&str> = ranked.iter().take(15).map(|r| r.1).collect();
            let drawn: Vec<&str> = chart
                .rows
                .iter()
                .map(|r| r.name.as_str())
                .filter(|n| !n.starts_with("noise"))
                .collect();
            assert_eq!(drawn, expected, "{name} {}", c.file);
            let x = x_axis(&doc);
            // First-order bars, top first: one per row, from 0 to the estimate.
            let bars = rects(&doc, &blue);
            assert_eq!(bars.len(), chart.rows.len(), "{name} {}", c.file);
            for (bar, row) in bars.iter().zip(&chart.rows) {
                let v = row.first.value;
                let (a, b) = (x(v.min(0.0)), x(v.max(0.0)));
                assert!(
                    (bar.0 - a).abs() <= 1.5 && (bar.0 + bar.2 - b).abs() <= 1.5,
                    "{name} {} {}: bar {bar:?}, the axis puts 0..{v} at {a:.1}..{b:.1}",
                    c.file,
                    row.name
                );
            }
            // The upper-bound caveat is drawn exactly when a row carries it.
            let starred = chart.rows.iter().any(|r| r.upper_bound);
            assert_eq!(
                c.svg.contains("total effect an upper bound"),
                starred,
                "{name}"
            );
        }
    }
}

#[test]
fn each_actual_sits_at_its_percentile() {
    let green = hex(palette::GREEN);
    for name in ["mhep1", "mhep1_reset"] {
        let model = load(name);
        let opts = RunOptions {
            trials: Some(300),
            ..Default::default()
        };
        let table = run(&model, &opts, &|_| {}).expect("run");
        let b = Backtest::new(&model, &table, model.settings.seed);
        assert!(!b.actuals.is_empty(), "{name}");
        let c = backtest_chart(&b).expect("renders").expect("a chart");
        let doc = parse(&c);
        let x = x_axis(&doc);
        let dots = circles(&doc, &green, "7");
        assert_eq!(dots.len(), b.actuals.len(), "{name}");
        for (dot, row) in dots.iter().zip(&b.actuals) {
            assert!(
                (dot.0 - x(row.percentile)).abs() <= 1.0,
                "{name} {}: dot at {} but P{} is at {:.1}",
                row.metric,
                dot.0,
                row.percentile * 100.0,
                x(row.percentile)
            );
        }
    }
    // No actuals, no chart.
    let model = load("box1");
    let table = run(
        &model,
        &RunOptions {
            trials: Some(50),
            ..Default::default()
        },
        &|_| {},
    )
    .expect("run");
    let b = Backtest::new(&model, &table, 1);
    assert!(backtest_chart(&b).expect("ok").is_none());
}

/// The texts of `doc` that name a view's quantiles in the legend.
fn view_legends(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .filter(|t| t.contains("P10–P50–P90"))
        .map(|t| t.trim().to_string())
        .collect()
}

#[test]
fn the_outside_view_chart_sets_both_views_on_one_axis() {
    let library = Library::load(std::path::Path::new("evidence")).expect("bundled evidence");
    let rc = ReferenceClass::fit(&library, DEFAULT_CLASS).expect("the default class fits");
    let (blue, purple) = (hex(palette::BLUE), hex(palette::PURPLE));
    let mut scenarios = 0;
    for name in SCENARIOS {
        let model = load(name);
        if model.plan.is_empty() {
            continue; // box1: nothing for the outside view to scale.
        }
        let opts = RunOptions {
            trials: Some(300),
            ..Default::default()
        };
        let table = run(&model, &opts, &|_| {}).expect("run");
        let view = OutsideViewReport::new(&model, &table, &rc, &library);
        assert!(!view.plan.is_empty(), "{name}");
        let charts = outside_view_charts(&model, &view).expect("charts");
        assert_eq!(
            charts.iter().map(|c| c.file.clone()).collect::<Vec<_>>(),
            view.plan
                .iter()
                .map(|v| format!("outside-{}.svg", v.metric))
                .collect::<Vec<_>>(),
            "{name}"
        );
        for (c, v) in charts.iter().zip(&view.plan) {
            let doc = parse(c);
            assert!(
                c.title.ends_with(": the simulation against past projects"),
                "{}",
                c.title
            );
            let x = x_axis(&doc);
            // One bar per view from its P10 to its P90: the simulation above, past projects
            // below (legend swatches are 20 × 10 and left out).
            let bar = |colour: &str| {
                let bars: Vec<_> = rects(&doc, colour)
                    .into_iter()
                    .filter(|r| r.3 > 10.0)
                    .collect();
                assert_eq!(bars.len(), 1, "{name} {}: {colour} bars {bars:?}", c.file);
                bars[0]
            };
            let (inside, outside) = (bar(&blue), bar(&purple));
            assert!(inside.1 < outside.1, "{name} {}: rows", c.file);
            for (b, q, which) in [
                (inside, v.inside, "inside"),
                (outside, v.outside, "outside"),
            ] {
                assert!(
                    (b.0 - x(q[0])).abs() <= 1.5 && (b.0 + b.2 - x(q[2])).abs() <= 1.5,
                    "{name} {} {which}: bar {b:?}, the axis puts {:.1}..{:.1} at {:.1}..{:.1}",
                    c.file,
                    q[0],
                    q[2],
                    x(q[0]),
                    x(q[2])
                );
            }
            // The medians: black dots in the two bars' rows, at each view's P50.
            let dots = circles(&doc, &hex(palette::BLACK), "6");
            assert_eq!(dots.len(), 2, "{name} {}: {dots:?}", c.file);
            for (d, m) in dots.iter().zip([v.inside[1], v.outside[1]]) {
                assert!((d.0 - x(m)).abs() <= 1.0, "{name} {}: {d:?} vs {m}", c.file);
            }
            // The plan: one vermilion line where the axis puts the plan figure.
            let plan = vertical_lines(&doc, &hex(palette::VERMILION), "3");
            assert_eq!(plan.len(), 1, "{name} {}: {plan:?}", c.file);
            assert!((plan[0] - x(v.plan)).abs() <= 1.0, "{name} {}", c.file);
            assert_eq!(
                c.svg.contains("The views disagree"),
                v.disagree,
                "{name} {}",
                c.file
            );
        }

        // The same charts for a finished run, from its report: the same figures in the legends.
        let plan = opts.plan(&model).expect("plan");
        let report = RunReport::new(
            &model,
            &table,
            &plan,
            model.settings.seed,
            (model.settings.low, model.settings.high),
            0.8,
        );
        let for_run = outside_inside_charts(&model, &report, &rc).expect("charts");
        assert_eq!(for_run.len(), charts.len(), "{name}");
        for (a, b) in for_run.iter().zip(&charts) {
            assert_eq!((&a.file, &a.title), (&b.file, &b.title));
            let (da, db) = (parse(a), parse(b));
            assert_eq!(view_legends(&da), view_legends(&db), "{name} {}", a.file);
            assert_eq!(view_legends(&da).len(), 2, "{name} {}", a.file);
        }
        scenarios += 1;
    }
    assert_eq!(scenarios, 3);
}

#[test]
fn outside_view_writes_its_charts_all_or_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("charts");
    sibsim()
        .args([
            "outside-view",
            "scenarios/mhep1.toml",
            "--trials",
            "100",
            "--json",
        ])
        .arg("--charts")
        .arg(&dir)
        .assert()
        .success();
    assert_eq!(
        svgs(&dir),
        [
            "outside-engagements.svg",
            "outside-site.haringey.engagements.svg",
            "outside-site.staffordshire.engagements.svg",
            "outside-site.tower_hamlets.engagements.svg"
        ]
    );
    // With --png, a PNG beside each SVG.
    let png = root.path().join("png");
    sibsim()
        .args([
            "outside-view",
            "scenarios/mhep1.toml",
            "--trials",
            "100",
            "--png",
        ])
        .arg("--charts")
        .arg(&png)
        .assert()
        .success();
    let names = file_names(&png);
    assert_eq!(names.len(), 8, "{names:?}");
    for pair in names.chunks(2) {
        assert_eq!(pair[0].replace(".png", ".svg"), pair[1]);
        let bytes = std::fs::read(png.join(&pair[0])).expect("png");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", pair[0]);
    }
    // A --charts folder that cannot be one fails before anything runs or is written.
    let file = root.path().join("file");
    std::fs::write(&file, "").expect("file");
    let assert = sibsim()
        .args(["outside-view", "scenarios/mhep1.toml", "--trials", "50"])
        .arg("--charts")
        .arg(file.join("sub"))
        .assert()
        .failure()
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--charts"), "{stderr}");
}

fn sibsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("sibsim").expect("binary")
}

/// The names of the files in `dir`, sorted.
fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("charts folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn svgs(dir: &std::path::Path) -> Vec<String> {
    let names = file_names(dir);
    for n in &names {
        let text = std::fs::read_to_string(dir.join(n)).expect("read");
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{n}: not XML: {e}"));
    }
    names
}

#[test]
fn compare_draws_the_frontier_where_its_axis_puts_each_variant() {
    let root = tempfile::tempdir().expect("tempdir");
    for (args, expect) in [
        (vec!["compare", "scenarios/mhep1_structures.toml"], 4usize),
        (
            vec![
                "compare",
                "scenarios/ips_new_service.toml",
                "--sweep",
                "tariff_scale=0.5,1,1.5",
            ],
            // The base and the three swept values.
            4,
        ),
    ] {
        // One output folder per scenario: a folder holding another's results is refused.
        let (out, dir) = (root.path().join(args[1]), root.path().join("charts"));
        sibsim()
            .args(&args)
            .args(["--trials", "100", "--quiet", "--json"])
            .arg("--out")
            .arg(&out)
            .arg("--charts")
            .arg(&dir)
            .assert()
            .success();
        let names = svgs(&dir);
        assert!(names.contains(&"frontier.svg".into()), "{names:?}");
        assert!(
            names.contains(
                &"variants-commissioners.cost_per_sustained_job.ratio_of_means.svg".into()
            ),
            "{names:?}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("compare.json")).expect("json"))
                .expect("parses");
        let points = json["frontier"]["points"].as_array().expect("points");
        let text = std::fs::read_to_string(dir.join("frontier.svg")).expect("svg");
        let doc = roxmltree::Document::parse(&text).expect("xml");
        let x = x_axis(&doc);
        let mut drawn: Vec<(f64, f64)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle") && n.attribute("r") == Some("8"))
            .filter_map(|n| {
                Some((
                    n.attribute("cx")?.parse().ok()?,
                    n.attribute("cy")?.parse().ok()?,
                ))
            })
            .collect();
        drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut costs: Vec<f64> = points
            .iter()
            .filter_map(|p| p["cost_per_sustained_job"].as_f64())
            .collect();
        costs.sort_by(f64::total_cmp);
        assert_eq!(costs.len(), expect, "{args:?}");
        assert_eq!(drawn.len(), costs.len(), "{args:?}: {drawn:?}");
        for (d, c) in drawn.iter().zip(&costs) {
            assert!(
                (d.0 - x(*c)).abs() <= 1.0,
                "{args:?}: {d:?} vs {c} at {:.1}",
                x(*c)
            );
        }
        // Frontier members filled, dominated variants hollow.
        let hollow = text.matches("fill=\"none\"").count();
        let dominated = points
            .iter()
            .filter(|p| !p["dominated_by"].as_array().expect("list").is_empty())
            .count();
        assert!(hollow >= dominated, "{args:?}");
        std::fs::remove_dir_all(&dir).expect("clean");
    }
}

#[test]
fn sensitivity_and_backtest_write_their_charts() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("charts");
    sibsim()
        .args([
            "sensitivity",
            "scenarios/ips_new_service.toml",
            "--trials",
            "200",
            "--sobol-n",
            "32",
            "--bootstrap",
            "100",
            "--metric",
            "job_starts",
            "--quiet",
            "--json",
        ])
        .arg("--out")
        .arg(root.path().join("out"))
        .arg("--charts")
        .arg(&dir)
        .assert()
        .success();
    assert_eq!(
        svgs(&dir),
        ["sobol-job_starts.svg", "tornado-job_starts.svg"]
    );
    let bt = root.path().join("bt");
    sibsim()
        .args([
            "backtest",
            "scenarios/mhep1.toml",
            "--trials",
            "100",
            "--json",
        ])
        .arg("--charts")
        .arg(&bt)
        .assert()
        .success();
    assert_eq!(svgs(&bt), ["backtest.svg"]);

    // A --charts folder that cannot be one fails before anything runs or is written.
    let file = root.path().join("file");
    std::fs::write(&file, "").expect("file");
    let fresh = root.path().join("fresh");
    for args in [
        vec![
            "sensitivity",
            "scenarios/box1.toml",
            "--metric",
            "engagements",
        ],
        vec!["compare", "scenarios/mhep1_structures.toml"],
    ] {
        let assert = sibsim()
            .args(&args)
            .args(["--trials", "50", "--quiet"])
            .arg("--out")
            .arg(&fresh)
            .arg("--charts")
            .arg(file.join("sub"))
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("--charts"), "{args:?}: {stderr}");
        assert!(!fresh.exists(), "{args:?}");
    }
    let assert = sibsim()
        .args(["backtest", "scenarios/mhep1.toml", "--trials", "50"])
        .arg("--charts")
        .arg(file.join("sub"))
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--charts"), "{stderr}");
}

#[test]
fn names_in_analysis_charts_stay_text() {
    let evil = r#"<script>alert("x")</script> & </svg> 'q'"#;
    let mut s = sensitivity("ips_new_service");
    s.scenario = evil.into();
    s.outputs[0].tornado[0].input = evil.into();
    let (charts, _) = tornado_charts(&s).expect("charts");
    let doc = parse(&charts[0]);
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("Scenario {evil}"))),
        "{texts:?}"
    );
    // The input's name is cut to 40 characters for its row, and stays text.
    assert!(
        texts.iter().any(|t| t
            .trim()
            .starts_with(r#"<script>alert("x")</script> & </svg>"#)),
        "{texts:?}"
    );
}
