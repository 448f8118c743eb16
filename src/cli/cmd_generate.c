/* seal generate: sample continuations of a prompt. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "gen/generate.h"
#include "model/peft.h"
#include "tok/chat.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *usage =
    "usage: seal generate -m DIR (--prompt TEXT | --prompt-ids \"1 2 3\") [options]\n"
    "\n"
    "Generate continuations. Without --json the text streams to stdout as it is\n"
    "produced; with --json one object is printed at the end:\n"
    "  {\"samples\":[{\"ids\":[...],\"text\":\"...\",\"finish_reason\":\"eos|stop|length\"}],\n"
    "   \"usage\":{...},\"memory\":{...}}   (ids are the new tokens only)\n"
    "\n"
    "  -m, --model DIR          model directory\n"
    "      --prompt TEXT        prompt text (needs tokenizer.json in DIR)\n"
    "      --prompt-ids LIST    prompt token ids (works without a tokenizer)\n"
    "      --chat               wrap the prompt as a user turn in the model's chat template\n"
    "      --system TEXT        system message for --chat\n"
    "  -n, --max-new N          new tokens at most (default 128)\n"
    "      --temperature T      0 = greedy (default 1, or generation_config.json's)\n"
    "      --top-p P            nucleus sampling (default 1 = off)\n"
    "      --top-k K            keep the K most likely tokens (default 0 = off)\n"
    "      --min-p P            drop tokens below P x the top probability (default 0)\n"
    "      --repetition-penalty R   HF semantics (default 1 = off)\n"
    "      --seed S             sample i uses seed S+i (default 0)\n"
    "      --samples K          samples of the prompt, sharing one prefill (default 1)\n"
    "      --stop STR           stop string (repeatable); the text is cut before it\n"
    "      --ignore-eos         do not stop at EOS ids\n"
    "      --adapter DIR        a PEFT LoRA adapter applied at run time\n"
    "      --no-generation-config   ignore generation_config.json's sampling defaults\n"
    "      --json               machine-readable output\n"
    "  -t, --threads N          worker threads (default: all CPUs, or $SEAL_THREADS)\n";

typedef struct {
    const char *dir, *prompt, *prompt_ids, *system, *adapter;
    int chat, max_new, samples, as_json, threads, ignore_eos, use_gen_config;
    unsigned long long seed;
    double temperature, top_p, min_p, rep_penalty;
    int top_k;
    int set_temp, set_top_p, set_top_k, set_min_p, set_rep;
    const char *stops[16];
    int n_stops;
} gen_opts;

static int parse_opts(gen_opts *o, int argc, char **argv) {
    static struct option opts[] = {
        {"model", 1, 0, 'm'}, {"prompt", 1, 0, 'p'}, {"prompt-ids", 1, 0, 'i'}, {"chat", 0, 0, 'c'},
        {"system", 1, 0, 'S'}, {"max-new", 1, 0, 'n'}, {"temperature", 1, 0, 'T'}, {"top-p", 1, 0, 'P'},
        {"top-k", 1, 0, 'K'}, {"min-p", 1, 0, 'M'}, {"repetition-penalty", 1, 0, 'R'}, {"seed", 1, 0, 's'},
        {"samples", 1, 0, 'k'}, {"stop", 1, 0, 'x'}, {"ignore-eos", 0, 0, 'E'}, {"no-generation-config", 0, 0, 'G'},
        {"json", 0, 0, 'j'}, {"threads", 1, 0, 't'}, {"adapter", 1, 0, 'A'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    *o = (gen_opts){.max_new = 128, .samples = 1, .use_gen_config = 1, .temperature = 1.0, .top_p = 1.0, .rep_penalty = 1.0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:n:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': o->dir = optarg; break;
        case 'p': o->prompt = optarg; break;
        case 'i': o->prompt_ids = optarg; break;
        case 'c': o->chat = 1; break;
        case 'S': o->system = optarg; break;
        case 'n': o->max_new = atoi(optarg); break;
        case 'T': o->temperature = atof(optarg); o->set_temp = 1; break;
        case 'P': o->top_p = atof(optarg); o->set_top_p = 1; break;
        case 'K': o->top_k = atoi(optarg); o->set_top_k = 1; break;
        case 'M': o->min_p = atof(optarg); o->set_min_p = 1; break;
        case 'R': o->rep_penalty = atof(optarg); o->set_rep = 1; break;
        case 's': o->seed = strtoull(optarg, NULL, 10); break;
        case 'k': o->samples = atoi(optarg); break;
        case 'x':
            if (o->n_stops == 16) return seal_err("--stop: at most 16 stop strings"), 1;
            o->stops[o->n_stops++] = optarg;
            break;
        case 'E': o->ignore_eos = 1; break;
        case 'G': o->use_gen_config = 0; break;
        case 'j': o->as_json = 1; break;
        case 'A': o->adapter = optarg; break;
        case 't': o->threads = atoi(optarg); break;
        case 'h': return cli_usage(usage, 0), -1;
        default: return 2;
        }
    }
    if (!o->dir || optind != argc || !!o->prompt == !!o->prompt_ids) return 2;
    if (o->max_new <= 0 || o->samples <= 0) return seal_err("--max-new and --samples must be positive"), 1;
    return 0;
}

/* Flags given on the command line win over generation_config.json. */
static seal_sampling sampling_from(const gen_opts *o, const seal_gen_defaults *d) {
    seal_sampling s = sampling_defaults();
    s.temperature = (float)(o->set_temp ? o->temperature : d->do_sample == 0 ? 0.0 : d->temperature);
    s.top_p = (float)(o->set_top_p ? o->top_p : d->top_p);
    s.top_k = o->set_top_k ? o->top_k : d->top_k;
    s.min_p = (float)(o->set_min_p ? o->min_p : d->min_p);
    s.repetition_penalty = (float)(o->set_rep ? o->rep_penalty : d->repetition_penalty);
    return s;
}

static int prompt_tokens(const gen_opts *o, const seal_tokenizer *tok, int **ids, int *n) {
    if (o->prompt_ids) return cli_parse_ids(o->prompt_ids, ids, n);
    if (!tok) return seal_err("%s has no tokenizer.json: use --prompt-ids", o->dir);
    if (!o->chat) return tok_encode(tok, o->prompt, strlen(o->prompt), 1, ids, n);
    chat_template t;
    if (chat_load(&t, o->dir)) return -1;
    chat_msg msgs[2];
    int nm = 0;
    if (o->system) msgs[nm++] = (chat_msg){"system", o->system};
    msgs[nm++] = (chat_msg){"user", o->prompt};
    char *text = chat_render(&t, msgs, nm, 1);
    int rc = tok_encode(tok, text, strlen(text), 0, ids, n);
    free(text);
    return rc;
}

static void stream_text(void *ctx, int req, int sample, const char *text, size_t len) {
    (void)ctx; (void)req; (void)sample;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

static void print_json(const gen_sample *out, int n, const gen_stats *st) {
    json_t *root = json_object(), *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *ids = json_array();
        for (int j = 0; j < out[i].n; j++) json_array_append_new(ids, json_integer(out[i].ids[j]));
        json_t *text = out[i].text ? json_stringn(out[i].text, out[i].text_len) : json_null();
        json_array_append_new(arr, json_pack("{s:o, s:o, s:s}", "ids", ids, "text", text ? text : json_null(),
                                             "finish_reason", gen_finish_name(out[i].finish)));
    }
    json_object_set_new(root, "samples", arr);
    json_object_set_new(root, "usage", json_pack("{s:i, s:i, s:f, s:f}", "prompt_tokens", st->prefill_tokens,
        "generated_tokens", st->generated_tokens, "prefill_seconds", st->prefill_seconds, "decode_seconds", st->decode_seconds));
    json_object_set_new(root, "memory", json_pack("{s:I, s:I, s:I}", "kv_cache_bytes", (json_int_t)st->kv_bytes,
        "scratch_bytes", (json_int_t)st->scratch_bytes, "peak_rss_bytes", (json_int_t)cli_peak_rss()));
    char *s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
    puts(s);
    free(s);
    json_decref(root);
}

int cmd_generate(int argc, char **argv) {
    gen_opts o;
    int prc = parse_opts(&o, argc, argv);
    if (prc == -1) return 0;
    if (prc == 2) return cli_usage(usage, 1);
    if (prc) return cli_fail();
    seal_model m;
    if (model_load(&m, o.dir)) return cli_fail();
    seal_gen_defaults d = {.do_sample = -1, .temperature = 1.0, .top_p = 1.0, .repetition_penalty = 1.0};
    seal_tokenizer *tok = NULL;
    seal_adapter ad = {0};
    int *ids = NULL, n = 0, code = 1;
    char *tj = seal_path_join(o.dir, "tokenizer.json");
    if (o.use_gen_config ? config_load_generation(&m.cfg, o.dir, &d) : 0) goto done;
    if (seal_is_file(tj) && !(tok = tok_load(o.dir))) goto done;
    if (o.adapter && peft_load(&ad, &m.cfg, o.adapter)) goto done;
    if (tok && tok_eos_id(tok) >= 0 && m.cfg.n_eos < 8) {
        int e = tok_eos_id(tok), seen = 0;
        for (int i = 0; i < m.cfg.n_eos; i++) seen |= m.cfg.eos_ids[i] == e;
        if (!seen) m.cfg.eos_ids[m.cfg.n_eos++] = e;
    }
    if (prompt_tokens(&o, tok, &ids, &n)) goto done;
    if (n == 0) { seal_err("the prompt encodes to no tokens"); goto done; }
    gen_params p = {.max_new = o.max_new, .sampling = sampling_from(&o, &d), .eos_ids = o.ignore_eos ? NULL : m.cfg.eos_ids,
                    .n_eos = o.ignore_eos ? 0 : m.cfg.n_eos, .stops = o.stops, .n_stops = o.n_stops, .tok = tok,
                    .adapter = o.adapter ? &ad : NULL};
    gen_request req = {.ids = ids, .n = n, .n_samples = o.samples, .seed = o.seed};
    gen_sample *out = seal_calloc((size_t)o.samples, sizeof *out);
    gen_stats st;
    seal_pool *pool = seal_pool_create(cli_threads(o.threads));
    int stream = !o.as_json && o.samples == 1 && tok;
    if (generate(&m, pool, &req, 1, &p, out, stream ? stream_text : NULL, NULL, &st) == 0) {
        code = 0;
        if (o.as_json) print_json(out, o.samples, &st);
        else {
            for (int i = 0; i < o.samples && !stream; i++) {
                if (o.samples > 1) printf("--- sample %d (%s) ---\n", i, gen_finish_name(out[i].finish));
                if (out[i].text) printf("%s\n", out[i].text);
                else { for (int j = 0; j < out[i].n; j++) printf("%s%d", j ? " " : "", out[i].ids[j]); printf("\n"); }
            }
            if (stream) printf("\n");
            fprintf(stderr, "[prefill %d tokens %.2f s, decode %d tokens %.2f s (%.1f tok/s), KV cache %.1f MB]\n",
                    st.prefill_tokens, st.prefill_seconds, st.generated_tokens, st.decode_seconds,
                    st.decode_seconds > 0 ? st.generated_tokens / st.decode_seconds : 0.0, st.kv_bytes / 1e6);
        }
        for (int i = 0; i < o.samples; i++) gen_sample_free(&out[i]);
    }
    seal_pool_destroy(pool);
    free(out);
done:
    if (code) cli_fail();
    free(ids);
    free(tj);
    if (tok) tok_free(tok);
    if (ad.store) adapter_free(&ad);
    model_free(&m);
    return code;
}
