"""Python side of tests/seal/test_squad_data.sh (run with /usr/bin/python3).

  squad_ref.py pyrandom SEED...        the same lines `test_squad pyrandom` prints
  squad_ref.py select IN SEED START N  the reference's subset, json.dump(indent=2, ensure_ascii=False) to stdout
  squad_ref.py to_squad IN OUT [SEED K]  SEAL-format IN -> official SQuAD v1.1 OUT (all records, or the
                                         first K of the SEED shuffle)
"""
import json
import random
import sys


def pyrandom(seeds):
    for s in seeds:
        r = random.Random(s)
        out = ["seed %d" % s]
        out.append("u32 " + " ".join(str(r.getrandbits(32)) for _ in range(5)))
        out.append("bits " + " ".join(str(r.getrandbits(k)) for k in (0, 1, 7, 31, 32, 33, 53, 64)))
        out.append("random " + " ".join(str(int(r.random() * 2**53)) for _ in range(3)))
        out.append("below " + " ".join(str(r.randrange(n)) for n in (1, 2, 3, 10, 1000, 2**31, 2**33 + 1, 2**63 + 5)))
        x = list(range(10)); r.shuffle(x)
        out.append("shuffle10 " + " ".join(map(str, x)))
        x = list(range(2067)); r.shuffle(x)
        out.append("shuffle2067 " + " ".join(map(str, x[:20])))
        print("\n".join(out))


def select(path, seed, start, n):
    data = json.load(open(path, encoding="utf-8"))
    random.seed(seed)
    random.shuffle(data)
    sel = [{"title": d["title"], "context": d["context"],
            "questions": [{"question": q["question"], "answer": q["answer"]} for q in d["questions"]]}
           for d in data[start:start + n]]
    sys.stdout.write(json.dumps(sel, indent=2, ensure_ascii=False))


def to_squad(src, dst, seed=None, k=None):
    recs = json.load(open(src, encoding="utf-8"))
    if seed is not None:
        random.seed(seed)
        random.shuffle(recs)
        recs = recs[:k]
    arts = []
    for i, d in enumerate(recs):
        title = d["title"].replace(" ", "_")
        if not arts or arts[-1]["title"] != title:
            arts.append({"title": title, "paragraphs": []})
        qas = [{"answers": [{"answer_start": d["context"].find(q["answer"]), "text": q["answer"]},
                            {"answer_start": 0, "text": "a second gold answer, ignored"}],
                "question": q["question"], "id": "%d-%d" % (i, j)} for j, q in enumerate(d["questions"])]
        arts[-1]["paragraphs"].append({"context": d["context"], "qas": qas})
    json.dump({"data": arts, "version": "1.1"}, open(dst, "w", encoding="utf-8"))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "pyrandom":
        pyrandom([int(a) for a in args])
    elif cmd == "select":
        select(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "to_squad":
        to_squad(args[0], args[1], *(int(a) for a in args[2:4]))
    else:
        sys.exit("unknown command " + cmd)
