//! The paper's published per-checkpoint numbers (Tables 3–17) and its decontamination
//! table (Table 19), shipped as data.
//!
//! Source: Karouzos, Tan, Aletras, "Where does output diversity collapse in
//! post-training?", arXiv:2604.16027 (2026); transcribed to `data/paper/paper_tables.csv`
//! (see the README there). Values are as printed (rounded).

use std::io::Cursor;

use polars::prelude::*;

/// The CSV text of the paper's tables (`table,model,task,quantity,value`).
pub const PAPER_TABLES_CSV: &str = include_str!("../../data/paper/paper_tables.csv");

/// Where the numbers come from, for reports and provenance records.
pub const PAPER_SOURCE: &str = "Karouzos, Tan, Aletras (2026), arXiv:2604.16027, Tables 3-17 and 19";

/// The paper's table of per-input SBERT diversity means (Table 3).
pub const SBERT_TABLE: (i64, &str) = (3, "sbert_per_input_mean");

/// All published numbers as a frame with columns `table` (i64), `model`, `task`,
/// `quantity` (str) and `value` (f64).
pub fn paper_tables() -> PolarsResult<DataFrame> {
    let schema = Schema::from_iter([
        Field::new("table".into(), DataType::Int64),
        Field::new("model".into(), DataType::String),
        Field::new("task".into(), DataType::String),
        Field::new("quantity".into(), DataType::String),
        Field::new("value".into(), DataType::Float64),
    ]);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .into_reader_with_file_handle(Cursor::new(PAPER_TABLES_CSV.as_bytes()))
        .finish()
}

/// One published quantity as a `model, task, value` frame, in the paper's row order.
pub fn paper_metric(table: i64, quantity: &str) -> PolarsResult<DataFrame> {
    paper_tables()?
        .lazy()
        .filter(col("table").eq(lit(table)).and(col("quantity").eq(lit(quantity))))
        .select([col("model"), col("task"), col("value")])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbert_table_has_sixteen_models_and_fifteen_tasks() {
        let frame = paper_metric(SBERT_TABLE.0, SBERT_TABLE.1).unwrap();
        assert_eq!(frame.height(), 16 * 15);
        assert_eq!(frame.column("model").unwrap().n_unique().unwrap(), 16);
        assert_eq!(frame.column("task").unwrap().n_unique().unwrap(), 15);
    }

    #[test]
    fn the_decontamination_table_has_four_training_sets_and_fifteen_tasks() {
        let frame = paper_metric(19, "c13_overlap_pct").unwrap();
        assert_eq!(frame.height(), 4 * 15);
        assert_eq!(frame.column("model").unwrap().n_unique().unwrap(), 4);
        assert_eq!(frame.column("task").unwrap().n_unique().unwrap(), 15);
        // The appendix's text: the elevated overlaps are 7–30% (HumanEval's 30.1 the most).
        let values = frame.column("value").unwrap().f64().unwrap().clone();
        assert_eq!(values.max(), Some(30.1));
    }
}
