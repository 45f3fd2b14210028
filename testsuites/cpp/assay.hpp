// assay's C++ harness (testsuites/cpp), the judge model's two programs (../shared/DESIGN.md "The
// judge model"; the host side is src/pipeline/judge_programs.*):
//  - the runner (runner.cpp.in): the candidate's program, then this file, then a main that
//    evaluates the candidate's side of each assertion natively and sends each value, canonically
//    encoded, as a record on fd 3 (ASSAY_CASE, emit); a case that cannot be split runs whole and
//    reports only its own result (ASSAY_WHOLE_CASE);
//  - the judge (judge.cpp.in): the tests' set-up, then this file, then a main that evaluates each
//    assertion with the candidate's values read back as the types the problem declares (take) and
//    prints one JSON line per case, prefixed by the job's nonce.
// The codec covers integers, floating point, bool, char, strings, vector, array, deque, list,
// set, multiset, unordered_set, map, unordered_map, pair, tuple, optional and their nestings.
// Only std:: names are used, so a program's `using namespace std;` does not matter.
#pragma once

// Light on purpose: every compile of a runner or judge reads this file from source, after the
// program's own (precompiled) headers, so it includes no container and not even <string> (Text
// is its own). The codecs of std::string and the containers exist only where the program has
// the type (its header's guard is defined): a program cannot return a type it never declared.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <limits>
#include <type_traits>
#include <typeinfo>
#include <unistd.h>
#include <utility>

// ---- how the fixed code reaches the unit --------------------------------------------------
// With ASSAY_SUPPORT_LINKED (languages/cpp.toml `support_flags`), the declarations between the
// ASSAY-SHARED markers below are all this unit compiles of them: their definitions come from the
// prebuilt object (assay_support.cpp, built once with nothing before it), which the unit is then
// linked with. That is only the same program when the declarations mean here what they meant
// there, so the unit compiles the definitions itself, as inline functions in a namespace of their
// own (never the object's), whenever text before this file could change that meaning:
//  - a macro named like any identifier of those declarations (the tests' `#define long int`);
//  - a pragma that lays classes out differently (`#pragma pack`, `#pragma GCC optimize
//    ("pack-struct")`), which this file sets back to the command line's for its own span.
#if defined(ASSAY_SUPPORT_LINKED) && ( \
    defined(Failed) || defined(JudgeCase) || defined(Missing) || defined(Reader) || \
    defined(RunnerCase) || defined(Text) || defined(alignof) || defined(append) || \
    defined(assay) || defined(at) || defined(back) || defined(begin) || defined(bool) || \
    defined(c_str) || defined(capacity_) || defined(caught) || defined(char) || defined(check) || \
    defined(class) || defined(clear) || defined(clipped) || defined(const) || \
    defined(constexpr) || defined(current_case) || defined(current_exception_text) || \
    defined(data) || defined(data_) || defined(decltype) || defined(default) || defined(empty) || \
    defined(end) || defined(explicit) || defined(find) || defined(find_record) || \
    defined(finish) || defined(friend) || defined(inline) || defined(int) || \
    defined(json_string) || defined(judge_out) || defined(judge_start) || \
    defined(layout_checked) || defined(layout_seen) || defined(lhs) || defined(lhs_) || \
    defined(linked__) || defined(local__) || defined(long) || defined(namespace) || \
    defined(noexcept) || defined(nonce) || defined(npos) || defined(nullptr) || defined(number) || \
    defined(number_) || defined(number_text) || defined(operator) || defined(outcome_) || \
    defined(private) || defined(public) || defined(push_back) || defined(put_token) || \
    defined(quoted) || defined(read_file) || defined(record) || defined(record_escaped) || \
    defined(record_unescaped) || defined(rhs) || defined(rhs_) || defined(size) || \
    defined(size_) || defined(size_t) || defined(sizeof) || defined(starts_with) || \
    defined(static) || defined(static_cast) || defined(std) || defined(struct) || \
    defined(substr) || defined(template) || defined(text) || defined(text_) || defined(token) || \
    defined(true) || defined(unsigned) || defined(value) || defined(values) || defined(values_) || \
    defined(verdict_) || defined(void) || defined(whole_) || defined(whole_assert) || \
    defined(write_all))
#undef ASSAY_SUPPORT_LINKED
#endif
#undef ASSAY_INLINE
#undef ASSAY_MODE
#ifdef ASSAY_SUPPORT_LINKED
#define ASSAY_INLINE
#define ASSAY_MODE linked__
#else
#define ASSAY_INLINE inline
#define ASSAY_MODE local__
#endif
#pragma GCC push_options
#pragma GCC reset_options
#pragma pack(push)
#pragma pack()

namespace assay {
inline namespace ASSAY_MODE {

// ASSAY-SHARED-BEGIN: the declarations the prebuilt object shares with every unit that links it.
// Every identifier between these two markers is in the guard list above (a test checks).

// A growable byte buffer: the harness's own string, so that it needs no <string> (whose
// parsing would cost every compile a fifth of a second).
class Text {
  public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    Text() = default;
    ASSAY_INLINE Text(const char*); // NOLINT: converts like a string
    ASSAY_INLINE Text(const char*, std::size_t);
    ASSAY_INLINE Text(std::size_t, char);
    ASSAY_INLINE Text(const Text&);
    ASSAY_INLINE Text(Text&&) noexcept;
    ASSAY_INLINE Text& operator=(Text) noexcept;
    ASSAY_INLINE ~Text();

    ASSAY_INLINE void append(const char*, std::size_t);
    ASSAY_INLINE void push_back(char);
    ASSAY_INLINE Text& operator+=(const Text&);
    ASSAY_INLINE Text& operator+=(const char*);
    ASSAY_INLINE Text& operator+=(char);
    friend ASSAY_INLINE Text operator+(Text, const Text&);
    friend ASSAY_INLINE Text operator+(Text, const char*);
    friend ASSAY_INLINE Text operator+(const char*, const Text&);
    friend ASSAY_INLINE bool operator==(const Text&, const Text&);
    friend ASSAY_INLINE bool operator!=(const Text&, const Text&);

    ASSAY_INLINE const char* data() const;
    ASSAY_INLINE const char* c_str() const;
    ASSAY_INLINE std::size_t size() const;
    ASSAY_INLINE bool empty() const;
    ASSAY_INLINE char operator[](std::size_t) const;
    ASSAY_INLINE char back() const;
    ASSAY_INLINE const char* begin() const;
    ASSAY_INLINE const char* end() const;
    ASSAY_INLINE void clear();
    ASSAY_INLINE Text substr(std::size_t, std::size_t = npos) const;
    ASSAY_INLINE std::size_t find(char, std::size_t = 0) const;
    ASSAY_INLINE bool starts_with(const char*) const;

  private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

ASSAY_INLINE Text number_text(long long);
ASSAY_INLINE Text number_text(unsigned long long);
ASSAY_INLINE Text number_text(long);
ASSAY_INLINE Text number_text(unsigned long);
ASSAY_INLINE Text number_text(int);

// The codec's input: whitespace-separated tokens, read back by type.
struct Reader {
    const Text* text;
    std::size_t at = 0;
    // The next token (up to a space), or false at the end.
    ASSAY_INLINE bool token(Text&);
};

ASSAY_INLINE void put_token(Text&, const Text&);
ASSAY_INLINE Text quoted(const Text&, char);

// Records: "<kind> <number> <size>\n<payload>\n" on fd 3 (runner). A payload never holds a line
// break (written `\n`, and `\` as `\\`): every line break of the stream ends a header or a
// payload, so a header the program forges cannot claim the bytes of a record of the harness's
// without the supervisor seeing it.
ASSAY_INLINE void write_all(int, const Text&);
ASSAY_INLINE Text record_escaped(const Text&);
ASSAY_INLINE Text record_unescaped(const Text&);
ASSAY_INLINE void record(char, long, const Text&);
// The exception being handled, in words: its type and what().
ASSAY_INLINE Text current_exception_text();
// At most 1000 bytes of a value's text: a candidate's huge value must not flood the judge's
// output (whose limit would then fail the judge, not the candidate).
ASSAY_INLINE Text clipped(const Text&);

// An assertion that failed, with what the judge saw of its sides.
struct Failed {
    Text lhs;
    Text rhs;
};

// A case's guard in the runner: reports an exception that escaped the case (split cases) or the
// case's own result (whole cases).
class RunnerCase {
  public:
    ASSAY_INLINE RunnerCase(long, bool);
    ASSAY_INLINE void caught();
    ASSAY_INLINE void finish();

  private:
    long number_;
    bool whole_;
    Text outcome_;
    Text text_;
};

ASSAY_INLINE void whole_assert(bool);

// ---- the judge ----------------------------------------------------------------------------

struct Missing {
    Text text;
};

ASSAY_INLINE Text& values();
ASSAY_INLINE Text& nonce();
ASSAY_INLINE Text read_file(const char*);
// The payload of the runner's record (kind, number), or false when there is none.
ASSAY_INLINE bool find_record(char, long, Text&);
// Where the judge writes its result lines: stdout in a jail of its own, fd 4 under the fork
// server (whose captured stdout keeps only its first bytes).
ASSAY_INLINE int& judge_out();
// Reads the job's nonce and the runner's records: from fd 3 (the nonce's line, then the
// records) under the fork server, else from /work/nonce and /work/values.
ASSAY_INLINE void judge_start();
ASSAY_INLINE Text json_string(const Text&);

// A case's guard in the judge: one result line when the case ends.
class JudgeCase {
  public:
    ASSAY_INLINE explicit JudgeCase(long);
    ASSAY_INLINE ~JudgeCase();
    ASSAY_INLINE long number() const;
    ASSAY_INLINE void value(long, Text);
    ASSAY_INLINE void caught();
    ASSAY_INLINE void finish() const;

  private:
    long number_;
    Text verdict_;
    Text values_;
    Text lhs_;
    Text rhs_;
    Text text_;
};

ASSAY_INLINE JudgeCase*& current_case();
ASSAY_INLINE void check(bool);

// The classes' layout as this unit sees it. Only an object built with the same layout defines
// layout_seen<that layout> (assay_support.cpp), so a unit that sees another (built with a flag
// the object was not, or after text this file does not set back) does not link, and never runs
// with the object's code on its own objects.
template <decltype(sizeof 0)...> void layout_seen();
#define ASSAY_LAYOUT                                                                              \
    sizeof(Text), alignof(Text), sizeof(Reader), alignof(Reader), sizeof(Failed),                \
        sizeof(RunnerCase), alignof(RunnerCase), sizeof(Missing), sizeof(JudgeCase),              \
        alignof(JudgeCase)
#ifdef ASSAY_SUPPORT_LINKED
static const bool layout_checked = (layout_seen<ASSAY_LAYOUT>(), true);
#endif

// ASSAY-SHARED-END

// ---- the codec: whitespace-separated tokens, read back by type -------------------------------

template <class T, class = void> struct Codec {
    static constexpr bool supported = false;
};

template <class T> constexpr bool is_char_v =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char>;

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
    static constexpr bool supported = true;
    static void put(Text& out, T v) {
        if constexpr (std::is_signed_v<T>)
            put_token(out, number_text(static_cast<long long>(v)));
        else
            put_token(out, number_text(static_cast<unsigned long long>(v)));
    }
    static bool get(Reader& in, T& v) {
        Text t;
        if (!in.token(t) || t.empty()) return false;
        char* end = nullptr;
        errno = 0;
        if constexpr (std::is_signed_v<T>) {
            const long long x = std::strtoll(t.c_str(), &end, 10);
            if (errno != 0 || *end != '\0' || x < static_cast<long long>(std::numeric_limits<T>::min()) ||
                x > static_cast<long long>(std::numeric_limits<T>::max()))
                return false;
            v = static_cast<T>(x);
        } else {
            if (t[0] == '-') return false;
            const unsigned long long x = std::strtoull(t.c_str(), &end, 10);
            if (errno != 0 || *end != '\0' || x > std::numeric_limits<T>::max()) return false;
            v = static_cast<T>(x);
        }
        return true;
    }
    static Text show(T v) {
        if constexpr (is_char_v<T>) return quoted(Text(1, static_cast<char>(v)), '\'');
        if constexpr (std::is_signed_v<T>)
            return number_text(static_cast<long long>(v));
        else
            return number_text(static_cast<unsigned long long>(v));
    }
};

template <> struct Codec<bool> {
    static constexpr bool supported = true;
    static void put(Text& out, bool v) { put_token(out, v ? "1" : "0"); }
    static bool get(Reader& in, bool& v) {
        Text t;
        if (!in.token(t) || (t != "0" && t != "1")) return false;
        v = t == "1";
        return true;
    }
    static Text show(bool v) { return v ? "true" : "false"; }
};

template <class T> struct Codec<T, std::enable_if_t<std::is_floating_point_v<T>>> {
    static constexpr bool supported = true;
    static void put(Text& out, T v) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%La", static_cast<long double>(v));
        put_token(out, buffer);
    }
    static bool get(Reader& in, T& v) {
        Text t;
        if (!in.token(t) || t.empty()) return false;
        char* end = nullptr;
        const long double x = std::strtold(t.c_str(), &end);
        if (*end != '\0') return false;
        v = static_cast<T>(x);
        return true;
    }
    // The shortest decimal that reads back as the same value.
    static Text show(T v) {
        char buffer[64];
        for (int digits = 6; digits <= 21; ++digits) {
            std::snprintf(buffer, sizeof buffer, "%.*Lg", digits, static_cast<long double>(v));
            if (static_cast<T>(std::strtold(buffer, nullptr)) == v || v != v) break;
        }
        return buffer;
    }
};

// Length-prefixed bytes: "<size>:<bytes>".
template <> struct Codec<Text> {
    static constexpr bool supported = true;
    static void put(Text& out, const Text& v) { put_token(out, number_text(v.size()) + ":" + v); }
    static bool get(Reader& in, Text& v) {
        const Text& text = *in.text;
        while (in.at < text.size() && text[in.at] == ' ')
            ++in.at;
        const std::size_t colon = text.find(':', in.at);
        if (colon == Text::npos || colon == in.at) return false;
        std::size_t size = 0;
        for (std::size_t i = in.at; i < colon; ++i) {
            if (text[i] < '0' || text[i] > '9' || size > text.size()) return false;
            size = size * 10 + static_cast<std::size_t>(text[i] - '0');
        }
        if (colon + 1 + size > text.size()) return false;
        v = text.substr(colon + 1, size);
        in.at = colon + 1 + size;
        return true;
    }
    static Text show(const Text& v) { return quoted(v, '"'); }
};

// A C string is sent as a string and read back into storage that lives as long as the judge.
template <> struct Codec<const char*> {
    static constexpr bool supported = true;
    static void put(Text& out, const char* v) { Codec<Text>::put(out, v == nullptr ? Text() : Text(v)); }
    static bool get(Reader& in, const char*& v) {
        Text s;
        if (!Codec<Text>::get(in, s)) return false;
        v = (new Text(static_cast<Text&&>(s)))->c_str(); // kept for the judge's life
        return true;
    }
    static Text show(const char* v) { return v == nullptr ? Text("nullptr") : quoted(v, '"'); }
};
template <> struct Codec<char*> : Codec<const char*> {};
// A string literal on an assertion's expected side.
template <decltype(sizeof 0) N> struct Codec<char[N]> : Codec<const char*> {};
#if defined(_GLIBCXX_STRING) || defined(_BASIC_STRING_H) || defined(_LIBCPP_STRING)
template <> struct Codec<std::string> {
    static constexpr bool supported = true;
    static void put(Text& out, const std::string& v) {
        put_token(out, number_text(v.size()) + ":" + Text(v.data(), v.size()));
    }
    static bool get(Reader& in, std::string& v) {
        Text t;
        if (!Codec<Text>::get(in, t)) return false;
        v.assign(t.data(), t.size());
        return true;
    }
    static Text show(const std::string& v) { return quoted(Text(v.data(), v.size()), '"'); }
};
#endif


template <class T> using codec_of = Codec<std::remove_cv_t<std::remove_reference_t<T>>>;

template <class T> Text show_value(const T& v) {
    if constexpr (codec_of<T>::supported)
        return codec_of<T>::show(v);
    else
        return "(a value of a type the harness cannot show)";
}

// Sequences: the count, then the items.
template <class C, class Add> struct SequenceCodec {
    static constexpr bool supported = codec_of<typename C::value_type>::supported;
    static void put(Text& out, const C& v) {
        put_token(out, number_text(v.size()));
        for (const auto& item : v)
            codec_of<typename C::value_type>::put(out, item);
    }
    static bool get(Reader& in, C& v) {
        std::size_t n = 0;
        if (!Codec<std::size_t>::get(in, n) || n > in.text->size()) return false;
        v = C();
        for (std::size_t i = 0; i < n; ++i) {
            typename C::value_type item{};
            if (!codec_of<typename C::value_type>::get(in, item)) return false;
            Add{}(v, std::move(item));
        }
        return true;
    }
    static Text show(const C& v) {
        Text out = "{";
        for (const auto& item : v) {
            if (out.size() > 1) out += ", ";
            out += show_value(item);
        }
        return out + "}";
    }
};
struct PushBack {
    template <class C, class T> void operator()(C& c, T&& item) const {
        c.push_back(std::forward<T>(item));
    }
};
struct Insert {
    template <class C, class T> void operator()(C& c, T&& item) const {
        c.insert(std::forward<T>(item));
    }
};
#if defined(_GLIBCXX_VECTOR) || defined(_STL_VECTOR_H) || defined(_LIBCPP_VECTOR)
template <class T, class A>
struct Codec<std::vector<T, A>> : SequenceCodec<std::vector<T, A>, PushBack> {};
#endif
#if defined(_GLIBCXX_DEQUE) || defined(_STL_DEQUE_H) || defined(_LIBCPP_DEQUE)
template <class T, class A>
struct Codec<std::deque<T, A>> : SequenceCodec<std::deque<T, A>, PushBack> {};
#endif
#if defined(_GLIBCXX_LIST) || defined(_STL_LIST_H) || defined(_LIBCPP_LIST)
template <class T, class A>
struct Codec<std::list<T, A>> : SequenceCodec<std::list<T, A>, PushBack> {};
#endif
#if defined(_GLIBCXX_SET) || defined(_STL_SET_H) || defined(_LIBCPP_SET)
template <class T, class C, class A>
struct Codec<std::set<T, C, A>> : SequenceCodec<std::set<T, C, A>, Insert> {};
template <class T, class C, class A>
struct Codec<std::multiset<T, C, A>> : SequenceCodec<std::multiset<T, C, A>, Insert> {};
#endif
#if defined(_GLIBCXX_UNORDERED_SET) || defined(_UNORDERED_SET_H) || defined(_LIBCPP_UNORDERED_SET)
template <class T, class H, class E, class A>
struct Codec<std::unordered_set<T, H, E, A>>
    : SequenceCodec<std::unordered_set<T, H, E, A>, Insert> {};
#endif

#if defined(_GLIBCXX_VECTOR) || defined(_STL_VECTOR_H) || defined(_LIBCPP_VECTOR)
// A vector<bool> item is a proxy: read and written as bool.
template <class A> struct Codec<std::vector<bool, A>> {
    static constexpr bool supported = true;
    static void put(Text& out, const std::vector<bool, A>& v) {
        put_token(out, number_text(v.size()));
        for (const bool item : v)
            Codec<bool>::put(out, item);
    }
    static bool get(Reader& in, std::vector<bool, A>& v) {
        std::size_t n = 0;
        if (!Codec<std::size_t>::get(in, n) || n > in.text->size()) return false;
        v.clear();
        for (std::size_t i = 0; i < n; ++i) {
            bool item = false;
            if (!Codec<bool>::get(in, item)) return false;
            v.push_back(item);
        }
        return true;
    }
    static Text show(const std::vector<bool, A>& v) {
        Text out = "{";
        for (const bool item : v)
            out += (out.size() > 1 ? ", " : "") + Codec<bool>::show(item);
        return out + "}";
    }
};
#endif


#if defined(_GLIBCXX_ARRAY) || defined(_LIBCPP_ARRAY)
template <class T, std::size_t N> struct Codec<std::array<T, N>> {
    static constexpr bool supported = codec_of<T>::supported;
    static void put(Text& out, const std::array<T, N>& v) {
        for (const auto& item : v)
            codec_of<T>::put(out, item);
    }
    static bool get(Reader& in, std::array<T, N>& v) {
        for (auto& item : v)
            if (!codec_of<T>::get(in, item)) return false;
        return true;
    }
    static Text show(const std::array<T, N>& v) {
        Text out = "{";
        for (const auto& item : v)
            out += (out.size() > 1 ? ", " : "") + show_value(item);
        return out + "}";
    }
};
#endif


template <class M> struct MapCodec {
    using K = typename M::key_type;
    using V = typename M::mapped_type;
    static constexpr bool supported = codec_of<K>::supported && codec_of<V>::supported;
    static void put(Text& out, const M& m) {
        put_token(out, number_text(m.size()));
        for (const auto& [k, v] : m) {
            codec_of<K>::put(out, k);
            codec_of<V>::put(out, v);
        }
    }
    static bool get(Reader& in, M& m) {
        std::size_t n = 0;
        if (!Codec<std::size_t>::get(in, n) || n > in.text->size()) return false;
        m.clear();
        for (std::size_t i = 0; i < n; ++i) {
            K k{};
            V v{};
            if (!codec_of<K>::get(in, k) || !codec_of<V>::get(in, v)) return false;
            m.emplace(std::move(k), std::move(v));
        }
        return true;
    }
    static Text show(const M& m) {
        Text out = "{";
        for (const auto& [k, v] : m)
            out += (out.size() > 1 ? ", " : "") + Text("{") + show_value(k) + ", " +
                   show_value(v) + "}";
        return out + "}";
    }
};
#if defined(_GLIBCXX_MAP) || defined(_STL_MAP_H) || defined(_LIBCPP_MAP)
template <class K, class V, class C, class A>
struct Codec<std::map<K, V, C, A>> : MapCodec<std::map<K, V, C, A>> {};
#endif
#if defined(_GLIBCXX_UNORDERED_MAP) || defined(_UNORDERED_MAP_H) || defined(_LIBCPP_UNORDERED_MAP)
template <class K, class V, class H, class E, class A>
struct Codec<std::unordered_map<K, V, H, E, A>> : MapCodec<std::unordered_map<K, V, H, E, A>> {};
#endif

#if defined(_GLIBCXX_TUPLE) || defined(_LIBCPP_TUPLE)
template <class... T> struct Codec<std::tuple<T...>> {
    static constexpr bool supported = (codec_of<T>::supported && ...);
    static void put(Text& out, const std::tuple<T...>& v) {
        std::apply([&](const auto&... item) { (codec_of<decltype(item)>::put(out, item), ...); },
                   v);
    }
    static bool get(Reader& in, std::tuple<T...>& v) {
        return std::apply([&](auto&... item) { return (codec_of<decltype(item)>::get(in, item) && ...); },
                          v);
    }
    static Text show(const std::tuple<T...>& v) {
        Text out = "{";
        std::apply(
            [&](const auto&... item) {
                ((out += (out.size() > 1 ? ", " : "") + show_value(item)), ...);
            },
            v);
        return out + "}";
    }
};
#endif

template <class A, class B> struct Codec<std::pair<A, B>> {
    static constexpr bool supported = codec_of<A>::supported && codec_of<B>::supported;
    static void put(Text& out, const std::pair<A, B>& v) {
        codec_of<A>::put(out, v.first);
        codec_of<B>::put(out, v.second);
    }
    static bool get(Reader& in, std::pair<A, B>& v) {
        return codec_of<A>::get(in, v.first) && codec_of<B>::get(in, v.second);
    }
    static Text show(const std::pair<A, B>& v) {
        return "{" + show_value(v.first) + ", " + show_value(v.second) + "}";
    }
};
#if defined(_GLIBCXX_OPTIONAL) || defined(_LIBCPP_OPTIONAL)
template <class T> struct Codec<std::optional<T>> {
    static constexpr bool supported = codec_of<T>::supported;
    static void put(Text& out, const std::optional<T>& v) {
        put_token(out, v ? "1" : "0");
        if (v) codec_of<T>::put(out, *v);
    }
    static bool get(Reader& in, std::optional<T>& v) {
        bool present = false;
        if (!Codec<bool>::get(in, present)) return false;
        if (!present) {
            v.reset();
            return true;
        }
        T item{};
        if (!codec_of<T>::get(in, item)) return false;
        v = std::move(item);
        return true;
    }
    static Text show(const std::optional<T>& v) {
        return v ? show_value(*v) : Text("nullopt");
    }
};
#endif


// The runner's side of a hole: the value, natively, sent as the hole's record; the caller gets
// the value back unchanged.
template <class T> T&& emit(long id, T&& value) {
    static_assert(codec_of<T>::supported,
                  "assay: the harness cannot encode this type (see testsuites/cpp/assay.hpp)");
    Text payload;
    codec_of<T>::put(payload, value);
    record('V', id, payload);
    return std::forward<T>(value);
}

// The judge's side of a hole: the runner's value, read back as the declared type T.
template <class T> std::decay_t<T> take(long id) {
    using V = std::decay_t<T>;
    static_assert(codec_of<V>::supported,
                  "assay: the harness cannot decode this type (see testsuites/cpp/assay.hpp)");
    const long number = current_case() != nullptr ? current_case()->number() : -1;
    Text payload;
    if (!find_record('V', id, payload)) {
        Text raised;
        if (find_record('X', number, raised))
            throw Missing{"the candidate raised " +
                          (raised.empty() ? Text("an exception") : clipped(raised))};
        throw Missing{"the candidate's program stopped before this case"};
    }
    V value{};
    Reader in{&payload};
    Text rest;
    if (!codec_of<V>::get(in, value) || in.token(rest))
        throw Missing{"the candidate's value does not have the type the problem declares"};
    if (current_case() != nullptr) current_case()->value(id, clipped(show_value(value)));
    return value;
}

template <class L, class R, class Op> void compare(const L& lhs, const R& rhs, Op op) {
    if (!op(lhs, rhs)) throw Failed{clipped(show_value(lhs)), clipped(show_value(rhs))};
}

} // namespace ASSAY_MODE
} // namespace assay

#ifndef ASSAY_SUPPORT_LINKED
#include "assay_support.inl"
#endif
#pragma pack(pop)
#pragma GCC pop_options

#define ASSAY_CASE(k)                                                                              \
    {                                                                                              \
        ::assay::RunnerCase assay_case_((k), false);                                               \
        try
#define ASSAY_WHOLE_CASE(k)                                                                        \
    {                                                                                              \
        ::assay::RunnerCase assay_case_((k), true);                                                \
        try
#define ASSAY_JUDGE_CASE(k)                                                                        \
    {                                                                                              \
        ::assay::JudgeCase assay_case_((k));                                                       \
        try
#define ASSAY_END_CASE                                                                             \
    catch (...) {                                                                                  \
        assay_case_.caught();                                                                      \
    }                                                                                              \
    assay_case_.finish();                                                                          \
    }
