//! Figure: a dot plot, one row per task and one coloured dot per checkpoint, with
//! horizontal interval whiskers (NLI diversity per task).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{Ink, Key, LegendEntry, Marker, padded_range};
use super::trajectory::Estimate;
use super::{DrawError, Figure, FigureSize, PlotError, Theme};

/// One checkpoint's dots, one per row.
#[derive(Debug, Clone)]
pub struct DotSeries {
    /// Legend label.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// One estimate per row (NaN when missing).
    pub values: Vec<Estimate>,
}

/// The figure.
#[derive(Debug, Clone)]
pub struct DotPlotFigure {
    /// Title line.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// Row names, top to bottom.
    pub rows: Vec<String>,
    /// The series.
    pub series: Vec<DotSeries>,
}

impl DotPlotFigure {
    /// Checks that there is something finite to draw.
    pub fn validate(self) -> Result<Self, PlotError> {
        if !self.series.iter().flat_map(|s| &s.values).any(|e| e.value.is_finite()) {
            return Err(PlotError::Data(format!("{}: nothing to draw", self.title)));
        }
        Ok(self)
    }
}

impl Figure for DotPlotFigure {
    fn size(&self) -> FigureSize {
        FigureSize::full_width(0.8 + 0.2 * self.rows.len() as f64)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        scale: f64,
    ) -> Result<(), DrawError>
    where
        DB::ErrorType: 'static,
    {
        let ink = Ink { theme, scale };
        let (header, rest) = area.split_vertically(ink.pt(16.0) as u32);
        let (legend_row, body) = rest.split_vertically(ink.pt(14.0) as u32);
        ink.header(&header, &self.title, &[])?;
        let legend: Vec<LegendEntry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry { label: s.label.clone(), color: s.color, key: Key::Marker(Marker::nth(i)) })
            .collect();
        ink.header(&legend_row, "", &legend)?;
        let (labels, plot) = body.split_horizontally(ink.pt(70.0) as u32);
        let n = self.rows.len();
        let (x_low, x_high) =
            padded_range(self.series.iter().flat_map(|s| &s.values).flat_map(|e| [e.value, e.low, e.high]));
        let mut chart = ChartBuilder::on(&plot)
            .margin(ink.pt(6.0))
            .x_label_area_size(ink.pt(20.0))
            .build_cartesian_2d(x_low..x_high, -0.6..n as f64 - 0.4)?;
        chart
            .configure_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&|x| format!("{x:.2}"))
            .x_desc(&self.x_label)
            .label_style(ink.text())
            .axis_desc_style(ink.text())
            .light_line_style(theme.background)
            .bold_line_style(theme.grid)
            .axis_style(theme.foreground)
            .draw()?;
        let k = self.series.len().max(1) as f64;
        for (row, name) in self.rows.iter().enumerate() {
            let y = (n - 1 - row) as f64;
            chart.draw_series(LineSeries::new([(x_low, y), (x_high, y)], theme.grid.stroke_width(ink.stroke(0.4))))?;
            for (index, series) in self.series.iter().enumerate() {
                let Some(e) = series.values.get(row).filter(|e| e.value.is_finite()) else { continue };
                // Dodge the series vertically within the row so whiskers do not overlap.
                let yy = y + 0.28 - 0.56 * (index as f64 + 0.5) / k;
                let color = series.color;
                if e.has_interval() {
                    chart.draw_series(std::iter::once(PathElement::new(
                        [(e.low, yy), (e.high, yy)],
                        color.stroke_width(ink.stroke(0.7)),
                    )))?;
                }
                let pixel = chart.plotting_area().map_coordinate(&(e.value, yy));
                ink.marker(area, ink.at(area, pixel), Marker::nth(index), color)?;
            }
            let pixel = chart.plotting_area().map_coordinate(&(x_low, y));
            labels.draw(&Text::new(
                name.replace('_', " "),
                (labels.dim_in_pixel().0 as i32 - ink.pt(2.0), ink.at(&labels, pixel).1),
                ink.text().pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}
