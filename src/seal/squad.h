/* squad.h: SEAL's knowledge-incorporation passages (SQuAD paragraphs with
 * their questions), the reference's seed-42 subset selection, and SEAL's
 * file format. See docs/data.md.
 *
 * Two input formats, told apart by the top-level JSON type:
 *  - SEAL's (a list): [{"title", "context", "questions": [{"question",
 *    "answer"}, ...]}, ...]. Other keys ("completions", "prompt", ...) are
 *    ignored. Strings are taken verbatim.
 *  - official SQuAD v1.1 (an object): {"version", "data": [{"title",
 *    "paragraphs": [{"context", "qas": [{"question", "id", "answers":
 *    [{"text", "answer_start"}, ...]}]}]}]}. Converted as SEAL's
 *    squad_val.json was: one record per paragraph in file order, the first
 *    gold answer's text only, duplicate questions kept, and the title with
 *    every '_' replaced by ' ' ("Super_Bowl_50" -> "Super Bowl 50").
 *    A question with no answers (SQuAD 2.0's unanswerable ones) is an error. */
#ifndef SEAL_SEAL_SQUAD_H
#define SEAL_SEAL_SQUAD_H

typedef struct { char *question, *answer; } seal_qa;
typedef struct { char *title, *context; seal_qa *qa; int n_qa; } seal_passage;
typedef struct { seal_passage *p; int n; } seal_passages;

/* Load path (either format) into *ps (which need not be initialized). On
 * failure *ps is empty and the error names the file and the record, e.g.
 * "squad_val.json: record 17: missing \"context\"" (records count from 0, as
 * Python list indices). All strings are valid UTF-8 without NULs. */
int seal_passages_load(seal_passages *ps, const char *path);
void seal_passages_free(seal_passages *ps);

/* The reference's subset selection: Python's random.seed(seed);
 * random.shuffle(records); records[start:start+n]. *indices gets a malloc'd
 * array of the n chosen indices into all->p, in that order (free() it).
 * [start, start+n) must lie inside [0, all->n). */
int seal_passages_select(const seal_passages *all, unsigned long long seed, int start, int n, int **indices);

/* Total questions over the records indices[0..n) (all->p[0..n) if indices is NULL). */
long seal_passages_count_questions(const seal_passages *ps, const int *indices, int n);

/* Write records indices[0..n) (ps->p[0..n) if indices is NULL) to path in
 * SEAL's format, byte for byte as Python's json.dump(records, f, indent=2,
 * ensure_ascii=False) would (no trailing newline), replacing the file
 * atomically. */
int seal_passages_save(const seal_passages *ps, const int *indices, int n, const char *path);

#endif
