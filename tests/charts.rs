//! Charts (`sibsim::report::charts`): every chart of a run renders for every bundled scenario as
//! well-formed XML; the plan marker sits where the axis puts the plan figure, and the outside
//! view's band where the axis puts its interval; names from the scenario file stay text.

use sibsim::analysis::outside_view::{outside_quantiles, ReferenceClass, DEFAULT_CLASS};
use sibsim::analysis::summary::sorted_defined;
use sibsim::analysis::RunReport;
use sibsim::engine::run;
use sibsim::engine::runner::RunOptions;
use sibsim::engine::table::TrialTable;
use sibsim::evidence::Library;
use sibsim::report::charts::{
    hex, palette, run_charts, run_charts_with, Chart, Distribution, Unit,
};
use sibsim::scenario::{self, Model};

mod common;

use common::svg::{rects, vertical_lines};

const SCENARIOS: [&str; 5] = [
    "box1",
    "ips_new_service",
    "lcf_tower_hamlets_mh",
    "mhep1",
    "mhep1_reset",
];

fn simulate(name: &str, trials: u64) -> (Model, TrialTable, RunReport) {
    let model = scenario::load(std::path::Path::new(&format!("scenarios/{name}.toml")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let opts = RunOptions {
        trials: Some(trials),
        ..Default::default()
    };
    let plan = opts.plan(&model).expect("plan");
    let table = run(&model, &opts, &|_| {}).expect("run");
    let report = RunReport::new(
        &model,
        &table,
        &plan,
        model.settings.seed,
        (model.settings.low, model.settings.high),
        0.8,
    );
    (model, table, report)
}

fn charts(name: &str) -> (Model, TrialTable, Vec<Chart>) {
    let (model, table, report) = simulate(name, 200);
    let (charts, skipped) = run_charts(&model, &report, &table).expect("charts");
    assert!(skipped.is_empty(), "{name}: {skipped:?}");
    (model, table, charts)
}

/// The x-axis mapping recovered from the SVG: its first and last tick labels as `(value, x)`.
fn x_axis(doc: &roxmltree::Document) -> ((f64, f64), (f64, f64)) {
    common::svg::x_ticks(doc)
}

#[test]
fn every_chart_renders_as_xml_for_every_bundled_scenario() {
    for name in SCENARIOS {
        let (model, _, charts) = charts(name);
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        // The fixed set: the plan's metrics, engagements, job starts, each site's margin, the
        // investor's multiple with finance; fans of the counts, each site's cash, SPV and investor.
        let mut expected: Vec<String> = model
            .plan
            .iter()
            .map(|p| format!("dist-{}.svg", p.metric))
            .collect();
        expected.extend(["dist-engagements.svg".into(), "dist-job_starts.svg".into()]);
        for s in &model.sites {
            expected.push(format!("dist-site.{}.provider.margin.svg", s.id));
            expected.push(format!("fan-site.{}.provider.cash.svg", s.id));
        }
        expected.extend(["fan-engagements.svg".into(), "fan-job_starts.svg".into()]);
        if model.finance.is_some() {
            expected.extend([
                "dist-investor.multiple.svg".into(),
                "fan-spv.cash.svg".into(),
                "fan-investor.outstanding.svg".into(),
            ]);
        }
        for e in &expected {
            assert!(files.contains(&e.as_str()), "{name}: no {e} in {files:?}");
        }
        let mut unique = files.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), files.len(), "{name}: repeated file names");
        for c in &charts {
            let doc = roxmltree::Document::parse(&c.svg)
                .unwrap_or_else(|e| panic!("{name} {}: not XML: {e}", c.file));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            let texts: String = doc
                .descendants()
                .filter(|n| n.has_tag_name("text"))
                .filter_map(|n| n.text())
                .collect();
            assert!(
                texts.contains(&c.title),
                "{name} {}: title not drawn",
                c.file
            );
            if c.file.starts_with("dist-") {
                // A numeric x axis the markers can be placed against.
                x_axis(&doc);
            }
        }
    }
}

#[test]
fn the_plan_marker_sits_at_the_plan_figure_on_the_x_axis() {
    let vermilion = hex(palette::VERMILION);
    let mut checked = 0;
    for name in ["ips_new_service", "mhep1", "mhep1_reset"] {
        let (model, _, charts) = charts(name);
        for p in &model.plan {
            let file = format!("dist-{}.svg", p.metric);
            let chart = charts.iter().find(|c| c.file == file).expect("chart");
            let doc = roxmltree::Document::parse(&chart.svg).expect("xml");
            let ((v0, x0), (v1, x1)) = x_axis(&doc);
            assert!(v1 > v0, "{name} {file}: ticks {v0} {v1}");
            let expected = x0 + (p.value - v0) * (x1 - x0) / (v1 - v0);
            // The plan line is the one vermilion line of width 3 (its legend swatch is horizontal).
            let lines = vertical_lines(&doc, &vermilion, "3");
            assert_eq!(lines.len(), 1, "{name} {file}: plan lines {lines:?}");
            assert!(
                (lines[0] - expected).abs() <= 1.0,
                "{name} {file}: plan {} drawn at x {} but the axis puts it at {expected:.2}",
                p.value,
                lines[0]
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} plan markers checked");
}

/// The bundled library's default reference class, as `sibsim run --charts` fits it.
fn reference_class() -> ReferenceClass {
    let library = Library::load(std::path::Path::new("evidence")).expect("bundled evidence");
    ReferenceClass::fit(&library, DEFAULT_CLASS).expect("the default class fits")
}

#[test]
fn the_outside_view_band_spans_its_interval_on_the_x_axis() {
    let rc = reference_class();
    let purple = hex(palette::PURPLE);
    let mut checked = 0;
    for name in ["ips_new_service", "mhep1", "mhep1_reset"] {
        let (model, table, report) = simulate(name, 200);
        let levels = report.summary.quantiles;
        let (with, skipped) = run_charts_with(&model, &report, &table, Some(&rc)).expect("charts");
        assert!(skipped.is_empty(), "{name}: {skipped:?}");
        for p in &model.plan {
            let file = format!("dist-{}.svg", p.metric);
            let chart = with.iter().find(|c| c.file == file).expect("chart");
            let doc = roxmltree::Document::parse(&chart.svg).expect("xml");
            let ((v0, x0), (v1, x1)) = x_axis(&doc);
            assert!(v1 > v0, "{name} {file}: ticks {v0} {v1}");
            let x = |v: f64| x0 + (v - v0) * (x1 - x0) / (v1 - v0);
            // Plan × the class' P10 and P90 actual/plan, as `sibsim outside-view` prints them.
            let [low, _, high] = outside_quantiles(&rc, p.value, levels);
            assert!(
                (low - p.value * rc.ratio_quantile(levels[0])).abs() < 1e-9 && low < high,
                "{name} {file}: {low} {high}"
            );
            // The band is the tallest purple rectangle (its legend swatch is 10 high).
            let band = rects(&doc, &purple)
                .into_iter()
                .max_by(|a, b| a.3.total_cmp(&b.3))
                .expect("a band");
            assert!(band.3 > 100.0, "{name} {file}: band {band:?}");
            assert!(
                (band.0 - x(low)).abs() <= 1.0 && (band.0 + band.2 - x(high)).abs() <= 1.0,
                "{name} {file}: band {band:?}, the axis puts {low:.1}..{high:.1} at {:.1}..{:.1}",
                x(low),
                x(high)
            );
            // Its dotted edges: purple dashes at the same two x.
            let mut edges = vertical_lines(&doc, &purple, "2");
            edges.sort_by(f64::total_cmp);
            edges.dedup();
            assert_eq!(edges.len(), 2, "{name} {file}: edges {edges:?}");
            assert!(
                (edges[0] - x(low)).abs() <= 1.0 && (edges[1] - x(high)).abs() <= 1.0,
                "{name} {file}: edges {edges:?}"
            );
            // Named with its values in the legend, not beside the band.
            let unit = Unit::of(&p.metric);
            let label = format!(
                "Outside view P10–P90: {} – {} ({DEFAULT_CLASS}, {} past projects)",
                unit.full(low),
                unit.full(high),
                rc.cases.len()
            );
            assert!(
                doc.descendants()
                    .any(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(&label)),
                "{name} {file}: no legend entry {label:?}"
            );
            checked += 1;
        }
        // Without the outside view nothing is purple; with it, only the plan metrics' charts
        // change, and the others are the same bytes.
        let (without, _) = run_charts(&model, &report, &table).expect("charts");
        assert_eq!(without.len(), with.len(), "{name}");
        for (a, b) in without.iter().zip(&with) {
            assert_eq!(a.file, b.file);
            assert!(!a.svg.contains(&purple), "{name} {}", a.file);
            let planned = model
                .plan
                .iter()
                .any(|p| a.file == format!("dist-{}.svg", p.metric));
            assert_eq!(a.svg != b.svg, planned, "{name} {}", a.file);
        }
    }
    assert!(checked >= 8, "only {checked} bands checked");
    // A scenario without plan figures draws the same charts with or without a class.
    let (model, table, report) = simulate("box1", 200);
    assert_eq!(
        run_charts_with(&model, &report, &table, Some(&rc)).expect("charts"),
        run_charts(&model, &report, &table).expect("charts")
    );
}

#[test]
fn a_chart_without_a_plan_marks_none() {
    let (_, _, charts) = charts("box1");
    let chart = charts
        .iter()
        .find(|c| c.file == "dist-engagements.svg")
        .expect("chart");
    let doc = roxmltree::Document::parse(&chart.svg).expect("xml");
    assert!(vertical_lines(&doc, &hex(palette::VERMILION), "3").is_empty());
    assert!(
        chart.title.ends_with("what range to expect?"),
        "{}",
        chart.title
    );
}

#[test]
fn names_from_the_scenario_stay_text() {
    let evil = r#"<script>alert("x")</script> & </svg> 'q'"#;
    let (mut model, table, _) = simulate("ips_new_service", 200);
    let sorted = sorted_defined(&table, "site.new_service.engagements").expect("values");
    model.name = evil.into();
    model.sites[0].id = evil.into();
    let metric = format!("site.{evil}.engagements");
    // The plan figure of the renamed site, so that the legend carries a marker too.
    model.plan[0].metric = metric.clone();
    let d = Distribution::for_metric(&model, &metric, &sorted, [0.1, 0.5, 0.9]);
    let chart = d.chart(&metric).expect("renders");
    assert!(
        chart
            .file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "{}",
        chart.file
    );
    let doc = roxmltree::Document::parse(&chart.svg).expect("well-formed XML");
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
    assert!(texts
        .iter()
        .any(|t| t.contains(&format!("Engagements, {evil}"))));
    // Control characters XML cannot hold become U+FFFD rather than breaking the file.
    model.name = "a\u{1}b".into();
    let d = Distribution::for_metric(&model, &metric, &sorted, [0.1, 0.5, 0.9]);
    let svg = d.render().expect("renders");
    roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.contains("a\u{FFFD}b"));
}

#[test]
fn run_writes_its_charts_into_the_charts_folder() {
    let root = tempfile::tempdir().expect("tempdir");
    let (out, dir) = (root.path().join("out"), root.path().join("charts"));
    assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["run", "scenarios/mhep1.toml", "--trials", "200", "--quiet"])
        .arg("--out")
        .arg(&out)
        .arg("--charts")
        .arg(&dir)
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("charts folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| n.ends_with(".svg")), "{names:?}");
    assert!(names.contains(&"dist-engagements.svg".to_string()));
    assert!(names.contains(&"fan-spv.cash.svg".to_string()));
    assert!(out.join("summary.json").is_file());

    // A --charts folder that cannot be one fails before anything runs or is written.
    let file = root.path().join("file");
    std::fs::write(&file, "").expect("file");
    let fresh = root.path().join("fresh");
    let assert = assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["run", "scenarios/box1.toml", "--trials", "50", "--quiet"])
        .arg("--out")
        .arg(&fresh)
        .arg("--charts")
        .arg(file.join("sub"))
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--charts"), "{stderr}");
    assert!(!fresh.exists());
}

/// `--png` writes a PNG beside each SVG, at twice the SVG's size, with its text drawn: the title
/// band (top 70 pixels) holds dark text pixels across its middle, where the title is centred.
#[test]
fn png_copies_are_the_charts_at_twice_the_size_with_their_text() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("charts");
    assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["run", "scenarios/box1.toml", "--trials", "200", "--quiet"])
        .arg("--out")
        .arg(root.path().join("out"))
        .arg("--charts")
        .arg(&dir)
        .arg("--png")
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("charts folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let svgs: Vec<&String> = names.iter().filter(|n| n.ends_with(".svg")).collect();
    assert!(!svgs.is_empty());
    assert_eq!(names.len(), 2 * svgs.len(), "{names:?}");
    for svg in svgs {
        let png = dir.join(svg.replace(".svg", ".png"));
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display())),
        ));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("frame");
        let (w, h) = (info.width as usize, info.height as usize);
        assert_eq!(
            (info.width, info.height),
            (
                2 * sibsim::report::charts::SIZE.0,
                2 * sibsim::report::charts::SIZE.1
            )
        );
        let channels = info.color_type.samples();
        let dark = |x: usize, y: usize| {
            let p = &buf[(y * w + x) * channels..][..3];
            p.iter().all(|&c| c < 96)
        };
        let title_ink = (0..70)
            .flat_map(|y| (w / 4..3 * w / 4).map(move |x| (x, y)))
            .filter(|&(x, y)| dark(x, y))
            .count();
        assert!(
            title_ink > 500,
            "{svg}: {title_ink} dark pixels in the title band"
        );
        let ground = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| buf[(y * w + x) * channels..][..3].iter().all(|&c| c > 250))
            .count();
        assert!(ground > w * h / 3, "{svg}: a white ground");
    }

    // --png needs --charts.
    assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["run", "scenarios/box1.toml", "--png", "--quiet"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--charts <DIR>"));
}

#[test]
fn run_and_report_mark_the_outside_view_when_the_library_can_be_read() {
    let root = tempfile::tempdir().expect("tempdir");
    let purple = hex(palette::PURPLE);
    let run = |dir: &std::path::Path, evidence: Option<&std::path::Path>| {
        let mut cmd = assert_cmd::Command::cargo_bin("sibsim").expect("binary");
        cmd.args(["run", "scenarios/ips_new_service.toml", "--trials", "200"])
            .arg("--out")
            .arg(root.path().join("out"))
            .arg("--charts")
            .arg(dir);
        if let Some(e) = evidence {
            cmd.arg("--evidence").arg(e);
        }
        let out = cmd.assert().success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let svg = std::fs::read_to_string(dir.join("dist-engagements.svg")).expect("chart");
        (stderr, svg)
    };
    // The bundled library (the default --evidence): the band is drawn, nothing is noted.
    let (stderr, svg) = run(&root.path().join("a"), None);
    assert!(svg.contains(&purple), "no band");
    assert!(!stderr.contains("outside view"), "{stderr}");
    // A library named by --evidence that cannot be read is an error, before anything runs: not
    // a reason to draw the charts from another library.
    let missing = root.path().join("no-such-library");
    let refused = assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary")
        .args(["run", "scenarios/ips_new_service.toml", "--trials", "200"])
        .arg("--out")
        .arg(root.path().join("out"))
        .arg("--charts")
        .arg(root.path().join("b"))
        .arg("--evidence")
        .arg(&missing)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with(&format!(
            "Error: cannot read the evidence library at {} (given by --evidence): ",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(!root.path().join("b").exists());
    // A library without the reference class (evidence/ but for reference_class.toml): the
    // scenario's evidence inputs resolve, the charts go without the band, the run says so and
    // succeeds.
    let partial = root.path().join("no-reference-class");
    std::fs::create_dir(&partial).unwrap();
    for name in ["bit2020.toml", "later.toml", "mhep1.toml"] {
        std::fs::copy(
            std::path::Path::new("evidence").join(name),
            partial.join(name),
        )
        .unwrap();
    }
    let (stderr, svg) = run(&root.path().join("b"), Some(&partial));
    assert!(!svg.contains(&purple), "a band without a library");
    assert!(
        stderr.contains(&format!(
            "note: the distribution charts do not mark the outside view: in the evidence library {} (given by --evidence): ",
            partial.display()
        )),
        "{stderr}"
    );
    let missing = partial;
    // `report` too, and --quiet keeps the note off stderr.
    let html = root.path().join("r.html");
    let report = |extra: &[&str], evidence: Option<&std::path::Path>| {
        let mut cmd = assert_cmd::Command::cargo_bin("sibsim").expect("binary");
        cmd.args([
            "report",
            "scenarios/ips_new_service.toml",
            "--trials",
            "200",
        ])
        .args(extra)
        .arg("-o")
        .arg(&html);
        if let Some(e) = evidence {
            cmd.arg("--evidence").arg(e);
        }
        let out = cmd.assert().success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let page = std::fs::read_to_string(&html).expect("page");
        (stderr, page)
    };
    let (stderr, page) = report(&[], Some(&missing));
    assert!(
        stderr.contains("note: the distribution charts do not mark the outside view"),
        "{stderr}"
    );
    assert!(!page.contains(&purple));
    let (stderr, _) = report(&["--quiet"], Some(&missing));
    assert_eq!(stderr, "");
    let (_, page) = report(&["--quiet"], None);
    assert!(page.contains(&purple));
}
