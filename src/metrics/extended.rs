//! The per-prompt columns of the metrics beyond the study's four, their settings and
//! their display names. Each column is one number per prompt (the K outputs of one
//! prompt); `None` where the metric is undefined for that prompt.
//!
//! | column | metric | range |
//! |---|---|---|
//! | `distinct_1` … `distinct_4` | distinct-n ([`super::lexical`]) | 0..1 |
//! | `ngram_vendi` | n-gram Vendi score ([`super::lexical`]) | 1..K |
//! | `ngram_diversity` | n-gram diversity score, Shaib et al. ([`super::lexical`]) | 0..4 |
//! | `self_bleu` | self-BLEU ([`super::bleu`]) | 0..100, lower = more diverse |
//! | `compression_ratio` | gzip compression ratio ([`super::compression`]) | higher = more repetitive |
//! | `vendi_q<q>` | Vendi score of order q on the sentence embeddings ([`super::vendi`]) | 1..K |
//! | `classes_emb`, `semantic_entropy_emb` | embedding-threshold classes ([`super::classes`]) | 1..K, 0..ln K |
//! | `classes_nli`, `semantic_entropy_nli` | bidirectional-entailment classes ([`super::classes`]) | 1..K, 0..ln K |
//! | `trace_sbert`, `trace_ead` | SBERT diversity and EAD of the reasoning traces ([`super::text::think_trace`]) | as the study's |
//! | `base_nll`, `base_nll_spread` | mean per-token NLL of the outputs under the base checkpoint, and its spread (`pipeline::likelihood`, analyse stage only) | nats ≥ 0 |

use std::collections::BTreeMap;

use super::bleu::self_bleu;
use super::classes::{DEFAULT_CLASS_THRESHOLD, Partition, embedding_partition};
use super::compression::compression_ratio;
use super::lexical::{LEXICAL_ORDERS, distinct_n, ngram_diversity_score, ngram_vendi, word_tokens};
use super::sbert::EmbeddingSet;
use super::vendi::{VendiOrder, vendi_of_order};

/// The extension columns of one prompt: column → value (`None` = undefined there).
pub type ExtendedScores = BTreeMap<String, Option<f64>>;

/// The Vendi orders `--vendi-q` computes when none are named.
pub const DEFAULT_VENDI_ORDERS: [VendiOrder; 4] =
    [VendiOrder::Finite(0.5), VendiOrder::Finite(1.0), VendiOrder::Finite(2.0), VendiOrder::Infinity];

/// Settings of the extension metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedSettings {
    /// Orders of the `vendi_q<q>` columns.
    pub vendi_orders: Vec<VendiOrder>,
    /// Cosine at or above which two outputs are one meaning (`classes_emb`).
    pub class_threshold: f64,
}

impl Default for ExtendedSettings {
    fn default() -> Self {
        Self { vendi_orders: DEFAULT_VENDI_ORDERS.to_vec(), class_threshold: DEFAULT_CLASS_THRESHOLD }
    }
}

/// Which lexical columns to compute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LexicalWanted {
    /// `distinct_1..4`.
    pub distinct: bool,
    /// `ngram_vendi`.
    pub ngram_vendi: bool,
    /// `ngram_diversity`.
    pub ngram_diversity: bool,
    /// `self_bleu`.
    pub self_bleu: bool,
    /// `compression_ratio`.
    pub compression: bool,
}

impl LexicalWanted {
    /// Whether any is wanted.
    pub fn any(self) -> bool {
        self.distinct || self.ngram_vendi || self.ngram_diversity || self.self_bleu || self.compression
    }
}

/// Adds the wanted lexical columns of `outputs` to `scores` (NLTK tokenization runs once).
pub fn add_lexical<S: AsRef<str>>(outputs: &[S], wanted: LexicalWanted, scores: &mut ExtendedScores) {
    if wanted.distinct || wanted.ngram_vendi {
        let tokens = word_tokens(outputs);
        if wanted.distinct {
            for n in LEXICAL_ORDERS {
                scores.insert(format!("distinct_{n}"), distinct_n(&tokens, n));
            }
        }
        if wanted.ngram_vendi {
            scores.insert("ngram_vendi".into(), ngram_vendi(&tokens));
        }
    }
    if wanted.ngram_diversity {
        scores.insert("ngram_diversity".into(), ngram_diversity_score(outputs));
    }
    if wanted.self_bleu {
        scores.insert("self_bleu".into(), self_bleu(outputs));
    }
    if wanted.compression {
        scores.insert("compression_ratio".into(), (!outputs.is_empty()).then(|| compression_ratio(outputs)));
    }
}

/// Adds `vendi_q<q>` for each order, from the outputs' sentence embeddings.
pub fn add_vendi_orders(embeddings: EmbeddingSet<'_>, orders: &[VendiOrder], scores: &mut ExtendedScores) {
    for &order in orders {
        scores.insert(order.column(), vendi_of_order(embeddings, order));
    }
}

/// Adds `classes_<kind>` and `semantic_entropy_<kind>` of a partition (`None` for no outputs).
pub fn add_partition(kind: &str, partition: &Partition, scores: &mut ExtendedScores) {
    let defined = !partition.class_of.is_empty();
    scores.insert(format!("classes_{kind}"), defined.then(|| partition.classes() as f64));
    scores.insert(format!("semantic_entropy_{kind}"), defined.then(|| partition.semantic_entropy()));
}

/// Adds the embedding-threshold classes.
pub fn add_embedding_classes(embeddings: EmbeddingSet<'_>, threshold: f64, scores: &mut ExtendedScores) {
    add_partition("emb", &embedding_partition(embeddings, threshold), scores);
}

/// The display name of an extension column, `None` for a column that is not one.
pub fn column_label(column: &str) -> Option<String> {
    let fixed = match column {
        "ngram_vendi" => Some("n-gram Vendi score"),
        "ngram_diversity" => Some("n-gram diversity score (Shaib et al.)"),
        "self_bleu" => Some("self-BLEU (lower = more diverse)"),
        "compression_ratio" => Some("compression ratio (higher = more repetitive)"),
        "classes_emb" => Some("meaning classes (embedding threshold)"),
        "semantic_entropy_emb" => Some("semantic entropy (embedding classes)"),
        "classes_nli" => Some("meaning classes (bidirectional entailment)"),
        "semantic_entropy_nli" => Some("semantic entropy (entailment classes)"),
        "trace_sbert" => Some("SBERT diversity of the reasoning traces"),
        "trace_ead" => Some("EAD of the reasoning traces"),
        "base_nll" => Some("NLL under the base model (nats per token)"),
        "base_nll_spread" => Some("spread across outputs of the NLL under the base"),
        _ => None,
    };
    if let Some(label) = fixed {
        return Some(label.to_owned());
    }
    if let Some(n) = column.strip_prefix("distinct_").and_then(|n| n.parse::<usize>().ok()) {
        return Some(format!("distinct-{n}"));
    }
    let order = column.strip_prefix("vendi_q")?.parse::<VendiOrder>().ok()?;
    (order.column() == column).then(|| match order {
        VendiOrder::Finite(q) => format!("Vendi score of order {q}"),
        VendiOrder::Infinity => "Vendi score of order ∞".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_name_parses_back_to_itself() {
        use crate::metrics::per_prompt::Metric;
        for name in Metric::NAMES {
            let metric: Metric = name.parse().unwrap();
            assert_eq!(metric.name(), name);
            assert_eq!(metric.is_study_metric(), Metric::NAMES[..7].contains(&name));
        }
    }

    #[test]
    fn every_column_written_has_a_label() {
        let mut scores = ExtendedScores::new();
        let all = LexicalWanted {
            distinct: true,
            ngram_vendi: true,
            ngram_diversity: true,
            self_bleu: true,
            compression: true,
        };
        add_lexical(&["one two three four five", "one two three six seven"], all, &mut scores);
        let data = [1.0f32, 0.0, 0.0, 1.0];
        let set = EmbeddingSet::new(&data, 2).unwrap();
        add_vendi_orders(set, &DEFAULT_VENDI_ORDERS, &mut scores);
        add_embedding_classes(set, DEFAULT_CLASS_THRESHOLD, &mut scores);
        add_partition("nli", &Partition { class_of: vec![0, 0] }, &mut scores);
        assert_eq!(scores.len(), 4 + 4 + 4 + 4);
        for column in scores.keys() {
            assert!(column_label(column).is_some(), "{column}");
        }
        assert_eq!(column_label("vendi_q0.50"), None);
        assert_eq!(column_label("sbert"), None);
    }
}
