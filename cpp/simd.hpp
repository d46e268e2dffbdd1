// SIMD helpers for the CPU loops (host only).
//
// RISKCORE_SIMD_CLONES compiles a function for AVX-512, AVX2 and baseline x86-64 and picks one at load
// time, so one binary runs everywhere at full vector width (GCC on x86-64; elsewhere a no-op).
//
// With RISKCORE_LIBMVEC (set by CMake when glibc's vector math library links), the libm functions the
// closed forms use are declared `simd`, so vectorised loops call glibc's vector variants
// (_ZGVdN4v_erfc, ...; glibc documents at most 4 ulp error for them) instead of scalar libm.
#pragma once
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RISKCORE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RISKCORE_SIMD_CLONES
#endif

#if defined(RISKCORE_LIBMVEC)
extern "C" {
__attribute__((simd("notinbranch"))) double exp(double) noexcept;
__attribute__((simd("notinbranch"))) double expm1(double) noexcept;
__attribute__((simd("notinbranch"))) double log(double) noexcept;
__attribute__((simd("notinbranch"))) double log1p(double) noexcept;
__attribute__((simd("notinbranch"))) double erfc(double) noexcept;
__attribute__((simd("notinbranch"))) double pow(double, double) noexcept;
}
#endif
