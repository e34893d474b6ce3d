//! The four diversity metrics on small sets of outputs that a reader writes or edits,
//! with the paper's encoders on the CPU.
//!
//! * EAD: lexical, from word n-grams ([`crate::metrics::ead`]);
//! * SBERT diversity: `1 −` the mean pairwise cosine of all-mpnet-base-v2 embeddings;
//! * Vendi score: the effective number of distinct outputs, from the same embeddings;
//! * NLI diversity: `1 −` the mean of `P(entailment) − P(contradiction)` over aligned
//!   sentence pairs, with an NLI model (roberta-large-mnli in the study).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::display::Table;
use super::{NotebookError, Result};
use crate::assets::Assets;
use crate::data::generations::GenerationRecord;
use crate::device::Cpu;
use crate::encoders::roberta::NliModel;
use crate::encoders::sentence::SentenceEncoder;
use crate::metrics::SmallSetPolicy;
use crate::metrics::ead::EadConfig;
use crate::metrics::nli::{SentencePairSampler, nli_diversity};
use crate::metrics::per_prompt::{Metric, PromptScorer, PromptScores};
use crate::metrics::sbert::{EmbeddingSet, sbert_diversity};
use crate::metrics::text::split_sentences;
use crate::metrics::vendi::{VendiVariant, vendi_score};

/// Environment variable naming an NLI model folder (roberta-large-mnli or compatible).
pub const NLI_MODEL_ENV: &str = "DIVCOLLAPSE_NLI_MODEL";

/// Texts per encoder batch.
const BATCH: usize = 16;
/// Token limit of NLI pairs (the reference's `max_length`).
const NLI_MAX_LENGTH: usize = 512;

/// A named set of outputs, as a model's K samples for one prompt would be.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSet {
    /// Display name.
    pub name: String,
    /// The outputs.
    pub outputs: Vec<String>,
}

impl OutputSet {
    /// A set from string slices.
    pub fn new(name: &str, outputs: &[&str]) -> Self {
        Self { name: name.to_owned(), outputs: outputs.iter().map(|s| (*s).to_owned()).collect() }
    }
}

/// Three sets of four answers to "Describe a lighthouse": the same sentence four times,
/// one meaning said four ways, and four different meanings in one template.
pub fn toy_sets() -> Vec<OutputSet> {
    vec![
        OutputSet::new(
            "identical",
            &[
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
            ],
        ),
        OutputSet::new(
            "paraphrases",
            &[
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
                "Ships find their way in the dark thanks to the strong light on top of a lighthouse.",
                "Built high on the coast, a lighthouse shines its beam so sailors can steer safely after sunset.",
                "At night, vessels are guided by the powerful lamp at the top of the lighthouse tower.",
            ],
        ),
        OutputSet::new(
            "different ideas",
            &[
                "A lighthouse is a tall tower with a bright lamp that guides ships at night.",
                "A lighthouse is a lonely place where a keeper once lived with his dog and his books.",
                "A lighthouse is a popular subject for painters because of its red and white stripes.",
                "A lighthouse is a museum today in many towns, and tourists climb its spiral stairs.",
            ],
        ),
    ]
}

/// all-mpnet-base-v2, the study's SBERT encoder, on the CPU.
pub struct Sbert {
    encoder: SentenceEncoder<Cpu>,
    folder: PathBuf,
}

impl Sbert {
    /// Loads the encoder that `scripts/setup` fetched (`assets/models/all-mpnet-base-v2`,
    /// or under `$DIVCOLLAPSE_ASSETS`).
    pub fn load() -> Result<Self> {
        Self::load_from(&Assets::locate().mpnet()?)
    }

    /// Loads a sentence-transformers folder.
    pub fn load_from(folder: &Path) -> Result<Self> {
        let encoder = SentenceEncoder::load(folder, &Default::default())?;
        Ok(Self { encoder, folder: folder.to_owned() })
    }

    /// The folder it was loaded from.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Unit-length embeddings, `[texts.len()][768]`.
    pub fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        Ok(self.encoder.encode(texts, BATCH)?)
    }

    /// EAD, SBERT diversity and the Vendi score of one set of outputs, by the one
    /// function that scores every set ([`PromptScorer`]).
    pub fn score(&self, name: &str, outputs: &[String]) -> Result<PromptScores> {
        let mut scorer = PromptScorer::<Cpu> {
            ead: EadConfig::default(),
            encoder: Some(&self.encoder),
            batch_size: BATCH,
            metrics: vec![Metric::Ead, Metric::Sbert, Metric::Vendi],
            model: String::new(),
            nli: None,
            sampler: SentencePairSampler::default(),
            cache: None,
            ast: None,
            code_encoder: None,
            extended: Default::default(),
        };
        let record = GenerationRecord {
            line: 0,
            task: String::new(),
            input_id: name.to_owned(),
            prompt: None,
            original_prompt: None,
            outputs: outputs.to_vec(),
            raw_outputs: None,
        };
        Ok(scorer.score(&record).map_err(crate::pipeline::StageError::from)?)
    }

    /// Embeddings as one row-major buffer and the dimension.
    pub fn embed_flat(&self, texts: &[String]) -> Result<(Vec<f32>, usize)> {
        let rows = self.embed(texts)?;
        let dim = rows.first().map_or(self.encoder.dim(), Vec::len);
        Ok((rows.concat(), dim))
    }
}

/// An NLI model on the CPU.
pub struct Nli {
    model: NliModel<Cpu>,
    folder: PathBuf,
    stand_in: bool,
}

impl Nli {
    /// Loads an NLI model folder.
    pub fn load(folder: &Path) -> Result<Self> {
        let model = NliModel::load(folder, NLI_MAX_LENGTH, BATCH, &Default::default())?;
        Ok(Self { model, folder: folder.to_owned(), stand_in: false })
    }

    /// The model named by `$DIVCOLLAPSE_NLI_MODEL`; without it, the tiny RoBERTa with
    /// random weights that the golden tests use (`tests/golden/roberta_nli/model`):
    /// roberta-large-mnli cannot be fetched by the set-up, so that stand-in shows the
    /// mechanics, and its scores mean nothing.
    pub fn from_env_or_stand_in() -> Result<Self> {
        match std::env::var_os(NLI_MODEL_ENV) {
            Some(folder) => Self::load(Path::new(&folder)),
            None => {
                let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/roberta_nli/model");
                Ok(Self { stand_in: true, ..Self::load(&folder)? })
            }
        }
    }

    /// Whether this is the random-weight stand-in rather than a trained model.
    pub fn is_stand_in(&self) -> bool {
        self.stand_in
    }

    /// The folder it was loaded from.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// `P(entailment) − P(contradiction)` of each (premise, hypothesis) pair.
    pub fn scores(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>> {
        use crate::metrics::nli::NliScorer;
        Ok(self.model.score(pairs)?)
    }

    /// NLI diversity of a set with the reference's seed and pooling.
    pub fn diversity(&mut self, outputs: &[String]) -> Result<f64> {
        Ok(nli_diversity(outputs, &mut SentencePairSampler::default(), &mut self.model)?)
    }
}

/// EAD, SBERT diversity and the Vendi score of each set (and NLI diversity when a
/// model is given), one row per set.
pub fn metrics_table(sets: &[OutputSet], sbert: &Sbert, mut nli: Option<&mut Nli>) -> Result<Table> {
    let mut columns: [Vec<f64>; 4] = Default::default();
    for set in sets {
        if set.outputs.len() < 2 {
            return Err(NotebookError::Argument(format!("set `{}` needs at least two outputs", set.name)));
        }
        let scores = sbert.score(&set.name, &set.outputs)?;
        let nli_value = match nli.as_deref_mut() {
            Some(model) => model.diversity(&set.outputs)?,
            None => f64::NAN,
        };
        for (slot, value) in columns.iter_mut().zip([scores.ead, scores.sbert, scores.vendi, Some(nli_value)]) {
            slot.push(value.unwrap_or(f64::NAN));
        }
    }
    let [ead_values, sbert_values, vendi_values, nli_values] = columns;
    let mut frame = df!(
        "set" => sets.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "outputs" => sets.iter().map(|s| s.outputs.len() as u32).collect::<Vec<_>>(),
        "EAD" => ead_values,
        "SBERT" => sbert_values,
        "Vendi" => vendi_values,
    )?;
    let caption = match nli {
        Some(model) if model.is_stand_in() => {
            frame.with_column(Column::new("NLI (random stand-in)".into(), nli_values))?;
            "The four metrics; NLI from a random-weight stand-in model: its column shows the mechanics only"
        }
        Some(_) => {
            frame.with_column(Column::new("NLI".into(), nli_values))?;
            "The four diversity metrics"
        }
        None => "Three diversity metrics (no NLI model given)",
    };
    Ok(Table::new(caption, frame))
}

/// The sentence pairs NLI diversity scores for a set, in the reference's order and with
/// its seed: output `i`, output `j`, sentence position `k`, and the two sentences.
pub fn nli_pairs(set: &OutputSet) -> Table {
    let sentences: Vec<Vec<String>> = set.outputs.iter().map(|o| split_sentences(o)).collect();
    let pairs = SentencePairSampler::default().select(&sentences);
    let frame = df!(
        "i" => pairs.iter().map(|p| p.i as u32).collect::<Vec<_>>(),
        "j" => pairs.iter().map(|p| p.j as u32).collect::<Vec<_>>(),
        "k" => pairs.iter().map(|p| p.k as u32).collect::<Vec<_>>(),
        "sentence k of output i" => pairs.iter().map(|p| sentences[p.i][p.k].clone()).collect::<Vec<_>>(),
        "sentence k of output j" => pairs.iter().map(|p| sentences[p.j][p.k].clone()).collect::<Vec<_>>(),
    )
    .expect("columns of equal length");
    Table::new(format!("Sentence pairs NLI scores for `{}`", set.name), frame)
}

/// The Vendi score as an effective number of modes: `k` outputs spread over `m`
/// equally likely, mutually orthogonal meanings (unit vectors), for each `m` in
/// `modes`, then the same `k` outputs with one dominant meaning. SBERT diversity is
/// shown beside it: it measures how far apart outputs are on average, not how many
/// distinct kinds there are.
pub fn vendi_modes(k: usize, modes: &[usize]) -> Result<Table> {
    if k < 2 || modes.iter().any(|&m| m == 0 || m > k) {
        return Err(NotebookError::Argument(format!("need k ≥ 2 and 1 ≤ m ≤ k for every m, got k = {k}, {modes:?}")));
    }
    let mut names = Vec::new();
    let mut counts = Vec::new();
    let (mut vendi, mut sbert) = (Vec::new(), Vec::new());
    let mut add = |name: String, assignment: Vec<usize>, dim: usize| {
        let mut flat = vec![0f32; assignment.len() * dim];
        for (row, &mode) in assignment.iter().enumerate() {
            flat[row * dim + mode] = 1.0;
        }
        let set = EmbeddingSet::new(&flat, dim).expect("a whole number of rows");
        let mut sizes = vec![0usize; dim];
        for &mode in &assignment {
            sizes[mode] += 1;
        }
        counts.push(sizes.iter().filter(|&&s| s > 0).map(|s| s.to_string()).collect::<Vec<_>>().join("+"));
        vendi.push(vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline));
        sbert.push(sbert_diversity(set, SmallSetPolicy::Pipeline));
        names.push(name);
    };
    for &m in modes {
        add(format!("{m} equal meaning(s)"), (0..k).map(|i| i % m).collect(), m);
    }
    // One meaning holds all but three outputs; three others hold one each.
    if k > 3 {
        add(
            "one dominant + 3 rare".to_owned(),
            (0..k).map(|i| if i < k - 3 { 0 } else { i - (k - 3) + 1 }).collect(),
            4,
        );
    }
    let frame = df!(
        "set" => names,
        "outputs per meaning" => counts,
        "Vendi score" => vendi,
        "SBERT diversity" => sbert,
    )?;
    Ok(Table::new(format!("{k} outputs over orthogonal meanings"), frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendi_counts_equally_likely_orthogonal_modes() {
        let table = vendi_modes(16, &[1, 2, 4, 8, 16]).unwrap();
        let vendi: Vec<f64> = table.frame().column("Vendi score").unwrap().f64().unwrap().into_no_null_iter().collect();
        // The k − m zero eigenvalues are clipped to 1e-12 before the entropy (the
        // reference's floor), each adding 1e-12·ln(1e12) ≈ 2.8e-11 to it.
        for (value, expected) in vendi.iter().zip([1.0, 2.0, 4.0, 8.0, 16.0]) {
            assert!((value - expected).abs() < 1e-8, "{vendi:?}");
        }
        // 13 + 1 + 1 + 1: fewer effective modes than 4, more than 1.
        assert!(vendi[5] > 1.0 && vendi[5] < 2.0, "{vendi:?}");
        // SBERT diversity of m equal orthogonal modes: the share of pairs across modes,
        // 1 − (k/m − 1)/(k − 1).
        let sbert: Vec<f64> =
            table.frame().column("SBERT diversity").unwrap().f64().unwrap().into_no_null_iter().collect();
        assert!((sbert[1] - (1.0 - 7.0 / 15.0)).abs() < 1e-9, "{sbert:?}");
        assert!(vendi_modes(4, &[5]).is_err());
    }

    #[test]
    fn nli_pairs_follow_the_reference_sampler() {
        let set = OutputSet::new("s", &["One. Two.", "Three. Four. Five.", "Six."]);
        let table = nli_pairs(&set);
        // Pairs (0,1): 2 shared positions, (0,2) and (1,2): 1 each.
        assert_eq!(table.height(), 4);
        assert_eq!(table.cell(0, "sentence k of output i").as_deref(), Some("One"));
    }
}
