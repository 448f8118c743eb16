/* seal knowledge: SEAL knowledge incorporation (eval | rl | cpt). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "seal/cpt.h"
#include "seal/knowledge.h"
#include "util/err.h"

static const char *usage =
    "usage: seal knowledge eval|rl -m MODEL --eval FILE [--train FILE] --run DIR [options]\n"
    "       seal knowledge cpt -m MODEL --eval FILE --run DIR [--cpt-mode full|lora] [options]\n"
    "\n"
    "SEAL knowledge incorporation. `eval` measures, on held-out passages, the frozen\n"
    "model (base), finetuning on the passage alone (passage) and on the passage plus\n"
    "the model's own self-edits (passage+self-edit). `rl` adds ReST-EM rounds: each\n"
    "round samples k self-edits for new training passages, scores each by inner\n"
    "loops, finetunes the generator on the best (outer LoRA SFT, merged), and\n"
    "evaluates the new generator (seal-round-N). Passages: SEAL's JSON or official\n"
    "SQuAD v1.1. DIR gets config.json, inner.jsonl (every inner loop), selfedits.jsonl,\n"
    "round-N/ (SFT data, adapter, merged model, summary), results.json, results.md,\n"
    "accuracy.svg. A killed run resumes from DIR without redoing finished inner loops.\n"
    "\n"
    "Data:     --eval-passages N (200)  --passages-per-round N (50)  --rounds N (2)\n"
    "          --subset-seed S (42: Python random.seed, as the reference)\n"
    "Self-edits: --prompt implications|implications-long|implications-very-long|rewrite|self-qa|none|implications-cot\n"
    "          -k N (5)  --temperature T (1.0)  --top-p P (0.95)  --max-edit-tokens N (8192)\n"
    "          --max-segments N (30; 0 = no cap)  --no-split-newlines\n"
    "Inner loop: --inner-rank R (32) --inner-alpha A (64) --inner-targets LIST (q_proj,v_proj)\n"
    "          --inner-lr X (1e-3) --inner-epochs N (10) --inner-batch N (1) --inner-full\n"
    "          --distractors N (0): also train on N other passages of the same set, so that\n"
    "          facts must be bound to their title (the sandbox's multi-passage setting)\n"
    "          --reps N (3 per self-edit when ranking)  --eval-reps N (1)  --answer-tokens N (64)\n"
    "Grading:  --grader em|f1|judge (em)  --f1-threshold X (0.5)\n"
    "          --judge-model DIR: a local model answers the reference's verbatim grading prompt\n"
    "          (greedy, 8 tokens; correct iff the reply says \"yes\" and not \"no\")\n"
    "Outer SFT: --sft-rank R (64) --sft-alpha A (128) --sft-targets LIST (all) --sft-lr X (3e-4)\n"
    "          --sft-epochs N (2) --sft-accum N (10)  --positive-gain (keep only self-edits that beat the base)\n"
    "Conditions: --conditions LIST (base,passage,passage+self-edit; default all)\n"
    "          --given-self-edits FILE [--given-name NAME]: also evaluate fixed self-edits, a JSON\n"
    "          object {title: text} (e.g. another model's, or an oracle's), as condition NAME\n"
    "Other:    --seed S (1)  --workers N (inner loops in parallel; 1)  -t N (kernel threads)  --quiet\n"
    "\n"
    "`cpt` is the continued-pretraining (multi-passage) variant: per condition ONE\n"
    "finetune over the sequences of all --cpt-passages passages (shuffled by --seed),\n"
    "then every question of those passages without its passage. Each self-edit is one\n"
    "document (no line splitting). Conditions: base, passage, passage+self-edit, the\n"
    "--given-self-edits one, and one per --generator. DIR also gets cpt.jsonl (one\n"
    "record per finished condition; a killed run resumes without redoing them).\n"
    "CPT:      --cpt-passages N (200)  -k N (5)\n"
    "          --eval-questions N: score every condition on N questions drawn as the\n"
    "            reference's v2 does (random.seed(42); random.sample; it used 500) instead of all\n"
    "          --cpt-mode full (default; the reference's CPT_fullFT.py): full finetune of an\n"
    "            f32 copy, 1 epoch, lr 7e-5, batch 4 x accumulation 2, warmup ratio 0.03,\n"
    "            passage once per passage: n*(k+1) sequences\n"
    "          --cpt-mode lora (CPT.py): LoRA r32 a64 on q_proj,v_proj, 3 epochs, lr 1e-3,\n"
    "            batch 4 x accumulation 2, the passage after every self-edit: 2*n*k sequences\n"
    "          --generator NAME=DIR (repeatable): a condition whose self-edits come from the\n"
    "            model in DIR (e.g. an rl run's round-2/model)\n"
    "          --inner-lr --inner-epochs --inner-batch --inner-accum N --inner-warmup-ratio X\n"
    "          --inner-rank --inner-alpha --inner-targets (LoRA) override the mode's settings\n";

int cmd_knowledge(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "eval") && strcmp(argv[1], "rl") && strcmp(argv[1], "cpt")))
        return cli_usage(usage, !(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))));
    int rl = !strcmp(argv[1], "rl"), cpt = !strcmp(argv[1], "cpt");
    enum { O_EVAL = 256, O_TRAIN, O_RUN, O_EP, O_PPR, O_ROUNDS, O_SSEED, O_PROMPT, O_TEMP, O_TOPP, O_MAXE, O_MAXSEG,
           O_NOSPLIT, O_IR, O_IA, O_IT, O_ILR, O_IE, O_IB, O_IF, O_REPS, O_EREPS, O_ANS, O_GRADER, O_F1, O_SR, O_SA, O_ST,
           O_SLR, O_SE, O_SACC, O_POS, O_SEED, O_WORKERS, O_QUIET, O_JUDGE, O_COND, O_GIVEN, O_GNAME, O_DISTRACT,
           O_CPTN, O_CPTMODE, O_GENERATOR, O_IACC, O_IWARM, O_EVALQ };
    static struct option opts[] = {
        {"model", 1, 0, 'm'}, {"eval", 1, 0, O_EVAL}, {"train", 1, 0, O_TRAIN}, {"run", 1, 0, O_RUN},
        {"eval-passages", 1, 0, O_EP}, {"passages-per-round", 1, 0, O_PPR}, {"rounds", 1, 0, O_ROUNDS},
        {"subset-seed", 1, 0, O_SSEED}, {"prompt", 1, 0, O_PROMPT}, {"temperature", 1, 0, O_TEMP}, {"top-p", 1, 0, O_TOPP},
        {"max-edit-tokens", 1, 0, O_MAXE}, {"max-segments", 1, 0, O_MAXSEG}, {"no-split-newlines", 0, 0, O_NOSPLIT},
        {"inner-rank", 1, 0, O_IR}, {"inner-alpha", 1, 0, O_IA}, {"inner-targets", 1, 0, O_IT}, {"inner-lr", 1, 0, O_ILR},
        {"inner-epochs", 1, 0, O_IE}, {"inner-batch", 1, 0, O_IB}, {"inner-full", 0, 0, O_IF}, {"reps", 1, 0, O_REPS},
        {"eval-reps", 1, 0, O_EREPS}, {"answer-tokens", 1, 0, O_ANS}, {"grader", 1, 0, O_GRADER}, {"f1-threshold", 1, 0, O_F1},
        {"sft-rank", 1, 0, O_SR}, {"sft-alpha", 1, 0, O_SA}, {"sft-targets", 1, 0, O_ST}, {"sft-lr", 1, 0, O_SLR},
        {"sft-epochs", 1, 0, O_SE}, {"sft-accum", 1, 0, O_SACC}, {"positive-gain", 0, 0, O_POS}, {"seed", 1, 0, O_SEED},
        {"workers", 1, 0, O_WORKERS}, {"quiet", 0, 0, O_QUIET}, {"judge-model", 1, 0, O_JUDGE}, {"conditions", 1, 0, O_COND},
        {"given-self-edits", 1, 0, O_GIVEN}, {"given-name", 1, 0, O_GNAME}, {"distractors", 1, 0, O_DISTRACT},
        {"cpt-passages", 1, 0, O_CPTN}, {"eval-questions", 1, 0, O_EVALQ}, {"cpt-mode", 1, 0, O_CPTMODE}, {"generator", 1, 0, O_GENERATOR},
        {"inner-accum", 1, 0, O_IACC}, {"inner-warmup-ratio", 1, 0, O_IWARM}, {"k", 1, 0, 'k'}, {"threads", 1, 0, 't'},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    /* cpt: the mode picks the finetuning defaults, which the --inner-* flags then override */
    cpt_mode mode = CPT_FULL;
    for (int i = 2; cpt && i < argc; i++) {
        const char *v = !strcmp(argv[i], "--cpt-mode") ? (i + 1 < argc ? argv[i + 1] : "")
                        : !strncmp(argv[i], "--cpt-mode=", 11) ? argv[i] + 11 : NULL;
        if (v && cpt_mode_parse(v, &mode)) return cli_fail();
    }
    cpt_opts co = cpt_opts_defaults(mode);
    knowledge_opts o = cpt ? co.k : knowledge_opts_defaults();
    const char *judge_dir = NULL, *cpt_flag = NULL;
    if (!rl) o.rounds = 0;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "m:k:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': o.model_dir = optarg; break;
        case O_EVAL: o.eval_path = optarg; break;
        case O_TRAIN: o.train_path = optarg; break;
        case O_RUN: o.run_dir = optarg; break;
        case O_EP: o.eval_passages = co.passages = atoi(optarg); break;
        case O_PPR: o.passages_per_round = atoi(optarg); break;
        case O_ROUNDS: o.rounds = atoi(optarg); break;
        case O_SSEED: o.subset_seed = strtoull(optarg, NULL, 10); break;
        case O_PROMPT: if (self_edit_parse(optarg, &o.prompt)) return cli_fail(); break;
        case O_TEMP: o.sampling.temperature = (float)atof(optarg); break;
        case O_TOPP: o.sampling.top_p = (float)atof(optarg); break;
        case O_MAXE: o.max_new_edit = atoi(optarg); break;
        case O_MAXSEG: o.seq.max_segments = atoi(optarg); break;
        case O_NOSPLIT: o.seq.split_newlines = 0; break;
        case O_IR: o.inner.rank = atoi(optarg); break;
        case O_IA: o.inner.alpha = (float)atof(optarg); break;
        case O_IT: if (adapter_parse_targets(optarg, &o.inner.targets)) return cli_fail(); break;
        case O_ILR: o.inner.lr = atof(optarg); break;
        case O_IE: o.inner.epochs = atoi(optarg); break;
        case O_IB: o.inner.batch_size = atoi(optarg); break;
        case O_IF: o.inner.full = 1; break;
        case O_REPS: o.reps = atoi(optarg); break;
        case O_EREPS: o.eval_reps = atoi(optarg); break;
        case O_ANS: o.inner.max_new = atoi(optarg); break;
        case O_GRADER:
            if (!strcmp(optarg, "em")) o.inner.grader = GRADE_EM;
            else if (!strcmp(optarg, "f1")) o.inner.grader = GRADE_F1;
            else if (!strcmp(optarg, "judge")) o.inner.grader = GRADE_JUDGE;
            else { seal_err("--grader: \"%s\" (em, f1 or judge)", optarg); return cli_fail(); }
            break;
        case O_F1: o.inner.f1_threshold = atof(optarg); break;
        case O_SR: o.sft_rank = atoi(optarg); break;
        case O_SA: o.sft_alpha = (float)atof(optarg); break;
        case O_ST: if (adapter_parse_targets(optarg, &o.sft_targets)) return cli_fail(); break;
        case O_SLR: o.sft_lr = atof(optarg); break;
        case O_SE: o.sft_epochs = atoi(optarg); break;
        case O_SACC: o.sft_accum = atoi(optarg); break;
        case O_POS: o.positive_gain_only = 1; break;
        case O_SEED: o.seed = strtoull(optarg, NULL, 10); break;
        case O_WORKERS: o.workers = atoi(optarg); break;
        case O_QUIET: o.quiet = 1; break;
        case O_JUDGE: judge_dir = optarg; break;
        case O_COND: o.conditions = optarg; break;
        case O_GIVEN: o.given_path = optarg; break;
        case O_GNAME: o.given_name = optarg; break;
        case O_DISTRACT: o.distractors = atoi(optarg); break;
        case O_CPTN: co.passages = atoi(optarg); cpt_flag = "--cpt-passages"; break;
        case O_EVALQ: co.eval_questions = atoi(optarg); cpt_flag = "--eval-questions"; break;
        case O_CPTMODE: cpt_flag = "--cpt-mode"; break; /* read above */
        case O_GENERATOR: {
            char *eq = strchr(optarg, '=');
            if (!eq || co.n_generators == CPT_MAX_GENERATORS) {
                seal_err("--generator \"%s\": need NAME=DIR (at most %d)", optarg, CPT_MAX_GENERATORS);
                return cli_fail();
            }
            *eq = '\0';
            co.gen_name[co.n_generators] = optarg;
            co.gen_dir[co.n_generators++] = eq + 1;
            cpt_flag = "--generator";
            break;
        }
        case O_IACC: o.inner.grad_accum = atoi(optarg); break;
        case O_IWARM: co.warmup_ratio = atof(optarg); cpt_flag = "--inner-warmup-ratio"; break;
        case 'k': o.k = atoi(optarg); break;
        case 't': o.threads = atoi(optarg); break;
        case 'h': return cli_usage(usage, 0);
        default: return cli_usage(usage, 1);
        }
    }
    if (!o.model_dir || !o.eval_path || !o.run_dir || optind != argc || (rl && o.rounds > 0 && !o.train_path))
        return cli_usage(usage, 1);
    if (cpt_flag && !cpt) {
        seal_err("%s belongs to `seal knowledge cpt`", cpt_flag);
        return cli_fail();
    }
    if ((o.inner.grader == GRADE_JUDGE) != (judge_dir != NULL)) {
        seal_err("--grader judge and --judge-model DIR go together");
        return cli_fail();
    }
    o.threads = cli_threads(o.threads);
    seal_model judge;
    seal_tokenizer *judge_tok = NULL;
    if (judge_dir) {
        if (model_load(&judge, judge_dir)) return cli_fail();
        if (!(judge_tok = tok_load(judge_dir))) { model_free(&judge); return cli_fail(); }
        o.inner.judge = &judge;
        o.inner.judge_tok = judge_tok;
    }
    int rc;
    if (cpt) {
        co.k = o;
        rc = knowledge_cpt(&co);
    } else rc = rl ? knowledge_rl(&o) : knowledge_eval(&o);
    if (judge_dir) { tok_free(judge_tok); model_free(&judge); }
    return rc ? cli_fail() : 0;
}
