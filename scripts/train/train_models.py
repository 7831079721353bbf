#!/usr/bin/env python3
"""Trains Terrain's built-in language models and exports them to ONNX.

Two tiny decoder-only transformers learn the task family of core/tasks/
(arithmetic, copy, reverse, sort, recall, json) from freshly generated data,
over the byte tokenizer of core/byte-tokenizer.ts:

    BOS  "<task>: <input>\\n="  <answer>  EOS        (bytes are token ids 0-255)

- terrain-tiny: 0.88M parameters, 6000 steps of 32 examples (7.5 min on 2 idle cores).
- terrain-micro: 0.14M parameters, 300 steps (6 s): visibly worse on purpose.

Reproducible: fixed seeds, CPU only, two threads, deterministic kernels; the
same library versions give the same weights. Run with Debian's packages
(OpenBLAS is several times faster than the reference BLAS python3-torch pulls in):

    apt-get install python3-torch python3-onnx libopenblas0-pthread
    npm run models:train       # /usr/bin/python3 scripts/train/train_models.py [model ids]

It writes public/models/<id>.onnx, public/models/manifest.json (then seals the
manifest with each file's size and BLAKE3 digest through
scripts/train/seal-manifest.ts) and scripts/train/task-samples.json, which
the TypeScript tests use to check that both task generators share one format.
"""
import os

# One BLAS thread: torch already splits work over both cores, and two pools oversubscribe them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import math
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "public" / "models"
SAMPLES_FILE = ROOT / "scripts" / "train" / "task-samples.json"

# --- tokenizer and template (core/byte-tokenizer.ts, core/tasks/template.ts) ---

BOS, EOS, PAD = 256, 257, 258
VOCAB_SIZE = 259
CONTEXT_LIMIT = 128
TEMPLATE = "<task>: <input>\\n=<answer><EOS>"


def prompt_of(task: str, inp: str) -> str:
    return f"{task}: {inp}\n="


# --- the task family (a port of core/tasks/; same formats, its own random streams) ---

LETTERS = "abcdefghijklmnopqrstuvwxyz"
SYMBOLS = LETTERS + "0123456789"


def gen_arithmetic(r: random.Random):
    op = r.choice("+-*")
    hi = 12 if op == "*" else 99
    a, b = r.randint(0, hi), r.randint(0, hi)
    value = a + b if op == "+" else a - b if op == "-" else a * b
    return f"{a}{op}{b}", str(value)


def gen_copy(r: random.Random):
    s = "".join(r.choice(SYMBOLS) for _ in range(r.randint(3, 12)))
    return s, s


def gen_reverse(r: random.Random):
    s = "".join(r.choice(SYMBOLS) for _ in range(r.randint(3, 12)))
    return s, s[::-1]


def gen_sort(r: random.Random):
    xs = [r.randint(0, 9) for _ in range(r.randint(3, 8))]
    return " ".join(map(str, xs)), " ".join(map(str, sorted(xs)))


def gen_recall(r: random.Random):
    keys = r.sample(LETTERS, r.randint(2, 5))
    values = [r.randint(0, 99) for _ in keys]
    asked = r.randrange(len(keys))
    pairs = " ".join(f"{k}={v}" for k, v in zip(keys, values))
    return f"{pairs} ? {keys[asked]}", str(values[asked])


def gen_json(r: random.Random):
    n = r.randint(1, 3)
    keys: list[str] = []
    while len(keys) < n:
        k = "".join(r.choice(LETTERS) for _ in range(r.randint(1, 4)))
        if k not in keys:
            keys.append(k)
    obj = {}
    for k in keys:
        obj[k] = r.randint(0, 99) if r.random() < 0.5 else "".join(r.choice(LETTERS) for _ in range(r.randint(1, 5)))
    inp = " ".join(f"{k}={v}" for k, v in obj.items())
    return inp, json.dumps(obj, separators=(",", ":"))


TASKS = {
    "arithmetic": gen_arithmetic,
    "copy": gen_copy,
    "reverse": gen_reverse,
    "sort": gen_sort,
    "recall": gen_recall,
    "json": gen_json,
}
TASK_NAMES = list(TASKS)


def encode_example(r: random.Random):
    """(token ids, index of the first answer token) for one random instance."""
    task = r.choice(TASK_NAMES)
    inp, answer = TASKS[task](r)
    prompt = list(prompt_of(task, inp).encode())
    ids = [BOS] + prompt + list(answer.encode()) + [EOS]
    assert len(ids) <= CONTEXT_LIMIT
    return ids, 1 + len(prompt)


def batches(r: random.Random, size: int):
    """Batches of inputs, targets and loss mask (answer and EOS only: prompts are random, nothing to learn there).

    Examples are drawn eight batches at a time and grouped by length, so a
    batch wastes little compute on padding.
    """
    while True:
        pool = sorted((encode_example(r) for _ in range(8 * size)), key=lambda e: len(e[0]))
        groups = [pool[i : i + size] for i in range(0, len(pool), size)]
        r.shuffle(groups)
        for examples in groups:
            width = max(len(ids) for ids, _ in examples) - 1
            x = torch.full((size, width), PAD, dtype=torch.long)
            y = torch.full((size, width), PAD, dtype=torch.long)
            mask = torch.zeros((size, width))
            for i, (ids, answer_start) in enumerate(examples):
                n = len(ids) - 1
                x[i, :n] = torch.tensor(ids[:-1])
                y[i, :n] = torch.tensor(ids[1:])
                mask[i, answer_start - 1 : n] = 1.0
            yield x, y, mask


# --- the model: pre-norm GPT with learned positions and a KV cache ---


@dataclass
class Config:
    d_model: int
    layers: int
    heads: int
    ffn: int


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.heads = c.heads
        self.ln1 = nn.LayerNorm(c.d_model)
        self.qkv = nn.Linear(c.d_model, 3 * c.d_model)
        self.proj = nn.Linear(c.d_model, c.d_model)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.up = nn.Linear(c.d_model, c.ffn)
        self.down = nn.Linear(c.ffn, c.d_model)

    def forward(self, x, past_k, past_v, mask):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.heads, hd).transpose(1, 2)
        k = torch.cat([past_k, k.view(b, t, self.heads, hd).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.view(b, t, self.heads, hd).transpose(1, 2)], dim=2)
        scores = (q @ k.transpose(2, 3)) * (1.0 / math.sqrt(hd))
        scores = scores.masked_fill(mask, -1e9)
        attn = scores.softmax(dim=-1) @ v
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        x = x + self.down(F.gelu(self.up(self.ln2(x))))
        return x, k, v


class TinyLM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.tok = nn.Embedding(VOCAB_SIZE, c.d_model)
        self.pos = nn.Embedding(CONTEXT_LIMIT, c.d_model)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, VOCAB_SIZE, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def empty_past(self, batch: int):
        hd = self.c.d_model // self.c.heads
        return [torch.zeros(batch, self.c.heads, 0, hd) for _ in range(2 * self.c.layers)]

    def forward(self, ids, past):
        """Logits of every new position and the extended cache; `past` is [k0, v0, k1, v1, ...]."""
        t = ids.shape[1]
        p = past[0].shape[2]
        positions = torch.arange(t) + p
        # A query at absolute position i sees keys 0..i (the cache and the new tokens up to itself).
        mask = torch.arange(p + t).unsqueeze(0) > positions.unsqueeze(1)
        x = self.tok(ids) + self.pos(positions)
        present = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, past[2 * i], past[2 * i + 1], mask)
            present += [k, v]
        return self.head(self.ln(x)), present


class OnnxInterface(nn.Module):
    """Flat positional inputs and outputs, as torch.onnx.export needs them."""

    def __init__(self, model: TinyLM):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past):
        logits, present = self.model(input_ids, list(past))
        return (logits, *present)


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- training, evaluation, export ---


def train(model: TinyLM, steps: int, batch: int, lr: float, seed: int, label: str):
    r = random.Random(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    model.train()
    started = time.time()
    data = batches(r, batch)
    for step in range(steps):
        x, y, mask = next(data)
        logits, _ = model(x, model.empty_past(batch))
        loss = (F.cross_entropy(logits.reshape(-1, VOCAB_SIZE), y.reshape(-1), reduction="none") * mask.reshape(-1)).sum() / mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"{label}: step {step + 1}/{steps} loss {loss.item():.4f} ({time.time() - started:.0f} s)", flush=True)
    return time.time() - started


@torch.no_grad()
def greedy_accuracy(model: TinyLM, seed: int, per_task: int):
    """Greedy exact-match accuracy per task on fresh instances (a quick check; npm run models:eval is the measure)."""
    model.eval()
    r = random.Random(seed)
    result = {}
    for task in TASK_NAMES:
        right = 0
        for _ in range(per_task):
            inp, answer = TASKS[task](r)
            ids = torch.tensor([[BOS] + list(prompt_of(task, inp).encode())])
            past = model.empty_past(1)
            out: list[int] = []
            length = ids.shape[1]
            while length < CONTEXT_LIMIT:
                logits, past = model(ids, past)
                length += 1
                token = int(logits[0, -1].argmax())
                if token == EOS:
                    break
                out.append(token)
                ids = torch.tensor([[token]])
            right += bytes(b for b in out if b < 256) == answer.encode()
        result[task] = right / per_task
    return result


def export_onnx(model: TinyLM, path: Path):
    model.eval()
    layers = model.c.layers
    past_names = [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    hd = model.c.d_model // model.c.heads
    # Trace with a non-empty cache so no shape is folded into a constant.
    dummy_ids = torch.tensor([[BOS, 1, 2]])
    dummy_past = [torch.zeros(1, model.c.heads, 2, hd) for _ in range(2 * layers)]
    dynamic = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    for name in past_names:
        dynamic[name] = {0: "batch", 2: "past_sequence"}
    for name in present_names:
        dynamic[name] = {0: "batch", 2: "total_sequence"}
    torch.onnx.export(
        OnnxInterface(model),
        (dummy_ids, *dummy_past),
        str(path),
        input_names=["input_ids", *past_names],
        output_names=["logits", *present_names],
        dynamic_axes=dynamic,
        opset_version=17,
        do_constant_folding=True,
    )
    import onnx

    onnx.checker.check_model(onnx.load(str(path)))


MODELS = [
    {
        "id": "terrain-tiny",
        "config": Config(d_model=128, layers=4, heads=4, ffn=512),
        "steps": 6000,
        "batch": 32,
        "lr": 2e-3,
        "seed": 1,
        "quality": "the task family learnt as far as ~8 CPU minutes allow: copy and sort nearly always right, arithmetic, reverse and json sometimes, recall rarely (docs/models.md)",
    },
    {
        "id": "terrain-micro",
        "config": Config(d_model=64, layers=2, heads=2, ffn=256),
        "steps": 300,
        "batch": 32,
        "lr": 3e-3,
        "seed": 2,
        "quality": "deliberately small and under-trained: answers in the template's shape, almost never right (docs/models.md)",
    },
]


def main():
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    entries = []
    for spec in MODELS:
        if only and spec["id"] not in only:
            continue
        torch.manual_seed(spec["seed"])
        model = TinyLM(spec["config"])
        print(f"{spec['id']}: {param_count(model):,} parameters", flush=True)
        seconds = train(model, spec["steps"], spec["batch"], spec["lr"], spec["seed"], spec["id"])
        accuracy = greedy_accuracy(model, seed=1000 + spec["seed"], per_task=50)
        print(f"{spec['id']}: trained in {seconds:.0f} s; greedy accuracy (torch, 50 per task) {accuracy}", flush=True)
        file = f"{spec['id']}.onnx"
        export_onnx(model, MODELS_DIR / file)
        c = spec["config"]
        entries.append(
            {
                "id": spec["id"],
                "file": file,
                "parameters": param_count(model),
                "contextLimit": CONTEXT_LIMIT,
                "vocabSize": VOCAB_SIZE,
                "layers": c.layers,
                "heads": c.heads,
                "dModel": c.d_model,
                "template": TEMPLATE,
                "quality": spec["quality"],
                "training": {"steps": spec["steps"], "batch": spec["batch"], "seed": spec["seed"], "seconds": round(seconds)},
            }
        )
    manifest_path = MODELS_DIR / "manifest.json"
    if only and manifest_path.exists():
        kept = [m for m in json.loads(manifest_path.read_text())["models"] if m["id"] not in only]
        entries = sorted(kept + entries, key=lambda m: [s["id"] for s in MODELS].index(m["id"]))
    manifest_path.write_text(json.dumps({"version": 1, "models": entries}, indent=2) + "\n")
    write_task_samples()
    subprocess.run(["npx", "tsx", "scripts/train/seal-manifest.ts"], cwd=ROOT, check=True)


def write_task_samples():
    r = random.Random(7)
    samples = []
    for task in TASK_NAMES:
        for _ in range(20):
            inp, answer = TASKS[task](r)
            samples.append({"task": task, "prompt": prompt_of(task, inp), "expected": answer})
    SAMPLES_FILE.write_text(json.dumps(samples, indent=1) + "\n")


if __name__ == "__main__":
    main()
