//! Long rows `(row, column, value)` into a wide frame: one row per row key, one column
//! per column key, in the given orders. Missing cells are NaN (numbers) or `–` (text).

use std::collections::HashMap;

use polars::prelude::*;

/// A wide frame of numbers; `header` names the first (row key) column.
pub fn numbers(header: &str, rows: &[String], columns: &[String], cells: &[(String, String, f64)]) -> DataFrame {
    let lookup: HashMap<(&str, &str), f64> = cells.iter().map(|(r, c, v)| ((r.as_str(), c.as_str()), *v)).collect();
    let mut out = vec![Column::new(header.into(), rows.to_vec())];
    for column in columns {
        let values: Vec<f64> =
            rows.iter().map(|r| lookup.get(&(r.as_str(), column.as_str())).copied().unwrap_or(f64::NAN)).collect();
        out.push(Column::new(column.as_str().into(), values));
    }
    DataFrame::new(out).expect("columns of equal length and distinct names")
}

/// A wide frame of text cells; `header` names the first (row key) column.
pub fn text(header: &str, rows: &[String], columns: &[String], cells: &[(String, String, String)]) -> DataFrame {
    let lookup: HashMap<(&str, &str), &str> =
        cells.iter().map(|(r, c, v)| ((r.as_str(), c.as_str()), v.as_str())).collect();
    let mut out = vec![Column::new(header.into(), rows.to_vec())];
    for column in columns {
        let values: Vec<String> = rows
            .iter()
            .map(|r| lookup.get(&(r.as_str(), column.as_str())).map_or_else(|| "–".to_owned(), |v| (*v).to_owned()))
            .collect();
        out.push(Column::new(column.as_str().into(), values));
    }
    DataFrame::new(out).expect("columns of equal length and distinct names")
}

/// Distinct values in order of first appearance.
pub fn ordered<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !out.iter().any(|seen| seen == value) {
            out.push(value.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pivots_in_the_given_order_with_missing_cells() {
        let cells = vec![("b".to_owned(), "x".to_owned(), 1.0), ("a".to_owned(), "y".to_owned(), 2.0)];
        let frame = numbers("key", &["a".into(), "b".into()], &["x".into(), "y".into()], &cells);
        assert_eq!(frame.get_column_names(), ["key", "x", "y"]);
        let x: Vec<f64> = frame.column("x").unwrap().f64().unwrap().into_no_null_iter().collect();
        assert!(x[0].is_nan() && x[1] == 1.0);
        assert_eq!(frame.column("y").unwrap().f64().unwrap().get(0), Some(2.0));
        assert_eq!(ordered(["b", "a", "b"]), ["b", "a"]);
    }
}
