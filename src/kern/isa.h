/* isa.h: which instruction-set path the kernels run, chosen at run time.
 *
 * One binary carries every path of its architecture (each compiled in its own
 * file with its own target flags, see the Makefile); the first product asks
 * the CPU (x86-64: CPUID and the OS's saved register state, XGETBV; aarch64:
 * the kernel's hwcaps, getauxval) and takes the fastest path it supports.
 * SEAL_KERNEL=scalar|avx2|avx512|avx512bf16|neon|neon-bf16 in the environment
 * forces a lower path (tests, comparisons); asking for one the CPU lacks
 * (another architecture's included) is an error naming what is missing.
 *
 * Exact mode gives the same bits on every path (see matmul.h), so the choice
 * changes speed only. The bf16 compute mode (SEAL_COMPUTE=bf16) differs by
 * path only in the order of its f32 sums; see docs/kernels.md. */
#ifndef SEAL_KERN_ISA_H
#define SEAL_KERN_ISA_H

typedef enum {
    SEAL_ISA_SCALAR,     /* plain C: every CPU, and the reference for the others */
    SEAL_ISA_AVX2,       /* AVX2 + FMA + F16C */
    SEAL_ISA_AVX512,     /* AVX-512 F/BW/VL/DQ (+ FMA, F16C) */
    SEAL_ISA_AVX512BF16, /* AVX-512 above + AVX512_BF16 (vdpbf16ps) */
    SEAL_ISA_NEON,       /* aarch64 Advanced SIMD (asimd) */
    SEAL_ISA_NEON_BF16,  /* NEON + the BF16 extension (bfdot), Armv8.6 */
    SEAL_ISA_COUNT
} seal_isa;

/* The products' compute modes (see docs/kernels.md). */
typedef enum {
    SEAL_COMPUTE_EXACT, /* f32 activations, weights widened in registers: the oracle tests' mode */
    SEAL_COMPUTE_BF16   /* activations rounded to bf16 into products with bf16 weights, f32 sums */
} seal_compute;

/* "scalar", "avx2", "avx512", "avx512bf16", "neon" or "neon-bf16". */
const char *seal_isa_name(seal_isa isa);

/* 1 if this CPU (and OS) can run `isa`; else 0, and *missing (if non-NULL)
 * names the instructions it lacks, e.g. "avx512_bf16", "bf16", or the
 * architecture ("aarch64") for another architecture's path. */
int seal_isa_supported(seal_isa isa, const char **missing);

/* The fastest path this CPU supports. */
seal_isa seal_isa_best(void);

/* Choose the path from SEAL_KERNEL (the best one when unset or empty) and the
 * mode from SEAL_COMPUTE (exact when unset). Returns 0, or -1 with seal_err()
 * for an unknown name or a path the CPU lacks. Programs call it once at start
 * so that a bad request is reported; the kernels otherwise resolve the same
 * way on first use, taking the best path and exact mode when the environment
 * asks for something impossible. */
int seal_kernel_init(void);

/* Run every later product on `isa` (tests). -1 with seal_err() if the CPU
 * lacks it, leaving the path unchanged. Not safe while products run. */
int seal_kernel_force(seal_isa isa);
/* The same for the compute mode. */
void seal_kernel_set_mode(seal_compute mode);

/* The path and mode products run on now. */
seal_isa seal_kernel_isa(void);
seal_compute seal_kernel_mode(void);
/* "exact" or "bf16". */
const char *seal_compute_name(seal_compute mode);

#endif
