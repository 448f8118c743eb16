/* world.h: a deterministic fictional world for the tiny-model SEAL sandbox.
 *
 * People with up to ten attributes (birth city, birth year, profession,
 * employer, university, instrument, colour, pet, sport, spouse) live in a fixed
 * background of countries, cities, organisations and universities. Pretraining
 * people appear in pretrain.jsonl (passages, SEAL implications and rewrite
 * documents, SEAL answer-prompt QA for a subset); held-out people (train, eval)
 * appear only in train.json / eval.json, one passage each whose facts are often
 * stated in reverse, through a hop that the background teaches ("born in the
 * capital of Vorland") or with a pronoun. Every sentence comes from a closed
 * template set with closed value vocabularies, so seal_world_judge_line can decide
 * whether a self-edit line restates a fact correctly. docs/world.md explains
 * the design. Everything is a pure function of world_opts (seed included). */
#ifndef SEAL_SANDBOX_WORLD_H
#define SEAL_SANDBOX_WORLD_H

#include <jansson.h>
#include <stdint.h>

typedef enum {
    ATTR_BIRTH_CITY, ATTR_BIRTH_YEAR, ATTR_PROFESSION, ATTR_EMPLOYER, ATTR_UNIVERSITY,
    ATTR_INSTRUMENT, ATTR_COLOUR, ATTR_PET, ATTR_SPORT, ATTR_SPOUSE, WORLD_N_ATTR
} world_attr;

/* WORLD_DRILL: extraction drills, people who appear in exactly one
 * implications or rewrite document of pretrain.jsonl (never memorizable, so
 * the only way to predict their lines is to read the passage). */
typedef enum { WORLD_PRETRAIN, WORLD_TRAIN, WORLD_EVAL, WORLD_DRILL } world_split;

/* Sentence styles, as weights: plain (forward, value stated), reverse (value
 * before the person), hop (value named through a background fact). */
enum { STYLE_PLAIN, STYLE_REVERSE, STYLE_HOP, WORLD_N_STYLE };
/* Pretraining document kinds per person (weights). */
enum { DOC_PASSAGE, DOC_IMPLICATIONS, DOC_REWRITE, WORLD_N_DOC };
/* Drill documents only: a plain passage whose implication lines echo its sentences. */
enum { DOC_ECHO = WORLD_N_DOC };

typedef struct {
    uint64_t seed;
    int n_pretrain, n_train, n_eval;   /* people per split */
    int n_drill;                       /* drill people: one implications/rewrite document each */
    double drill_echo;                 /* share of drill documents that are echo drills (plain passage, lines in its words) */
    int docs_per_person;               /* passage/implications/rewrite docs per pretraining person */
    double qa_frac;                    /* pretraining people who also get QA docs (all attributes) */
    int qa_repeats;                    /* copies of each QA document */
    int background_docs;               /* documents about countries, cities, firms, universities */
    int min_facts, max_facts;          /* facts per held-out passage (and its questions) */
    int pre_min_facts;                 /* facts per pretraining passage: pre_min_facts..WORLD_N_ATTR */
    double pre_style[WORLD_N_STYLE];   /* sentence style weights, pretraining passages */
    double held_style[WORLD_N_STYLE];  /* sentence style weights, held-out passages */
    double doc_mix[WORLD_N_DOC];       /* document kind weights */
    const struct world *avoid;         /* NULL, or a world whose names (people, spouses) none of ours takes;
                                        * borrowed by seal_world_generate, NULL in the world it makes */
    const char *avoid_path;            /* where avoid came from, recorded in world.json */
} world_opts;

typedef struct {
    char name[40], given[16], family[24];
    char spouse[40], spouse_given[16];
    int female;
    world_split split;
    int qa;                 /* pretraining person with QA documents */
    unsigned mask;          /* bit a set: the person has attribute a (held-out: those of the passage) */
    int val[WORLD_N_ATTR];  /* index into seal_world_values(a); unused for ATTR_SPOUSE */
    char *passage;          /* held-out people: the passage of train/eval.json; else NULL */
} world_person;

typedef struct world {
    world_opts opts;
    world_person *people;   /* pretraining first, then train, eval, drill */
    int n_people;
    int *by_name;           /* person indices sorted by name (for lookups) */
} world;

void seal_world_opts_default(world_opts *o);

/* Build the people and the held-out passages. 0, or -1 + seal_err for bad opts. */
int seal_world_generate(world *w, const world_opts *o);
void seal_world_free(world *w);

/* Write pretrain.jsonl, train.json, eval.json and world.json into dir (created),
 * each atomically. stats (may be NULL) gets pretrain document count and bytes. */
typedef struct { long long pretrain_docs, pretrain_bytes, docs_by_kind[6]; } world_stats;
int seal_world_write(const world *w, const char *dir, world_stats *stats);

/* Read world.json back (the tables must match this build). 0 or -1 + seal_err. */
int seal_world_load(world *w, const char *path);

/* The person with this full name, or NULL. */
const world_person *seal_world_find(const world *w, const char *name);

/* Attribute names ("birth_city", ...), value tables, questions and answers. */
const char *seal_world_attr_name(world_attr a);
const char *const *seal_world_values(world_attr a, int *n); /* NULL, 0 for ATTR_SPOUSE */
/* The forward question for attribute a about person p (malloc'd), and its short answer. */
char *seal_world_question(const world_person *p, world_attr a);
const char *seal_world_answer(const world_person *p, world_attr a);
/* p as one SEAL SQuAD-format entry: {title, context, questions: [{question,
 * answer}]}, a question for every attribute p has. A new reference. */
json_t *seal_world_squad_entry(const world_person *p, const char *context);
/* The fact stated plainly, as an ideal self-edit line would: full name, the
 * question's direction, the value itself (no hop), the first such template of
 * the attribute (malloc'd). */
char *seal_world_fact_sentence(const world_person *p, world_attr a);

/* Faithfulness of one self-edit line about the passage's entity. */
typedef enum {
    WORLD_LINE_UNKNOWN = 0,     /* no recognizable fact about this entity */
    WORLD_LINE_CORRECT = 1,     /* restates a fact of the entity correctly */
    WORLD_LINE_WRONG = 2,       /* an attribute the entity has, with a wrong value */
    WORLD_LINE_UNSUPPORTED = 3, /* an attribute the entity's passage does not state */
} world_verdict;

typedef struct {
    int attr;      /* world_attr, -1 when unknown */
    int value;     /* value index stated (spouse: 0 = the spouse, -1 another name), -1 when unknown */
    int reverse;   /* the line names the value before the person */
    int hop;       /* the value is named through a background fact */
    int subject;   /* 0 full name, 1 given name, 2 pronoun */
} world_judgement;

/* Judge line (one sentence; list markers such as "- " or "3. " are ignored)
 * as a statement about the person named entity_name. Returns a world_verdict
 * (out, if not NULL, gets the details), or -1 + seal_err if the entity is not
 * in the world. A line about another person is UNKNOWN. */
int seal_world_judge_line(const world *w, const char *entity_name, const char *line, world_judgement *out);

#endif
