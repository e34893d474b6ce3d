//! Publication figures with plotters: PNG (300 dpi) and SVG from one drawing routine,
//! one colour-blind-safe theme, and an embedded font so headless machines without
//! fontconfig render text.
//!
//! Sizes are given in inches for a two-column paper (full width 7.0 in, one column
//! 3.4 in). A figure is drawn once per backend with a scale factor: SVG uses 72 units
//! per inch (so a font size in points is a size in units), PNG 300 pixels per inch.

pub mod attribution;
pub mod decomposition;
pub mod dots;
pub mod scatter;
pub mod style;
pub mod theme;
pub mod trajectory;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use theme::Theme;

/// The embedded regular and bold DejaVu Sans (Bitstream Vera licence, see fonts/).
const FONT_REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// PNG resolution.
pub const PNG_DPI: f64 = 300.0;
/// SVG units per inch (points).
pub const SVG_UNITS_PER_INCH: f64 = 72.0;

/// Errors while drawing or writing a figure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// plotters failed while drawing the figure file at `path`.
    #[error("{path}: drawing failed: {source}")]
    Draw {
        /// The output file.
        path: PathBuf,
        /// plotters' error (or the figure's own, for a layout it cannot draw).
        source: DrawError,
    },
    /// The output folder or file cannot be written.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The data cannot be drawn (empty, not finite, …).
    #[error("{0}")]
    Data(String),
}

/// Registers the embedded font for plotters' default families (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for family in ["sans-serif", "serif", "DejaVu Sans"] {
            // The font bytes are embedded and valid, so registration cannot fail.
            let _ = plotters::style::register_font(family, FontStyle::Normal, FONT_REGULAR);
            let _ = plotters::style::register_font(family, FontStyle::Bold, FONT_BOLD);
        }
    });
}

/// A figure's physical size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FigureSize {
    /// Width in inches.
    pub width_in: f64,
    /// Height in inches.
    pub height_in: f64,
}

impl FigureSize {
    /// Full text width of a two-column paper.
    pub const fn full_width(height_in: f64) -> Self {
        Self { width_in: 7.0, height_in }
    }

    /// One column of a two-column paper.
    pub const fn column(height_in: f64) -> Self {
        Self { width_in: 3.4, height_in }
    }

    fn pixels(self, per_inch: f64) -> (u32, u32) {
        ((self.width_in * per_inch).round() as u32, (self.height_in * per_inch).round() as u32)
    }
}

/// An error while drawing on a plotters backend. Each backend has its own error type
/// (`DrawingAreaErrorKind<DB::ErrorType>`), so they are boxed.
pub type DrawError = Box<dyn std::error::Error + Send + Sync>;

/// Something that can draw itself on any plotters backend.
///
/// `scale` converts points to backend units (1 for SVG, 300/72 for PNG).
pub trait Figure {
    /// The physical size.
    fn size(&self) -> FigureSize;
    /// Draws on `area`; errors are plotters' messages.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        scale: f64,
    ) -> Result<(), DrawError>
    where
        DB::ErrorType: 'static;
}

/// Writes `<stem>.png` and `<stem>.svg` and returns both paths.
pub fn save<F: Figure>(figure: &F, theme: &Theme, stem: &Path) -> Result<[PathBuf; 2], PlotError> {
    register_fonts();
    if let Some(folder) = stem.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| PlotError::Io { path: folder.to_owned(), source })?;
    }
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    let draw_error = |path: &Path| {
        let path = path.to_owned();
        move |source: DrawError| PlotError::Draw { path, source }
    };
    let draw_png = || -> Result<(), DrawError> {
        let area = BitMapBackend::new(&png, figure.size().pixels(PNG_DPI)).into_drawing_area();
        area.fill(&theme.background)?;
        figure.draw(&area, theme, PNG_DPI / SVG_UNITS_PER_INCH)?;
        area.present()?;
        Ok(())
    };
    draw_png().map_err(draw_error(&png))?;
    let markup = svg_markup(figure, theme).map_err(draw_error(&svg))?;
    std::fs::write(&svg, markup).map_err(|source| PlotError::Io { path: svg.clone(), source })?;
    Ok([png, svg])
}

/// Draws `figure` as SVG markup (72 units per inch, the same drawing as [`save`]'s SVG
/// file); errors are plotters' messages.
pub fn svg_markup<F: Figure>(figure: &F, theme: &Theme) -> Result<String, DrawError> {
    register_fonts();
    let mut markup = String::new();
    {
        let area = SVGBackend::with_string(&mut markup, figure.size().pixels(SVG_UNITS_PER_INCH)).into_drawing_area();
        area.fill(&theme.background)?;
        figure.draw(&area, theme, 1.0)?;
        area.present()?;
    }
    Ok(markup)
}
