/* augment.h: the reference's augmentation tools and the test-time-training
 * and evaluation task sets built from them (seal-method.md §3.3, §3.4, §3.7,
 * §7). Every random draw is NumPy's RandomState (util/nprandom.h), as in the
 * reference. Where the reference's order depends on Python's hash seed (its
 * deduplicating set), seal fixes one order, documented in docs/commands/arc.md. */
#ifndef SEAL_ARC_AUGMENT_H
#define SEAL_ARC_AUGMENT_H

#include "arc/task.h"
#include "util/nprandom.h"

/* The self-edit's four tool groups. */
enum { ARC_TOOL_BASIC = 1, ARC_TOOL_SIZE = 2, ARC_TOOL_CHAIN = 4, ARC_TOOL_REPEAT = 8, ARC_TOOL_ALL = 15 };

#define ARC_AUG_MAX 32

/* One augmenter of a group (basic 11, size 3, chain 6, repeat 3). */
typedef struct {
    int kind;       /* internal: which transformation */
    int arg, arg2;  /* its parameters (angle, axis, reverse, factor, chained view) */
} arc_augmenter;

/* The augmenters of the selected groups in the reference's order
 * (basic, size, chain, repeat); returns how many (<= ARC_AUG_MAX). */
int seal_arc_augmenters(unsigned groups, arc_augmenter *out);
/* The reference's name of a (e.g. "Rotate(90)", "Chain([Flip(0), IncreaseResolution(2)])"),
 * for logs and journals. */
const char *seal_arc_augmenter_name(const arc_augmenter *a, char *buf, int cap);
/* Apply a to every grid of t (demos and query) into *out (allocated). 0, or
 * 1 when some grid would exceed 30 a side (nothing allocated). rng is the
 * task set's generator (RandomTranslateXY copies it per example and does
 * not advance it). */
int seal_arc_augment(const arc_augmenter *a, const arc_task *t, const np_random *rng, arc_task *out);

/* The geometric views of evaluation; the result has the same cells. */
void seal_arc_view_apply(arc_view v, const arc_grid *in, arc_grid *out);
/* The view that undoes v. */
arc_view seal_arc_view_inverse(arc_view v);

typedef struct {
    arc_task *t;
    int n, cap;
} arc_task_list;

void seal_arc_task_list_free(arc_task_list *l);

/* The reference's leave-n tasks of t's demonstrations, appended to out (the
 * query is never used): for each demo i (the pseudo-test, with its output)
 * and each (n-1)-combination of the other demos in itertools order, the
 * remaining demos in ascending order (a 2-demo task gives leave-2 tasks with
 * no demos). 0, or -1 + seal_err when n < 1. */
int seal_arc_leave_n_tasks(const arc_task *t, int n, arc_task_list *out);

/* arclib's PermuteColors on t, drawing from rng: rng.shuffle of the unused
 * colours 1-9, rng.permutation of the used ones (0 excluded), then each used
 * colour, in Python's set order, takes an unused colour popped from the end
 * while any is left, else swaps with a popped used one. map[c] is c's new
 * colour (map[0] == 0). The colours counted are every demo grid, the query's
 * input and, when t->has_out, its output (use_test_output=True). */
void seal_arc_colour_map(const arc_task *t, np_random *rng, unsigned char map[ARC_COLOURS]);

/* The TTT tasks of one self-edit from t's demonstrations (the query is never
 * used), appended to out: for each n in leave_n[0..n_leave) (the reference:
 * {1, 2}) in turn, get_test_time_train_data with its own RandomState(0):
 * every augmenter of groups on every leave-n task, results over 30x30
 * dropped; union with the plain leave-n tasks, deduplicated; then one
 * demo-shuffled copy of each (colour-permuted first when groups != 0), union,
 * deduplicated. The lists of different n are concatenated, not deduplicated
 * against each other (the reference's process_task). Order: where the
 * reference takes list(set(L)), seal keeps L's first occurrences in L's
 * order (L = augmented tasks then plain ones; then permuted copies then their
 * sources). The 8192-token filter and the cap are the caller's (they need
 * the tokenizer): seal_arc_cap. 0, or -1 + seal_err when some n < 1. */
int seal_arc_ttt_tasks(const arc_task *t, unsigned groups, const int *leave_n, int n_leave, arc_task_list *out);
/* Step 4's cap: when l->n > cap, shuffle with RandomState(seed) and keep the
 * first cap (freeing the rest). */
void seal_arc_cap(arc_task_list *l, int cap, unsigned seed);

/* One evaluation query: a task whose query is the subtask's test input (seen
 * through view `inverse`'s inverse), and the view that maps the model's
 * prediction back. */
typedef struct {
    arc_task t;
    arc_view inverse;
} arc_query;

typedef struct {
    arc_query *q;
    int n, cap;
} arc_query_list;

void seal_arc_query_list_free(arc_query_list *l);

/* The reference's evaluation queries for a subtask (get_leave_n_test_task
 * with n = include_n, permute_n, RandomState(seed); SEAL: 1, 2, 0): for each
 * include_n-combination of demos left out (itertools order), the context of
 * the others with the subtask's query, then permute_n demo-order permutations
 * of it; deduplicated; then for each view of Transpose, Flip0, Flip1, Rot90,
 * Rot180, a random one of those tasks (randint over the list) seen through
 * the view, kept with its inverse unless equal to a listed task; finally the
 * views' tasks then the others, deduplicated (first occurrences, as in
 * seal_arc_ttt_tasks). A subtask with fewer than include_n demos gives no
 * queries (the reference's rng.choice raises there). The caller widens n by
 * one when no query fits the context (the reference then also lists the
 * n-queries, which did not fit before either). 0, or -1 + seal_err when
 * include_n < 0. */
int seal_arc_eval_queries(const arc_task *subtask, int include_n, int permute_n, unsigned seed, arc_query_list *out);

#endif
