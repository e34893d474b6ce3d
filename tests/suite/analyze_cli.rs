//! `divcollapse analyze`: a small lineage of run files and labels, measured with the
//! real all-mpnet-base-v2 encoder, end to end: tables with intervals, report, figures,
//! resumption, and the same analysis from a per-prompt CSV.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use diversity_collapse::assets::Assets;

use crate::tolerance;

const LINEAGE: &str = r#"name = "toy"
[[checkpoint]]
name = "Base"
lineage = "base"
stage = "base"
run = "runs/base.jsonl"
labels = "labels/base.jsonl"
[[checkpoint]]
name = "Think-SFT"
lineage = "think"
stage = "sft"
parent = "Base"
run = "runs/sft.jsonl"
labels = "labels/sft.jsonl"
[[checkpoint]]
name = "Think"
lineage = "think"
stage = "rl"
parent = "Think-SFT"
run = "runs/rl.jsonl"
labels = "labels/rl.jsonl"
[[checkpoint]]
name = "Think w/o CoT"
lineage = "think"
stage = "rl"
parent = "Think-SFT"
no_think = true
run = "runs/rl-nothink.jsonl"
labels = "labels/rl-nothink.jsonl"
"#;

const TOPICS: [&str; 8] = [
    "the harbour at dawn",
    "a violin repair shop",
    "volcanic soil and vineyards",
    "the rules of cricket",
    "migrating arctic terns",
    "a bakery's sourdough starter",
    "orbital mechanics of comets",
    "medieval bookbinding",
];
const ANGLES: [&str; 6] = [
    "A short poem about",
    "Three facts on",
    "A child's question about",
    "An economist's view of",
    "A recipe inspired by",
    "A news headline on",
];

/// Writes a run file and its labels: `variety` distinct outputs per prompt (of 6), the
/// first `correct` of them labelled correct.
fn write_checkpoint(dir: &Path, name: &str, variety: usize, correct: usize) {
    let (mut run, mut labels) = (String::new(), String::new());
    for task in ["gsm8k", "ifeval"] {
        for (p, topic) in TOPICS.iter().enumerate() {
            let outputs: Vec<String> = (0..6).map(|k| format!("{} {topic}.", ANGLES[(k % variety + p) % 6])).collect();
            let record =
                serde_json::json!({"input_id": p, "prompt": topic, "outputs": outputs, "task": format!("{task}|0")});
            writeln!(run, "{record}").unwrap();
            let flags: Vec<bool> = (0..6).map(|k| (k + p) % 6 < correct).collect();
            // Correct outputs answer 9, the others 8: the study's vote is right when more
            // than half are correct (a 3–3 tie votes wrong).
            let details: Vec<serde_json::Value> =
                flags.iter().map(|&f| serde_json::json!({"answer": if f { "9" } else { "8" }})).collect();
            let label = serde_json::json!({
                "input_id": p, "task": task, "labels": flags, "details": details, "majority_vote": correct > 3
            });
            writeln!(labels, "{label}").unwrap();
        }
    }
    std::fs::write(dir.join("runs").join(format!("{name}.jsonl")), run).unwrap();
    std::fs::write(dir.join("labels").join(format!("{name}.jsonl")), labels).unwrap();
}

fn divcollapse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

#[test]
fn analyze_measures_run_files_and_writes_tables_report_and_figures() {
    let encoder = Assets::locate().mpnet().expect("run scripts/setup: this test uses all-mpnet-base-v2");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    std::fs::create_dir_all(dir.path().join("labels")).unwrap();
    write_checkpoint(dir.path(), "base", 6, 2);
    write_checkpoint(dir.path(), "sft", 3, 4);
    write_checkpoint(dir.path(), "rl", 2, 5);
    write_checkpoint(dir.path(), "rl-nothink", 3, 3);
    let lineage = dir.path().join("lineage.toml");
    std::fs::write(&lineage, LINEAGE).unwrap();
    // Judge tables as `judge score` writes them: the `model` column names checkpoints
    // (the second row's model is not in the lineage and is skipped).
    let judged = dir.path().join("tldr_judge.csv");
    std::fs::write(
        &judged,
        "model,task,win_rate,n_wins,n_ties,n_losses,n_samples,win_rate_ci_low,win_rate_ci_high\n\
         Think-SFT,tldr,0.600000,3,0,2,5,0.200000,1.000000\nOther,tldr,0.5,1,0,1,2,0,1\n\
         Think,tldr,0.400000,2,0,3,5,0.000000,0.800000\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let cache = dir.path().join("embeddings.cache");
    let args = [
        "analyze",
        "--embedding-cache",
        cache.to_str().unwrap(),
        "--lineage",
        lineage.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--encoder",
        encoder.to_str().unwrap(),
        "--bootstrap",
        "400",
        "--extra-metrics",
        "distinct,self_bleu,classes_emb",
        "--vendi-q",
        "0.5,inf",
        "--homogeneity",
        "Think-SFT:Base",
        "--curves",
        "--quality",
        judged.to_str().unwrap(),
    ];
    let output = divcollapse(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    for file in [
        "metrics.csv",
        "stage_attribution.csv",
        "retention.csv",
        "decomposition.csv",
        "think_suppression.csv",
        "report.md",
        "per_prompt.csv",
        "provenance.json",
        "figures/diversity_stages.png",
        "figures/stage_attribution.svg",
        "figures/decomposition.png",
        "figures/accuracy_vs_majority_gain.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // Diversity falls with the number of distinct outputs: SFT and RL lose diversity.
    let attribution = std::fs::read_to_string(out.join("stage_attribution.csv")).unwrap();
    let value = |task: &str, quantity: &str| -> Vec<f64> {
        let line = attribution.lines().find(|l| l.starts_with(&format!("{task},{quantity},"))).unwrap();
        line.split(',').skip(2).take(3).map(|v| v.parse().unwrap()).collect()
    };
    let sft = value("gsm8k", "think_sft");
    assert!(sft[0] < 0.0 && sft[1] <= sft[0] && sft[0] <= sft[2], "{sft:?}");
    let retain = value("average", "think_retain");
    let (sft_avg, rl_avg) = (value("average", "think_sft")[0], value("average", "think_rl")[0]);
    assert!(
        (sft_avg + rl_avg - (retain[0] - 100.0)).abs() < tolerance::STAGE_ATTRIBUTION_IDENTITY,
        "changes sum to retain − 100"
    );
    // Every metric's change over every stage, paired over prompts: the point estimate is
    // the mean of the per-prompt differences, and SFT (6 → 3 distinct outputs) lowers
    // distinct-2 and raises self-BLEU.
    let changes = std::fs::read_to_string(out.join("stage_changes.csv")).unwrap();
    let change = |metric: &str| -> Vec<f64> {
        let prefix = format!("Think-SFT,Base,gsm8k,{metric},8,");
        let line = changes.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix}\n{changes}"));
        line[prefix.len()..].split(',').map(|v| v.parse().unwrap()).collect()
    };
    for metric in ["d_all_sbert", "ead", "vendi", "acc1", "semantic_entropy_emb", "vendi_q0.5", "vendi_qinf"] {
        let row = change(metric);
        assert!(row[1] <= row[0] && row[0] <= row[2], "{metric}: {row:?}");
    }
    let distinct = change("distinct_2");
    assert!(distinct[2] < 0.0, "distinct-2 falls at SFT: {distinct:?}");
    assert!(change("self_bleu")[1] > 0.0, "self-BLEU rises at SFT");
    let per_prompt = std::fs::read_to_string(out.join("per_prompt.csv")).unwrap();
    let header: Vec<&str> = per_prompt.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mean_of = |model: &str| -> f64 {
        let values: Vec<f64> = per_prompt
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|c| c[at("model")] == model && c[at("task")] == "gsm8k")
            .map(|c| c[at("distinct_2")].parse::<f64>().unwrap())
            .collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    assert!((distinct[0] - (mean_of("Think-SFT") - mean_of("Base"))).abs() < tolerance::EXACT_F64);
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(metrics.contains(",vendi_qinf,") && metrics.contains(",classes_emb,"), "{metrics}");
    assert!(report_mentions(&out, "## Vendi score of order 0.5 (`vendi_q0.5`)"));

    // Homogeneity: every output of Think-SFT is one of Base's (3 of its 6 angles), so all
    // of Think-SFT's classes are found in Base, on every prompt.
    let homogeneity = std::fs::read_to_string(out.join("homogeneity.csv")).unwrap();
    let header: Vec<&str> = homogeneity.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> =
        homogeneity.lines().find(|l| l.starts_with("Think-SFT,Base,gsm8k,8,")).unwrap().split(',').collect();
    let cell = |name: &str| -> f64 { row[header.iter().position(|h| *h == name).unwrap()].parse().unwrap() };
    assert_eq!(cell("coverage_a_in_b"), 1.0, "{homogeneity}");
    assert!(cell("coverage_b_in_a") < 1.0 && cell("within_a") > cell("within_b"), "{homogeneity}");
    assert!(cell("cross_similarity_ci_low") <= cell("cross_similarity"));

    // Curves at every k: at k = K pass@k is pass@K and maj@k the labels' majority vote;
    // at k = 1 pass@1 is the share of correct outputs and one output is one class.
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let curve = |model: &str, metric: &str, k: usize| -> f64 {
        let prefix = format!("{model},gsm8k,{metric},{k},8,");
        let line = curves.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix}"));
        line[prefix.len()..].split(',').next().unwrap().parse().unwrap()
    };
    let mean_metric = |model: &str, metric: &str| -> f64 {
        let prefix = format!("{model},gsm8k,{metric},8,");
        let line = metrics.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix}"));
        line[prefix.len()..].split(',').next().unwrap().parse().unwrap()
    };
    for (model, correct) in [("Base", 2.0), ("Think-SFT", 4.0), ("Think", 5.0)] {
        assert!((curve(model, "majority", 6) - mean_metric(model, "majority_vote")).abs() < tolerance::EXACT_F64);
        assert!((curve(model, "pass", 1) - correct / 6.0).abs() < tolerance::EXACT_F64);
        assert_eq!(curve(model, "pass", 6), 1.0);
        assert!((curve(model, "classes_emb", 1) - 1.0).abs() < tolerance::EXACT_F64);
    }
    assert!(out.join("figures/curves_pass.png").is_file() && out.join("figures/curves_majority.svg").is_file());

    // The judge table's rates, matched to checkpoints, and Figure 4's judged half.
    let quality = std::fs::read_to_string(out.join("quality.csv")).unwrap();
    assert_eq!(
        quality.lines().take(2).collect::<Vec<_>>(),
        [
            "model,task,measure,n,value,ci_low,ci_high,source",
            &format!("Think-SFT,tldr,win_rate,5,0.6,0.2,1,{}", judged.display())
        ],
        "{quality}"
    );
    assert_eq!(quality.lines().count(), 3, "{quality}");
    assert!(out.join("figures/judge_win_rate_stages.png").is_file());
    assert!(report_mentions(&out, "| Think | tldr | win_rate | 5 | 0.400 [0.000, 0.800] |"));
    // Table 16: the mean over the checkpoints sampled with their own reasoning (not the
    // one without CoT) of each checkpoint's mean output length.
    let length = std::fs::read_to_string(out.join("length_vs_sbert.csv")).unwrap();
    let words: Vec<f64> = ["Base", "Think-SFT", "Think"].iter().map(|m| mean_metric(m, "mean_words")).collect();
    let line = length.lines().find(|l| l.starts_with("gsm8k,mean_words,3,")).unwrap_or_else(|| panic!("{length}"));
    let table_value: f64 = line.split(',').nth(3).unwrap().parse().unwrap();
    assert!((table_value - words.iter().sum::<f64>() / 3.0).abs() < 1e-12, "{length}");
    assert!(length.lines().any(|l| l.starts_with("ifeval,d_all_sbert,3,")), "{length}");

    // Think suppression: accuracy@1 of output 0 is 1 when p < correct (mod 6 pattern).
    let think = std::fs::read_to_string(out.join("think_suppression.csv")).unwrap();
    assert_eq!(think.lines().count(), 3, "{think}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Correctness decomposition"), "{report}");
    assert!(report.contains("## Stage attribution"));
    let provenance = std::fs::read_to_string(out.join("provenance.json")).unwrap();
    assert!(provenance.contains("run Think-SFT") && provenance.contains("labels Base"), "{provenance}");

    // The base likelihood needs the base's model folder, which this lineage does not name.
    let mut base_likelihood = args.to_vec();
    base_likelihood.push("--base-likelihood");
    let output = divcollapse(&base_likelihood);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("names no `model` folder (pass --base-model DIR)"), "{stderr}");

    // A pair naming a checkpoint the lineage lacks is a clear error.
    let mut wrong = args.to_vec();
    let pair = wrong.iter().position(|a| *a == "Think-SFT:Base").unwrap();
    wrong[pair] = "Think-SFT:Nope";
    let output = divcollapse(&wrong);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("no checkpoint `Nope`"), "{stderr}");

    // A rerun reuses every measured checkpoint and gives identical tables.
    let before = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let output = divcollapse(&args);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).matches("inputs unchanged").count() == 4);
    assert_eq!(before, std::fs::read_to_string(out.join("metrics.csv")).unwrap());

    // The same study from a per-prompt CSV in the reference schema.
    let per_prompt = std::fs::read_to_string(out.join("per_prompt.csv")).unwrap();
    let header: Vec<&str> = per_prompt.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut reference =
        String::from("model,task,prompt_idx,k_correct,acc1,d_all_sbert,d_correct_sbert,d_correct_vendi\n");
    for line in per_prompt.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let pick: Vec<&str> =
            ["model", "task", "input_id", "k_correct", "acc1", "d_all_sbert", "d_correct_sbert", "d_correct_vendi"]
                .iter()
                .map(|c| cells[column(c)])
                .collect();
        writeln!(reference, "{}", pick.join(",")).unwrap();
    }
    let csv = dir.path().join("qfd_per_prompt.csv");
    std::fs::write(&csv, reference).unwrap();
    let out2 = dir.path().join("out2");
    let output = divcollapse(&[
        "analyze",
        "--lineage",
        lineage.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
        "--per-prompt",
        csv.to_str().unwrap(),
        "--bootstrap",
        "400",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("decomposition.csv")).unwrap(),
        std::fs::read_to_string(out2.join("decomposition.csv")).unwrap()
    );
}

fn report_mentions(out: &Path, text: &str) -> bool {
    std::fs::read_to_string(out.join("report.md")).unwrap().contains(text)
}

#[test]
fn labels_that_do_not_fit_the_outputs_are_a_clear_error() {
    let encoder = Assets::locate().mpnet().expect("run scripts/setup: this test uses all-mpnet-base-v2");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    std::fs::create_dir_all(dir.path().join("labels")).unwrap();
    for name in ["base", "sft", "rl", "rl-nothink"] {
        write_checkpoint(dir.path(), name, 3, 3);
    }
    // Line 2 of the SFT labels has 5 labels for 6 outputs.
    let path = dir.path().join("labels/sft.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = r#"{"input_id": 1, "task": "gsm8k", "labels": [true, true, false, false, true]}"#.to_owned();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let lineage = dir.path().join("lineage.toml");
    std::fs::write(&lineage, LINEAGE).unwrap();
    let out = dir.path().join("out");
    let output = divcollapse(&[
        "analyze",
        "--lineage",
        lineage.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--encoder",
        encoder.to_str().unwrap(),
        "--bootstrap",
        "100",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sft.jsonl:2: field `labels`: 5 labels for 6 outputs of prompt `1`"), "{stderr}");
    // The base, measured before the failure, was kept for the next run.
    assert!(out.join("per_prompt/Base.parquet").is_file());
}
