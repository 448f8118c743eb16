/* task.h: ARC tasks and the files they come in.
 *
 * Kaggle layout (ARC Prize 2024): a challenges file
 *   {task_id: {"train": [{"input": G, "output": G}, ...], "test": [{"input": G}, ...]}}
 * and an optional solutions file {task_id: [G for test 0, G for test 1, ...]};
 * or one task per file (fchollet/ARC-AGI's data/<split>/<id>.json: {"train": [...],
 * "test": [{"input": G, "output": G}, ...]}, the id being the file name).
 * Each test input is one subtask, named "<task_id>-<i>" (the reference's
 * expansion). Everything is validated on load: a grid is a non-empty
 * rectangular list of lists of integers 0-9, at most 30 a side (reals, even
 * 1.0, strings and booleans are refused); "train" and "test" hold 1 to 100
 * entries; a task id is 1-39 characters of [A-Za-z0-9_.-], not starting with
 * '.' (ids become file names); duplicate keys are refused. A bad file is
 * refused naming the file, the task and the field (e.g. "f.json: task t:
 * train[2].output: row 3 column 1: 10 is not a colour 0-9"). Tasks keep the
 * file's order (the reference walks dict order; jansson iterates objects in
 * insertion order). */
#ifndef SEAL_ARC_TASK_H
#define SEAL_ARC_TASK_H

#include "arc/grid.h"

typedef struct {
    arc_grid in, out;
} arc_pair;

/* One puzzle as the pipeline sees it: demonstrations, and a query whose
 * output is known (a leave-n pseudo-test, a solved subtask) or not. */
typedef struct {
    int n_demo;
    arc_pair *demo;   /* [n_demo], malloc'd (NULL when n_demo == 0) */
    arc_pair query;   /* query.out valid when has_out */
    int has_out;
} arc_task;

typedef struct {
    char id[48];      /* "<task_id>-<i>" */
    char task_id[40];
    int test_index;   /* i */
    arc_task t;       /* the task's train pairs as demos; query = test input i (+ solution) */
} arc_subtask;

typedef struct {
    arc_subtask *sub; /* [n], file order, then test order */
    int n;
} arc_set;

/* Deep copy (dst's old contents are not freed). */
void seal_arc_task_copy(arc_task *dst, const arc_task *src);
void seal_arc_task_free(arc_task *t);
/* A 64-bit hash of demos (in order) and query (deduplication). */
uint64_t seal_arc_task_hash(const arc_task *t);
int seal_arc_task_equal(const arc_task *a, const arc_task *b);

/* Load a Kaggle challenges file and, when solutions is not NULL, its
 * solutions (every task of the challenges must have exactly one grid per test
 * input; entries for other tasks are ignored), or, when challenges is a
 * directory, every *.json task in it, sorted by name (then solutions must be
 * NULL; a test entry's own "output" is its answer). Without solutions a query
 * has an output only where its test entry has one. s is overwritten (not
 * freed). 0, or -1 + seal_err naming the file, task and field (s then empty). */
int seal_arc_load(arc_set *s, const char *challenges, const char *solutions);
void seal_arc_set_free(arc_set *s);

/* Keep only the subtasks of the listed task ids (comma-separated, each must
 * exist: -1 + seal_err naming the first unknown id), in the set's order. */
int seal_arc_select_ids(arc_set *s, const char *ids);
/* self-edit.py --n_tasks=n: the first n subtasks in file order, dropping
 * every subtask whose index is not 0 (so a task appears once; the reference
 * drops only "-1" subtasks, the same on every ARC file with at most 2 test
 * inputs per task). n beyond the set keeps all (the reference crashes). */
void seal_arc_select_first(arc_set *s, int n);
/* eval-self-edits.py --num_examples=k: np.random.seed(seed) (0 in the
 * reference), shuffle the subtasks (np.random.shuffle on the list), keep the
 * first k (all when k >= n), in shuffled order. */
void seal_arc_select_shuffled(arc_set *s, int k, unsigned seed);

#endif
