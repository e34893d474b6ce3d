//! The base model's likelihood of outputs (`pipeline::likelihood`) against transformers on
//! the lab's base checkpoint. Fixture and generator: tests/golden/base_likelihood/.
//! Tolerance: [`tolerance::BASE_NLL`].

use std::path::Path;

use diversity_collapse::device::Cpu;
use diversity_collapse::pipeline::likelihood::BaseScorer;
use serde_json::Value;

use crate::tolerance;

#[test]
fn mean_token_nll_under_the_base_equals_transformers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/golden/base_likelihood/expected.json")).unwrap(),
    )
    .unwrap();
    let scorer = BaseScorer::<Cpu>::load(&root.join("lab/lineage/base"), &Default::default()).unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    let mut worst = 0.0f64;
    for case in cases {
        let (prompt, output) = (case["prompt"].as_str().unwrap(), case["output"].as_str().unwrap());
        let got = scorer.nll(prompt, output).unwrap().unwrap();
        let want = case["nll"].as_f64().unwrap();
        worst = worst.max((got - want).abs());
        assert!((got - want).abs() <= tolerance::BASE_NLL, "{prompt:?} + {output:?}: {got} vs {want}");
    }
    eprintln!("base NLL: largest difference {worst:.1e} nats over {} outputs", cases.len());
    assert_eq!(scorer.nll("Question: 2 + 2?\nAnswer:", "").unwrap(), None, "an empty answer has no likelihood");
}
