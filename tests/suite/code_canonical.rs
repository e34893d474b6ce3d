//! The sandbox runs every HumanEval canonical solution (164) and MBPP reference solution
//! (500) of the assets to a pass; assembled as the reference assembles *generated* code
//! (paper mode), the only failures are the reference's own quirks: MBPP solutions whose
//! first `def` is a helper (the reference renames the first `def` to the asserted name)
//! or that need `test_setup_code` (which the reference drops).

use std::time::Duration;

use diversity_collapse::tasks::code::{
    humaneval_program, humaneval_program_corrected, mbpp_program, mbpp_program_corrected,
};
use diversity_collapse::tasks::data::load_split;
use diversity_collapse::tasks::sandbox::{Sandbox, SandboxLimits};
use diversity_collapse::tasks::task;

fn strings(value: &serde_json::Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// `name: outcome: last line of stderr` of every program that did not pass.
fn failed_programs(names: &[String], results: &[diversity_collapse::tasks::sandbox::RunResult]) -> Vec<String> {
    names
        .iter()
        .zip(results)
        .filter(|(_, r)| !r.passed())
        .map(|(name, r)| format!("{name}: {:?}: {}", r.outcome, r.stderr.lines().last().unwrap_or("")))
        .collect()
}

#[test]
fn canonical_solutions_pass_in_the_sandbox() {
    let _serial = crate::sandbox_serial();
    let sandbox = Sandbox::new(
        SandboxLimits { wall: Duration::from_secs(20), address_space: 256 << 20, ..SandboxLimits::default() },
        None,
    );
    let humaneval = load_split(task("humaneval").unwrap(), None).unwrap();
    let mbpp = load_split(task("mbpp").unwrap(), None).unwrap();
    assert_eq!((humaneval.len(), mbpp.len()), (164, 500));
    let mut programs = Vec::new();
    let mut names = Vec::new();
    for document in &humaneval {
        let doc = &document.doc;
        let text = |k: &str| doc[k].as_str().unwrap();
        programs.push(humaneval_program(text("prompt"), text("canonical_solution"), text("test"), text("entry_point")));
        names.push(document.input_id.clone());
    }
    // The solutions as written: solution, setup code (it may use the solution's classes),
    // asserts.
    for document in &mbpp {
        let doc = &document.doc;
        programs.push(format!(
            "{}\n{}\n\n{}\n",
            doc["code"].as_str().unwrap(),
            doc["test_setup_code"].as_str().unwrap_or(""),
            strings(&doc["test_list"]).join("\n")
        ));
        names.push(format!("mbpp/{}", document.input_id));
    }
    let results = sandbox.run_many(&programs, 2);
    let failures = failed_programs(&names, &results);
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), programs.len(), failures.join("\n"));

    // Paper mode on MBPP: every failure is one of the reference's quirks.
    let paper: Vec<String> =
        mbpp.iter().map(|d| mbpp_program(d.doc["code"].as_str().unwrap(), &strings(&d.doc["test_list"]))).collect();
    let results = sandbox.run_many(&paper, 2);
    let first_def = regex::Regex::new(r"(?m)^def\s+(\w+)\s*\(").unwrap();
    let asserted = regex::Regex::new(r"assert\s+(\w+)\s*\(").unwrap();
    let mut quirks = 0;
    for (document, result) in mbpp.iter().zip(&results) {
        if result.passed() {
            continue;
        }
        let doc = &document.doc;
        let code = doc["code"].as_str().unwrap();
        let expected = strings(&doc["test_list"]).iter().find_map(|t| asserted.captures(t).map(|c| c[1].to_owned()));
        let renamed_helper = first_def.captures(code).map(|c| c[1].to_owned()) != expected;
        let needs_setup = !doc["test_setup_code"].as_str().unwrap_or("").trim().is_empty();
        assert!(
            renamed_helper || needs_setup,
            "mbpp/{} fails in paper mode without a known reason: {:?} {}",
            document.input_id,
            result.outcome,
            result.stderr
        );
        quirks += 1;
    }
    eprintln!("MBPP reference solutions failing in paper mode (reference quirks): {quirks} of 500");

    // Corrected mode: no quirk is left, every solution passes as the checker assembles it.
    let corrected: Vec<String> = humaneval
        .iter()
        .map(|d| {
            let text = |k: &str| d.doc[k].as_str().unwrap();
            humaneval_program_corrected(text("prompt"), text("canonical_solution"), text("test"), text("entry_point"))
        })
        .chain(mbpp.iter().map(|d| {
            let doc = &d.doc;
            mbpp_program_corrected(
                doc["code"].as_str().unwrap(),
                &strings(&doc["test_list"]),
                doc["test_setup_code"].as_str().unwrap_or(""),
            )
        }))
        .collect();
    let results = sandbox.run_many(&corrected, 2);
    let failures = failed_programs(&names, &results);
    assert!(
        failures.is_empty(),
        "corrected mode: {} of {} failed:\n{}",
        failures.len(),
        corrected.len(),
        failures.join("\n")
    );
}
