//! Reading charts' SVG back in the chart tests: tick labels and the x axis they mark, filled
//! rectangles and vertical lines.

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

/// `(x, y, width, height)` of the rectangles filled with `colour`, top first.
pub fn rects(doc: &roxmltree::Document, colour: &str) -> Vec<(f64, f64, f64, f64)> {
    let mut r: Vec<(f64, f64, f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(colour))
        .filter_map(|n| {
            let a = |k: &str| n.attribute(k)?.parse::<f64>().ok();
            Some((a("x")?, a("y")?, a("width")?, a("height")?))
        })
        .collect();
    r.sort_by(|a, b| a.1.total_cmp(&b.1));
    r
}

/// The x of the vertical polylines drawn in `colour` with stroke width `width` (a dashed line
/// gives one per dash).
pub fn vertical_lines(doc: &roxmltree::Document, colour: &str, width: &str) -> Vec<f64> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("polyline")
                && n.attribute("stroke") == Some(colour)
                && n.attribute("stroke-width") == Some(width)
        })
        .filter_map(|n| {
            let pts: Vec<(f64, f64)> = n
                .attribute("points")?
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            (pts.len() == 2 && pts[0].0 == pts[1].0 && pts[0].1 != pts[1].1).then(|| pts[0].0)
        })
        .collect()
}
