#!/usr/bin/env python3
"""Generate the quality-filtered-diversity (QFD) golden fixture.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/qfd/generate.py

Writes, next to this script:
  qfd_per_prompt.csv  synthetic per-prompt table in the reference pipeline's
                      format (pandas to_csv(index=False); NaN -> empty field)
  expected.json       model-level summary, matched-prompt decomposition and
                      the unmatched ("paper") share, computed from the CSV as
                      read back by pandas.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

HERE = Path(__file__).resolve().parent
CSV = HERE / "qfd_per_prompt.csv"
OUT = HERE / "expected.json"

SEED = 20250612
K = 16
N_PROMPTS = 80
N_NAN_D_ALL = 3
BASE = "Base"
MODELS = ["Base", "SFT", "RL"]
TASKS = ["gsm8k", "humaneval"]
COLUMNS = ["model", "task", "prompt_idx", "k_correct", "acc1",
           "d_all_sbert", "d_correct_sbert", "d_correct_vendi"]

# target accuracy per model, shifted per task
ACC = {"Base": 0.35, "SFT": 0.60, "RL": 0.80}
ACC_TASK_SHIFT = {"gsm8k": 0.0, "humaneval": -0.05}
# mean SBERT diversity over all K outputs
D_ALL = {"Base": 0.42, "SFT": 0.30, "RL": 0.19}
D_ALL_TASK_SHIFT = {"gsm8k": 0.0, "humaneval": -0.04}


def logit(p):
    return math.log(p / (1 - p))


def build_table(rng: np.random.Generator) -> pd.DataFrame:
    frames = []
    for task in TASKS:
        # per-prompt difficulty and diversity effects shared by all models
        difficulty = rng.normal(0.0, 1.0, N_PROMPTS)
        div_effect = rng.normal(0.0, 0.05, N_PROMPTS)
        for model in MODELS:
            p = 1.0 / (1.0 + np.exp(-(logit(ACC[model] + ACC_TASK_SHIFT[task])
                                      - 0.8 * difficulty)))
            k_correct = rng.binomial(K, p)
            acc1 = (rng.random(N_PROMPTS) < k_correct / K).astype(np.float64)

            d_all = (D_ALL[model] + D_ALL_TASK_SHIFT[task] + div_effect
                     + rng.normal(0.0, 0.04, N_PROMPTS))
            d_all = np.clip(d_all, 0.01, 0.99)
            # diversity among correct outputs: somewhat below d_all
            d_corr = d_all * rng.uniform(0.70, 0.97, N_PROMPTS)
            d_corr = np.clip(d_corr, 0.005, 0.99)
            # Vendi among the k correct outputs: in [1, k]
            frac = np.clip(1.6 * d_corr + rng.normal(0.0, 0.08, N_PROMPTS),
                           0.0, 1.0)
            vendi = 1.0 + (k_correct - 1) * frac

            computable = k_correct >= 2
            d_corr = np.where(computable, d_corr, np.nan)
            vendi = np.where(computable, vendi, np.nan)
            nan_idx = rng.choice(N_PROMPTS, size=N_NAN_D_ALL, replace=False)
            d_all = d_all.copy()
            d_all[nan_idx] = np.nan

            frames.append(pd.DataFrame({
                "model": model, "task": task,
                "prompt_idx": np.arange(N_PROMPTS),
                "k_correct": k_correct.astype(np.int64), "acc1": acc1,
                "d_all_sbert": d_all, "d_correct_sbert": d_corr,
                "d_correct_vendi": vendi,
            }))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def summarize(g: pd.DataFrame) -> dict:
    """Model-level summary for one (model, task) group.

    Re-implementation of the summary block of `process_single` in the
    reference scripts/quality_filtered_diversity.py, fed from the per-prompt
    table instead of in-memory lists: values are taken in prompt order, d_all
    uses np.nanmean over all prompts, d_correct_* use np.mean over the prompts
    with k_correct >= 2 only.
    """
    g = g.sort_values("prompt_idx")
    acc1 = g["acc1"].to_numpy(dtype=np.float64)
    k = g["k_correct"].to_numpy()
    d_all_vals = g["d_all_sbert"].to_numpy(dtype=np.float64)
    comp = k >= 2
    d_corr_vals = g["d_correct_sbert"].to_numpy(dtype=np.float64)[comp]
    v_corr_vals = g["d_correct_vendi"].to_numpy(dtype=np.float64)[comp]
    n_comp = int(len(d_corr_vals))
    n_total = int(len(g))
    return {
        "model": str(g["model"].iloc[0]), "task": str(g["task"].iloc[0]),
        "accuracy_at_1": float(np.mean(acc1)),
        "mean_k_correct": float(np.mean(k)),
        "d_all_sbert": float(np.nanmean(d_all_vals)),
        "d_correct_sbert": (float(np.mean(d_corr_vals)) if n_comp
                            else float("nan")),
        "d_correct_vendi": (float(np.mean(v_corr_vals)) if n_comp
                            else float("nan")),
        "n_computable": n_comp, "n_total": n_total,
        "frac_computable": n_comp / n_total if n_total else 0.0,
    }


def matched(df: pd.DataFrame, model: str, task: str) -> dict:
    cols = ["prompt_idx", "k_correct", "d_all_sbert", "d_correct_sbert"]
    b = df[(df.model == BASE) & (df.task == task)][cols]
    m = df[(df.model == model) & (df.task == task)][cols]
    j = b.merge(m, on="prompt_idx", suffixes=("_b", "_m")).sort_values("prompt_idx")
    keep = ((j.k_correct_b >= 2) & (j.k_correct_m >= 2)
            & j.d_all_sbert_b.notna() & j.d_all_sbert_m.notna()
            & j.d_correct_sbert_b.notna() & j.d_correct_sbert_m.notna())
    p = j[keep]
    n_matched = int(len(p))
    n_total = int(df[(df.model == BASE) & (df.task == task)].shape[0])
    if n_matched:
        delta_all = float(np.mean(p.d_all_sbert_b.to_numpy()
                                  - p.d_all_sbert_m.to_numpy()))
        residual = float(np.mean(p.d_correct_sbert_b.to_numpy()
                                 - p.d_correct_sbert_m.to_numpy()))
        qc = delta_all - residual
        share = residual / delta_all
    else:
        delta_all = residual = qc = share = float("nan")
    # prompts dropped only because a d_all value is NaN (exercises that filter)
    only_nan = ((j.k_correct_b >= 2) & (j.k_correct_m >= 2) & ~keep)
    return {
        "model": model, "task": task, "base": BASE,
        "n_matched": n_matched, "n_total": n_total,
        "delta_all": delta_all, "residual": residual,
        "quality_control": qc, "genuine_share": share,
        "matched_prompt_idx": [int(v) for v in p.prompt_idx],
        "dropped_for_nan_d_all": [int(v) for v in j[only_nan].prompt_idx],
    }


def nan_to_none(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [nan_to_none(v) for v in x]
    return x


def main():
    rng = np.random.default_rng(SEED)
    table = build_table(rng)
    table.to_csv(CSV, index=False)

    # everything below is computed from the CSV as read back
    df = pd.read_csv(CSV)
    assert list(df.columns) == COLUMNS
    for c in ["d_all_sbert", "d_correct_sbert", "d_correct_vendi", "acc1"]:
        a, b = table[c].to_numpy(), df[c].to_numpy()
        assert np.array_equal(a, b, equal_nan=True), c  # exact round trip

    summary = [summarize(df[(df.model == m) & (df.task == t)])
               for t in TASKS for m in MODELS]
    by = {(s["model"], s["task"]): s for s in summary}
    matched_recs = [matched(df, m, t) for m in MODELS if m != BASE for t in TASKS]
    assert any(r["dropped_for_nan_d_all"] for r in matched_recs)
    paper = []
    for m in MODELS:
        if m == BASE:
            continue
        for t in TASKS:
            sb, sm = by[(BASE, t)], by[(m, t)]
            num = sb["d_correct_sbert"] - sm["d_correct_sbert"]
            den = sb["d_all_sbert"] - sm["d_all_sbert"]
            paper.append({"model": m, "task": t, "base": BASE,
                          "delta_correct": num, "delta_all": den,
                          "share": num / den})

    out = {
        "description": "QFD summary, matched decomposition and unmatched "
                       "share for qfd_per_prompt.csv; see README.md",
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "scipy_version": scipy.__version__,
        "seed": SEED, "k": K, "base_model": BASE,
        "summary": summary,
        "matched": matched_recs,
        "paper_share": paper,
    }
    with OUT.open("w") as f:
        json.dump(nan_to_none(out), f, indent=1, allow_nan=False)
        f.write("\n")

    for s in summary:
        print(f"{s['model']:5s} {s['task']:10s} acc1={s['accuracy_at_1']:.4f} "
              f"k={s['mean_k_correct']:.3f} d_all={s['d_all_sbert']:.4f} "
              f"d_corr={s['d_correct_sbert']:.4f} vendi={s['d_correct_vendi']:.3f} "
              f"n={s['n_computable']}/{s['n_total']}")
    for r in matched_recs:
        print(f"matched {r['model']:4s} {r['task']:10s} n={r['n_matched']}/{r['n_total']} "
              f"delta_all={r['delta_all']:.5f} residual={r['residual']:.5f} "
              f"qc={r['quality_control']:.5f} share={r['genuine_share']:.4f} "
              f"nan-dropped={r['dropped_for_nan_d_all']}")
    for r in paper:
        print(f"paper   {r['model']:4s} {r['task']:10s} share={r['share']:.4f}")
    print(f"wrote {CSV} and {OUT}")


if __name__ == "__main__":
    main()
