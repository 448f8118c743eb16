"""hfmodel.py: tiny Hugging Face Llama / Qwen2 checkpoints and a float64 oracle.

make_model() writes a random HF model directory (config.json + safetensors),
load_model() reads one back as float64 torch tensors (bf16/f16 decoded
exactly, so the oracle sees the same rounded weights the engine reads), and
forward_logprobs() / forward_logits() / greedy() run the model the way HF
transformers' LlamaForCausalLM / Qwen2ForCausalLM do, all in float64.

Runs on Debian's /usr/bin/python3 (torch 1.13, numpy 1.24). Writing needs only
numpy; torch is imported on first use by the reading/forward functions, so
tests that only build fixtures do not pay for it.
"""
import json
import math
import os
import struct

import numpy as np

DTYPE_TORCH_NAME = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}
DTYPE_SIZE = {"F64": 8, "F32": 4, "BF16": 2, "F16": 2, "I64": 8, "I32": 4}


# ----------------------------------------------------------------------------
# safetensors with numpy

def f32_to_bf16_bits(x):
    """float32 array -> uint16 bf16 bit patterns, round to nearest even (as torch)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    r = np.where(nan, (u >> 16) | 0x40, r)
    return r.astype(np.uint16)


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode_tensor(x, dtype):
    """float array -> raw little-endian bytes in safetensors dtype."""
    x = np.asarray(x)
    if dtype == "F32":
        return x.astype("<f4").tobytes()
    if dtype == "F16":
        return x.astype(np.float32).astype("<f2").tobytes()  # numpy casts RNE
    if dtype == "BF16":
        return f32_to_bf16_bits(x.astype(np.float32)).astype("<u2").tobytes()
    if dtype == "F64":
        return x.astype("<f8").tobytes()
    raise ValueError("unsupported dtype " + dtype)


def decode_tensor(raw, dtype, shape):
    """raw bytes -> float64 numpy array (exact)."""
    if dtype == "F32":
        a = np.frombuffer(raw, dtype="<f4")
    elif dtype == "F16":
        a = np.frombuffer(raw, dtype="<f2")
    elif dtype == "BF16":
        a = bf16_bits_to_f32(np.frombuffer(raw, dtype="<u2"))
    elif dtype == "F64":
        a = np.frombuffer(raw, dtype="<f8")
    else:
        raise ValueError("unsupported dtype " + dtype)
    return a.astype(np.float64).reshape(shape)


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, float array); all stored as dtype. Header is
    padded with spaces to a multiple of 8, as the reference writer does."""
    header, blobs, off = {}, [], 0
    for name, x in tensors:
        raw = encode_tensor(x, dtype)
        header[name] = {"dtype": dtype, "shape": list(np.shape(x)), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return off


def read_safetensors(path):
    """-> dict name -> (dtype, shape, float64 numpy array)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = (info["dtype"], info["shape"], decode_tensor(data[base + b:base + e], info["dtype"], info["shape"]))
    return out


# ----------------------------------------------------------------------------
# writing a model

def full_config(cfg, dtype="F32"):
    """Fill an HF config.json dict from a short spec. cfg keys: model_type
    ("llama" | "qwen2") and any HF LlamaConfig / Qwen2Config field."""
    mt = cfg.get("model_type", "llama")
    c = {
        "architectures": ["Qwen2ForCausalLM" if mt == "qwen2" else "LlamaForCausalLM"],
        "model_type": mt,
        "hidden_act": "silu",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 128,
        "max_position_embeddings": 256,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "initializer_range": 0.02,
        "use_cache": True,
        "torch_dtype": DTYPE_TORCH_NAME[dtype],
        "transformers_version": "4.45.0",
    }
    if mt == "llama":
        c.update({"attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0, "pretraining_tp": 1})
    else:
        c.update({"use_sliding_window": False, "sliding_window": 4096, "max_window_layers": 28,
                  "attention_dropout": 0.0})
    c.update(cfg)
    return c


def head_dim_of(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def tensor_shapes(c):
    """Ordered list of (name, shape) an HF checkpoint of config c holds."""
    H, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], head_dim_of(c)
    qwen = c["model_type"] == "qwen2"
    attn_bias = qwen or c.get("attention_bias", False)
    out = [("model.embed_tokens.weight", (V, H))]
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        out.append((p + "input_layernorm.weight", (H,)))
        for proj, rows in (("q", nh * hd), ("k", nkv * hd), ("v", nkv * hd)):
            out.append((p + "self_attn.%s_proj.weight" % proj, (rows, H)))
            if attn_bias:
                out.append((p + "self_attn.%s_proj.bias" % proj, (rows,)))
        out.append((p + "self_attn.o_proj.weight", (H, nh * hd)))
        if not qwen and c.get("attention_bias", False):
            out.append((p + "self_attn.o_proj.bias", (H,)))
        out.append((p + "post_attention_layernorm.weight", (H,)))
        for proj, shape in (("gate", (I, H)), ("up", (I, H)), ("down", (H, I))):
            out.append((p + "mlp.%s_proj.weight" % proj, shape))
            if not qwen and c.get("mlp_bias", False):
                out.append((p + "mlp.%s_proj.bias" % proj, (shape[0],)))
    out.append(("model.norm.weight", (H,)))
    if not c.get("tie_word_embeddings", False):
        out.append(("lm_head.weight", (V, H)))
    return out


def random_weights(c, seed):
    """Random weights scaled so attention is not uniform and the next-token
    distribution is peaked (entropy well below log(vocab)): matrices get std
    ~1.2/sqrt(fan_in), embeddings/lm_head std 0.6 (logit std ~0.6*sqrt(H)),
    norms 1 +- 0.1, biases std 0.05."""
    rng = np.random.default_rng(seed)
    out = []
    for name, shape in tensor_shapes(c):
        if name.endswith("norm.weight"):
            x = 1.0 + rng.uniform(-0.1, 0.1, shape)
        elif name.endswith(".bias"):
            x = rng.normal(0.0, 0.05, shape)
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            x = rng.normal(0.0, 0.6, shape)
        else:
            x = rng.normal(0.0, 1.2 / math.sqrt(shape[1]), shape)
        out.append((name, x.astype(np.float32)))
    return out


def write_weights(dir, tensors, dtype, sharded=False):
    """tensors: list of (name, array). sharded: split into 2 files + index."""
    if not sharded:
        write_safetensors(os.path.join(dir, "model.safetensors"), tensors, dtype)
        return
    n_shards = 2
    total = sum(np.size(x) for _, x in tensors)
    groups, acc = [[] for _ in range(n_shards)], 0
    for name, x in tensors:
        groups[min(n_shards - 1, acc * n_shards // total)].append((name, x))
        acc += np.size(x)
    weight_map, total_size = {}, 0
    for i, g in enumerate(groups):
        fname = "model-%05d-of-%05d.safetensors" % (i + 1, n_shards)
        total_size += write_safetensors(os.path.join(dir, fname), g, dtype)
        for name, _ in g:
            weight_map[name] = fname
    with open(os.path.join(dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total_size}, "weight_map": weight_map}, f, indent=2)


def write_config(dir, c):
    with open(os.path.join(dir, "config.json"), "w") as f:
        json.dump(c, f, indent=2)


def make_model(dir, cfg, dtype="F32", seed=0, sharded=False):
    """Write a random HF model to dir (created if needed). Returns the full config."""
    os.makedirs(dir, exist_ok=True)
    c = full_config(cfg, dtype)
    write_config(dir, c)
    write_weights(dir, random_weights(c, seed), dtype, sharded)
    return c


# ----------------------------------------------------------------------------
# reading a model

class Model:
    def __init__(self, cfg, w):
        self.cfg = cfg  # the config.json dict
        self.w = w      # name -> float64 torch tensor


def load_model(dir):
    import torch
    with open(os.path.join(dir, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w = {}
    for fn in files:
        for name, (_, _, a) in read_safetensors(os.path.join(dir, fn)).items():
            w[name] = torch.from_numpy(np.ascontiguousarray(a))
    return Model(cfg, w)


# ----------------------------------------------------------------------------
# float64 forward, as HF transformers computes it

def rope_inv_freq(c):
    """inv_freq [hd/2], float64, with HF's llama3 rope_scaling transform."""
    import torch
    hd = head_dim_of(c)
    theta = float(c.get("rope_theta", 10000.0))
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = c.get("rope_scaling")
    if not rs:
        return inv_freq
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "default":
        return inv_freq
    if kind != "llama3":
        raise ValueError("oracle: unsupported rope_scaling type %r" % kind)
    # transformers.modeling_rope_utils._compute_llama3_parameters
    factor = rs["factor"]
    low_ff, high_ff = rs["low_freq_factor"], rs["high_freq_factor"]
    old_ctx = rs["original_max_position_embeddings"]
    low_wl, high_wl = old_ctx / low_ff, old_ctx / high_ff
    wavelen = 2 * math.pi / inv_freq
    inv_l = torch.where(wavelen > low_wl, inv_freq / factor, inv_freq)
    smooth = (old_ctx / wavelen - low_ff) / (high_ff - low_ff)
    smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
    medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
    return torch.where(medium, smoothed, inv_l)


def rms_norm(x, w, eps):
    """HF LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * w (torch 1.13 has no nn.RMSNorm)."""
    return x * (x.pow(2).mean(-1, keepdim=True) + eps).rsqrt() * w


def rotate_half(x):
    import torch
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def forward_logits(model, ids, dtype=None, lora=None):
    """log_softmax of the next-token logits at every position: [T, vocab] float64.
    dtype (e.g. torch.float32) runs the same forward in lower precision, to
    gauge how far an engine computing in that precision may drift.
    lora: {"model.layers.N.self_attn.q_proj": (A [r,in], B [out,r], scale)} adds
    PEFT's scale * B(A x) to those projections. Differentiable (autograd) when
    the weights or A/B require grad."""
    import torch
    c, w = model.cfg, model.w
    if dtype is not None:
        w = {k: v.to(dtype) for k, v in w.items()}
    lora = lora or {}

    def proj(x, name):
        y = linear(x, w[name + ".weight"], w.get(name + ".bias"))
        if name in lora:
            A, B, scale = lora[name]
            y = y + (x @ A.T) @ B.T * scale
        return y
    H = c["hidden_size"]
    nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], head_dim_of(c)
    eps = float(c["rms_norm_eps"])
    T = len(ids)
    ids_t = torch.tensor(list(ids), dtype=torch.long)
    x = w["model.embed_tokens.weight"][ids_t]  # [T, H]

    pos = torch.arange(T, dtype=torch.float64)
    ang = pos[:, None] * rope_inv_freq(c)[None, :]  # [T, hd/2]
    emb = torch.cat((ang, ang), dim=-1)               # [T, hd]
    cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    group = nh // nkv

    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = proj(h, p + "self_attn.q_proj")
        k = proj(h, p + "self_attn.k_proj")
        v = proj(h, p + "self_attn.v_proj")
        q = q.view(T, nh, hd).transpose(0, 1)   # [nh, T, hd]
        k = k.view(T, nkv, hd).transpose(0, 1)  # [nkv, T, hd]
        v = v.view(T, nkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(group, dim=0)   # head h uses kv head h // group
        v = v.repeat_interleave(group, dim=0)
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)  # [nh, T, T]
        s = s.masked_fill(causal, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v             # [nh, T, hd]
        a = a.transpose(0, 1).reshape(T, nh * hd)
        x = x + proj(a, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = proj(h, p + "mlp.gate_proj")
        up = proj(h, p + "mlp.up_proj")
        act = gate * torch.sigmoid(gate)  # silu
        x = x + proj(act * up, p + "mlp.down_proj")

    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight")
    if head is None or c.get("tie_word_embeddings", False):
        head = w["model.embed_tokens.weight"]
    logits = x @ head.T  # [T, V]
    assert logits.shape == (T, c["vocab_size"]) and H == x.shape[1]
    return torch.log_softmax(logits, dim=-1).double()


def forward_logprobs(model, ids):
    """[len(ids)-1] float64 list: log p(ids[i+1] | ids[0..i])."""
    lp = forward_logits(model, ids)
    return [float(lp[i, ids[i + 1]]) for i in range(len(ids) - 1)]


def greedy(model, ids, n):
    """Greedy continuation: returns the n new ids (full recompute per step)."""
    ids = list(ids)
    out = []
    for _ in range(n):
        nxt = int(forward_logits(model, ids)[-1].argmax())
        out.append(nxt)
        ids.append(nxt)
    return out
