//! Benchmark: the bootstrap interval of a paired mean difference (the unit of every
//! stage-attribution claim), timed on this machine.
//!
//! Driven by `scripts/bench/bootstrap.py`, which writes the data, runs
//! `scipy.stats.bootstrap` on the same data in the same run, and reports the ratios:
//!
//! ```text
//! cargo bench --bench bootstrap -- --data DATA.json [--resamples 10000] [--repeats 5]
//! ```
//!
//! `DATA.json` is `{"x": [f64; n], "y": [f64; n]}`, one pair per prompt. Prints one JSON
//! object: per interval method (`percentile`, `bca`), the median seconds over the repeats
//! and the interval of mean(x − y). The thread count is rayon's (`RAYON_NUM_THREADS`).

use std::time::Instant;

use diversity_collapse::stats::bootstrap::{Bootstrap, BootstrapConfig, IntervalMethod, mean_at};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(data) = arg(&args, "--data") else {
        eprintln!("usage: cargo bench --bench bootstrap -- --data DATA.json [--resamples 10000] [--repeats 5]");
        return;
    };
    let resamples: usize = arg(&args, "--resamples").map_or(10_000, |r| r.parse().expect("--resamples is a number"));
    let repeats: usize = arg(&args, "--repeats").map_or(5, |r| r.parse().expect("--repeats is a number"));
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&data).expect("readable --data")).expect("JSON");
    let column = |name: &str| -> Vec<f64> {
        data[name].as_array().expect("a list").iter().map(|v| v.as_f64().expect("numbers")).collect()
    };
    let (x, y) = (column("x"), column("y"));
    assert_eq!(x.len(), y.len(), "x and y are paired");
    // The statistic sees each prompt's difference, as the analysis does for a paired claim.
    let difference: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
    let mut report = serde_json::Map::new();
    for method in [IntervalMethod::Percentile, IntervalMethod::Bca] {
        let bootstrap = Bootstrap::new(BootstrapConfig { resamples, confidence: 0.95, seed: 0, method });
        let mut times = Vec::new();
        let mut interval = None;
        for _ in 0..repeats {
            let start = Instant::now();
            interval =
                Some(bootstrap.interval(difference.len(), |indices| mean_at(&difference, indices)).expect("data"));
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let interval = interval.expect("at least one repeat");
        report.insert(
            method.as_str().to_owned(),
            serde_json::json!({"seconds": times[times.len() / 2], "low": interval.low, "high": interval.high}),
        );
    }
    println!("{}", serde_json::Value::Object(report));
}
