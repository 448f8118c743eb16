/* seal pretrain: parse the options and run train/pretrain.h. */
#include <stdlib.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "train/pretrain.h"
#include "util/err.h"

static const char *about =
    "Train a LlamaForCausalLM from random initialization on {\"text\": ...} rows,\n"
    "packed into rows of seq_len tokens (or one sequence per document), AdamW\n"
    "with warmup and cosine decay.\n"
    "A slice of the documents is held out for the evaluation loss. DIR gets\n"
    "pretrain_log.jsonl (every step; eval lines carry \"eval_loss\"), a checkpoint\n"
    "every checkpoint_every steps (DIR/checkpoint: weights + optimizer state and\n"
    "data position; with keep_checkpoints also DIR/checkpoints/step-N), and at the\n"
    "end the model as a Hugging Face directory (config.json, model.safetensors,\n"
    "tokenizer files, generation_config.json). Rerunning the same command after a\n"
    "kill resumes from DIR/checkpoint. DIR/pretrain_run.json records what shapes the\n"
    "run (the train values but eval_every, checkpoint_every, keep_checkpoints and\n"
    "save_dtype; the documents' token ids; the thread and MPI rank counts); a resume under other\n"
    "values is refused, naming each change, unless --allow-config-change (a larger\n"
    "steps then extends the cosine schedule from the checkpoint's step). A DIR that\n"
    "is not empty and not this run is refused unless --force (which empties it).\n"
    "Under mpirun every rank trains on its share of each batch's rows and rank 0\n"
    "writes DIR (docs/scale-out.md).";

static const char *epilog =
    "CONFIG.json: {\"model\": {hidden_size, intermediate_size, num_hidden_layers,\n"
    "  num_attention_heads, num_key_value_heads, max_position_embeddings, rope_theta,\n"
    "  rms_norm_eps, tie_word_embeddings}, \"tokenizer\": DIR (relative to CONFIG),\n"
    "  \"train\": {steps 1000, batch_size 8, seq_len 256, lr 1e-3, warmup_steps 100\n"
    "  (then cosine decay to 0), weight_decay 0.1, beta1 0.9, beta2 0.95,\n"
    "  max_grad_norm 1, eval_every 200, eval_fraction 0.01, checkpoint_every 200,\n"
    "  keep_checkpoints false, seed 1234, init_std 0.02, save_dtype \"F32\",\n"
    "  packing \"rows\"}}\n"
    "  (the values shown are the defaults; vocab_size comes from the tokenizer)\n"
    "  packing \"rows\": documents laid end to end and cut into rows of seq_len\n"
    "  tokens (a document may straddle two rows); \"documents\": every document is\n"
    "  its own sequence (attention never crosses documents, none is cut in two;\n"
    "  longer than seq_len: truncated), batch_size counts documents.\n"
    "  Every value is checked against its bounds before anything is allocated.\n";

int cmd_pretrain(int argc, char **argv) {
    seal_pretrain_opts o;
    seal_pretrain_opts_default(&o);
    const char *config = NULL, *tok_dir = NULL;
    int threads = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("config", 'c', &config, "CONFIG.json", "model shape, tokenizer and training values", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("data", 'd', &o.data, "FILE.jsonl", "the documents, {\"text\": ...} per line", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("out", 'o', &o.out, "DIR", "the run directory (resumed when it holds this run)", CLI_REQUIRED),
        CLI_OPT_STR("tokenizer", 0, &tok_dir, "DIR", "the tokenizer, instead of the config's \"tokenizer\"", CLI_RESULT),
        CLI_THREADS_OPT(&threads),
        CLI_OPT_FLAG("allow-config-change", 0, &o.allow_config_change,
                     "resume even though the config or data differ from the run's record", 0),
        CLI_OPT_FLAG("force", 0, &o.force, "start afresh in a DIR that is not empty and not this run (empties it)", 0),
        {0}};
    const cli_spec spec = {"seal pretrain", "--config CONFIG.json --data FILE.jsonl --out DIR [options]", about, opts,
                           0, 0, epilog};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    if (seal_threads_resolve(threads, &o.threads) || seal_pretrain_config_load(&o.cfg, config, tok_dir)) return cli_fail();
    /* test hook: die like a SIGKILL right after this step (tests/cli/test_pretrain.sh) */
    const char *kill_at = getenv("SEAL_TEST_KILL_AT_STEP");
    if (kill_at) o.exit_after_step = atol(kill_at);
    return seal_pretrain_run(&o, NULL) ? cli_fail() : 0;
}
