//! Values that display themselves in a notebook: tables as HTML, figures as SVG.
//!
//! evcxr shows a value through its `evcxr_display` method when the type has one (found
//! by name, no trait involved): the method prints `EVCXR_BEGIN_CONTENT <mime>`, the
//! content and `EVCXR_END_CONTENT`. Outside a notebook both types print as plain text.

use std::fmt;

use polars::prelude::*;

use crate::plot::{Figure, PlotError, Theme, svg_markup};

/// Significant decimals of floating-point cells.
const DECIMALS: usize = 3;

/// A table for reading: a polars frame with an optional caption. The frame keeps its
/// numbers; the display rounds them to three decimals and shows NaN and null as `–`.
#[derive(Debug, Clone)]
pub struct Table {
    caption: String,
    frame: DataFrame,
}

impl Table {
    /// A table of `frame` under `caption` (empty for none).
    pub fn new(caption: impl Into<String>, frame: DataFrame) -> Self {
        Self { caption: caption.into(), frame }
    }

    /// The frame, for further work with polars.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The frame, owned.
    pub fn into_frame(self) -> DataFrame {
        self.frame
    }

    /// The caption.
    pub fn caption(&self) -> &str {
        &self.caption
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// The cell at (`row`, `column`) as displayed.
    pub fn cell(&self, row: usize, column: &str) -> Option<String> {
        let column = self.frame.column(column).ok()?;
        column.get(row).ok().map(|value| format_value(&value))
    }

    /// The table as an HTML `<table>` (numbers right-aligned).
    pub fn to_html(&self) -> String {
        let mut html = String::from("<table>\n");
        if !self.caption.is_empty() {
            html.push_str(&format!("<caption style=\"text-align:left\">{}</caption>\n", escape(&self.caption)));
        }
        html.push_str("<thead><tr>");
        for name in self.frame.get_column_names() {
            html.push_str(&format!("<th>{}</th>", escape(name)));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for row in 0..self.frame.height() {
            html.push_str("<tr>");
            for column in self.frame.get_columns() {
                let value = column.get(row).unwrap_or(AnyValue::Null);
                let align = if is_number(&value) { " style=\"text-align:right\"" } else { "" };
                html.push_str(&format!("<td{align}>{}</td>", escape(&format_value(&value))));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>");
        html
    }

    /// Shows the table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }
}

impl fmt::Display for Table {
    /// Plain text: the caption, then one tab-separated line per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.caption.is_empty() {
            writeln!(f, "{}", self.caption)?;
        }
        let names: Vec<&str> = self.frame.get_column_names().iter().map(|n| n.as_str()).collect();
        writeln!(f, "{}", names.join("\t"))?;
        for row in 0..self.frame.height() {
            let cells: Vec<String> =
                self.frame.get_columns().iter().map(|c| format_value(&c.get(row).unwrap_or(AnyValue::Null))).collect();
            writeln!(f, "{}", cells.join("\t"))?;
        }
        Ok(())
    }
}

fn is_number(value: &AnyValue<'_>) -> bool {
    value.is_primitive_numeric()
}

/// A cell as text: floats with three decimals, NaN and null as `–`.
fn format_value(value: &AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => "–".to_owned(),
        AnyValue::Float64(v) => format_float(*v),
        AnyValue::Float32(v) => format_float(f64::from(*v)),
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn format_float(value: f64) -> String {
    if value.is_nan() { "–".to_owned() } else { format!("{value:.DECIMALS$}") }
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A figure as SVG markup, drawn with the publication theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Svg {
    markup: String,
}

impl Svg {
    /// Draws `figure` (the same drawing as the SVG files the CLI writes).
    pub fn of<F: Figure>(figure: &F) -> Result<Self, PlotError> {
        let markup = svg_markup(figure, &Theme::default())
            .map_err(|source| PlotError::Draw { path: std::path::PathBuf::from("<notebook>"), source })?;
        Ok(Self { markup })
    }

    /// The SVG document.
    pub fn markup(&self) -> &str {
        &self.markup
    }

    /// Writes the SVG to `path`.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, &self.markup)
    }

    /// Shows the figure in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT", self.markup);
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<svg figure, {} bytes>", self.markup.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_rounds_floats_and_marks_missing_values() {
        let frame = df!(
            "name" => ["a<b", "c"],
            "value" => [0.123_456, f64::NAN],
            "count" => [Some(3i64), None],
        )
        .unwrap();
        let table = Table::new("Caption & more", frame);
        let html = table.to_html();
        assert!(html.contains("<caption style=\"text-align:left\">Caption &amp; more</caption>"), "{html}");
        assert!(html.contains("<td>a&lt;b</td>"), "{html}");
        assert!(html.contains("<td style=\"text-align:right\">0.123</td>"), "{html}");
        assert_eq!(table.cell(1, "value").as_deref(), Some("–"));
        assert_eq!(table.cell(1, "count").as_deref(), Some("–"));
        assert_eq!(html.matches("<tr>").count(), 3);
        let text = table.to_string();
        assert_eq!(text.lines().nth(2), Some("a<b\t0.123\t3"), "{text}");
    }
}
