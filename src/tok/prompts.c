#include "tok/prompts.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/strbuf.h"

#define PASSAGE_BLOCK "Passage:\n{title}\n{context}\n\n"

static const char *const templates[SELF_EDIT_COUNT] = {
    [SELF_EDIT_IMPLICATIONS] =
        "Let's read the following passage and produce a list of implications derived directly or indirectly from the content.\n\n"
        PASSAGE_BLOCK "Implications:\n",
    [SELF_EDIT_IMPLICATIONS_LONG] =
        "Let's read the following passage and produce a long list of implications derived directly or indirectly from the content.\n\n"
        PASSAGE_BLOCK "Implications:\n",
    [SELF_EDIT_IMPLICATIONS_VERY_LONG] =
        "Let's read the following passage and produce a very long list of implications derived directly or indirectly from the content.\n\n"
        PASSAGE_BLOCK "Implications:\n",
    [SELF_EDIT_REWRITE] =
        "Let's read the following passage and rewrite it in a few different ways, each one separated by a newline.\n\n"
        PASSAGE_BLOCK "Rewritten passages:\n",
    [SELF_EDIT_SELF_QA] =
        "Let's read the following passage and rewrite it in a question-answer format.\n\n"
        PASSAGE_BLOCK "Question 1: ",
    [SELF_EDIT_NONE] = PASSAGE_BLOCK,
    [SELF_EDIT_IMPLICATIONS_COT] =
        "Let's read the following passage, think step by step, and then produce a list of implications derived directly or indirectly from the content. "
        "We should first generate a \"Thought Process\" and then \"Implications\"\n\n" PASSAGE_BLOCK "Thought Process:\n",
};

static const char *const names[SELF_EDIT_COUNT] = {"implications", "implications-long", "implications-very-long",
                                                    "rewrite", "self-qa", "none", "implications-cot"};

const char *const SEAL_ANSWER_TEMPLATE = "Let's answer a question directly and concisely.\nQuestion: {question}\nAnswer:\n";

const char *const SEAL_GRADE_TEMPLATE =
    "You are a grading assistant. Your job is to determine whether a student's answer correctly answers the question "
    "based solely on the provided gold answer. Do not use any outside knowledge. The student answer can include "
    "additional information, but it must at least fully convey the gold answer and must not contradict it. Ignore "
    "style, phrasing, or extra details that do not affect correctness. Respond ONLY with 'yes' or 'no'.\n\n"
    "Question: {question}\nGold answer: {gold}\nStudent answer: {pred}\n"
    "Is the student answer correct based solely on the gold answer? Respond 'yes' or 'no'.";

const char *seal_self_edit_name(self_edit_kind k) { return k < SELF_EDIT_COUNT ? names[k] : "?"; }
const char *seal_self_edit_template(self_edit_kind k) { return k < SELF_EDIT_COUNT ? templates[k] : ""; }

int seal_self_edit_parse(const char *name, self_edit_kind *k) {
    for (int i = 0; i < SELF_EDIT_COUNT; i++)
        if (!strcmp(name, names[i])) { *k = (self_edit_kind)i; return 0; }
    return seal_err("unknown self-edit prompt \"%s\" (implications, implications-long, implications-very-long, "
                    "rewrite, self-qa, none, implications-cot)", name);
}

char *seal_self_edit_prompt(self_edit_kind k, const char *title, const char *context) {
    const char *keys[2] = {"title", "context"}, *vals[2] = {title, context};
    return seal_template_fill(seal_self_edit_template(k), keys, vals, 2);
}

char *seal_answer_prompt(const char *title, const char *question) {
    const char *tkeys[2] = {"title", "question"}, *tvals[2] = {title, question};
    char *q = seal_template_fill("Topic: {title}\n{question}", tkeys, tvals, 2);
    const char *keys[1] = {"question"}, *vals[1] = {q};
    char *out = seal_template_fill(SEAL_ANSWER_TEMPLATE, keys, vals, 1);
    free(q);
    return out;
}
