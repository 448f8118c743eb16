#!/usr/bin/python3
"""run_train_oracle.py SEAL WORKDIR

Training parity with PyTorch autograd in float64:
 1. gradients: on random tiny Llama and Qwen2 models, a batch of 3 sequences of
    mixed lengths with completion-only masks (loss = mean NLL over label tokens),
    `seal train --dump-grads` gives every LoRA A and B gradient (nonzero A and B
    from a PEFT adapter written here), and in --full mode every parameter's
    gradient, within 1e-4 relative (max |delta| / max |g| per tensor);
 2. optimizer: 10 AdamW steps (weight decay, cosine schedule with warmup,
    clipping by global norm) follow torch.optim.AdamW + LambdaLR +
    clip_grad_norm_: per-step losses and final adapter parameters within 1e-4
    relative.
"""
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402

torch.set_default_dtype(torch.float64)
MODS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
MODELS = [
    ("llama_tied_gqa2", "F32", {"model_type": "llama", "hidden_size": 32, "intermediate_size": 48,
                                "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                                "vocab_size": 96, "tie_word_embeddings": True}),
    ("qwen2_bias_untied_gqa4", "BF16", {"model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64,
                                       "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
                                       "vocab_size": 80, "tie_word_embeddings": False, "rms_norm_eps": 1e-6}),
]


def write_dataset(path, vocab, rng):
    rows = []
    for n in (17, 9, 13):
        ids = [rng.randrange(vocab) for _ in range(n)]
        prompt = rng.randrange(2, 5)
        rows.append({"input_ids": ids, "completion_mask": [0] * prompt + [1] * (n - prompt)})
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


def write_adapter(dir, cfg, rank, alpha, targets, rslora, rng):
    os.makedirs(dir, exist_ok=True)
    L, H, hd = cfg["num_hidden_layers"], cfg["hidden_size"], hfmodel.head_dim_of(cfg)
    q, kv, F = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd, cfg["intermediate_size"]
    shapes = {"q_proj": (H, q), "k_proj": (H, kv), "v_proj": (H, kv), "o_proj": (q, H),
              "gate_proj": (H, F), "up_proj": (H, F), "down_proj": (F, H)}
    tensors = []
    for l in range(L):
        for m in MODS:
            short = m.split(".")[1]
            if short not in targets:
                continue
            fin, fout = shapes[short]
            base = "base_model.model.model.layers.%d.%s" % (l, m)
            tensors.append((base + ".lora_A.weight", rng.uniform(-0.3, 0.3, (rank, fin))))
            tensors.append((base + ".lora_B.weight", rng.normal(0, 0.3, (fout, rank))))
    hfmodel.write_safetensors(os.path.join(dir, "adapter_model.safetensors"), tensors, "F32")
    conf = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0,
            "target_modules": sorted(targets), "use_rslora": rslora, "bias": "none", "fan_in_fan_out": False,
            "base_model_name_or_path": "oracle", "inference_mode": True, "modules_to_save": None,
            "layers_to_transform": None, "layers_pattern": None, "rank_pattern": {}, "alpha_pattern": {},
            "use_dora": False, "init_lora_weights": True}
    with open(os.path.join(dir, "adapter_config.json"), "w") as f:
        json.dump(conf, f)
    return {n: torch.tensor(a) for n, a in tensors}


def lora_dict(adapter, rank, alpha, rslora):
    scale = alpha / math.sqrt(rank) if rslora else alpha / rank
    out = {}
    for name, t in adapter.items():
        if name.endswith("lora_A.weight"):
            mod = name[len("base_model.model."):-len(".lora_A.weight")]
            out[mod] = (t, adapter[name.replace("lora_A", "lora_B")], scale)
    return out


def batch_loss(model, rows, lora):
    total, count = 0.0, 0
    for r in rows:
        ids, mask = r["input_ids"], r["completion_mask"]
        lp = hfmodel.forward_logits(model, ids, lora=lora)
        for t in range(len(ids) - 1):
            if mask[t + 1]:
                total = total - lp[t, ids[t + 1]]
                count += 1
    return total / count


def seal(seal_bin, *args):
    p = subprocess.run([seal_bin, "train", *args, "--json", "-t", "1"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("seal train failed: " + p.stderr.strip())
    return p.stdout


def rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check_grads(seal_bin, work, name, dtype, cfg, rng, nrng, full):
    d = os.path.join(work, name)
    c = hfmodel.make_model(d, cfg, dtype, seed=rng.randrange(1 << 30))
    rows = write_dataset(os.path.join(work, name + ".jsonl"), c["vocab_size"], rng)
    model = hfmodel.load_model(d)
    grads_file = os.path.join(work, name + ("-full" if full else "-lora") + ".grads.safetensors")
    common = ["-m", d, "--data", os.path.join(work, name + ".jsonl"), "--out", os.path.join(work, name + "-out"),
              "--max-steps", "1", "--batch-size", "3", "--no-shuffle", "--lr", "0", "--dump-grads", grads_file, "--force"]
    if full:
        seal(seal_bin, *common, "--full")
        params = {k: v.clone().requires_grad_(True) for k, v in model.w.items()}
        model.w = params
        lora = None
        ref_of = params
    else:
        targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        rslora = name.startswith("qwen")
        adir = os.path.join(work, name + "-adapter")
        adapter = write_adapter(adir, c, 4, 8, targets, rslora, nrng)
        seal(seal_bin, *common, "--init-adapter", adir)
        for t in adapter.values():
            t.requires_grad_(True)
        lora = lora_dict(adapter, 4, 8, rslora)
        ref_of = adapter
    loss = batch_loss(model, rows, lora)
    loss.backward()
    got = hfmodel.read_safetensors(grads_file)
    worst, worst_name, missing = 0.0, "", []
    for pname, t in ref_of.items():
        if pname not in got:
            if full and pname == "lm_head.weight" and c.get("tie_word_embeddings"):
                continue
            missing.append(pname)
            continue
        e = rel_err(got[pname][2], t.grad.numpy())
        if e > worst:
            worst, worst_name = e, pname
    ok = not missing and worst <= 1e-4
    print("%s grads %-24s %-4s %-4s %3d tensors, worst rel err %.2e (%s)%s" % (
        "ok  " if ok else "FAIL", name, dtype, "full" if full else "lora", len(ref_of), worst, worst_name,
        (" missing " + ",".join(missing[:3])) if missing else ""))
    return ok


def check_adamw(seal_bin, work, rng, nrng):
    name, dtype, cfg = MODELS[1]
    d = os.path.join(work, "adamw-model")
    c = hfmodel.make_model(d, cfg, dtype, seed=5)
    rows = write_dataset(os.path.join(work, "adamw.jsonl"), c["vocab_size"], rng)
    adir = os.path.join(work, "adamw-adapter")
    targets = ["q_proj", "v_proj", "down_proj"]
    adapter = write_adapter(adir, c, 4, 16, targets, False, nrng)
    steps, lr, wd, clip, warm = 10, 5e-3, 0.05, 0.5, 2
    out = os.path.join(work, "adamw-out")
    seal(seal_bin, "-m", d, "--data", os.path.join(work, "adamw.jsonl"), "--out", out, "--init-adapter", adir,
         "--epochs", str(steps), "--batch-size", "3", "--no-shuffle", "--lr", str(lr), "--schedule", "cosine",
         "--warmup-steps", str(warm), "--weight-decay", str(wd), "--max-grad-norm", str(clip))
    seal_losses = [json.loads(l)["loss"] for l in open(os.path.join(out, "train_log.jsonl"))]
    model = hfmodel.load_model(d)
    params = [t.requires_grad_(True) for t in adapter.values()]
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)

    def lam(step):  # transformers.get_cosine_schedule_with_warmup
        if step < warm:
            return step / max(1, warm)
        progress = (step - warm) / max(1, steps - warm)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    ref_losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = batch_loss(model, rows, lora_dict(adapter, 4, 16, False))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        ref_losses.append(float(loss))
    got = hfmodel.read_safetensors(os.path.join(out, "adapter_model.safetensors"))
    worst_p = max(rel_err(got[n][2], t.detach().numpy()) for n, t in adapter.items())
    worst_l = max(abs(a - b) / abs(b) for a, b in zip(seal_losses, ref_losses)) if len(seal_losses) == steps else 1.0
    # the adapter seal wrote, applied by the oracle from the files alone, scores as seal does
    conf = json.load(open(os.path.join(out, "adapter_config.json")))
    files = {n: torch.tensor(a[2]) for n, a in got.items()}
    lora = lora_dict(files, conf["r"], conf["lora_alpha"], conf.get("use_rslora", False))
    ids = rows[0]["input_ids"]
    ref = hfmodel.forward_logits(hfmodel.load_model(d), ids, lora=lora)
    ref_lp = [float(ref[t, ids[t + 1]]) for t in range(len(ids) - 1)]
    p = subprocess.run([seal_bin, "score", "-m", d, "--adapter", out, "--ids", " ".join(map(str, ids)), "--json"],
                       capture_output=True, text=True)
    score_err = max(abs(a - b) for a, b in zip(json.loads(p.stdout)["logprobs"], ref_lp)) if p.returncode == 0 else 1.0
    ok = worst_p <= 1e-4 and worst_l <= 1e-4 and score_err <= 1e-4
    print("%s seal-written adapter applied by the oracle from its files: max |delta logprob| %.2e vs seal score --adapter" % (
        "ok  " if score_err <= 1e-4 else "FAIL", score_err))
    print("%s adamw %d steps (cosine, warmup %d, clip %g, wd %g): loss rel err %.2e, params rel err %.2e" % (
        "ok  " if ok else "FAIL", steps, warm, clip, wd, worst_l, worst_p))
    print("     losses seal   %s" % " ".join("%.5f" % x for x in seal_losses))
    print("     losses torch  %s" % " ".join("%.5f" % x for x in ref_losses))
    return ok


def main(argv):
    seal_bin, work = argv[1], argv[2]
    rng, nrng = random.Random(1234), np.random.default_rng(99)
    fails = 0
    for name, dtype, cfg in MODELS:
        for full in (False, True):
            fails += not check_grads(seal_bin, work, name, dtype, cfg, rng, nrng, full)
    fails += not check_adamw(seal_bin, work, rng, nrng)
    print("%d checks failed" % fails if fails else "all training checks match")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
