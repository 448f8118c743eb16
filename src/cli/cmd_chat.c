/* seal chat-template: render messages with a model's chat template. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "tok/chat.h"
#include "tok/tokenizer.h"
#include "util/err.h"

static int read_messages(chat_msg **msgs, int *n, json_t **root) {
    json_error_t jerr;
    *root = json_loadf(stdin, 0, &jerr);
    if (!*root) return seal_err("stdin: invalid JSON at line %d: %s", jerr.line, jerr.text);
    if (!json_is_array(*root)) return seal_err("stdin: expected a JSON array of messages");
    *n = (int)json_array_size(*root);
    *msgs = seal_calloc((size_t)(*n ? *n : 1), sizeof **msgs);
    for (int i = 0; i < *n; i++) {
        json_t *m = json_array_get(*root, (size_t)i);
        json_t *role = json_object_get(m, "role"), *content = json_object_get(m, "content");
        if (!json_is_string(role) || !json_is_string(content))
            return seal_err("stdin: message %d needs string fields \"role\" and \"content\"", i);
        (*msgs)[i] = (chat_msg){json_string_value(role), json_string_value(content)};
    }
    return 0;
}

int cmd_chat_template(int argc, char **argv) {
    const char *dir = NULL;
    int want_ids = 0, no_gen = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &dir, "DIR", "model or tokenizer directory", CLI_REQUIRED),
        CLI_OPT_FLAG("ids", 0, &want_ids, "print token ids instead of text", 0),
        CLI_OPT_FLAG("no-generation-prompt", 0, &no_gen, "do not append the assistant header", 0),
        {0}};
    const cli_spec spec = {
        "seal chat-template", "-m DIR [--ids] [--no-generation-prompt] < messages.json",
        "Render a conversation with the model's chat template (from tokenizer_config.json)\n"
        "exactly as transformers' apply_chat_template does, and print the text (or, with\n"
        "--ids, its token ids as a JSON array, encoded without adding special tokens).\n"
        "stdin: a JSON array of {\"role\": \"system|user|assistant\", \"content\": \"...\"}.\n"
        "Known templates: ChatML (Qwen2, Qwen2.5, Qwen3) and Llama 3 (3.0, 3.1, 3.2).\n",
        opts, 0, 0, NULL};
    int prc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (prc != CLI_CONTINUE) return prc;
    int gen = !no_gen;
    chat_template t;
    chat_msg *msgs = NULL;
    json_t *root = NULL;
    int n = 0, code = 1;
    if (seal_chat_load(&t, dir) == 0 && read_messages(&msgs, &n, &root) == 0) {
        char *text = seal_chat_render(&t, msgs, n, gen);
        if (!want_ids) { fputs(text, stdout); code = 0; }
        else {
            seal_tokenizer *tok = seal_tok_load(dir);
            int *ids, nid;
            if (tok && seal_tok_encode(tok, text, strlen(text), 0, &ids, &nid) == 0) {
                printf("[");
                for (int i = 0; i < nid; i++) printf("%s%d", i ? "," : "", ids[i]);
                printf("]\n");
                free(ids);
                code = 0;
            }
            if (tok) seal_tok_free(tok);
        }
        free(text);
    }
    if (code) cli_fail();
    free(msgs);
    json_decref(root);
    return code;
}
