/* arc_solve.h: answering one ARC subtask as the reference evaluates
 * (seal-method.md §3.7): the evaluation queries (leave-one-out contexts with
 * the real test input, demonstration permutations, geometric views), each
 * prompt rendered by the model's chat template and encoded without special
 * tokens (one BOS), greedy answers stopping at EOS / <|eot_id|> or at the
 * context (max_len positions: the reference's "8192 - prompt length" new
 * tokens), predictions parsed and mapped back by their view's inverse, and
 * two attempts voted. Queries of max_len tokens or more are dropped; when
 * none is left, the context is narrowed (leave-n widened by one) until one
 * fits or no demonstration is left. Greedy decoding is batch-invariant, so
 * how many queries decode together (answer_batch) changes memory, not
 * answers. A query fits when its prompt and, for a subtask with a known
 * answer, the answer too stay under max_len tokens (the reference measures
 * its messages with the output). */
#ifndef SEAL_SEAL_ARC_SOLVE_H
#define SEAL_SEAL_ARC_SOLVE_H

#include "arc/task.h"
#include "arc/vote.h"
#include "model/adapter.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "tok/chat.h"
#include "tok/tokenizer.h"

typedef struct {
    int max_len;       /* context for prompt + answer (8192) */
    int max_answer;    /* new tokens at most per answer (0: up to the context, the reference) */
    int answer_batch;  /* queries decoded together */
    int include_n;     /* leave-n of the queries (1) */
    int permute_n;     /* demonstration permutations per context (2) */
    unsigned seed;     /* the queries' random draws */
} arc_solve_opts;

arc_solve_opts seal_arc_solve_defaults(void);

typedef struct {
    int include_n;           /* the leave-n the queries used (after any widening) */
    int n_queries;           /* queries answered */
    int dropped_long;        /* queries over max_len at that leave-n */
    char **texts;            /* [n_queries] raw answers, malloc'd */
    arc_prediction *preds;   /* [n_queries] */
    arc_grid attempts[2];
    int solved;              /* subtask has a gold output: 1 when an attempt equals it; else 0 */
    long tokens;             /* generated */
    double seconds;
} arc_solve_result;

void seal_arc_solve_result_free(arc_solve_result *r);

/* Answer subtask sub (its demos and query input; query output = gold when
 * has_out) with model m and adapter a (NULL: none). 0, or -1 + seal_err on an
 * engine error (an answer that is not a grid is a failed prediction, not an
 * error). */
int seal_arc_solve(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const chat_template *tpl,
                   const seal_adapter *a, const arc_task *sub, const arc_solve_opts *o, arc_solve_result *r);

#endif
