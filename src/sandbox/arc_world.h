/* arc_world.h: a deterministic world of ARC grid puzzles for the tiny-model
 * SEAL ARC sandbox (issue 16; docs/world.md, "The ARC world").
 *
 * A puzzle is a *program*: one rule of a family (recolour, flip, turn,
 * gravity, shift, zoom, mirror, border, ...) with its parameters, or two such
 * rules composed. Its demonstrations and test pair are inputs drawn for the
 * first rule, mapped through the program. Pretraining puzzles use the "seen"
 * compositions and parameters; training (the RL round's tasks) and evaluation
 * puzzles use held-out compositions and held-out parameter values, so that
 * the pretraining text never shows their rules.
 *
 * Every family is tagged, per tool group (the self-edit's basic, size, chain
 * and repeat groups and the colour permutation every tool brings), with
 * whether the group's augmenters turn a demonstration into a valid example
 * of the SAME rule (PRESERVES), mostly do not (POISONS), or some do and some
 * do not (MIXED). The tags are declared by reasoning about the rules (the
 * table in docs/world.md) and checked by applying the real augmenters
 * (tests/unit/test_arc_world.c). Everything is a pure function of the options
 * and the seed. */
#ifndef SEAL_SANDBOX_ARC_WORLD_H
#define SEAL_SANDBOX_ARC_WORLD_H

#include <stdint.h>

#include "arc/task.h"

typedef enum {
    AW_RECOLOUR,     /* every colour c becomes map[c] (an arbitrary map of the palette) */
    AW_FLIP,         /* up-down, left-right or half turn */
    AW_TURN,         /* quarter turn either way, transpose or anti-transpose */
    AW_GRAVITY,      /* every non-0 cell falls toward a side */
    AW_GRAVITY_WALL, /* the same, cells of one colour stay and stop the others */
    AW_SHIFT,        /* cyclic shift by (dy, dx), both non-zero */
    AW_ZOOM,         /* every cell becomes a k x k block */
    AW_MIRROR,       /* the grid beside (or above) its mirror image */
    AW_BORDER,       /* a one-cell frame of one colour drawn on the edge */
    AW_MOVE_COLOUR,  /* the cells of one colour move by (dy, dx), clipped */
    AW_CROP_FRAME,   /* the inside of the rectangle drawn in one colour */
    AW_SYMMETRY,     /* cells of a mask colour restored from their mirror cell */
    AW_LARGEST,      /* the largest objects recoloured to one colour */
    AW_FILL_HOLES,   /* enclosed background regions filled with their enclosure's colour */
    AW_N_FAMILY
} aw_family;

/* Tool groups: the self-edit's four (ARC_TOOL_* order) and the colour
 * permutation, which the TTT set applies whenever any tool is chosen. */
enum { AW_BASIC, AW_SIZE, AW_CHAIN, AW_REPEAT, AW_COLOUR, AW_N_GROUP };
typedef enum { AW_MIXED, AW_PRESERVES, AW_POISONS } aw_tag;

#define AW_NPARAM 10
typedef struct {
    int family;
    int p[AW_NPARAM]; /* the family's parameters (arc_world.c's family table says which) */
} aw_rule;

/* One rule, or two applied in order (r[0] first). */
typedef struct {
    int n;
    aw_rule r[2];
} aw_program;

const char *seal_aw_family_name(int family);
/* The family named NAME (e.g. "gravity_wall"), or -1. */
int seal_aw_family_by_name(const char *name);
const char *seal_aw_group_name(int group);
const char *seal_aw_tag_name(aw_tag t);

/* out = program(in). 0, or -1 when the program is undefined on in (a result
 * over 30 a side, no frame to crop): no message, the caller decides. */
int seal_aw_apply(const aw_program *p, const arc_grid *in, arc_grid *out);

/* The declared tag of a rule or program for a tool group. A composition
 * POISONS when one of its rules does, PRESERVES when both do, else MIXED. */
aw_tag seal_aw_rule_tag(const aw_rule *r, int group);
aw_tag seal_aw_tag(const aw_program *p, int group);

/* The program's parameters in words, e.g. "gravity(down) then recolour(1>4,3>3)"
 * into buf (cap bytes). */
void seal_aw_describe(const aw_program *p, char *buf, int cap);

typedef enum { AW_PRETRAIN, AW_TRAIN, AW_EVAL } aw_split;

typedef struct {
    uint64_t seed;
    int n_pretrain, n_train, n_eval;    /* puzzles per split */
    int n_selfedit;                     /* self-edit documents in pretrain.jsonl */
    int min_side, max_side;             /* input grid sides */
    int max_out_side;                   /* every grid's sides at most (outputs of zoom, mirror...) */
    int demos_min, demos_max;           /* demonstrations of train/eval puzzles */
    int pre_demos_min, pre_demos_max;   /* ... of pretraining puzzles */
    double eval_single;                 /* share of train/eval puzzles that are one rule (held-out parameters) */
    double pre_single;                  /* share of pretraining puzzles that are one rule */
    unsigned pre_families;              /* bit f: family f may appear in pretraining programs (all by default) */
    int n_lr, n_epochs;
    double lrs[16];                     /* the self-edit documents' learning rates, drawn uniformly */
    int epochs[16];                     /* ... and epochs */
} aw_opts;

typedef struct {
    char id[16];
    aw_split split;
    aw_program prog;
    arc_task t;  /* demonstrations and the test pair (query with its output) */
} aw_puzzle;

typedef struct {
    aw_opts opts;
    aw_puzzle *pz; /* pretraining, then training, then evaluation puzzles */
    int n;
} aw_world;

void seal_aw_opts_default(aw_opts *o);

/* Draw every puzzle. 0, or -1 + seal_err for bad options. */
int seal_aw_generate(aw_world *w, const aw_opts *o);
void seal_aw_free(aw_world *w);

/* 1 when the composition (first, then) is held out of pretraining; -1 when
 * the pair is not a composition the world draws. */
int seal_aw_composition_heldout(int first, int then);
/* 1 when the rule's parameter values are held out of pretraining. */
int seal_aw_rule_heldout(const aw_rule *r);

typedef struct {
    long long docs, bytes, solved_docs, selfedit_docs;
} aw_stats;

/* Write into dir (created): arc-world_{training,evaluation}_{challenges,
 * solutions}.json (Kaggle layout), pretrain.jsonl and world.json, each
 * atomically. stats may be NULL. 0 or -1 + seal_err. */
int seal_aw_write(const aw_world *w, const char *dir, aw_stats *stats);

/* The chat template the tiny ARC model carries, as tokenizer_config.json's
 * "chat_template" (Llama 3.0 markup without a date block, which tok/chat.h
 * recognises). */
extern const char seal_aw_chat_template[];
/* The special tokens its tokenizer needs, NULL-terminated. */
extern const char *const seal_aw_special_tokens[];

#endif
