"""close_adapters.py A B [A2 B2 ...]: each pair of PEFT adapter directories (or model directories: their
model.safetensors, F32) holds the same tensors, within 5e-4
of each tensor's largest magnitude (the data-parallel tolerance, docs/scale-out.md). Exit 1 naming the first
tensor outside it."""
import json
import os
import struct
import sys

import numpy as np


def tensors(d):
    f = d + "/adapter_model.safetensors"
    b = open(f if os.path.exists(f) else d + "/model.safetensors", "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    return {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], dtype=np.float32)
            for k, v in h.items() if k != "__metadata__"}


args = sys.argv[1:]
for a_dir, b_dir in zip(args[::2], args[1::2]):
    a, b = tensors(a_dir), tensors(b_dir)
    assert a.keys() == b.keys(), (a_dir, b_dir, sorted(a.keys() ^ b.keys()))
    for k in a:
        rel = float(np.max(np.abs(a[k] - b[k])) / max(float(np.max(np.abs(a[k]))), 1e-30))
        if rel > 5e-4:
            sys.exit("%s vs %s: %s differs by %.3g of its largest weight" % (a_dir, b_dir, k, rel))
