//! CRUXEval correctness and the Python-literal port against the reference
//! (`tests/golden/cruxeval/`, produced by running the reference's functions and
//! `ast.literal_eval` in Python 3.11): values and errors of 941 literals, `==` on 451
//! pairs, and prediction, normalisation and verdict of 1,695 generations.

use diversity_collapse::pycompat::{PyLiteral, literal_eval};
use diversity_collapse::tasks::cruxeval::{cruxeval_correct, extract_prediction, gold_output, normalize};
use serde_json::{Value, json};

fn lines(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/golden/cruxeval/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A Python float repr (`inf`, `nan`, `1e+16`, `-0.0`) as bits, so that -0.0 ≠ 0.0.
fn float_bits(repr: &str) -> u64 {
    match repr {
        "inf" => f64::INFINITY.to_bits(),
        "-inf" => f64::NEG_INFINITY.to_bits(),
        "nan" => f64::NAN.to_bits(),
        _ => repr.parse::<f64>().unwrap_or_else(|_| panic!("float repr {repr}")).to_bits(),
    }
}

/// Structural equality of a parsed literal and the fixture's tagged tree; sets as multisets.
fn same(value: &PyLiteral, expected: &Value) -> bool {
    let (tag, inner) = expected.as_object().unwrap().iter().next().unwrap();
    let items = |v: &Value| v.as_array().unwrap().clone();
    let all_same = |ours: &[PyLiteral], theirs: &[Value]| {
        ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| same(a, b))
    };
    match (value, tag.as_str()) {
        (PyLiteral::None, "none") | (PyLiteral::Ellipsis, "ellipsis") => true,
        (PyLiteral::Bool(b), "bool") => inner == &json!(b),
        (PyLiteral::Int(i), "int") => inner.as_str() == Some(i.to_decimal().as_str()),
        (PyLiteral::Float(x), "float") => x.to_bits() == float_bits(inner.as_str().unwrap()),
        (PyLiteral::Complex { real, imag }, "complex") => {
            real.to_bits() == float_bits(inner[0].as_str().unwrap())
                && imag.to_bits() == float_bits(inner[1].as_str().unwrap())
        }
        (PyLiteral::Str(s), "str") => inner.as_str() == Some(s.as_str()),
        (PyLiteral::Bytes(b), "bytes") => items(inner).iter().map(|v| v.as_u64().unwrap() as u8).eq(b.iter().copied()),
        (PyLiteral::List(v), "list") | (PyLiteral::Tuple(v), "tuple") => all_same(v, &items(inner)),
        (PyLiteral::Set(v), "set") => {
            let mut theirs = items(inner);
            v.len() == theirs.len()
                && v.iter().all(|ours| match theirs.iter().position(|t| same(ours, t)) {
                    Some(at) => {
                        theirs.remove(at);
                        true
                    }
                    None => false,
                })
        }
        (PyLiteral::Dict(entries), "dict") => {
            let theirs = items(inner);
            entries.len() == theirs.len()
                && entries.iter().zip(&theirs).all(|((k, v), pair)| same(k, &pair[0]) && same(v, &pair[1]))
        }
        _ => false,
    }
}

#[test]
fn literals_parse_to_the_values_and_errors_of_ast_literal_eval() {
    let mut mismatches = Vec::new();
    let cases = lines("literals.jsonl");
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        match (literal_eval(text), case["ok"].as_bool().unwrap()) {
            (Ok(value), true) if same(&value, &case["value"]) => {}
            (Err(_), false) => {}
            (ours, _) => mismatches.push(format!("{text:?}: ours {ours:?}, Python {}", case["value"])),
        }
    }
    assert!(cases.len() >= 600);
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), cases.len(), mismatches.join("\n"));
}

#[test]
fn literal_equality_follows_python() {
    let pairs = lines("equality.jsonl");
    let wrong: Vec<String> = pairs
        .iter()
        .filter(|p| {
            let (a, b) = (literal_eval(p["a"].as_str().unwrap()), literal_eval(p["b"].as_str().unwrap()));
            let (Ok(a), Ok(b)) = (a, b) else { return true };
            a.py_eq(&b) != p["equal"].as_bool().unwrap() || b.py_eq(&a) != p["equal"].as_bool().unwrap()
        })
        .map(|p| format!("{} == {}: Python {}", p["a"], p["b"], p["equal"]))
        .collect();
    assert!(pairs.len() >= 300);
    assert!(wrong.is_empty(), "{} of {} differ:\n{}", wrong.len(), pairs.len(), wrong.join("\n"));
}

#[test]
fn predictions_normalisation_and_verdicts_match_the_reference() {
    let cases = lines("cases.jsonl");
    let mut wrong = Vec::new();
    for case in &cases {
        let generation = case["generation"].as_str().unwrap();
        let prediction = extract_prediction(generation);
        let gold = gold_output(&json!({"choices": [format!(" {}", case["gold"].as_str().unwrap())]})).unwrap();
        let ours = json!({
            "pred": prediction,
            "pred_normalized": prediction.as_deref().filter(|p| !p.is_empty()).map(normalize),
            "gold_normalized": normalize(case["gold"].as_str().unwrap()),
            "correct": cruxeval_correct(generation, &gold),
        });
        for field in ["pred", "pred_normalized", "gold_normalized", "correct"] {
            if ours[field] != case[field] {
                wrong.push(format!("{generation:?} ({field}): ours {}, reference {}", ours[field], case[field]));
            }
        }
    }
    assert!(cases.len() >= 1500);
    let correct = cases.iter().filter(|c| c["correct"] == true).count();
    assert!(correct > 300 && cases.len() - correct > 300, "both verdicts are exercised");
    assert!(wrong.is_empty(), "{} differences:\n{}", wrong.len(), wrong.join("\n"));
}
