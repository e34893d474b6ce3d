#!/usr/bin/env python3
"""Generate the tiny random Olmo 3 golden fixtures used by the Rust tests.

Every fixture folder holds exactly what ``Olmo3ForCausalLM.save_pretrained``
writes (config.json, generation_config.json, model.safetensors or shards plus
model.safetensors.index.json), and additionally

* ``expected.safetensors`` -- reference tensors computed by Hugging Face
  transformers in float32, eager attention, eval mode:
    - ``input_ids``      int64 [1, 128]  random ids in [0, vocab)
    - ``logits``         f32   [128, vocab] one full forward pass, use_cache=False
    - ``greedy_prompt``  int64 [1, 8]
    - ``greedy_ids``     int64 [1, 48]   prompt + 40 greedy tokens (KV cache on,
                                          including the sliding-window cache)
    - ``greedy_logits``  f32   [40, vocab] raw (unprocessed) logits of each
                                          generation step
    - ``rope_inv_freq_sliding`` / ``rope_inv_freq_full`` f32 [head_dim/2]
      the inverse frequencies transformers uses for each layer type
* ``metadata.json`` -- versions, seed, regeneration command, statistics.

Parts (each must run in the environment with the matching transformers):

  --part legacy     transformers 4.57.6: mha_legacy/, bf16_legacy/ and
                    yarn_7b_inv_freq.json
  --part v5         transformers 5.24.0: gqa_v5/
  --part crosscheck transformers 5.24.0: load the legacy fixtures with 5.x and
                    compare against their expected logits (writes
                    crosscheck_v5.json)
  --part checks     transformers 4.57.6: print the per-layer-type RoPE set-up
                    and the sliding-window mask (nothing is written)

Everything is deterministic: the model is constructed after
``torch.manual_seed(seed)`` and every parameter is then re-drawn from a
``torch.Generator`` seeded with the fixture's seed, in sorted parameter-name
order, so the weights do not depend on transformers' own init code.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import Olmo3Config, Olmo3ForCausalLM

HERE = Path(__file__).resolve().parent
LEGACY_TRANSFORMERS = "4.57.6"
V5_TRANSFORMERS = "5.24.0"

# Shared tiny dimensions. head_dim = 64 / 4 = 16.
VOCAB = 1024
EOS_ID = 1000
PAD_ID = 1001
COMMON = dict(
    vocab_size=VOCAB,
    hidden_size=64,
    intermediate_size=160,
    num_attention_heads=4,
    hidden_act="silu",
    rms_norm_eps=1e-6,
    bos_token_id=None,
    eos_token_id=EOS_ID,
    pad_token_id=PAD_ID,
    tie_word_embeddings=False,
    attention_bias=False,
    attention_dropout=0.0,
    initializer_range=0.02,
)

SEQ_LEN = 128  # > sliding window and > original_max_position_embeddings
PROMPT_LEN = 8
NEW_TOKENS = 40

# The real Olmo-3 7B YaRN set-up (for yarn_7b_inv_freq.json).
OLMO3_7B_ROPE = dict(
    head_dim=128,
    rope_theta=500000.0,
    max_position_embeddings=65536,
    rope_scaling={
        "rope_type": "yarn",
        "factor": 8.0,
        "original_max_position_embeddings": 8192,
        "attention_factor": 1.2079441541679836,
        "beta_fast": 32.0,
        "beta_slow": 1.0,
    },
)
# Reference values from the architecture notes (olmo3-architecture.md, section 4).
OLMO3_7B_REFERENCE = {
    18: 0.0249554087,
    19: 0.0192827549,
    26: 0.0028467184,
    34: 1.65613036e-4,
    35: 9.55621235e-5,
    63: 3.06892599e-7,
}


def require_version(expected: str) -> None:
    if transformers.__version__ != expected:
        sys.exit(
            f"this part needs transformers=={expected}, found {transformers.__version__}"
        )


# --------------------------------------------------------------------------
# Fixture definitions
# --------------------------------------------------------------------------


def legacy_config(rope_theta: float) -> Olmo3Config:
    """4.57.x schema: flat rope_theta + rope_scaling (YaRN on full layers only)."""
    return Olmo3Config(
        **COMMON,
        num_hidden_layers=4,  # default pattern: layers 0,1,2 sliding, layer 3 full
        num_key_value_heads=4,  # MHA
        sliding_window=16,
        # = original_max_position_embeddings * factor, as in the real checkpoints
        max_position_embeddings=256,
        rope_theta=rope_theta,
        rope_scaling={
            "rope_type": "yarn",
            "factor": 8.0,
            "original_max_position_embeddings": 32,
            "beta_fast": 32.0,
            "beta_slow": 1.0,
            # attention_factor deliberately omitted: transformers derives
            # 0.1 * ln(8) + 1 = 1.2079441541679836
        },
        attn_implementation="eager",
    )


def v5_config() -> Olmo3Config:
    """5.x schema: rope_parameters nested by layer type.

    The two layer types get *different* rope_theta values on purpose, so a
    loader that reads only one theta (or falls back to a default) fails.
    """
    return Olmo3Config(
        **COMMON,
        num_hidden_layers=6,
        num_key_value_heads=2,  # GQA, 2 query heads per kv head
        layer_types=[
            "sliding_attention",
            "sliding_attention",
            "sliding_attention",
            "full_attention",
            "sliding_attention",
            "full_attention",
        ],
        sliding_window=12,
        max_position_embeddings=192,  # = 24 * 8
        rope_parameters={
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
            "full_attention": {
                "rope_type": "yarn",
                "rope_theta": 20000.0,
                "factor": 8.0,
                "original_max_position_embeddings": 24,
                "beta_fast": 32.0,
                "beta_slow": 1.0,
                "attention_factor": 1.2079441541679836,
            },
        },
        attn_implementation="eager",
    )


FIXTURES = {
    # name: (seed, config factory, on-disk dtype, save kwargs)
    "mha_legacy": (11, lambda: legacy_config(10000.0), torch.float32, {}),
    "bf16_legacy": (33, lambda: legacy_config(500000.0), torch.bfloat16, {}),
    "gqa_v5": (22, v5_config, torch.float32, {"max_shard_size": "300KB"}),
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


@torch.no_grad()
def reinit_(model: torch.nn.Module, seed: int) -> None:
    """Re-draw every parameter so that logits are O(1) and norm weights matter."""
    gen = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        if name.endswith("norm.weight"):
            # q_norm, k_norm, post_attention_layernorm,
            # post_feedforward_layernorm, model.norm
            p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
        elif "embed_tokens" in name:
            p.copy_(torch.randn(p.shape, generator=gen))
        else:  # every nn.Linear weight (no biases in Olmo 3)
            p.copy_(0.15 * torch.randn(p.shape, generator=gen))


def load(folder: Path) -> Olmo3ForCausalLM:
    model = Olmo3ForCausalLM.from_pretrained(
        folder, dtype=torch.float32, attn_implementation="eager"
    )
    assert model.config._attn_implementation == "eager"
    return model.eval()


@torch.no_grad()
def full_logits(model, input_ids: torch.Tensor) -> torch.Tensor:
    return model(input_ids=input_ids, use_cache=False).logits[0].float().contiguous()


@torch.no_grad()
def greedy(model, prompt: torch.Tensor):
    out = model.generate(
        prompt,
        attention_mask=torch.ones_like(prompt),
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,  # never stop early
        do_sample=False,
        num_beams=1,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
        use_cache=True,
        output_logits=True,  # raw logits, before any logits processor
        return_dict_in_generate=True,
    )
    ids = out.sequences
    logits = torch.cat([x.float() for x in out.logits], dim=0).contiguous()
    assert ids.shape == (1, PROMPT_LEN + NEW_TOKENS), ids.shape
    assert logits.shape == (NEW_TOKENS, VOCAB), logits.shape
    # The greedy token must be the argmax of the raw logits at every step
    # (i.e. min_new_tokens never had to suppress EOS).
    assert torch.equal(logits.argmax(-1), ids[0, PROMPT_LEN:]), "greedy/argmax mismatch"
    return ids, logits


def rope_tables(model) -> dict[str, tuple[torch.Tensor, float]]:
    """Inverse frequencies and attention scaling per layer type, for both APIs."""
    inner = model.model
    if hasattr(inner, "rotary_embs"):  # 4.57.x: one module per layer type
        return {
            t: (m.inv_freq.float().clone(), float(m.attention_scaling))
            for t, m in inner.rotary_embs.items()
        }
    emb = inner.rotary_emb  # 5.x: one module with per-type buffers
    return {
        t: (
            getattr(emb, f"{t}_inv_freq").float().clone(),
            float(getattr(emb, f"{t}_attention_scaling")),
        )
        for t in emb.layer_types
    }


def stats(t: torch.Tensor) -> dict:
    return {
        "max": float(t.max()),
        "min": float(t.min()),
        "mean": float(t.mean()),
        "std": float(t.std()),
        "max_abs": float(t.abs().max()),
    }


def top2_margin(logits: torch.Tensor) -> float:
    top = logits.topk(2, dim=-1).values
    return float((top[:, 0] - top[:, 1]).min())


# --------------------------------------------------------------------------
# Fixture generation
# --------------------------------------------------------------------------


def make_fixture(name: str, command: str) -> dict:
    seed, make_config, disk_dtype, save_kwargs = FIXTURES[name]
    out_dir = HERE / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)

    # 1. Build and re-initialise the model in float32.
    torch.manual_seed(seed)
    config = make_config()
    model = Olmo3ForCausalLM(config).eval()
    reinit_(model, seed)

    # 2. Inputs from a separate fixed generator.
    gen = torch.Generator().manual_seed(seed + 1000)
    input_ids = torch.randint(0, VOCAB, (1, SEQ_LEN), generator=gen, dtype=torch.int64)
    greedy_prompt = torch.randint(0, VOCAB, (1, PROMPT_LEN), generator=gen, dtype=torch.int64)

    in_memory_logits = full_logits(model, input_ids)

    # 3. Save in the on-disk dtype.
    model.to(disk_dtype).save_pretrained(out_dir, **save_kwargs)
    del model

    # 4. Expected values come from the model loaded back from disk (float32
    #    compute; bf16 weights are upcast exactly), so they describe the files.
    model = load(out_dir)
    logits = full_logits(model, input_ids)
    greedy_ids, greedy_logits = greedy(model, greedy_prompt)
    ropes = rope_tables(model)

    # Check (a): a second independent load reproduces everything bit for bit.
    model2 = load(out_dir)
    logits2 = full_logits(model2, input_ids)
    greedy_ids2, greedy_logits2 = greedy(model2, greedy_prompt)
    reload_exact = (
        torch.equal(logits, logits2)
        and torch.equal(greedy_ids, greedy_ids2)
        and torch.equal(greedy_logits, greedy_logits2)
    )
    assert reload_exact, f"{name}: reload is not bit-exact"
    if disk_dtype == torch.float32:
        assert torch.equal(logits, in_memory_logits), f"{name}: saved != in-memory"
    saved_vs_memory = float((logits - in_memory_logits).abs().max())

    # Consistency of the cached (incremental) greedy logits with one full
    # forward pass over the generated sequence.
    full_over_greedy = full_logits(model, greedy_ids)[PROMPT_LEN - 1 : -1]
    cache_vs_full = float((full_over_greedy - greedy_logits).abs().max())

    save_file(
        {
            "input_ids": input_ids.contiguous(),
            "logits": logits,
            "greedy_prompt": greedy_prompt.contiguous(),
            "greedy_ids": greedy_ids.contiguous(),
            "greedy_logits": greedy_logits,
            "rope_inv_freq_sliding": ropes["sliding_attention"][0].contiguous(),
            "rope_inv_freq_full": ropes["full_attention"][0].contiguous(),
        },
        str(out_dir / "expected.safetensors"),
        # a single metadata key keeps the file byte-for-byte reproducible
        # (the safetensors writer does not preserve metadata key order)
        metadata={"generator": f"transformers {transformers.__version__}, torch {torch.__version__}"},
    )

    cfg = model.config
    meta = {
        "fixture": name,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "seed": seed,
        "input_seed": seed + 1000,
        "weights_dtype_on_disk": str(disk_dtype).replace("torch.", ""),
        "compute_dtype": "float32",
        "attn_implementation": "eager",
        "regenerate": command,
        "layer_types": list(cfg.layer_types),
        "sliding_window": cfg.sliding_window,
        "num_key_value_heads": cfg.num_key_value_heads,
        "rope": {
            t: {"attention_scaling": s, "inv_freq": [float(x) for x in f]}
            for t, (f, s) in ropes.items()
        },
        "logits_stats": stats(logits),
        "greedy_logits_stats": stats(greedy_logits),
        "greedy_min_top2_margin": top2_margin(greedy_logits),
        "full_forward_min_top2_margin": top2_margin(logits),
        "checks": {
            "reload_bit_exact": reload_exact,
            "saved_vs_in_memory_f32_max_abs_diff": saved_vs_memory,
            "greedy_cached_vs_full_forward_max_abs_diff": cache_vs_full,
        },
        "files": sorted(p.name for p in out_dir.iterdir()) + ["metadata.json"],
    }
    (out_dir / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    for f in out_dir.iterdir():  # some writers create files with mode 0600
        f.chmod(0o644)
    print(f"[{name}] logits {stats(logits)}")
    print(
        f"[{name}] greedy min margin {meta['greedy_min_top2_margin']:.4g}, "
        f"cache-vs-full {cache_vs_full:.3g}, saved-vs-memory {saved_vs_memory:.3g}, "
        f"rope scaling { {t: s for t, (_, s) in ropes.items()} }"
    )
    return meta


def make_yarn_7b(command: str) -> None:
    """Inverse frequencies of the real Olmo-3 7B config, from transformers 4.57.x."""
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    cfg = Olmo3Config(
        vocab_size=100278,
        hidden_size=4096,
        num_attention_heads=32,
        num_key_value_heads=32,
        num_hidden_layers=32,
        rope_theta=OLMO3_7B_ROPE["rope_theta"],
        max_position_embeddings=OLMO3_7B_ROPE["max_position_embeddings"],
        rope_scaling=dict(OLMO3_7B_ROPE["rope_scaling"]),
    )
    assert cfg.hidden_size // cfg.num_attention_heads == OLMO3_7B_ROPE["head_dim"]
    yarn, yarn_scale = ROPE_INIT_FUNCTIONS["yarn"](cfg, "cpu")
    default, default_scale = ROPE_INIT_FUNCTIONS["default"](cfg, "cpu")
    yarn = yarn.float()
    default = default.float()

    checks = {}
    for i, ref in OLMO3_7B_REFERENCE.items():
        got = float(yarn[i])
        checks[str(i)] = {"reference": ref, "transformers": got, "rel_err": abs(got - ref) / ref}
    max_rel = max(c["rel_err"] for c in checks.values())
    assert max_rel < 1e-6, checks

    doc = {
        "description": (
            "Olmo-3 7B RoPE tables as computed in float32 by transformers "
            f"{transformers.__version__} ROPE_INIT_FUNCTIONS: 'yarn' for full-attention "
            "layers, 'default' for sliding-attention layers. Values are the exact "
            "float32 numbers written as decimals."
        ),
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "regenerate": command,
        "config": OLMO3_7B_ROPE,
        "full_attention": {
            "rope_type": "yarn",
            "attention_factor": float(yarn_scale),
            "inv_freq": [float(x) for x in yarn],
        },
        "sliding_attention": {
            "rope_type": "default",
            "attention_factor": float(default_scale),
            "inv_freq": [float(x) for x in default],
        },
        "reference_check": {"max_rel_err": max_rel, "values": checks},
    }
    (HERE / "yarn_7b_inv_freq.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(f"[yarn_7b] attention_factor {yarn_scale!r}, max rel err vs reference {max_rel:.3g}")


# --------------------------------------------------------------------------
# Cross-version check and diagnostics
# --------------------------------------------------------------------------


def crosscheck(command: str) -> None:
    """Load the legacy (4.57.x) fixtures with transformers 5.x and compare."""
    results = {"transformers_version": transformers.__version__, "regenerate": command}
    for name in ("mha_legacy", "bf16_legacy"):
        folder = HERE / name
        exp = load_file(str(folder / "expected.safetensors"))
        model = load(folder)
        parsed = json.loads(json.dumps(model.config.rope_parameters))
        logits = full_logits(model, exp["input_ids"])
        entry = {
            "rope_parameters_as_parsed": parsed,
            "logits_max_abs_diff": float((logits - exp["logits"]).abs().max()),
        }
        # transformers 5.x maps the legacy top-level `rope_theta` onto the
        # full-attention layers only; sliding layers fall back to 500000.
        # Re-run with the sliding theta forced to the legacy value.
        legacy_theta = json.loads((folder / "config.json").read_text())["rope_theta"]
        if parsed["sliding_attention"]["rope_theta"] != legacy_theta:
            cfg = model.config
            cfg.rope_parameters["sliding_attention"]["rope_theta"] = legacy_theta
            fixed = Olmo3ForCausalLM.from_pretrained(
                folder, config=cfg, dtype=torch.float32, attn_implementation="eager"
            ).eval()
            fixed_logits = full_logits(fixed, exp["input_ids"])
            entry["logits_max_abs_diff_with_sliding_theta_fixed"] = float(
                (fixed_logits - exp["logits"]).abs().max()
            )
        results[name] = entry
        print(f"[crosscheck {name}] {json.dumps(entry)}")
    (HERE / "crosscheck_v5.json").write_text(json.dumps(results, indent=2) + "\n")


def diagnostics() -> None:
    """Print the per-layer-type RoPE set-up and the sliding-window mask (4.57.x)."""
    from transformers.masking_utils import create_sliding_window_causal_mask

    model = Olmo3ForCausalLM(legacy_config(10000.0)).eval()
    for t, m in model.model.rotary_embs.items():
        print(f"rotary_embs[{t!r}]: rope_type={m.rope_type} attention_scaling={m.attention_scaling}")
        print(f"    inv_freq={m.inv_freq.tolist()}")
    for i, layer in enumerate(model.model.layers):
        a = layer.self_attn
        print(f"layer {i}: attention_type={a.attention_type} sliding_window={a.sliding_window}")

    # Sliding-window mask: which keys can query i see?
    window, T = 4, 12
    cfg = legacy_config(10000.0)
    cfg.sliding_window = window
    emb = torch.zeros(1, T, cfg.hidden_size)
    mask = create_sliding_window_causal_mask(
        config=cfg,
        input_embeds=emb,
        attention_mask=None,
        cache_position=torch.arange(T),
        past_key_values=None,
        position_ids=torch.arange(T)[None],
    )
    # eager mask: 0 where allowed, large negative where masked
    allowed = mask[0, 0] == 0
    for i in range(T):
        keys = allowed[i].nonzero().flatten().tolist()
        print(f"window={window} query {i:2d} sees keys {keys}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", required=True, choices=["legacy", "v5", "crosscheck", "checks"])
    args = ap.parse_args()
    command = f"python tests/golden/olmo3/make_olmo3.py --part {args.part}"
    torch.set_num_threads(1)  # reproducible reductions
    torch.use_deterministic_algorithms(True)

    if args.part == "legacy":
        require_version(LEGACY_TRANSFORMERS)
        make_fixture("mha_legacy", command)
        make_fixture("bf16_legacy", command)
        make_yarn_7b(command)
    elif args.part == "v5":
        require_version(V5_TRANSFORMERS)
        make_fixture("gqa_v5", command)
    elif args.part == "crosscheck":
        require_version(V5_TRANSFORMERS)
        crosscheck(command)
    else:
        require_version(LEGACY_TRANSFORMERS)
        diagnostics()


if __name__ == "__main__":
    main()
