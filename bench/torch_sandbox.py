"""The PyTorch anchor for the sandbox model's pretraining speed (issue: tiny-model sandbox).

Imports ../shared/bench/torch_anchor.py (the fair anchor: same model code, OpenBLAS,
2 threads) and times its full-parameter training step on the shape of
models/tiny-knowledge (hidden 192, 4 layers, 4 heads / 2 KV, FFN 512, vocab 2048,
tied) at the recipe's batch, 16 x 256, AdamW lr 3e-3, weight decay 0.1: the same
model and batch as bench_train's tiny_pretrain item. Prints one JSON line.

usage: torch_sandbox.py ANCHOR [--reps N] [--budget-s S]
"""
import argparse
import importlib.util
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("anchor")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=60.0)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("torch_anchor", args.anchor)
    ta = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ta)
    if not os.environ.get("TORCH_ANCHOR_REEXEC"):
        ta.ensure_openblas(sys.argv)  # re-execs this script with OpenBLAS when torch's BLAS is another
    torch = ta.torch
    torch.set_num_threads(ta.THREADS)
    ta.SHAPES["sandbox"] = ta.Shape(192, 4, 4, 2, 48, 512, 2048, rope_theta=1e4, eps=1e-5)
    model, _ = ta.build("sandbox")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    B, T = 16, 256
    ids = torch.randint(0, model.s.vocab, (B, T), generator=torch.Generator().manual_seed(4))
    t0 = time.perf_counter()
    med, times, _ = ta.timed(ta.train_step_fn(model, ids, opt), args.reps, 2, args.budget_s)
    ta.emit("pretrain_sandbox", "sandbox", B * T / med, "tok/s", batch=B, seq=T, params=ta.n_params(model),
            median_s=med, reps_s=times, peak_rss_mb=ta.peak_rss_mb(), elapsed_s=time.perf_counter() - t0,
            blas=",".join(ta.blas_library()) or "none found")


if __name__ == "__main__":
    main()
