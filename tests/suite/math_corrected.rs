//! The corrected math mode on the real MATH data (tests/golden/math_corrected/): box
//! extraction equal to the MATH benchmark's own `last_boxed_only_string` on all 1,666
//! solutions, and the answers in the forms models write judged equal to the gold.

use diversity_collapse::tasks::math::extract_answer as paper_extract;
use diversity_collapse::tasks::math_corrected::{
    answers_equivalent, evaluate, extract_answer, last_boxed, normalize_answer,
};
use serde_json::Value;

fn solutions() -> Vec<(Value, String)> {
    let root = diversity_collapse::assets::Assets::locate();
    let mut docs = Vec::new();
    for subset in ["math_algebra", "math_geometry"] {
        let path = root.data(&format!("{subset}/requests.jsonl.gz")).expect("run scripts/setup: the MATH subsets");
        let text = std::io::read_to_string(flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())).unwrap();
        for line in text.lines() {
            let request: Value = serde_json::from_str(line).unwrap();
            let doc = &request["doc"];
            docs.push((doc.clone(), doc["solution"].as_str().unwrap().to_owned()));
        }
    }
    docs
}

#[test]
fn boxes_equal_the_math_benchmarks_extraction_and_model_forms_match_them() {
    let expected: Vec<Value> = include_str!("../golden/math_corrected/boxed.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs = solutions();
    assert_eq!(docs.len(), expected.len());
    let (mut decimals, mut paper_cut) = (0, 0);
    for ((doc, solution), want) in docs.iter().zip(&expected) {
        assert_eq!(doc["index"], want["index"]);
        let boxed = last_boxed(solution);
        assert_eq!(boxed.as_deref(), want["boxed"].as_str(), "document {}", want["index"]);
        let gold = boxed.unwrap();
        let minerva = format!("We compute.\nFinal Answer: The final answer is ${gold}$. I hope it is correct.");
        let derivation = format!("First \\boxed{{0}} is wrong; so the result is $\\boxed{{{gold}}}$.");
        for output in [minerva, derivation] {
            let extracted = extract_answer(&output);
            assert!(answers_equivalent(extracted.as_deref(), Some(&gold)), "{output:?} gave {extracted:?}");
        }
        if let Some(value) = evaluate(&normalize_answer(&gold)) {
            let written = format!("so the answer is {value:.12}");
            assert!(answers_equivalent(extract_answer(&written).as_deref(), Some(&gold)), "{written} vs {gold}");
            decimals += 1;
        }
        // The paper mode's gold: the first box, cut at its first closing brace.
        if paper_extract(solution).as_deref() != Some(gold.as_str()) && gold.contains('{') {
            paper_cut += 1;
        }
    }
    eprintln!(
        "{} solutions; {decimals} with a numeric answer also matched as decimals; {paper_cut} whose box the paper mode cuts short",
        docs.len()
    );
    assert!(decimals > 1000, "{decimals}");
}
