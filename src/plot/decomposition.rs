//! Figure: the correctness decomposition per task and checkpoint, as stacked horizontal
//! bars: genuine narrowing (the residual, `D_c` loss) plus quality control (the rest of
//! the `D_a` loss) adds up to the total loss (a black tick), with interval whiskers on
//! the total (black) and on the residual (blue). Parts of opposite sign diverge from zero.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{Ink, Key, LegendEntry, padded_range, panel_grid};
use super::theme::okabe_ito;
use super::trajectory::Estimate;
use super::{DrawError, Figure, FigureSize, PlotError, Theme};

/// One checkpoint's bar.
#[derive(Debug, Clone)]
pub struct DecompositionBar {
    /// Checkpoint name.
    pub label: String,
    /// Genuine narrowing (residual).
    pub residual: Estimate,
    /// Quality control.
    pub quality_control: Estimate,
    /// Total loss (`residual + quality_control`).
    pub delta_all: Estimate,
}

/// The figure.
#[derive(Debug, Clone)]
pub struct DecompositionFigure {
    /// Title line (the convention used).
    pub title: String,
    /// `(task, bars)` panels.
    pub panels: Vec<(String, Vec<DecompositionBar>)>,
    /// Panels per row.
    pub columns: usize,
}

const GENUINE: RGBColor = okabe_ito::BLUE;
const QUALITY: RGBColor = okabe_ito::ORANGE;

impl DecompositionFigure {
    /// Checks that there is something finite to draw.
    pub fn validate(self) -> Result<Self, PlotError> {
        if !self.panels.iter().flat_map(|(_, b)| b).any(|b| b.delta_all.value.is_finite()) {
            return Err(PlotError::Data(format!("{}: nothing to draw", self.title)));
        }
        Ok(self)
    }

    fn bars_per_panel(&self) -> usize {
        self.panels.iter().map(|(_, b)| b.len()).max().unwrap_or(1).max(1)
    }
}

impl Figure for DecompositionFigure {
    fn size(&self) -> FigureSize {
        let rows = self.panels.len().div_ceil(self.columns.max(1)) as f64;
        FigureSize::full_width(0.3 + rows * (0.45 + 0.13 * self.bars_per_panel() as f64))
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
        let legend = [
            LegendEntry { label: "genuine narrowing (D_c loss)".into(), color: GENUINE, key: Key::Swatch },
            LegendEntry { label: "quality control".into(), color: QUALITY, key: Key::Swatch },
            LegendEntry { label: "total (D_a loss)".into(), color: theme.foreground, key: Key::Tick },
        ];
        ink.header(&header, &self.title, &legend)?;
        let n = self.bars_per_panel();
        for ((task, bars), panel) in self.panels.iter().zip(panel_grid(&body, self.panels.len(), self.columns)) {
            let values = bars.iter().flat_map(|b| {
                [
                    0.0,
                    b.residual.value,
                    b.residual.low,
                    b.residual.high,
                    b.delta_all.value,
                    b.delta_all.low,
                    b.delta_all.high,
                ]
            });
            let (x_low, x_high) = padded_range(values);
            let (panel_labels, panel_plot) = panel.split_horizontally(ink.pt(62.0) as u32);
            let mut chart = ChartBuilder::on(&panel_plot)
                .caption(task.replace('_', " "), ink.title())
                .margin(ink.pt(3.0))
                .x_label_area_size(ink.pt(11.0))
                .build_cartesian_2d(x_low..x_high, -0.6..n as f64 - 0.4)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(3)
                .x_label_formatter(&|x| format!("{x:.2}"))
                .label_style(ink.small())
                .light_line_style(theme.background)
                .bold_line_style(theme.grid)
                .axis_style(theme.foreground)
                .draw()?;
            chart.draw_series(LineSeries::new(
                [(0.0, -0.6), (0.0, n as f64 - 0.4)],
                theme.foreground.stroke_width(ink.stroke(0.5)),
            ))?;
            for (index, bar) in bars.iter().enumerate() {
                let y = (n - 1 - index) as f64;
                // Diverging stacks: positive parts stack right of zero, negative parts left,
                // so a negative residual never hides under the quality-control part.
                let (r, qc, total) = (bar.residual.value, bar.quality_control.value, bar.delta_all.value);
                let (mut right, mut left) = (0.0, 0.0);
                for (value, color) in [(r, GENUINE), (qc, QUALITY)] {
                    if !value.is_finite() {
                        continue;
                    }
                    let (from, to) = if value >= 0.0 {
                        right += value;
                        (right - value, right)
                    } else {
                        left += value;
                        (left, left - value)
                    };
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(from, y - 0.3), (to, y + 0.3)],
                        color.filled(),
                    )))?;
                }
                // Whiskers: the total loss (black, with a marker at its estimate) above the
                // bar's centre line, the residual (dark blue) below it.
                for (estimate, offset, color) in
                    [(bar.delta_all, 0.12, theme.foreground), (bar.residual, -0.12, RGBColor(0x00, 0x45, 0x6B))]
                {
                    if estimate.has_interval() {
                        chart.draw_series(std::iter::once(PathElement::new(
                            [(estimate.low, y + offset), (estimate.high, y + offset)],
                            color.stroke_width(ink.stroke(0.8)),
                        )))?;
                    }
                }
                if total.is_finite() {
                    chart.draw_series(std::iter::once(PathElement::new(
                        [(total, y - 0.4), (total, y + 0.4)],
                        theme.foreground.stroke_width(ink.stroke(1.4)),
                    )))?;
                }
                let pixel = chart.plotting_area().map_coordinate(&(x_low, y));
                let at = ink.at(&panel_labels, pixel);
                panel_labels.draw(&Text::new(
                    bar.label.clone(),
                    (panel_labels.dim_in_pixel().0 as i32 - ink.pt(1.0), at.1),
                    ink.small().pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
        }
        Ok(())
    }
}
