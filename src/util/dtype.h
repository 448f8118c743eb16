/* dtype.h: element types of tensors in files, and scalar conversions.
 * bf16 and f16 conversions round to nearest even, as PyTorch does. */
#ifndef SEAL_UTIL_DTYPE_H
#define SEAL_UTIL_DTYPE_H

#include <stdint.h>
#include <string.h>
#include <stddef.h>

typedef enum {
    SEAL_F32, SEAL_F16, SEAL_BF16, SEAL_F64,
    SEAL_I64, SEAL_I32, SEAL_I16, SEAL_I8, SEAL_U8, SEAL_BOOL,
    SEAL_DTYPE_COUNT
} seal_dtype;

/* Size in bytes of one element. */
size_t seal_dtype_size(seal_dtype t);
/* The safetensors name ("F32", "BF16", ...). */
const char *seal_dtype_name(seal_dtype t);
/* Parse a safetensors dtype name; returns 0 and sets *t, or -1 if unknown. */
int seal_dtype_parse(const char *name, seal_dtype *t);

static inline float seal_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint16_t seal_f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float seal_f16_to_f32(uint16_t h);
uint16_t seal_f32_to_f16(float f);

/* Convert n elements of type t at src (any alignment) to f32. */
void seal_to_f32(float *dst, const void *src, seal_dtype t, size_t n);
/* Convert n f32 values to type t (F32, F16 or BF16) at dst. */
void seal_from_f32(void *dst, seal_dtype t, const float *src, size_t n);

#endif
