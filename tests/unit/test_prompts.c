/* test_prompts: every template of src/seal/prompts.c byte for byte against
 * seal-method.md §2.2 and §2.5, typed again here (not copied from
 * prompts.c), plus the placeholder filling. */
#include "check.h"
#include "tok/prompts.h"
#include "util/err.h"
#include "util/strbuf.h"

static void same(int line, const char *got, const char *want) {
    if (strcmp(got, want) == 0) return;
    size_t i = 0;
    while (got[i] && got[i] == want[i]) i++;
    check_failures++;
    fprintf(stderr, "line %d: differs at byte %zu: got \"%.40s\", want \"%.40s\"\n", line, i, got + i, want + i);
}
#define SAME(got, want) same(__LINE__, got, want)

/* seal-method.md §2.2, one line of the markdown block per source line; "\n" where the block has a line break. */
static const char *const want_implications =
    "Let's read the following passage and produce a list of implications derived directly or indirectly from the content.\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Implications:\n";
static const char *const want_implications_long =
    "Let's read the following passage and produce a long list of implications derived directly or indirectly from the content.\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Implications:\n";
static const char *const want_implications_very_long =
    "Let's read the following passage and produce a very long list of implications derived directly or indirectly from the content.\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Implications:\n";
static const char *const want_rewrite =
    "Let's read the following passage and rewrite it in a few different ways, each one separated by a newline.\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Rewritten passages:\n";
static const char *const want_self_qa = /* ends with "Question 1: " and no newline */
    "Let's read the following passage and rewrite it in a question-answer format.\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Question 1: ";
static const char *const want_none = "Passage:\n{title}\n{context}\n\n";
/* seal-method.md gives the instruction + passage block + "Thought Process:\n"; the blank line between the
 * instruction and "Passage:" is as in every other template (and in upstream make_squad_data.py). */
static const char *const want_cot =
    "Let's read the following passage, think step by step, and then produce a list of implications derived "
    "directly or indirectly from the content. We should first generate a \"Thought Process\" and then "
    "\"Implications\"\n"
    "\n"
    "Passage:\n"
    "{title}\n"
    "{context}\n"
    "\n"
    "Thought Process:\n";
/* §2.5 */
static const char *const want_answer = "Let's answer a question directly and concisely.\nQuestion: {question}\nAnswer:\n";
static const char *const want_grade =
    "You are a grading assistant. Your job is to determine whether a student's answer correctly answers the question "
    "based solely on the provided gold answer. Do not use any outside knowledge. The student answer can include "
    "additional information, but it must at least fully convey the gold answer and must not contradict it. Ignore "
    "style, phrasing, or extra details that do not affect correctness. Respond ONLY with 'yes' or 'no'.\n"
    "\n"
    "Question: {question}\n"
    "Gold answer: {gold}\n"
    "Student answer: {pred}\n"
    "Is the student answer correct based solely on the gold answer? Respond 'yes' or 'no'.";

static void test_templates(void) {
    SAME(seal_self_edit_template(SELF_EDIT_IMPLICATIONS), want_implications);
    SAME(seal_self_edit_template(SELF_EDIT_IMPLICATIONS_LONG), want_implications_long);
    SAME(seal_self_edit_template(SELF_EDIT_IMPLICATIONS_VERY_LONG), want_implications_very_long);
    SAME(seal_self_edit_template(SELF_EDIT_REWRITE), want_rewrite);
    SAME(seal_self_edit_template(SELF_EDIT_SELF_QA), want_self_qa);
    SAME(seal_self_edit_template(SELF_EDIT_NONE), want_none);
    SAME(seal_self_edit_template(SELF_EDIT_IMPLICATIONS_COT), want_cot);
    SAME(SEAL_ANSWER_TEMPLATE, want_answer);
    SAME(SEAL_GRADE_TEMPLATE, want_grade);
    /* The grading prompt has no trailing newline; self-qa ends in a space. */
    size_t gl = strlen(SEAL_GRADE_TEMPLATE), ql = strlen(seal_self_edit_template(SELF_EDIT_SELF_QA));
    CHECK(SEAL_GRADE_TEMPLATE[gl - 1] == '.');
    CHECK(seal_self_edit_template(SELF_EDIT_SELF_QA)[ql - 1] == ' ');
}

static void test_names(void) {
    static const char *const names[SELF_EDIT_COUNT] = {"implications", "implications-long", "implications-very-long",
                                                        "rewrite", "self-qa", "none", "implications-cot"};
    for (int i = 0; i < SELF_EDIT_COUNT; i++) {
        self_edit_kind k = SELF_EDIT_COUNT;
        CHECK(!strcmp(seal_self_edit_name((self_edit_kind)i), names[i]));
        CHECK(seal_self_edit_parse(names[i], &k) == 0 && k == (self_edit_kind)i);
    }
    self_edit_kind k;
    CHECK_ERR(seal_self_edit_parse("implication", &k), "unknown self-edit prompt");
}

static void test_fill(void) {
    char *p = seal_self_edit_prompt(SELF_EDIT_IMPLICATIONS, "Super Bowl 50", "Super Bowl 50 was a game.");
    SAME(p, "Let's read the following passage and produce a list of implications derived directly or indirectly from "
            "the content.\n\nPassage:\nSuper Bowl 50\nSuper Bowl 50 was a game.\n\nImplications:\n");
    free(p);
    p = seal_self_edit_prompt(SELF_EDIT_SELF_QA, "T", "C");
    SAME(p, "Let's read the following passage and rewrite it in a question-answer format.\n\nPassage:\nT\nC\n\nQuestion 1: ");
    free(p);
    /* The question carries the "Topic: " prefix the reference's client adds. */
    p = seal_answer_prompt("Super Bowl 50", "Who won Super Bowl 50?");
    SAME(p, "Let's answer a question directly and concisely.\nQuestion: Topic: Super Bowl 50\nWho won Super Bowl 50?\nAnswer:\n");
    free(p);
    /* Like str.format, substituted values are not scanned again (a title holding "{context}" stays). */
    p = seal_self_edit_prompt(SELF_EDIT_NONE, "{context}", "{title}");
    SAME(p, "Passage:\n{context}\n{title}\n\n");
    free(p);
    /* Unknown placeholders stay verbatim; a long value grows the buffer. */
    const char *keys[1] = {"a"};
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *vals[1] = {big};
    p = seal_template_fill("{b}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{", keys, vals, 1);
    CHECK(strlen(p) == 3 + 10 * (sizeof big - 1) + 1 && !strncmp(p, "{b}x", 4) && p[strlen(p) - 1] == '{');
    free(p);
}

int main(void) {
    test_templates();
    test_names();
    test_fill();
    return check_report("test_prompts");
}
