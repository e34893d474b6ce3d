//! The lineage lab: training is deterministic for a seed, and the checkpoints it
//! writes are Hugging Face folders that the normal loader and sampler use.

use std::path::Path;
use std::process::Command;

use diversity_collapse::device::Cpu;
use diversity_collapse::lab::evaluate::{Condition, conditions};
use diversity_collapse::lab::lineage::{CHECKPOINTS, LabConfig, train_lineage};
use diversity_collapse::pipeline::label::{LabelSettings, label_run};
use diversity_collapse::pipeline::sample::{PromptSet, SampleReport, SampleSettings, sample_run};

fn train(out: &Path) {
    train_lineage(&LabConfig::smoke(), out, |_, _, _, _| {}).unwrap();
}

/// Samples `n` prompts of `task` (`k` samples each) from a condition through the sample stage.
fn sample(
    condition: &Condition,
    task: &str,
    lineage: &Path,
    n: usize,
    k: usize,
    max_new_tokens: usize,
    run: &Path,
) -> SampleReport {
    let mut prompts = PromptSet::of_task(task, Some(lineage), Some(n)).unwrap();
    prompts.max_new_tokens = max_new_tokens;
    let settings =
        SampleSettings { k, seed: 1234, no_think: condition.no_think, batch_size: k, ..SampleSettings::study() };
    sample_run::<Cpu>(&condition.folder, &prompts, &settings, run, &Default::default(), &mut ()).unwrap()
}

/// Labels a `lab_sums` run through the label stage.
fn label(run: &Path, lineage: &Path, out: &Path) {
    let settings = LabelSettings { data: Some(lineage.to_owned()), ..LabelSettings::default() };
    label_run("lab_sums", run, &settings, out, &mut ()).unwrap();
}

#[test]
fn training_twice_gives_identical_checkpoints() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    train(a.path());
    train(b.path());
    for checkpoint in CHECKPOINTS {
        for file in ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"] {
            let read = |root: &Path| std::fs::read(root.join(checkpoint.name).join(file)).unwrap();
            assert!(read(a.path()) == read(b.path()), "{}/{file} differs between two runs", checkpoint.name);
        }
    }
    // A different seed gives different weights.
    let c = tempfile::tempdir().unwrap();
    train_lineage(&LabConfig { seed: 7, ..LabConfig::smoke() }, c.path(), |_, _, _, _| {}).unwrap();
    let weights = |root: &Path| std::fs::read(root.join("base/model.safetensors")).unwrap();
    assert!(weights(a.path()) != weights(c.path()));
}

#[test]
fn lab_checkpoints_load_sample_and_label_through_the_normal_paths() {
    let lineage = tempfile::tempdir().unwrap();
    train(lineage.path());
    let out = tempfile::tempdir().unwrap();
    for condition in conditions(lineage.path()).iter().filter(|c| c.folder.ends_with("sft_think") || c.name == "base") {
        let run = out.path().join(format!("{}.jsonl", condition.name));
        let report = sample(condition, "lab_sums", lineage.path(), 3, 4, 8, &run);
        assert_eq!(report.sampled, 3);
        // Resuming finds every prompt complete and samples nothing new.
        let before = std::fs::read(&run).unwrap();
        assert_eq!(sample(condition, "lab_sums", lineage.path(), 3, 4, 8, &run).resumed, 3);
        assert_eq!(before, std::fs::read(&run).unwrap());
        let labels = out.path().join(format!("{}.labels.jsonl", condition.name));
        label(&run, lineage.path(), &labels);
        let lines: Vec<serde_json::Value> =
            std::fs::read_to_string(&labels).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l["labels"].as_array().unwrap().len() == 4));
        let record: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&run).unwrap().lines().next().unwrap()).unwrap();
        assert_eq!(record["meta"]["no_think"], condition.no_think);
        if condition.no_think {
            assert!(record["raw_outputs"].as_array().unwrap().iter().all(|o| !o.as_str().unwrap().contains("<think>")));
        }
    }
    // The `generate` command reads a lab checkpoint like any other folder.
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["logits", "--model"])
        .arg(lineage.path().join("rl_instruct"))
        .args(["--ids", "1,2,3", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_committed_lineage_loads_generates_and_is_checked_by_the_verifier() {
    let lineage = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lineage");
    let lab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(lineage.join("lab.json")).unwrap()).unwrap();
    let max_new_tokens = lab["config"]["max_new_tokens"].as_u64().unwrap() as usize;
    let out = tempfile::tempdir().unwrap();
    let mut correct = std::collections::BTreeMap::new();
    for condition in conditions(&lineage).iter().filter(|c| !c.no_think) {
        let run = out.path().join(format!("{}.jsonl", condition.name));
        sample(condition, "lab_sums", &lineage, 6, 4, max_new_tokens, &run);
        let labels = out.path().join(format!("{}.labels.jsonl", condition.name));
        label(&run, &lineage, &labels);
        let count: usize = std::fs::read_to_string(&labels)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|l| l["labels"].as_array().unwrap().iter().filter(|v| v.as_bool().unwrap()).count())
            .sum();
        correct.insert(condition.name.clone(), count);
    }
    // Trained checkpoints answer some problems right (24 outputs each); an untrained
    // network of this size essentially never does.
    let post_trained: usize = correct.iter().filter(|(name, _)| name.as_str() != "base").map(|(_, c)| c).sum();
    assert!(post_trained >= 10, "{correct:?}");
}

#[test]
fn the_sweep_trains_its_arms_samples_and_reports_every_stage_with_intervals() {
    let encoder = diversity_collapse::assets::Assets::locate()
        .mpnet()
        .expect("run scripts/setup: the sweep's analysis uses all-mpnet-base-v2");
    let lineage = tempfile::tempdir().unwrap();
    train(lineage.path());
    let out = tempfile::tempdir().unwrap();
    let figures = out.path().join("figures_out");
    let sweep = || {
        Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .args(["lab", "sweep", "--teachers", "1,3", "--n", "3", "--k", "3", "--bootstrap", "200", "--lineage"])
            .arg(lineage.path())
            .arg("--out")
            .arg(out.path())
            .arg("--figures-dir")
            .arg(&figures)
            .arg("--encoder")
            .arg(&encoder)
            .output()
            .unwrap()
    };
    let first = sweep();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let csv = std::fs::read_to_string(out.path().join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("teachers,stage,task,value,ci_low,ci_high,n_prompts"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 2 arms × 2 stages × (2 tasks + average).
    assert_eq!(rows.len(), 12, "{csv}");
    for row in &rows {
        let value: f64 = row[3].parse().unwrap();
        if let (Ok(low), Ok(high)) = (row[4].parse::<f64>(), row[5].parse::<f64>()) {
            assert!(low <= value && value <= high, "{row:?}");
        }
    }
    assert!(rows.iter().any(|r| r[0] == "3" && r[1] == "dpo" && r[2] == "average"));
    let accuracy = std::fs::read_to_string(out.path().join("sweep_accuracy.csv")).unwrap();
    assert_eq!(accuracy.lines().count(), 1 + 5, "{accuracy}");
    assert!(figures.join("diversity_vs_teachers.png").is_file());
    assert!(figures.join("diversity_vs_teachers.svg").is_file());
    let md = std::fs::read_to_string(out.path().join("sweep.md")).unwrap();
    assert!(md.contains("figures_out/diversity_vs_teachers.png"), "{md}");

    // A rerun keeps the trained arms and the sampled runs: the same tables again.
    let weights = std::fs::read(out.path().join("checkpoints/t3_dpo/model.safetensors")).unwrap();
    let second = sweep();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(weights, std::fs::read(out.path().join("checkpoints/t3_dpo/model.safetensors")).unwrap());
    assert_eq!(csv, std::fs::read_to_string(out.path().join("sweep.csv")).unwrap());

    // An arm outside the world is refused before any work.
    let bad = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["lab", "sweep", "--teachers", "16", "--lineage"])
        .arg(lineage.path())
        .arg("--out")
        .arg(out.path().join("bad"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("teacher count 16"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// Per-prompt accuracy@1 (share of correct samples) of a labels file, by input id.
fn accuracy_by_prompt(labels: &Path) -> std::collections::BTreeMap<String, f64> {
    std::fs::read_to_string(labels)
        .unwrap()
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let labels = record["labels"].as_array().unwrap();
            let correct = labels.iter().filter(|v| v.as_bool().unwrap()).count();
            (record["input_id"].as_str().unwrap().to_owned(), correct as f64 / labels.len() as f64)
        })
        .collect()
}

#[test]
#[ignore = "slow: samples three committed checkpoints and embeds 2,304 outputs (scripts/test runs it)"]
fn on_the_committed_lineage_sft_narrows_the_open_ended_task_and_raises_accuracy() {
    use diversity_collapse::analysis::lineage::Stage;
    use diversity_collapse::lab::evaluate::{EvalSettings, study_lineage};
    use diversity_collapse::stats::{Bootstrap, BootstrapConfig};

    let encoder = diversity_collapse::assets::Assets::locate().mpnet().expect("run scripts/setup");
    let lineage = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lineage");
    let lab = LabConfig::of_lineage(&lineage).unwrap();
    let chosen: Vec<_> = conditions(&lineage)
        .into_iter()
        .filter(|c| !c.no_think && matches!(c.stage, Stage::Base | Stage::Sft))
        .collect();
    assert_eq!(chosen.len(), 3);
    let settings =
        EvalSettings { lineage_dir: lineage.clone(), n: 24, k: 16, seed: 1234, max_new_tokens: lab.max_new_tokens };
    let out = tempfile::tempdir().unwrap();
    let toml = out.path().join("study.toml");
    std::fs::write(&toml, study_lineage(&chosen, &settings, "base and SFT", out.path()).to_toml()).unwrap();
    let analysis = out.path().join("analysis");
    let status = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["study", "--lineage"])
        .arg(&toml)
        .arg("--out")
        .arg(&analysis)
        .arg("--encoder")
        .arg(&encoder)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));

    // SBERT diversity on the open-ended task: the paired interval of the SFT change
    // (percent of Base) lies below zero for both compositions.
    let attribution = std::fs::read_to_string(analysis.join("stage_attribution.csv")).unwrap();
    for quantity in ["think_sft", "instruct_sft"] {
        let row: Vec<&str> = attribution
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|r| r[0] == "lab_describe" && r[1] == quantity)
            .unwrap_or_else(|| panic!("no {quantity} row in\n{attribution}"));
        let (value, high): (f64, f64) = (row[2].parse().unwrap(), row[4].parse().unwrap());
        assert!(value < 0.0 && high < 0.0, "{quantity}: {row:?}");
    }

    // Accuracy@1 on the verifiable task: the paired interval of SFT − Base excludes zero.
    let base = accuracy_by_prompt(&analysis.join("labels/base.jsonl"));
    for name in ["sft_think", "sft_instruct"] {
        let sft = accuracy_by_prompt(&analysis.join(format!("labels/{name}.jsonl")));
        let differences: Vec<f64> = base.iter().map(|(id, b)| sft[id] - b).collect();
        let interval = Bootstrap::new(BootstrapConfig::default())
            .interval(differences.len(), |indices| {
                indices.iter().map(|&i| differences[i]).sum::<f64>() / indices.len() as f64
            })
            .unwrap();
        assert!(interval.low > 0.0, "{name}: accuracy change {interval:?}");
    }
}
