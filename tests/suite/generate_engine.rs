//! The K-samples-per-prompt loop on a tiny Olmo 3 checkpoint (tests/golden/olmo3/mha_legacy)
//! with a byte-level BPE tokenizer trained here so that its ids fit the model's
//! vocabulary of 1024.

use std::path::Path;

use burn::tensor::FloatDType;
use diversity_collapse::device::Cpu;
use diversity_collapse::generate::chat::ChatTemplate;
use diversity_collapse::generate::engine::{FinishReason, GenerationError, GenerationSettings, Generator};
use diversity_collapse::generate::sampling::SamplingParams;
use diversity_collapse::generate::tokenizer::{TextTokenizer, train_byte_level_bpe};
use diversity_collapse::olmo3::load_olmo3;

const SPECIALS: [&str; 4] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"];

fn generator(template: Option<ChatTemplate>) -> (tempfile::TempDir, Generator<Cpu>) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3/mha_legacy");
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let corpus = [
        "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\n\nAnswer: 7",
        "The quick brown fox jumps over the lazy dog. Numbers 0123456789 and symbols !?.,;:()[]{}",
        "You are a helpful function-calling AI assistant. system user assistant functions",
    ];
    let texts = corpus.iter().cycle().take(60).map(|s| s.to_string());
    train_byte_level_bpe(texts, 700, &SPECIALS, &dir.path().join("tokenizer.json")).unwrap();
    let tokenizer = TextTokenizer::from_file(&dir.path().join("tokenizer.json")).unwrap();
    assert!(tokenizer.vocab_size() <= 1024);
    let model = load_olmo3::<Cpu>(dir.path(), &Default::default(), FloatDType::F32).unwrap();
    (dir, Generator::new(model, tokenizer, template, Default::default()))
}

fn settings(batch_size: usize) -> GenerationSettings {
    GenerationSettings {
        k: 8,
        batch_size,
        sampling: SamplingParams { temperature: 1.0, top_p: 0.95, top_k: None },
        seed: 1234,
        max_new_tokens: 24,
        no_think: false,
        stop_sequences: Vec::new(),
        task: "toy".to_owned(),
    }
}

#[test]
fn samples_do_not_depend_on_how_many_are_decoded_together() {
    let (_dir, generator) = generator(Some(ChatTemplate::olmo3_instruct()));
    let prompt = "Tom has 3 apples and buys 4 more. How many apples does he have?";
    let all = generator.generate("q1", prompt, &settings(8)).unwrap();
    assert!(all.model_input.starts_with("<|im_start|>system\n"));
    assert!(all.model_input.ends_with("<|im_start|>assistant\n"));
    for batch in [1, 3] {
        let other = generator.generate("q1", prompt, &settings(batch)).unwrap();
        assert_eq!(other, all, "batch size {batch}");
    }
    // Samples differ from each other (random weights give near-uniform text, not collapse).
    let distinct: std::collections::HashSet<_> = all.raw_outputs.iter().collect();
    assert!(distinct.len() > 1);
    // Another prompt id gives other streams.
    let moved = generator.generate("q2", prompt, &settings(8)).unwrap();
    assert_ne!(moved.raw_outputs, all.raw_outputs);
    for (reason, n) in all.finish_reasons.iter().zip(&all.n_tokens) {
        assert!(*reason == FinishReason::Eos || (*reason == FinishReason::Length && *n == 24), "{reason:?} {n}");
    }
}

#[test]
fn greedy_samples_are_identical_and_stop_sequences_cut_raw_prompts() {
    let (_dir, generator) = generator(None);
    let greedy = GenerationSettings { sampling: SamplingParams::GREEDY, ..settings(4) };
    let out = generator.generate("g", "Question: what is 2 + 2?\n\nAnswer:", &greedy).unwrap();
    assert!(out.raw_outputs.iter().all(|o| o == &out.raw_outputs[0]));
    assert_eq!(out.model_input, "Question: what is 2 + 2?\n\nAnswer:");
    // Cut every sample at the first occurrence of its own third character as a stop sequence.
    let text = &out.raw_outputs[0];
    if let Some(stop) = text.chars().nth(2).map(String::from).filter(|s| !s.trim().is_empty()) {
        let stopping = GenerationSettings { stop_sequences: vec![stop.clone()], ..greedy.clone() };
        let cut = generator.generate("g", "Question: what is 2 + 2?\n\nAnswer:", &stopping).unwrap();
        assert!(cut.raw_outputs.iter().all(|o| !o.contains(&stop)), "{:?}", cut.raw_outputs);
        assert!(cut.finish_reasons.iter().all(|r| *r == FinishReason::StopSequence));
    }
}

#[test]
fn bad_prompts_give_clear_errors() {
    let (_dir, generator) = generator(Some(ChatTemplate::olmo3_think()));
    let empty = generator.generate("e", "  \n", &settings(8)).unwrap_err();
    assert!(matches!(empty, GenerationError::EmptyPrompt { .. }), "{empty}");
    let long = GenerationSettings { max_new_tokens: 250, ..settings(8) };
    let error = generator.generate("l", "What is 2+2?", &long).unwrap_err().to_string();
    assert!(error.contains("`l`") && error.contains("context of 256"), "{error}");
    let think = GenerationSettings { no_think: true, ..settings(2) };
    let out = generator.generate("t", "What is 2+2?", &think).unwrap();
    assert!(out.model_input.ends_with("<think>\n</think>\n"), "{:?}", out.model_input);
}

/// Greedy generation on chat-formatted prompts equals transformers end to end: the
/// built-in Instruct template's rendering, the prompt's token ids, and the decoded text
/// and length of every continuation (`tests/golden/generate/make_chat_greedy.py`: the
/// same tokenizer file and checkpoint, `apply_chat_template` and `generate` with
/// `do_sample=False`).
#[test]
fn greedy_chat_generation_equals_transformers_end_to_end() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/golden/generate/chat_greedy.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root.join("tests/golden/olmo3/mha_legacy")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::copy(root.join("tests/golden/generate/tokenizer.json"), dir.path().join("tokenizer.json")).unwrap();
    let tokenizer = TextTokenizer::from_file(&dir.path().join("tokenizer.json")).unwrap();
    let model = load_olmo3::<Cpu>(dir.path(), &Default::default(), FloatDType::F32).unwrap();
    let generator = Generator::new(model, tokenizer, Some(ChatTemplate::olmo3_instruct()), Default::default());
    let settings = GenerationSettings {
        k: 1,
        batch_size: 1,
        sampling: SamplingParams::GREEDY,
        seed: 0,
        max_new_tokens: golden["max_new_tokens"].as_u64().unwrap() as usize,
        no_think: false,
        stop_sequences: Vec::new(),
        task: "golden".to_owned(),
    };
    let cases = golden["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let prompt = case["prompt"].as_str().unwrap();
        let samples = generator.generate("golden", prompt, &settings).unwrap();
        assert_eq!(samples.model_input, case["rendered"].as_str().unwrap(), "{prompt}");
        let prompt_ids: Vec<u32> =
            case["prompt_ids"].as_array().unwrap().iter().map(|id| id.as_u64().unwrap() as u32).collect();
        assert_eq!(generator.tokenizer.encode(&samples.model_input).unwrap(), prompt_ids, "{prompt}");
        assert_eq!(samples.raw_outputs[0], case["text"].as_str().unwrap(), "{prompt}");
        let generated = case["generated_ids"].as_array().unwrap().len();
        let (reason, tokens) = match case["finish_reason"].as_str().unwrap() {
            "eos" => (FinishReason::Eos, generated - 1),
            _ => (FinishReason::Length, generated),
        };
        assert_eq!((samples.finish_reasons[0], samples.n_tokens[0]), (reason, tokens), "{prompt}");
    }
}
