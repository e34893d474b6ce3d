//! The `random.Random` port reproduces CPython's draws exactly.
//! Fixture: tests/golden/pyrandom/ (regenerate with make_pyrandom.py there), including
//! `gauss` with its cached second deviate and `choice` as langdetect draws them.

use diversity_collapse::pycompat::PyRandom;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    seed: i64,
    u32: Vec<u64>,
    bits: Vec<(u32, u64)>,
    random: Vec<f64>,
    randbelow: Vec<(u64, u64)>,
    shuffles: Vec<Vec<usize>>,
    samples: Vec<(usize, usize, Vec<usize>)>,
}

#[test]
fn py_random_reproduces_cpython_for_every_call_the_pipeline_uses() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../golden/pyrandom/pyrandom.json")).expect("fixture parses");
    assert!(fixture.cases.len() >= 8);
    for case in fixture.cases {
        let seed = case.seed;
        let mut rng = PyRandom::new(seed);
        let u32s: Vec<u64> = (0..case.u32.len()).map(|_| rng.getrandbits(32)).collect();
        assert_eq!(u32s, case.u32, "getrandbits(32), seed {seed}");
        for (k, expected) in case.bits {
            assert_eq!(rng.getrandbits(k), expected, "getrandbits({k}), seed {seed}");
        }
        for expected in case.random {
            assert_eq!(rng.random().to_bits(), expected.to_bits(), "random(), seed {seed}");
        }
        for (n, expected) in case.randbelow {
            assert_eq!(rng.randbelow(n), expected, "_randbelow({n}), seed {seed}");
        }
        for expected in case.shuffles {
            let mut items: Vec<usize> = (0..expected.len()).collect();
            rng.shuffle(&mut items);
            assert_eq!(items, expected, "shuffle of {} items, seed {seed}", expected.len());
        }
        for (m, k, expected) in case.samples {
            assert_eq!(rng.sample_indices(m, k), Some(expected), "sample(range({m}), {k}), seed {seed}");
        }
    }
}

#[derive(Deserialize)]
struct GaussChoiceFixture {
    gauss_choice: Vec<GaussChoiceCase>,
}

#[derive(Deserialize)]
struct GaussChoiceCase {
    seed: i64,
    /// `["gauss", mu, sigma, value]` or `["choice", n, index]`, in draw order.
    draws: Vec<serde_json::Value>,
}

#[test]
fn gauss_with_its_cached_deviate_and_choice_reproduce_cpython_bit_for_bit() {
    let fixture: GaussChoiceFixture =
        serde_json::from_str(include_str!("../golden/pyrandom/pyrandom.json")).expect("fixture parses");
    assert!(fixture.gauss_choice.len() >= 4);
    for case in fixture.gauss_choice {
        let seed = case.seed;
        let mut rng = PyRandom::new(seed);
        for (position, draw) in case.draws.iter().enumerate() {
            let draw = draw.as_array().expect("a draw is an array");
            match draw[0].as_str() {
                Some("gauss") => {
                    let (mu, sigma) = (draw[1].as_f64().unwrap(), draw[2].as_f64().unwrap());
                    let expected = draw[3].as_f64().unwrap();
                    let got = rng.gauss(mu, sigma);
                    assert_eq!(got.to_bits(), expected.to_bits(), "gauss({mu}, {sigma}) #{position}, seed {seed}");
                }
                Some("choice") => {
                    let n = draw[1].as_u64().unwrap() as usize;
                    let items: Vec<usize> = (0..n).collect();
                    let got = *rng.choice(&items).expect("non-empty");
                    assert_eq!(got as u64, draw[2].as_u64().unwrap(), "choice(range({n})) #{position}, seed {seed}");
                }
                other => panic!("unknown draw kind {other:?}"),
            }
        }
    }
    assert_eq!(PyRandom::new(0).choice::<u8>(&[]), None);
}
