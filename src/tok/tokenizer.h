/* tokenizer.h: Hugging Face tokenizer.json tokenizers (BPE model), id for id
 * with the `tokenizers` library.
 *
 * Supported pieces of tokenizer.json (anything else is a load error that names
 * the unsupported type, never silently ignored):
 *   model          BPE: vocab, merges ("a b" or ["a","b"]), ignore_merges,
 *                  byte_fallback, unk_token, fuse_unk
 *   normalizer     NFC NFD NFKC NFKD Prepend Replace(String) Strip Sequence
 *   pre_tokenizer  Split (PCRE2, all behaviors, invert) ByteLevel Metaspace
 *                  Digits Whitespace WhitespaceSplit Sequence
 *   added_tokens   special / lstrip / rstrip / single_word / normalized
 *   post_processor TemplateProcessing ByteLevel RobertaProcessing
 *                  BertProcessing Sequence
 *   decoder        ByteLevel Replace ByteFallback Fuse Strip Metaspace Sequence
 *
 * A loaded tokenizer may be shared between threads: encode serializes on an
 * internal lock (it owns the piece cache and scratch buffers). */
#ifndef SEAL_TOK_TOKENIZER_H
#define SEAL_TOK_TOKENIZER_H

#include <stddef.h>

typedef struct seal_tokenizer seal_tokenizer;

/* Load model_dir/tokenizer.json and, when present, model_dir/tokenizer_config.json
 * (bos/eos/pad token names). NULL + seal_err naming the file and field on failure. */
seal_tokenizer *seal_tok_load(const char *model_dir);
/* Same, from an explicit tokenizer.json path and an optional config path (NULL). */
seal_tokenizer *seal_tok_load_files(const char *tokenizer_json, const char *config_json);
void seal_tok_free(seal_tokenizer *tok);

/* Token ids of text[0..len) (must be valid UTF-8), as tokenizers'
 * encode(text, add_special_tokens). *ids is malloc'd (caller frees; non-NULL
 * even when *n == 0). 0, or -1 + seal_err. */
int seal_tok_encode(const seal_tokenizer *tok, const char *text, size_t len, int add_special, int **ids, int *n);

/* Text of ids, as tokenizers' decode(ids, skip_special_tokens). *text is
 * malloc'd and NUL-terminated; *len excludes the NUL. Byte sequences that
 * are not valid UTF-8 come out as U+FFFD. 0, or -1 + seal_err (unknown id). */
int seal_tok_decode(const seal_tokenizer *tok, const int *ids, int n, int skip_special, char **text, size_t *len);

/* Streaming decode: push ids one at a time, get back the bytes that are now
 * complete UTF-8 (a character split across tokens is held back until its last
 * byte arrives). Concatenating every push and the final flush gives exactly
 * seal_tok_decode's text. */
typedef struct {
    const seal_tokenizer *tok;
    int skip_special;
    int n_tokens;            /* tokens that reached the decoder so far */
    int strip_left;          /* leading chars a post-Fuse Strip may still remove */
    unsigned char pend[4];   /* incomplete UTF-8 sequence held back */
    int n_pend, need;
    char *buf[2];            /* per-token work buffers (grow rarely) */
    size_t len[2], cap[2];
} tok_stream;

/* Start a stream (allocates nothing until the first push). */
void seal_tok_stream_init(tok_stream *s, const seal_tokenizer *tok, int skip_special);
/* Release the stream's buffers (the struct itself is the caller's). */
void seal_tok_stream_free(tok_stream *s);
/* Bytes one push or flush may write at most: size `out` with this. */
size_t seal_tok_stream_max_out(const seal_tokenizer *tok);
/* Decode one id into out[0..cap), setting *out_len. 0, or -1 + seal_err
 * (unknown id, or cap smaller than needed). */
int seal_tok_stream_push(tok_stream *s, int id, char *out, size_t cap, size_t *out_len);
/* Emit what is still held back (an incomplete sequence becomes U+FFFD). */
int seal_tok_stream_flush(tok_stream *s, char *out, size_t cap, size_t *out_len);

/* Number of ids (one past the largest id, added tokens included). */
int seal_tok_vocab_size(const seal_tokenizer *tok);
/* Id of a token string (added tokens first, then the model vocab), -1 if absent. */
int seal_tok_id(const seal_tokenizer *tok, const char *token);
/* The token string of id as written in tokenizer.json, NULL if none. */
const char *seal_tok_piece(const seal_tokenizer *tok, int id);
/* 1 if id is an added token marked special. */
int seal_tok_is_special(const seal_tokenizer *tok, int id);
/* From tokenizer_config.json (bos_token, eos_token, pad_token); -1 if none. */
int seal_tok_bos_id(const seal_tokenizer *tok);
int seal_tok_eos_id(const seal_tokenizer *tok);
int seal_tok_pad_id(const seal_tokenizer *tok);

#endif
