#!/usr/bin/python3
"""make_bad_models.py WORKDIR

For test_config_errors.sh: writes broken HF model directories under WORKDIR
(numpy only, no torch) and prints one line per case, tab-separated:
    case-name  model-dir  needle
where needle is a string seal's one-line error must contain (compared
case-insensitively).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402

BASE = {"model_type": "llama", "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 64}


def good(work, name, **over):
    """A valid tiny model dir; returns (dir, config)."""
    d = os.path.join(work, name)
    c = hfmodel.make_model(d, dict(BASE, **over), "F32", seed=7)
    return d, c


def edit_config(d, fn):
    p = os.path.join(d, "config.json")
    with open(p) as f:
        c = json.load(f)
    fn(c)
    with open(p, "w") as f:
        json.dump(c, f, indent=2)


def rewrite_weights(d, c, fn):
    """Rewrite model.safetensors with fn applied to the (name, array) list."""
    hfmodel.write_safetensors(os.path.join(d, "model.safetensors"), fn(hfmodel.random_weights(c, 7)), "F32")


def main(argv):
    work = argv[1]
    cases = []

    cases.append(("nonexistent-dir", os.path.join(work, "does-not-exist"), "no such"))

    d, _ = good(work, "no-config")
    os.remove(os.path.join(d, "config.json"))
    cases.append(("missing-config", d, "config.json"))

    d, _ = good(work, "config-not-json")
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write('{"architectures": ["LlamaForCausalLM"], "hidden_size": 32,\n')
    cases.append(("config-not-json", d, "config.json"))

    d, _ = good(work, "mistral")
    edit_config(d, lambda c: c.update(architectures=["MistralForCausalLM"], model_type="mistral",
                                      sliding_window=16))
    cases.append(("arch-mistral", d, "MistralForCausalLM"))

    d, _ = good(work, "gpt2")
    edit_config(d, lambda c: c.update(architectures=["GPT2LMHeadModel"], model_type="gpt2"))
    cases.append(("arch-gpt2", d, "GPT2LMHeadModel"))

    d, _ = good(work, "yarn")
    edit_config(d, lambda c: c.update(rope_scaling={"rope_type": "yarn", "factor": 4.0,
                                                    "original_max_position_embeddings": 32}))
    cases.append(("rope-scaling-yarn", d, "rope_scaling"))

    d, _ = good(work, "gelu")
    edit_config(d, lambda c: c.update(hidden_act="gelu"))
    cases.append(("hidden-act-gelu", d, "hidden_act"))

    d, _ = good(work, "no-layers-field")
    edit_config(d, lambda c: c.pop("num_hidden_layers"))
    cases.append(("missing-num-hidden-layers", d, "num_hidden_layers"))

    d, _ = good(work, "bad-kv-heads")
    edit_config(d, lambda c: c.update(num_key_value_heads=3))  # 4 heads are not a multiple of 3
    cases.append(("kv-heads-not-divisor", d, "num_key_value_heads"))

    missing = "model.layers.0.mlp.up_proj.weight"
    d, c = good(work, "missing-tensor")
    rewrite_weights(d, c, lambda ts: [(n, x) for n, x in ts if n != missing])
    cases.append(("missing-tensor", d, missing))

    wrong = "model.layers.1.self_attn.k_proj.weight"  # [16, 32] expected; written transposed
    d, c = good(work, "wrong-shape")
    rewrite_weights(d, c, lambda ts: [(n, x.T.copy() if n == wrong else x) for n, x in ts])
    cases.append(("wrong-shape", d, wrong))

    d, _ = good(work, "truncated")
    p = os.path.join(d, "model.safetensors")
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(size // 2)  # header intact, data cut: offsets point past the end
    cases.append(("truncated-safetensors", d, "model.safetensors"))

    for name, d, needle in cases:
        print("%s\t%s\t%s" % (name, d, needle))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
