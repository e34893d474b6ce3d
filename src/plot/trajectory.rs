//! Figure: diversity across post-training stages, one small panel per task, one line per
//! lineage, with interval bands when the values carry bootstrap intervals.
//!
//! A chain lineage (Think, Instruct) is a line from Base through SFT, DPO and RL; a
//! lineage with retention only (RL-Zero) is a set of markers at the RL position; a
//! checkpoint sampled with thinking suppressed is a dashed line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{Ink, Key, LegendEntry, Marker, dedup_legend, padded_range, panel_grid};
use super::{DrawError, Figure, FigureSize, PlotError, Theme};

/// One value with an optional interval (`low`/`high` NaN when there is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Estimate {
    /// A value without an interval.
    pub fn point(value: f64) -> Self {
        Self { value, low: f64::NAN, high: f64::NAN }
    }

    /// Whether an interval is present.
    pub fn has_interval(&self) -> bool {
        self.low.is_finite() && self.high.is_finite()
    }
}

/// One lineage's values in one panel.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// Legend label.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// Dashed (thinking suppressed).
    pub dashed: bool,
    /// Markers only, no connecting line (retention-only lineages).
    pub markers_only: bool,
    /// `(stage position, estimate)`, positions indexing [`StageTrajectoryFigure::stages`].
    pub points: Vec<(usize, Estimate)>,
}

/// The figure.
#[derive(Debug, Clone)]
pub struct StageTrajectoryFigure {
    /// What is plotted (the title line).
    pub title: String,
    /// Stage names along the x axis (Base, SFT, DPO, RL).
    pub stages: Vec<String>,
    /// `(task, lineages)` panels.
    pub panels: Vec<(String, Vec<Trajectory>)>,
    /// Panels per row.
    pub columns: usize,
}

impl StageTrajectoryFigure {
    /// Checks that there is something finite to draw.
    pub fn validate(self) -> Result<Self, PlotError> {
        let any = self.panels.iter().flat_map(|(_, t)| t).flat_map(|t| &t.points).any(|(_, e)| e.value.is_finite());
        if !any || self.stages.is_empty() {
            return Err(PlotError::Data(format!("{}: nothing to draw", self.title)));
        }
        Ok(self)
    }

    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns.max(1))
    }
}

impl Figure for StageTrajectoryFigure {
    fn size(&self) -> FigureSize {
        FigureSize::full_width(0.3 + 1.45 * self.rows() as f64)
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
        let (header, body) = area.split_vertically(ink.pt(16.0) as u32);
        let legend: Vec<LegendEntry> = self
            .panels
            .iter()
            .flat_map(|(_, t)| t)
            .map(|t| LegendEntry {
                label: t.label.clone(),
                color: t.color,
                key: if t.markers_only { Key::Marker(Marker::Triangle) } else { Key::Line { dashed: t.dashed } },
            })
            .collect();
        ink.header(&header, &self.title, &dedup_legend(legend))?;
        let last = self.stages.len() as f64 - 1.0;
        for ((task, trajectories), panel) in self.panels.iter().zip(panel_grid(&body, self.panels.len(), self.columns))
        {
            let values = trajectories.iter().flat_map(|t| &t.points).flat_map(|(_, e)| [e.value, e.low, e.high]);
            let (y_low, y_high) = padded_range(values);
            let mut chart = ChartBuilder::on(&panel)
                .caption(task.replace('_', " "), ink.title())
                .margin(ink.pt(3.0))
                .x_label_area_size(ink.pt(11.0))
                .y_label_area_size(ink.pt(22.0))
                .build_cartesian_2d(-0.3..last + 0.3, y_low..y_high)?;
            let stages = &self.stages;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(stages.len() * 2 + 1)
                .x_label_formatter(&|x| {
                    let nearest = x.round();
                    if (x - nearest).abs() < 1e-6 && nearest >= 0.0 {
                        stages.get(nearest as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_labels(4)
                .y_label_formatter(&|y| format!("{y:.2}"))
                .label_style(ink.small())
                .light_line_style(theme.background)
                .bold_line_style(theme.grid)
                .axis_style(theme.foreground)
                .draw()?;
            for trajectory in trajectories {
                let points: Vec<(f64, Estimate)> = trajectory
                    .points
                    .iter()
                    .filter(|(_, e)| e.value.is_finite())
                    .map(|&(stage, e)| (stage as f64, e))
                    .collect();
                let color = trajectory.color;
                // Interval band (or whiskers for a lone point).
                let banded: Vec<&(f64, Estimate)> = points.iter().filter(|(_, e)| e.has_interval()).collect();
                if banded.len() >= 2 && !trajectory.markers_only {
                    let mut outline: Vec<(f64, f64)> = banded.iter().map(|(x, e)| (*x, e.high)).collect();
                    outline.extend(banded.iter().rev().map(|(x, e)| (*x, e.low)));
                    chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.18).filled())))?;
                } else {
                    for (x, e) in &banded {
                        chart.draw_series(LineSeries::new(
                            [(*x, e.low), (*x, e.high)],
                            color.stroke_width(ink.stroke(0.8)),
                        ))?;
                    }
                }
                if !trajectory.markers_only && points.len() >= 2 {
                    let line: Vec<(f64, f64)> = points.iter().map(|(x, e)| (*x, e.value)).collect();
                    let style = color.stroke_width(ink.stroke(1.1));
                    if trajectory.dashed {
                        chart.draw_series(DashedLineSeries::new(
                            line,
                            ink.pt(3.0) as u32,
                            ink.pt(2.0) as u32,
                            style,
                        ))?;
                    } else {
                        chart.draw_series(LineSeries::new(line, style))?;
                    }
                }
                let plotting = chart.plotting_area();
                let marker = if trajectory.markers_only { Marker::Triangle } else { Marker::Circle };
                for (x, e) in &points {
                    ink.marker(area, ink.at(area, plotting.map_coordinate(&(*x, e.value))), marker, color)?;
                }
            }
        }
        Ok(())
    }
}
