//! PNG copies of the charts, for users who ask (`--png`): the SVG plotters drew, rendered by
//! `resvg` at twice its size (1,800 × 1,120 pixels for a 900 × 560 chart) on its white ground.
//!
//! The SVG's text names no font beyond `sans-serif`; the renderer takes the first of
//! [`SANS_SERIF`] installed on the system (fontconfig's fonts, via `fontdb`), else any sans-serif
//! face it finds. A system with no font at all gets [`PngError::NoFont`], never a picture without
//! its text. Unlike the SVG, the PNG's pixels depend on the fonts installed: the SVG is the
//! reference copy.

use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// Sans-serif families tried, in order, for the charts' text.
pub const SANS_SERIF: &[&str] = &[
    "DejaVu Sans",
    "Liberation Sans",
    "Arial",
    "Helvetica",
    "Noto Sans",
    "FreeSans",
];

/// Pixels per SVG unit.
pub const SCALE: f32 = 2.0;

/// Why a chart could not be rendered as PNG.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// No font is installed, so the chart's text could not be drawn.
    #[error(
        "no font found to draw the charts' text in PNG (searched the system's font folders); install a sans-serif font (e.g. Debian's fonts-dejavu-core), or leave out --png: the SVG charts need none"
    )]
    NoFont,
    /// The SVG could not be read or the picture not encoded.
    #[error("cannot render the chart `{chart}` as PNG: {message}")]
    Render {
        /// The chart's file name, e.g. `dist-engagements.svg`.
        chart: String,
        /// The renderer's or encoder's message.
        message: String,
    },
}

/// A renderer with the system's fonts loaded once, for any number of charts.
#[derive(Debug)]
pub struct PngRenderer {
    options: usvg::Options<'static>,
}

impl PngRenderer {
    /// Load the system's fonts and choose the sans-serif family.
    ///
    /// # Errors
    /// [`PngError::NoFont`] when the system has no font.
    pub fn new() -> Result<PngRenderer, PngError> {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let families: Vec<String> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(name, _)| name.clone()))
            .collect();
        let family = SANS_SERIF
            .iter()
            .find(|want| families.iter().any(|f| f == *want))
            .map(|f| (*f).to_owned())
            .or_else(|| families.iter().find(|f| f.contains("Sans")).cloned())
            .or_else(|| families.first().cloned())
            .ok_or(PngError::NoFont)?;
        db.set_sans_serif_family(family.clone());
        let options = usvg::Options {
            font_family: family,
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        };
        Ok(PngRenderer { options })
    }

    /// The family the charts' text is drawn in.
    pub fn family(&self) -> &str {
        &self.options.font_family
    }

    /// `svg` (named `chart` in errors) as PNG bytes.
    ///
    /// # Errors
    /// The SVG cannot be parsed, or the picture is empty or cannot be encoded.
    pub fn render(&self, chart: &str, svg: &str) -> Result<Vec<u8>, PngError> {
        let err = |message: String| PngError::Render {
            chart: chart.to_owned(),
            message,
        };
        let tree = usvg::Tree::from_str(svg, &self.options).map_err(|e| err(e.to_string()))?;
        let size = tree
            .size()
            .to_int_size()
            .scale_by(SCALE)
            .ok_or_else(|| err("the chart has no size".into()))?;
        let mut pixmap = Pixmap::new(size.width(), size.height())
            .ok_or_else(|| err(format!("no {}×{} picture", size.width(), size.height())))?;
        resvg::render(
            &tree,
            Transform::from_scale(SCALE, SCALE),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(|e| err(e.to_string()))
    }
}

/// A chart's PNG file name: its SVG name with `.png`.
pub fn png_name(svg_name: &str) -> String {
    match svg_name.strip_suffix(".svg") {
        Some(stem) => format!("{stem}.png"),
        None => format!("{svg_name}.png"),
    }
}
