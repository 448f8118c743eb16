/* seal generate: sample continuations of a prompt. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "gen/generate.h"
#include "model/peft.h"
#include "tok/chat.h"
#include "util/err.h"
#include "util/fsutil.h"

typedef struct {
    const char *v[16];
    int n;
} stop_list;

typedef struct {
    const char *dir, *prompt, *prompt_ids, *system, *adapter;
    int chat, max_new, samples, as_json, threads, ignore_eos, no_gen_config;
    unsigned long long seed;
    double temperature, top_p, min_p, rep_penalty;
    int top_k;
    int set_temp, set_top_p, set_top_k, set_min_p, set_rep;
    stop_list stops;
} gen_opts;

static int add_stop(const char *value, void *dst) {
    stop_list *s = dst;
    if (!*value) return seal_err("--stop: empty stop string");
    if (s->n == 16) return seal_err("--stop: at most 16 stop strings");
    s->v[s->n++] = value;
    return 0;
}

/* A sampling option that overrides generation_config.json only when given. */
#define SAMPLING_OPT(type_, name_, dst_, meta_, help_, min_, max_, flags_, given_)                                  \
    {.type = (type_), .name = (name_), .dst = (dst_), .metavar = (meta_), .help = (help_), .min = (min_),          \
     .max = (max_), .flags = CLI_RESULT | (flags_), .given = (given_)}

static int parse_opts(gen_opts *o, int argc, char **argv) {
    *o = (gen_opts){.max_new = 128, .samples = 1, .temperature = 1.0, .top_p = 1.0, .rep_penalty = 1.0};
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &o->dir, "DIR", "model directory", CLI_REQUIRED),
        CLI_OPT_STR("prompt", 0, &o->prompt, "TEXT", "prompt text (needs tokenizer.json in DIR)", CLI_RESULT),
        CLI_OPT_STR("prompt-ids", 0, &o->prompt_ids, "LIST", "prompt token ids (works without a tokenizer)", CLI_RESULT),
        CLI_OPT_FLAG("chat", 0, &o->chat, "wrap the prompt as a user turn in the model's chat template", CLI_RESULT),
        CLI_OPT_STR("system", 0, &o->system, "TEXT", "system message for --chat", CLI_RESULT),
        CLI_OPT(CLI_INT, "max-new", 'n', &o->max_new, "N",
                "new tokens at most (at most the model's context; generation also stops where the context ends)",
                1, 1 << 24, CLI_RESULT),
        SAMPLING_OPT(CLI_F64, "temperature", &o->temperature, "T", "0 = greedy (when not given: generation_config.json's, else 1)",
                     0, 1000, 0, &o->set_temp),
        SAMPLING_OPT(CLI_F64, "top-p", &o->top_p, "P", "nucleus sampling (1 = off)", 0, 1, CLI_GT_MIN, &o->set_top_p),
        SAMPLING_OPT(CLI_INT, "top-k", &o->top_k, "K", "keep the K most likely tokens (0 = off)", 0, 1 << 22, 0,
                     &o->set_top_k),
        SAMPLING_OPT(CLI_F64, "min-p", &o->min_p, "P", "drop tokens below P x the top probability (0 = off)", 0, 1, 0,
                     &o->set_min_p),
        SAMPLING_OPT(CLI_F64, "repetition-penalty", &o->rep_penalty, "R", "HF semantics (1 = off)", 0, 1000, CLI_GT_MIN,
                     &o->set_rep),
        CLI_OPT(CLI_U64, "seed", 0, &o->seed, "S", "sample i uses seed S+i", 0, 0, CLI_RESULT),
        CLI_OPT(CLI_INT, "samples", 0, &o->samples, "K", "samples of the prompt, sharing one prefill", 1, 1 << 16,
                CLI_RESULT),
        CLI_OPT_CUSTOM("stop", 0, &o->stops, "STR", "stop string (repeatable, at most 16); the text is cut before it",
                       add_stop, NULL, CLI_RESULT | CLI_REPEAT),
        CLI_OPT_FLAG("ignore-eos", 0, &o->ignore_eos, "do not stop at EOS ids", CLI_RESULT),
        CLI_OPT_STR("adapter", 0, &o->adapter, "DIR", "a PEFT LoRA adapter applied at run time", CLI_RESULT),
        CLI_OPT_FLAG("no-generation-config", 0, &o->no_gen_config, "ignore generation_config.json's sampling defaults",
                     CLI_RESULT),
        CLI_OPT_FLAG("json", 0, &o->as_json, "machine-readable output", 0),
        CLI_THREADS_OPT(&o->threads),
        {0}};
    const cli_spec spec = {
        "seal generate", "-m DIR (--prompt TEXT | --prompt-ids \"1 2 3\") [options]",
        "Generate continuations. Without --json the text streams to stdout as it is\n"
        "produced; with --json one object is printed at the end:\n"
        "  {\"samples\":[{\"ids\":[...],\"text\":\"...\",\"finish_reason\":\"eos|stop|length|context\"}],\n"
        "   \"usage\":{...},\"memory\":{...}}   (ids are the new tokens only)\n"
        "A sample never runs past the model's context (max_position_embeddings): it\n"
        "ends there with finish_reason \"context\" and a warning on stderr.\n",
        opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    if (!!o->prompt == !!o->prompt_ids) {
        fprintf(stderr, "seal generate: give exactly one of --prompt TEXT and --prompt-ids LIST\n");
        return 2;
    }
    return CLI_CONTINUE;
}

/* Flags given on the command line win over generation_config.json. */
static seal_sampling sampling_from(const gen_opts *o, const seal_gen_defaults *d) {
    seal_sampling s = seal_sampling_defaults();
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
    if (!o->chat) return seal_tok_encode(tok, o->prompt, strlen(o->prompt), 1, ids, n);
    chat_template t;
    if (seal_chat_load(&t, o->dir)) return -1;
    chat_msg msgs[2];
    int nm = 0;
    if (o->system) msgs[nm++] = (chat_msg){"system", o->system};
    msgs[nm++] = (chat_msg){"user", o->prompt};
    char *text = seal_chat_render(&t, msgs, nm, 1);
    int rc = seal_tok_encode(tok, text, strlen(text), 0, ids, n);
    free(text);
    return rc;
}

static void stream_text(void *ctx, int req, int sample, const char *text, size_t len) {
    (void)ctx; (void)req; (void)sample;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

/* 0, or -1 after seal_err when the JSON cannot be built (jansson refuses
 * non-finite numbers and invalid UTF-8 text: never print a partial object). */
static int print_json(const gen_sample *out, int n, const gen_stats *st) {
    json_t *root = json_object(), *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *ids = json_array();
        for (int j = 0; j < out[i].n; j++) json_array_append_new(ids, json_integer(out[i].ids[j]));
        json_t *text = out[i].text ? json_stringn(out[i].text, out[i].text_len) : json_null();
        json_array_append_new(arr, json_pack("{s:o, s:o, s:s}", "ids", ids, "text", text ? text : json_null(),
                                             "finish_reason", seal_gen_finish_name(out[i].finish)));
    }
    json_object_set_new(root, "samples", arr);
    json_object_set_new(root, "usage", json_pack("{s:i, s:i, s:f, s:f}", "prompt_tokens", st->prefill_tokens,
        "generated_tokens", st->generated_tokens, "prefill_seconds", st->prefill_seconds, "decode_seconds", st->decode_seconds));
    json_object_set_new(root, "memory", json_pack("{s:I, s:I, s:I}", "kv_cache_bytes", (json_int_t)st->kv_bytes,
        "scratch_bytes", (json_int_t)st->scratch_bytes, "peak_rss_bytes", (json_int_t)cli_peak_rss()));
    char *s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(root);
    if (!s) return seal_err("generate: cannot serialize the result as JSON");
    puts(s);
    free(s);
    return 0;
}

int cmd_generate(int argc, char **argv) {
    gen_opts o;
    int prc = parse_opts(&o, argc, argv), threads;
    if (prc != CLI_CONTINUE) return prc;
    if (seal_threads_resolve(o.threads, &threads)) return cli_fail();
    seal_model m;
    if (seal_model_load(&m, o.dir)) return cli_fail();
    seal_gen_defaults d = {.do_sample = -1, .temperature = 1.0, .top_p = 1.0, .repetition_penalty = 1.0};
    seal_tokenizer *tok = NULL;
    seal_adapter ad = {0};
    int *ids = NULL, n = 0, code = 1;
    char *tj = seal_path_join(o.dir, "tokenizer.json");
    if (!o.no_gen_config ? seal_config_load_generation(&m.cfg, o.dir, &d) : 0) goto done;
    if (seal_is_file(tj) && !(tok = seal_tok_load(o.dir))) goto done;
    if (o.adapter && seal_peft_load(&ad, &m.cfg, o.adapter)) goto done;
    if (tok && seal_tok_eos_id(tok) >= 0 && m.cfg.n_eos < 8) {
        int e = seal_tok_eos_id(tok), seen = 0;
        for (int i = 0; i < m.cfg.n_eos; i++) seen |= m.cfg.eos_ids[i] == e;
        if (!seen) m.cfg.eos_ids[m.cfg.n_eos++] = e;
    }
    if (prompt_tokens(&o, tok, &ids, &n)) goto done;
    if (n == 0) { seal_err("the prompt encodes to no tokens"); goto done; }
    if (o.max_new > m.cfg.max_pos) {
        seal_err("--max-new %d: more than the model's context of %d positions (max_position_embeddings in %s)",
                 o.max_new, m.cfg.max_pos, o.dir);
        goto done;
    }
    gen_params p = {.max_new = o.max_new, .sampling = sampling_from(&o, &d), .eos_ids = o.ignore_eos ? NULL : m.cfg.eos_ids,
                    .n_eos = o.ignore_eos ? 0 : m.cfg.n_eos, .stops = o.stops.v, .n_stops = o.stops.n, .tok = tok,
                    .adapter = o.adapter ? &ad : NULL, .max_positions = m.cfg.max_pos};
    gen_request req = {.ids = ids, .n = n, .n_samples = o.samples, .seed = o.seed};
    gen_sample *out = seal_calloc((size_t)o.samples, sizeof *out);
    gen_stats st;
    seal_pool *pool = seal_pool_create(threads);
    int stream = !o.as_json && o.samples == 1 && tok;
    if (pool && seal_generate(&m, pool, &req, 1, &p, out, stream ? stream_text : NULL, NULL, &st) == 0) {
        code = 0;
        if (st.context_stops)
            fprintf(stderr, "seal: warning: %d sample(s) stopped at the model's context limit of %d positions "
                            "(prompt %d + new tokens)\n", st.context_stops, m.cfg.max_pos, n);
        if (o.as_json) code = print_json(out, o.samples, &st) ? 1 : 0;
        else {
            for (int i = 0; i < o.samples && !stream; i++) {
                if (o.samples > 1) printf("--- sample %d (%s) ---\n", i, seal_gen_finish_name(out[i].finish));
                if (out[i].text) printf("%s\n", out[i].text);
                else { for (int j = 0; j < out[i].n; j++) printf("%s%d", j ? " " : "", out[i].ids[j]); printf("\n"); }
            }
            if (stream) printf("\n");
            fprintf(stderr, "[prefill %d tokens %.2f s, decode %d tokens %.2f s (%.1f tok/s), KV cache %.1f MB]\n",
                    st.prefill_tokens, st.prefill_seconds, st.generated_tokens, st.decode_seconds,
                    st.decode_seconds > 0 ? st.generated_tokens / st.decode_seconds : 0.0, st.kv_bytes / 1e6);
        }
        for (int i = 0; i < o.samples; i++) seal_gen_sample_free(&out[i]);
    }
    if (pool) seal_pool_destroy(pool);
    free(out);
done:
    if (code) cli_fail();
    free(ids);
    free(tj);
    if (tok) seal_tok_free(tok);
    if (ad.store) seal_adapter_free(&ad);
    seal_model_free(&m);
    return code;
}
