//! Recomputes the paper's stage-attribution table from its own per-checkpoint SBERT
//! table (Table 3), writes it as CSV and markdown, and draws its figure.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::attribution::{AVERAGE_TASK, AttributionError, MetricTable, quantity_prefix, stage_attribution};
use super::figures::{
    accuracy_gain_scatter, decomposition_figure, final_checkpoints, per_task_dots, stage_trajectories,
};
use super::lineage::Lineage;
use super::paper::{PAPER_SOURCE, PAPER_TABLES_CSV, SBERT_TABLE, paper_metric};
use crate::plot::attribution::{StageAttributionFigure, display_lineage};
use crate::plot::decomposition::{DecompositionBar, DecompositionFigure};
use crate::plot::dots::DotPlotFigure;
use crate::plot::scatter::ScatterFigure;
use crate::plot::trajectory::{Estimate, StageTrajectoryFigure};
use crate::plot::{PlotError, Theme, save};
use crate::provenance::{Provenance, sha256_bytes};

/// Errors of the reproduction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReproductionError {
    /// Reading the shipped tables or building a frame failed.
    #[error("paper tables: {0}")]
    Frame(#[from] PolarsError),
    /// The attribution failed.
    #[error(transparent)]
    Attribution(#[from] AttributionError),
    /// Drawing a figure failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// Writing an output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReproductionError + '_ {
    move |source| ReproductionError::Io { path: path.to_owned(), source }
}

/// What the reproduction wrote, and its rows.
#[derive(Debug, Clone)]
pub struct PaperReproduction {
    /// `stage_attribution.csv` (`task,quantity,value`).
    pub csv: PathBuf,
    /// `stage_attribution.md` (tasks × quantities, one decimal).
    pub markdown: PathBuf,
    /// Figure files (PNG and SVG).
    pub figures: Vec<PathBuf>,
    /// `provenance.json`.
    pub provenance: PathBuf,
    /// The long rows (`task`, `quantity`, `value`).
    pub rows: Vec<(String, String, f64)>,
    /// Task order (the paper's, then `average`).
    pub tasks: Vec<String>,
    /// Quantity order.
    pub quantities: Vec<String>,
}

/// Runs the reproduction: tables into `tables_dir`, figures into `figures_dir`.
pub fn reproduce_paper(tables_dir: &Path, figures_dir: &Path) -> Result<PaperReproduction, ReproductionError> {
    std::fs::create_dir_all(tables_dir).map_err(io_error(tables_dir))?;
    let lineage = Lineage::olmo3();
    let table = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1)?)?;
    let mut frame = stage_attribution(&lineage, &table)?;

    let csv = tables_dir.join("stage_attribution.csv");
    let mut file = File::create(&csv).map_err(io_error(&csv))?;
    CsvWriter::new(&mut file).include_header(true).finish(&mut frame)?;

    let rows = long_rows(&frame)?;
    let mut tasks: Vec<String> = table.tasks().to_vec();
    tasks.push(AVERAGE_TASK.to_owned());
    let mut quantities: Vec<String> = Vec::new();
    for (_, quantity, _) in &rows {
        if !quantities.contains(quantity) {
            quantities.push(quantity.clone());
        }
    }

    let markdown = tables_dir.join("stage_attribution.md");
    std::fs::write(&markdown, markdown_table(&tasks, &quantities, &rows)).map_err(io_error(&markdown))?;

    let figure = attribution_figure(&lineage, &tasks, &rows)?;
    let mut figures = save(&figure, &Theme::default(), &figures_dir.join("stage_attribution"))?.to_vec();
    figures.extend(paper_figures(&lineage, &table)?.save_all(figures_dir)?);

    let provenance = tables_dir.join("provenance.json");
    let record = Provenance::new("divcollapse paper reproduce")
        .input("data/paper/paper_tables.csv", sha256_bytes(PAPER_TABLES_CSV))
        .parameter("source", PAPER_SOURCE)
        .parameter("metric", format!("table {} {}", SBERT_TABLE.0, SBERT_TABLE.1))
        .parameter("lineage", &lineage.name)
        .parameter("average_convention", "unweighted mean over tasks of per-task percentages");
    let json = serde_json::to_string_pretty(&record).expect("provenance serialises");
    std::fs::write(&provenance, json + "\n").map_err(io_error(&provenance))?;

    Ok(PaperReproduction { csv, markdown, figures, provenance, rows, tasks, quantities })
}

/// A published quantity as a lookup table.
fn published(table: i64, quantity: &str) -> Result<MetricTable, ReproductionError> {
    Ok(MetricTable::from_frame(&paper_metric(table, quantity)?)?)
}

/// A lookup of published point estimates.
fn point(table: &MetricTable) -> impl Fn(&str, &str) -> Option<Estimate> + '_ {
    move |model, task| table.get(model, task).ok().map(Estimate::point)
}

/// The four figures drawn from the paper's own per-checkpoint tables (point estimates,
/// no intervals: the paper publishes none).
#[derive(Debug, Clone)]
pub struct PaperFigures {
    /// SBERT diversity across stages (Table 3).
    pub diversity_stages: StageTrajectoryFigure,
    /// The decomposition in the paper's unmatched convention (Table 14).
    pub decomposition: DecompositionFigure,
    /// Accuracy@1 against the majority-vote gain (Tables 7 and 10).
    pub accuracy_vs_majority_gain: ScatterFigure,
    /// NLI diversity per task (Table 5).
    pub nli_per_task: DotPlotFigure,
}

impl PaperFigures {
    /// Saves the four figures under `folder` (PNG and SVG each).
    fn save_all(&self, folder: &Path) -> Result<Vec<PathBuf>, PlotError> {
        let theme = Theme::default();
        let mut files = Vec::new();
        files.extend(save(&self.diversity_stages, &theme, &folder.join("diversity_stages"))?);
        files.extend(save(&self.decomposition, &theme, &folder.join("decomposition"))?);
        files.extend(save(&self.accuracy_vs_majority_gain, &theme, &folder.join("accuracy_vs_majority_gain"))?);
        files.extend(save(&self.nli_per_task, &theme, &folder.join("nli_per_task"))?);
        Ok(files)
    }
}

/// The paper's stage attribution of SBERT diversity (Table 3) as a figure.
pub fn paper_attribution_figure() -> Result<StageAttributionFigure, ReproductionError> {
    let lineage = Lineage::olmo3();
    let table = MetricTable::from_frame(&paper_metric(SBERT_TABLE.0, SBERT_TABLE.1)?)?;
    let rows = long_rows(&stage_attribution(&lineage, &table)?)?;
    let mut tasks: Vec<String> = table.tasks().to_vec();
    tasks.push(AVERAGE_TASK.to_owned());
    attribution_figure(&lineage, &tasks, &rows)
}

/// The stage-attribution figure of `(task, quantity, value)` rows, one panel a lineage.
fn attribution_figure(
    lineage: &Lineage,
    tasks: &[String],
    rows: &[(String, String, f64)],
) -> Result<StageAttributionFigure, ReproductionError> {
    let panels: Vec<(String, String)> =
        lineage.lineage_names().iter().map(|name| (quantity_prefix(name), display_lineage(name))).collect();
    Ok(StageAttributionFigure::from_long(tasks, rows, &panels, "SBERT diversity")?)
}

/// Builds the four figures of the paper's own tables for `lineage` (the Olmo 3 lineage).
pub fn paper_figures(lineage: &Lineage, sbert: &MetricTable) -> Result<PaperFigures, ReproductionError> {
    let diversity_stages = stage_trajectories(
        lineage,
        sbert.tasks(),
        "SBERT diversity (per-input mean) across post-training stages, paper Table 3",
        &point(sbert),
    )
    .validate()?;

    // Table 14 in the paper's convention: D_a over all prompts, D_c over each checkpoint's
    // computable prompts (not matched).
    let (d_all, d_correct) = (published(14, "d_all_sbert")?, published(14, "d_correct_sbert")?);
    let base = lineage.base().name.clone();
    let bar = |model: &str, task: &str| -> Option<DecompositionBar> {
        let delta = d_all.get(&base, task).ok()? - d_all.get(model, task).ok()?;
        let residual = d_correct.get(&base, task).ok()? - d_correct.get(model, task).ok()?;
        Some(DecompositionBar {
            label: model.to_owned(),
            residual: Estimate::point(residual),
            quality_control: Estimate::point(delta - residual),
            delta_all: Estimate::point(delta),
        })
    };
    let decomposition = decomposition_figure(
        lineage,
        d_all.tasks(),
        "SBERT loss from Base, paper Table 14 (unmatched prompt sets)",
        &bar,
    )
    .validate()?;

    // Accuracy against the majority-vote gain: Table 7 (math, TruthfulQA) and Table 10 (CRUXEval).
    let mut accuracy = published(7, "acc_at_1")?;
    let mut vote = published(7, "majority_vote_at_16")?;
    for (model, task, value) in published(10, "acc_at_1")?.entries() {
        accuracy.insert(&model, &task, value);
    }
    for (model, task, value) in published(10, "majority_vote_at_16")?.entries() {
        vote.insert(&model, &task, value);
    }
    let gain =
        |model: &str, task: &str| Some(Estimate::point(vote.get(model, task).ok()? - accuracy.get(model, task).ok()?));
    let accuracy_vs_majority_gain =
        accuracy_gain_scatter(lineage, accuracy.tasks(), &point(&accuracy), &gain).validate()?;

    let nli = published(5, "nli_per_input_mean")?;
    let nli_per_task = per_task_dots(
        lineage,
        nli.tasks(),
        &final_checkpoints(lineage),
        "NLI diversity (per-input mean) per task, paper Table 5",
        "NLI diversity",
        &point(&nli),
    )
    .validate()?;
    Ok(PaperFigures { diversity_stages, decomposition, accuracy_vs_majority_gain, nli_per_task })
}

fn long_rows(frame: &DataFrame) -> Result<Vec<(String, String, f64)>, PolarsError> {
    let tasks = frame.column("task")?.str()?;
    let quantities = frame.column("quantity")?.str()?;
    let values = frame.column("value")?.f64()?;
    Ok(tasks
        .into_iter()
        .zip(quantities)
        .zip(values)
        .filter_map(|((t, q), v)| Some((t?.to_owned(), q?.to_owned(), v?)))
        .collect())
}

/// A markdown table, tasks as rows and quantities as columns, one decimal.
pub fn markdown_table(tasks: &[String], quantities: &[String], rows: &[(String, String, f64)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| task | {} |", quantities.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(quantities.len()));
    for task in tasks {
        let cells: Vec<String> = quantities
            .iter()
            .map(|q| {
                rows.iter().find(|(t, rq, _)| t == task && rq == q).map_or_else(
                    || "–".to_owned(),
                    // Changes carry a sign; retentions are levels.
                    |(_, _, v)| if q.ends_with("_retain") { format!("{v:.1}") } else { format!("{v:+.1}") },
                )
            })
            .collect();
        let name = if task == AVERAGE_TASK { format!("**{task}**") } else { task.clone() };
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    }
    out
}

/// Writes the demo's markdown report for a reproduction.
pub fn write_report(reproduction: &PaperReproduction, path: &Path) -> Result<(), ReproductionError> {
    let pngs: Vec<String> = reproduction
        .figures
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| relative_to(p, path.parent().unwrap_or(Path::new("."))))
        .collect();
    let value = |task: &str, quantity: &str| {
        reproduction.rows.iter().find(|(t, q, _)| t == task && q == quantity).map_or(f64::NAN, |(_, _, v)| *v)
    };
    let mut text = String::new();
    let _ = writeln!(text, "# Where does diversity collapse? Stage attribution on the paper's numbers\n");
    let _ = writeln!(
        text,
        "Source: {PAPER_SOURCE}; per-input SBERT diversity means of Table 3 (16 checkpoint conditions, 15 tasks).\n\
         Each stage's change is a share of the Base value, so SFT + DPO + RL = retain − 100; negative = loss.\n\
         The `average` row is the unweighted mean over tasks of the per-task percentages.\n"
    );
    let _ = writeln!(
        text,
        "Across the 15 tasks, Think-SFT changes semantic diversity by {:+.1}% of Base, Think-DPO by {:+.1}%, \
         Think RL by {:+.1}% (Think retains {:.1}%). Instruct-SFT: {:+.1}%, DPO {:+.1}%, RL {:+.1}% \
         (retains {:.1}%). RL-Zero variants retain {:.1}% on average.\n",
        value(AVERAGE_TASK, "think_sft"),
        value(AVERAGE_TASK, "think_dpo"),
        value(AVERAGE_TASK, "think_rl"),
        value(AVERAGE_TASK, "think_retain"),
        value(AVERAGE_TASK, "instruct_sft"),
        value(AVERAGE_TASK, "instruct_dpo"),
        value(AVERAGE_TASK, "instruct_rl"),
        value(AVERAGE_TASK, "instruct_retain"),
        value(AVERAGE_TASK, "rlzero_retain"),
    );
    if let Some(first) = pngs.first() {
        let _ = writeln!(text, "![Stage attribution]({first})\n");
    }
    text.push_str(&markdown_table(&reproduction.tasks, &reproduction.quantities, &reproduction.rows));
    if pngs.len() > 1 {
        let _ = writeln!(
            text,
            "\n## The paper's other tables as figures\n\nDiversity across stages (Table 3), the correctness \
             decomposition in the paper's unmatched convention (Table 14), accuracy@1 against the majority-vote gain \
             (Tables 7 and 10) and NLI diversity per task (Table 5).\n"
        );
        for png in &pngs[1..] {
            let _ = writeln!(text, "![{png}]({png})\n");
        }
    }
    let _ = writeln!(
        text,
        "\nThese are point estimates from rounded published means (recomputing from rounded values lands within \
         about one percentage point of the paper's own derived table). The published tables carry no per-prompt \
         data, so no confidence interval can be attached here."
    );
    std::fs::write(path, text).map_err(io_error(path))
}

/// `path` written relative to the folder `base` (both relative to the same folder).
pub(crate) fn relative_to(path: &Path, base: &Path) -> String {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part);
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_report_folder() {
        assert_eq!(
            relative_to(Path::new("figures/demo/a.png"), Path::new("analysis/demo")),
            "../../figures/demo/a.png"
        );
        assert_eq!(relative_to(Path::new("out/a.png"), Path::new("out")), "a.png");
    }
}
