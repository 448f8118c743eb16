"""pretrain_spans_oracle.py: the independent side of test_pretrain_spans.sh.

  fixture DIR          write DIR/tok (a hand-made byte-level BPE tokenizer.json
                       whose encoding this file computes itself) and
                       DIR/docs.jsonl (documents exercising the span rules)
  expect DIR SPANS FRAC  print {"train_loss", "eval_loss", "unlabelled",
                       "resegmented"}: the masked mean NLL that the first step
                       (all training documents in one batch) and the held-out
                       evaluation of DIR/run must log, computed with the float64
                       oracle (tests/oracle/hfmodel.py) from this file's own ids
                       and mask, following docs/commands/pretrain.md's rule.
                       "shifted_loss": the same with the mask moved one token
                       right, to show the comparison can tell them apart.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))

SPECIAL = ["<|endoftext|>", "<|eot_id|>"]
# "#Ċ" straddles the end marker "#"; "xÃ" ends inside the UTF-8 character "é" (C3 A9), so a document with
# "xé" has no offsets and takes the segment rule.
MERGES = [("Ġ", "-"), ("Ġ-", ">"), ("Ġ->", "Ġ"), ("#", "Ċ"), ("1", "2"), ("]", "]"), ("a", "s"), ("x", "Ã")]
DOCS = [
    "[[1 2]\n [3 4]] -> [[12]]#\n[[5]] -> [[6 7]]#\n",
    "rule: [[1]] -> [[2 2]]#\n[[3]] -> [[12 12]]#\n",
    "user: [[9 8]] -> <|eot_id|>assistant: [[8 9]]#<|eot_id|>",
    "no markers at all in this one",
    "open span: x -> 12 12 12",
    "as -> as as#asas -> 12#",
    "assistant: [[1 -> 2]]# tail -> [[3]]#<|eot_id|> after",
    "[[7]] -> [[7 7]]#\n[[1 2]] -> [[2 1]]#\n[[3]] -> [[3]]#\n",
    "assistant: <|eot_id|>",
    "[[4 4]] -> [[12]]#",
    "xé -> [[1]]#\n[[2]] -> xé#",
]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()


def vocab():
    v = {B2U[b]: i for i, b in enumerate(sorted(B2U))}
    for a, b in MERGES:
        v[a + b] = len(v)
    return v


def fixture(d):
    os.makedirs(os.path.join(d, "tok"), exist_ok=True)
    v = vocab()
    added = [{"id": len(v) + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, s in enumerate(SPECIAL)]
    bl = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
          "pre_tokenizer": bl, "post_processor": bl, "decoder": bl,
          "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                    "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                    "vocab": v, "merges": [a + " " + b for a, b in MERGES]}}
    with open(os.path.join(d, "tok", "tokenizer.json"), "w") as f:
        json.dump(tj, f, ensure_ascii=False)
    with open(os.path.join(d, "tok", "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": "<|endoftext|>", "bos_token": None, "model_max_length": 512}, f)
    with open(os.path.join(d, "docs.jsonl"), "w") as f:
        for t in DOCS:
            f.write(json.dumps({"text": t}) + "\n")


def bpe(piece):
    """Byte-level BPE of one piece of text (no pre-tokenizer split: use_regex false)."""
    word = [B2U[b] for b in piece.encode()]
    rank = {m: i for i, m in enumerate(MERGES)}
    while len(word) > 1:
        pairs = [(rank.get((word[i], word[i + 1]), 1 << 30), i) for i in range(len(word) - 1)]
        r, i = min(pairs)
        if r == 1 << 30:
            break
        word[i:i + 2] = [word[i] + word[i + 1]]
    v = vocab()
    return [v[w] for w in word]


def encode(text):
    """Special tokens split out first, then BPE of the pieces between them."""
    ids, i, start = [], 0, 0
    base = len(vocab())
    while i < len(text):
        hit = next((s for s in SPECIAL if text.startswith(s, i)), None)
        if hit:
            if start < i:
                ids += bpe(text[start:i])
            ids.append(base + SPECIAL.index(hit))
            i += len(hit)
            start = i
        else:
            i += 1
    if start < len(text):
        ids += bpe(text[start:])
    return ids


def marked_chars(text, spans):
    """The documented rule: after each start, up to and including the next end (or the text's end)."""
    m = [0] * len(text)
    for p in spans:
        pos = 0
        while True:
            a = text.find(p["start"], pos)
            if a < 0:
                break
            a += len(p["start"])
            e = text.find(p["end"], a)
            b = len(text) if e < 0 else e + len(p["end"])
            for k in range(a, b):
                m[k] = 1
            if e < 0:
                break
            pos = b
    return m


def token_bytes(i):
    """A token's bytes when decoded alone, or None when they are not valid UTF-8 (seal then gets U+FFFD)."""
    base = len(vocab())
    if i >= base:
        b = SPECIAL[i - base].encode()
    else:
        u2b = {c: b for b, c in B2U.items()}
        b = bytes(u2b[c] for c in {v: k for k, v in vocab().items()}[i])
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return b


def doc_ids_mask(text, spans):
    """docs/commands/pretrain.md: offsets when every token decodes alone to its bytes, else segments."""
    full = text if text.endswith("<|endoftext|>") else text + "<|endoftext|>"
    raw = full.encode()
    m = [0] * len(raw)
    for k, c in enumerate(marked_chars(full, spans)):  # characters -> their bytes
        at = len(full[:k].encode())
        for j in range(len(full[k].encode())):
            m[at + j] = c
    whole = encode(full)
    pieces = [token_bytes(i) for i in whole]
    if all(p is not None for p in pieces) and b"".join(pieces) == raw:
        mask, off = [], 0
        for p in pieces:
            mask.append(int(any(m[off:off + len(p)])))
            off += len(p)
        return whole, mask, False
    ids, mask, a = [], [], 0
    chars = marked_chars(full, spans)
    while a < len(full):
        b = a
        while b < len(full) and chars[b] == chars[a]:
            b += 1
        seg = encode(full[a:b])
        ids += seg
        mask += [chars[a]] * len(seg)
        a = b
    return ids, mask, ids != whole


def held_out(i, frac):
    h = (i * 0x9E3779B97F4A7C15) % (1 << 64)
    return (h >> 11) * (1.0 / 9007199254740992.0) < frac


def masked_mean(model, docs, shift=0):
    import hfmodel
    nll, count = 0.0, 0
    for ids, mask in docs:
        lp = hfmodel.forward_logprobs(model, ids)
        for t in range(len(ids) - 1):
            j = t + 1 - shift
            if 1 <= j < len(ids) and mask[j]:
                nll -= lp[t]
                count += 1
    return nll / count


def expect(d, spans, frac):
    import hfmodel
    model = hfmodel.load_model(os.path.join(d, "run"))
    train, held, unlabelled, reseg = [], [], 0, 0
    for i, t in enumerate(DOCS):
        ids, mask, differs = doc_ids_mask(t, spans)
        reseg += differs
        if not any(mask[1:]):
            unlabelled += 1
            continue
        (held if held_out(i, frac) else train).append((ids, mask))
    out = {"train_loss": masked_mean(model, train), "eval_loss": masked_mean(model, held) if held else None,
           "shifted_loss": masked_mean(model, train, shift=1), "unlabelled": unlabelled, "resegmented": reseg,
           "train_docs": len(train), "held_docs": len(held)}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "fixture":
        fixture(sys.argv[2])
    else:
        expect(sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4]))
