//! Google's official IFEval checker (`tasks::ifeval_official`) against the official
//! Python code (`tests/golden/ifeval_official/`): 5,497 responses on the instruction lists
//! and kwargs of 539 of the 541 prompts, single-instruction cases built around each
//! checker's decision boundary (at least 210 evaluations per instruction id), exact
//! sentence, word and capital-word counts on the prompts' own text, and hand-made edge
//! cases; strict and loose, per instruction and per prompt.
//!
//! Language detection is replayed from the fixture: every text that the official
//! checkers passed to `langdetect.detect` (seed 0) is recorded with its result.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use diversity_collapse::tasks::ifeval::OFFICIAL_INSTRUCTION_IDS;
use diversity_collapse::tasks::ifeval_official::{LanguageDetector, check_response};
use serde_json::Value;

/// What Python's langdetect said for each text; a text it was never asked about is
/// recorded as a miss (the port called the detector where Python did not).
struct Replay {
    said: HashMap<String, Option<String>>,
    misses: RefCell<Vec<String>>,
}

impl LanguageDetector for Replay {
    fn detect(&self, text: &str) -> Option<String> {
        match self.said.get(text) {
            Some(language) => language.clone(),
            None => {
                self.misses.borrow_mut().push(text.to_owned());
                None
            }
        }
    }
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect()
}

#[test]
fn every_case_matches_the_official_checker_strict_and_loose() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ifeval_official/cases.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut wrong = Vec::new();
    // id -> (evaluations, strict mismatches, loose mismatches)
    let mut per_id: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut cases = 0;
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        cases += 1;
        let ids: Vec<String> =
            case["instruction_id_list"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        let kwargs = case["kwargs"].as_array().unwrap();
        let said = case["langdetect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].as_str().map(str::to_owned)))
            .collect();
        let replay = Replay { said, misses: RefCell::new(Vec::new()) };
        let response = case["response"].as_str().unwrap();
        let check =
            check_response(response, &ids, kwargs, &replay).unwrap_or_else(|e| panic!("case {}: {e}", case["case"]));
        let strict = bools(&case["strict_results"]);
        let loose = bools(&case["loose_results"]);
        for (i, id) in ids.iter().enumerate() {
            let entry = per_id.entry(id.clone()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(check.strict_results[i] != strict[i]);
            entry.2 += usize::from(check.loose_results[i] != loose[i]);
        }
        if check.strict_results != strict
            || check.loose_results != loose
            || Some(check.strict) != case["strict"].as_bool()
            || Some(check.loose) != case["loose"].as_bool()
            || !replay.misses.borrow().is_empty()
        {
            wrong.push(format!(
                "case {}: ids {ids:?}: strict ours {:?} official {strict:?}; loose ours {:?} official {loose:?}; \
                 detector misses {:?}\n  response {response:?}",
                case["case"],
                check.strict_results,
                check.loose_results,
                replay.misses.borrow()
            ));
        }
    }
    let table: Vec<String> = per_id.iter().map(|(id, (n, s, l))| format!("{n:5} {s:3} {l:3}  {id}")).collect();
    println!("evaluations, strict mismatches, loose mismatches per id:\n{}", table.join("\n"));
    assert_eq!(cases, 5497);
    for id in OFFICIAL_INSTRUCTION_IDS {
        assert!(per_id.get(id).is_some_and(|e| e.0 >= 210), "{id}: too few evaluations");
    }
    assert!(wrong.is_empty(), "{} of {cases} cases differ:\n{}", wrong.len(), wrong.join("\n"));
}

/// The same cases with the langdetect port in place of the replay: every text the
/// official checker sends to `langdetect.detect` gets the answer Python gave.
#[test]
fn the_langdetect_port_answers_every_detection_of_the_fixture_as_python() {
    let Ok(detector) =
        diversity_collapse::tasks::langdetect::LanguageDetector::load(&diversity_collapse::assets::Assets::locate())
    else {
        panic!("run scripts/setup: the langdetect profiles are an asset");
    };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ifeval_official/cases.jsonl");
    let (mut asked, mut wrong) = (0, Vec::new());
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        for pair in case["langdetect"].as_array().unwrap() {
            let text = pair[0].as_str().unwrap();
            asked += 1;
            let ours = LanguageDetector::detect(&detector, text);
            if ours.as_deref() != pair[1].as_str() {
                wrong.push(format!("case {}: {text:?}: ours {ours:?}, Python {}", case["case"], pair[1]));
            }
        }
    }
    assert!(asked > 200, "{asked}");
    assert!(wrong.is_empty(), "{} of {asked} detections differ:\n{}", wrong.len(), wrong.join("\n"));
}
