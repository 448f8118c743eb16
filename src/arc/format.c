/* format.c: the ARC pipeline's texts. The strings are the reference's,
 * byte for byte (few-shot/utils/prompts.py; arclib's
 * GPTTextMessageRepresenterV2 with PythonListGridRepresenter and
 * TextExampleRepresenter(io_sep=" -> ", output_footer="#")). */
#include "arc/format.h"

const char seal_arc_selfedit_system[] =
    "You are a helpful assistant that provide the correct output for the given task immediately.";

/* utils/prompts.py's self_edit_prompt: a triple-quoted string that opens and
 * closes with a newline. The dashes after "Tools" and "Configuration" are
 * U+2014 (em dash), written as UTF-8 bytes. */
const char seal_arc_selfedit_instructions[] =
    "\n"
    "You are configuring a model training pipeline by selecting from predefined tools.\n"
    "\n"
    "You must make two decisions:\n"
    "\n"
    "1. **Data Generation Tools** \xe2\x80\x94 For each of the following, choose true or false:\n"
    "    - use_basic_augmentations\n"
    "    - use_size_augmentations\n"
    "    - use_chain_augmentations\n"
    "    - use_repeat_augmentations\n"
    "\n"
    "2. **Training Configuration** \xe2\x80\x94 Choose one of:\n"
    "    - \"train_using_all_tokens\"\n"
    "    - \"train_using_output_tokens\"\n"
    "\n"
    "Also specify:\n"
    "    - learning_rate (float)\n"
    "    - num_train_epochs (integer)\n"
    "\n"
    "### Output Format\n"
    "\n"
    "Respond with a valid JSON object. Do not include any explanation, markdown, or extra text. Use lowercase "
    "`true`/`false` for booleans and ensure correct JSON syntax.\n"
    "\n"
    "Example output:\n"
    "\n"
    "{\n"
    "  \"data_generation\": {\n"
    "    \"use_basic_augmentations\": ...,\n"
    "    \"use_size_augmentations\": ...,\n"
    "    \"use_chain_augmentations\": ...,\n"
    "    \"use_repeat_augmentations\": ...\n"
    "  },\n"
    "  \"training\": {\n"
    "    \"strategy\": ...,\n"
    "    \"learning_rate\": ...,\n"
    "    \"num_train_epochs\": ...\n"
    "  }\n"
    "}\n";

/* The representer's prompt with an empty {description}, plus the line it
 * adds for PythonListGridRepresenter. */
const char seal_arc_ttt_system_intro[] =
    "Figure out the underlying transformation in the following examples and apply it to the test case. "
    "Here are some examples from this transformation, your answer must follow the format.\n"
    "The input-output grids are provided as python arrays:\n";

/* self-edit.py's get_prompt: the chat markup is written out by hand, so it is
 * the same whatever template the model ships with (and has no date block). */
void seal_arc_selfedit_prompt(const arc_task *t, strbuf *out) {
    seal_strbuf_puts(out, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n");
    seal_strbuf_puts(out, seal_arc_selfedit_system);
    seal_strbuf_puts(out, "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n");
    for (int i = 0; i < t->n_demo; i++) {
        seal_strbuf_puts(out, "Input:\n");
        seal_arc_grid_rows(&t->demo[i].in, out);
        seal_strbuf_puts(out, "\nOutput:\n");
        seal_arc_grid_rows(&t->demo[i].out, out);
        seal_strbuf_puts(out, "\n");
    }
    seal_strbuf_puts(out, "------\n\n");
    seal_strbuf_puts(out, seal_arc_selfedit_instructions);
    seal_strbuf_puts(out, "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
}

void seal_arc_ttt_system(const arc_task *t, strbuf *out) {
    seal_strbuf_puts(out, seal_arc_ttt_system_intro);
    for (int i = 0; i < t->n_demo; i++) {
        seal_arc_grid_numpy_str(&t->demo[i].in, out);
        seal_strbuf_puts(out, " -> ");
        seal_arc_grid_numpy_str(&t->demo[i].out, out);
        seal_strbuf_puts(out, "#\n");
    }
}

/* The query as the representer writes it, " -> " included; the HF template
 * trims each message, so the rendered turn ends in "->" (tok/chat.h's job). */
void seal_arc_ttt_user(const arc_task *t, strbuf *out) {
    seal_arc_grid_numpy_str(&t->query.in, out);
    seal_strbuf_puts(out, " -> ");
}

void seal_arc_ttt_answer(const arc_task *t, strbuf *out) {
    if (!t->has_out) return;
    seal_arc_grid_numpy_str(&t->query.out, out);
    seal_strbuf_puts(out, "#");
}
