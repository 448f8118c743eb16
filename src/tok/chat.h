/* chat.h: chat templates, recognised from tokenizer_config.json.
 *
 * seal has no Jinja engine. It recognises the template families it renders
 * exactly as transformers' apply_chat_template does (messages without tools):
 *   ChatML (Qwen2, Qwen2.5 with its default system prompt, Qwen3 with its
 *   <think> handling of assistant turns) and
 *   Llama 3 (3.0, and 3.1/3.2 with the "Cutting Knowledge Date" system block).
 * Any other template is an error naming the file, never a silent guess. */
#ifndef SEAL_TOK_CHAT_H
#define SEAL_TOK_CHAT_H

typedef enum { CHAT_CHATML, CHAT_LLAMA3 } chat_family;

typedef struct {
    chat_family family;
    char default_system[256]; /* ChatML: system prompt used when none is given ("" = none) */
    int think_tags;           /* Qwen3: assistant turns after the last user turn carry <think></think> */
    int date_block;           /* Llama 3.1+: "Cutting Knowledge Date" block in the system turn */
    int gen_always;           /* the template appends the assistant header whatever add_generation_prompt says */
    int date_today;           /* ... with today's date (strftime_now) rather than "26 Jul 2024" */
    char bos[64];             /* text of the BOS token the template emits ("" = none) */
} chat_template;

typedef struct {
    const char *role;    /* "system", "user", "assistant" */
    const char *content;
} chat_msg;

/* Read model_dir/tokenizer_config.json's chat_template and recognise it.
 * -1 + seal_err when absent or unknown. */
int seal_chat_load(chat_template *t, const char *model_dir);

/* Render messages to text (malloc'd), with the assistant header appended when
 * add_generation_prompt. Encode the result without adding special tokens. */
char *seal_chat_render(const chat_template *t, const chat_msg *msgs, int n, int add_generation_prompt);

#endif
