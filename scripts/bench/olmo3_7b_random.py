"""Writes an Olmo 3 checkpoint with the released 7B configuration and random bf16 weights
(about 14.6 GB in shards), for measuring the memory that loading and `logits` take.

The configuration is Olmo-3-7B's (vocab 100278, hidden 4096, 32 layers, 32 heads, MHA,
intermediate 11008, sliding window 4096 on three of every four layers, YaRN factor 8 on
the full layers). Weights are normal(0, 0.02) in bf16 (the high 16 bits of f32 draws), so
the forward pass is finite; their values do not matter for memory. Tensors are written one
at a time into safetensors shards of at most 5 GB with an index, so the script itself needs
about 1 GB.

    python3 olmo3_7b_random.py OUT_DIR [--layers 32]

Only numpy is needed.
"""

import argparse
import json
import struct
from pathlib import Path

import numpy as np

CONFIG = {
    "architectures": ["Olmo3ForCausalLM"],
    "model_type": "olmo3",
    "attention_bias": False,
    "attention_dropout": 0.0,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 65536,
    "rope_theta": 500000.0,
    "rope_scaling": {
        "rope_type": "yarn",
        "factor": 8.0,
        "original_max_position_embeddings": 8192,
        "attention_factor": 1.2079441541679836,
        "beta_fast": 32.0,
        "beta_slow": 1.0,
    },
    "sliding_window": 4096,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": False,
    "vocab_size": 100278,
    "eos_token_id": 100257,
    "pad_token_id": 100277,
    "dtype": "bfloat16",
}

SHARD_BYTES = 5 * 1024**3


def tensors(config):
    """(name, shape) of every tensor, in the order transformers saves them."""
    hidden, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    kv = config["num_key_value_heads"] * hidden // config["num_attention_heads"]
    yield "model.embed_tokens.weight", (config["vocab_size"], hidden)
    for i in range(layers):
        p = f"model.layers.{i}"
        yield f"{p}.self_attn.q_proj.weight", (hidden, hidden)
        yield f"{p}.self_attn.k_proj.weight", (kv, hidden)
        yield f"{p}.self_attn.v_proj.weight", (kv, hidden)
        yield f"{p}.self_attn.o_proj.weight", (hidden, hidden)
        yield f"{p}.self_attn.q_norm.weight", (hidden,)
        yield f"{p}.self_attn.k_norm.weight", (kv,)
        yield f"{p}.mlp.gate_proj.weight", (inter, hidden)
        yield f"{p}.mlp.up_proj.weight", (inter, hidden)
        yield f"{p}.mlp.down_proj.weight", (hidden, inter)
        yield f"{p}.post_attention_layernorm.weight", (hidden,)
        yield f"{p}.post_feedforward_layernorm.weight", (hidden,)
    yield "model.norm.weight", (hidden,)
    yield "lm_head.weight", (config["vocab_size"], hidden)


def bf16(values):
    """The bf16 bytes of f32 values (truncation to the high 16 bits)."""
    return (values.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()


def write_shard(path, entries, rng):
    """Streams one safetensors file: header with offsets, then each tensor in turn."""
    header, offset = {}, 0
    for name, shape in entries:
        size = int(np.prod(shape)) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for name, shape in entries:
            if len(shape) == 1:
                out.write(bf16(np.ones(shape, dtype=np.float32)))
                continue
            rows = max(1, (64 * 1024**2) // (shape[1] * 4))
            for start in range(0, shape[0], rows):
                block = rng.standard_normal((min(rows, shape[0] - start), shape[1]), dtype=np.float32) * 0.02
                out.write(bf16(block))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--layers", type=int, default=32)
    args = parser.parse_args()
    config = dict(CONFIG, num_hidden_layers=args.layers)
    config["layer_types"] = [
        "full_attention" if (i + 1) % 4 == 0 else "sliding_attention" for i in range(args.layers)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shards, current, size = [], [], 0
    for name, shape in tensors(config):
        bytes_ = int(np.prod(shape)) * 2
        if current and size + bytes_ > SHARD_BYTES:
            shards.append(current)
            current, size = [], 0
        current.append((name, shape))
        size += bytes_
    shards.append(current)
    rng = np.random.default_rng(0)
    weight_map, total = {}, 0
    for index, entries in enumerate(shards):
        file = f"model-{index + 1:05d}-of-{len(shards):05d}.safetensors"
        write_shard(args.out / file, entries, rng)
        for name, shape in entries:
            weight_map[name] = file
            total += int(np.prod(shape)) * 2
        print(f"{file}: {len(entries)} tensors", flush=True)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (args.out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"{total / 1e9:.2f} GB of bf16 weights in {len(shards)} shards", flush=True)


if __name__ == "__main__":
    main()
