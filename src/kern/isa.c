/* isa.c: CPU feature detection and the choice of kernel path (see isa.h). */
#include "kern/isa.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define ISA_X86 1
#elif defined(__aarch64__)
#include <sys/auxv.h>
#define ISA_ARM64 1
/* The hwcap bits (linux/arch/arm64/include/uapi/asm/hwcap.h), spelled out
 * where an older libc's headers lack them. */
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1UL << 14)
#endif
#endif

static const char *const isa_names[SEAL_ISA_COUNT] = {"scalar", "avx2", "avx512", "avx512bf16", "neon", "neon-bf16"};

/* The aarch64 paths; the rest past scalar are x86-64's. */
static int is_arm64_path(seal_isa isa) { return isa == SEAL_ISA_NEON || isa == SEAL_ISA_NEON_BF16; }

const char *seal_isa_name(seal_isa isa) { return isa >= 0 && isa < SEAL_ISA_COUNT ? isa_names[isa] : "?"; }

const char *seal_compute_name(seal_compute mode) { return mode == SEAL_COMPUTE_BF16 ? "bf16" : "exact"; }

#ifdef ISA_X86
/* The register state the OS saves on a context switch (XCR0): without it
 * the instructions exist but their registers would be clobbered. */
static unsigned long long xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* What path `isa` needs and this CPU lacks, or NULL. Checked cumulatively:
 * each path needs everything the one below it needs. */
static const char *x86_missing(seal_isa isa) {
    unsigned a, b, c, d;
    if (isa == SEAL_ISA_SCALAR) return NULL;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return "cpuid leaf 1";
    if (!(c & bit_OSXSAVE) || (xcr0() & 6) != 6) return "avx (OS support)";
    if (!(c & bit_FMA)) return "fma";
    if (!(c & bit_F16C)) return "f16c";
    unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0, u;
    if (!__get_cpuid_count(7, 0, &u, &b7, &c7, &d7)) return "avx2";
    if (!(b7 & bit_AVX2)) return "avx2";
    if (isa == SEAL_ISA_AVX2) return NULL;
    if (!(b7 & bit_AVX512F)) return "avx512f";
    if (!(b7 & bit_AVX512BW)) return "avx512bw";
    if (!(b7 & bit_AVX512VL)) return "avx512vl";
    if (!(b7 & bit_AVX512DQ)) return "avx512dq";
    if ((xcr0() & 0xe6) != 0xe6) return "avx512 (OS support)";
    if (isa == SEAL_ISA_AVX512) return NULL;
    __get_cpuid_count(7, 1, &a71, &u, &u, &u);
    if (!(a71 & (1u << 5))) return "avx512_bf16";
    return NULL;
}
#endif

#ifdef ISA_ARM64
/* What aarch64 path `isa` needs and this CPU lacks, or NULL, from the hwcaps
 * the kernel reports (the instructions are enabled for user space exactly
 * when their bit is set). Cumulative, as on x86. */
static const char *arm64_missing(seal_isa isa) {
    if (!(getauxval(AT_HWCAP) & HWCAP_ASIMD)) return "asimd";
    if (isa == SEAL_ISA_NEON) return NULL;
    if (!(getauxval(AT_HWCAP2) & HWCAP2_BF16)) return "bf16";
    return NULL;
}
#endif

int seal_isa_supported(seal_isa isa, const char **missing) {
    const char *m;
    if (isa < 0 || isa >= SEAL_ISA_COUNT) m = "a known path";
    else if (isa == SEAL_ISA_SCALAR) m = NULL;
#if defined(ISA_X86)
    else m = is_arm64_path(isa) ? "aarch64" : x86_missing(isa);
#elif defined(ISA_ARM64)
    else m = is_arm64_path(isa) ? arm64_missing(isa) : "x86-64";
#else
    else m = is_arm64_path(isa) ? "aarch64" : "x86-64";
#endif
    if (missing) *missing = m;
    return m == NULL;
}

seal_isa seal_isa_best(void) {
    for (int i = SEAL_ISA_COUNT - 1; i > 0; i--)
        if (seal_isa_supported((seal_isa)i, NULL)) return (seal_isa)i;
    return SEAL_ISA_SCALAR;
}

/* -1 = not resolved yet. Written once by resolve() (under pthread_once) or by
 * the explicit setters, which callers must not race with running products. */
static int active_isa = -1;
static seal_compute active_mode = SEAL_COMPUTE_EXACT;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

/* SEAL_KERNEL and SEAL_COMPUTE as a path and mode; -1 with seal_err() if bad. */
static int from_env(seal_isa *isa, seal_compute *mode) {
    const char *k = getenv("SEAL_KERNEL"), *c = getenv("SEAL_COMPUTE");
    *isa = seal_isa_best();
    *mode = SEAL_COMPUTE_EXACT;
    if (c && *c) {
        if (!strcmp(c, "bf16")) *mode = SEAL_COMPUTE_BF16;
        else if (strcmp(c, "exact")) return seal_err("SEAL_COMPUTE=%s: expected exact or bf16", c);
    }
    if (!k || !*k) return 0;
    for (int i = 0; i < SEAL_ISA_COUNT; i++)
        if (!strcmp(k, isa_names[i])) {
            const char *missing;
            if (!seal_isa_supported((seal_isa)i, &missing))
                return seal_err("SEAL_KERNEL=%s: this CPU lacks %s (best path here: %s)", k, missing,
                                seal_isa_name(seal_isa_best()));
            *isa = (seal_isa)i;
            return 0;
        }
    return seal_err("SEAL_KERNEL=%s: expected scalar, avx2, avx512, avx512bf16, neon or neon-bf16", k);
}

static void resolve(void) {
    seal_isa isa;
    seal_compute mode;
    if (from_env(&isa, &mode)) isa = seal_isa_best(), mode = SEAL_COMPUTE_EXACT;
    if (active_isa < 0) active_isa = isa, active_mode = mode;
}

int seal_kernel_init(void) {
    seal_isa isa;
    seal_compute mode;
    pthread_once(&resolve_once, resolve);
    if (from_env(&isa, &mode)) return -1;
    active_isa = isa;
    active_mode = mode;
    return 0;
}

int seal_kernel_force(seal_isa isa) {
    const char *missing;
    pthread_once(&resolve_once, resolve);
    if (!seal_isa_supported(isa, &missing))
        return seal_err("kernel path %s: this CPU lacks %s", seal_isa_name(isa), missing);
    active_isa = isa;
    return 0;
}

void seal_kernel_set_mode(seal_compute mode) {
    pthread_once(&resolve_once, resolve);
    active_mode = mode;
}

seal_isa seal_kernel_isa(void) {
    pthread_once(&resolve_once, resolve);
    return (seal_isa)active_isa;
}

seal_compute seal_kernel_mode(void) {
    pthread_once(&resolve_once, resolve);
    return active_mode;
}
