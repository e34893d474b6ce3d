//! A port of the Python language identifier **langdetect 1.0.9** (PyPI `langdetect`, itself
//! a port of Nakatani Shuyo's Java language-detection; Apache-2.0), the identifier behind
//! Google's official IFEval check `language:response_language`
//! (`langdetect.detect(response) == language`).
//!
//! [`LanguageDetector::detect`] gives the same language code as Python's
//! `langdetect.detect(text)` with `DetectorFactory.seed = 0`, and
//! [`LanguageDetector::detect_langs`] the same probabilities, operation for operation in
//! f64 (golden test: `tests/suite/langdetect_golden.rs`, fixture `tests/golden/langdetect/`).
//!
//! # Data
//! The 55 language profiles and the normalisation tables are not code: `scripts/setup`
//! unpacks them from langdetect's source archive into the asset folder
//! (`langdetect/profiles/<lang>`, `langdetect/messages.properties`; see
//! [`crate::assets::Assets::langdetect`]).
//!
//! # The algorithm, as langdetect runs it
//! 1. **Append.** URLs (`https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}`) and e-mail addresses are
//!    replaced by a space; a Latin vowel followed by a combining Vietnamese tone mark
//!    (U+0300, U+0301, U+0303, U+0309, U+0323) becomes the precomposed letter; the first
//!    10,000 characters are kept, with runs of ASCII spaces collapsed to one.
//! 2. **Cleaning.** When fewer than half as many characters lie in `'A'..='z'` as at or
//!    above U+0300, the `'A'..='z'` characters are dropped. (langdetect also means to exempt
//!    Latin Extended Additional here, but it compares a block number with a block name, so
//!    the exemption never applies; the port keeps that behaviour.)
//! 3. **N-grams.** Each character is normalised (ASCII non-letters, General Punctuation and
//!    `\u{a0}«°»` become a space; Romanian comma-below letters become cedilla letters; Farsi
//!    yeh becomes Arabic yeh; Vietnamese letters from U+1EA0 become U+1EC3; every Hiragana,
//!    Katakana, Bopomofo and Hangul syllable becomes one representative; CJK ideographs map
//!    to their class representative) and pushed into a 3-character window that restarts
//!    after a space; the 1-, 2- and 3-grams at the window's end that have a profile entry
//!    are collected, except inside all-capital words.
//! 4. **Detection.** The generator is seeded with 0 (`random.seed(0)`); 7 trials each start
//!    from the uniform distribution over the 55 languages, draw
//!    `alpha = 0.5 + gauss(0, 1) * 0.05`, and multiply the probabilities by
//!    `alpha / 10000 + P(ngram | language)` for randomly chosen n-grams (`choice`),
//!    normalising every fifth step until the largest probability exceeds 0.99999 or 1000
//!    steps are done. The trials' averages above 0.1, sorted by decreasing probability
//!    (stable), are the result; `detect` returns the first or `"unknown"`.
//!
//! # Exactness
//! * Languages are indexed in file-name order ([`LANGUAGES`]). Python lists the profile
//!   folder with `os.listdir`, whose order depends on the file system, so the reference
//!   order is not defined; the order only changes the rounding of sums and the order of
//!   exact ties. [`LanguageDetector::from_dir_in_order`] reproduces any other order.
//! * Sums are plain left-to-right additions, as Python ≤ 3.11's `sum()` does; Python 3.12
//!   switched `sum()` of floats to compensated summation, which can change the last bits
//!   of the probabilities (and, at exact near-ties, the answer).
//! * `str.isupper` on one character is [`char::is_uppercase`] (the Unicode `Uppercase`
//!   property in both; Python 3.11 has Unicode 14, Rust a newer version, which matters
//!   only for characters assigned since); `gauss` uses the platform's `cos`, `sin` and `log`, as CPython does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use crate::assets::{Assets, MissingAsset};
use crate::pycompat::PyRandom;

/// The 55 languages of langdetect 1.0.9's profiles, in file-name order (the port's index order).
pub const LANGUAGES: [&str; 55] = [
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "gu", "he", "hi",
    "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ne", "nl", "no", "pa", "pl", "pt", "ro",
    "ru", "sk", "sl", "so", "sq", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh-cn", "zh-tw",
];

/// `Detector.ALPHA_DEFAULT`: the smoothing parameter's mean.
pub const ALPHA_DEFAULT: f64 = 0.5;
/// `Detector.ALPHA_WIDTH`: the standard deviation of the smoothing parameter's jitter.
pub const ALPHA_WIDTH: f64 = 0.05;
/// `Detector.ITERATION_LIMIT`: the most update steps of one trial.
pub const ITERATION_LIMIT: usize = 1000;
/// `Detector.PROB_THRESHOLD`: languages at or below this probability are not reported.
pub const PROB_THRESHOLD: f64 = 0.1;
/// `Detector.CONV_THRESHOLD`: a trial stops once one language is this probable.
pub const CONV_THRESHOLD: f64 = 0.99999;
/// `Detector.BASE_FREQ`: the smoothing term is `alpha / BASE_FREQ`.
pub const BASE_FREQ: f64 = 10_000.0;
/// `Detector.n_trial`: independent trials averaged per detection.
pub const N_TRIAL: usize = 7;
/// `Detector.max_text_length`: characters kept from the (cleaned) input.
pub const MAX_TEXT_LENGTH: usize = 10_000;
/// `NGram.N_GRAM`: the longest n-gram.
pub const N_GRAM: usize = 3;
/// The seed the IFEval setting uses (`DetectorFactory.seed = 0`).
pub const DEFAULT_SEED: i64 = 0;
/// What `Detector.detect` returns when no language is above [`PROB_THRESHOLD`].
pub const UNKNOWN_LANG: &str = "unknown";

const URL_PATTERN: &str = r"https?://[\-_.?\&\~;+=/\#0-9A-Za-z]{1,2076}";
const MAIL_PATTERN: &str = r"[\-_.0-9A-Za-z]{1,64}@[\-_0-9A-Za-z]{1,255}[\-_.0-9A-Za-z]{1,255}";

/// Why a text has no language (langdetect raises `LangDetectException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LangDetectError {
    /// `ErrorCode.CantDetectError`: no n-gram of the text is in any profile (empty text,
    /// digits and punctuation only, a URL only, ...). The message is langdetect's.
    #[error("No features in text.")]
    NoFeatures,
}

/// Why the profiles or tables could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LangDetectLoadError {
    /// A file of the asset is absent.
    #[error(transparent)]
    Missing(#[from] MissingAsset),
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A profile is not langdetect's JSON (`{"name", "freq", "n_words"}`).
    #[error("langdetect profile {path}: {message}")]
    Profile {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// Two profiles name the same language (`DuplicateLangError`).
    #[error("langdetect profile {path}: language {name:?} was already loaded from another profile")]
    Duplicate {
        /// The second file.
        path: PathBuf,
        /// The language.
        name: String,
    },
    /// `messages.properties` lacks a table or holds an escape the port does not read.
    #[error("langdetect tables {path}:{line}: {message}")]
    Tables {
        /// The file.
        path: PathBuf,
        /// The 1-based line (0 when the whole file is concerned).
        line: usize,
        /// What was wrong.
        message: String,
    },
}

/// One reported language and its probability (`langdetect.language.Language`).
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageProbability {
    /// The language code, e.g. `en`, `zh-cn`.
    pub lang: String,
    /// The average probability over the trials.
    pub prob: f64,
}

/// The character tables of `messages.properties` that `NGram` uses.
#[derive(Debug, Clone)]
struct Tables {
    /// `NGram.LATIN1_EXCLUDE`: Latin-1 characters treated as spaces.
    latin1_excluded: Vec<char>,
    /// `NGram.CJK_MAP`: each ideograph of a `NGram.KANJI_*` class to the class's first one.
    cjk_map: HashMap<char, char>,
    /// `TO_NORMALIZE_VI_CHARS`: the base letters of Vietnamese normalisation.
    vi_letters: Vec<char>,
    /// `DMARK_CLASS`: the combining tone marks.
    vi_marks: Vec<char>,
    /// `NORMALIZED_VI_CHARS_*`: one row per tone mark, one column per base letter.
    vi_composed: Vec<Vec<char>>,
}

#[derive(Deserialize)]
struct ProfileJson {
    name: String,
    freq: HashMap<String, f64>,
    n_words: Vec<f64>,
}

/// langdetect's detector with its 55 profiles loaded (`DetectorFactory` + `Detector`).
///
/// Load it once; [`detect`](Self::detect) takes `&self` and re-seeds per call, as
/// `langdetect.detect` does, so results never depend on earlier calls.
#[derive(Debug, Clone)]
pub struct LanguageDetector {
    languages: Vec<String>,
    /// `word_lang_prob_map`'s keys: n-gram → row in `probabilities`.
    rows: HashMap<String, usize>,
    /// `word_lang_prob_map`'s values, row-major: `probabilities[row * languages.len() + lang]`.
    probabilities: Vec<f64>,
    tables: Tables,
    url: Regex,
    mail: Regex,
    seed: i64,
}

impl LanguageDetector {
    /// Loads the profiles and tables from the asset folder (`scripts/setup` fetches them).
    pub fn load(assets: &Assets) -> Result<Self, LangDetectLoadError> {
        Self::from_dir(assets.langdetect()?)
    }

    /// Loads `<dir>/profiles/<lang>` for every language of [`LANGUAGES`] (in that order)
    /// and `<dir>/messages.properties`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, LangDetectLoadError> {
        Self::from_dir_in_order(dir, &LANGUAGES)
    }

    /// As [`from_dir`](Self::from_dir) with the profiles indexed in the order given, e.g.
    /// the `os.listdir` order of a Python installation (`DetectorFactory.langlist`).
    pub fn from_dir_in_order(dir: impl AsRef<Path>, order: &[&str]) -> Result<Self, LangDetectLoadError> {
        let dir = dir.as_ref();
        if order.len() < 2 {
            let message = format!("{} profiles requested, langdetect needs at least 2", order.len());
            return Err(LangDetectLoadError::Profile { path: dir.join("profiles"), message });
        }
        let tables = Tables::load(&dir.join("messages.properties"))?;
        let mut languages: Vec<String> = Vec::with_capacity(order.len());
        let mut profiles = Vec::with_capacity(order.len());
        for file in order {
            let path = dir.join("profiles").join(file);
            if !path.is_file() {
                return Err(MissingAsset { path }.into());
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|source| LangDetectLoadError::Io { path: path.clone(), source })?;
            let profile: ProfileJson = serde_json::from_str(&text)
                .map_err(|error| LangDetectLoadError::Profile { path: path.clone(), message: error.to_string() })?;
            if profile.n_words.len() < N_GRAM {
                let message = format!("n_words has {} entries, expected {N_GRAM}", profile.n_words.len());
                return Err(LangDetectLoadError::Profile { path, message });
            }
            if languages.contains(&profile.name) {
                return Err(LangDetectLoadError::Duplicate { path, name: profile.name });
            }
            languages.push(profile.name.clone());
            profiles.push(profile);
        }
        // `DetectorFactory.add_profile`: P(word | language) = freq / n_words[len - 1] for
        // words of 1 to 3 characters, 0 where the language lacks the word. (Longer words get
        // a row of zeros in Python; detection never looks them up, so they are left out.)
        let count = languages.len();
        let mut rows: HashMap<String, usize> = HashMap::new();
        let mut probabilities: Vec<f64> = Vec::new();
        for (index, profile) in profiles.iter().enumerate() {
            for (word, &freq) in &profile.freq {
                let length = word.chars().count();
                if !(1..=N_GRAM).contains(&length) {
                    continue;
                }
                let row = *rows.entry(word.clone()).or_insert_with(|| {
                    probabilities.resize(probabilities.len() + count, 0.0);
                    probabilities.len() / count - 1
                });
                probabilities[row * count + index] = freq / profile.n_words[length - 1];
            }
        }
        Ok(Self {
            languages,
            rows,
            probabilities,
            tables,
            url: Regex::new(URL_PATTERN).expect("the URL pattern compiles"),
            mail: Regex::new(MAIL_PATTERN).expect("the e-mail pattern compiles"),
            seed: DEFAULT_SEED,
        })
    }

    /// The same detector with another seed (`DetectorFactory.seed`).
    pub fn with_seed(mut self, seed: i64) -> Self {
        self.seed = seed;
        self
    }

    /// The languages in index order (`DetectorFactory.get_lang_list()`).
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// `langdetect.detect(text)`: the most probable language, or `"unknown"` when none is
    /// above 0.1.
    pub fn detect(&self, text: &str) -> Result<String, LangDetectError> {
        Ok(self.detect_langs(text)?.into_iter().next().map_or_else(|| UNKNOWN_LANG.to_owned(), |best| best.lang))
    }

    /// `langdetect.detect_langs(text)`: the languages above 0.1, most probable first (ties
    /// in index order).
    pub fn detect_langs(&self, text: &str) -> Result<Vec<LanguageProbability>, LangDetectError> {
        let probabilities = self.probabilities(text)?;
        let mut result: Vec<LanguageProbability> = self
            .languages
            .iter()
            .zip(&probabilities)
            .filter(|(_, prob)| **prob > PROB_THRESHOLD)
            .map(|(lang, &prob)| LanguageProbability { lang: lang.clone(), prob })
            .collect();
        // `list.sort(reverse=True)` with `Language.__lt__`: stable, so equal probabilities
        // keep their index order.
        result.sort_by(|a, b| b.prob.partial_cmp(&a.prob).unwrap_or(std::cmp::Ordering::Equal));
        Ok(result)
    }

    /// The averaged probability of every language, in [`languages`](Self::languages)
    /// order (`Detector.langprob` after `_detect_block`).
    pub fn probabilities(&self, text: &str) -> Result<Vec<f64>, LangDetectError> {
        let text = self.clean(&self.append(text));
        let ngrams = self.extract_ngrams(&text);
        if ngrams.is_empty() {
            return Err(LangDetectError::NoFeatures);
        }
        let count = self.languages.len();
        let mut langprob = vec![0.0f64; count];
        let mut random = PyRandom::new(self.seed);
        for _ in 0..N_TRIAL {
            let mut prob = vec![1.0 / count as f64; count];
            let alpha = ALPHA_DEFAULT + random.gauss(0.0, 1.0) * ALPHA_WIDTH;
            let mut i = 0usize;
            loop {
                let row = *random.choice(&ngrams).expect("n-grams are not empty");
                self.update_lang_prob(&mut prob, row, alpha);
                if i.is_multiple_of(5) && (normalize_prob(&mut prob) > CONV_THRESHOLD || i >= ITERATION_LIMIT) {
                    break;
                }
                i += 1;
            }
            for (total, p) in langprob.iter_mut().zip(&prob) {
                *total += p / N_TRIAL as f64;
            }
        }
        Ok(langprob)
    }

    /// `Detector.append`: URL and e-mail removal, Vietnamese normalisation, the length cut
    /// and the collapse of repeated spaces.
    fn append(&self, text: &str) -> Vec<char> {
        let text = self.url.replace_all(text, " ");
        let text = self.mail.replace_all(&text, " ");
        let text = self.tables.normalize_vi(&text);
        let mut kept = Vec::with_capacity(text.len().min(MAX_TEXT_LENGTH));
        let mut previous = None;
        for &ch in text.iter().take(MAX_TEXT_LENGTH) {
            if ch != ' ' || previous != Some(' ') {
                kept.push(ch);
            }
            previous = Some(ch);
        }
        kept
    }

    /// `Detector.cleaning_text`: drops `'A'..='z'` from texts that are mostly non-Latin.
    fn clean(&self, text: &[char]) -> Vec<char> {
        let latin = text.iter().filter(|&&ch| ('A'..='z').contains(&ch)).count();
        // langdetect's Latin Extended Additional exemption never applies (see the module doc).
        let non_latin = text.iter().filter(|&&ch| !('A'..='z').contains(&ch) && ch >= '\u{300}').count();
        if latin * 2 < non_latin {
            text.iter().copied().filter(|ch| !('A'..='z').contains(ch)).collect()
        } else {
            text.to_vec()
        }
    }

    /// `Detector._extract_ngrams`: the rows of every profiled n-gram, in text order.
    fn extract_ngrams(&self, text: &[char]) -> Vec<usize> {
        let mut result = Vec::new();
        let mut grams: Vec<char> = vec![' '];
        let mut capital_word = false;
        let mut word = String::with_capacity(4 * N_GRAM);
        for &raw in text {
            // `NGram.add_char`.
            let ch = self.tables.normalize(raw);
            let last = *grams.last().expect("the window is never empty");
            if last == ' ' {
                grams.clear();
                grams.push(' ');
                capital_word = false;
                if ch == ' ' {
                    continue;
                }
            } else if grams.len() >= N_GRAM {
                grams.remove(0);
            }
            grams.push(ch);
            if ch.is_uppercase() {
                if last.is_uppercase() {
                    capital_word = true;
                }
            } else {
                capital_word = false;
            }
            if capital_word {
                continue;
            }
            for n in 1..=N_GRAM {
                if grams.len() < n {
                    break;
                }
                word.clear();
                word.extend(&grams[grams.len() - n..]);
                if word != " "
                    && let Some(&row) = self.rows.get(word.as_str())
                {
                    result.push(row);
                }
            }
        }
        result
    }

    /// `Detector._update_lang_prob`.
    fn update_lang_prob(&self, prob: &mut [f64], row: usize, alpha: f64) {
        let count = prob.len();
        let word_prob = &self.probabilities[row * count..(row + 1) * count];
        let weight = alpha / BASE_FREQ;
        for (p, w) in prob.iter_mut().zip(word_prob) {
            *p *= weight + w;
        }
    }
}

/// `Detector._normalize_prob`: divides by the sum (Python ≤ 3.11's left-to-right `sum()`)
/// and returns the largest probability.
fn normalize_prob(prob: &mut [f64]) -> f64 {
    let sum = prob.iter().fold(0.0f64, |total, &p| total + p);
    let mut max = 0.0f64;
    for p in prob.iter_mut() {
        let q = *p / sum;
        if max < q {
            max = q;
        }
        *p = q;
    }
    max
}

impl Tables {
    fn load(path: &Path) -> Result<Self, LangDetectLoadError> {
        if !path.is_file() {
            return Err(MissingAsset { path: path.to_path_buf() }.into());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|source| LangDetectLoadError::Io { path: path.to_path_buf(), source })?;
        let error =
            |line: usize, message: String| LangDetectLoadError::Tables { path: path.to_path_buf(), line, message };
        // `Messages`: `key=value` per line, the value `unicode_escape`-decoded (only `\uXXXX`
        // escapes and ASCII occur). Keys in file order; a repeated key keeps its last value.
        let mut entries: Vec<(String, Vec<char>)> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            let value = decode_unicode_escapes(value).map_err(|message| error(number + 1, message))?;
            match entries.iter_mut().find(|(existing, _)| existing == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
        let get = |key: &str| -> Result<Vec<char>, LangDetectLoadError> {
            entries
                .iter()
                .find(|(existing, _)| existing == key)
                .map(|(_, value)| value.clone())
                .ok_or_else(|| error(0, format!("no {key} entry")))
        };
        // `NGram.CJK_CLASS` lists the `NGram.KANJI_*` keys in the file's order; each class
        // maps to its first character (a later class wins for a character in two classes).
        let mut cjk_map = HashMap::new();
        for (_, class) in entries.iter().filter(|(key, _)| key.starts_with("NGram.KANJI_")) {
            if let Some(&representative) = class.first() {
                for &ch in class {
                    cjk_map.insert(ch, representative);
                }
            }
        }
        if cjk_map.is_empty() {
            return Err(error(0, "no NGram.KANJI_* classes".into()));
        }
        let vi_letters = get("TO_NORMALIZE_VI_CHARS")?;
        let vi_marks = get("DMARK_CLASS")?;
        let mut vi_composed = Vec::new();
        for mark in ["0300", "0301", "0303", "0309", "0323"] {
            let row = get(&format!("NORMALIZED_VI_CHARS_{mark}"))?;
            if row.len() != vi_letters.len() {
                let message = format!(
                    "NORMALIZED_VI_CHARS_{mark} has {} characters, TO_NORMALIZE_VI_CHARS {}",
                    row.len(),
                    vi_letters.len()
                );
                return Err(error(0, message));
            }
            vi_composed.push(row);
        }
        if vi_marks.len() != vi_composed.len() {
            return Err(error(0, format!("DMARK_CLASS has {} marks, expected 5", vi_marks.len())));
        }
        Ok(Self { latin1_excluded: get("NGram.LATIN1_EXCLUDE")?, cjk_map, vi_letters, vi_marks, vi_composed })
    }

    /// `NGram.normalize_vi`: a base letter followed by a tone mark becomes the composed
    /// letter (`re.sub` of `([letters])([marks])`, left to right, without overlaps).
    fn normalize_vi(&self, text: &str) -> Vec<char> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            if i + 1 < chars.len() {
                let letter = self.vi_letters.iter().position(|&c| c == chars[i]);
                let mark = self.vi_marks.iter().position(|&c| c == chars[i + 1]);
                if let (Some(letter), Some(mark)) = (letter, mark) {
                    out.push(self.vi_composed[mark][letter]);
                    i += 2;
                    continue;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }

    /// `NGram.normalize`: the per-block rules (blocks as in langdetect's `unicode_block`).
    fn normalize(&self, ch: char) -> char {
        match u32::from(ch) {
            // Basic Latin: only letters survive.
            0x0000..=0x007F => {
                if ch.is_ascii_alphabetic() {
                    ch
                } else {
                    ' '
                }
            }
            // Latin-1 Supplement.
            0x0080..=0x00FF => {
                if self.latin1_excluded.contains(&ch) {
                    ' '
                } else {
                    ch
                }
            }
            // Latin Extended-B: Romanian comma below to cedilla.
            0x0180..=0x024F => match ch {
                '\u{219}' => '\u{15f}',
                '\u{21b}' => '\u{163}',
                _ => ch,
            },
            // General Punctuation.
            0x2000..=0x206F => ' ',
            // Arabic: Farsi yeh to Arabic yeh.
            0x0600..=0x06FF => {
                if ch == '\u{6cc}' {
                    '\u{64a}'
                } else {
                    ch
                }
            }
            // Latin Extended Additional.
            0x1E00..=0x1EFF => {
                if ch >= '\u{1ea0}' {
                    '\u{1ec3}'
                } else {
                    ch
                }
            }
            0x3040..=0x309F => '\u{3042}',                                   // Hiragana
            0x30A0..=0x30FF => '\u{30a2}',                                   // Katakana
            0x3100..=0x312F | 0x31A0..=0x31BF => '\u{3105}',                 // Bopomofo (+ Extended)
            0x4E00..=0x9FFF => self.cjk_map.get(&ch).copied().unwrap_or(ch), // CJK Unified Ideographs
            0xAC00..=0xD7AF => '\u{ac00}',                                   // Hangul Syllables
            _ => ch,
        }
    }
}

/// Python's `value.encode().decode('unicode_escape')` for the `\uXXXX` escapes and plain
/// ASCII that `messages.properties` holds.
fn decode_unicode_escapes(value: &str) -> Result<Vec<char>, String> {
    let mut out = Vec::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            if !ch.is_ascii() {
                return Err(format!("non-ASCII character {ch:?} (the port reads ASCII with \\uXXXX escapes)"));
            }
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .ok_or_else(|| format!("bad escape \\u{hex}"))?;
                out.push(char::from_u32(code).ok_or_else(|| format!("escape \\u{hex} is not a character"))?);
            }
            Some('\\') => out.push('\\'),
            other => return Err(format!("unsupported escape \\{}", other.map(String::from).unwrap_or_default())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> Option<LanguageDetector> {
        match LanguageDetector::load(&Assets::locate()) {
            Ok(detector) => Some(detector),
            Err(LangDetectLoadError::Missing(missing)) => {
                eprintln!("skipping: {missing}");
                None
            }
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn a_missing_asset_names_the_file_and_the_fix() {
        let error = LanguageDetector::load(&Assets::at("/nonexistent/assets")).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/assets/langdetect/messages.properties"), "{error}");
        assert!(error.contains("scripts/setup"), "{error}");
    }

    #[test]
    fn the_patterns_compile_and_remove_urls_and_mail_addresses() {
        let url = Regex::new(URL_PATTERN).unwrap();
        let mail = Regex::new(MAIL_PATTERN).unwrap();
        assert_eq!(url.replace_all("see https://example.com/a?b=1#c now", " "), "see   now");
        assert_eq!(mail.replace_all("write to jane.doe@example.org today", " "), "write to   today");
    }

    #[test]
    fn unicode_escapes_decode_as_python_does() {
        assert_eq!(decode_unicode_escapes(r"ab\u00A0\u4F7C").unwrap(), vec!['a', 'b', '\u{a0}', '\u{4f7c}']);
        assert!(decode_unicode_escapes(r"\x41").is_err());
    }

    #[test]
    fn empty_and_featureless_texts_have_no_language() {
        let Some(detector) = detector() else { return };
        assert_eq!(detector.detect(""), Err(LangDetectError::NoFeatures));
        assert_eq!(detector.detect("12345 !!! 67.89"), Err(LangDetectError::NoFeatures));
        assert_eq!(detector.detect("https://example.com/path"), Err(LangDetectError::NoFeatures));
        assert_eq!(LangDetectError::NoFeatures.to_string(), "No features in text.");
    }

    #[test]
    fn plain_texts_are_detected_and_results_do_not_depend_on_earlier_calls() {
        let Some(detector) = detector() else { return };
        assert_eq!(detector.languages().len(), 55);
        let english = "The quick brown fox jumps over the lazy dog while the farmer watches.";
        let first = detector.detect_langs(english).unwrap();
        assert_eq!(first[0].lang, "en");
        assert_eq!(detector.detect("Der schnelle braune Fuchs springt über den faulen Hund.").unwrap(), "de");
        assert_eq!(detector.detect_langs(english).unwrap(), first);
    }
}
