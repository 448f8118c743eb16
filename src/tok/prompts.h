/* prompts.h: SEAL's prompt templates, byte for byte as the reference code
 * (Continual-Intelligence/SEAL, knowledge-incorporation/src/utils.py) writes
 * them; tests/unit/test_prompts.c pins every byte. They live in tok/, beside
 * the chat templates (the text a model is shown around its input), below both
 * seal/, which prompts with them, and sandbox/, whose world writes its
 * pretraining documents in exactly these formats.
 *
 * Self-edit templates take {title} and {context}; the answer template takes
 * {question} (which the caller prefixes with "Topic: {title}\n"); the grading
 * template takes {question}, {gold} and {pred}. */
#ifndef SEAL_TOK_PROMPTS_H
#define SEAL_TOK_PROMPTS_H

#include <stddef.h>

typedef enum {
    SELF_EDIT_IMPLICATIONS, SELF_EDIT_IMPLICATIONS_LONG, SELF_EDIT_IMPLICATIONS_VERY_LONG, SELF_EDIT_REWRITE,
    SELF_EDIT_SELF_QA, SELF_EDIT_NONE, SELF_EDIT_IMPLICATIONS_COT, SELF_EDIT_COUNT
} self_edit_kind;

/* "implications", "implications-long", "implications-very-long", "rewrite",
 * "self-qa", "none", "implications-cot". */
const char *seal_self_edit_name(self_edit_kind k);
/* -1 + seal_err for an unknown name. */
int seal_self_edit_parse(const char *name, self_edit_kind *k);
/* The template with {title} and {context} placeholders. */
const char *seal_self_edit_template(self_edit_kind k);

/* "Let's answer a question directly and concisely.\nQuestion: {question}\nAnswer:\n" */
extern const char *const SEAL_ANSWER_TEMPLATE;
/* The GPT-4.1 grading prompt: {question}, {gold}, {pred}. */
extern const char *const SEAL_GRADE_TEMPLATE;

/* Placeholders are filled by seal_template_fill (util/strbuf.h). */

/* The filled self-edit prompt for a passage (malloc'd). */
char *seal_self_edit_prompt(self_edit_kind k, const char *title, const char *context);
/* The filled answer prompt for a question about title (malloc'd):
 * the template with question = "Topic: {title}\n{question}". */
char *seal_answer_prompt(const char *title, const char *question);

#endif
