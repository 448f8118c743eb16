#!/usr/bin/python3
"""stories260k_to_hf.py SRC.bin OUT_DIR [--verify]

Convert a llama2.c "v0" checkpoint (karpathy's stories260K.bin) to a Hugging
Face Llama directory: config.json + model.safetensors (F32, tied embeddings).

llama2.c layout (little-endian): 7 int32 (dim, hidden_dim, n_layers, n_heads,
n_kv_heads, vocab_size, seq_len; vocab_size < 0 means an untied classifier at
the end), then f32 tensors emb [V,D], rms_att [L,D], wq [L,D,D], wk [L,KV,D],
wv [L,KV,D], wo [L,D,D], rms_ffn [L,D], w1 [L,F,D], w2 [L,D,F], w3 [L,F,D],
rms_final [D], freq_cis real/imag [seq_len, hd/2] each, (wcls [V,D]).

llama2.c applies RoPE to interleaved pairs (Meta convention); HF rotates
halves, so wq and wk rows are permuted per head as HF's
convert_llama_weights_to_hf does. w1 = gate, w3 = up, w2 = down.

--verify: greedy-decode 20 tokens from BOS=1 with the float64 oracle and
check they equal karpathy's documented ids (exit 1 otherwise).
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402

REFERENCE_IDS = [403, 407, 261, 378, 432, 383, 286, 261, 376, 298,
                 315, 421, 395, 317, 426, 338, 401, 396, 267, 337]


def permute(w, n_heads):
    """Interleaved-pair rows -> rotate_half rows, per head. w: [rows, cols]."""
    rows, cols = w.shape
    return w.reshape(n_heads, rows // n_heads // 2, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def convert(src, out_dir):
    with open(src, "rb") as f:
        data = f.read()
    if len(data) < 28:
        raise SystemExit("%s: too short for a llama2.c header" % src)
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack("<7i", data[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    if min(dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len) <= 0 or dim % n_heads or n_heads % n_kv:
        raise SystemExit("%s: implausible header %r" % (src, (dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len)))
    hd = dim // n_heads
    kv_dim = n_kv * hd
    vals = np.frombuffer(data, dtype="<f4", offset=28)
    pos = [0]

    def take(*shape):
        n = int(np.prod(shape))
        if pos[0] + n > vals.size:
            raise SystemExit("%s: truncated" % src)
        a = vals[pos[0]:pos[0] + n].reshape(shape)
        pos[0] += n
        return a

    emb = take(vocab, dim)
    rms_att = take(n_layers, dim)
    wq = take(n_layers, dim, dim)
    wk = take(n_layers, kv_dim, dim)
    wv = take(n_layers, kv_dim, dim)
    wo = take(n_layers, dim, dim)
    rms_ffn = take(n_layers, dim)
    w1 = take(n_layers, hidden, dim)
    w2 = take(n_layers, dim, hidden)
    w3 = take(n_layers, hidden, dim)
    rms_final = take(dim)
    take(seq_len, hd // 2)  # freq_cis_real (legacy)
    take(seq_len, hd // 2)  # freq_cis_imag (legacy)
    wcls = emb if shared else take(vocab, dim)
    if pos[0] != vals.size:
        raise SystemExit("%s: %d trailing floats" % (src, vals.size - pos[0]))

    tensors = [("model.embed_tokens.weight", emb)]
    for l in range(n_layers):
        p = "model.layers.%d." % l
        tensors += [
            (p + "input_layernorm.weight", rms_att[l]),
            (p + "self_attn.q_proj.weight", permute(wq[l], n_heads)),
            (p + "self_attn.k_proj.weight", permute(wk[l], n_kv)),
            (p + "self_attn.v_proj.weight", wv[l]),
            (p + "self_attn.o_proj.weight", wo[l]),
            (p + "post_attention_layernorm.weight", rms_ffn[l]),
            (p + "mlp.gate_proj.weight", w1[l]),
            (p + "mlp.up_proj.weight", w3[l]),
            (p + "mlp.down_proj.weight", w2[l]),
        ]
    tensors.append(("model.norm.weight", rms_final))
    if not shared:
        tensors.append(("lm_head.weight", wcls))

    os.makedirs(out_dir, exist_ok=True)
    cfg = hfmodel.full_config({
        "model_type": "llama", "hidden_size": dim, "intermediate_size": hidden,
        "num_hidden_layers": n_layers, "num_attention_heads": n_heads, "num_key_value_heads": n_kv,
        "vocab_size": vocab, "max_position_embeddings": seq_len, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "tie_word_embeddings": shared, "bos_token_id": 1, "eos_token_id": 2,
    }, "F32")
    hfmodel.write_config(out_dir, cfg)
    hfmodel.write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors, "F32")
    return cfg


def verify(out_dir):
    model = hfmodel.load_model(out_dir)
    got = hfmodel.greedy(model, [1], len(REFERENCE_IDS))
    ok = got == REFERENCE_IDS
    print("greedy from BOS: %s (%s)" % (got, "matches reference" if ok else "MISMATCH, want %s" % REFERENCE_IDS))
    return ok


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    convert(args[0], args[1])
    if "--verify" in argv and not verify(args[1]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
