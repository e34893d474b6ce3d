//! The lineage lab: training is deterministic for a seed, and the checkpoints it
//! writes are Hugging Face folders that the normal loader and sampler use.

use std::path::Path;
use std::process::Command;

use diversity_collapse::generate::sampling::SamplingParams;
use diversity_collapse::lab::evaluate::{EvalSettings, conditions, label_sums, sample_condition};
use diversity_collapse::lab::lineage::{CHECKPOINTS, LabConfig, train_lineage};
use diversity_collapse::lab::world::LabTask;

fn train(out: &Path) {
    train_lineage(&LabConfig::smoke(), out, |_, _, _, _| {}).unwrap();
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
    let settings = EvalSettings {
        world_seed: LabConfig::smoke().seed,
        n: 3,
        k: 4,
        sampling: SamplingParams::STUDY,
        seed: 1,
        max_new_tokens: 8,
    };
    for condition in conditions().iter().filter(|c| c.checkpoint.name == "sft_think" || c.checkpoint.name == "base") {
        let run = out.path().join(format!("{}.jsonl", condition.name()));
        let mut prompts = 0;
        sample_condition(lineage.path(), condition, LabTask::Sums, &settings, &run, &mut || prompts += 1).unwrap();
        assert_eq!(prompts, 3);
        // Resuming finds every prompt complete and samples nothing new.
        let before = std::fs::read(&run).unwrap();
        sample_condition(lineage.path(), condition, LabTask::Sums, &settings, &run, &mut || {}).unwrap();
        assert_eq!(before, std::fs::read(&run).unwrap());
        let labels = out.path().join(format!("{}.labels.jsonl", condition.name()));
        label_sums(&run, settings.world_seed, settings.n, &labels).unwrap();
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
    let settings = EvalSettings {
        world_seed: lab["config"]["seed"].as_u64().unwrap(),
        n: 6,
        k: 4,
        sampling: SamplingParams::STUDY,
        seed: 1234,
        max_new_tokens: lab["config"]["max_new_tokens"].as_u64().unwrap() as usize,
    };
    let out = tempfile::tempdir().unwrap();
    let mut correct = std::collections::BTreeMap::new();
    for condition in conditions().iter().filter(|c| !c.no_think) {
        let run = out.path().join(format!("{}.jsonl", condition.name()));
        sample_condition(&lineage, condition, LabTask::Sums, &settings, &run, &mut || {}).unwrap();
        let labels = out.path().join(format!("{}.labels.jsonl", condition.name()));
        label_sums(&run, settings.world_seed, settings.n, &labels).unwrap();
        let count: usize = std::fs::read_to_string(&labels)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|l| l["labels"].as_array().unwrap().iter().filter(|v| v.as_bool().unwrap()).count())
            .sum();
        correct.insert(condition.name(), count);
    }
    // Trained checkpoints answer some problems right (24 outputs each); an untrained
    // network of this size essentially never does.
    let post_trained: usize = correct.iter().filter(|(name, _)| name.as_str() != "base").map(|(_, c)| c).sum();
    assert!(post_trained >= 10, "{correct:?}");
}
