//! The stages chain from the command line on the committed lab lineage: `generate` →
//! `score` → `correctness` → `analyze` (which reads `score`'s table and needs no
//! `--encoder`), and `demo` is `study` on the lab lineage (same tables).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tolerance;

fn divcollapse(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap();
    assert!(output.status.success(), "divcollapse {args:?}:\n{}", String::from_utf8_lossy(&output.stderr));
}

fn lineage_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lineage")
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `metrics.csv`'s value of `metric` per (model, task).
fn metric_values(metrics_csv: &Path, metric: &str) -> BTreeMap<(String, String), f64> {
    let text = std::fs::read_to_string(metrics_csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("model,task,metric,n,value,ci_low,ci_high"));
    lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[2] == metric)
        .map(|cells| ((cells[0].to_owned(), cells[1].to_owned()), cells[4].parse().unwrap()))
        .collect()
}

#[test]
fn generate_score_correctness_and_analyze_chain_on_the_lab_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let lineage = lineage_dir();
    let mut toml = String::from("name = \"chain\"\n");
    for (name, stage, parent) in [("base", "base", None), ("sft_think", "sft", Some("base"))] {
        let model = lineage.join(name);
        let run = dir.path().join(format!("{name}.jsonl"));
        let scores = dir.path().join(format!("{name}.scores.csv"));
        let labels = dir.path().join(format!("{name}.labels.jsonl"));
        for task in ["lab_sums", "lab_describe"] {
            let part = dir.path().join(format!("{name}.{task}.jsonl"));
            divcollapse(&[
                "generate",
                "--model",
                text(&model),
                "--task",
                task,
                "--data",
                text(&lineage),
                "--n",
                "3",
                "--k",
                "4",
                "--seed",
                "7",
                "--out",
                text(&part),
            ]);
            let mut joined = std::fs::read(&run).unwrap_or_default();
            joined.extend(std::fs::read(&part).unwrap());
            std::fs::write(&run, joined).unwrap();
        }
        divcollapse(&["score", "--generations", text(&run), "--model-name", name, "--out", text(&scores)]);
        divcollapse(&[
            "correctness",
            "--task",
            "lab_sums",
            "--generations",
            text(&run),
            "--data",
            text(&lineage),
            "--out",
            text(&labels),
        ]);
        let labelled: Vec<serde_json::Value> =
            std::fs::read_to_string(&labels).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(labelled.len(), 3, "the describe prompts are left to their own task");
        assert!(labelled.iter().all(|l| l["task"] == "lab_sums" && l["labels"].as_array().unwrap().len() == 4));
        toml += &format!(
            "[[checkpoint]]\nname = \"{name}\"\nlineage = \"{}\"\nstage = \"{stage}\"\n{}run = \"{name}.jsonl\"\nscores = \"{name}.scores.csv\"\nlabels = \"{name}.labels.jsonl\"\n",
            if stage == "base" { "base" } else { "think" },
            parent.map(|p| format!("parent = \"{p}\"\n")).unwrap_or_default(),
        );
    }
    let toml_path = dir.path().join("lineage.toml");
    std::fs::write(&toml_path, toml).unwrap();
    let analysis = dir.path().join("analysis");
    divcollapse(&["analyze", "--lineage", text(&toml_path), "--out", text(&analysis), "--bootstrap", "200"]);

    // `metrics.csv`'s SBERT, Vendi and EAD means are the means of `score`'s columns.
    for (metric, column) in [("d_all_sbert", "sbert"), ("vendi", "vendi"), ("ead", "ead")] {
        let analysed = metric_values(&analysis.join("metrics.csv"), metric);
        assert_eq!(analysed.len(), 4, "{metric}: two checkpoints × two tasks");
        for ((model, task), value) in analysed {
            let scores = std::fs::read_to_string(dir.path().join(format!("{model}.scores.csv"))).unwrap();
            let header: Vec<&str> = scores.lines().next().unwrap().split(',').collect();
            let (task_at, value_at) =
                (header.iter().position(|h| *h == "task").unwrap(), header.iter().position(|h| *h == column).unwrap());
            let values: Vec<f64> = scores
                .lines()
                .skip(1)
                .map(|l| l.split(',').collect::<Vec<_>>())
                .filter(|cells| cells[task_at] == task)
                .map(|cells| cells[value_at].parse().unwrap())
                .collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            assert!(
                (value - mean).abs() <= tolerance::EXACT_RELATIVE_F64 * mean.abs().max(1.0),
                "{model} {task} {metric}: metrics.csv {value} against the mean of score's `{column}` {mean}"
            );
        }
    }
    // The correct-output diversity is there for the verifiable task.
    assert!(!metric_values(&analysis.join("metrics.csv"), "acc1").is_empty());
}

#[test]
fn demo_is_study_on_the_lab_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    divcollapse(&[
        "demo",
        "--n",
        "2",
        "--k",
        "2",
        "--bootstrap",
        "200",
        "--analysis-dir",
        text(&demo),
        "--figures-dir",
        text(&dir.path().join("figures")),
    ]);
    let study = dir.path().join("study");
    divcollapse(&["study", "--lineage", text(&demo.join("study.toml")), "--out", text(&study), "--bootstrap", "200"]);
    for table in ["metrics.csv", "stage_attribution.csv", "retention.csv", "decomposition.csv", "think_suppression.csv"]
    {
        let read = |folder: &Path| std::fs::read_to_string(folder.join(table)).unwrap();
        assert_eq!(read(&demo), read(&study), "{table} differs between demo and study");
    }
    // The study records why each stage ran; a second run skips every stage but the analysis.
    divcollapse(&["study", "--lineage", text(&demo.join("study.toml")), "--out", text(&study), "--bootstrap", "200"]);
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(study.join("study.json")).unwrap()).unwrap();
    assert!(log.iter().any(|r| r["stage"] == "label"), "the verifiable task is labelled");
    for record in &log {
        let expected = if record["stage"] == "analyse" { "ran" } else { "skipped" };
        assert_eq!(record["status"], expected, "{record}");
        assert!(!record["inputs"].as_object().unwrap().is_empty(), "{record}");
    }
}
