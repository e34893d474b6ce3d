//! Task data: every task the set-up fetches loads from the assets with the study's N,
//! stable ids and rendered prompts; tasks it cannot fetch load from a user's export
//! (JSONL or parquet).

use std::collections::HashSet;

use diversity_collapse::tasks::{TASKS, load_task, task};
use polars::prelude::*;

#[test]
fn every_fetched_task_loads_its_selection() {
    let sizes = [
        ("xsum", 500),
        ("ifeval", 541),
        ("gsm8k", 500),
        ("math_algebra", 500),
        ("math_geometry", 479),
        ("truthfulqa", 817),
        ("humaneval", 164),
        ("mbpp", 500),
        ("humaneval_instruct", 164),
    ];
    for spec in TASKS.iter().filter(|t| t.asset.is_some()) {
        let documents = load_task(spec, None, None).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        let expected = sizes.iter().find(|(name, _)| *name == spec.name).unwrap().1;
        assert_eq!(documents.len(), expected, "{}", spec.name);
        let ids: HashSet<&str> = documents.iter().map(|d| d.input_id.as_str()).collect();
        assert_eq!(ids.len(), documents.len(), "{}: ids are unique", spec.name);
        assert!(documents.iter().all(|d| !d.prompt.trim().is_empty()), "{}", spec.name);
    }
    let humaneval = load_task(task("humaneval").unwrap(), None, None).unwrap();
    assert!(humaneval.iter().all(|d| d.input_id.starts_with("HumanEval/")));
    let instruct = load_task(task("humaneval_instruct").unwrap(), None, Some(1)).unwrap();
    assert!(instruct[0].prompt.starts_with("Solve the following code problem step by step."));
    assert!(
        instruct[0]
            .prompt
            .contains(humaneval.iter().find(|d| d.input_id == instruct[0].input_id).unwrap().prompt.as_str())
    );
}

#[test]
fn users_exports_load_as_jsonl_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("cruxeval.jsonl");
    let rows: Vec<String> = (0..12)
        .map(|i| serde_json::json!({"id": format!("sample_{i}"), "code": format!("def f(x):\n    return x + {i}"), "input": i.to_string(), "output": (2 * i).to_string()}).to_string())
        .collect();
    std::fs::write(&jsonl, rows.join("\n")).unwrap();
    let documents = load_task(task("cruxeval").unwrap(), Some(&jsonl), None).unwrap();
    assert_eq!(documents.len(), 12);
    let first = documents.iter().find(|d| d.input_id == "sample_3").unwrap();
    assert_eq!(
        first.prompt,
        "Given the following Python function:\n\n```python\ndef f(x):\n    return x + 3\n```\n\nWhat is the output of `f(3)`?\n\nAnswer:"
    );

    let parquet = dir.path().join("cruxeval.parquet");
    let mut frame = df!(
        "id" => (0..12).map(|i| format!("sample_{i}")).collect::<Vec<_>>(),
        "code" => (0..12).map(|i| format!("def f(x):\n    return x + {i}")).collect::<Vec<_>>(),
        "input" => (0..12).map(|i| i.to_string()).collect::<Vec<_>>(),
        "output" => (0..12).map(|i| (2 * i).to_string()).collect::<Vec<_>>(),
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap()).finish(&mut frame).unwrap();
    let from_parquet = load_task(task("cruxeval").unwrap(), Some(&parquet), None).unwrap();
    assert_eq!(from_parquet, documents);

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": 1, \"code\": \"x\", \"input\": \"1\"}\n{broken\n").unwrap();
    let error = load_task(task("cruxeval").unwrap(), Some(&bad), None).unwrap_err().to_string();
    assert!(error.contains("bad.jsonl:2: invalid JSON"), "{error}");
}

/// PRISM's rows are filtered (`_is_prism_valid`) before lighteval's seeded selection, as
/// in the study: 40 rows, every third outside the balanced subset and every seventh a
/// bare greeting, leave 22; the first 10 of `random.Random(42).shuffle` of those 22 ids
/// (computed with CPython 3.11) are the selection.
#[test]
fn prism_is_filtered_before_the_seeded_selection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prism.jsonl");
    let rows: String = (0..40)
        .map(|i| {
            let prompt = if i % 7 == 0 { "hello".to_owned() } else { format!("Question number {i}?") };
            format!(
                "{}\n",
                serde_json::json!({"conversation_id": format!("c{i}"), "included_in_balanced_subset": i % 3 != 0,
                    "opening_prompt": prompt})
            )
        })
        .collect();
    std::fs::write(&path, rows).unwrap();
    let prism = task("prism").unwrap();
    assert_eq!(diversity_collapse::tasks::data::load_split(prism, Some(&path)).unwrap().len(), 22);
    let selected: Vec<String> =
        load_task(prism, Some(&path), Some(10)).unwrap().into_iter().map(|d| d.input_id).collect();
    assert_eq!(selected, ["c38", "c10", "c4", "c26", "c17", "c22", "c29", "c34", "c11", "c23"]);
}
