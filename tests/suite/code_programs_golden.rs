//! The paper-mode and qfd-mode code checkers assemble exactly the programs the reference
//! assembles (tests/golden/code_programs/): `prepare_humaneval_execution` and
//! `prepare_mbpp_execution`, and the quality-filtered script's `check_code_correctness`,
//! on all 164 HumanEval and 500 MBPP problems, each with the completion forms models
//! write (3,484 programs of each, compared by sha256).

use std::collections::HashMap;

use diversity_collapse::metrics::text::strip_cot;
use diversity_collapse::provenance::sha256_bytes;
use diversity_collapse::tasks::code::{humaneval_program, humaneval_program_qfd, mbpp_program, mbpp_program_qfd};
use diversity_collapse::tasks::data::load_split;
use diversity_collapse::tasks::task;
use serde_json::Value;

#[test]
fn programs_equal_the_reference_assembly_for_every_problem_and_form() {
    let mut docs: HashMap<String, Value> = HashMap::new();
    for name in ["humaneval", "mbpp"] {
        for document in load_split(task(name).unwrap(), None).expect("run scripts/setup: HumanEval and MBPP") {
            docs.insert(format!("{name}:{}", document.doc["task_id"]), document.doc);
        }
    }
    let fixture = include_str!("../golden/code_programs/cases.jsonl");
    let (mut cases, mut wrong) = (0, Vec::new());
    for line in fixture.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let task = case["task"].as_str().unwrap();
        let doc = &docs[&format!("{task}:{}", case["id"])];
        let completion = case["completion"].as_str().unwrap();
        let text = |key: &str| doc[key].as_str().unwrap();
        let stripped = strip_cot(completion);
        let (program, qfd) = if task == "humaneval" {
            let (prompt, test, entry) = (text("prompt"), text("test"), text("entry_point"));
            (humaneval_program(prompt, completion, test, entry), humaneval_program_qfd(prompt, &stripped, test, entry))
        } else {
            let tests_of = |doc: &Value| -> Vec<String> {
                doc["test_list"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect()
            };
            // The script's index keeps the last of two problems with the same text (76
            // and 347), so it checks 76 against 347's tests; `--mode qfd` links by id.
            let linked = &docs[&format!("{task}:{}", case["qfd_tests_id"])];
            (mbpp_program(completion, &tests_of(doc)), mbpp_program_qfd(&stripped, &tests_of(linked)))
        };
        cases += 1;
        for (mode, program, field) in [("paper", program, "program_sha256"), ("qfd", qfd, "qfd_program_sha256")] {
            if sha256_bytes(&program) != case[field].as_str().unwrap() {
                wrong.push(format!("{mode} {task} {} ({}):\n{program}", case["id"], case["form"]));
            }
        }
    }
    assert_eq!(cases, 3484);
    assert!(wrong.is_empty(), "{} of {cases} programs differ:\n{}", wrong.len(), wrong.join("\n---\n"));
}
