//! Code diversity against the study's `compute_code_diversity.py` (tests/golden/code_diversity/,
//! with its generator script): the code extracted from each output, CPython's height-4 AST
//! subtrees and the AST metrics per prompt and pooled; a tiny random UniXcoder-shaped RoBERTa
//! against sentence-transformers, and `code_sbert`/`code_vendi` per prompt through `score`.

use std::path::{Path, PathBuf};
use std::process::Command;

use diversity_collapse::device::Cpu;
use diversity_collapse::encoders::SentenceEncoder;
use diversity_collapse::metrics::SmallSetPolicy;
use diversity_collapse::metrics::ast_diversity::{AstParser, ParsedCode, ast_scores, code_of};
use diversity_collapse::metrics::sbert::{EmbeddingSet, sbert_diversity};
use diversity_collapse::metrics::summary::numpy_mean;
use diversity_collapse::metrics::vendi::{VendiVariant, vendi_score};
use serde_json::Value;

use crate::tolerance::{CODE_SBERT, CODE_VENDI, EXACT_F64, PARSEABILITY_ROUNDING, UNIXCODER_DIMENSION};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/code_diversity")
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(folder().join(name)).unwrap()).unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

fn close(ours: Option<f64>, expected: &Value, tolerance: f64, what: &str) {
    match (ours, expected.as_f64()) {
        (None, None) => {}
        (Some(a), Some(e)) => assert!((a - e).abs() <= tolerance, "{what}: {a} vs {e}"),
        _ => panic!("{what}: {ours:?} vs {expected}"),
    }
}

#[test]
fn ast_subtrees_and_metrics_equal_the_reference_per_prompt_and_pooled() {
    let fixture = json("ast.json");
    let mut parser = AstParser::start().unwrap();
    assert_eq!(
        parser.python_version(),
        fixture["python_version"].as_str().unwrap(),
        "ast.dump differs between Python versions: regenerate the fixture with this interpreter"
    );
    let (mut distinct, mut pairwise, mut parsed, mut total) = (Vec::new(), Vec::new(), 0, 0);
    for prompt in fixture["prompts"].as_array().unwrap() {
        let name = prompt["name"].as_str().unwrap();
        let outputs = strings(&prompt["outputs"]);
        let codes: Vec<String> = outputs.iter().map(|o| code_of(o)).collect();
        assert_eq!(codes, strings(&prompt["codes"]), "{name}: extracted code");
        let ours = parser.parse(&codes).unwrap();
        for (i, (got, expected)) in ours.iter().zip(prompt["subtrees"].as_array().unwrap()).enumerate() {
            let expected = match expected {
                Value::Null => ParsedCode::Unparseable,
                Value::String(s) if s == "recursion" => ParsedCode::TooDeep,
                list => ParsedCode::Subtrees(strings(list)),
            };
            assert_eq!(*got, expected, "{name}[{i}]");
        }
        let scores = ast_scores(&ours);
        close(scores.ast_distinct, &prompt["ast_distinct"], EXACT_F64, &format!("{name} ast_distinct"));
        close(scores.ast_pairwise, &prompt["ast_pairwise"], EXACT_F64, &format!("{name} ast_pairwise"));
        close(scores.parseability_rate(), &prompt["parseability_rate"], PARSEABILITY_ROUNDING, name);
        distinct.extend(scores.ast_distinct);
        pairwise.extend(scores.ast_pairwise);
        parsed += scores.parsed;
        total += scores.total;
    }
    // The script's summary: means over the prompts where each is defined; parseability pooled.
    let pooled = &fixture["pooled"];
    close(Some(numpy_mean(&distinct)), &pooled["ast_distinct"], EXACT_F64, "pooled ast_distinct");
    close(Some(numpy_mean(&pairwise)), &pooled["ast_pairwise"], EXACT_F64, "pooled ast_pairwise");
    close(Some(parsed as f64 / total as f64), &pooled["parseability_rate"], PARSEABILITY_ROUNDING, "parseability");
    assert_eq!(distinct.len() as u64, pooled["n_prompts_ast"].as_u64().unwrap());
}

/// The fixture's prompts as a generation file.
fn generations(dir: &Path) -> PathBuf {
    let fixture = json("ast.json");
    let path = dir.join("code.jsonl");
    let lines: Vec<String> = fixture["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| serde_json::json!({"input_id": p["name"], "task": "humaneval", "outputs": p["outputs"]}).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn score(metrics: &str, extra: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let input = generations(dir.path());
    let out = dir.path().join("scores.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["score", "--metrics", metrics, "--generations", input.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read_to_string(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn score_writes_the_ast_columns_per_prompt() {
    let fixture = json("ast.json");
    let rows = score("ast", &[]);
    for (row, prompt) in rows.iter().zip(fixture["prompts"].as_array().unwrap()) {
        assert_eq!(row["input_id"], prompt["name"]);
        close(row["ast_distinct"].as_f64(), &prompt["ast_distinct"], EXACT_F64, "ast_distinct");
        close(row["ast_pairwise"].as_f64(), &prompt["ast_pairwise"], EXACT_F64, "ast_pairwise");
        close(row["parseability_rate"].as_f64(), &prompt["parseability_rate"], PARSEABILITY_ROUNDING, "parseability");
        assert!(row["sbert"].is_null() && row["code_sbert"].is_null());
    }
}

#[test]
fn tiny_unixcoder_matches_sentence_transformers() {
    let fixture = json("unixcoder.json");
    let device = Default::default();
    let encoder = SentenceEncoder::<Cpu>::load_code(&folder().join("unixcoder_tiny"), &device).unwrap();
    assert_eq!(encoder.max_seq_length() as u64, fixture["max_seq_length"].as_u64().unwrap());
    let texts = fixture["texts"].as_array().unwrap();
    let inputs: Vec<&str> = texts.iter().map(|t| t["text"].as_str().unwrap()).collect();
    for text in texts {
        let ids: Vec<u64> =
            encoder.token_ids(text["text"].as_str().unwrap()).unwrap().iter().map(|&i| u64::from(i)).collect();
        let expected: Vec<u64> = text["input_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(ids, expected, "{}", text["name"]);
    }
    let embeddings = encoder.encode(&inputs, 4).unwrap();
    for (ours, text) in embeddings.iter().zip(texts) {
        let expected: Vec<f32> =
            text["embedding"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let worst = ours.iter().zip(&expected).map(|(a, e)| (a - e).abs()).fold(0.0, f32::max);
        assert!(worst <= UNIXCODER_DIMENSION, "{}: {worst}", text["name"]);
    }
    for group in fixture["groups"].as_array().unwrap() {
        let rows: Vec<f32> = group["indices"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| embeddings[i.as_u64().unwrap() as usize].clone())
            .collect();
        let set = EmbeddingSet::new(&rows, encoder.dim()).unwrap();
        close(Some(sbert_diversity(set, SmallSetPolicy::Nan)), &group["sbert_diversity"], CODE_SBERT, "group sbert");
        let vendi = vendi_score(set, VendiVariant::QualityFiltered, SmallSetPolicy::Nan);
        close(Some(vendi), &group["vendi_score"], CODE_VENDI, "group vendi");
    }
}

#[test]
fn score_writes_code_sbert_and_code_vendi_per_prompt() {
    let fixture = json("unixcoder.json");
    let encoder = folder().join("unixcoder_tiny");
    let rows = score("code_sbert,code_vendi", &["--code-encoder", encoder.to_str().unwrap()]);
    let expected = fixture["code_sbert"]["per_prompt"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len());
    for (row, prompt) in rows.iter().zip(expected) {
        assert_eq!(row["input_id"], prompt["name"]);
        close(row["code_sbert"].as_f64(), &prompt["code_sbert"], CODE_SBERT, "code_sbert");
        close(row["code_vendi"].as_f64(), &prompt["code_vendi"], CODE_VENDI, "code_vendi");
    }
}

/// `analyze --code-diversity` on code run files whose outputs are all labelled correct:
/// `metrics.csv`'s D_c^AST and D_c^code are the means over prompts of the study's per-prompt
/// values (prompts where they are undefined left out, as the study's script does).
#[test]
fn analyze_reports_the_code_diversity_of_correct_outputs() {
    let ast = json("ast.json");
    let unixcoder = json("unixcoder.json");
    let dir = tempfile::tempdir().unwrap();
    let (mut run, mut labels) = (String::new(), String::new());
    for prompt in ast["prompts"].as_array().unwrap() {
        let outputs = prompt["outputs"].as_array().unwrap();
        run +=
            &format!("{}\n", serde_json::json!({"input_id": prompt["name"], "task": "humaneval", "outputs": outputs}));
        let all = vec![true; outputs.len()];
        labels += &format!("{}\n", serde_json::json!({"input_id": prompt["name"], "task": "humaneval", "labels": all}));
    }
    for name in ["base", "sft"] {
        std::fs::write(dir.path().join(format!("{name}.jsonl")), &run).unwrap();
        std::fs::write(dir.path().join(format!("{name}.labels.jsonl")), &labels).unwrap();
    }
    let lineage = dir.path().join("lineage.toml");
    std::fs::write(
        &lineage,
        "name = \"code\"\n[[checkpoint]]\nname = \"base\"\nlineage = \"base\"\nstage = \"base\"\nrun = \"base.jsonl\"\nlabels = \"base.labels.jsonl\"\n\
         [[checkpoint]]\nname = \"sft\"\nlineage = \"think\"\nstage = \"sft\"\nparent = \"base\"\nrun = \"sft.jsonl\"\nlabels = \"sft.labels.jsonl\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let mpnet = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mpnet/tiny");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["analyze", "--lineage", lineage.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--encoder", mpnet.to_str().unwrap(), "--bootstrap", "200", "--code-diversity"])
        .args(["--code-encoder", folder().join("unixcoder_tiny").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let value = |metric: &str| -> f64 {
        let row = metrics
            .lines()
            .find(|l| l.starts_with(&format!("base,humaneval,{metric},")))
            .unwrap_or_else(|| panic!("{metric}: {metrics}"));
        row.split(',').nth(4).unwrap().parse().unwrap()
    };
    let defined = |values: Vec<Option<f64>>| -> f64 {
        let values: Vec<f64> = values.into_iter().flatten().collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let prompts = ast["prompts"].as_array().unwrap();
    let expected_ast = defined(prompts.iter().map(|p| p["ast_pairwise"].as_f64()).collect());
    assert!((value("d_correct_ast") - expected_ast).abs() <= EXACT_F64, "{}", value("d_correct_ast"));
    let expected_code = defined(
        unixcoder["code_sbert"]["per_prompt"].as_array().unwrap().iter().map(|p| p["code_sbert"].as_f64()).collect(),
    );
    assert!((value("d_correct_code_sbert") - expected_code).abs() <= CODE_SBERT, "{}", value("d_correct_code_sbert"));
}
