"""The reference's ARC data handling, written in Python from seal-method.md
§3.1, §3.2 and §3.5 (not from seal's C), for tests/arc/test_arc_data.sh:
    arc_oracle.py order CH SOL            subtask ids "<id>-<i>" in json.load's dict order
    arc_oracle.py first CH SOL N          self-edit.py --n_tasks=N: first N subtasks, "-1" skipped
    arc_oracle.py shuffled CH SOL K SEED  np.random.seed(SEED); np.random.shuffle(subtasks); [:K]
    arc_oracle.py prompt CH SOL SUBTASK   the self-edit prompt string
    arc_oracle.py ttt CH SOL SUBTASK      system, user, answer messages, each then "\\n=\\n"
"""
import json
import sys

import numpy as np

SYSTEM = "You are a helpful assistant that provide the correct output for the given task immediately."
SELF_EDIT_PROMPT = """
You are configuring a model training pipeline by selecting from predefined tools.

You must make two decisions:

1. **Data Generation Tools** \u2014 For each of the following, choose true or false:
    - use_basic_augmentations
    - use_size_augmentations
    - use_chain_augmentations
    - use_repeat_augmentations

2. **Training Configuration** \u2014 Choose one of:
    - "train_using_all_tokens"
    - "train_using_output_tokens"

Also specify:
    - learning_rate (float)
    - num_train_epochs (integer)

### Output Format

Respond with a valid JSON object. Do not include any explanation, markdown, or extra text. Use lowercase `true`/`false` for booleans and ensure correct JSON syntax.

Example output:

{
  "data_generation": {
    "use_basic_augmentations": ...,
    "use_size_augmentations": ...,
    "use_chain_augmentations": ...,
    "use_repeat_augmentations": ...
  },
  "training": {
    "strategy": ...,
    "learning_rate": ...,
    "num_train_epochs": ...
  }
}
"""
TTT_INTRO = ("Figure out the underlying transformation in the following examples and apply it to the test case. "
             "Here are some examples from this transformation, your answer must follow the format.\n"
             "The input-output grids are provided as python arrays:\n")


def subtasks(ch_path, sol_path):
    with open(ch_path) as f:
        data = json.load(f)
    sols = None
    if sol_path != "-":
        with open(sol_path) as f:
            sols = json.load(f)
    out = []
    for name, task in data.items():
        for i, test in enumerate(task["test"]):
            answer = sols[name][i] if sols is not None else test.get("output")
            out.append(("%s-%d" % (name, i), task["train"], test["input"], answer))
    return out


def rows(grid):
    return "".join(" ".join(map(str, row)) + "\n" for row in grid)


def prompt(train):
    user = "".join("Input:\n" + rows(ex["input"]) + "\nOutput:\n" + rows(ex["output"]) + "\n" for ex in train)
    user = user + "------\n\n" + SELF_EDIT_PROMPT
    return (f"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{SYSTEM}<|eot_id|>"
            f"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>"
            f"<|start_header_id|>assistant<|end_header_id|>\n\n")


def main():
    mode, ch, sol = sys.argv[1:4]
    subs = subtasks(ch, sol)
    if mode == "order":
        sys.stdout.write("".join(s[0] + "\n" for s in subs))
    elif mode == "first":
        n = int(sys.argv[4])
        print(",".join(s[0] for s in subs[:n] if not s[0].endswith("-1")))
    elif mode == "shuffled":
        k, seed = int(sys.argv[4]), int(sys.argv[5])
        np.random.seed(seed)
        np.random.shuffle(subs)
        print(",".join(s[0] for s in subs[:k]))
    else:
        name, train, query, answer = next(s for s in subs if s[0] == sys.argv[4])
        if mode == "prompt":
            sys.stdout.buffer.write(prompt(train).encode())
        else:
            system = TTT_INTRO + "".join(str(np.array(ex["input"])) + " -> " + str(np.array(ex["output"])) + "#\n"
                                         for ex in train)
            user = str(np.array(query)) + " -> "
            ans = str(np.array(answer)) + "#" if answer is not None else ""
            sys.stdout.buffer.write((system + "\n=\n" + user + "\n=\n" + ans + "\n=\n").encode())


main()
