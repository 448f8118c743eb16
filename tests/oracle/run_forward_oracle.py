#!/usr/bin/python3
"""run_forward_oracle.py SEAL WORKDIR

Driver of test_forward_oracle.sh: writes several random tiny HF models into
WORKDIR (one per architecture feature worth covering), scores a random id
sequence on each with `SEAL score ... --json`, and compares with the float64
oracle. One python process for all configs (torch import once). Prints one
line per config; exits 1 if any fails.

SEAL_ORACLE_SEED (env) changes the weights and ids (default 1234).
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_score  # noqa: E402
import hfmodel  # noqa: E402

LLAMA3_ROPE = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 32}

# (name, dtype, sharded, seq_len, cfg). Sizes are tiny; the point is coverage.
CONFIGS = [
    ("a_llama_tied_llama3rope_gqa2", "F32", False, 48, {
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128,
        "tie_word_embeddings": True, "rope_scaling": LLAMA3_ROPE}),
    ("b_qwen2_bias_untied_gqa4", "BF16", False, 40, {
        "model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 160, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "tie_word_embeddings": False}),
    ("c_llama_mha_headdim12", "F16", False, 30, {
        "model_type": "llama", "hidden_size": 32, "intermediate_size": 80, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 12, "vocab_size": 96}),
    ("d_llama_attn_mlp_bias", "BF16", False, 36, {
        "model_type": "llama", "hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 6, "num_key_value_heads": 3, "vocab_size": 200,
        "attention_bias": True, "mlp_bias": True, "tie_word_embeddings": True}),
    ("e_qwen2_tied_sharded", "F32", True, 25, {
        "model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3,
        "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 130, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "tie_word_embeddings": True}),
    ("f_llama_hidden36_headdim6", "F32", False, 21, {
        "model_type": "llama", "hidden_size": 36, "intermediate_size": 60, "num_hidden_layers": 2,
        "num_attention_heads": 6, "num_key_value_heads": 2, "vocab_size": 100}),
    ("g_llama32_like_bf16", "BF16", False, 60, {
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
        "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 256, "rope_theta": 500000.0,
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 255,
        "rope_scaling": dict(LLAMA3_ROPE, factor=32.0, original_max_position_embeddings=16)}),
]
TOL = {"F32": 1e-4, "BF16": 2e-4, "F16": 2e-4}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    seal, work = argv[1], argv[2]
    seed = int(os.environ.get("SEAL_ORACLE_SEED", "1234"))
    print("seed %d" % seed)
    failures = 0
    for k, (name, dtype, sharded, seq_len, cfg) in enumerate(CONFIGS):
        d = os.path.join(work, name)
        c = hfmodel.make_model(d, cfg, dtype, seed=seed + k, sharded=sharded)
        rng = random.Random(seed * 100 + k)
        ids = [rng.randrange(c["vocab_size"]) for _ in range(seq_len)]
        model = hfmodel.load_model(d)
        ref = hfmodel.forward_logprobs(model, ids)
        out, err = check_score.run_seal_score(seal, d, ids)
        if err:
            print("FAIL %-32s %s %s" % (name, dtype, err))
            failures += 1
            continue
        ok, worst, msg = check_score.compare(ref, ids, out, TOL[dtype])
        print("%s %-32s %-4s T=%-3d %s (tol %g)" % ("ok  " if ok else "FAIL", name, dtype, seq_len, msg, TOL[dtype]))
        failures += not ok
    print("%d of %d configs failed" % (failures, len(CONFIGS)) if failures else "all %d configs match" % len(CONFIGS))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
