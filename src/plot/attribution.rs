//! Figure: stage attribution bars per lineage (where diversity is lost, per task).
//!
//! One panel per lineage. A chain lineage (Think, Instruct) shows the SFT, DPO and RL
//! changes of each task as a share of Base; a lineage with retention only (RL-Zero)
//! shows its net change, `retain − 100`. Panels share the x axis so they compare.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawError, Figure, FigureSize, PlotError, Theme};
use crate::analysis::attribution::AVERAGE_TASK;

/// One bar series of a panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Index into [`Theme::stage_colors`].
    pub color: usize,
    /// One value per task (percent of Base).
    pub values: Vec<f64>,
}

/// One lineage panel.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Panel title (the lineage).
    pub title: String,
    /// Its bar series.
    pub series: Vec<Series>,
}

/// The stage-attribution figure.
#[derive(Debug, Clone)]
pub struct StageAttributionFigure {
    /// Task names, top to bottom.
    pub tasks: Vec<String>,
    /// Panels, left to right.
    pub panels: Vec<Panel>,
    /// Optional figure caption line drawn at the top (the metric).
    pub metric: String,
}

/// `rl-zero` → `RL-Zero`, `think` → `Think`.
pub fn display_lineage(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| match part.to_ascii_lowercase().as_str() {
            "rl" | "sft" | "dpo" => part.to_ascii_uppercase(),
            _ => {
                let mut chars = part.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

impl StageAttributionFigure {
    /// Builds the figure from a long attribution frame (`task, quantity, value`).
    ///
    /// `lineages` gives each lineage's quantity prefix and display name, in panel order.
    pub fn from_long(
        tasks: &[String],
        rows: &[(String, String, f64)],
        lineages: &[(String, String)],
        metric: &str,
    ) -> Result<Self, PlotError> {
        let value =
            |task: &str, quantity: &str| rows.iter().find(|(t, q, _)| t == task && q == quantity).map(|(_, _, v)| *v);
        let mut panels = Vec::new();
        for (prefix, title) in lineages {
            let mut series = Vec::new();
            for (index, (stage, label)) in [("sft", "SFT"), ("dpo", "DPO"), ("rl", "RL")].iter().enumerate() {
                let quantity = format!("{prefix}_{stage}");
                let values: Option<Vec<f64>> = tasks.iter().map(|t| value(t, &quantity)).collect();
                if let Some(values) = values {
                    series.push(Series { label: (*label).to_owned(), color: index, values });
                }
            }
            if series.is_empty() {
                let quantity = format!("{prefix}_retain");
                let values: Option<Vec<f64>> = tasks.iter().map(|t| value(t, &quantity).map(|v| v - 100.0)).collect();
                let values = values.ok_or_else(|| PlotError::Data(format!("no quantities for lineage `{prefix}`")))?;
                series.push(Series { label: "net (retain − 100)".to_owned(), color: 3, values });
            }
            panels.push(Panel { title: title.clone(), series });
        }
        if tasks.is_empty() || panels.is_empty() {
            return Err(PlotError::Data("stage attribution figure: nothing to draw".to_owned()));
        }
        Ok(Self { tasks: tasks.to_vec(), panels, metric: metric.to_owned() })
    }

    /// The x range, in percent of Base: the data's extent padded and rounded out to
    /// multiples of 10, always including zero.
    fn x_range(&self) -> (f64, f64) {
        let values = self.panels.iter().flat_map(|p| p.series.iter().flat_map(|s| s.values.iter()));
        let (low, high) =
            values.filter(|v| v.is_finite()).fold((0.0f64, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let pad = 0.05 * (high - low).max(1.0);
        (((low - pad) / 10.0).floor() * 10.0, ((high + pad) / 10.0).ceil() * 10.0)
    }
}

impl Figure for StageAttributionFigure {
    fn size(&self) -> FigureSize {
        FigureSize::full_width(1.0 + 0.16 * self.tasks.len() as f64)
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
        let pt = |points: f64| (points * scale).round() as i32;
        let text = (theme.font, theme.text_pt * scale).into_font().color(&theme.foreground);
        let bold = (theme.font, theme.text_pt * scale, FontStyle::Bold).into_font().color(&theme.foreground);
        let title_font = (theme.font, theme.title_pt * scale, FontStyle::Bold).into_font().color(&theme.foreground);
        let (header, body) = area.split_vertically(pt(16.0) as u32);

        // Header: what is plotted on the left, one shared legend on the right.
        header.draw(&Text::new(
            format!("Change in {} at each stage, % of Base (negative = loss)", self.metric),
            (pt(6.0), pt(8.0)),
            text.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let mut legend: Vec<(String, usize)> = Vec::new();
        for series in self.panels.iter().flat_map(|p| &p.series) {
            if !legend.iter().any(|(label, _)| *label == series.label) {
                legend.push((series.label.clone(), series.color));
            }
        }
        let mut x = header.dim_in_pixel().0 as i32 - pt(6.0);
        for (label, color) in legend.iter().rev() {
            let width = header.estimate_text_size(label, &text)?.0 as i32;
            x -= width;
            header.draw(&Text::new(
                label.clone(),
                (x, pt(8.0)),
                text.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x -= pt(10.0);
            let color = theme.stage_colors[color % theme.stage_colors.len()];
            header.draw(&Rectangle::new([(x, pt(5.0)), (x + pt(7.0), pt(11.0))], color.filled()))?;
            x -= pt(12.0);
        }

        let label_width = pt(66.0) as u32;
        let (labels_area, panels_area) = body.split_horizontally(label_width);
        let panels = panels_area.split_evenly((1, self.panels.len()));
        let n = self.tasks.len();
        let (x_low, x_high) = self.x_range();
        let y_top = n as f64 - 0.4;
        let y_of = |index: usize| (n - 1 - index) as f64;
        let mut plot_rows = (0i32, 0i32);
        for (panel_index, (panel, panel_area)) in self.panels.iter().zip(panels.iter()).enumerate() {
            let mut chart = ChartBuilder::on(panel_area)
                .caption(&panel.title, title_font.clone())
                .margin_left(pt(4.0))
                .margin_right(pt(8.0))
                .x_label_area_size(pt(18.0))
                .build_cartesian_2d(x_low..x_high, -0.6..y_top)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(6)
                .x_label_formatter(&|x| if x.abs() < 1e-9 { "0".to_owned() } else { format!("{x:+.0}") })
                .x_desc("% of Base")
                .label_style(text.clone())
                .axis_desc_style(text.clone())
                .light_line_style(theme.background)
                .bold_line_style(theme.grid)
                .axis_style(theme.foreground)
                .draw()?;
            // A rule above the across-task row, and the zero line.
            if self.tasks.last().is_some_and(|t| t == AVERAGE_TASK) {
                chart.draw_series(LineSeries::new(
                    [(x_low, 0.5), (x_high, 0.5)],
                    theme.grid.stroke_width(pt(0.8).max(1) as u32),
                ))?;
            }
            chart.draw_series(LineSeries::new(
                [(0.0, -0.6), (0.0, y_top)],
                theme.foreground.stroke_width(pt(0.6).max(1) as u32),
            ))?;
            let bar_height = 0.8 / panel.series.len() as f64;
            for (series_index, series) in panel.series.iter().enumerate() {
                let color = theme.stage_colors[series.color % theme.stage_colors.len()];
                let offset = 0.4 - bar_height * (series_index as f64 + 0.5);
                let bars = series.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(task, &v)| {
                    let center = y_of(task) + offset;
                    Rectangle::new(
                        [(0.0f64.min(v), center - bar_height * 0.42), (0.0f64.max(v), center + bar_height * 0.42)],
                        color.filled(),
                    )
                });
                chart.draw_series(bars)?;
            }
            if panel_index == 0 {
                // Pixel rows of the plotting area's top and bottom, to align task labels.
                let plotting = chart.plotting_area();
                plot_rows = (plotting.map_coordinate(&(0.0, y_top)).1, plotting.map_coordinate(&(0.0, -0.6)).1);
            }
        }

        // Task labels to the left of the first panel, centred on their bar groups.
        let (top, bottom) = plot_rows;
        let body_top = body.get_base_pixel().1;
        for (index, task) in self.tasks.iter().enumerate() {
            let fraction = (y_top - y_of(index)) / (y_top + 0.6);
            let row = top + (fraction * f64::from(bottom - top)).round() as i32 - body_top;
            let style = if task == AVERAGE_TASK { bold.clone() } else { text.clone() };
            labels_area.draw(&Text::new(
                task.replace('_', " "),
                (label_width as i32 - pt(2.0), row),
                style.pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}
