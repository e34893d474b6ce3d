//! IFEval instruction checks (paper mode) against the reference's
//! `verify_constraints` (`tests/golden/ifeval/`): 7,450 responses on the 541 real
//! instruction lists and on synthetic ones built for edge semantics (relations, `None`
//! arguments, Unicode whitespace and case, Python's JSON grammar, think stripping).

use diversity_collapse::metrics::text::strip_cot;
use diversity_collapse::tasks::ifeval::{KwargsForm, OFFICIAL_INSTRUCTION_IDS, is_registered, verify_instructions};
use serde_json::Value;

#[test]
fn every_case_matches_the_reference_per_instruction() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ifeval/cases.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut wrong = Vec::new();
    let mut evaluations = 0;
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let ids: Vec<String> =
            case["instruction_id_list"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        let kwargs = case["kwargs"].as_array().unwrap();
        let form = if case["hf_none_filled"] == true { KwargsForm::HuggingFace } else { KwargsForm::AsGiven };
        let response = strip_cot(case["response"].as_str().unwrap());
        let check = verify_instructions(&response, &ids, kwargs, form).unwrap();
        let expected: Vec<bool> = case["results"].as_array().unwrap().iter().map(|v| v.as_bool().unwrap()).collect();
        evaluations += expected.len();
        if check.results != expected
            || Some(check.strict) != case["strict"].as_bool()
            || Some(check.loose) != case["loose"].as_f64()
        {
            wrong.push(format!("case {}: ids {ids:?}: ours {:?}, reference {expected:?}", case["case"], check.results));
        }
    }
    assert!(evaluations > 10_000, "{evaluations} evaluations");
    assert!(wrong.is_empty(), "{} cases differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn every_instruction_id_of_the_data_is_registered_or_a_known_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/ifeval/input_data.jsonl");
    let mut seen = std::collections::BTreeSet::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        for id in doc["instruction_id_list"].as_array().unwrap() {
            seen.insert(id.as_str().unwrap().to_owned());
        }
    }
    let official: std::collections::BTreeSet<String> = OFFICIAL_INSTRUCTION_IDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, official, "the 541 prompts use exactly the 25 official ids");
    // The reference registers 23 of them; the other two pass unchecked (methodology §2.6).
    let unregistered: Vec<&str> = OFFICIAL_INSTRUCTION_IDS.iter().copied().filter(|id| !is_registered(id)).collect();
    assert_eq!(unregistered, ["change_case:capital_word_frequency", "length_constraints:nth_paragraph_first_word"]);
}
