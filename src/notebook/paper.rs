//! The paper's published per-checkpoint numbers (Tables 3–17 and 19) for the notebooks: as
//! tables, as the stage attribution the paper draws from them, and as figures. These
//! are point estimates: the paper publishes no intervals.

use polars::prelude::*;

use super::display::{Svg, Table};
use super::wide;
use super::{NotebookError, Result};
use crate::analysis::attribution::{MetricTable, stage_attribution};
use crate::analysis::lineage::Lineage;
use crate::analysis::paper::{SBERT_TABLE, paper_metric, paper_tables};
use crate::analysis::paper_reproduction::{paper_attribution_figure, paper_figures};

/// The diversity tables of the paper: (table, quantity, display name).
pub const DIVERSITY_TABLES: [(i64, &str, &str); 4] = [
    (4, "ead_per_input_mean", "EAD"),
    (3, "sbert_per_input_mean", "SBERT"),
    (6, "vendi_per_input_mean", "Vendi"),
    (5, "nli_per_input_mean", "NLI"),
];

/// Tasks with a published accuracy@1 (Table 7: math and TruthfulQA).
const ACCURACY_TABLE: (i64, &str) = (7, "acc_at_1");

/// The paper's numbers and its lineage.
#[derive(Debug, Clone)]
pub struct PaperNumbers {
    frame: DataFrame,
    lineage: Lineage,
}

impl PaperNumbers {
    /// Reads the shipped tables (`data/paper/paper_tables.csv`, embedded in the crate).
    pub fn load() -> Result<Self> {
        Ok(Self { frame: paper_tables()?, lineage: Lineage::olmo3() })
    }

    /// Every published number, long: `table, model, task, quantity, value`.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The Olmo 3 lineage the tables describe.
    pub fn lineage_description(&self) -> &Lineage {
        &self.lineage
    }

    /// One row per checkpoint: its lineage, stage, parent, and whether thinking was
    /// suppressed.
    pub fn lineage(&self) -> Table {
        lineage_table(&self.lineage)
    }

    /// One row per published quantity: table number, quantity, checkpoints and tasks.
    pub fn overview(&self) -> Result<Table> {
        let frame = self
            .frame
            .clone()
            .lazy()
            .group_by_stable([col("table"), col("quantity")])
            .agg([
                col("model").n_unique().alias("checkpoints"),
                col("task").n_unique().alias("tasks"),
                col("value").count().alias("numbers"),
            ])
            .collect()?;
        Ok(Table::new("The paper's per-checkpoint tables", frame))
    }

    /// One published quantity, checkpoints as rows and tasks as columns (the paper's
    /// order).
    pub fn table(&self, table: i64, quantity: &str) -> Result<Table> {
        let long = paper_metric(table, quantity)?;
        if long.height() == 0 {
            return Err(NotebookError::Argument(format!(
                "the paper has no quantity `{quantity}` in table {table}; see `overview()`"
            )));
        }
        let cells = long_cells(&long)?;
        let rows = wide::ordered(cells.iter().map(|(m, _, _)| m.as_str()));
        let columns = wide::ordered(cells.iter().map(|(_, t, _)| t.as_str()));
        Ok(Table::new(format!("Table {table}: {quantity}"), wide::numbers("checkpoint", &rows, &columns, &cells)))
    }

    /// Stage attribution of SBERT diversity (Table 3) in percent of Base, tasks as rows
    /// and quantities as columns (negative = diversity lost at that stage).
    pub fn stage_attribution(&self) -> Result<Table> {
        let table = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1)?)?;
        let frame = stage_attribution(&self.lineage, &table)?;
        let cells = long_cells_named(&frame, "task", "quantity")?;
        let rows = wide::ordered(cells.iter().map(|(t, _, _)| t.as_str()));
        let columns = wide::ordered(cells.iter().map(|(_, q, _)| q.as_str()));
        Ok(Table::new(
            "Stage attribution of SBERT diversity, percent of Base (paper Table 3)",
            wide::numbers("task", &rows, &columns, &cells),
        ))
    }

    /// The stage-attribution figure.
    pub fn attribution_figure(&self) -> Result<Svg> {
        Ok(Svg::of(&paper_attribution_figure()?)?)
    }

    /// SBERT diversity across stages, one panel per task.
    pub fn stages_figure(&self) -> Result<Svg> {
        Ok(Svg::of(&self.figures()?.diversity_stages)?)
    }

    /// The decomposition in the paper's (unmatched) convention, Table 14.
    pub fn decomposition_figure(&self) -> Result<Svg> {
        Ok(Svg::of(&self.figures()?.decomposition)?)
    }

    /// Accuracy@1 against the majority-vote gain, Tables 7 and 10.
    pub fn accuracy_figure(&self) -> Result<Svg> {
        Ok(Svg::of(&self.figures()?.accuracy_vs_majority_gain)?)
    }

    /// NLI diversity per task, Table 5.
    pub fn nli_figure(&self) -> Result<Svg> {
        Ok(Svg::of(&self.figures()?.nli_per_task)?)
    }

    fn figures(&self) -> Result<crate::analysis::paper_reproduction::PaperFigures> {
        let sbert = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1)?)?;
        Ok(paper_figures(&self.lineage, &sbert)?)
    }

    /// Each checkpoint's change from Base on the four diversity metrics, percent of
    /// Base, averaged over the tasks where both are published (mean of per-task
    /// percentages, the paper's convention).
    pub fn change_from_base(&self) -> Result<Table> {
        let base = self.lineage.base().name.clone();
        let checkpoints: Vec<String> =
            self.lineage.checkpoints.iter().filter(|c| c.name != base).map(|c| c.name.clone()).collect();
        let mut cells = Vec::new();
        for (table, quantity, label) in DIVERSITY_TABLES {
            let values = MetricTable::from_frame(&paper_metric(table, quantity)?)?;
            for model in &checkpoints {
                if let Some(change) = mean_change_percent(&values, &base, model) {
                    cells.push((model.clone(), label.to_owned(), change));
                }
            }
        }
        let columns: Vec<String> = DIVERSITY_TABLES.iter().map(|(_, _, label)| (*label).to_owned()).collect();
        Ok(Table::new(
            "Change from Base, percent of Base, mean over tasks (paper Tables 3-6)",
            wide::numbers("checkpoint", &checkpoints, &columns, &cells),
        ))
    }

    /// Thinking suppression in the paper's numbers: for each Think checkpoint and the
    /// same checkpoint sampled without its chain of thought, accuracy@1 (Table 7, in
    /// percent) and SBERT diversity (Table 3), both means over the tasks of Table 7, and
    /// the changes: accuracy in points, SBERT in percent of the thinking value.
    pub fn think_suppression(&self) -> Result<Table> {
        let accuracy = MetricTable::from_frame(&paper_metric(ACCURACY_TABLE.0, ACCURACY_TABLE.1)?)?;
        let sbert = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1)?)?;
        let mut columns: [Vec<f64>; 6] = Default::default();
        let mut models = Vec::new();
        for suppressed in self.lineage.checkpoints.iter().filter(|c| c.no_think) {
            let Some(thinking) = self
                .lineage
                .checkpoints
                .iter()
                .find(|c| !c.no_think && c.lineage == suppressed.lineage && c.stage == suppressed.stage)
            else {
                continue;
            };
            // Both means over the tasks of the accuracy table, so that accuracy and
            // diversity describe the same tasks.
            let tasks = accuracy.tasks();
            let acc_with = mean_over(&accuracy, &thinking.name, tasks);
            let acc_without = mean_over(&accuracy, &suppressed.name, tasks);
            let div_with = mean_over(&sbert, &thinking.name, tasks);
            let div_without = mean_over(&sbert, &suppressed.name, tasks);
            models.push(thinking.name.clone());
            for (slot, value) in columns.iter_mut().zip([
                acc_with,
                acc_without,
                // Table 7 is in percent already: the difference is in points.
                acc_with - acc_without,
                div_with,
                div_without,
                (div_without - div_with) / div_with * 100.0,
            ]) {
                slot.push(value);
            }
        }
        let names = [
            "acc@1 thinking",
            "acc@1 suppressed",
            "accuracy drop (pp)",
            "SBERT thinking",
            "SBERT suppressed",
            "SBERT change (%)",
        ];
        let mut frame_columns = vec![Column::new("checkpoint".into(), models)];
        for (name, values) in names.iter().zip(columns) {
            frame_columns.push(Column::new((*name).into(), values));
        }
        Ok(Table::new(
            "Thinking suppressed: accuracy@1 (paper Table 7, %) and SBERT diversity (Table 3), means over the tasks of Table 7",
            DataFrame::new(frame_columns)?,
        ))
    }

    /// The paper's correctness decomposition (Table 14) on one task, one row per
    /// checkpoint in lineage order: the loss of SBERT diversity of all outputs against
    /// Base (`D_a`), the loss among correct outputs (`D_c`, the residual), their
    /// difference (quality control) and the genuine share `residual / loss`, in the
    /// paper's convention (means over different prompt sets). The share is left empty
    /// (NaN) where `D_a` did not fall: there is no loss to share out.
    pub fn decomposition(&self, task: &str) -> Result<Table> {
        let rows = self.decomposition_rows()?;
        let rows: Vec<&DecompositionRow> = rows.iter().filter(|r| r.task == task).collect();
        if rows.is_empty() {
            let tasks = wide::ordered(self.decomposition_rows()?.iter().map(|r| r.task.as_str()).collect::<Vec<_>>());
            return Err(NotebookError::Argument(format!("Table 14 has no task `{task}`; it has {}", tasks.join(", "))));
        }
        let frame = df!(
            "checkpoint" => rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
            "loss of D_a" => rows.iter().map(|r| r.loss_all).collect::<Vec<_>>(),
            "residual (loss of D_c)" => rows.iter().map(|r| r.residual).collect::<Vec<_>>(),
            "quality control" => rows.iter().map(|r| r.loss_all - r.residual).collect::<Vec<_>>(),
            "genuine share" => rows.iter().map(|r| r.share()).collect::<Vec<_>>(),
        )?;
        Ok(Table::new(format!("The paper's decomposition on {task}, from Table 14 (unmatched prompt sets)"), frame))
    }

    /// The genuine share of every checkpoint (rows) on every task of Table 14 (columns),
    /// in the paper's convention; empty where `D_a` did not fall.
    pub fn genuine_shares(&self) -> Result<Table> {
        let rows = self.decomposition_rows()?;
        let cells: Vec<(String, String, f64)> =
            rows.iter().map(|r| (r.model.clone(), r.task.clone(), r.share())).collect();
        let models = wide::ordered(rows.iter().map(|r| r.model.as_str()).collect::<Vec<_>>());
        let tasks = wide::ordered(rows.iter().map(|r| r.task.as_str()).collect::<Vec<_>>());
        Ok(Table::new(
            "Genuine share of the SBERT loss, paper's convention (Table 14)",
            wide::numbers("checkpoint", &models, &tasks, &cells),
        ))
    }

    /// Table 14's checkpoints against Base, in lineage order and then task order.
    fn decomposition_rows(&self) -> Result<Vec<DecompositionRow>> {
        let d_all = MetricTable::from_frame(&paper_metric(14, "d_all_sbert")?)?;
        let d_correct = MetricTable::from_frame(&paper_metric(14, "d_correct_sbert")?)?;
        let base = self.lineage.base().name.clone();
        let mut rows = Vec::new();
        for checkpoint in self.lineage.checkpoints.iter().filter(|c| c.name != base) {
            for task in d_all.tasks() {
                let model = &checkpoint.name;
                let (Ok(a0), Ok(a1), Ok(c0), Ok(c1)) = (
                    d_all.get(&base, task),
                    d_all.get(model, task),
                    d_correct.get(&base, task),
                    d_correct.get(model, task),
                ) else {
                    continue;
                };
                rows.push(DecompositionRow {
                    model: model.clone(),
                    task: task.clone(),
                    loss_all: a0 - a1,
                    residual: c0 - c1,
                });
            }
        }
        Ok(rows)
    }
}

/// One checkpoint's decomposition against Base on one task, paper's convention.
struct DecompositionRow {
    model: String,
    task: String,
    /// `D_a(Base) − D_a(model)`.
    loss_all: f64,
    /// `D_c(Base) − D_c(model)`.
    residual: f64,
}

impl DecompositionRow {
    /// `residual / loss_all`, NaN when there is no loss.
    fn share(&self) -> f64 {
        if self.loss_all > 0.0 { self.residual / self.loss_all } else { f64::NAN }
    }
}

/// A lineage as a table.
pub(crate) fn lineage_table(lineage: &Lineage) -> Table {
    let c = &lineage.checkpoints;
    let frame = df!(
        "checkpoint" => c.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "lineage" => c.iter().map(|c| c.lineage.clone()).collect::<Vec<_>>(),
        "stage" => c.iter().map(|c| c.stage.as_str().to_owned()).collect::<Vec<_>>(),
        "parent" => c.iter().map(|c| c.parent.clone().unwrap_or_default()).collect::<Vec<_>>(),
        "thinking suppressed" => c.iter().map(|c| c.no_think).collect::<Vec<_>>(),
    )
    .expect("columns of equal length");
    Table::new(format!("Lineage: {}", lineage.name), frame)
}

/// Mean over tasks of `100 · (model − base) / base`, over the tasks where both exist.
fn mean_change_percent(values: &MetricTable, base: &str, model: &str) -> Option<f64> {
    let changes: Vec<f64> = values
        .tasks()
        .iter()
        .filter_map(|task| {
            let (b, m) = (values.get(base, task).ok()?, values.get(model, task).ok()?);
            Some((m - b) / b * 100.0)
        })
        .collect();
    (!changes.is_empty()).then(|| changes.iter().sum::<f64>() / changes.len() as f64)
}

/// Mean of a checkpoint's values over the tasks where it has one (NaN for none).
/// Mean of `model`'s values over those of `tasks` it has (NaN if none).
fn mean_over(values: &MetricTable, model: &str, tasks: &[String]) -> f64 {
    let found: Vec<f64> = tasks.iter().filter_map(|task| values.get(model, task).ok()).collect();
    if found.is_empty() { f64::NAN } else { found.iter().sum::<f64>() / found.len() as f64 }
}

/// `(model, task, value)` rows of a `model, task, value` frame.
fn long_cells(frame: &DataFrame) -> Result<Vec<(String, String, f64)>> {
    long_cells_named(frame, "model", "task")
}

fn long_cells_named(frame: &DataFrame, row: &str, column: &str) -> Result<Vec<(String, String, f64)>> {
    let (rows, columns, values) =
        (frame.column(row)?.str()?, frame.column(column)?.str()?, frame.column("value")?.f64()?);
    Ok(rows
        .into_iter()
        .zip(columns)
        .zip(values)
        .filter_map(|((r, c), v)| Some((r?.to_owned(), c?.to_owned(), v?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbert_table_is_sixteen_checkpoints_by_fifteen_tasks() {
        let paper = PaperNumbers::load().unwrap();
        let table = paper.table(3, "sbert_per_input_mean").unwrap();
        assert_eq!(table.frame().shape(), (16, 16));
        assert_eq!(table.cell(0, "checkpoint").as_deref(), Some("Base"));
        assert!(paper.table(3, "no_such_quantity").is_err());
    }

    #[test]
    fn change_from_base_is_the_mean_of_per_task_percentages() {
        let paper = PaperNumbers::load().unwrap();
        let table = paper.change_from_base().unwrap();
        let frame = table.frame();
        let row = frame
            .column("checkpoint")
            .unwrap()
            .str()
            .unwrap()
            .into_no_null_iter()
            .position(|m| m == "Think-SFT")
            .unwrap();
        let got = frame.column("SBERT").unwrap().f64().unwrap().get(row).unwrap();
        // Recomputed from the long frame with polars.
        let long = paper_metric(3, "sbert_per_input_mean").unwrap();
        let value = |model: &str| -> Vec<f64> {
            long.clone()
                .lazy()
                .filter(col("model").eq(lit(model)))
                .collect()
                .unwrap()
                .column("value")
                .unwrap()
                .f64()
                .unwrap()
                .into_no_null_iter()
                .collect()
        };
        let (base, sft) = (value("Base"), value("Think-SFT"));
        let expected = base.iter().zip(&sft).map(|(b, s)| (s - b) / b * 100.0).sum::<f64>() / base.len() as f64;
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }

    #[test]
    fn every_figure_renders() {
        let paper = PaperNumbers::load().unwrap();
        for svg in [
            paper.attribution_figure().unwrap(),
            paper.stages_figure().unwrap(),
            paper.decomposition_figure().unwrap(),
            paper.accuracy_figure().unwrap(),
            paper.nli_figure().unwrap(),
        ] {
            assert!(svg.markup().starts_with("<svg") && svg.markup().contains("</svg>"));
        }
        let gsm8k = paper.decomposition("gsm8k").unwrap();
        assert_eq!(gsm8k.cell(0, "checkpoint").as_deref(), Some("Think-SFT"), "lineage order");
        assert!(paper.decomposition("no such task").is_err());
        assert!(paper.genuine_shares().unwrap().height() > 10);
    }

    #[test]
    fn think_suppression_compares_accuracy_and_diversity_on_the_same_tasks() {
        let paper = PaperNumbers::load().unwrap();
        let table = paper.think_suppression().unwrap();
        assert_eq!(table.height(), 3);
        let column = |name: &str| -> Vec<f64> {
            table.frame().column(name).unwrap().f64().unwrap().into_no_null_iter().collect()
        };
        let (with, without, drop) =
            (column("acc@1 thinking"), column("acc@1 suppressed"), column("accuracy drop (pp)"));
        for i in 0..3 {
            assert!((0.0..=100.0).contains(&with[i]) && (0.0..=100.0).contains(&without[i]), "{with:?} {without:?}");
            assert!((drop[i] - (with[i] - without[i])).abs() < 1e-12, "{drop:?}");
        }
        // SBERT over Table 7's tasks, from the published rows.
        let sbert = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1).unwrap()).unwrap();
        let accuracy = MetricTable::from_frame(&paper_metric(ACCURACY_TABLE.0, ACCURACY_TABLE.1).unwrap()).unwrap();
        let tasks = accuracy.tasks();
        assert!(tasks.len() < sbert.tasks().len());
        let expected: f64 = tasks.iter().map(|t| sbert.get("Think-SFT", t).unwrap()).sum::<f64>() / tasks.len() as f64;
        assert!((column("SBERT thinking")[0] - expected).abs() < 1e-12);
    }
}
