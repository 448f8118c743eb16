/* serve.h: `seal serve`, an OpenAI-compatible HTTP server (the API vLLM and
 * llama.cpp's server speak).
 *
 * Routes: GET /health, GET /v1/models, POST /v1/completions,
 * POST /v1/chat/completions (non-streamed, or server-sent events with
 * "stream": true), and vLLM's runtime LoRA routes POST /v1/load_lora_adapter
 * {"lora_name", "lora_path"} and POST /v1/unload_lora_adapter {"lora_name"}
 * (enabled by allow_runtime_lora, as vLLM's VLLM_ALLOW_RUNTIME_LORA_UPDATING:
 * they make the server read a client-named directory).
 *
 * HTTP is libmicrohttpd's, one thread per connection. Requests go into a
 * bounded queue (full: 429); one scheduler thread decodes up to max_batch
 * samples together, one token each per step (continuous batching: before
 * each step queued requests join in free slots, their prompts prefilled in
 * the same forward calls, and finished samples leave). A client that hangs up
 * stops its samples. Greedy output
 * equals `seal generate` for the same prompt, and sampled output with a seed
 * equals `seal generate --seed` (generation is batch-invariant).
 *
 * POST /v1/adapt (seal's extension, adapt.c): passages in, a LoRA adapter
 * written by self-edits and the inner loop in a background job, served by
 * name when done. */
#ifndef SEAL_SERVE_SERVE_H
#define SEAL_SERVE_SERVE_H

#include <stddef.h>

enum { SERVE_MAX_LORA = 32 };

typedef struct {
    const char *model_dir;   /* required */
    const char *served_name; /* the model's id in the API; NULL: the directory's last component */
    const char *host;        /* numeric IPv4 address to bind ("127.0.0.1") */
    int port;                /* 0: any free port (seal_serve_port says which) */
    const char *api_key;     /* NULL: no key; else "Authorization: Bearer KEY", compared in constant time */
    const char *lora_names[SERVE_MAX_LORA], *lora_dirs[SERVE_MAX_LORA]; /* adapters served by name */
    int n_lora;
    int allow_runtime_lora;  /* enable /v1/load_lora_adapter and /v1/unload_lora_adapter */
    int threads;             /* kernel threads (seal_threads_resolve) */
    int max_batch;           /* samples decoded together at most */
    int max_queue;           /* requests waiting at most (more: 429) */
    int max_tokens;          /* cap on a request's max_tokens (also capped by the model's context) */
    int max_n;               /* cap on a request's n */
    int max_body;            /* request body bytes at most (more: 413) */
    int max_connections;     /* open connections at most (more are refused by the HTTP library) */
    int timeout_s;           /* a request must arrive whole within this many seconds (slow senders are cut off) */
    int adapt_threads;       /* /v1/adapt jobs' kernel threads (0: /v1/adapt off) */
    int adapt_queue;         /* adaptation jobs waiting or running at most (more: 429) */
    int adapt_edit_tokens;   /* cap on a self-edit's tokens */
    int adapt_memory_mb;     /* a job estimated to need more is refused (0: no budget) */
} seal_serve_opts;

seal_serve_opts seal_serve_defaults(void);

typedef struct seal_server seal_server;

/* Load the model, its tokenizer, chat template (if any) and the adapters, and
 * start listening. NULL + seal_err naming the file or option at fault. */
seal_server *seal_serve_start(const seal_serve_opts *o);
/* The port actually bound (useful with port 0). */
int seal_serve_port(const seal_server *s);
/* Requests answered so far (any status), and decode steps run. */
void seal_serve_counts(const seal_server *s, long *requests, long *batches);
/* Stop listening, finish the samples decoding, answer waiting requests with 503,
 * free everything. */
void seal_serve_stop(seal_server *s);

#endif
