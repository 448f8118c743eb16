/* bpe_train.h: training a byte-level BPE tokenizer (GPT-2 / Qwen2 style) and
 * writing it as a Hugging Face tokenizer.json + tokenizer_config.json that
 * seal_tok_load (tokenizer.h) and HF tokenizers load to the same ids.
 *
 * The written tokenizer: normalizer null; pre_tokenizer Sequence[Split(a
 * regex, Isolated), ByteLevel(add_prefix_space=false, use_regex=false)], the
 * regex Qwen2's or the space-after one (bpe_train_opts.pattern);
 * model BPE (ids 0..255 the bytes in GPT-2's bytes_to_unicode order, then one
 * id per new merge result; merges as ["a","b"] pairs; no unk, no byte
 * fallback, ignore_merges false); decoder and post_processor ByteLevel;
 * added_tokens: <|endoftext|> and any extra special tokens, right after the
 * model vocab, special=true, normalized=false.
 *
 * Training is HF BpeTrainer's algorithm: count pre-tokenized words, then
 * repeatedly merge the most frequent adjacent pair everywhere, with
 * incremental pair counts, a lazy max-heap, and ties broken by the smaller
 * (left id, right id) as HF does. Training text is split at special tokens
 * first (as encode does), so specials never leak into merges.
 *
 * Use:
 *   bpe_trainer *t = seal_bpe_trainer_new(&opts);
 *   seal_bpe_trainer_add_file(t, path);        // or seal_bpe_trainer_add_text, any number of times
 *   seal_bpe_trainer_train(t);
 *   seal_bpe_trainer_save(t, out_dir);
 *   seal_bpe_trainer_free(t); */
#ifndef SEAL_TOK_BPE_TRAIN_H
#define SEAL_TOK_BPE_TRAIN_H

#include <stddef.h>

/* The Split regexes the trainer can use and write. Qwen2's (the default):
 * a word carries the space before it, digits one by one. Space-after: a word
 * carries the space after it, so a word's tokens do not depend on what came
 * before it ("Nimbus" is the same ids after "works for " as at the start of a
 * line, e.g. after the answer prompt's "Answer:\n"; under Qwen2's regex the
 * two are " Nimbus" and "N","imb","us", which a tiny model must learn to
 * connect from data it rarely sees). */
extern const char SEAL_BPE_TRAIN_PATTERN[];
extern const char SEAL_BPE_TRAIN_PATTERN_SPACE_AFTER[];
#define BPE_TRAIN_EOS "<|endoftext|>"

typedef struct {
    int vocab_size;                 /* ids in all, special tokens included (>= 256 + specials) */
    long long min_frequency;        /* stop when the best pair occurs fewer times (0 or 1: no limit) */
    const char *const *special;     /* extra special tokens, after <|endoftext|> (which is always id V) */
    int n_special;
    long long model_max_length;     /* written to tokenizer_config.json (0: 2048) */
    const char *pattern;            /* the Split regex (NULL: SEAL_BPE_TRAIN_PATTERN) */
} bpe_train_opts;

typedef struct {
    long long n_bytes;              /* text bytes read */
    long long n_docs;               /* documents (JSONL rows; 1 per text file or add_text call) */
    long long n_words;              /* pre-tokenized pieces */
    int n_unique;                   /* distinct pieces */
    int n_merges;                   /* merges learned */
    int n_model;                    /* model vocab (bytes + merge results) */
    int n_special;                  /* added special tokens (ids n_model ..) */
} bpe_train_stats;

typedef struct bpe_trainer bpe_trainer;

/* A trainer for opts, or NULL + seal_err (vocab too small for the 256 bytes
 * and the specials; an empty or invalid-UTF-8 special token). Repeated
 * specials (e.g. <|endoftext|> given again) are kept once. */
bpe_trainer *seal_bpe_trainer_new(const bpe_train_opts *opts);
void seal_bpe_trainer_free(bpe_trainer *t);

/* Pre-tokenize one document text[0..len) and count its words. 0, or -1 +
 * seal_err (not valid UTF-8; training already ran). */
int seal_bpe_trainer_add_text(bpe_trainer *t, const char *text, size_t len);

/* Add the documents of a data file: JSONL (extension .jsonl, or a first
 * non-blank line that is an object with a string "text"; each non-blank row
 * must be such an object) or plain
 * text (the whole file is one document). 0, or -1 + seal_err naming the file
 * (and line). An empty file, or one with no text, is an error. */
int seal_bpe_trainer_add_file(bpe_trainer *t, const char *path);

/* Learn merges until the vocab reaches opts.vocab_size or no pair is frequent
 * enough (the vocab is then smaller; see stats). 0, or -1 + seal_err (no text). */
int seal_bpe_trainer_train(bpe_trainer *t);

void seal_bpe_trainer_stats(const bpe_trainer *t, bpe_train_stats *s);

/* tokenizer.json / tokenizer_config.json text (malloc'd, NUL-terminated; *len
 * without the NUL). Same trainer state, same bytes. Call after train. */
char *seal_bpe_trainer_tokenizer_json(const bpe_trainer *t, size_t *len);

/* Create dir (mkdir -p) and write both files atomically. 0, or -1 + seal_err. */
int seal_bpe_trainer_save(const bpe_trainer *t, const char *dir);

/* Distinct training word i (0 <= i < stats.n_unique), in first-seen order:
 * its raw bytes, its count and its current segmentation (model ids; after
 * train, what encode gives that word). 0, or -1 when i is out of range. */
int seal_bpe_trainer_word(const bpe_trainer *t, int i, const char **bytes, size_t *len, long long *count, const int **ids,
                     int *n_ids);

#endif
