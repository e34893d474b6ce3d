//! The judges' prompt texts (`data/judge/`, sources in its README) and Python's
//! `str.format` to fill them.

/// Kirk et al.'s system prompt.
pub const KIRK_SYSTEM: &str = include_str!("../../data/judge/kirk_system.txt");
/// Kirk et al.'s pairwise ranking template: `{doc_type}`, `{source}`, `{summary_a}`,
/// `{summary_b}`.
pub const KIRK_TEMPLATE: &str = include_str!("../../data/judge/kirk_template.txt");
/// Arena-Hard-Auto's creative-writing judge system prompt.
pub const ARENA_CREATIVE_SYSTEM: &str = include_str!("../../data/judge/arena_creative_system.txt");
/// Arena-Hard-Auto's user template: `{question}`, `{answer_a}`, `{answer_b}`.
pub const ARENA_USER_TEMPLATE: &str = include_str!("../../data/judge/arena_user_template.txt");
/// WB-Score's single user message: `{user_query}`, `{model_output}`, `{checklist}`.
pub const WB_SCORE_TEMPLATE: &str = include_str!("../../data/judge/wb_score_template.txt");
/// MT-Bench `pair-v2` system prompt.
pub const MT_BENCH_PAIR_SYSTEM: &str = include_str!("../../data/judge/mt_bench_pair_v2_system.txt");
/// MT-Bench `pair-v2` prompt template: `{question}`, `{answer_a}`, `{answer_b}`.
pub const MT_BENCH_PAIR_TEMPLATE: &str = include_str!("../../data/judge/mt_bench_pair_v2_template.txt");

/// Python's `template.format(**fields)` for the templates above: `{name}` becomes the
/// field's value (values are inserted as they are, never formatted again), `{{` and `}}`
/// become `{` and `}`.
///
/// # Panics
/// Never on the built-in templates; a `{name}` without a field is a bug in the caller
/// and panics in debug builds (it is left as it is in release builds).
pub fn py_format(template: &str, fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + fields.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(end) = tail.find('}').filter(|_| tail.starts_with('{')) {
            let name = &tail[1..end];
            if let Some((_, value)) = fields.iter().find(|(field, _)| *field == name) {
                out.push_str(value);
                rest = &tail[end + 1..];
                continue;
            }
            debug_assert!(false, "no field `{name}` for the template");
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_fills_once_and_unescapes_braces() {
        let filled = py_format("{{\"a\": {x}}} {y}", &[("x", "{y}"), ("y", "}}")]);
        assert_eq!(filled, "{\"a\": {y}} }}");
    }

    #[test]
    fn every_template_names_only_its_fields() {
        let kirk =
            py_format(KIRK_TEMPLATE, &[("doc_type", "D"), ("source", "S"), ("summary_a", "A"), ("summary_b", "B")]);
        assert!(
            kirk.contains("Post: \"\"\"S\"\"\"")
                && kirk.contains("{\"model\": \"model_1\", \"summary\": \"\"\"A\"\"\"}")
        );
        let arena = py_format(ARENA_USER_TEMPLATE, &[("question", "Q"), ("answer_a", "A"), ("answer_b", "B")]);
        assert!(arena.starts_with("<|User Prompt|>\nQ\n"));
        let wb = py_format(WB_SCORE_TEMPLATE, &[("user_query", "Q"), ("model_output", "O"), ("checklist", "C")]);
        assert!(wb.ends_with("\"score\": \"[1~10]\"}"));
        let pair = py_format(MT_BENCH_PAIR_TEMPLATE, &[("question", "Q"), ("answer_a", "A"), ("answer_b", "B")]);
        assert!(pair.starts_with("[User Question]\nQ\n"));
    }
}
