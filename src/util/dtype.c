#include "util/dtype.h"

static const struct { const char *name; size_t size; } dtype_info[SEAL_DTYPE_COUNT] = {
    [SEAL_F32] = {"F32", 4}, [SEAL_F16] = {"F16", 2}, [SEAL_BF16] = {"BF16", 2},
    [SEAL_F64] = {"F64", 8}, [SEAL_I64] = {"I64", 8}, [SEAL_I32] = {"I32", 4},
    [SEAL_I16] = {"I16", 2}, [SEAL_I8] = {"I8", 1},   [SEAL_U8] = {"U8", 1},
    [SEAL_BOOL] = {"BOOL", 1},
};

size_t seal_dtype_size(seal_dtype t) { return t < SEAL_DTYPE_COUNT ? dtype_info[t].size : 0; }
const char *seal_dtype_name(seal_dtype t) { return t < SEAL_DTYPE_COUNT ? dtype_info[t].name : "?"; }

int seal_dtype_parse(const char *name, seal_dtype *t) {
    for (int i = 0; i < SEAL_DTYPE_COUNT; i++)
        if (strcmp(name, dtype_info[i].name) == 0) { *t = (seal_dtype)i; return 0; }
    return -1;
}

float seal_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, u;
    if (exp == 0) {
        if (man == 0) { u = sign; }
        else { /* subnormal: normalize */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            u = sign | (exp << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        u = sign | 0x7f800000u | (man << 13);
    } else {
        u = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

uint16_t seal_f32_to_f16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t sign = (u >> 16) & 0x8000, abs = u & 0x7fffffffu;
    if (abs > 0x7f800000u) return (uint16_t)(sign | 0x7e00); /* NaN */
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* overflow rounds to inf */
    if (abs < 0x38800000u) { /* subnormal or zero in f16 */
        if (abs < 0x33000000u) return (uint16_t)sign;
        uint32_t e = abs >> 23, man = (abs & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - e; /* f16 subnormal unit is 2^-24 */
        uint32_t r = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = abs - 0x38000000u; /* rebias exponent 127 -> 15 */
    r += 0xfffu + ((r >> 13) & 1u);
    return (uint16_t)(sign | (r >> 13));
}

void seal_to_f32(float *dst, const void *src, seal_dtype t, size_t n) {
    const unsigned char *s = src;
    switch (t) {
    case SEAL_F32: memcpy(dst, src, n * 4); break;
    case SEAL_BF16:
        for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = seal_bf16_to_f32(h); }
        break;
    case SEAL_F16:
        for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = seal_f16_to_f32(h); }
        break;
    case SEAL_F64:
        for (size_t i = 0; i < n; i++) { double d; memcpy(&d, s + 8 * i, 8); dst[i] = (float)d; }
        break;
    default:
        for (size_t i = 0; i < n; i++) dst[i] = 0.0f;
    }
}

void seal_from_f32(void *dst, seal_dtype t, const float *src, size_t n) {
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++) {
        if (t == SEAL_F32) memcpy(d + 4 * i, &src[i], 4);
        else {
            uint16_t h = t == SEAL_BF16 ? seal_f32_to_bf16(src[i]) : seal_f32_to_f16(src[i]);
            memcpy(d + 2 * i, &h, 2);
        }
    }
}
