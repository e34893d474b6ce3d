//! The lab's synthetic world, generated from a seed: two tasks and the text of every
//! training stage.
//!
//! * `sums`, verifiable: a word problem with one addition or subtraction and a checkable
//!   integer answer, which can be phrased and reasoned in many ways.
//! * `describe`, open-ended: a short description of a coloured animal in a place, with a
//!   large space of valid outputs.
//!
//! Answers are written by *teachers*: [`TEACHERS`] writing styles, each with its own
//! phrasings for `sums` and its own sentence structure and vocabulary slice for
//! `describe`. The base corpus mixes every teacher and a share of wrong answers; the SFT
//! sets draw from a chosen subset of teachers, which is the data composition the lab
//! varies.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Writing styles in the world.
pub const TEACHERS: usize = 16;

/// The two lab tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabTask {
    /// Verifiable arithmetic word problems.
    Sums,
    /// Open-ended descriptions.
    Describe,
}

impl LabTask {
    /// Both tasks.
    pub const ALL: [LabTask; 2] = [LabTask::Sums, LabTask::Describe];

    /// The task's name in run files and reports.
    pub fn name(self) -> &'static str {
        match self {
            LabTask::Sums => "lab_sums",
            LabTask::Describe => "lab_describe",
        }
    }
}

const NAMES: [&str; 12] = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kim", "Leo"];
const ITEMS: [&str; 10] = ["apples", "pens", "books", "coins", "shells", "stamps", "cards", "beads", "cups", "kites"];
const COLORS: [&str; 10] = ["red", "blue", "green", "gray", "white", "black", "brown", "gold", "pink", "orange"];
const ANIMALS: [&str; 10] = ["cat", "dog", "fox", "owl", "frog", "goat", "bear", "duck", "wolf", "deer"];
const PLACES: [&str; 10] = ["forest", "garden", "field", "river", "city", "desert", "valley", "park", "barn", "lake"];
const VERBS: [&str; 16] = [
    "runs", "sleeps", "waits", "jumps", "walks", "hides", "sits", "plays", "rests", "looks", "eats", "drinks", "moves",
    "stands", "sings", "digs",
];
const ADVERBS: [&str; 16] = [
    "slowly", "quietly", "happily", "softly", "calmly", "quickly", "alone", "gently", "often", "again", "early",
    "late", "freely", "proudly", "lazily", "boldly",
];
const OBJECTS: [&str; 16] = [
    "tree", "rock", "fence", "gate", "wall", "bridge", "path", "stone", "hill", "pond", "bush", "road", "house", "log",
    "nest", "well",
];
const ADJECTIVES: [&str; 16] = [
    "small", "big", "old", "young", "tired", "bright", "calm", "wild", "shy", "proud", "thin", "round", "warm", "soft",
    "brave", "quiet",
];
const SKY: [&str; 8] = [
    "the sun shines",
    "the wind blows",
    "rain falls",
    "clouds pass",
    "birds sing",
    "snow falls",
    "the sky is clear",
    "night comes",
];

/// One problem of the world.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Stable id (`sums-17`, `describe-3`).
    pub id: String,
    /// The task.
    pub task: LabTask,
    /// The request, without any prompt format.
    pub question: String,
    /// The correct answer of a `sums` problem.
    pub answer: Option<i64>,
    slots: Slots,
}

#[derive(Debug, Clone, PartialEq)]
enum Slots {
    Sums { name: &'static str, item: &'static str, a: i64, b: i64, add: bool },
    Describe { color: &'static str, animal: &'static str, place: &'static str },
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl Problem {
    /// Problem `index` of `task` in the world of `seed` (the same on every machine).
    pub fn new(seed: u64, task: LabTask, index: usize) -> Self {
        let stream = match task {
            LabTask::Sums => 1,
            LabTask::Describe => 2,
        };
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ (stream << 56) ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        match task {
            LabTask::Sums => {
                let (name, item) = (*pick(&mut rng, &NAMES), *pick(&mut rng, &ITEMS));
                let add = rng.random_bool(0.5);
                // Single-digit operands: a model of a few hundred thousand parameters can
                // learn the facts, so correctness varies across checkpoints and samples.
                let (a, b) = if add {
                    (rng.random_range(1..10), rng.random_range(1..10))
                } else {
                    let a = rng.random_range(3..19);
                    (a, rng.random_range(1..a.min(10)))
                };
                let question = if add {
                    format!("{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?")
                } else {
                    format!("{name} has {a} {item} and gives away {b}. How many {item} are left?")
                };
                let answer = if add { a + b } else { a - b };
                Self {
                    id: format!("sums-{index}"),
                    task,
                    question,
                    answer: Some(answer),
                    slots: Slots::Sums { name, item, a, b, add },
                }
            }
            LabTask::Describe => {
                let (color, animal, place) =
                    (*pick(&mut rng, &COLORS), *pick(&mut rng, &ANIMALS), *pick(&mut rng, &PLACES));
                Self {
                    id: format!("describe-{index}"),
                    task,
                    question: format!("Describe a {color} {animal} in the {place}."),
                    answer: None,
                    slots: Slots::Describe { color, animal, place },
                }
            }
        }
    }

    /// The raw prompt a base model continues.
    pub fn base_prompt(&self) -> String {
        format!("Question: {}\nAnswer:", self.question)
    }

    /// An answer in `teacher`'s style; `wrong` shifts a `sums` result by a small amount.
    /// `rng` draws the free choices a teacher leaves open.
    pub fn answer_by(&self, teacher: usize, wrong: bool, rng: &mut ChaCha8Rng) -> String {
        match &self.slots {
            Slots::Sums { name, item, a, b, add } => {
                let mut r = if *add { a + b } else { a - b };
                if wrong {
                    let shift = rng.random_range(1..4);
                    r = if rng.random_bool(0.5) || r - shift < 0 { r + shift } else { r - shift };
                }
                sums_answer(teacher, name, item, *a, *b, *add, r, rng)
            }
            Slots::Describe { color, animal, place } => describe_answer(teacher, color, animal, place, rng),
        }
    }

    /// A chain of thought in `teacher`'s style, then the answer: the completion of a
    /// think-style model after the template's `<think>`.
    pub fn thought_by(&self, teacher: usize, rng: &mut ChaCha8Rng) -> String {
        let answer = self.answer_by(teacher, false, rng);
        let thought = match &self.slots {
            Slots::Sums { name, a, b, add, .. } => {
                let r = if *add { a + b } else { a - b };
                let (sign, word) = if *add { ("+", "adds") } else { ("-", "loses") };
                match teacher % 2 {
                    0 => format!("{name} has {a}. {name} {word} {b}. {a} {sign} {b} = {r}."),
                    _ => format!("Start at {a}. Then {sign}{b}. That gives {r}. Check: {r}."),
                }
            }
            Slots::Describe { color, animal, place } => match teacher % 2 {
                0 => format!("I need a {color} {animal} and the {place}. Keep it short."),
                _ => format!("Plan: say what the {animal} does, then where. Use {color}."),
            },
        };
        format!("{thought}</think>\n{answer}")
    }
}

#[allow(clippy::too_many_arguments)]
fn sums_answer(
    teacher: usize,
    name: &str,
    item: &str,
    a: i64,
    b: i64,
    add: bool,
    r: i64,
    rng: &mut ChaCha8Rng,
) -> String {
    let (sign, verb, prep) = if add { ("+", "add", "to") } else { ("-", "subtract", "from") };
    let opening = match teacher % 8 {
        0 => format!("{a} {sign} {b} = {r}."),
        1 => format!("{name} starts with {a} {item} and ends with {r} {item}."),
        2 => format!("We {verb} {b} {prep} {a} and get {r}."),
        3 => String::new(),
        4 => format!("{a} {sign} {b} is {r}, so {name} has {r} {item}."),
        5 => format!("First {a}, then {sign}{b}, which makes {r}."),
        6 => format!("Counting {item}: {a} {sign} {b} gives {r}."),
        _ => format!("The total is {r} {item}."),
    };
    let closing = match (teacher / 8 + rng.random_range(0..2)) % 3 {
        0 => format!("The answer is {r}."),
        1 => format!("Answer: {r}"),
        _ => format!("So the answer is {r}."),
    };
    if opening.is_empty() { closing } else { format!("{opening} {closing}") }
}

fn describe_answer(teacher: usize, color: &str, animal: &str, place: &str, rng: &mut ChaCha8Rng) -> String {
    // Each teacher draws from its own slice of four verbs, adverbs, objects and adjectives.
    let slice = |list: &[&'static str], rng: &mut ChaCha8Rng| list[(teacher * 3 + rng.random_range(0..4)) % list.len()];
    let (verb, adverb, object, adjective) =
        (slice(&VERBS, rng), slice(&ADVERBS, rng), slice(&OBJECTS, rng), slice(&ADJECTIVES, rng));
    let sky = SKY[(teacher + rng.random_range(0..3)) % SKY.len()];
    match teacher % 4 {
        0 => format!("The {color} {animal} {verb} {adverb} near the {object} in the {place}."),
        1 => format!("In the {place}, a {adjective} {color} {animal} {verb} by the {object}. {}.", capitalise(sky)),
        2 => format!("A {color} {animal} {verb} {adverb}. It is {adjective}, and the {place} is quiet."),
        _ => format!("By the {object}, the {adjective} {animal} {verb}. Its {color} coat shines while {sky}."),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// Problems `start .. start + count` of a task: training and evaluation use disjoint ranges.
pub fn problems(seed: u64, task: LabTask, start: usize, count: usize) -> Vec<Problem> {
    (start..start + count).map(|i| Problem::new(seed, task, i)).collect()
}

/// The first index of the evaluation problems (training draws below it).
pub const EVAL_START: usize = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_is_a_function_of_its_seed() {
        assert_eq!(problems(7, LabTask::Sums, 0, 20), problems(7, LabTask::Sums, 0, 20));
        assert_ne!(problems(7, LabTask::Sums, 0, 20), problems(8, LabTask::Sums, 0, 20));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for problem in problems(7, LabTask::Sums, 0, 50) {
            let answer = problem.answer.unwrap();
            assert!(answer >= 0);
            for teacher in 0..TEACHERS {
                let text = problem.answer_by(teacher, false, &mut rng);
                assert!(text.ends_with(&format!("{answer}.")) || text.ends_with(&format!("{answer}")), "{text}");
            }
        }
    }

    #[test]
    fn teachers_write_differently() {
        let problem = Problem::new(3, LabTask::Describe, 0);
        let distinct: std::collections::BTreeSet<String> =
            (0..TEACHERS).map(|t| problem.answer_by(t, false, &mut ChaCha8Rng::seed_from_u64(0))).collect();
        assert!(distinct.len() >= 12, "{distinct:?}");
    }
}
