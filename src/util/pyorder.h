/* pyorder.h: the orders Python and NumPy put equal-ranked things in, for
 * following a reference whose ties fall where those libraries put them.
 *
 * SEAL's ARC voting (arclib/voting.py) ranks candidate grids with
 * list(set(outputs)), max(set(xs), key=xs.count), np.argmax and np.argsort:
 * which of two equally common grids wins depends on CPython's set iteration
 * order (its tuple hash and open-addressing table) and on NumPy's argsort
 * order among equal counts. Both are deterministic for tuples of small ints
 * (int hashes are not salted by PYTHONHASHSEED), so they are reproduced here:
 *   - tuple hash: CPython 3.8+ (xxHash-based tuplehash, 64-bit);
 *   - set: CPython 3.x setobject.c (linear probes of 9, perturb shift 5,
 *     minimum size 8, resize at fill*5 >= mask*3 to used*4, or used*2 past
 *     50000), built by adding items in order as set(list) does;
 *   - argsort: NumPy's portable introsort for int64 (npysort/quicksort.cpp
 *     aquicksort: median of three, insertion sort up to 16 elements,
 *     heapsort past the depth limit), NumPy <= 1.24 everywhere and later
 *     versions on CPUs without AVX-512 (where x86-simd-sort takes over and
 *     ties fall elsewhere: see docs/commands/arc.md).
 * Checked against /usr/bin/python3 in tests/unit/test_pyorder.c and
 * tests/arc/test_arc_vote.sh. */
#ifndef SEAL_UTIL_PYORDER_H
#define SEAL_UTIL_PYORDER_H

#include <stddef.h>
#include <stdint.h>

/* hash(t) of a tuple whose items hash to lanes[0..n): CPython's tuplehash.
 * A non-negative int below 2**61 - 1 hashes to itself, so a tuple of small
 * ints passes the ints themselves; a tuple of tuples passes their hashes. */
int64_t seal_py_tuple_hash(const int64_t *lanes, int n);

/* Item a equals item b (indices into the caller's items). */
typedef int (*seal_py_eq_fn)(const void *ctx, int a, int b);

/* Scratch tables for seal_py_set_order, grown on demand and reused: start
 * from {0}, free with seal_py_set_free. */
typedef struct {
    void *slots;
    size_t cap;  /* slots allocated */
} seal_py_set;

/* list(set(items)) for n items with hashes hash[0..n) (added in index
 * order): the number u of distinct items; first[0..u) gets, in the set's
 * iteration order, the index of each distinct item's first occurrence (the
 * object the set keeps) and count[0..u) how many of the n items equal it.
 * first and count need room for n. */
int seal_py_set_order(seal_py_set *s, const int64_t *hash, int n, seal_py_eq_fn eq, const void *ctx, int *first,
                      int *count);
void seal_py_set_free(seal_py_set *s);

/* np.argsort(v) for v[0..n) int64 with the default kind ("quicksort"):
 * idx[0..n) gets the permutation NumPy's portable introsort returns, ties
 * included. */
void seal_np_argsort(const int64_t *v, int n, int *idx);

#endif
