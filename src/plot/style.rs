//! Drawing helpers every figure shares: fonts at a scale, a header with a title and a
//! legend, panel grids, markers and error bars.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::okabe_ito;
use super::{DrawError, Theme};

/// The categorical palette (Okabe–Ito without yellow, which is too light on white).
pub const CATEGORICAL: [RGBColor; 7] = [
    okabe_ito::BLUE,
    okabe_ito::VERMILLION,
    okabe_ito::BLUISH_GREEN,
    okabe_ito::ORANGE,
    okabe_ito::REDDISH_PURPLE,
    okabe_ito::SKY_BLUE,
    okabe_ito::BLACK,
];

/// Colour `index` of the categorical palette (wraps around).
pub fn categorical(index: usize) -> RGBColor {
    CATEGORICAL[index % CATEGORICAL.len()]
}

/// Marker shapes, told apart without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// Filled circle.
    Circle,
    /// Filled triangle.
    Triangle,
    /// Filled square.
    Square,
    /// Cross.
    Cross,
}

impl Marker {
    /// Marker `index` of the sequence circle, triangle, square, cross.
    pub fn nth(index: usize) -> Self {
        [Self::Circle, Self::Triangle, Self::Square, Self::Cross][index % 4]
    }
}

/// What a legend entry shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key {
    /// A filled swatch (bars).
    Swatch,
    /// A line, dashed or solid, with a marker.
    Line {
        /// Dashed line.
        dashed: bool,
    },
    /// A marker alone.
    Marker(Marker),
    /// A short vertical tick (a total marked on a bar).
    Tick,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    /// The label.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// What is drawn.
    pub key: Key,
}

/// Fonts and a point-to-unit conversion for one backend.
pub struct Ink<'a> {
    /// The theme.
    pub theme: &'a Theme,
    /// Backend units per point.
    pub scale: f64,
}

impl Ink<'_> {
    /// Points to backend units.
    pub fn pt(&self, points: f64) -> i32 {
        (points * self.scale).round() as i32
    }

    /// Stroke width of `points`, at least one unit.
    pub fn stroke(&self, points: f64) -> u32 {
        self.pt(points).max(1) as u32
    }

    /// Body text.
    pub fn text(&self) -> TextStyle<'static> {
        (self.theme.font, self.theme.text_pt * self.scale).into_font().color(&self.theme.foreground)
    }

    /// Small text (dense tick labels).
    pub fn small(&self) -> TextStyle<'static> {
        (self.theme.font, (self.theme.text_pt - 1.0) * self.scale).into_font().color(&self.theme.foreground)
    }

    /// Panel titles.
    pub fn title(&self) -> TextStyle<'static> {
        (self.theme.font, self.theme.title_pt * self.scale, FontStyle::Bold).into_font().color(&self.theme.foreground)
    }

    /// A backend pixel (as `map_coordinate` returns it) relative to `area`'s origin.
    pub fn at<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, pixel: (i32, i32)) -> (i32, i32) {
        let base = area.get_base_pixel();
        (pixel.0 - base.0, pixel.1 - base.1)
    }

    /// Draws a marker centred at a backend coordinate.
    pub fn marker<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        at: (i32, i32),
        marker: Marker,
        color: RGBColor,
    ) -> Result<(), DrawError>
    where
        DB::ErrorType: 'static,
    {
        let r = self.pt(2.2);
        let result = match marker {
            Marker::Circle => area.draw(&Circle::new(at, r, color.filled())),
            Marker::Square => area.draw(&Rectangle::new([(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)], color.filled())),
            Marker::Triangle => area.draw(&Polygon::new(
                vec![(at.0, at.1 - r - 1), (at.0 - r - 1, at.1 + r), (at.0 + r + 1, at.1 + r)],
                color.filled(),
            )),
            Marker::Cross => area.draw(&Cross::new(at, r, color.stroke_width(self.stroke(1.0)))),
        };
        Ok(result?)
    }

    /// Draws `title` on the left of `header` and the legend entries right-aligned.
    pub fn header<DB: DrawingBackend>(
        &self,
        header: &DrawingArea<DB, Shift>,
        title: &str,
        legend: &[LegendEntry],
    ) -> Result<(), DrawError>
    where
        DB::ErrorType: 'static,
    {
        let text = self.text();
        let middle = header.dim_in_pixel().1 as i32 / 2;
        header.draw(&Text::new(
            title.to_owned(),
            (self.pt(6.0), middle),
            text.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let mut x = header.dim_in_pixel().0 as i32 - self.pt(6.0);
        for entry in legend.iter().rev() {
            let width = header.estimate_text_size(&entry.label, &text)?.0 as i32;
            x -= width;
            header.draw(&Text::new(
                entry.label.clone(),
                (x, middle),
                text.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            let key_width = self.pt(12.0);
            x -= key_width + self.pt(3.0);
            let center = (x + key_width / 2, middle);
            match entry.key {
                Key::Swatch => header.draw(&Rectangle::new(
                    [(x + self.pt(2.0), middle - self.pt(3.0)), (x + key_width - self.pt(2.0), middle + self.pt(3.0))],
                    entry.color.filled(),
                ))?,
                Key::Line { dashed } => {
                    let style = entry.color.stroke_width(self.stroke(1.0));
                    if dashed {
                        let dash = self.pt(2.5);
                        let mut start = x;
                        while start < x + key_width {
                            let end = (start + dash).min(x + key_width);
                            header.draw(&PathElement::new([(start, middle), (end, middle)], style))?;
                            start += 2 * dash;
                        }
                    } else {
                        header.draw(&PathElement::new([(x, middle), (x + key_width, middle)], style))?;
                    }
                    self.marker(header, center, Marker::Circle, entry.color)?;
                }
                Key::Marker(marker) => self.marker(header, center, marker, entry.color)?,
                Key::Tick => header.draw(&PathElement::new(
                    [(center.0, middle - self.pt(4.0)), (center.0, middle + self.pt(4.0))],
                    entry.color.stroke_width(self.stroke(1.4)),
                ))?,
            }
            x -= self.pt(8.0);
        }
        Ok(())
    }
}

/// Splits `area` into `count` panels on a grid `columns` wide (row-major; the last row
/// may be partly empty).
pub fn panel_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    count: usize,
    columns: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let columns = columns.clamp(1, count.max(1));
    let rows = count.div_ceil(columns).max(1);
    area.split_evenly((rows, columns)).into_iter().take(count).collect()
}

/// A data range padded by 8% on each side (a unit range around a single value).
pub fn padded_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if high > low { 0.08 * (high - low) } else { 0.5f64.max(0.1 * low.abs()) };
    (low - pad, high + pad)
}

/// Deduplicates legend entries by label, keeping the first.
pub fn dedup_legend(entries: Vec<LegendEntry>) -> Vec<LegendEntry> {
    let mut out: Vec<LegendEntry> = Vec::new();
    for entry in entries {
        if !out.iter().any(|e| e.label == entry.label) {
            out.push(entry);
        }
    }
    out
}
