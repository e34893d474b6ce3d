"""Writes an Olmo 3 checkpoint folder (config.json, model.safetensors, tokenizer.json)
as a GGUF file that llama.cpp's server (llama-cpp-python) loads, in f32, so that the
server computes what the checkpoint computes.

Olmo 3 is llama.cpp's `olmo2` architecture with sliding-window layers (every
`sliding_window_pattern`-th layer full) and YaRN on the full-attention layers only.
Tensor names come from gguf's own map for that architecture. The tokenizer is written
as a byte-level BPE vocabulary (`gpt2`) for loading; the server is started with the
checkpoint's tokenizer.json (`hf_pretrained_model_name_or_path`) so that prompts are
tokenised exactly as the checkpoint's tokenizer does.

    python hf_to_gguf.py CHECKPOINT_DIR OUT.gguf

Used by tests/suite/generation_server.rs; the packages are pinned in requirements.txt.
"""

import json
import sys
from pathlib import Path

import struct

import gguf
import numpy as np


def read_safetensors(path):
    """Every tensor of a safetensors file as f32 (bf16 widened exactly: its 16 bits are
    the high half of an f32)."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = body[start:end]
        if entry["dtype"] == "BF16":
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif entry["dtype"] == "F32":
            values = np.frombuffer(raw, dtype="<f4")
        elif entry["dtype"] == "F16":
            values = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        else:
            raise SystemExit(f"{name}: dtype {entry['dtype']} is not written")
        tensors[name] = values.reshape(entry["shape"])
    return tensors


def layer_pattern(config):
    """The period of the sliding/full layer pattern, checked against `layer_types`."""
    types = config["layer_types"]
    period = types.index("full_attention") + 1
    expected = ["full_attention" if (i + 1) % period == 0 else "sliding_attention" for i in range(len(types))]
    if types != expected:
        raise SystemExit(f"layer_types {types} is not a periodic sliding/full pattern llama.cpp can express")
    return period


def tokenizer_vocabulary(folder):
    """Tokens in id order, their types and the merges of tokenizer.json."""
    tokenizer = json.loads((folder / "tokenizer.json").read_text())
    model = tokenizer["model"]
    if model["type"] != "BPE":
        raise SystemExit(f"tokenizer model {model['type']}: only byte-level BPE is written")
    vocab = dict(model["vocab"])
    special = set()
    for added in tokenizer.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
        if added.get("special"):
            special.add(added["id"])
    size = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [gguf.TokenType.UNUSED] * size
    for text, index in vocab.items():
        tokens[index] = text
        types[index] = gguf.TokenType.CONTROL if index in special else gguf.TokenType.NORMAL
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    return tokens, types, merges


def main():
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "olmo3":
        raise SystemExit(f"model_type {config.get('model_type')}: only Olmo 3 is written")
    arch = gguf.MODEL_ARCH.OLMO2
    layers = config["num_hidden_layers"]
    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_name(folder.name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(layers)
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    head_dim = config.get("head_dim", config["hidden_size"] // config["num_attention_heads"])
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(config["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_sliding_window(config["sliding_window"])
    writer.add_sliding_window_pattern(layer_pattern(config))
    scaling = config.get("rope_scaling") or {}
    if scaling.get("rope_type") == "yarn":
        writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        writer.add_rope_scaling_factor(scaling["factor"])
        writer.add_rope_scaling_orig_ctx_len(scaling["original_max_position_embeddings"])
        writer.add_rope_scaling_yarn_beta_fast(scaling.get("beta_fast", 32.0))
        writer.add_rope_scaling_yarn_beta_slow(scaling.get("beta_slow", 1.0))
    elif scaling:
        raise SystemExit(f"rope_scaling {scaling}: only YaRN is written")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    tokens, types, merges = tokenizer_vocabulary(folder)
    if len(tokens) != config["vocab_size"]:
        raise SystemExit(f"the tokenizer has {len(tokens)} ids, the model {config['vocab_size']}")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    eos = config["eos_token_id"]
    writer.add_eos_token_id(eos[0] if isinstance(eos, list) else eos)
    if config.get("pad_token_id") is not None:
        writer.add_pad_token_id(config["pad_token_id"])
    writer.add_add_bos_token(False)

    names = gguf.get_tensor_name_map(arch, layers)
    weights = read_safetensors(folder / "model.safetensors")
    for name in sorted(weights):
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise SystemExit(f"tensor {name} has no llama.cpp name")
        writer.add_tensor(target, np.ascontiguousarray(weights[name].astype(np.float32)))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
