#!/usr/bin/python3
"""run_greedy_oracle.py SEAL WORKDIR [STORIES260K.bin]

Greedy generation against the float64 oracle: on each random tiny model of
run_forward_oracle.CONFIGS, `seal generate --prompt-ids ... --temperature 0 -n 32
--ignore-eos --json` must produce the oracle's greedy continuation exactly.
With the stories260K checkpoint, greedy from BOS must reproduce karpathy's ids.
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402
from run_forward_oracle import CONFIGS  # noqa: E402

STORIES_IDS = [403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337]


def seal_greedy(seal, model_dir, prompt, n):
    cmd = [seal, "generate", "-m", model_dir, "--prompt-ids", " ".join(map(str, prompt)), "--temperature", "0",
           "-n", str(n), "--ignore-eos", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout)["samples"][0]["ids"], None


def main(argv):
    seal, work = argv[1], argv[2]
    failures = 0
    for k, (name, dtype, sharded, _, cfg) in enumerate(CONFIGS):
        d = os.path.join(work, name)
        c = hfmodel.make_model(d, cfg, dtype, seed=77 + k, sharded=sharded)
        rng = random.Random(500 + k)
        prompt = [rng.randrange(c["vocab_size"]) for _ in range(6)]
        ref = hfmodel.greedy(hfmodel.load_model(d), prompt, 32)
        got, err = seal_greedy(seal, d, prompt, 32)
        ok = got == ref
        print("%s %-32s %s" % ("ok  " if ok else "FAIL", name, err or ("32 tokens match" if ok else "seal %s\n     oracle %s" % (got, ref))))
        failures += not ok
    if len(argv) > 3:
        d = os.path.join(work, "stories260k")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "stories260k_to_hf.py"), argv[3], d], check=True,
                       stdout=subprocess.DEVNULL)
        got, err = seal_greedy(seal, d, [1], len(STORIES_IDS))
        ok = got == STORIES_IDS
        print("%s %-32s %s" % ("ok  " if ok else "FAIL", "stories260K from BOS", err or ("reference ids" if ok else got)))
        failures += not ok
    print("%d failed" % failures if failures else "all greedy continuations match")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
