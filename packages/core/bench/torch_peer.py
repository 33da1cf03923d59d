"""PyTorch peer of bench/torch-compare.ts: the same decoder (pre-LN, fused QKV, causal attention,
tanh-GELU MLP, learned positions, LM head), the same batch shapes and Adam, timed in eager mode.

Run by torch-compare.ts (never by tests or CI); by hand:
    python3 torch_peer.py '{"vocab":256,"ctx":80,"d":64,"layers":2,"heads":4,"ff":256,
                            "trainBatch":32,"trainLen":80,"fwdBatch":64,"fwdLen":80,
                            "sampleBatch":64,"prompt":60,"newTokens":16,"threads":1,"minSeconds":1.5}'
Prints one JSON line: tokens/s of train (forward + backward + Adam), forward (no grad) and sampling
(KV cache), each the median of 3 timed runs after a warm-up.
"""

import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, d: int, heads: int, ff: int) -> None:
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, ff)
        self.proj = nn.Linear(ff, d)

    def forward(self, x, cache=None):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        # causal over the new queries; a single new token sees every cached key
        a = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None and t > 1)
        x = x + self.out(a.transpose(1, 2).reshape(b, t, d))
        x = x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x, (k, v)


class Model(nn.Module):
    def __init__(self, c: dict) -> None:
        super().__init__()
        self.tok = nn.Embedding(c["vocab"], c["d"])
        self.pos = nn.Embedding(c["ctx"], c["d"])
        self.blocks = nn.ModuleList(Block(c["d"], c["heads"], c["ff"]) for _ in range(c["layers"]))
        self.ln_f = nn.LayerNorm(c["d"])
        self.head = nn.Linear(c["d"], c["vocab"])
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=None, start=0):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(start, start + t))
        caches = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if past is None else past[i])
            caches.append(kv)
        return self.head(self.ln_f(x)), caches


def timed(fn, tokens: int, min_seconds: float) -> float:
    """Median tokens/s of 3 runs, each repeating fn for at least min_seconds, after a warm-up."""
    for _ in range(2):
        fn()
    rates = []
    for _ in range(3):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= min_seconds:
                break
        rates.append(tokens * n / dt)
    return statistics.median(rates)


def main() -> None:
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c["threads"])
    torch.manual_seed(0)
    model = Model(c)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(1)
    v = c["vocab"]
    train_ids = torch.randint(0, v, (c["trainBatch"], c["trainLen"]), generator=g)
    fwd_ids = torch.randint(0, v, (c["fwdBatch"], c["fwdLen"]), generator=g)
    prompt = torch.randint(0, v, (c["sampleBatch"], c["prompt"]), generator=g)

    def train() -> None:
        logits, _ = model(train_ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, v), train_ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def forward() -> None:
        with torch.no_grad():
            model(fwd_ids)

    def sample() -> None:
        with torch.no_grad():
            logits, past = model(prompt)
            pos = prompt.shape[1]
            nxt = torch.multinomial(F.softmax(logits[:, -1], -1), 1, generator=g)
            for _ in range(c["newTokens"] - 1):
                logits, past = model(nxt, past, pos)
                pos += 1
                nxt = torch.multinomial(F.softmax(logits[:, -1], -1), 1, generator=g)

    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "train": timed(train, c["trainBatch"] * c["trainLen"], c["minSeconds"]),
        "forward": timed(forward, c["fwdBatch"] * c["fwdLen"], c["minSeconds"]),
        "sample": timed(sample, c["sampleBatch"] * c["newTokens"], c["minSeconds"]),
    }
    assert all(math.isfinite(out[k]) for k in ("train", "forward", "sample"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
