//! HumanEval and MBPP programs (methodology §2.5), in the paper's mode: the reference's
//! code extraction from markdown, function renaming and program assembly, run in the
//! [`super::sandbox`]. Pass = exit code 0 within the timeout.

use std::sync::LazyLock;

use regex::Regex;

/// The reference's fenced-block pattern (`re.DOTALL`; Python `\s` also covers
/// `\x1c`–`\x1f`).
static BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)```(?:python)?[\s\x1c-\x1f]*\n(.*?)```").expect("valid"));
static FIRST_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^def[\s\x1c-\x1f]+(\w+)[\s\x1c-\x1f]*\(").expect("valid"));
static ASSERTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"assert[\s\x1c-\x1f]+(\w+)[\s\x1c-\x1f]*\(").expect("valid"));

/// `extract_code_from_markdown`: no fenced block → the text unchanged; else the first
/// block defining `entry_point` (when given), else the longest block; stripped.
pub fn extract_code_from_markdown(text: &str, entry_point: &str) -> String {
    let blocks: Vec<&str> = BLOCK.captures_iter(text).filter_map(|c| c.get(1).map(|m| m.as_str())).collect();
    if blocks.is_empty() {
        return text.to_owned();
    }
    if !entry_point.is_empty()
        && let Some(block) = blocks.iter().find(|b| b.contains(&format!("def {entry_point}")))
    {
        return crate::pycompat::py_strip(block).to_owned();
    }
    // Python's max() keeps the first of equally long blocks.
    let longest =
        blocks.iter().fold(blocks[0], |best, b| if b.chars().count() > best.chars().count() { b } else { best });
    crate::pycompat::py_strip(longest).to_owned()
}

/// `rename_function`: the definition and every call site.
pub fn rename_function(code: &str, old: &str, new: &str) -> String {
    let old = regex::escape(old);
    let definition = Regex::new(&format!(r"\bdef[\s\x1c-\x1f]+{old}\b")).expect("escaped name");
    let calls = Regex::new(&format!(r"\b{old}[\s\x1c-\x1f]*\(")).expect("escaped name");
    let code = definition.replace_all(code, regex::NoExpand(&format!("def {new}")));
    calls.replace_all(&code, regex::NoExpand(&format!("{new}("))).into_owned()
}

/// `_extract_and_align_code`: extract, then rename the **first** top-level `def` to
/// `entry_point` when it has another name (even if it is a helper, as the reference does).
pub fn extract_and_align(raw: &str, entry_point: &str) -> String {
    let code = extract_code_from_markdown(raw, entry_point);
    if !entry_point.is_empty()
        && let Some(found) = FIRST_DEF.captures(&code).and_then(|c| c.get(1))
        && found.as_str() != entry_point
    {
        return rename_function(&code, found.as_str(), entry_point);
    }
    code
}

/// `prepare_humaneval_execution`: a standalone function when the extracted code defines
/// the entry point, else the continuation `prompt + completion` (the raw completion).
pub fn humaneval_program(prompt: &str, completion: &str, test: &str, entry_point: &str) -> String {
    let extracted = extract_and_align(completion, entry_point);
    if extracted.contains(&format!("def {entry_point}")) {
        format!("{extracted}\n\n{test}\n\ncheck({entry_point})\n")
    } else {
        format!("{prompt}{completion}\n\n{test}\n\ncheck({entry_point})\n")
    }
}

/// `prepare_mbpp_execution`: the function named as the asserts call it, then the asserts
/// (`test_setup_code` and `challenge_test_list` are ignored, as in the reference).
pub fn mbpp_program(generated: &str, tests: &[String]) -> String {
    let expected = tests.iter().find_map(|t| ASSERTED.captures(t).map(|c| c[1].to_owned())).unwrap_or_default();
    let code = extract_and_align(generated, &expected);
    format!("{code}\n\n{}\n", tests.join("\n"))
}

/// Every top-level function name, in order.
fn top_level_functions(code: &str) -> Vec<&str> {
    FIRST_DEF.captures_iter(code).filter_map(|c| c.get(1).map(|m| m.as_str())).collect()
}

/// Corrected mode of [`extract_and_align`]: no renaming when the code defines the entry
/// point at top level (the paper's rule renames the first `def` even then, so a helper
/// written first takes the entry point's name and its call sites break); otherwise the
/// **last** top-level function is renamed, since helpers come before the function that
/// uses them.
pub fn extract_and_align_corrected(raw: &str, entry_point: &str) -> String {
    let code = extract_code_from_markdown(raw, entry_point);
    let functions = top_level_functions(&code);
    match functions.last() {
        Some(last) if !entry_point.is_empty() && !functions.contains(&entry_point) => {
            rename_function(&code, last, entry_point)
        }
        _ => code,
    }
}

/// Corrected mode of [`humaneval_program`]: a standalone program when the aligned code
/// defines the entry point; otherwise a continuation of the prompt by the completion's
/// fenced code when it has any (the paper appends the raw text, fences included).
pub fn humaneval_program_corrected(prompt: &str, completion: &str, test: &str, entry_point: &str) -> String {
    let aligned = extract_and_align_corrected(completion, entry_point);
    if top_level_functions(&aligned).contains(&entry_point) {
        format!("{aligned}\n\n{test}\n\ncheck({entry_point})\n")
    } else {
        // The longest fenced block, its indentation kept (it continues the prompt's body).
        let blocks = BLOCK.captures_iter(completion).filter_map(|c| c.get(1).map(|m| m.as_str()));
        let body = blocks
            .fold(None, |best: Option<&str>, b| match best {
                Some(best) if best.chars().count() >= b.chars().count() => Some(best),
                _ => Some(b),
            })
            .map_or(completion, |block| block.trim_start_matches(['\n', '\r']).trim_end());
        format!("{prompt}{body}\n\n{test}\n\ncheck({entry_point})\n")
    }
}

/// Corrected mode of [`mbpp_program`]: the dataset's `test_setup_code` runs before the
/// asserts (the paper ignores it), and functions are aligned as in
/// [`extract_and_align_corrected`].
pub fn mbpp_program_corrected(generated: &str, tests: &[String], setup: &str) -> String {
    let expected = tests.iter().find_map(|t| ASSERTED.captures(t).map(|c| c[1].to_owned())).unwrap_or_default();
    let code = extract_and_align_corrected(generated, &expected);
    format!("{code}\n\n{setup}\n{}\n", tests.join("\n"))
}

/// The quality-filtered scripts' code check (`check_code_correctness` of
/// `quality_filtered_diversity.py` and `compute_code_diversity.py`), the labels behind the
/// study's correct-output diversity (Tables 14 and 15): the code is the **longest** fenced
/// block of the CoT-stripped output whatever it defines (the Table 8 harness prefers the
/// block defining the entry point); a block defining the entry point runs standalone,
/// anything else continues the prompt ([`humaneval_program`]). `output` is already
/// passed through `_strip_cot`.
pub fn humaneval_program_qfd(prompt: &str, output: &str, test: &str, entry_point: &str) -> String {
    let code = extract_code_from_markdown(output, "");
    if code.contains(&format!("def {entry_point}")) {
        format!("{code}\n\n{test}\n\ncheck({entry_point})\n")
    } else {
        humaneval_program(prompt, &code, test, entry_point)
    }
}

/// The quality-filtered scripts' MBPP check: the longest fenced block of the CoT-stripped
/// `output`, its first top-level function renamed to the name the asserts call, then
/// [`mbpp_program`].
pub fn mbpp_program_qfd(output: &str, tests: &[String]) -> String {
    let expected = tests.iter().find_map(|t| ASSERTED.captures(t).map(|c| c[1].to_owned())).unwrap_or_default();
    let mut code = extract_code_from_markdown(output, "");
    if !expected.is_empty()
        && let Some(found) = FIRST_DEF.captures(&code).and_then(|c| c.get(1)).map(|m| m.as_str().to_owned())
        && found != expected
    {
        code = rename_function(&code, &found, &expected);
    }
    mbpp_program(&code, tests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_prefers_the_entry_point_then_the_longest_block() {
        let text = "Here:\n```python\ndef helper():\n    pass\n```\nand\n```\ndef add(a, b):\n    return a + b\n```";
        assert_eq!(extract_code_from_markdown(text, "add"), "def add(a, b):\n    return a + b");
        assert_eq!(extract_code_from_markdown(text, ""), "def add(a, b):\n    return a + b");
        assert_eq!(extract_code_from_markdown("    return 1", "f"), "    return 1");
    }

    #[test]
    fn the_first_def_is_renamed_with_its_calls() {
        let code = "```python\ndef plus(a, b):\n    return a + b if a else plus(1, b)\n```";
        assert_eq!(extract_and_align(code, "add"), "def add(a, b):\n    return a + b if a else add(1, b)");
        let tests = vec!["assert add(1, 2) == 3".to_owned()];
        assert_eq!(
            mbpp_program(code, &tests),
            "def add(a, b):\n    return a + b if a else add(1, b)\n\nassert add(1, 2) == 3\n"
        );
    }

    #[test]
    fn corrected_mode_keeps_a_defined_entry_point_and_renames_the_last_function() {
        let helper_first =
            "```python\ndef _sq(x):\n    return x * x\n\ndef add_squares(a, b):\n    return _sq(a) + _sq(b)\n```";
        // The paper's rule renames the helper: two `add_squares`, the helper's calls broken.
        assert!(extract_and_align(helper_first, "add_squares").starts_with("def add_squares(x)"));
        let corrected = extract_and_align_corrected(helper_first, "add_squares");
        assert!(corrected.starts_with("def _sq(x)") && corrected.contains("return _sq(a) + _sq(b)"));
        let renamed = extract_and_align_corrected(helper_first, "sum_sq");
        assert!(renamed.starts_with("def _sq(x)") && renamed.contains("def sum_sq(a, b)"));

        let tests = vec!["assert f(2) == 4".to_owned()];
        assert_eq!(
            mbpp_program_corrected("def g(x):\n    return x * K", &tests, "K = 2"),
            "def f(x):\n    return x * K\n\nK = 2\nassert f(2) == 4\n"
        );
        // A fenced body continues the prompt without its fences.
        let program = humaneval_program_corrected("def f(x):\n", "```python\n    return x\n```", "T", "f");
        assert_eq!(program, "def f(x):\n    return x\n\nT\n\ncheck(f)\n");
    }

    #[test]
    fn the_quality_filtered_check_takes_the_longest_block_whatever_it_defines() {
        // The entry point is in the short block: Table 8's harness runs it, the
        // quality-filtered scripts take the longer helper block, which the assembly then
        // renames to the entry point.
        let output =
            "```python\ndef add(a, b):\n    return a + b\n```\n```python\ndef unrelated_helper(x):\n    return x\n```";
        assert!(humaneval_program("P", output, "T", "add").starts_with("def add(a, b)"));
        let qfd = humaneval_program_qfd("P", output, "T", "add");
        assert_eq!(qfd, "def add(x):\n    return x\n\nT\n\ncheck(add)\n");
        let tests = vec!["assert add(1, 2) == 3".to_owned()];
        assert!(mbpp_program_qfd(output, &tests).starts_with("def add(x):\n    return x"));
    }
}
