//! Quality and diversity of a random subset of k of a prompt's K outputs, for k = 1..K:
//! the expectation over all `C(K, k)` subsets, so a curve shows where a checkpoint trades
//! coverage (pass@k at large k) for accuracy (pass@1).
//!
//! ```text
//! pass@k     = 1 − C(K − c, k) / C(K, k)                 (Chen et al.; c correct outputs)
//! maj@k      = mean over subsets S, |S| = k, of [the majority answer of S is correct]
//! classes@k  = Σ_classes (1 − C(K − |class|, k) / C(K, k))   (expected distinct classes)
//! sbert@k    = D_SBERT of all K outputs, for every k ≥ 2
//! ```
//!
//! The majority vote is the study's (`Counter.most_common` over extracted answers): the
//! most frequent answer wins, a tie for the most frequent votes wrong, an output without an
//! extracted answer votes "unparseable", which is never correct; the winning answer is
//! correct when its outputs are labelled correct. At k = K it is the labels file's
//! `majority_vote`. SBERT diversity needs no curve: a random pair of a random subset is a
//! random pair of the whole set, so its expectation is the same at every k ≥ 2.

use crate::tasks::quality::pass_at_k;

/// Subsets enumerated for maj@k at most (`C(K, k)`): up to K = 20 every k is exact.
pub const MAJORITY_SUBSETS_LIMIT: u64 = 1 << 20;

/// `C(n, k)` as f64 (exact below 2^53).
fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k.min(n - k)).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// pass@k for k = 1..=K.
pub fn pass_curve(labels: &[bool]) -> Vec<f64> {
    let (n, c) = (labels.len(), labels.iter().filter(|&&l| l).count());
    (1..=n).map(|k| pass_at_k(n, c, k)).collect()
}

/// Expected number of distinct classes in a random k-subset, k = 1..=K, from the class
/// of each output.
pub fn classes_curve(class_of: &[usize]) -> Vec<f64> {
    let n = class_of.len();
    let classes = class_of.iter().max().map_or(0, |&c| c + 1);
    let mut sizes = vec![0usize; classes];
    for &c in class_of {
        sizes[c] += 1;
    }
    (1..=n)
        .map(|k| {
            let all = binomial(n, k);
            sizes.iter().map(|&size| 1.0 - binomial(n - size, k) / all).sum()
        })
        .collect()
}

/// The study's majority vote over the outputs in `subset` (indices): whether the winning
/// answer is correct.
fn majority_correct(answers: &[Option<&str>], labels: &[bool], subset: &[usize]) -> bool {
    // (answer, count, first output with it), in order of first occurrence.
    let mut counts: Vec<(Option<&str>, usize, usize)> = Vec::new();
    for &i in subset {
        match counts.iter_mut().find(|(a, _, _)| *a == answers[i]) {
            Some((_, count, _)) => *count += 1,
            None => counts.push((answers[i], 1, i)),
        }
    }
    let best = counts.iter().map(|(_, count, _)| *count).max().unwrap_or(0);
    let mut winners = counts.iter().filter(|(_, count, _)| *count == best);
    match (winners.next(), winners.next()) {
        (Some((Some(_), _, first)), None) => labels[*first],
        _ => false,
    }
}

/// Calls `visit` with every k-subset of `0..n` in lexicographic order.
fn for_each_subset(n: usize, k: usize, mut visit: impl FnMut(&[usize])) {
    let mut subset: Vec<usize> = (0..k).collect();
    loop {
        visit(&subset);
        let Some(i) = (0..k).rev().find(|&i| subset[i] < n - k + i) else { return };
        subset[i] += 1;
        for j in i + 1..k {
            subset[j] = subset[j - 1] + 1;
        }
    }
}

/// maj@k for k = 1..=K from each output's extracted answer and label; `None` when some k
/// has more than [`MAJORITY_SUBSETS_LIMIT`] subsets or the lengths differ.
pub fn majority_curve(answers: &[Option<&str>], labels: &[bool]) -> Option<Vec<f64>> {
    let n = answers.len();
    if labels.len() != n {
        return None;
    }
    (1..=n)
        .map(|k| {
            let subsets = binomial(n, k);
            if subsets > MAJORITY_SUBSETS_LIMIT as f64 {
                return None;
            }
            let mut correct = 0u64;
            for_each_subset(n, k, |subset| correct += u64::from(majority_correct(answers, labels, subset)));
            Some(correct as f64 / subsets)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_end_at_the_full_set_values_and_start_at_the_single_output_ones() {
        let labels = [true, false, false, true];
        let pass = pass_curve(&labels);
        assert_eq!(pass.len(), 4);
        assert!((pass[0] - 0.5).abs() < 1e-15 && pass[3] == 1.0);
        // Classes {0, 0, 1, 2}: one output's class count is 1; all four have 3.
        let classes = classes_curve(&[0, 0, 1, 2]);
        assert!((classes[0] - 1.0).abs() < 1e-12 && (classes[3] - 3.0).abs() < 1e-12);
        // k = 2: 1 − C(2,2)/C(4,2) + 2 (1 − C(3,2)/C(4,2)) = 5/6 + 2 · 1/2.
        assert!((classes[1] - (5.0 / 6.0 + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn majority_votes_ties_and_unparseable_answers_wrong() {
        let answers = [Some("9"), Some("8"), Some("9"), None];
        let labels = [true, false, true, false];
        let curve = majority_curve(&answers, &labels).unwrap();
        // k = 1: a single output is its own majority: 2 of 4 correct.
        assert!((curve[0] - 0.5).abs() < 1e-15);
        // k = 2: of the 6 pairs only {0, 2} (9, 9) wins correctly; the rest tie.
        assert!((curve[1] - 1.0 / 6.0).abs() < 1e-15);
        // k = 4: 9 twice beats 8 and unparseable once each.
        assert_eq!(curve[3], 1.0);
        let unparseable = majority_curve(&[None, None, Some("9")], &[false, false, true]).unwrap();
        assert_eq!(unparseable[2], 0.0);
    }

    #[test]
    fn subsets_are_enumerated_once_each() {
        let mut count = 0;
        for_each_subset(16, 8, |s| {
            assert!(s.windows(2).all(|w| w[0] < w[1]));
            count += 1;
        });
        assert_eq!(count, 12_870);
    }
}
