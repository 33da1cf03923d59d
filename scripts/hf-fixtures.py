"""Tiny random Hugging Face models and their reference outputs, for @stepwise/core's tests.

Run by hand (never in CI): it needs torch, transformers, peft and tokenizers.

    python3 -m venv /tmp/hf-venv && /tmp/hf-venv/bin/pip install torch transformers safetensors peft tokenizers numpy
    /tmp/hf-venv/bin/python scripts/hf-fixtures.py            # (re)build the fixtures
    /tmp/hf-venv/bin/python scripts/hf-fixtures.py --check     # check dirs written by Stepwise

The first form writes packages/core/test/fixtures/hf/<name>/: config.json, the weights
(F32, BF16, one sharded), a byte-level BPE tokenizer with a ChatML chat template, and
reference.json: the prompts (token ids), transformers' logits for each prompt, 24 greedy tokens
and their log-probs. It also writes a PEFT LoRA adapter on the Qwen2 model (lora-qwen2/) with
its reference logits.

The second form loads what Stepwise wrote under packages/core/test/fixtures/hf/stepwise-out/
(`stepwise export` directories, written by packages/core/test/hf/stepwise-out.ts, a Stepwise-saved LoRA adapter), each with the logits Stepwise
computed beside it (stepwise-logits.json), in transformers/PEFT, and records the comparison in
packages/core/test/fixtures/hf/checks.json.
"""

import argparse
import json
import os
import shutil
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoModelForCausalLM, LlamaConfig, MistralConfig, Qwen2Config

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "core", "test", "fixtures", "hf")
VOCAB = 320
NEW_TOKENS = 24
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
TEXTS = [
    "You are in a 6x6 room. Push the box onto the target.",
    "Observation: the wall is to the north, the box is to the east.",
    "Action: left. Action: right. Action: up. Action: down.",
    "Think step by step, then answer with one action.",
    "The agent moves the box; the episode ends when every box is on a target.",
] * 20
PROMPTS = [
    "<|im_start|>user\nPush the box left.<|im_end|>\n<|im_start|>assistant\n",
    "Observation: the box is to the east.",
    "Think",
]


def tokenizer_files(out: str) -> list[list[int]]:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TEXTS, trainer=trainer)
    tok.save(os.path.join(out, "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "model_max_length": 128,
        "chat_template": CHATML,
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return [tok.encode(p).ids for p in PROMPTS]


def common(**extra):
    return dict(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        initializer_range=0.2,
        rms_norm_eps=1e-6,
        bos_token_id=None,
        eos_token_id=2,
        pad_token_id=0,
        **extra,
    )


def specs():
    return {
        "qwen2-f32": dict(
            config=Qwen2Config(**common(rope_theta=10000.0, tie_word_embeddings=True, use_sliding_window=False)),
            dtype=torch.float32,
            shard=None,
        ),
        "llama3-bf16-sharded": dict(
            config=LlamaConfig(
                **common(
                    rope_theta=500000.0,
                    tie_word_embeddings=False,
                    rope_scaling={
                        "rope_type": "llama3",
                        "factor": 8.0,
                        "low_freq_factor": 1.0,
                        "high_freq_factor": 4.0,
                        "original_max_position_embeddings": 16,
                    },
                )
            ),
            dtype=torch.bfloat16,
            shard="40KB",
        ),
        "mistral-f32": dict(
            config=MistralConfig(**common(rope_theta=10000.0, tie_word_embeddings=False, sliding_window=16, head_dim=8)),
            dtype=torch.float32,
            shard=None,
        ),
        "llama-linear-f16": dict(
            config=LlamaConfig(
                **common(
                    rope_theta=10000.0,
                    tie_word_embeddings=True,
                    attention_bias=True,
                    mlp_bias=True,
                    rope_scaling={"rope_type": "linear", "factor": 2.0},
                )
            ),
            dtype=torch.float16,
            shard=None,
        ),
    }


def randomise_norms(model, gen):
    """HF initialises norms to 1 and biases to 0; random values test that they are read. The LM
    head is scaled up so that greedy choices are far from ties (top-2 margins well above 1e-4)."""
    with torch.no_grad():
        model.get_output_embeddings().weight.mul_(5.0)
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


def reference(model, prompts):
    """Per prompt: full logits, NEW_TOKENS greedy tokens (full forward each step) and their log-probs."""
    out = []
    with torch.no_grad():
        for ids in prompts:
            x = torch.tensor([ids])
            logits = model(x).logits[0]
            seq = list(ids)
            tokens, logprobs, margins = [], [], []
            for _ in range(NEW_TOKENS):
                last = model(torch.tensor([seq])).logits[0, -1]
                top = torch.topk(last, 2)
                t = int(top.indices[0])
                margins.append(float(top.values[0] - top.values[1]))
                logprobs.append(float(torch.log_softmax(last, -1)[t]))
                tokens.append(t)
                seq.append(t)
            out.append(
                {
                    "ids": ids,
                    "logits": [[round(float(v), 7) for v in row] for row in logits],
                    "greedy": tokens,
                    "greedyLogProbs": logprobs,
                    "minMargin": min(margins),
                }
            )
    return out


def build():
    os.makedirs(ROOT, exist_ok=True)
    for name, spec in specs().items():
        out = os.path.join(ROOT, name)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        prompts = tokenizer_files(out)
        torch.manual_seed(len(name))
        gen = torch.Generator().manual_seed(7 + len(name))
        model = AutoModelForCausalLM.from_config(spec["config"], dtype=torch.float32)
        randomise_norms(model, gen)
        model.to(spec["dtype"]).eval()
        kwargs = {"max_shard_size": spec["shard"]} if spec["shard"] else {}
        model.save_pretrained(out, safe_serialization=True, **kwargs)
        # the reference is transformers' float32 model of the stored values, read back from the directory
        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
        ref = reference(model, prompts)
        with open(os.path.join(out, "reference.json"), "w") as f:
            json.dump({"model": name, "newTokens": NEW_TOKENS, "prompts": ref}, f)
        print(name, "params", sum(p.numel() for p in model.parameters()), "min margin", min(r["minMargin"] for r in ref))
        if name == "qwen2-f32":
            lora(model, prompts)
    for extra in ("generation_config.json",):
        for name in specs():
            p = os.path.join(ROOT, name, extra)
            if os.path.exists(p):
                os.remove(p)


def lora(model, prompts):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(11)
    cfg = LoraConfig(
        r=4,
        lora_alpha=8,
        lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, cfg)
    peft_model.eval()
    out = os.path.join(ROOT, "lora-qwen2")
    shutil.rmtree(out, ignore_errors=True)
    peft_model.save_pretrained(out)
    os.remove(os.path.join(out, "README.md"))
    # the base path is the fixture directory, relative to the adapter
    with open(os.path.join(out, "adapter_config.json")) as f:
        ac = json.load(f)
    ac["base_model_name_or_path"] = "../qwen2-f32"
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(ac, f, indent=2, sort_keys=True)
    with torch.no_grad():
        ref = [
            {"ids": ids, "logits": [[round(float(v), 7) for v in row] for row in peft_model(torch.tensor([ids])).logits[0]]}
            for ids in prompts
        ]
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"model": "lora-qwen2", "prompts": ref}, f)
    peft_model.unload()


def max_diff(a, b):
    return max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))


def check():
    """Load what Stepwise wrote in transformers / PEFT and compare with the logits Stepwise computed."""
    base = os.path.join(ROOT, "stepwise-out")
    results = {"transformers": __import__("transformers").__version__, "torch": torch.__version__, "checks": []}
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, name)
        with open(os.path.join(d, "stepwise-logits.json")) as f:
            mine = json.load(f)
        if os.path.exists(os.path.join(d, "adapter_config.json")):
            from peft import PeftModel

            with open(os.path.join(d, "adapter_config.json")) as f:
                base_dir = os.path.normpath(os.path.join(d, json.load(f)["base_model_name_or_path"]))
            model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32), d)
            kind = "peft adapter"
        else:
            model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
            kind = "exported model"
        model.eval()
        worst = 0.0
        with torch.no_grad():
            for p in mine["prompts"]:
                theirs = model(torch.tensor([p["ids"]])).logits[0].tolist()
                worst = max(worst, max_diff(theirs, p["logits"]))
        entry = {
            "dir": name,
            "kind": kind,
            "architecture": type(model).__name__,
            "prompts": len(mine["prompts"]),
            "maxAbsLogitDiff": worst,
            "ok": worst < 1e-4,
        }
        print(json.dumps(entry))
        results["checks"].append(entry)
    with open(os.path.join(ROOT, "checks.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    return all(c["ok"] for c in results["checks"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        sys.exit(0 if check() else 1)
    build()
