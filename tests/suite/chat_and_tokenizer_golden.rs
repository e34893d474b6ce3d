//! The dolma2 tokenizer and the Olmo 3 chat templates against Python: `tokenizers` 0.22.2
//! ids and transformers 4.57.6 `apply_chat_template` renders. Fixtures and generators:
//! tests/golden/tokenizer/ and tests/golden/chat/ (see their READMEs).

use std::path::{Path, PathBuf};

use diversity_collapse::assets::Assets;
use diversity_collapse::generate::chat::{ChatTemplate, TemplateOrigin, suppress_thinking};
use diversity_collapse::generate::tokenizer::TextTokenizer;
use serde_json::Value;

fn golden(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(path)
}

fn json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(golden(path)).unwrap()).unwrap()
}

fn dolma2() -> TextTokenizer {
    TextTokenizer::from_file(&Assets::locate().dolma2_tokenizer().expect("run scripts/setup for the dolma2 tokenizer"))
        .unwrap()
}

fn ids(value: &Value) -> Vec<u32> {
    value.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect()
}

#[test]
fn dolma2_token_ids_equal_the_python_tokenizers_library() {
    let tokenizer = dolma2();
    let fixture = json("tokenizer/dolma2_ids.json");
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let name = case["name"].as_str().unwrap();
        assert_eq!(tokenizer.encode(text).unwrap(), ids(&case["ids"]), "ids of case {name}");
        assert_eq!(tokenizer.decode(&ids(&case["ids"])).unwrap(), case["decoded"].as_str().unwrap(), "decode {name}");
    }
    assert_eq!(tokenizer.encode("<|im_start|>user\nHi<|im_end|>").unwrap(), [100264, 882, 198, 13347, 100265]);
    assert_eq!(tokenizer.token_id("<|im_end|>"), Some(100265));
}

#[test]
fn chat_templates_render_exactly_as_apply_chat_template() {
    let tokenizer = dolma2();
    let fixture = json("chat/rendered.json");
    let context = &fixture["template_context"];
    let eos = context["eos_token"].as_str().unwrap();
    let pad = context["pad_token"].as_str().unwrap();
    let templates: Vec<(String, ChatTemplate)> = fixture["templates"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, info)| {
            let file = info["file"].as_str().unwrap_or_else(|| panic!("{info}"));
            let text = std::fs::read_to_string(golden("chat").join(file)).unwrap();
            (name.clone(), ChatTemplate::new(text, TemplateOrigin::File(golden("chat").join(file))))
        })
        .collect();
    let conversations = fixture["conversations"].as_array().unwrap();
    let mut checked = 0;
    for render in fixture["renders"].as_array().unwrap() {
        let template = &templates.iter().find(|(n, _)| n == render["template"].as_str().unwrap()).unwrap().1;
        let conversation = conversations.iter().find(|c| c["name"] == render["conversation"]).unwrap();
        let label = format!("{} / {}", render["template"], render["conversation"]);
        let tools = conversation.get("tools").filter(|t| !t.is_null());
        for (key, generation_prompt) in [("gen", true), ("no_gen", false)] {
            let text = template.render_json(&conversation["messages"], tools, generation_prompt, eos, pad).unwrap();
            assert_eq!(text, render[key]["text"].as_str().unwrap(), "{label} ({key})");
            assert_eq!(tokenizer.encode(&text).unwrap(), ids(&render[key]["ids"]), "{label} ({key}) ids");
        }
        let suppressed = suppress_thinking(render["gen"]["text"].as_str().unwrap());
        assert_eq!(suppressed, render["think_suppressed"]["text"].as_str().unwrap(), "{label} (no think)");
        assert_eq!(tokenizer.encode(&suppressed).unwrap(), ids(&render["think_suppressed"]["ids"]), "{label}");
        checked += 1;
    }
    assert!(checked >= 100, "{checked} renders");
}

#[test]
fn built_in_templates_are_the_checkpoints_own_files() {
    let fixture = json("chat/templates.json");
    for (template, name) in
        [(ChatTemplate::olmo3_instruct(), "olmo3_instruct"), (ChatTemplate::olmo3_think(), "olmo3_think")]
    {
        assert_eq!(template.sha256(), fixture["templates"][name]["sha256"].as_str().unwrap(), "{name}");
    }
    let think = ChatTemplate::olmo3_think();
    let messages = [diversity_collapse::generate::chat::ChatMessage::user("What is 2+2?")];
    let prompt = think.render(&messages, true, "<|endoftext|>", "<|pad|>").unwrap();
    assert!(prompt.ends_with("<|im_start|>assistant\n<think>"), "{prompt:?}");
    assert!(suppress_thinking(&prompt).ends_with("<think>\n</think>\n"));
}

#[test]
fn a_template_that_fails_to_render_is_a_clear_error() {
    let broken = ChatTemplate::new("{% for m in messages %}{{ m.content ", TemplateOrigin::BuiltIn("broken"));
    let error = broken.render(&[], true, "", "").unwrap_err().to_string();
    assert!(error.contains("built-in broken"), "{error}");
    let raising = ChatTemplate::new("{{ raise_exception('only user turns') }}", TemplateOrigin::BuiltIn("raising"));
    let error = raising.render(&[], true, "", "").unwrap_err().to_string();
    assert!(error.contains("only user turns"), "{error}");
}
