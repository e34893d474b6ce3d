//! Figure: a labelled scatter with optional interval whiskers (accuracy@1 against the
//! majority-vote gain): colour by one factor (task), marker by another (lineage).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{Ink, Key, LegendEntry, Marker, categorical, padded_range};
use super::trajectory::Estimate;
use super::{DrawError, Figure, FigureSize, PlotError, Theme};

/// One point.
#[derive(Debug, Clone)]
pub struct ScatterPoint {
    /// x with its interval.
    pub x: Estimate,
    /// y with its interval.
    pub y: Estimate,
    /// Index into [`ScatterFigure::colors`].
    pub color: usize,
    /// Index into [`ScatterFigure::markers`].
    pub marker: usize,
}

/// The figure.
#[derive(Debug, Clone)]
pub struct ScatterFigure {
    /// Title line.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Colour legend labels (e.g. tasks).
    pub colors: Vec<String>,
    /// Marker legend labels (e.g. lineages).
    pub markers: Vec<String>,
    /// The points.
    pub points: Vec<ScatterPoint>,
}

impl ScatterFigure {
    /// Checks that there is something finite to draw.
    pub fn validate(self) -> Result<Self, PlotError> {
        if !self.points.iter().any(|p| p.x.value.is_finite() && p.y.value.is_finite()) {
            return Err(PlotError::Data(format!("{}: nothing to draw", self.title)));
        }
        Ok(self)
    }
}

impl Figure for ScatterFigure {
    fn size(&self) -> FigureSize {
        FigureSize::full_width(3.2)
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
        let mut legend: Vec<LegendEntry> = self
            .colors
            .iter()
            .enumerate()
            .map(|(i, label)| LegendEntry { label: label.replace('_', " "), color: categorical(i), key: Key::Swatch })
            .collect();
        legend.extend(self.markers.iter().enumerate().map(|(i, label)| LegendEntry {
            label: label.clone(),
            color: theme.foreground,
            key: Key::Marker(Marker::nth(i)),
        }));
        ink.header(&legend_row, "", &legend)?;
        let (x_low, x_high) = padded_range(self.points.iter().flat_map(|p| [p.x.value, p.x.low, p.x.high]));
        let (y_low, y_high) = padded_range(self.points.iter().flat_map(|p| [p.y.value, p.y.low, p.y.high, 0.0]));
        let mut chart = ChartBuilder::on(&body)
            .margin(ink.pt(6.0))
            .x_label_area_size(ink.pt(20.0))
            .y_label_area_size(ink.pt(30.0))
            .build_cartesian_2d(x_low..x_high, y_low..y_high)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(ink.text())
            .axis_desc_style(ink.text())
            .light_line_style(theme.background)
            .bold_line_style(theme.grid)
            .axis_style(theme.foreground)
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(x_low, 0.0), (x_high, 0.0)],
            theme.foreground.stroke_width(ink.stroke(0.5)),
        ))?;
        for point in self.points.iter().filter(|p| p.x.value.is_finite() && p.y.value.is_finite()) {
            let color = categorical(point.color);
            let style = color.mix(0.5).stroke_width(ink.stroke(0.6));
            if point.x.has_interval() {
                chart.draw_series(std::iter::once(PathElement::new(
                    [(point.x.low, point.y.value), (point.x.high, point.y.value)],
                    style,
                )))?;
            }
            if point.y.has_interval() {
                chart.draw_series(std::iter::once(PathElement::new(
                    [(point.x.value, point.y.low), (point.x.value, point.y.high)],
                    style,
                )))?;
            }
            let pixel = chart.plotting_area().map_coordinate(&(point.x.value, point.y.value));
            ink.marker(area, ink.at(area, pixel), Marker::nth(point.marker), color)?;
        }
        Ok(())
    }
}
