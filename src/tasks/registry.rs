//! The registry of the study's tasks (methodology §2.1): one entry per task, plus the
//! `humaneval_instruct` variant. Every prompt template lives here and only here
//! ([`TaskSpec::render`]), written as the reference's Python f-strings are.

use serde_json::Value;

/// How a task's quality is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// Math answer extraction and matching (§2.3).
    Math,
    /// TruthfulQA substring rule (§2.4).
    TruthfulQa,
    /// Execution of HumanEval programs against their tests (§2.5).
    HumanEval,
    /// Execution of MBPP programs against their asserts (§2.5).
    Mbpp,
    /// IFEval instruction checks (§2.6).
    IfEval,
    /// CRUXEval output matching (§2.7).
    CruxEval,
    /// An LLM judge (not verifiable offline).
    Judged,
}

impl Quality {
    /// Whether the task is scored by running code.
    pub fn is_code(self) -> bool {
        matches!(self, Self::HumanEval | Self::Mbpp)
    }

    /// Whether correctness can be checked without a judge.
    pub fn is_verifiable(self) -> bool {
        self != Self::Judged
    }
}

/// One task of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// Our name (`gsm8k`, `humaneval_instruct`, …).
    pub name: &'static str,
    /// The reference's lighteval task name.
    pub lighteval_name: &'static str,
    /// The paper's category.
    pub category: &'static str,
    /// Hugging Face repository, subset and split.
    pub source: &'static str,
    /// Prompts the study used (the first N after the seeded shuffle).
    pub n: usize,
    /// Generation limit in tokens.
    pub max_new_tokens: usize,
    /// Stop sequences (used for models sampled without a chat template).
    pub stop: &'static [&'static str],
    /// How quality is scored.
    pub quality: Quality,
    /// Data licence.
    pub licence: &'static str,
    /// The document field holding the dataset's own id, when it has one.
    pub id_field: Option<&'static str>,
    /// The asset file (under the asset folder) the setup fetches, when it can.
    pub asset: Option<&'static str>,
}

/// Why a prompt could not be rendered.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("task `{task}`: document field `{field}` is missing or not a string")]
pub struct RenderError {
    /// The task.
    pub task: &'static str,
    /// The missing field.
    pub field: String,
}

const HUMANEVAL_INSTRUCT_HEAD: &str = "Solve the following code problem step by step. The last part of your response should be the solution to the problem in form ```\npython\nCODE\n``` where CODE is the solution for the problem.\n\n";
const HUMANEVAL_INSTRUCT_TAIL: &str = "\nRemember to put your solution inside the ```\npython\nCODE\n``` tags";
const ALPACA_WITH_INPUT: &str = "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n";
const ALPACA_PLAIN: &str = "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n";

impl TaskSpec {
    /// The query of one document, exactly as the reference's template renders it.
    pub fn render(&self, doc: &Value) -> Result<String, RenderError> {
        let field = |name: &str| -> Result<String, RenderError> {
            match doc.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                _ => Err(RenderError { task: self.name, field: name.to_owned() }),
            }
        };
        let py_strip = |s: String| crate::pycompat::py_strip(&s).to_owned();
        Ok(match self.name {
            "tldr" => format!(
                "SUBREDDIT: {}\nTITLE: {}\nPOST: {}\nTL;DR:",
                field("subreddit")?,
                field("title")?,
                field("post")?
            ),
            "cnn_dailymail" => format!("ARTICLE: {}\nTL;DR:", field("article")?),
            "xsum" => format!("ARTICLE: {}\nTL;DR:", field("document")?),
            "humaneval" | "ifeval" => field("prompt")?,
            "humaneval_instruct" => format!("{HUMANEVAL_INSTRUCT_HEAD}{}{HUMANEVAL_INSTRUCT_TAIL}", field("prompt")?),
            "mbpp" => format!("\"\"\"\n{}\n\"\"\"\n", field("text")?),
            "cruxeval" => format!(
                "Given the following Python function:\n\n```python\n{}\n```\n\nWhat is the output of `f({})`?\n\nAnswer:",
                field("code")?,
                field("input")?
            ),
            "gsm8k" => format!("Question: {}\n\nAnswer:", field("question")?),
            "math_algebra" | "math_geometry" => format!("Problem: {}\n\nSolution:", field("problem")?),
            "truthfulqa" => format!("Q: {}\nA:", field("question")?),
            "alpaca" => {
                let input = field("input").unwrap_or_default();
                if input.is_empty() {
                    format!("{ALPACA_PLAIN}{}\n\n### Response:\n", field("instruction")?)
                } else {
                    format!("{ALPACA_WITH_INPUT}{}\n\n### Input:\n{input}\n\n### Response:\n", field("instruction")?)
                }
            }
            "writingprompts" => format!("{}\n\n", py_strip(field("prompt")?)),
            "prism" => py_strip(field("opening_prompt")?),
            "wildbench" => {
                let first = doc
                    .get("conversation_input")
                    .and_then(|c| c.get(0))
                    .and_then(|turn| turn.get("content"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| RenderError { task: self.name, field: "conversation_input[0].content".into() })?;
                crate::pycompat::py_strip(first).to_owned()
            }
            "lab_sums" | "lab_describe" => field("question")?,
            other => unreachable!("task `{other}` has a registry entry but no template"),
        })
    }

    /// Whether the task keeps a document of its split (lighteval's `hf_filter`, applied
    /// before the seeded selection). Only PRISM filters: the study's `_is_prism_valid`.
    pub fn keeps(&self, doc: &Value) -> bool {
        match self.name {
            "prism" => prism_valid(doc),
            _ => true,
        }
    }

    /// The unwrapped query a wrapping template is built around (lighteval's
    /// `doc.original_query`): the HumanEval prompt inside `humaneval_instruct`'s
    /// instructions; `None` for the tasks that do not wrap.
    pub fn original_query(&self, doc: &Value) -> Option<String> {
        match self.name {
            "humaneval_instruct" => doc.get("prompt").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    }

    /// The prompt a model without a chat template continues, when it differs from
    /// [`Self::render`]'s query (the lab tasks: `Question: …\nAnswer:`); `None` for the
    /// study's tasks, whose query is the same with or without a template.
    pub fn raw_prompt(&self, doc: &Value) -> Result<Option<String>, RenderError> {
        match self.name {
            "lab_sums" | "lab_describe" => Ok(Some(format!("Question: {}\nAnswer:", self.render(doc)?))),
            _ => Ok(None),
        }
    }
}

/// The study's `_is_prism_valid` (`lighteval_open_ended_tasks.py`): a row is kept when
/// `included_in_balanced_subset` is true (Python truthiness), its `opening_prompt`
/// stripped is not empty, not a greeting once lower-cased with `.!?,` stripped from its
/// end (`hello`, `hi`, `hey`, `hola`; the set's punctuated entries can never match after
/// that strip), and at most 20% of its characters (code points) are above U+007F.
fn prism_valid(doc: &Value) -> bool {
    const GREETINGS: [&str; 9] = ["hello", "hi", "hey", "hola", "hello!", "hi!", "hey!", "hello.", "hi."];
    let balanced = match doc.get("included_in_balanced_subset") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Null) | None => false,
    };
    if !balanced {
        return false;
    }
    let prompt = crate::pycompat::py_strip(doc.get("opening_prompt").and_then(Value::as_str).unwrap_or(""));
    if prompt.is_empty() {
        return false;
    }
    let lowered = prompt.to_lowercase();
    if GREETINGS.contains(&lowered.trim_end_matches(['.', '!', '?', ','])) {
        return false;
    }
    let characters = prompt.chars().count();
    let non_ascii = prompt.chars().filter(|c| u32::from(*c) > 127).count();
    non_ascii as f64 / characters as f64 <= 0.2
}

const MATH_STOPS: &[&str] = &["\nProblem:", "\n\nProblem"];
const SUMMARY_STOPS: &[&str] = &["\n\n"];

/// Every task, in the paper's table order, then the `humaneval_instruct` variant.
pub const TASKS: &[TaskSpec] = &[
    TaskSpec {
        name: "tldr",
        lighteval_name: "tldr_diversity",
        category: "summarization",
        source: "UCL-DARK/openai-tldr-filtered / default / test",
        n: 500,
        max_new_tokens: 32768,
        stop: SUMMARY_STOPS,
        quality: Quality::Judged,
        licence: "MIT (OpenAI summarize-from-feedback)",
        id_field: Some("id"),
        asset: None,
    },
    TaskSpec {
        name: "cnn_dailymail",
        lighteval_name: "cnn_dailymail_diversity",
        category: "summarization",
        source: "cnn_dailymail / 3.0.0 / test",
        n: 500,
        max_new_tokens: 32768,
        stop: SUMMARY_STOPS,
        quality: Quality::Judged,
        licence: "Apache-2.0",
        id_field: Some("id"),
        asset: None,
    },
    TaskSpec {
        name: "xsum",
        lighteval_name: "xsum_diversity",
        category: "summarization",
        source: "xsum / default / test",
        n: 500,
        max_new_tokens: 32768,
        stop: &["\n"],
        quality: Quality::Judged,
        licence: "research-only terms",
        id_field: Some("id"),
        asset: Some("data/xsum/test.jsonl"),
    },
    TaskSpec {
        name: "alpaca",
        lighteval_name: "alpaca_diversity",
        category: "instruction",
        source: "tatsu-lab/alpaca / default / train",
        n: 500,
        max_new_tokens: 32768,
        stop: &["\n\n###", "\n\n##"],
        quality: Quality::Judged,
        licence: "CC-BY-NC-4.0",
        id_field: None,
        asset: None,
    },
    TaskSpec {
        name: "ifeval",
        lighteval_name: "ifeval_diversity",
        category: "instruction",
        source: "google/IFEval / default / train",
        n: 541,
        max_new_tokens: 32768,
        stop: &[],
        quality: Quality::IfEval,
        licence: "Apache-2.0",
        id_field: Some("key"),
        asset: Some("data/ifeval/input_data.jsonl"),
    },
    TaskSpec {
        name: "writingprompts",
        lighteval_name: "writingprompts_diversity",
        category: "creative",
        source: "euclaise/writingprompts / default / test",
        n: 500,
        max_new_tokens: 32768,
        stop: &[],
        quality: Quality::Judged,
        licence: "MIT",
        id_field: None,
        asset: None,
    },
    TaskSpec {
        name: "prism",
        lighteval_name: "prism_diversity",
        category: "value pluralism",
        source: "HannahRoseKirk/prism-alignment / conversations / train",
        n: 500,
        max_new_tokens: 32768,
        stop: &[],
        quality: Quality::Judged,
        licence: "CC-BY-NC-4.0",
        id_field: Some("conversation_id"),
        asset: None,
    },
    TaskSpec {
        name: "wildbench",
        lighteval_name: "wildbench_diversity",
        category: "value pluralism",
        source: "allenai/WildBench / v2 / test",
        n: 500,
        max_new_tokens: 32768,
        stop: &[],
        quality: Quality::Judged,
        licence: "AI2 ImpACT low-risk / per-conversation terms",
        id_field: Some("session_id"),
        asset: None,
    },
    TaskSpec {
        name: "gsm8k",
        lighteval_name: "gsm8k_diversity",
        category: "reasoning",
        source: "openai/gsm8k / main / test",
        n: 500,
        max_new_tokens: 32768,
        stop: &["\nQuestion:", "\n\nQuestion"],
        quality: Quality::Math,
        licence: "MIT",
        id_field: Some("id"),
        asset: Some("data/gsm8k/requests.jsonl.gz"),
    },
    TaskSpec {
        name: "math_algebra",
        lighteval_name: "math_algebra_diversity",
        category: "reasoning",
        source: "EleutherAI/hendrycks_math / algebra / test",
        n: 500,
        max_new_tokens: 32768,
        stop: MATH_STOPS,
        quality: Quality::Math,
        licence: "MIT",
        id_field: Some("index"),
        asset: Some("data/math_algebra/requests.jsonl.gz"),
    },
    TaskSpec {
        name: "math_geometry",
        lighteval_name: "math_geometry_diversity",
        category: "reasoning",
        source: "EleutherAI/hendrycks_math / geometry / test",
        n: 479,
        max_new_tokens: 32768,
        stop: MATH_STOPS,
        quality: Quality::Math,
        licence: "MIT",
        id_field: Some("index"),
        asset: Some("data/math_geometry/requests.jsonl.gz"),
    },
    TaskSpec {
        name: "truthfulqa",
        lighteval_name: "truthfulqa_diversity",
        category: "reasoning",
        source: "truthfulqa/truthful_qa / generation / validation",
        n: 817,
        max_new_tokens: 512,
        stop: &["\nQ:", "\n\n"],
        quality: Quality::TruthfulQa,
        licence: "Apache-2.0",
        id_field: None,
        asset: Some("data/truthfulqa/combined.jsonl"),
    },
    TaskSpec {
        name: "humaneval",
        lighteval_name: "humaneval_diversity",
        category: "code",
        source: "openai_humaneval / openai_humaneval / test",
        n: 164,
        max_new_tokens: 32768,
        stop: &["\nclass ", "\ndef ", "\n#", "\nif __name__"],
        quality: Quality::HumanEval,
        licence: "MIT",
        id_field: Some("task_id"),
        asset: Some("data/humaneval/HumanEval.jsonl.gz"),
    },
    TaskSpec {
        name: "mbpp",
        lighteval_name: "mbpp_diversity",
        category: "code",
        source: "mbpp / full / test",
        n: 500,
        max_new_tokens: 32768,
        stop: &["\nclass ", "\n#", "\nif __name__"],
        quality: Quality::Mbpp,
        licence: "CC-BY-4.0",
        id_field: Some("task_id"),
        asset: Some("data/mbpp/requests.jsonl.gz"),
    },
    TaskSpec {
        name: "cruxeval",
        lighteval_name: "cruxeval_diversity",
        category: "code reasoning",
        source: "cruxeval-org/cruxeval / (none) / test",
        n: 500,
        max_new_tokens: 2048,
        stop: &["\nGiven", "\n\nGiven"],
        quality: Quality::CruxEval,
        licence: "MIT",
        id_field: Some("id"),
        asset: None,
    },
    TaskSpec {
        name: "humaneval_instruct",
        lighteval_name: "humaneval_instruct_diversity",
        category: "code",
        source: "openai_humaneval / openai_humaneval / test",
        n: 164,
        max_new_tokens: 4096,
        stop: &[],
        quality: Quality::HumanEval,
        licence: "MIT",
        id_field: Some("task_id"),
        asset: Some("data/humaneval/HumanEval.jsonl.gz"),
    },
];

/// Looks a task up by our name or its lighteval name (with or without `|fewshot`): the
/// study's tasks, then the lab's ([`super::lab::LAB_TASKS`]).
pub fn task(name: &str) -> Option<&'static TaskSpec> {
    let name = crate::data::generations::normalise_task(name);
    TASKS.iter().chain(super::lab::LAB_TASKS).find(|t| t.name == name || t.lighteval_name == name)
}

/// Every task name (the study's, then the lab's), for error messages.
pub fn task_names() -> Vec<&'static str> {
    TASKS.iter().chain(super::lab::LAB_TASKS).map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The verdicts of the study's `_is_prism_valid` (run on CPython 3.11 on these rows).
    #[test]
    fn prism_keeps_the_rows_the_studys_filter_keeps() {
        let prism = task("prism").unwrap();
        let row =
            |balanced: Value, prompt: &str| json!({"included_in_balanced_subset": balanced, "opening_prompt": prompt});
        let cases = [
            (row(json!(true), "Is euthanasia ever justified?"), true),
            (row(json!(false), "Is euthanasia ever justified?"), false),
            (json!({"opening_prompt": "Is euthanasia ever justified?"}), false),
            (row(json!(true), "   \n "), false),
            (row(json!(true), "  Hello!!  "), false),
            (row(json!(true), "HEY,"), false),
            (row(json!(true), "Hola?!"), false),
            (row(json!(true), "hi there"), true),
            (row(json!(true), "abcdéfghij"), true),
            (row(json!(true), "abcdéfghié"), true),
            (row(json!(true), "abcdéfghéé"), false),
            (row(json!(true), "Привет, как дела?"), false),
            (row(json!(1), "What is fair?"), true),
            (row(json!("yes"), "What is fair?"), true),
        ];
        for (doc, kept) in cases {
            assert_eq!(prism.keeps(&doc), kept, "{doc}");
        }
        assert!(task("gsm8k").unwrap().keeps(&json!({})), "other tasks keep every row");
    }

    #[test]
    fn fifteen_tasks_and_one_variant_with_unique_names() {
        assert_eq!(TASKS.len(), 16);
        let mut names = task_names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 16 + 2, "the study's tasks and the two lab tasks");
        assert_eq!(task("lab_sums").unwrap().quality, Quality::Math);
        assert_eq!(TASKS.iter().filter(|t| t.quality.is_verifiable()).count(), 9);
        assert_eq!(task("gsm8k_diversity|0").unwrap().name, "gsm8k");
        assert!(task("nope").is_none());
    }

    #[test]
    fn templates_render_exactly() {
        let render = |name: &str, doc: Value| task(name).unwrap().render(&doc).unwrap();
        assert_eq!(render("gsm8k", json!({"question": "2+2?"})), "Question: 2+2?\n\nAnswer:");
        assert_eq!(render("mbpp", json!({"text": "Add."})), "\"\"\"\nAdd.\n\"\"\"\n");
        assert_eq!(render("truthfulqa", json!({"question": "Why?"})), "Q: Why?\nA:");
        assert_eq!(render("writingprompts", json!({"prompt": " [WP] A dog. \n"})), "[WP] A dog.\n\n");
        assert_eq!(
            render("alpaca", json!({"instruction": "Sum.", "input": ""})),
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nSum.\n\n### Response:\n"
        );
        assert_eq!(render("wildbench", json!({"conversation_input": [{"content": " Hi \n"}]})), "Hi");
        let error = task("xsum").unwrap().render(&json!({"summary": "x"})).unwrap_err();
        assert_eq!(error.to_string(), "task `xsum`: document field `document` is missing or not a string");
    }
}
