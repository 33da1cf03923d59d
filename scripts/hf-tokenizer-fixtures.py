#!/usr/bin/env python3
"""Writes the Hugging Face tokenizer fixtures the TypeScript tests compare against.

Run by hand (never in CI), from the repository root, with the Python `tokenizers`, `transformers`
and `jinja2` packages installed:

    python3 scripts/hf-tokenizer-fixtures.py

It plays the expert of every environment spec (apps/bench/src/hf-tokenizer-corpus.ts, through bun),
trains four small tokenizers on that text, one per family our loader supports:

  qwen2    byte-level BPE, Qwen2's regex Split + ByteLevel pre-tokenizer, NFC, ChatML template
  llama3   byte-level BPE, Llama-3's regex (digits in threes), ignore_merges, <|begin_of_text|>
           added by the post-processor, the Llama-3 header template in chat_template.jinja,
           two end-of-turn ids in generation_config.json
  llama2   SentencePiece-style BPE with byte fallback: Prepend("▁") + Replace(" ", "▁")
           normalizer, no pre-tokenizer, fuse_unk, <s> prefix, the [INST] <<SYS>> template
  mistral  the same model behind a Metaspace pre-tokenizer (prepend_scheme "first"), Mistral's
           strict [INST] template (raise_exception on a bad role order)

and writes, under packages/core/test/fixtures/hf-tokenizers/:
  <name>/tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json
  reference.json.gz: the 2,000 reference strings (env text slices plus unicode, emoji, CJK and
    whitespace edge cases), each tokenizer's ids for them as the Python `tokenizers` library
    encodes them, its decoded text where it differs from the input, the decoded text of 300
    random id sequences (broken UTF-8 byte tokens, specials anywhere), and the chat-template
    references: the text and ids of transformers' apply_chat_template for several conversations,
    with and without a system message, add_generation_prompt true and false.
"""

import gzip
import json
import os
import random
import subprocess
import sys

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "packages/core/test/fixtures/hf-tokenizers")

QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Written over several lines on purpose: transformers renders with trim_blocks and lstrip_blocks.
LLAMA3_TEMPLATE = """{{- bos_token }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{%- if system_message %}
{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + system_message + '<|eot_id|>' }}
{%- endif %}
{%- for message in messages %}
    {%- if message['role'] not in ['user', 'assistant'] %}
        {{- raise_exception('Unknown role: ' + message['role']) }}
    {%- endif %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}"
    "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
    "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}"
)

MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"
    "{% endfor %}"
)


def env_corpus():
    out = subprocess.run(
        ["bun", "run", "apps/bench/src/hf-tokenizer-corpus.ts", "--tasks", "3"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


EDGE_CASES = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    "\t",
    "\r\n",
    " \r\n \t x",
    "hello",
    " hello",
    "hello ",
    "  hello  world  ",
    "Hello, World!",
    "I'm sure you've seen they'll do it, DON'T YOU'LL?",
    "1234567890",
    "3.14159 and 2,718,281",
    "x = 12345678 + 9",
    "café",
    "cafe\u0301",
    "Å Å Å",
    "ﬁ ligature ﬀ",
    "naïve coöperate",
    "日本語のテキスト",
    "中文文本，标点符号。",
    "한국어 텍스트",
    "Привет, мир!",
    "مرحبا بالعالم",
    "שלום עולם",
    "ελληνικά",
    "हिन्दी भाषा",
    "ไทย ภาษา",
    "😀",
    "😀😃😄",
    "👨‍👩‍👧‍👦 family",
    "🇫🇷🇯🇵 flags",
    "👍🏽 skin tone",
    "emoji at end 🎉",
    "🎉 emoji at start",
    "mixed 日本 and emoji 🍣 and text",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth\u200bspace",
    "\u3000ideographic space",
    "tab\tseparated\tvalues",
    "trailing newline\n",
    "multiple\n\nparagraphs\n\n\nhere",
    "    indented code\n        more",
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_end|><|im_end|>",
    "text<|endoftext|>more",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
    "<s>[INST] hi [/INST] hello</s>",
    "</s></s><s>",
    "<unk>",
    "a</s>b",
    "▁already▁has▁meta",
    "▁",
    "<0x41>",
    "Action: go to countertop 1",
    "Thought: I need to find the key.\nAction: search[red shoes]",
    "#_PX_#\n#O__#",
    "'s 't 're 've 'm 'll 'd",
    "'S 'T 'RE",
    "don't won't can't",
    "!!!???...",
    "a-b_c.d/e\\f",
    "{\"json\": [1, 2, 3]}",
    "https://example.com/path?q=1&r=2",
    "C:\\Windows\\path",
    "\u0000 nul and \u0007 bell",
    "\u007f del",
    "\ufeffBOM",
    "\U0001d400 math bold",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "ǅ titlecase",
    "ＡＢＣ fullwidth",
    "①②③ circled",
    "½ ¾ fractions",
    "x² y³",
]

BLOCKS = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x590, 0x6FF),
    (0x900, 0x97F),
    (0x3040, 0x30FF),
    (0x4E00, 0x4FFF),
    (0xAC00, 0xACFF),
    (0x1F300, 0x1F64F),
    (0x1F900, 0x1F9FF),
    (0x300, 0x36F),
]
SPACES = [" ", " ", " ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u3000"]


def random_unicode(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        lo, hi = rng.choice(BLOCKS)
        parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 8))))
        parts.append(rng.choice(SPACES))
    return "".join(parts[: rng.randint(1, len(parts))])


def reference_strings(texts):
    rng = random.Random(26)
    unique = sorted(set(texts))
    strings = list(EDGE_CASES)
    while len(strings) < 300:
        strings.append(random_unicode(rng))
    # Whole short texts (answers, short observations), then slices of the long ones.
    short = [t for t in unique if len(t) <= 200]
    rng.shuffle(short)
    strings.extend(short[:200])
    while len(strings) < 2000:
        t = rng.choice(unique)
        n = min(len(t), rng.choice([8, 24, 60, 120, 240, 400]))
        start = rng.randint(0, len(t) - n)
        strings.append(t[start : start + n])
    return strings


def byte_level(pattern, vocab_size, texts, name):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC() if name == "qwen2" else None
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def build_qwen2(texts):
    tok = byte_level(QWEN2_PATTERN, 1500, texts, "qwen2")
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    config = {
        "tokenizer_class": "Qwen2Tokenizer",
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 32768,
        "errors": "replace",
        "split_special_tokens": False,
        "chat_template": CHATML_TEMPLATE,
    }
    specials = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    generation = {"bos_token_id": tok.token_to_id("<|endoftext|>"), "eos_token_id": tok.token_to_id("<|im_end|>")}
    return tok, config, specials, generation, None


def build_llama3(texts):
    tok = byte_level(LLAMA3_PATTERN, 1400, texts, "llama3")
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    tok.add_special_tokens(specials)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single="<|begin_of_text|> $A",
                pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                special_tokens=[("<|begin_of_text|>", bos)],
            ),
        ]
    )
    data = json.loads(tok.to_str())
    data["model"]["ignore_merges"] = True
    tok = Tokenizer.from_str(json.dumps(data))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
        "clean_up_tokenization_spaces": False,
        "model_max_length": 131072,
    }
    special_map = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
    generation = {
        "bos_token_id": bos,
        "eos_token_id": [tok.token_to_id("<|end_of_text|>"), tok.token_to_id("<|eot_id|>")],
    }
    return tok, config, special_map, generation, LLAMA3_TEMPLATE


def sentencepiece_bpe(texts, metaspace):
    """A SentencePiece-style BPE: <unk> <s> </s>, the 256 byte tokens, then the learned pieces."""
    trainer_tok = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer_tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=1000, min_frequency=2, limit_alphabet=120, show_progress=False)
    trainer_tok.train_from_iterator(texts, trainer)
    learned = json.loads(trainer_tok.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece, _ in sorted(learned["vocab"].items(), key=lambda kv: kv[1]):
        if piece not in vocab:
            vocab[piece] = len(vocab)
    data = json.loads(Tokenizer(models.BPE()).to_str())
    data["added_tokens"] = [
        {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for i, c in enumerate(["<unk>", "<s>", "</s>"])
    ]
    if metaspace:
        data["normalizer"] = None
        data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
    else:
        data["normalizer"] = {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": "▁"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
            ],
        }
        data["pre_tokenizer"] = None
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": "<s>", "type_id": 1}},
            {"Sequence": {"id": "B", "type_id": 1}},
        ],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
    }
    if metaspace:
        decoders_ = [
            {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
        ]
    else:
        decoders_ = [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]
    data["decoder"] = {"type": "Sequence", "decoders": decoders_}
    data["model"] = {
        "type": "BPE",
        "dropout": None,
        "unk_token": "<unk>",
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": True,
        "byte_fallback": True,
        "ignore_merges": False,
        "vocab": vocab,
        "merges": learned["merges"],
    }
    return Tokenizer.from_str(json.dumps(data))


def build_llama2(texts):
    tok = sentencepiece_bpe(texts, metaspace=False)
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": None,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 4096,
        "chat_template": LLAMA2_TEMPLATE,
    }
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    return tok, config, specials, {"bos_token_id": 1, "eos_token_id": 2}, None


def build_mistral(texts):
    tok = sentencepiece_bpe(texts, metaspace=True)
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "clean_up_tokenization_spaces": False,
        "model_max_length": 32768,
        "chat_template": MISTRAL_TEMPLATE,
    }
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    return tok, config, specials, {"bos_token_id": 1, "eos_token_id": 2}, None


def conversations(texts):
    chat = [t for t in texts if t.startswith("Observation") or "Action" in t][:6]
    long_obs = next(t for t in texts if len(t) > 300)
    return [
        [{"role": "user", "content": "hi"}],
        [{"role": "system", "content": "You are a careful agent."}, {"role": "user", "content": "go north"}],
        [
            {"role": "user", "content": chat[0]},
            {"role": "assistant", "content": chat[1]},
            {"role": "user", "content": chat[2]},
        ],
        [
            {"role": "system", "content": "Play well. 🎮"},
            {"role": "user", "content": long_obs},
            {"role": "assistant", "content": "Thought: look around.\nAction: look"},
            {"role": "user", "content": "Observation: 日本語 text, café\n  spaced  "},
            {"role": "assistant", "content": "  Action: up  "},
        ],
        [{"role": "user", "content": "  padded user turn \n"}, {"role": "assistant", "content": "up"}],
        [{"role": "user", "content": "one"}, {"role": "user", "content": "two in a row"}],
        # The prompts of the conversations above that end with an assistant turn: the tests find
        # each answer's span as the ids after these (rendered with the generation prompt).
        [
            {"role": "system", "content": "Play well. 🎮"},
            {"role": "user", "content": long_obs},
            {"role": "assistant", "content": "Thought: look around.\nAction: look"},
            {"role": "user", "content": "Observation: 日本語 text, café\n  spaced  "},
        ],
        [{"role": "user", "content": "  padded user turn \n"}],
    ]


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    texts = env_corpus()
    strings = reference_strings(texts)
    convs = conversations(texts)
    builders = {"qwen2": build_qwen2, "llama3": build_llama3, "llama2": build_llama2, "mistral": build_mistral}
    reference = {"strings": strings, "tokenizers": {}}
    for name, build in builders.items():
        tok, config, special_map, generation, jinja = build(texts)
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"), pretty=False)
        config["added_tokens_decoder"] = {
            str(i): {"content": t.content, "lstrip": t.lstrip, "normalized": t.normalized, "rstrip": t.rstrip,
                     "single_word": t.single_word, "special": t.special}
            for i, t in sorted(tok.get_added_tokens_decoder().items())
        }
        write_json(os.path.join(d, "tokenizer_config.json"), config)
        write_json(os.path.join(d, "special_tokens_map.json"), special_map)
        write_json(os.path.join(d, "generation_config.json"), generation)
        if jinja is not None:
            with open(os.path.join(d, "chat_template.jinja"), "w", encoding="utf-8") as f:
                f.write(jinja)

        plain = [e.ids for e in tok.encode_batch(strings, add_special_tokens=False)]
        with_specials = [e.ids for e in tok.encode_batch(strings, add_special_tokens=True)]
        prefix = tok.encode("", add_special_tokens=True).ids
        for p, w in zip(plain, with_specials):
            assert w == prefix + p, (name, p, w)
        decoded = {}
        decoded_skip = {}
        for i, ids in enumerate(plain):
            text = tok.decode(ids, skip_special_tokens=False)
            if text != strings[i]:
                decoded[str(i)] = text
            skipped = tok.decode(ids, skip_special_tokens=True)
            if skipped != text:
                decoded_skip[str(i)] = skipped

        # Decoding arbitrary ids (as a sampled model may emit them): broken UTF-8, specials anywhere.
        rng = random.Random(len(name))
        random_ids = [
            [rng.randrange(tok.get_vocab_size()) for _ in range(rng.randint(1, 16))] for _ in range(300)
        ]
        random_decodes = [
            {"ids": ids, "text": tok.decode(ids, skip_special_tokens=False),
             "textSkipSpecial": tok.decode(ids, skip_special_tokens=True)}
            for ids in random_ids
        ]

        # transformers' tokenizer must agree with the tokenizers one it wraps.
        hf = AutoTokenizer.from_pretrained(d)
        for s, ids in zip(strings, plain):
            assert hf.encode(s, add_special_tokens=False) == ids, (name, s)
        chats = []
        for messages in convs:
            for generation_prompt in (True, False):
                entry = {"messages": messages, "addGenerationPrompt": generation_prompt}
                try:
                    entry["text"] = hf.apply_chat_template(
                        messages, add_generation_prompt=generation_prompt, tokenize=False
                    )
                    ids = hf.apply_chat_template(messages, add_generation_prompt=generation_prompt, tokenize=True)
                    entry["ids"] = list(ids["input_ids"] if hasattr(ids, "keys") else ids)
                except Exception as e:  # raise_exception in the template
                    entry["error"] = str(e)
                chats.append(entry)
        reference["tokenizers"][name] = {
            "vocabSize": tok.get_vocab_size(),
            "specialPrefix": prefix,
            "ids": plain,
            "decoded": decoded,
            "decodedSkipSpecial": decoded_skip,
            "chats": chats,
            "randomDecodes": random_decodes,
        }
        print(f"{name}: vocab {tok.get_vocab_size()}, {sum(map(len, plain))} ids, "
              f"{len(decoded)} decodes differ from the input, {sum('error' in c for c in chats)} template errors",
              file=sys.stderr)
    with gzip.GzipFile(os.path.join(OUT, "reference.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(reference, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


if __name__ == "__main__":
    main()
