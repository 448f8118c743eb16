/* seal chat-template: render messages with a model's chat template. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "tok/chat.h"
#include "tok/tokenizer.h"
#include "util/err.h"

static const char *usage =
    "usage: seal chat-template -m DIR [--ids] [--no-generation-prompt] < messages.json\n"
    "\n"
    "Render a conversation with the model's chat template (from tokenizer_config.json)\n"
    "exactly as transformers' apply_chat_template does, and print the text (or, with\n"
    "--ids, its token ids as a JSON array, encoded without adding special tokens).\n"
    "stdin: a JSON array of {\"role\": \"system|user|assistant\", \"content\": \"...\"}.\n"
    "Known templates: ChatML (Qwen2, Qwen2.5, Qwen3) and Llama 3 (3.0, 3.1, 3.2).\n"
    "\n"
    "  -m, --model DIR            model or tokenizer directory\n"
    "      --ids                  print token ids instead of text\n"
    "      --no-generation-prompt do not append the assistant header\n";

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
    static struct option opts[] = {{"model", 1, 0, 'm'}, {"ids", 0, 0, 'i'}, {"no-generation-prompt", 0, 0, 'g'},
                                   {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    int want_ids = 0, gen = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        if (c == 'm') dir = optarg;
        else if (c == 'i') want_ids = 1;
        else if (c == 'g') gen = 0;
        else if (c == 'h') return cli_usage(usage, 0);
        else return cli_usage(usage, 1);
    }
    if (!dir || optind != argc) return cli_usage(usage, 1);
    chat_template t;
    chat_msg *msgs = NULL;
    json_t *root = NULL;
    int n = 0, code = 1;
    if (chat_load(&t, dir) == 0 && read_messages(&msgs, &n, &root) == 0) {
        char *text = chat_render(&t, msgs, n, gen);
        if (!want_ids) { fputs(text, stdout); code = 0; }
        else {
            seal_tokenizer *tok = tok_load(dir);
            int *ids, nid;
            if (tok && tok_encode(tok, text, strlen(text), 0, &ids, &nid) == 0) {
                printf("[");
                for (int i = 0; i < nid; i++) printf("%s%d", i ? "," : "", ids[i]);
                printf("]\n");
                free(ids);
                code = 0;
            }
            if (tok) tok_free(tok);
        }
        free(text);
    }
    if (code) cli_fail();
    free(msgs);
    json_decref(root);
    return code;
}
