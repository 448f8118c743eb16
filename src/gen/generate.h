/* generate.h: batched generation.
 *
 * Several prompts, each with k samples, decode together: every prompt is
 * prefilled once (all prompts batched into shared forward calls), its KV rows
 * are copied to the slots of its other samples, then every unfinished sample
 * advances one token per step in a single forward call (one pass over the
 * weights per step for the whole batch). Sample i of a request draws from its
 * own RNG seeded with request.seed + i, and the forward pass is bitwise
 * independent of batching, so a sample's tokens are exactly those it would
 * get generated alone with that seed.
 *
 * Memory is bounded up front: a KV cache of (total samples) x (longest
 * prompt + max_new) positions, a forward scratch for `cap` tokens, and
 * logits for one row per sample; seal_gen_memory() reports it. */
#ifndef SEAL_GEN_GENERATE_H
#define SEAL_GEN_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/sampler.h"
#include "model/adapter.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "tok/tokenizer.h"

/* Why a sample ended: an EOS id, a stop string, max_new tokens, or the
 * model's context (max_position_embeddings) filled before max_new. */
enum { GEN_EOS, GEN_STOP, GEN_LENGTH, GEN_CONTEXT };
const char *seal_gen_finish_name(int finish); /* "eos", "stop", "length", "context" */

typedef struct {
    const int *ids; /* prompt token ids (at least one) */
    int n;
    int n_samples;
    uint64_t seed;  /* sample i uses seed + i */
} gen_request;

typedef struct {
    int max_new;              /* new tokens at most per sample */
    seal_sampling sampling;
    const int *eos_ids;       /* stop when one of these is generated (kept in ids, not in text) */
    int n_eos;
    const char *const *stops; /* stop strings: the text is cut before the first one */
    int n_stops;
    const seal_tokenizer *tok; /* NULL: no text, no stop strings */
    int prefill_cap;          /* tokens per prefill forward call (default 256 when 0) */
    const seal_adapter *adapter; /* LoRA applied at run time, or NULL */
    int max_positions;        /* > 0: a sample ends (GEN_CONTEXT) when prompt + new tokens reach this many
                                 positions, e.g. the model's max_position_embeddings; 0: no limit (RoPE
                                 extrapolates; the SEAL loops rely on it for long passages) */
} gen_params;

typedef struct {
    int *ids;       /* new tokens only, malloc'd */
    int n;
    char *text;     /* decoded new text (special tokens skipped), malloc'd; NULL without a tokenizer */
    size_t text_len;
    int finish;     /* GEN_EOS, GEN_STOP or GEN_LENGTH */
} gen_sample;

typedef struct {
    size_t kv_bytes, scratch_bytes;
    int prefill_tokens, decode_steps, generated_tokens;
    int context_stops; /* samples cut short by max_positions (finish GEN_CONTEXT): warn the user */
    int past_context;  /* samples whose positions went past the model's max_position_embeddings (no limit set) */
    double prefill_seconds, decode_seconds;
} gen_stats;

/* Called as text becomes available: (request index, sample index, bytes). */
typedef void (*gen_stream_fn)(void *ctx, int request, int sample, const char *text, size_t len);

/* Generate for every request; out receives sum(n_samples) samples in request
 * order. stream may be NULL. With p->max_positions set, a sample never goes
 * past it: it ends there with GEN_CONTEXT, counted in stats->context_stops,
 * and a prompt that fills it is an error; without, samples that run past the
 * model's max_position_embeddings are counted in stats->past_context. Logits
 * that are not finite (NaN or inf weights) are an error, never sampled.
 * 0, or -1 + seal_err (nothing is leaked). */
int seal_generate(const seal_model *m, seal_pool *pool, const gen_request *reqs, int n_reqs, const gen_params *p,
             gen_sample *out, gen_stream_fn stream, void *stream_ctx, gen_stats *stats);
void seal_gen_sample_free(gen_sample *s);

#define SEAL_GEN_MAX_EOS 8
/* The ids that end a sample: the model's eos_token_id list (config.json /
 * generation_config.json), then the tokenizer's EOS when not among them, at
 * most SEAL_GEN_MAX_EOS into ids. Returns how many. */
int seal_gen_eos_ids(const seal_model *m, const seal_tokenizer *tok, int *ids);

/* Where the first of stops begins in text[0..len) when text[old_len..len)
 * was just appended (only the tail a new piece could have completed is
 * searched), or SIZE_MAX. The text is cut there (the stop string excluded). */
size_t seal_gen_find_stop(const char *const *stops, int n_stops, const char *text, size_t len, size_t old_len);

/* Bytes of KV cache and scratch a seal_generate() call would allocate. */
size_t seal_gen_memory(const seal_model *m, const gen_request *reqs, int n_reqs, const gen_params *p, int n_threads);

#endif
