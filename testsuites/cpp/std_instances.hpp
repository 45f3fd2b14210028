// Where the standard library's own inline functions send every unit's compile time, said once.
//
// Some of the library's inline non-template functions call templates: C++17 <cmath>'s special
// math functions in float and long double (`std::riemann_zetaf`, `std::assoc_laguerrel`, ...)
// call std::__detail's, and <string>'s `std::stoi`, `std::to_string(double)`, ... call
// __gnu_cxx::__stoa and __to_xstring. g++ instantiates those templates at the end of every unit
// that includes the header, used or not, and a precompiled header cannot hold them: g++ writes
// it before that step. With HumanEval-X's headers an empty unit spent 27 of its 93 ms there
// (<cmath>), and about 15 more with <string>.
//
// This file is appended to every precompiled header that compiles with it (languages/cpp.toml
// `instances_header`; used only while the archive below links). For each of those headers the
// precompiled one holds, it declares those instantiations extern
// ([temp.explicit]: an explicit instantiation declaration says the specialization is
// instantiated elsewhere and declares no name), and std_instances.cpp defines them, compiled
// from the same headers with the descriptor's own standard and level into
// build/native/cpp/std_instances.a, which every build that links gets (an archive of one
// member: a program that calls none of them takes none of it). A program's meaning does not
// change: the code is the same code, compiled once instead of in each unit.
//
// The lists are what an empty unit instantiates after <cmath> and after <string> with g++ 12
// (`g++ -std=c++17 -O0 -fdump-tree-original`): every std::__detail function but the inline
// `__isnan` (for float and long double, which the inline functions use, and for double, which a
// program that calls the special functions' templates with doubles uses), and every __stoa and
// __to_xstring (tests/testsuites/test_cpp_harness.cpp checks that nothing else of them is
// left). It leaves no macro behind.
#ifndef ASSAY_STD_INSTANCE
#define ASSAY_STD_INSTANCE extern template
#endif
#ifdef _GLIBCXX_BITS_SPECFUN_H
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
#endif
#if defined(_BASIC_STRING_H) && _GLIBCXX_USE_C99_STDLIB && _GLIBCXX_USE_C99_STDIO &&             \
    defined(_GLIBCXX_USE_WCHAR_T) && _GLIBCXX_USE_C99_WCHAR &&                                  \
    !defined(_GLIBCXX_HAVE_BROKEN_VSWPRINTF)
// `std::stoi` .. `std::stold` (R from a conversion to T, with a base or without) for char and
// wchar_t, and `std::to_string` / `std::to_wstring` of the floating types.
#define ASSAY_STD_STOA(R, T, C)                                                                    \
    ASSAY_STD_INSTANCE R __stoa<T, R, C, int>(T (*)(const C*, C**, int), const char*, const C*,    \
                                              std::size_t*, int);
#define ASSAY_STD_STOF(R, C)                                                                       \
    ASSAY_STD_INSTANCE R __stoa<R, R, C>(R (*)(const C*, C**), const char*, const C*, std::size_t*);
#define ASSAY_STD_STRINGS(C)                                                                       \
    ASSAY_STD_STOA(int, long, C)                                                                   \
    ASSAY_STD_STOA(long, long, C)                                                                  \
    ASSAY_STD_STOA(unsigned long, unsigned long, C)                                                \
    ASSAY_STD_STOA(long long, long long, C)                                                        \
    ASSAY_STD_STOA(unsigned long long, unsigned long long, C)                                      \
    ASSAY_STD_STOF(float, C)                                                                       \
    ASSAY_STD_STOF(double, C)                                                                      \
    ASSAY_STD_STOF(long double, C)                                                                 \
    ASSAY_STD_INSTANCE std::basic_string<C> __to_xstring<std::basic_string<C>, C>(                 \
        int (*)(C*, std::size_t, const C*, __builtin_va_list), std::size_t, const C*, ...);
namespace __gnu_cxx {
ASSAY_STD_STRINGS(char)
ASSAY_STD_STRINGS(wchar_t)
} // namespace __gnu_cxx
#undef ASSAY_STD_STRINGS
#undef ASSAY_STD_STOF
#undef ASSAY_STD_STOA
#endif
#undef ASSAY_STD_INSTANCE
