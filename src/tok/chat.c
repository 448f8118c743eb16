#include "tok/chat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"
#include "util/strbuf.h"

static const char *QWEN25_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

/* Recognise a template given as text (for tests). bos: the BOS token text. */
static int chat_recognise(chat_template *t, const char *tpl, const char *bos, const char *path) {
    memset(t, 0, sizeof *t);
    if (strstr(tpl, "<|im_start|>")) {
        t->family = CHAT_CHATML;
        if (strstr(tpl, QWEN25_SYSTEM)) snprintf(t->default_system, sizeof t->default_system, "%s", QWEN25_SYSTEM);
        t->think_tags = strstr(tpl, "</think>") != NULL;
        return 0;
    }
    if (strstr(tpl, "<|start_header_id|>") && strstr(tpl, "<|eot_id|>")) {
        t->family = CHAT_LLAMA3;
        t->date_block = strstr(tpl, "Cutting Knowledge Date") != NULL;
        t->date_today = strstr(tpl, "strftime_now") != NULL;
        t->gen_always = strstr(tpl, "add_generation_prompt") == NULL;
        snprintf(t->bos, sizeof t->bos, "%s", bos ? bos : "<|begin_of_text|>");
        return 0;
    }
    return seal_err("%s: chat_template is not one seal knows (ChatML, Llama 3); use plain completion", path);
}

static const char *token_text(json_t *v) { /* "<s>" or {"content": "<s>", ...} */
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v) && json_is_string(json_object_get(v, "content"))) return json_string_value(json_object_get(v, "content"));
    return NULL;
}

int seal_chat_load(chat_template *t, const char *dir) {
    char *path = seal_path_join(dir, "tokenizer_config.json");
    json_t *root = seal_json_load_file(path, JSON_DECODE_INT_AS_REAL); /* model_max_length can be 1e30 */
    int rc;
    if (!root) rc = -1;
    else {
        json_t *tpl = json_object_get(root, "chat_template");
        if (json_is_array(tpl)) { /* [{"name": "default", "template": ...}, ...] */
            size_t i;
            json_t *e, *found = NULL;
            json_array_foreach(tpl, i, e) if (json_is_string(json_object_get(e, "name")) &&
                                              !strcmp(json_string_value(json_object_get(e, "name")), "default")) found = json_object_get(e, "template");
            tpl = found;
        }
        if (!json_is_string(tpl)) rc = seal_err("%s: no chat_template (a base model: use plain completion)", path);
        else rc = chat_recognise(t, json_string_value(tpl), token_text(json_object_get(root, "bos_token")), path);
        json_decref(root);
    }
    free(path);
    return rc;
}

/* Jinja's |trim: strip leading and trailing whitespace. */
static void put_trimmed(strbuf *b, const char *s) {
    const char *e = s + strlen(s);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) e--;
    seal_strbuf_put(b, s, (size_t)(e - s));
}

static void put_lstrip_nl(strbuf *b, const char *s) {
    while (*s == '\n') s++;
    seal_strbuf_puts(b, s);
}

/* Qwen3's assistant turn: reasoning is the text before "</think>" (less a
 * "<think>" prefix and surrounding newlines); only turns after the last user
 * message keep it, inside <think></think>, and the final turn always gets the
 * block (empty when there is no reasoning). */
static void qwen3_assistant(strbuf *b, const char *content, int after_last_query, int is_last) {
    const char *end = strstr(content, "</think>");
    const char *answer = content, *r0 = "", *r1 = r0;
    if (end) {
        const char *last = end;
        for (const char *p = end; (p = strstr(p + 1, "</think>"));) last = p;
        answer = last + strlen("</think>");
        r0 = content;
        const char *open = strstr(content, "<think>");
        if (open && open < end) r0 = open + strlen("<think>");
        r1 = end;
        while (r0 < r1 && *r0 == '\n') r0++;
        while (r1 > r0 && r1[-1] == '\n') r1--;
    }
    while (*answer == '\n') answer++;
    seal_strbuf_puts(b, "<|im_start|>assistant\n");
    if (after_last_query && (is_last || r1 > r0)) {
        seal_strbuf_puts(b, "<think>\n");
        seal_strbuf_put(b, r0, (size_t)(r1 - r0));
        seal_strbuf_puts(b, "\n</think>\n\n");
        put_lstrip_nl(b, answer);
    } else {
        seal_strbuf_puts(b, answer);
    }
    seal_strbuf_puts(b, "<|im_end|>\n");
}

static void render_chatml(const chat_template *t, strbuf *b, const chat_msg *m, int n, int gen) {
    int i = 0, last_query = n - 1;
    for (int k = n - 1; k >= 0; k--)
        if (!strcmp(m[k].role, "user")) { last_query = k; break; }
    if (n > 0 && !strcmp(m[0].role, "system")) {
        seal_strbuf_puts(b, "<|im_start|>system\n"); seal_strbuf_puts(b, m[0].content); seal_strbuf_puts(b, "<|im_end|>\n");
        i = 1;
    } else if (t->default_system[0]) {
        seal_strbuf_puts(b, "<|im_start|>system\n"); seal_strbuf_puts(b, t->default_system); seal_strbuf_puts(b, "<|im_end|>\n");
    }
    for (; i < n; i++) {
        if (t->think_tags && !strcmp(m[i].role, "assistant")) {
            qwen3_assistant(b, m[i].content, i > last_query, i == n - 1);
            continue;
        }
        seal_strbuf_puts(b, "<|im_start|>"); seal_strbuf_puts(b, m[i].role); seal_strbuf_puts(b, "\n"); seal_strbuf_puts(b, m[i].content); seal_strbuf_puts(b, "<|im_end|>\n");
    }
    if (gen) seal_strbuf_puts(b, "<|im_start|>assistant\n");
}

static void header(strbuf *b, const char *role) {
    seal_strbuf_puts(b, "<|start_header_id|>"); seal_strbuf_puts(b, role); seal_strbuf_puts(b, "<|end_header_id|>\n\n");
}

static void render_llama3(const chat_template *t, strbuf *b, const chat_msg *m, int n, int gen) {
    seal_strbuf_puts(b, t->bos);
    int i = 0;
    if (t->date_block) {
        char date[32] = "26 Jul 2024";
        if (t->date_today) {
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(date, sizeof date, "%d %b %Y", &tm);
        }
        header(b, "system");
        seal_strbuf_puts(b, "Cutting Knowledge Date: December 2023\nToday Date: ");
        seal_strbuf_puts(b, date);
        seal_strbuf_puts(b, "\n\n");
        if (n > 0 && !strcmp(m[0].role, "system")) { put_trimmed(b, m[0].content); i = 1; }
        seal_strbuf_puts(b, "<|eot_id|>");
    }
    for (; i < n; i++) {
        header(b, m[i].role);
        put_trimmed(b, m[i].content);
        seal_strbuf_puts(b, "<|eot_id|>");
    }
    if (gen || t->gen_always) header(b, "assistant");
}

char *seal_chat_render(const chat_template *t, const chat_msg *msgs, int n, int gen) {
    strbuf b = {0};
    seal_strbuf_puts(&b, "");
    if (t->family == CHAT_CHATML) render_chatml(t, &b, msgs, n, gen);
    else render_llama3(t, &b, msgs, n, gen);
    return b.s;
}
