//! Task selection and checkers against the reference (tests/golden/tasks/, generator
//! script beside it): lighteval's `random.Random(42).shuffle` selection, the math answer
//! extraction and matching (paper mode) on 490 generated texts and every GSM8K gold
//! answer, majority vote, and the TruthfulQA substring rule.

use diversity_collapse::tasks::data::select;
use diversity_collapse::tasks::math::{
    answers_match, boxed_answer, extract_answer, gsm8k_gold, majority_vote_correct, normalize_number,
};
use diversity_collapse::tasks::truthfulqa::truthfulqa_correct;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/golden/tasks/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn opt(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

#[test]
fn selection_orders_equal_pythons_shuffle() {
    for case in fixture("shuffle_selection.json")["cases"].as_array().unwrap() {
        let size = case["size"].as_u64().unwrap() as usize;
        let expected: Vec<usize> =
            case["order"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(select((0..size).collect::<Vec<_>>(), size), expected, "size {size}");
    }
}

#[test]
fn math_extraction_and_matching_equal_the_reference() {
    let cases = fixture("math_cases.json");
    let mut failures = Vec::new();
    for case in cases["generated"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        if extract_answer(text) != opt(&case["extracted"]) {
            failures.push(format!(
                "extract {text:?}: ours {:?}, reference {:?}",
                extract_answer(text),
                case["extracted"]
            ));
        }
    }
    for case in cases["normalize_number"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        if normalize_number(input) != case["output"].as_str().unwrap() {
            failures.push(format!(
                "normalize {input:?}: ours {:?}, reference {:?}",
                normalize_number(input),
                case["output"]
            ));
        }
    }
    for case in cases["answers_match"].as_array().unwrap() {
        let (pred, gold) = (opt(&case["pred"]), opt(&case["gold"]));
        if answers_match(pred.as_deref(), gold.as_deref()) != case["match"].as_bool().unwrap() {
            failures.push(format!("match {pred:?} {gold:?}: reference {}", case["match"]));
        }
    }
    for case in cases["extract_boxed_answer"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        if boxed_answer(text) != opt(&case["boxed"]) {
            failures.push(format!("boxed {text:?}: ours {:?}, reference {:?}", boxed_answer(text), case["boxed"]));
        }
    }
    for key in ["gsm8k_gold", "gsm8k_gold_crafted"] {
        for case in cases[key].as_array().unwrap() {
            let answer = case["answer"].as_str().unwrap();
            if gsm8k_gold(answer) != opt(&case["gold"]) {
                failures.push(format!("gold {answer:?}: ours {:?}, reference {:?}", gsm8k_gold(answer), case["gold"]));
            }
        }
    }
    for case in cases["math_gold"].as_array().unwrap() {
        let solution = case["solution"].as_str().unwrap();
        assert_eq!(extract_answer(solution), opt(&case["gold_extract_generated"]), "{solution}");
        assert_eq!(boxed_answer(solution), opt(&case["gold_boxed"]), "{solution}");
    }
    for case in cases["majority_vote"].as_array().unwrap() {
        let outputs: Vec<&str> = case["outputs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let answers: Vec<Option<String>> = outputs.iter().map(|o| extract_answer(o)).collect();
        let gold = opt(&case["gold"]);
        assert_eq!(
            majority_vote_correct(&answers, gold.as_deref()),
            case["majority_correct"].as_bool().unwrap(),
            "{outputs:?}"
        );
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn truthfulqa_rule_equals_the_reference() {
    let cases = fixture("truthfulqa_cases.json");
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 200);
    for case in cases {
        let answers: Vec<String> =
            case["answers"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        let generation = case["generation"].as_str().unwrap();
        assert_eq!(truthfulqa_correct(generation, &answers), case["correct"].as_bool().unwrap(), "{generation:?}");
    }
}
