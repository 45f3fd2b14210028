// Where the standard library's own inline functions send every unit's compile time, said once.
//
// C++17's <cmath> declares the special math functions (bits/specfun.h); their float and long
// double forms (`std::riemann_zetaf`, `std::assoc_laguerrel`, ...) are inline non-template
// functions that call templates in std::__detail. g++ instantiates those templates at the end
// of every unit that includes <cmath>, used or not, and a precompiled header cannot hold them:
// g++ writes it before that step. It was 27 ms of an empty unit's 93 with HumanEval-X's header.
//
// This file is appended to every precompiled header (languages/cpp.toml `instances_header`).
// When <cmath>'s special functions are in the header, it declares each of those instantiations
// extern ([temp.explicit]: an explicit instantiation declaration says the specialization is
// instantiated elsewhere and declares no name), and std_instances.cpp defines them, compiled
// from these same headers with the descriptor's own standard and level into
// build/native/cpp/std_instances.a, which every build that links gets (an archive: a program
// that calls none of them takes nothing from it). A program's meaning does not change: the code
// is the same code, compiled once instead of in each unit.
//
// The list is every std::__detail function an empty unit instantiates after <cmath> with g++ 12
// (`g++ -std=c++17 -O0 -fdump-tree-original`), for float, double and long double, except
// `__isnan` (inline; tests/testsuites/test_cpp_harness.cpp checks that it is all that is left).
// It leaves no macro behind.
#ifdef _GLIBCXX_BITS_SPECFUN_H
#ifndef ASSAY_STD_INSTANCE
#define ASSAY_STD_INSTANCE extern template
#endif
#define ASSAY_STD_SPECFUN(T)                                                                       \
    ASSAY_STD_INSTANCE T __assoc_laguerre<T>(unsigned int, unsigned int, T);                       \
    ASSAY_STD_INSTANCE T __assoc_legendre_p<T>(unsigned int, unsigned int, T, T);                  \
    ASSAY_STD_INSTANCE T __beta<T>(T, T);                                                          \
    ASSAY_STD_INSTANCE T __comp_ellint_1<T>(T);                                                    \
    ASSAY_STD_INSTANCE T __comp_ellint_2<T>(T);                                                    \
    ASSAY_STD_INSTANCE T __comp_ellint_3<T>(T, T);                                                 \
    ASSAY_STD_INSTANCE T __cyl_bessel_i<T>(T, T);                                                  \
    ASSAY_STD_INSTANCE T __cyl_bessel_j<T>(T, T);                                                  \
    ASSAY_STD_INSTANCE T __cyl_bessel_k<T>(T, T);                                                  \
    ASSAY_STD_INSTANCE T __cyl_neumann_n<T>(T, T);                                                 \
    ASSAY_STD_INSTANCE T __ellint_1<T>(T, T);                                                      \
    ASSAY_STD_INSTANCE T __ellint_2<T>(T, T);                                                      \
    ASSAY_STD_INSTANCE T __ellint_3<T>(T, T, T);                                                   \
    ASSAY_STD_INSTANCE T __expint<T>(T);                                                           \
    ASSAY_STD_INSTANCE T __poly_hermite<T>(unsigned int, T);                                       \
    ASSAY_STD_INSTANCE T __laguerre<T>(unsigned int, T);                                           \
    ASSAY_STD_INSTANCE T __poly_legendre_p<T>(unsigned int, T);                                    \
    ASSAY_STD_INSTANCE T __riemann_zeta<T>(T);                                                     \
    ASSAY_STD_INSTANCE T __sph_bessel<T>(unsigned int, T);                                         \
    ASSAY_STD_INSTANCE T __sph_legendre<T>(unsigned int, unsigned int, T);                         \
    ASSAY_STD_INSTANCE T __sph_neumann<T>(unsigned int, T);                                        \
    ASSAY_STD_INSTANCE T __poly_laguerre<unsigned int, T>(unsigned int, unsigned int, T);          \
    ASSAY_STD_INSTANCE T __beta_lgamma<T>(T, T);                                                   \
    ASSAY_STD_INSTANCE T __ellint_rf<T>(T, T, T);                                                  \
    ASSAY_STD_INSTANCE T __ellint_rd<T>(T, T, T);                                                  \
    ASSAY_STD_INSTANCE T __ellint_rj<T>(T, T, T, T);                                               \
    ASSAY_STD_INSTANCE T __ellint_rc<T>(T, T);                                                     \
    ASSAY_STD_INSTANCE T __cyl_bessel_ij_series<T>(T, T, T, unsigned int);                         \
    ASSAY_STD_INSTANCE void __bessel_ik<T>(T, T, T&, T&, T&, T&);                                  \
    ASSAY_STD_INSTANCE void __cyl_bessel_jn_asymp<T>(T, T, T&, T&);                                \
    ASSAY_STD_INSTANCE void __bessel_jn<T>(T, T, T&, T&, T&, T&);                                  \
    ASSAY_STD_INSTANCE void __sph_bessel_jn<T>(unsigned int, T, T&, T&, T&, T&);                   \
    ASSAY_STD_INSTANCE void __gamma_temme<T>(T, T&, T&, T&, T&);                                   \
    ASSAY_STD_INSTANCE T __poly_hermite_recursion<T>(unsigned int, T);                             \
    ASSAY_STD_INSTANCE T __riemann_zeta_product<T>(T);                                             \
    ASSAY_STD_INSTANCE T __riemann_zeta_glob<T>(T);                                                \
    ASSAY_STD_INSTANCE T __riemann_zeta_sum<T>(T);                                                 \
    ASSAY_STD_INSTANCE T __poly_laguerre_large_n<unsigned int, T>(unsigned int, unsigned int, T);  \
    ASSAY_STD_INSTANCE T __poly_laguerre_recursion<unsigned int, T>(unsigned int, unsigned int, T);\
    ASSAY_STD_INSTANCE T __poly_laguerre_hyperg<unsigned int, T>(unsigned int, unsigned int, T);   \
    ASSAY_STD_INSTANCE T __expint_Ei<T>(T);                                                        \
    ASSAY_STD_INSTANCE T __expint_E1<T>(T);                                                        \
    ASSAY_STD_INSTANCE T __expint_Ei_series<T>(T);                                                 \
    ASSAY_STD_INSTANCE T __expint_Ei_asymp<T>(T);                                                  \
    ASSAY_STD_INSTANCE T __expint_E1_series<T>(T);                                                 \
    ASSAY_STD_INSTANCE T __expint_E1_asymp<T>(T);                                                  \
    ASSAY_STD_INSTANCE T __expint_En_cont_frac<T>(unsigned int, T);
namespace std {
namespace __detail {
ASSAY_STD_SPECFUN(float)
ASSAY_STD_SPECFUN(double)
ASSAY_STD_SPECFUN(long double)
} // namespace __detail
} // namespace std
#undef ASSAY_STD_SPECFUN
#undef ASSAY_STD_INSTANCE
#endif
