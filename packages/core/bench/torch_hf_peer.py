"""PyTorch + transformers + peft side of bench/hf-llama.ts: the same Qwen2.5-0.5B-shaped model (random
weights), prefill and decode tokens/s and one LoRA step, with torch.set_num_threads(--threads)."""

import argparse
import json
import statistics
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--prompt", type=int, default=128)
p.add_argument("--decode", type=int, default=16)
p.add_argument("--layers", type=int, default=24)
p.add_argument("--repeat", type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = Qwen2Config(
    vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=a.layers, num_attention_heads=14,
    num_key_value_heads=2, max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1000000.0,
    tie_word_embeddings=True, use_sliding_window=False,
)
t0 = time.perf_counter()
model = Qwen2ForCausalLM(cfg).eval()
build = time.perf_counter() - t0
ids = torch.tensor([[(i * 7919) % cfg.vocab_size for i in range(a.prompt)]])


def prefill():
    with torch.no_grad():
        return model(ids, logits_to_keep=1).logits




def median_s(f):
    """Median wall seconds of --repeat calls of f (after the warm-up call each measurement makes)."""
    times = []
    for _ in range(a.repeat):
        s = time.perf_counter()
        f()
        times.append(time.perf_counter() - s)
    return statistics.median(times)


prefill()
prefill_s = median_s(prefill)


def gen(n):
    with torch.no_grad():
        out = model(ids, use_cache=True, logits_to_keep=1)
        past = out.past_key_values
        tok = out.logits[:, -1].argmax(-1, keepdim=True)
        for _ in range(n):
            out = model(tok, past_key_values=past, use_cache=True)
            past = out.past_key_values
            tok = out.logits[:, -1].argmax(-1, keepdim=True)


gen(2)
# decoding: the generation of --decode tokens less the same call that decodes none (its prefill)
decode_s = max(1e-9, median_s(lambda: gen(a.decode)) - median_s(lambda: gen(0)))

from peft import LoraConfig, get_peft_model

peft_model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
peft_model.train()
opt = torch.optim.Adam([q for q in peft_model.parameters() if q.requires_grad], lr=1e-4)


def step():
    opt.zero_grad()
    logits = peft_model(ids).logits[0, :-1]
    loss = -torch.log_softmax(logits, -1).gather(-1, ids[0, 1:, None]).mean()
    loss.backward()
    opt.step()


step()
train_s = median_s(step)
print(json.dumps({
    "side": "torch", "threads": a.threads, "params": sum(q.numel() for q in model.parameters()), "buildS": build,
    "prefillTokS": a.prompt / prefill_s, "decodeTokS": a.decode / decode_s, "loraStepS": train_s,
}))
