/* fuzz_safetensors: libFuzzer target for the safetensors header validator.
 * Every input must either parse (and then every tensor's bytes lie inside the
 * input, which reading them all under ASan proves) or be rejected with a
 * message; never crash, read out of bounds or leak. Built by scripts/fuzz.sh.
 * FUZZ_SOURCES: src/io/safetensors.c src/util/fsutil.c src/util/err.c src/util/dtype.c
 * FUZZ_LIBS: -ljansson
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_file f;
    seal_err("%s", ""); /* so that a rejection without a message shows */
    if (seal_st_parse_buffer(&f, "fuzz", data, size) == 0) {
        volatile uint8_t sink = 0;
        for (int i = 0; i < f.n_tensors; i++) {
            const st_tensor *t = &f.tensors[i];
            const uint8_t *p = t->data;
            if (t->nbytes) sink ^= p[0] ^ p[t->nbytes - 1]; /* first and last byte: in bounds? */
            if ((size_t)seal_st_numel(t) * seal_dtype_size(t->dtype) != t->nbytes) __builtin_trap();
            if (p < data || p + t->nbytes > data + size) __builtin_trap();
        }
        for (int i = 0; i < f.n_meta; i++) sink ^= (uint8_t)strlen(f.meta_keys[i]) ^ (uint8_t)strlen(f.meta_values[i]);
        (void)sink;
    } else if (seal_errmsg()[0] == '\0') {
        __builtin_trap(); /* a rejection must say why */
    }
    seal_st_close(&f);
    return 0;
}
