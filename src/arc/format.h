/* format.h: the ARC pipeline's texts, verbatim from the reference
 * (seal-method.md §3.2, §3.5).
 *
 * Self-edit prompt: the system message and the user turn (every demo as
 * "Input:\n" rows "\nOutput:\n" rows "\n", then "------\n\n" and the
 * self-edit instructions) in Llama-3 markup, exactly as the reference builds
 * it by hand (no date block), whatever the model's own template.
 * TTT / inference messages: system = the instruction + each demo as
 * "<in> -> <out>#\n" (grids as NumPy's str()), user = "<query in> -> ",
 * assistant = "<query out>#"; the caller renders them with the model's chat
 * template (tok/chat.h). */
#ifndef SEAL_ARC_FORMAT_H
#define SEAL_ARC_FORMAT_H

#include "arc/task.h"
#include "util/strbuf.h"

extern const char seal_arc_selfedit_system[];       /* "You are a helpful assistant that provide ..." */
extern const char seal_arc_selfedit_instructions[];  /* utils/prompts.py's prompt, beginning with "\n" */
extern const char seal_arc_ttt_system_intro[];       /* "Figure out the underlying transformation ..." */

/* The whole self-edit prompt string for task t's demos (query unused),
 * ending in the assistant header "...<|start_header_id|>assistant<|end_header_id|>\n\n". */
void seal_arc_selfedit_prompt(const arc_task *t, strbuf *out);

/* The three messages of t: system (intro + demos), user (query input +
 * " -> "), assistant (query output + "#", only when t->has_out). */
void seal_arc_ttt_system(const arc_task *t, strbuf *out);
void seal_arc_ttt_user(const arc_task *t, strbuf *out);
void seal_arc_ttt_answer(const arc_task *t, strbuf *out);

#endif
