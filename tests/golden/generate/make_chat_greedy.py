#!/usr/bin/env python3
"""Golden greedy generation on chat-formatted prompts, end to end: the built-in Olmo 3
Instruct chat template rendered by transformers' `apply_chat_template`, a byte-level BPE
tokenizer, the tiny Olmo 3 of tests/golden/olmo3/mha_legacy and `generate` with
`do_sample=False`, decoded with `skip_special_tokens=False`.

Writes, beside this script:
- `tokenizer.json`: a byte-level BPE tokenizer trained here on a fixed corpus, with
  exactly 1,000 learned ids and 24 special tokens after them (`<|endoftext|>` = 1000, the
  model's `eos_token_id`; `<|pad|>` = 1001; `<|im_start|>` = 1002; `<|im_end|>` = 1003;
  `<|extra_0|>` … `<|extra_19|>`), so that its ids are exactly the model's 1,024;
- `chat_greedy.json`: for each prompt, the rendered model input, its token ids, the
  generated ids (the end token included when one was produced), the decoded new text
  without the end token, and the finish reason (`eos` or `length`).

Pinned versions: tests/golden/requirements-ref.txt (transformers 4.57.6, tokenizers
0.22.2, torch 2.15.0). Regenerate from the repository root:

    .bench/venv/bin/python tests/golden/generate/make_chat_greedy.py
"""

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import Olmo3ForCausalLM, PreTrainedTokenizerFast

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
MODEL = REPO / "tests/golden/olmo3/mha_legacy"
TEMPLATE = REPO / "data/chat_templates/olmo3_instruct.jinja"
LEARNED = 1000
SPECIALS = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(20)]
MAX_NEW_TOKENS = 40
PROMPTS = [
    "Tom has 3 apples and buys 4 more. How many apples does he have?",
    "Write one sentence about the sea.",
    "Translate 'bonjour' into English. Réponds en une phrase, s'il te plaît. 日本語も少し。",
    "def add(a, b):\n    return a + b\n\nExplain this code.",
]


def corpus() -> list[str]:
    texts = [line for line in TEMPLATE.read_text().splitlines() if line.strip()]
    texts += PROMPTS
    texts += [(MODEL.parent / "README.md").read_text()]
    words = ["apple", "sea", "number", "answer", "question", "function", "return", "value", "river", "stone"]
    texts += [" ".join(words[(i * 7 + j * 3) % len(words)] + str(i * j) for j in range(12)) for i in range(200)]
    return texts


def train_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=LEARNED, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(corpus(), trainer)
    assert tokenizer.get_vocab_size() == LEARNED, tokenizer.get_vocab_size()
    tokenizer.add_special_tokens(SPECIALS)
    assert tokenizer.token_to_id("<|endoftext|>") == 1000 and tokenizer.get_vocab_size() == 1024
    return tokenizer


def main() -> None:
    raw = train_tokenizer()
    raw.save(str(HERE / "tokenizer.json"))
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(HERE / "tokenizer.json"), eos_token="<|endoftext|>",
                                        pad_token="<|pad|>")
    tokenizer.chat_template = TEMPLATE.read_text()
    model = Olmo3ForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
    end_ids = [1000, 1003]
    cases = []
    for prompt in PROMPTS:
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                 add_generation_prompt=True)
        ids = tokenizer.encode(rendered, add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 do_sample=False, max_new_tokens=MAX_NEW_TOKENS, eos_token_id=end_ids,
                                 pad_token_id=1001)
        new = out[0, len(ids):].tolist()
        ended = bool(new) and new[-1] in end_ids
        text = tokenizer.decode(new[:-1] if ended else new, skip_special_tokens=False)
        cases.append({"prompt": prompt, "rendered": rendered, "prompt_ids": ids, "generated_ids": new, "text": text,
                      "finish_reason": "eos" if ended else "length"})
        print(f"{len(ids)} prompt tokens, {len(new)} generated ({cases[-1]['finish_reason']}): {text[:60]!r}")
    (HERE / "chat_greedy.json").write_text(json.dumps({"max_new_tokens": MAX_NEW_TOKENS, "cases": cases},
                                                      ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
