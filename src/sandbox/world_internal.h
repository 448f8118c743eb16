/* world_internal.h: the world's closed vocabularies and sentence templates,
 * shared by the generator (world.c) and the judge (world_judge.c). */
#ifndef SEAL_SANDBOX_WORLD_INTERNAL_H
#define SEAL_SANDBOX_WORLD_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "sandbox/world.h"

#define WORLD_FORMAT "seal-world-knowledge"
#define WORLD_VERSION 2

/* Background: countries (3 cities each, the first is the capital),
 * organisations (unique headquarters city), universities (unique city). */
#define N_COUNTRY 12
#define N_CITY 36
#define N_ORG 24
#define N_UNIV 16
extern const char *const SEAL_W_COUNTRY[N_COUNTRY];
extern const char *const SEAL_W_CITY[N_CITY];        /* city i is in country i / 3 */
extern const char *const SEAL_W_ORG[N_ORG];
extern const char *const SEAL_W_ORG_INDUSTRY[N_ORG];
extern const int SEAL_W_ORG_HQ[N_ORG];               /* city index */
extern const char *const SEAL_W_UNIV[N_UNIV];
extern const int SEAL_W_UNIV_CITY[N_UNIV];           /* city index */

static inline int city_country(int c) { return c / 3; }
static inline int country_capital(int k) { return 3 * k; }
static inline int city_is_capital(int c) { return c % 3 == 0; }
int seal_city_org(int c);  /* organisation headquartered in city c, or -1 */
int seal_city_univ(int c); /* university in city c, or -1 */

/* Name syllables: given = G1 G2, family = F1 [FM] F3. */
extern const char *const SEAL_W_G1[], *const SEAL_W_G2[], *const SEAL_W_F1[], *const SEAL_W_FM[], *const SEAL_W_F3[];
extern const int SEAL_W_NG1, SEAL_W_NG2, SEAL_W_NF1, SEAL_W_NFM, SEAL_W_NF3;

/* A sentence template: one person slot ({S} nominative, {P} possessive,
 * {O} object; a pronoun is never used for {O}) and one value slot {X}.
 * rev: the value comes before the person. impl: plain enough for an
 * implications line. The first letter of a rendered sentence is capitalized. */
typedef struct {
    const char *text;
    unsigned char rev, impl;
} wtemplate;

extern const wtemplate *const SEAL_W_TEMPLATES[WORLD_N_ATTR];
extern const int SEAL_W_NTEMPLATES[WORLD_N_ATTR];
extern const char *const SEAL_W_QUESTION[WORLD_N_ATTR]; /* "{N}" = full name */

/* Hop phrases naming a value through a background fact. For a city: kind 0
 * "the capital of C", 1 "the city where O has its headquarters", 2 "the city
 * that is home to U"; employer: 0 "the company headquartered in C", 1 "the firm
 * based in C"; university: 0 "the university in C". Writes into buf (cap
 * bytes) and returns 1, or returns 0 when that kind does not exist for the value. */
#define W_MAX_HOP 3
int seal_hop_phrase(world_attr a, int value, int kind, char *buf, size_t cap);

/* Build w->by_name from w->people. */
void seal_world_index_names(world *w);
/* Set "attributes", "countries", "organisations", "universities" on j. */
void seal_world_tables_json(json_t *j);

#endif
