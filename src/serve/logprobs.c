/* logprobs.c: the "logprobs" of a finished completion. The prompt and the
 * generated tokens run once more through the model (teacher forcing, the same
 * batch-invariant inference arithmetic as generation and `seal score`), and
 * each generated token gets its log-probability under the raw model
 * distribution (before temperature, penalties and top-p/top-k: what OpenAI
 * and vLLM V1 return by default), with the top_n most likely tokens there. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/forward.h"
#include "serve/serve_internal.h"
#include "util/err.h"

enum { CHUNK = 256 };

/* Log-softmax of one row at id, and the top_n ids with their log-probabilities
 * (largest first; ties to the lower id). */
static void row_logprobs(const float *logits, int V, int id, int top_n, double *lp, int *top_ids, double *top_lp) {
    double mx = logits[0], sum = 0;
    for (int v = 1; v < V; v++) mx = logits[v] > mx ? logits[v] : mx;
    for (int v = 0; v < V; v++) sum += exp((double)logits[v] - mx);
    double lse = mx + log(sum);
    *lp = logits[id] - lse;
    for (int k = 0; k < top_n; k++) {
        int best = -1;
        for (int v = 0; v < V; v++) {
            int taken = 0;
            for (int q = 0; q < k; q++) taken |= top_ids[q] == v;
            if (!taken && (best < 0 || logits[v] > logits[best])) best = v;
        }
        top_ids[k] = best;
        top_lp[k] = logits[best] - lse;
    }
}

int seal_serve_logprobs(const seal_model *m, seal_pool *pool, const seal_adapter *a, const int *prompt, int n_prompt,
                        const int *gen, int n_gen, int top_n, double *lp, int *top_ids, double *top_lp) {
    int L = n_prompt + n_gen, V = m->cfg.vocab, H = m->cfg.hidden;
    if (n_gen == 0) return 0;
    int *ids = seal_malloc(sizeof(int) * (size_t)L), seq[CHUNK] = {0}, pos[CHUNK];
    memcpy(ids, prompt, sizeof(int) * (size_t)n_prompt);
    memcpy(ids + n_prompt, gen, sizeof(int) * (size_t)n_gen);
    seal_kvcache kv = {0};
    seal_fwd f = {0};
    int rc = seal_kv_init(&kv, &m->cfg, 1, L);
    if (rc == 0) rc = seal_fwd_init(&f, m, pool, CHUNK, L);
    if (rc == 0) seal_fwd_set_adapter(&f, a);
    float *hidden = seal_aligned_alloc(sizeof(float) * (size_t)CHUNK * H);
    float *logits = seal_aligned_alloc(sizeof(float) * (size_t)V);
    for (int at = 0; at < L - 1 && rc == 0; at += CHUNK) {
        int n = L - 1 - at < CHUNK ? L - 1 - at : CHUNK;
        for (int i = 0; i < n; i++) pos[i] = at + i;
        rc = seal_fwd_tokens(&f, &kv, n, ids + at, seq, pos, hidden);
        for (int i = 0; i < n && rc == 0; i++) {
            int p = at + i, k = p + 1 - n_prompt; /* position p predicts ids[p + 1], generated token k */
            if (k < 0) continue;
            seal_fwd_logits(&f, hidden + (size_t)i * H, 1, logits);
            row_logprobs(logits, V, ids[p + 1], top_n, &lp[k], top_ids + (size_t)k * top_n, top_lp + (size_t)k * top_n);
        }
    }
    free(hidden); free(logits); free(ids);
    seal_fwd_free(&f);
    seal_kv_free(&kv);
    return rc;
}
