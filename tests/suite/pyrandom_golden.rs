//! The `random.Random` port reproduces CPython's draws exactly.
//! Fixture: tests/golden/pyrandom/ (regenerate with make_pyrandom.py there).

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
