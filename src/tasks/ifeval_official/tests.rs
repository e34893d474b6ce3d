//! Edge rules of the official checker, one test per rule.

use serde_json::{Value, json};

use super::*;
use crate::tasks::ifeval::OFFICIAL_INSTRUCTION_IDS;

/// A detector that says the same for every text (`None`: langdetect raised).
struct Always(Option<&'static str>);

impl LanguageDetector for Always {
    fn detect(&self, _text: &str) -> Option<String> {
        self.0.map(str::to_owned)
    }
}

fn check(response: &str, id: &str, kwargs: Value) -> (bool, bool) {
    check_with(response, id, kwargs, &Always(Some("en")))
}

fn check_with(response: &str, id: &str, kwargs: Value, detector: &dyn LanguageDetector) -> (bool, bool) {
    let result = check_response(response, &[id.to_owned()], &[kwargs], detector).unwrap();
    (result.strict_results[0], result.loose_results[0])
}

#[test]
fn every_official_id_has_a_checker_and_nothing_else_does() {
    for id in OFFICIAL_INSTRUCTION_IDS {
        assert!(is_official_instruction(id), "{id}");
    }
    assert!(!is_official_instruction("detectable_format:number_placeholders"));
    assert_eq!(
        check_response("x", &["nope".to_owned()], &[json!({})], &Always(None)),
        Err(OfficialError::UnknownInstruction("nope".to_owned()))
    );
}

#[test]
fn relations_are_less_than_and_at_least() {
    let words = |n: u32, relation: &str| {
        check("one two three", "length_constraints:number_words", json!({"num_words": n, "relation": relation})).0
    };
    assert!(!words(3, "less than"));
    assert!(words(4, "less than"));
    assert!(words(3, "at least"));
    assert!(!words(4, "at least"));
    let err = check_response(
        "x",
        &["length_constraints:number_words".into()],
        &[json!({"num_words": 3, "relation": "at most"})],
        &Always(None),
    );
    assert!(matches!(err, Err(OfficialError::InvalidArgument { .. })));
}

#[test]
fn falsy_arguments_are_dropped_and_then_drawn_at_random() {
    for kwargs in [
        json!({"num_words": 0, "relation": "at least"}),
        json!({"num_words": null, "relation": "at least"}),
        json!({"num_words": -1, "relation": "at least"}),
    ] {
        let err = check_response("x", &["length_constraints:number_words".into()], &[kwargs], &Always(None));
        assert!(matches!(err, Err(OfficialError::RandomDefault { .. })), "{err:?}");
    }
    // A None-filled Hugging Face struct is the same as the plain dict.
    let hf = json!({"num_words": 2, "relation": "at least", "keywords": null, "language": null});
    assert_eq!(check("a b", "length_constraints:number_words", hf), (true, true));
    let unexpected = check_response("x", &["punctuation:no_comma".into()], &[json!({"num_words": 3})], &Always(None));
    assert!(matches!(unexpected, Err(OfficialError::UnexpectedArgument { .. })));
    let letter = check_response(
        "x",
        &["keywords:letter_frequency".into()],
        &[json!({"letter": "#", "let_frequency": 1, "let_relation": "at least"})],
        &Always(None),
    );
    assert!(matches!(letter, Err(OfficialError::RandomDefault { .. })));
}

#[test]
fn empty_responses_fail_strict_and_loose() {
    assert_eq!(check("", "punctuation:no_comma", json!({})), (false, false));
    assert_eq!(check(" \n\t\u{1c}", "punctuation:no_comma", json!({})), (false, false));
}

#[test]
fn loose_drops_first_and_last_lines_and_stars() {
    assert_eq!(check("Sure, here:\nno commas here", "punctuation:no_comma", json!({})), (false, true));
    assert_eq!(check("a b\nc, d\ne", "punctuation:no_comma", json!({})), (false, false));
    assert_eq!(check("**\"quoted\"**", "startend:quotation", json!({})), (false, true));
}

#[test]
fn capital_words_are_word_tokenize_tokens_that_are_upper() {
    let at_least = |text: &str, n: u32| {
        check(
            text,
            "change_case:capital_word_frequency",
            json!({"capital_frequency": n, "capital_relation": "at least"}),
        )
        .0
    };
    // DON'T -> DO, N'T; the final period is its own token.
    assert!(at_least("DON'T STOP.", 3));
    assert!(!at_least("DON'T STOP.", 4));
    assert!(at_least("U.S.A. I", 2));
}

#[test]
fn json_format_strips_code_fences() {
    assert!(check("```json\n{\"a\": 1}\n```", "detectable_format:json_format", json!({})).0);
    assert!(check("```JSON [1, NaN]```", "detectable_format:json_format", json!({})).0);
    assert!(!check("```python\n{}\n```", "detectable_format:json_format", json!({})).0);
}

#[test]
fn repeat_prompt_is_a_lowercased_prefix() {
    let kw = json!({"prompt_to_repeat": " Write a Poem. "});
    assert_eq!(check("  WRITE A POEM. Roses are red", "combination:repeat_prompt", kw.clone()), (true, true));
    assert_eq!(check("Sure!\nwrite a poem. x", "combination:repeat_prompt", kw), (false, true));
}

#[test]
fn two_responses_split_on_six_stars() {
    let two = |t: &str| check(t, "combination:two_responses", json!({})).0;
    assert!(two("a\n******\nb"));
    assert!(!two("a\n******\na"));
    assert!(two("******a******b******"));
    assert!(!two("a******\n******b"));
}

#[test]
fn sections_placeholders_titles_highlights() {
    assert!(
        check(
            "SECTION 1 a SECTION 2 b",
            "detectable_format:multiple_sections",
            json!({"section_spliter": "SECTION", "num_sections": 2})
        )
        .0
    );
    assert!(
        !check(
            "Section 1 a",
            "detectable_format:multiple_sections",
            json!({"section_spliter": "SECTION", "num_sections": 1})
        )
        .0
    );
    assert!(check("[a] [b [c]", "detectable_content:number_placeholders", json!({"num_placeholders": 2})).0);
    assert!(!check("<< >>", "detectable_format:title", json!({})).0);
    assert!(check("<<<T>>>", "detectable_format:title", json!({})).0);
    // *a* and **b** (which also holds the empty single `**` pairs)
    assert!(check("*a* **b**", "detectable_format:number_highlighted_sections", json!({"num_highlights": 2})).0);
    assert!(!check("* *", "detectable_format:number_highlighted_sections", json!({"num_highlights": 1})).0);
}

#[test]
fn bullets_paragraphs_and_first_words() {
    assert!(check("* a\n- b\n**c**", "detectable_format:number_bullet_lists", json!({"num_bullets": 2})).0);
    assert!(check("a *** b", "length_constraints:number_paragraphs", json!({"num_paragraphs": 2})).0);
    assert!(!check("a *** *** b", "length_constraints:number_paragraphs", json!({"num_paragraphs": 2})).0);
    let kw = json!({"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Hello"});
    assert!(check("x\n\n\"Hello, there", "length_constraints:nth_paragraph_first_word", kw.clone()).0);
    assert!(!check("x\n\n\n\nHello", "length_constraints:nth_paragraph_first_word", kw).0);
}

#[test]
fn keywords_letters_and_forbidden_words() {
    assert!(check("CAT dog", "keywords:existence", json!({"keywords": ["cat", "Dog"]})).0);
    assert!(check("cats", "keywords:forbidden_words", json!({"forbidden_words": ["cat"]})).0);
    assert!(!check("a cat.", "keywords:forbidden_words", json!({"forbidden_words": ["CAT"]})).0);
    assert!(
        check(
            "Keyword keyword",
            "keywords:frequency",
            json!({"keyword": "keyword", "frequency": 3, "relation": "less than"})
        )
        .0
    );
    // U+0130 lowercases to "i" + U+0307.
    assert!(
        check(
            "\u{130}",
            "keywords:letter_frequency",
            json!({"letter": "I", "let_frequency": 1, "let_relation": "at least"})
        )
        .0
    );
}

#[test]
fn langdetect_failures_pass() {
    let lang = |text: &str, d: Option<&'static str>| {
        check_with(text, "language:response_language", json!({"language": "fr"}), &Always(d)).0
    };
    assert!(lang("12345", None));
    assert!(lang("Bonjour", Some("fr")));
    assert!(!lang("Hello", Some("en")));
    assert!(check_with("HELLO", "change_case:english_capital", json!({}), &Always(None)).0);
    assert!(!check_with("HELLO", "change_case:english_capital", json!({}), &Always(Some("de"))).0);
    assert!(!check_with("Hello", "change_case:english_capital", json!({}), &Always(None)).0);
    assert!(check_with("hello", "change_case:english_lowercase", json!({}), &Always(Some("en"))).0);
}

#[test]
fn postscript_end_phrase_and_quotes() {
    assert!(check("x\np. s. hi", "detectable_content:postscript", json!({"postscript_marker": "P.S."})).0);
    assert!(check("x\nP.P.S hi", "detectable_content:postscript", json!({"postscript_marker": "P.P.S"})).0);
    assert!(
        check(
            "Is there anything else I can help with?\"",
            "startend:end_checker",
            json!({"end_phrase": "is there anything else I can help with?"})
        )
        .0
    );
    assert!(!check("\"", "startend:quotation", json!({})).0);
    assert!(check("\"\"", "startend:quotation", json!({})).0);
}

#[test]
fn sentences_use_punkt() {
    let n = |text: &str, k: u32| {
        check(text, "length_constraints:number_sentences", json!({"num_sentences": k, "relation": "at least"})).0
    };
    assert!(n("Dr. Smith came. He left.", 2));
    assert!(!n("Dr. Smith came. He left.", 3));
}

#[test]
fn check_official_strips_think_blocks() {
    let result =
        check_official("<think>a, b</think>no commas", &["punctuation:no_comma".into()], &[json!({})], &Always(None))
            .unwrap();
    assert!(result.strict && result.loose);
}
