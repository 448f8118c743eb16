#!/usr/bin/env python3
"""Overwrite every element of one tensor of a safetensors file with NaN, in
place (F32, BF16 or F16): a model whose weights hold NaN, for the tests that
generation and scoring refuse non-finite logits.
usage: poison_tensor.py FILE.safetensors TENSOR_NAME"""
import json, struct, sys

path, name = sys.argv[1], sys.argv[2]
with open(path, "r+b") as f:
    (hlen,) = struct.unpack("<Q", f.read(8))
    t = json.loads(f.read(hlen))[name]
    start, end = t["data_offsets"]
    nan = {"F32": b"\x00\x00\xc0\x7f", "BF16": b"\xc0\x7f", "F16": b"\x00\x7e"}[t["dtype"]]
    f.seek(8 + hlen + start)
    f.write(nan * ((end - start) // len(nan)))
