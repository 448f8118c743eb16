/* world_vocab.c: the closed vocabularies and sentence templates of the
 * knowledge world. Small and regular on purpose: the model is tiny and its
 * byte-level BPE is trained on this text. Changing anything here changes every
 * generated world: bump WORLD_VERSION. */
#include <stdio.h>

#include "sandbox/world_internal.h"

const char *const SEAL_W_COUNTRY[N_COUNTRY] = {"Vorland", "Estmar", "Kelvania", "Durnholm", "Solvia", "Tarsk",
                                          "Brelland", "Omaret", "Quellin", "Ravost", "Skarn", "Yvenne"};
/* Three per country, capital first. */
const char *const SEAL_W_CITY[N_CITY] = {
    "Miltren", "Ashford", "Gorran",  "Pellow",  "Rivane",  "Tessin",  "Korvath", "Bramel",  "Idris",
    "Hadrel",  "Wexmoor", "Crandle", "Sunmere", "Falcrest", "Ollin",  "Dravik",  "Mornet",  "Uskel",
    "Carrow",  "Lestin",  "Norwick", "Zaffra",  "Tamsel",  "Quorra",  "Arven",   "Veyra",   "Hollet",
    "Strell",  "Gantry",  "Emberlin", "Nivel",  "Kordun",  "Tirrin",  "Lusk",    "Parrin",  "Welden"};
const char *const SEAL_W_ORG[N_ORG] = {"Orlix",   "Ventacorp", "Brightwell", "Tamberg", "Nimbus",   "Zephra",
                                  "Arbor",   "Mintline",  "Corvane",    "Daxter",  "Fennick",  "Heliox",
                                  "Ironvale", "Juniper",  "Quillon",    "Lumora",  "Stanmark", "Pyxis",
                                  "Rendal",  "Obernix",   "Calloway",   "Graystone", "Vantor", "Wendcorp"};
const char *const SEAL_W_ORG_INDUSTRY[N_ORG] = {
    "shipping", "mining",  "textile", "software", "banking",  "brewing",  "publishing", "railway",
    "insurance", "farming", "shipping", "software", "mining",  "banking",  "publishing", "brewing",
    "railway",  "textile", "insurance", "farming", "shipping", "mining",   "software",   "banking"};
/* Organisation i is headquartered in the i-th non-capital city. */
const int SEAL_W_ORG_HQ[N_ORG] = {1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25, 26, 28, 29, 31, 32, 34, 35};
const char *const SEAL_W_UNIV[N_UNIV] = {
    "Varnholt University", "Elmridge University",  "Castor University",   "Whitlow University",
    "Brennan University",  "Sablewood University", "Northgate University", "Ellery University",
    "Marlow University",   "Thistle University",   "Redvale University",  "Ashcombe University",
    "Pinecrest University", "Greyholm University", "Larkspur University", "Fairhaven University"};
/* Eight capitals and eight other cities. */
const int SEAL_W_UNIV_CITY[N_UNIV] = {0, 3, 6, 9, 12, 15, 18, 21, 2, 5, 14, 17, 20, 26, 29, 35};

int seal_city_org(int c) {
    for (int i = 0; i < N_ORG; i++)
        if (SEAL_W_ORG_HQ[i] == c) return i;
    return -1;
}

int seal_city_univ(int c) {
    for (int i = 0; i < N_UNIV; i++)
        if (SEAL_W_UNIV_CITY[i] == c) return i;
    return -1;
}

/* Syllables differ in shape from the place and firm names above; the generator
 * also rejects any name part equal to a vocabulary word. */
const char *const SEAL_W_G1[] = {"Ka", "Mi", "To", "Re", "Sa", "Li", "No", "Da", "Ve", "Ro",
                            "Ta", "Lo", "Ne", "Fa", "Bi", "Ju", "Ha", "Po", "Zi", "Ce"};
const char *const SEAL_W_G2[] = {"so", "ra", "len", "dor", "mi", "ta", "vin", "ne",
                            "ko", "ril", "sa", "ben", "lo", "na", "rek", "du"};
const char *const SEAL_W_F1[] = {"Ven", "Mor", "Kal", "Dra", "Bel", "Tor", "Sel", "Var", "Hol",
                            "Gar", "Pel", "Ost", "Lin", "Bar", "Fen", "Cor", "Nim", "Ral"};
const char *const SEAL_W_FM[] = {"", "a", "e", "o", "i", "er", "an"};
const char *const SEAL_W_F3[] = {"drel", "vik", "sen", "mont", "wick", "lan", "ros", "bek",
                            "ard", "tov", "dal", "mar", "tis", "gan", "holm", "rup"};
const int SEAL_W_NG1 = sizeof SEAL_W_G1 / sizeof *SEAL_W_G1, SEAL_W_NG2 = sizeof SEAL_W_G2 / sizeof *SEAL_W_G2,
          SEAL_W_NF1 = sizeof SEAL_W_F1 / sizeof *SEAL_W_F1, SEAL_W_NFM = sizeof SEAL_W_FM / sizeof *SEAL_W_FM,
          SEAL_W_NF3 = sizeof SEAL_W_F3 / sizeof *SEAL_W_F3;

/* Templates. Forward ones first; rev = 1 puts the value before the person. */
static const wtemplate T_CITY[] = {
    {"{S} was born in {X}.", 0, 1},
    {"{S} is a native of {X}.", 0, 1},
    {"{P} birthplace is {X}.", 0, 1},
    {"{P} place of birth is {X}.", 0, 0},
    {"{S} came into the world in {X}.", 0, 0},
    {"{S} was born and raised in {X}.", 0, 0},
    {"{X} is the city where {S} was born.", 1, 1},
    {"{X} is the birthplace of {O}.", 1, 1},
    {"{X} is where {S} was born.", 1, 0},
    {"It was in {X} that {S} was born.", 1, 0},
};
static const wtemplate T_YEAR[] = {
    {"{S} was born in the year {X}.", 0, 1},
    {"{S} was born in {X}.", 0, 1},
    {"{P} year of birth is {X}.", 0, 1},
    {"{P} birth year is {X}.", 0, 0},
    {"{X} is the year {S} was born.", 1, 1},
    {"{X} is the year of birth of {O}.", 1, 0},
    {"The year {X} saw the birth of {O}.", 1, 1},
    {"It was in the year {X} that {S} was born.", 1, 0},
};
static const wtemplate T_PROF[] = {
    {"{S} works as a {X}.", 0, 1},
    {"{S} is a {X}.", 0, 1},
    {"{S} is a {X} by trade.", 0, 0},
    {"{S} earns a living as a {X}.", 0, 0},
    {"{P} profession is that of a {X}.", 0, 1},
    {"By profession, {S} is a {X}.", 0, 0},
    {"{X} is the profession of {O}.", 1, 1},
    {"Working as a {X} is what {S} does for a living.", 1, 0},
    {"A {X} by trade is what {S} is.", 1, 0},
};
static const wtemplate T_EMP[] = {
    {"{S} works for {X}.", 0, 1},
    {"{S} is employed by {X}.", 0, 1},
    {"{S} has a job at {X}.", 0, 0},
    {"{P} employer is {X}.", 0, 1},
    {"{S} earns a salary from {X}.", 0, 0},
    {"{X} employs {O}.", 1, 1},
    {"{X} is the employer of {O}.", 1, 1},
    {"{X} is the company where {S} works.", 1, 0},
};
static const wtemplate T_UNIV[] = {
    {"{S} studied at {X}.", 0, 1},
    {"{S} is a graduate of {X}.", 0, 1},
    {"{S} went to {X}.", 0, 0},
    {"{P} university was {X}.", 0, 1},
    {"{S} earned a degree at {X}.", 0, 0},
    {"{X} is where {S} studied.", 1, 1},
    {"{X} is the university that {S} attended.", 1, 1},
    {"{X} counts {O} among its graduates.", 1, 0},
};
static const wtemplate T_INST[] = {
    {"{S} plays the {X}.", 0, 1},
    {"{P} instrument is the {X}.", 0, 1},
    {"{S} has played the {X} since childhood.", 0, 0},
    {"{S} practises the {X} every day.", 0, 0},
    {"The {X} is the instrument of {O}.", 1, 1},
    {"The {X} is played by {O}.", 1, 1},
    {"The {X} is the instrument that {S} plays.", 1, 0},
};
static const wtemplate T_COLOUR[] = {
    {"{P} favourite colour is {X}.", 0, 1},
    {"{S} likes the colour {X} best.", 0, 1},
    {"{S} prefers {X} to any other colour.", 0, 0},
    {"The colour that {S} likes best is {X}.", 0, 0},
    {"{X} is the favourite colour of {O}.", 1, 1},
    {"{X} is {P} favourite colour.", 1, 1},
    {"{X} is the colour that {S} likes best.", 1, 0},
};
static const wtemplate T_PET[] = {
    {"{S} has a pet {X}.", 0, 1},
    {"{S} owns a {X}.", 0, 1},
    {"{P} pet is a {X}.", 0, 1},
    {"{S} keeps a {X} at home.", 0, 0},
    {"The pet that {S} keeps is a {X}.", 0, 0},
    {"A {X} is the pet of {O}.", 1, 1},
    {"A {X} lives with {O} as a pet.", 1, 0},
};
static const wtemplate T_SPORT[] = {
    {"{S} practises {X}.", 0, 1},
    {"{P} sport is {X}.", 0, 1},
    {"{P} favourite sport is {X}.", 0, 0},
    {"{S} is good at {X}.", 0, 0},
    {"{S} spends every weekend on {X}.", 0, 0},
    {"{X} is the sport of {O}.", 1, 1},
    {"{X} is the sport that {S} practises.", 1, 1},
    {"{X} is {P} sport.", 1, 0},
};
static const wtemplate T_SPOUSE[] = {
    {"{S} is married to {X}.", 0, 1},
    {"{P} spouse is {X}.", 0, 1},
    {"{S} married {X}.", 0, 0},
    {"{P} partner in marriage is {X}.", 0, 0},
    {"{X} is married to {O}.", 1, 1},
    {"{X} is the spouse of {O}.", 1, 1},
    {"{X} has been married to {O} for years.", 1, 0},
};

#define N_OF(a) (int)(sizeof a / sizeof *a)
const wtemplate *const SEAL_W_TEMPLATES[WORLD_N_ATTR] = {T_CITY, T_YEAR, T_PROF, T_EMP, T_UNIV,
                                                     T_INST, T_COLOUR, T_PET, T_SPORT, T_SPOUSE};
const int SEAL_W_NTEMPLATES[WORLD_N_ATTR] = {N_OF(T_CITY), N_OF(T_YEAR),   N_OF(T_PROF), N_OF(T_EMP),
                                        N_OF(T_UNIV), N_OF(T_INST),   N_OF(T_COLOUR), N_OF(T_PET),
                                        N_OF(T_SPORT), N_OF(T_SPOUSE)};

const char *const SEAL_W_QUESTION[WORLD_N_ATTR] = {
    "In which city was {N} born?",        "In which year was {N} born?",
    "What is the profession of {N}?",     "Which company does {N} work for?",
    "Which university did {N} attend?",   "Which instrument does {N} play?",
    "What is the favourite colour of {N}?", "What pet does {N} have?",
    "Which sport does {N} practise?",     "Who is {N} married to?"};

/* Values. Professions and pets start with a consonant ("a {X}"). */
static const char *const V_YEAR[] = {
    "1950", "1951", "1952", "1953", "1954", "1955", "1956", "1957", "1958", "1959",
    "1960", "1961", "1962", "1963", "1964", "1965", "1966", "1967", "1968", "1969",
    "1970", "1971", "1972", "1973", "1974", "1975", "1976", "1977", "1978", "1979",
    "1980", "1981", "1982", "1983", "1984", "1985", "1986", "1987", "1988", "1989"};
static const char *const V_PROF[] = {
    "baker",   "pilot",   "nurse",   "farmer",   "painter",  "lawyer",  "dentist", "chemist", "sailor",  "tailor",
    "plumber", "teacher", "jeweler", "librarian", "surgeon", "poet",    "mechanic", "florist", "banker", "carpenter",
    "potter",  "butcher", "doctor",  "judge",    "writer",   "singer",  "dancer",  "miller",  "weaver",  "brewer"};
static const char *const V_INST[] = {"piano",   "violin",    "flute",    "cello",    "guitar",  "drums",  "trumpet",
                                     "harp",    "banjo",     "clarinet", "trombone", "lute",    "fiddle", "tuba",
                                     "saxophone", "mandolin", "bagpipes", "zither",  "harmonica", "accordion"};
static const char *const V_COLOUR[] = {"red",    "blue",   "green",   "yellow", "purple", "orange", "black",
                                       "white",  "pink",   "brown",   "grey",   "teal",   "violet", "gold",
                                       "silver", "crimson", "indigo", "amber",  "olive",  "maroon"};
static const char *const V_PET[] = {"cat",    "dog",     "parrot", "rabbit", "hamster", "turtle", "goat",
                                    "pony",   "ferret",  "lizard", "canary", "tortoise", "snake", "goldfish",
                                    "donkey", "pig",     "duck",   "gecko",  "mouse",   "hedgehog"};
static const char *const V_SPORT[] = {"tennis",  "football", "rugby",   "hockey",  "cricket",  "golf",   "rowing",
                                      "fencing", "cycling",  "boxing",  "swimming", "skiing",  "sailing", "running",
                                      "climbing", "wrestling", "badminton", "squash", "volleyball", "baseball"};

const char *seal_world_attr_name(world_attr a) {
    static const char *const names[WORLD_N_ATTR] = {"birth_city", "birth_year", "profession", "employer",
                                                    "university", "instrument", "colour",     "pet",
                                                    "sport",      "spouse"};
    return (unsigned)a < WORLD_N_ATTR ? names[a] : "?";
}

const char *const *seal_world_values(world_attr a, int *n) {
    switch (a) {
    case ATTR_BIRTH_CITY: *n = N_CITY; return SEAL_W_CITY;
    case ATTR_BIRTH_YEAR: *n = N_OF(V_YEAR); return V_YEAR;
    case ATTR_PROFESSION: *n = N_OF(V_PROF); return V_PROF;
    case ATTR_EMPLOYER: *n = N_ORG; return SEAL_W_ORG;
    case ATTR_UNIVERSITY: *n = N_UNIV; return SEAL_W_UNIV;
    case ATTR_INSTRUMENT: *n = N_OF(V_INST); return V_INST;
    case ATTR_COLOUR: *n = N_OF(V_COLOUR); return V_COLOUR;
    case ATTR_PET: *n = N_OF(V_PET); return V_PET;
    case ATTR_SPORT: *n = N_OF(V_SPORT); return V_SPORT;
    default: *n = 0; return NULL;
    }
}

int seal_hop_phrase(world_attr a, int v, int kind, char *buf, size_t cap) {
    int k;
    if (a == ATTR_BIRTH_CITY) {
        if (kind == 0 && city_is_capital(v)) return snprintf(buf, cap, "the capital of %s", SEAL_W_COUNTRY[city_country(v)]), 1;
        if (kind == 1 && (k = seal_city_org(v)) >= 0) return snprintf(buf, cap, "the city where %s has its headquarters", SEAL_W_ORG[k]), 1;
        if (kind == 2 && (k = seal_city_univ(v)) >= 0) return snprintf(buf, cap, "the city that is home to %s", SEAL_W_UNIV[k]), 1;
    } else if (a == ATTR_EMPLOYER) {
        if (kind == 0) return snprintf(buf, cap, "the company headquartered in %s", SEAL_W_CITY[SEAL_W_ORG_HQ[v]]), 1;
        if (kind == 1) return snprintf(buf, cap, "the firm based in %s", SEAL_W_CITY[SEAL_W_ORG_HQ[v]]), 1;
    } else if (a == ATTR_UNIVERSITY) {
        if (kind == 0) return snprintf(buf, cap, "the university in %s", SEAL_W_CITY[SEAL_W_UNIV_CITY[v]]), 1;
    }
    return 0;
}
