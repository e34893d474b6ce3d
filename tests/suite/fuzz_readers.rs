//! Bad input: every reader of user files is fed thousands of mutations of a valid file
//! (bytes flipped, spans cut, duplicated or replaced, random bytes inserted, the file
//! truncated). A reader may accept a mutation or refuse it, but must not panic, and a
//! refusal names the file (or the origin it was given).
//!
//! The mutations are drawn from a fixed seed, so a failure reproduces; it prints the
//! input that caused it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A reader under test: given the file's path and its bytes, accepts or refuses them.
type Reader<'a> = &'a dyn Fn(&Path, &[u8]) -> Result<(), String>;

/// Mutations per reader.
const MUTATIONS: usize = 1500;

/// Fragments that parsers treat specially, spliced in at random places.
const DICTIONARY: [&[u8]; 16] = [
    b"\"",
    b"\\",
    b"\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"null",
    b"NaN",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"\xff\xfe",
    b"\x00",
    b"\xe2\x82",
];

/// One mutation of `input`: up to three random edits.
fn mutate(input: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..rng.random_range(1..=3) {
        let at = |rng: &mut ChaCha8Rng, bytes: &Vec<u8>| rng.random_range(0..=bytes.len());
        match rng.random_range(0..7) {
            0 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let i = at(rng, &bytes);
                bytes.truncate(i);
            }
            2 => {
                let (a, b) = (at(rng, &bytes), at(rng, &bytes));
                bytes.drain(a.min(b)..a.max(b));
            }
            3 => {
                let (a, b) = (at(rng, &bytes), at(rng, &bytes));
                let span = bytes[a.min(b)..a.max(b)].to_vec();
                let i = at(rng, &bytes);
                bytes.splice(i..i, span);
            }
            4 => {
                let i = at(rng, &bytes);
                let fragment = DICTIONARY[rng.random_range(0..DICTIONARY.len())];
                bytes.splice(i..i, fragment.iter().copied());
            }
            5 => {
                let i = at(rng, &bytes);
                let noise: Vec<u8> = (0..rng.random_range(1..8)).map(|_| rng.random()).collect();
                bytes.splice(i..i, noise);
            }
            _ if !bytes.is_empty() => {
                // Replace a digit by another (numbers out of range, shapes that do not fit).
                let digits: Vec<usize> =
                    bytes.iter().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
                if let Some(&i) = digits.get(rng.random_range(0..digits.len().max(1))) {
                    bytes[i] = b'0' + rng.random_range(0..10);
                }
            }
            _ => {}
        }
    }
    bytes
}

/// Feeds `MUTATIONS` mutations of `valid` to `read` (which reads the file at the path it
/// is given, or the bytes). Fails listing every panic and every refusal whose message
/// does not contain `must_name`.
fn fuzz(name: &str, valid: &[u8], file_name: &str, seed: u64, read: Reader<'_>) {
    fuzz_with(name, valid, file_name, seed, true, read);
}

/// [`fuzz`]; `expect_refusals = false` for readers that may accept every mutation (the
/// generation reader skipping bad lines).
fn fuzz_with(name: &str, valid: &[u8], file_name: &str, seed: u64, expect_refusals: bool, read: Reader<'_>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    // The valid input itself is accepted.
    std::fs::write(&path, valid).unwrap();
    if let Err(message) = read(&path, valid) {
        panic!("{name}: the valid input is refused: {message}");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..MUTATIONS {
        let input = mutate(valid, &mut rng);
        std::fs::write(&path, &input).unwrap();
        match catch_unwind(AssertUnwindSafe(|| read(&path, &input))) {
            Ok(Ok(())) => accepted += 1,
            Ok(Err(message)) if message.contains(file_name) => refused += 1,
            Ok(Err(message)) => {
                failures.push(format!("refusal without the file name: {message}\n  input: {}", show(&input)))
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("panic: {what}\n  input: {}", show(&input)));
            }
        }
    }
    println!("{name}: {accepted} mutations accepted, {refused} refused with a located error");
    if expect_refusals {
        assert!(refused > 0, "{name}: no mutation was refused; the fuzzer is not reaching the reader");
    }
    assert!(failures.is_empty(), "{name}: {} failure(s), first:\n{}", failures.len(), failures[0]);
}

fn show(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    let shown: String = text.chars().take(400).collect();
    format!("{shown:?}{}", if text.chars().count() > 400 { " …" } else { "" })
}

fn golden(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(path)).unwrap()
}

#[test]
fn generation_jsonl() {
    use diversity_collapse::data::GenerationSource;
    let valid = concat!(
        "{\"input_id\": \"a1\", \"task\": \"gsm8k\", \"prompt\": \"2+2?\", \"outputs\": [\"4\", \"four\", \"The answer is 4.\"]}\n",
        "{\"doc_id\": 7, \"task_name\": \"ifeval\", \"generations\": [\"Hello.\", \"Hi there! Fine.\"]}\n",
        "{\"id\": \"x\", \"task\": \"xsum\", \"responses\": [\"<think>hm</think>Short.\", \"Long one.\"]}\n",
    );
    for skip in [false, true] {
        fuzz_with("generation JSONL", valid.as_bytes(), "gen.jsonl", 1 + u64::from(skip), !skip, &|path, _| {
            let mut source = GenerationSource::open(path, skip).map_err(|e| e.to_string())?;
            for record in source.by_ref() {
                record.map_err(|e| e.to_string())?;
            }
            Ok(())
        });
    }
}

#[test]
fn lighteval_details_parquet() {
    use diversity_collapse::data::details::read_details;
    let valid = golden("lighteval_details/details_gsm8k_diversity|0_2025-01-01T00-00-00.parquet");
    fuzz("details parquet", &valid, "details_gsm8k_diversity|0_x.parquet", 3, &|path, _| {
        read_details(path).map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn qfd_per_prompt_csv() {
    use diversity_collapse::analysis::per_prompt::PerPromptTable;
    let valid = "model,task,prompt_idx,k_correct,acc1,d_all_sbert,d_correct_sbert,d_correct_vendi\n\
                 Base,gsm8k,0,3,0,0.41,0.22,2.5\n\
                 Base,gsm8k,1,True,1.0,0.38,,nan\n\
                 Think-SFT,gsm8k,0,16,1,0.12,0.12,1.4\n";
    fuzz("qfd_per_prompt.csv", valid.as_bytes(), "qfd_per_prompt.csv", 4, &|path, _| {
        PerPromptTable::from_reference_csv(path).map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn labels_jsonl() {
    use diversity_collapse::data::labels::LabelsFile;
    let valid = "{\"input_id\": \"a1\", \"task\": \"gsm8k\", \"labels\": [true, false, true], \"majority_vote\": true}\n\
                 {\"input_id\": 3, \"task\": \"gsm8k\", \"labels\": [false, false, false], \"majority_vote\": false}\n";
    fuzz("labels JSONL", valid.as_bytes(), "labels.jsonl", 5, &|path, _| {
        LabelsFile::read(path).map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn olmo3_config_json() {
    use diversity_collapse::olmo3::Olmo3Config;
    for (seed, fixture) in [(6, "olmo3/gqa_v5/config.json"), (7, "olmo3/mha_legacy/config.json")] {
        let valid = golden(fixture);
        fuzz("config.json", &valid, "config.json", seed, &|path, bytes| {
            let text = String::from_utf8(bytes.to_vec()).map_err(|e| format!("{}: {e}", path.display()))?;
            Olmo3Config::from_json_str(&text, path).map(|_| ()).map_err(|e| e.to_string())
        });
    }
}

#[test]
fn lineage_toml() {
    use diversity_collapse::analysis::lineage::Lineage;
    let valid = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("analysis/lab_sweep/lineage.toml")).unwrap();
    fuzz("lineage TOML", &valid, "lineage.toml", 8, &|path, _| {
        Lineage::from_file(path).map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn safetensors_header() {
    use diversity_collapse::weights::HostTensors;
    let valid = golden("olmo3/mha_legacy/model.safetensors");
    // Mutations in the header (the first 8 + header-length bytes) are what a reader must
    // survive; the tensor bytes beyond it are data.
    let header_length = u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
    let header = valid[..8 + header_length].to_vec();
    let data = valid[8 + header_length..].to_vec();
    let dir = tempfile::tempdir().unwrap();
    fuzz("safetensors header", &header, "model.safetensors", 9, &|_, bytes| {
        let folder = dir.path();
        let mut file = bytes.to_vec();
        file.extend_from_slice(&data);
        std::fs::write(folder.join("model.safetensors"), file).map_err(|e| e.to_string())?;
        HostTensors::read_folder(folder, |_| false).map(|_| ()).map_err(|e| e.to_string())
    });
}
