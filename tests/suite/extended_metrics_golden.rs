//! The metrics beyond the study against the packages that define them, on the real texts
//! and real all-mpnet-base-v2 embeddings of tests/golden/metrics/. Fixture and generator:
//! tests/golden/extended_metrics/ (vendi-score 0.0.3, sacrebleu 2.6.0, diversity 0.3.1,
//! scikit-learn 1.9.1, nltk 3.10.4, zlib 1.2.13).
//!
//! Tolerances: counts, ratios and sizes exact; sums of f64 terms [`tolerance::EXACT_F64`]
//! or [`tolerance::EXACT_RELATIVE_F64`]; eigenvalue-based scores
//! [`tolerance::VENDI_ORDER_REFERENCE`] (two f64 symmetric eigen-solvers), for orders below 1
//! [`tolerance::VENDI_LOW_ORDER_REFERENCE`].

use diversity_collapse::metrics::bleu::{sentence_bleu, sentence_bleus, tokenize_13a};
use diversity_collapse::metrics::compression::{compression_ratio, compression_sizes};
use diversity_collapse::metrics::lexical::{distinct_n, ngram_diversity_score, ngram_vendi, word_tokens};
use diversity_collapse::metrics::sbert::EmbeddingSet;
use diversity_collapse::metrics::vendi::{VendiOrder, vendi_of_order};
use serde::Deserialize;
use serde_json::Value;

use crate::tolerance;

fn expected() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/extended_metrics/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[derive(Deserialize)]
struct Group {
    name: String,
    outputs: Vec<String>,
}

fn groups() -> Vec<Group> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/metrics/groups.json");
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_value(value["groups"].clone()).unwrap()
}

fn close(got: Option<f64>, want: &Value, tolerance: f64, label: &str) {
    match (got, want.as_f64()) {
        (None, None) => {}
        (Some(got), Some(want)) => {
            assert!((got - want).abs() <= tolerance * want.abs().max(1.0), "{label}: {got} vs {want}")
        }
        (got, _) => panic!("{label}: {got:?} vs {want}"),
    }
}

#[test]
fn vendi_of_every_order_equals_vendi_score_on_real_mpnet_embeddings() {
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/metrics/embeddings.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let view = file.tensor("embeddings").unwrap();
    let dim = view.shape()[1];
    let data: Vec<f32> = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    let offsets: Vec<i64> = file
        .tensor("offsets")
        .unwrap()
        .data()
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let reference = expected();
    let blocks = reference["vendi_q"].as_array().unwrap();
    assert_eq!(blocks.len(), 44);
    let mut worst = 0.0f64;
    for (block, entry) in blocks.iter().enumerate() {
        let (start, end) = (offsets[2 * block] as usize, offsets[2 * block + 1] as usize);
        let set = EmbeddingSet::new(&data[start * dim..end * dim], dim).unwrap();
        assert_eq!(set.len() as u64, entry["k"].as_u64().unwrap());
        for (name, want) in entry["values"].as_object().unwrap() {
            let order: VendiOrder = name.parse().unwrap();
            let got = vendi_of_order(set, order).unwrap();
            let want = want.as_f64().unwrap();
            let bound = match order {
                VendiOrder::Finite(q) if q < 1.0 => tolerance::VENDI_LOW_ORDER_REFERENCE,
                _ => tolerance::VENDI_ORDER_REFERENCE,
            };
            worst = worst.max((got - want).abs() / want);
            close(Some(got), &want.into(), bound, &format!("block {block}, q={name}"));
        }
    }
    eprintln!("vendi_q: largest relative difference {worst:.1e} over 44 groups × 4 orders");
}

#[test]
fn nltk_tokens_distinct_n_ngram_vendi_and_ngram_diversity_equal_their_packages() {
    let groups = groups();
    let reference = expected();
    let rows = reference["lexical"].as_array().unwrap();
    assert_eq!(rows.len(), groups.len());
    for (index, (group, row)) in groups.iter().zip(rows).enumerate() {
        let label = format!("group {index} ({})", group.name);
        let tokens = word_tokens(&group.outputs);
        if let Some(expected_tokens) = row.get("tokens") {
            let expected_tokens: Vec<Vec<String>> = serde_json::from_value(expected_tokens.clone()).unwrap();
            assert_eq!(tokens, expected_tokens, "{label}: word_tokenize");
        }
        for n in 1..=4 {
            close(
                distinct_n(&tokens, n),
                &row["distinct"][n - 1],
                tolerance::EXACT_F64,
                &format!("{label}: distinct-{n}"),
            );
        }
        close(
            ngram_vendi(&tokens),
            &row["ngram_vendi"],
            tolerance::VENDI_ORDER_REFERENCE,
            &format!("{label}: ngram_vendi"),
        );
        close(
            ngram_diversity_score(&group.outputs),
            &row["ngram_diversity"],
            tolerance::EXACT_F64,
            &format!("{label}: ngram_diversity"),
        );
        if let (Some(got), Some(package)) =
            (ngram_diversity_score(&group.outputs), row["ngram_diversity_package"].as_f64())
        {
            assert_eq!((got * 1000.0).round() / 1000.0, package, "{label}: the package's 3-decimal rounding");
        }
    }
}

#[test]
fn self_bleu_equals_sacrebleu_sentence_bleu_output_by_output() {
    let groups = groups();
    let reference = expected();
    for (index, (group, row)) in groups.iter().zip(reference["lexical"].as_array().unwrap()).enumerate() {
        let label = format!("group {index} ({})", group.name);
        let scores = sentence_bleus(&group.outputs);
        let want: Vec<f64> = serde_json::from_value(row["sentence_bleu"].clone()).unwrap();
        assert_eq!(scores.len(), want.len(), "{label}");
        for (i, (got, want)) in scores.iter().zip(&want).enumerate() {
            close(Some(*got), &(*want).into(), tolerance::EXACT_RELATIVE_F64, &format!("{label}: output {i}"));
        }
        let self_bleu = diversity_collapse::metrics::bleu::self_bleu(&group.outputs);
        close(self_bleu, &row["self_bleu"], tolerance::EXACT_RELATIVE_F64, &format!("{label}: self-BLEU"));
    }
}

#[test]
fn sentence_bleu_statistics_and_13a_tokens_equal_sacrebleu_on_the_hand_made_cases() {
    let reference = expected();
    let cases = reference["bleu_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for (index, case) in cases.iter().enumerate() {
        let hypothesis = case["hypothesis"].as_str().unwrap();
        let references: Vec<&str> =
            case["references"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        let label = format!("case {index} ({hypothesis:?})");
        assert_eq!(tokenize_13a(hypothesis), case["tokenized_hypothesis"].as_str().unwrap(), "{label}");
        for (reference, tokenized) in references.iter().zip(case["tokenized_references"].as_array().unwrap()) {
            assert_eq!(tokenize_13a(reference), tokenized.as_str().unwrap(), "{label}: reference {reference:?}");
        }
        let (stats, score) = sentence_bleu(hypothesis, &references);
        let ints = |key: &str| -> Vec<usize> { serde_json::from_value(case[key].clone()).unwrap() };
        assert_eq!(stats.correct.to_vec(), ints("counts"), "{label}: counts");
        assert_eq!(stats.total.to_vec(), ints("totals"), "{label}: totals");
        assert_eq!(stats.sys_len as u64, case["sys_len"].as_u64().unwrap(), "{label}: sys_len");
        assert_eq!(stats.ref_len as u64, case["ref_len"].as_u64().unwrap(), "{label}: ref_len");
        close(Some(score), &case["score"], tolerance::EXACT_RELATIVE_F64, &format!("{label}: score"));
    }
}

#[test]
fn compression_ratio_equals_the_diversity_package_byte_for_byte() {
    let groups = groups();
    let reference = expected();
    for (index, (group, row)) in groups.iter().zip(reference["lexical"].as_array().unwrap()).enumerate() {
        let label = format!("group {index} ({})", group.name);
        let sizes = compression_sizes(&group.outputs);
        let want = &row["compression_sizes"];
        assert_eq!(sizes.original as u64, want["original"].as_u64().unwrap(), "{label}: text bytes");
        assert_eq!(sizes.inner_gzip as u64, want["inner_gzip"].as_u64().unwrap(), "{label}: gzip.compress bytes");
        assert_eq!(sizes.package_file as u64, want["package_file"].as_u64().unwrap(), "{label}: compressed.gz bytes");
        let ratio = compression_ratio(&group.outputs);
        assert_eq!(ratio, row["compression_ratio"].as_f64().unwrap(), "{label}: ratio");
        assert_eq!((ratio * 1000.0).round() / 1000.0, row["compression_ratio_package"].as_f64().unwrap(), "{label}");
    }
}

#[test]
fn score_writes_the_lexical_columns_the_packages_give_and_reads_them_back() {
    use std::io::Write;
    let groups = groups();
    let reference = expected();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let mut file = std::fs::File::create(&input).unwrap();
    for (i, group) in groups.iter().enumerate() {
        let record = serde_json::json!({"input_id": i, "prompt": group.name, "outputs": group.outputs, "task": "t|0"});
        writeln!(file, "{record}").unwrap();
    }
    drop(file);
    let columns = [
        ("distinct_1", "/distinct/0"),
        ("distinct_2", "/distinct/1"),
        ("distinct_3", "/distinct/2"),
        ("distinct_4", "/distinct/3"),
        ("ngram_vendi", "/ngram_vendi"),
        ("ngram_diversity", "/ngram_diversity"),
        ("self_bleu", "/self_bleu"),
        ("compression_ratio", "/compression_ratio"),
    ];
    for extension in ["jsonl", "csv", "parquet"] {
        let out = dir.path().join(format!("scores.{extension}"));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .args(["score", "--generations", input.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .args(["--metrics", "distinct,ngram_vendi,ngram_diversity,self_bleu,compression"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let rows = diversity_collapse::metrics::per_prompt::read_scores(&out).unwrap();
        assert_eq!(rows.len(), groups.len());
        for (row, want) in rows.iter().zip(reference["lexical"].as_array().unwrap()) {
            assert_eq!(row.extended.len(), columns.len(), "{extension}: {:?}", row.extended.keys());
            for (column, pointer) in columns {
                let label = format!("{extension}, prompt {}, {column}", row.input_id);
                let tolerance = if column == "ngram_vendi" {
                    tolerance::VENDI_ORDER_REFERENCE
                } else {
                    tolerance::EXACT_RELATIVE_F64
                };
                close(row.extended[column], want.pointer(pointer).unwrap(), tolerance, &label);
            }
            assert!(row.ead.is_none() && row.sbert.is_none(), "only the metrics asked for");
        }
    }
    let csv = std::fs::read_to_string(dir.path().join("scores.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(
        "code_vendi,compression_ratio,distinct_1,distinct_2,distinct_3,distinct_4,ngram_diversity,ngram_vendi,self_bleu"
    ));
    // An unknown metric and a Vendi order that is not one are clear errors.
    for (flag, value, message) in
        [("--metrics", "distinct,novelty", "unknown metric `novelty`"), ("--vendi-q", "0.5,-1", "--vendi-q: `-1`")]
    {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .args([
                "score",
                "--generations",
                input.to_str().unwrap(),
                "--out",
                dir.path().join("never.jsonl").to_str().unwrap(),
                flag,
                value,
            ])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(message),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn entailment_classes_equal_an_independent_clustering_with_transformers() {
    use diversity_collapse::device::Cpu;
    use diversity_collapse::encoders::roberta::NliModel;
    use diversity_collapse::metrics::classes::nli_partition;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/golden/nli_classes/expected.json")).unwrap())
            .unwrap();
    let max_length = expected["max_length"].as_u64().unwrap() as usize;
    let mut model =
        NliModel::<Cpu>::load(&root.join("tests/golden/roberta_nli/model"), max_length, 8, &Default::default())
            .unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    for case in cases {
        let outputs: Vec<String> = serde_json::from_value(case["outputs"].clone()).unwrap();
        let want: Vec<usize> = serde_json::from_value(case["class_of"].clone()).unwrap();
        let partition = nli_partition(&outputs, &mut model).unwrap();
        assert_eq!(partition.class_of, want, "group {} ({})", case["group"], case["name"]);
        close(
            Some(partition.semantic_entropy()),
            &case["semantic_entropy"],
            tolerance::EXACT_F64,
            &format!("group {}: semantic entropy", case["group"]),
        );
    }
}
