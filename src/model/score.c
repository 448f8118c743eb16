#include "model/score.h"

#include <stdlib.h>

#include "kern/ops.h"
#include "util/err.h"

enum { LOGIT_ROWS = 16 }; /* rows of logits alive at once: 16 x vocab floats */

int seal_score_sequence(seal_fwd *f, seal_kvcache *kv, const int *ids, int n, double *logprobs, int *argmax_out) {
    const seal_config *c = &f->m->cfg;
    if (n > kv->max_len) return seal_err("score: %d tokens exceed the context of %d", n, kv->max_len);
    int cap = f->cap;
    float *hidden = seal_aligned_alloc(sizeof(float) * (size_t)cap * c->hidden);
    float *logits = seal_aligned_alloc(sizeof(float) * (size_t)LOGIT_ROWS * c->vocab);
    int *seq = seal_calloc((size_t)cap, sizeof(int)), *pos = seal_malloc(sizeof(int) * (size_t)cap);
    int rc = 0;
    kv->len[0] = 0;
    for (int start = 0; start < n && rc == 0; start += cap) {
        int len = n - start < cap ? n - start : cap;
        for (int i = 0; i < len; i++) pos[i] = start + i;
        rc = seal_fwd_tokens(f, kv, len, ids + start, seq, pos, hidden);
        for (int r = 0; rc == 0 && r < len; r += LOGIT_ROWS) {
            int rows = len - r < LOGIT_ROWS ? len - r : LOGIT_ROWS;
            seal_fwd_logits(f, hidden + (size_t)r * c->hidden, rows, logits);
            for (int i = 0; i < rows; i++) {
                int p = start + r + i; /* predicts ids[p+1] */
                if (p + 1 >= n) break;
                const float *row = logits + (size_t)i * c->vocab;
                int bad = seal_first_nonfinite(row, c->vocab);
                if (bad >= 0) {
                    rc = seal_err("score: the model's logit for token %d at position %d is %g, not a finite number "
                                  "(the weights hold NaN or inf?)", bad, p, (double)row[bad]);
                    break;
                }
                logprobs[p] = seal_log_softmax_at(row, c->vocab, ids[p + 1]);
                if (argmax_out) argmax_out[p] = seal_argmax(row, c->vocab);
            }
        }
    }
    free(hidden);
    free(logits);
    free(seq);
    free(pos);
    return rc;
}
