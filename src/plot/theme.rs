//! The figure theme: the Okabe–Ito colour-blind-safe palette, one font family, and
//! point sizes for a two-column paper.

use plotters::style::RGBColor;

/// Okabe–Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    /// Sky blue.
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    /// Bluish green.
    pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    /// Yellow.
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    /// Reddish purple.
    pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    /// Black.
    pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
}

/// Colours and sizes shared by every figure.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Figure background.
    pub background: RGBColor,
    /// Axis lines and text.
    pub foreground: RGBColor,
    /// Light grid lines.
    pub grid: RGBColor,
    /// Font family name (registered by [`super::register_fonts`]).
    pub font: &'static str,
    /// Body text (tick labels, legends), points.
    pub text_pt: f64,
    /// Panel titles, points.
    pub title_pt: f64,
    /// Colour of each post-training stage: SFT, DPO, RL, and a net change.
    pub stage_colors: [RGBColor; 4],
    /// Colours of lineages in order (Base, Think, Instruct, RL-Zero, further ones).
    pub lineage_colors: [RGBColor; 6],
}

impl Default for Theme {
    fn default() -> Self {
        use okabe_ito::*;
        Self {
            background: RGBColor(0xFF, 0xFF, 0xFF),
            foreground: RGBColor(0x22, 0x22, 0x22),
            grid: RGBColor(0xE4, 0xE4, 0xE4),
            font: "sans-serif",
            text_pt: 7.0,
            title_pt: 8.5,
            stage_colors: [VERMILLION, BLUE, BLUISH_GREEN, RGBColor(0x77, 0x77, 0x77)],
            lineage_colors: [BLACK, VERMILLION, BLUE, BLUISH_GREEN, ORANGE, REDDISH_PURPLE],
        }
    }
}
