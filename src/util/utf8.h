/* utf8.h: the one UTF-8 codec of the library.
 *
 * Two ways in. Untrusted bytes (model output, files) go through the strict
 * decoder, which follows Unicode §3.9 "substitution of maximal subparts" as
 * Python's bytes.decode("utf-8", "replace") does: an ill-formed subsequence
 * decodes as one U+FFFD over its maximal subpart (b"\xe2\x82A" -> U+FFFD "A",
 * b"\xed\xa0\x80" -> three U+FFFD). Text already checked with
 * seal_utf8_check (the tokenizer validates its input once) is walked with the
 * fast decoder, which trusts the lead byte. */
#ifndef SEAL_UTIL_UTF8_H
#define SEAL_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the character whose lead byte is c, in valid UTF-8. */
static inline int seal_utf8_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

/* Write cp as UTF-8 to out (room for 4 bytes); returns the bytes written. */
size_t seal_utf8_put(char *out, uint32_t cp);

/* Decode one code point at s (n > 0 bytes left) into *cp; returns the bytes
 * used (>= 1). An ill-formed subsequence decodes as U+FFFD over its bytes. */
size_t seal_utf8_next(const char *s, size_t n, uint32_t *cp);

/* The code point at s[*i] of valid UTF-8 s[0..n), advancing *i; a sequence
 * cut by n counts as one byte (never reads past n). */
int seal_utf8_decode_valid(const char *s, size_t n, size_t *i);

/* Index of the first byte of s[0..n) that starts an ill-formed sequence, or
 * n when all of it is valid UTF-8. */
size_t seal_utf8_check(const char *s, size_t n);

/* A malloc'd, NUL-terminated copy of s[0..n) with every maximal ill-formed
 * subsequence replaced by U+FFFD. *len (may be NULL) gets the output length;
 * *n_bad (may be NULL) is increased by the number of replacements. */
char *seal_utf8_sanitize(const char *s, size_t n, size_t *len, size_t *n_bad);

#endif
