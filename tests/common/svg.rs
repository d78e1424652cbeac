//! Reading charts' SVG back in the chart tests: tick labels and the x axis they mark.

/// A number as a tick label writes it: `2,500`, `£1.2m`, `−£350k`, `45%`, `-0.05`.
pub fn parse_tick(s: &str) -> Option<f64> {
    let s = s
        .trim()
        .replace(',', "")
        .replace('−', "-")
        .replace(['£', '×'], "");
    let (s, scale) = if let Some(v) = s.strip_suffix('m') {
        (v.to_string(), 1e6)
    } else if let Some(v) = s.strip_suffix('k') {
        (v.to_string(), 1e3)
    } else if let Some(v) = s.strip_suffix('%') {
        (v.to_string(), 0.01)
    } else {
        (s, 1.0)
    };
    s.parse::<f64>().ok().map(|v| v * scale)
}

/// The first and last x-axis tick labels (centred text whose content is a number), as
/// `(value, x)`.
pub fn x_ticks(doc: &roxmltree::Document) -> ((f64, f64), (f64, f64)) {
    let ticks: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("middle"))
        .filter_map(|n| {
            let v = parse_tick(n.text()?)?;
            let x: f64 = n.attribute("x")?.parse().ok()?;
            Some((v, x))
        })
        .collect();
    assert!(ticks.len() >= 2, "fewer than two x tick labels: {ticks:?}");
    (ticks[0], ticks[ticks.len() - 1])
}
