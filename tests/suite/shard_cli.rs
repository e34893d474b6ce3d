//! Sharded studies: `generate`, `score` and `correctness` with `--shard I/N`, joined by
//! `divcollapse merge`, give what the unsharded commands give; merge refuses missing or
//! repeated slices, slices of other settings and files of different kinds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn lineage() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lineage")
}

fn divcollapse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn ok(args: &[&str]) -> Output {
    let output = divcollapse(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    output
}

fn refused(args: &[&str]) -> String {
    let output = divcollapse(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    text(&output)
}

/// JSONL lines by `input_id`, without `meta`.
fn by_id(path: &Path) -> BTreeMap<String, Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut value: Value = serde_json::from_str(l).unwrap();
            value.as_object_mut().unwrap().remove("meta");
            (value["input_id"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

#[test]
fn shards_of_every_stage_merge_into_the_unsharded_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let model = lineage().join("sft_instruct");
    let (model, data) = (model.to_str().unwrap(), lineage());
    let data = data.to_str().unwrap();
    let generate = |out: &str, extra: &[&str]| {
        let mut args = vec!["generate", "--model", model, "--task", "lab_sums", "--data", data, "--n", "12"];
        args.extend(["--k", "3", "--temperature", "1.0", "--out", out]);
        args.extend(extra);
        ok(&args)
    };

    // Sample.
    let whole = path("whole.jsonl");
    generate(&whole, &[]);
    let shards: Vec<String> = (1..=3).map(|i| path(&format!("run{i}.jsonl"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        generate(shard, &["--shard", &format!("{}/3", i + 1)]);
    }
    let sizes: Vec<usize> = shards.iter().map(|s| by_id(Path::new(s)).len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 12, "{sizes:?}");
    let merged = path("merged.jsonl");
    let mut args = vec!["merge", "--out", &merged];
    args.extend(shards.iter().map(String::as_str));
    let report: Value = serde_json::from_slice(&ok(&args).stdout).unwrap();
    assert_eq!(
        (report["kind"].as_str(), report["prompts"].as_u64(), report["shards"].as_u64()),
        (Some("run"), Some(12), Some(3))
    );
    assert_eq!(by_id(Path::new(&merged)), by_id(Path::new(&whole)));
    // The merged file resumes as the unsharded run: nothing is left to sample.
    let resumed = generate(&merged, &[]);
    assert!(text(&resumed).contains("(0 sampled now"), "{}", text(&resumed));

    // Merge refuses what is not one split of one run.
    let missing = refused(&["merge", "--out", &path("m.jsonl"), &shards[0], &shards[1]]);
    assert!(missing.contains("shards 3/3 are missing"), "{missing}");
    let twice = refused(&["merge", "--out", &path("m.jsonl"), &shards[0], &shards[0], &shards[1], &shards[2]]);
    assert!(twice.contains("is in two inputs") || twice.contains("given twice"), "{twice}");
    let other = path("other.jsonl");
    generate(&other, &["--shard", "3/3", "--seed", "7"]);
    let settings = refused(&["merge", "--out", &path("m.jsonl"), &shards[0], &shards[1], &other]);
    assert!(settings.contains("other settings") && settings.contains("seed"), "{settings}");
    assert!(!Path::new(&path("m.jsonl")).exists());

    // Score: the slices' rows are the unsharded rows.
    let score = |out: &str, extra: &[&str]| {
        let mut args = vec!["score", "--generations", &whole, "--metrics", "ead,distinct", "--out", out];
        args.extend(extra);
        ok(&args)
    };
    let table = path("scores.jsonl");
    score(&table, &[]);
    let tables: Vec<String> = (1..=3).map(|i| path(&format!("scores{i}.jsonl"))).collect();
    for (i, shard) in tables.iter().enumerate() {
        score(shard, &["--shard", &format!("{}/3", i + 1)]);
    }
    let merged_table = path("scores.merged.jsonl");
    let mut args = vec!["merge", "--out", &merged_table];
    args.extend(tables.iter().map(String::as_str));
    ok(&args);
    assert_eq!(by_id(Path::new(&merged_table)), by_id(Path::new(&table)));
    let kinds = refused(&["merge", "--out", &path("m.jsonl"), &tables[0], &shards[0]]);
    assert!(kinds.contains("merge files of one kind"), "{kinds}");

    // Label: the slices' labels are the unsharded labels.
    let label = |out: &str, extra: &[&str]| {
        let mut args = vec!["correctness", "--task", "lab_sums", "--generations", &whole, "--data", data];
        args.extend(["--out", out]);
        args.extend(extra);
        ok(&args)
    };
    let labels = path("labels.jsonl");
    label(&labels, &[]);
    let parts: Vec<String> = (1..=3).map(|i| path(&format!("labels{i}.jsonl"))).collect();
    for (i, part) in parts.iter().enumerate() {
        label(part, &["--shard", &format!("{}/3", i + 1)]);
    }
    let merged_labels = path("labels.merged.jsonl");
    let mut args = vec!["merge", "--out", &merged_labels];
    args.extend(parts.iter().map(String::as_str));
    ok(&args);
    assert_eq!(by_id(Path::new(&merged_labels)), by_id(Path::new(&labels)));
}

#[test]
fn sharded_study_slices_sample_and_their_runs_folders_merge_into_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("lineage.toml");
    let model = lineage().join("sft_instruct");
    std::fs::write(
        &description,
        format!(
            "name = \"sharded\"\n\n[sample]\ntasks = [\"lab_sums\"]\nn = 10\nk = 2\n\
             data = {{ lab_sums = \"{}\" }}\n\n\
             [[checkpoint]]\nname = \"sft\"\nlineage = \"base\"\nstage = \"base\"\nmodel = \"{}\"\n",
            lineage().display(),
            model.display()
        ),
    )
    .unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let study = |out: &str, shard: &str| {
        ok(&["study", "--lineage", description.to_str().unwrap(), "--out", out, "--shard", shard]);
    };
    study(&path("whole"), "1/1");
    study(&path("slice1"), "1/2");
    study(&path("slice2"), "2/2");
    // Only the sample stage ran.
    assert!(!Path::new(&path("slice1/scores")).exists() && !Path::new(&path("slice1/report.md")).exists());
    let (runs1, runs2, merged) = (path("slice1/runs"), path("slice2/runs"), path("merged/runs"));
    let reports = ok(&["merge", &runs1, &runs2, "--out", &merged]);
    assert_eq!(String::from_utf8_lossy(&reports.stdout).lines().count(), 2, "the per-task and the joined run files");
    let whole = path("whole.merged");
    ok(&["merge", &path("whole/runs"), "--out", &whole]);
    for name in ["sft.jsonl", "sft.lab_sums.jsonl"] {
        let merged = by_id(&Path::new(&merged).join(name));
        assert_eq!(merged.len(), 10);
        assert_eq!(merged, by_id(&Path::new(&whole).join(name)), "{name}");
    }
}
