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

namespace assay {

// A growable byte buffer: the harness's own string, so that it needs no <string> (whose
// parsing would cost every compile a fifth of a second).
class Text {
  public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    Text() = default;
    Text(const char* s) { append(s, std::strlen(s)); } // NOLINT: converts like a string
    Text(const char* s, std::size_t n) { append(s, n); }
    Text(std::size_t n, char ch) {
        for (std::size_t i = 0; i < n; ++i)
            push_back(ch);
    }
    Text(const Text& other) { append(other.data(), other.size()); }
    Text(Text&& other) noexcept : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
        other.data_ = nullptr;
        other.size_ = other.capacity_ = 0;
    }
    Text& operator=(Text other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        std::swap(capacity_, other.capacity_);
        return *this;
    }
    ~Text() { std::free(data_); }

    void append(const char* s, std::size_t n) {
        if (n == 0) return;
        if (size_ + n + 1 > capacity_) {
            std::size_t grown = capacity_ < 32 ? 32 : capacity_ * 2;
            while (grown < size_ + n + 1)
                grown *= 2;
            char* bigger = static_cast<char*>(std::realloc(data_, grown));
            if (bigger == nullptr) std::abort();
            data_ = bigger;
            capacity_ = grown;
        }
        std::memcpy(data_ + size_, s, n);
        size_ += n;
        data_[size_] = '\0';
    }
    void push_back(char ch) { append(&ch, 1); }
    Text& operator+=(const Text& other) {
        append(other.data(), other.size());
        return *this;
    }
    Text& operator+=(const char* s) {
        append(s, std::strlen(s));
        return *this;
    }
    Text& operator+=(char ch) {
        push_back(ch);
        return *this;
    }
    friend Text operator+(Text a, const Text& b) {
        a += b;
        return a;
    }
    friend Text operator+(Text a, const char* b) {
        a += b;
        return a;
    }
    friend Text operator+(const char* a, const Text& b) { return Text(a) + b; }
    friend bool operator==(const Text& a, const Text& b) {
        return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }
    friend bool operator!=(const Text& a, const Text& b) { return !(a == b); }

    const char* data() const { return data_ == nullptr ? "" : data_; }
    const char* c_str() const { return data(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    char operator[](std::size_t i) const { return data_[i]; }
    char back() const { return data_[size_ - 1]; }
    const char* begin() const { return data(); }
    const char* end() const { return data() + size_; }
    void clear() { size_ = 0; }
    Text substr(std::size_t at, std::size_t n = npos) const {
        if (at > size_) at = size_;
        if (n > size_ - at) n = size_ - at;
        return Text(data() + at, n);
    }
    std::size_t find(char ch, std::size_t from = 0) const {
        for (std::size_t i = from; i < size_; ++i)
            if (data_[i] == ch) return i;
        return npos;
    }
    bool starts_with(const char* prefix) const {
        const std::size_t n = std::strlen(prefix);
        return n <= size_ && std::memcmp(data(), prefix, n) == 0;
    }

  private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

inline Text number_text(long long v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%lld", v);
    return buffer;
}
inline Text number_text(unsigned long long v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%llu", v);
    return buffer;
}
inline Text number_text(long v) { return number_text(static_cast<long long>(v)); }
inline Text number_text(unsigned long v) { return number_text(static_cast<unsigned long long>(v)); }
inline Text number_text(int v) { return number_text(static_cast<long long>(v)); }

// ---- the codec: whitespace-separated tokens, read back by type -------------------------------

struct Reader {
    const Text* text;
    std::size_t at = 0;
    // The next token (up to a space), or false at the end.
    bool token(Text& out) {
        while (at < text->size() && (*text)[at] == ' ')
            ++at;
        if (at >= text->size()) return false;
        const std::size_t stop = text->find(' ', at);
        const std::size_t end = stop == Text::npos ? text->size() : stop;
        out = text->substr(at, end - at);
        at = end;
        return true;
    }
};

inline void put_token(Text& out, const Text& token) {
    if (!out.empty()) out += ' ';
    out += token;
}

inline Text quoted(const Text& s, char quote) {
    Text out(1, quote);
    for (const unsigned char ch : s) {
        if (ch == '\\' || ch == static_cast<unsigned char>(quote)) {
            out += '\\';
            out += static_cast<char>(ch);
        } else if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (ch < 0x20 || ch == 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", ch);
            out += buffer;
        } else {
            out += static_cast<char>(ch);
        }
    }
    out += quote;
    return out;
}

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


// ---- records: "<kind> <number> <size>\n<payload>\n" on fd 3 (runner) ------------------------

inline void write_all(int fd, const Text& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// A payload never holds a line break (written `\n`, and `\` as `\\`): every line break of the
// stream ends a header or a payload, so a header the program forges cannot claim the bytes of a
// record of the harness's without the supervisor seeing it.
inline Text record_escaped(const Text& payload) {
    Text out;
    for (std::size_t k = 0; k < payload.size(); ++k) {
        const char ch = payload[k];
        if (ch == '\\' || ch == '\n') out += '\\';
        out += ch == '\n' ? 'n' : ch;
    }
    return out;
}

inline Text record_unescaped(const Text& payload) {
    Text out;
    for (std::size_t k = 0; k < payload.size(); ++k) {
        if (payload[k] == '\\' && k + 1 < payload.size()) {
            out += payload[++k] == 'n' ? '\n' : payload[k];
        } else {
            out += payload[k];
        }
    }
    return out;
}

inline void record(char kind, long number, const Text& payload) {
    const Text data = record_escaped(payload);
    write_all(3, Text(1, kind) + " " + number_text(number) + " " + number_text(data.size()) +
                     "\n" + data + "\n");
}

// The exception being handled, in words: its type and what().
inline Text current_exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        int status = 0;
        char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
        Text out = Text(status == 0 && name != nullptr ? name : typeid(e).name()) +
                          ": " + e.what();
        std::free(name);
        return out;
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

// At most 1000 bytes of a value's text: a candidate's huge value must not flood the judge's
// output (whose limit would then fail the judge, not the candidate).
inline Text clipped(const Text& text) {
    return text.size() <= 1000 ? text : text.substr(0, 1000) + " ...";
}

// An assertion that failed, with what the judge saw of its sides.
struct Failed {
    Text lhs;
    Text rhs;
};

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

// A case's guard in the runner: reports an exception that escaped the case (split cases) or the
// case's own result (whole cases).
class RunnerCase {
  public:
    RunnerCase(long number, bool whole) : number_(number), whole_(whole) {}
    void caught() {
        try {
            throw;
        } catch (const Failed&) {
            outcome_ = "failed";
        } catch (...) {
            outcome_ = "error";
            text_ = current_exception_text();
        }
    }
    void finish() {
        if (!outcome_.empty() && !whole_) record('X', number_, text_);
        if (whole_) record('W', number_, outcome_.empty() ? "passed" : outcome_ + " " + text_);
    }

  private:
    long number_;
    bool whole_;
    Text outcome_;
    Text text_;
};

inline void whole_assert(bool holds) {
    if (!holds) throw Failed{};
}

// ---- the judge ----------------------------------------------------------------------------

struct Missing {
    Text text;
};

inline Text& values() {
    static Text text;
    return text;
}
inline Text& nonce() {
    static Text value;
    return value;
}

inline Text read_file(const char* path) {
    Text out;
    if (FILE* f = std::fopen(path, "rb")) {
        char buffer[65536];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
            out.append(buffer, n);
        std::fclose(f);
    }
    return out;
}

// The payload of the runner's record (kind, number), or false when there is none.
inline bool find_record(char kind, long number, Text& payload) {
    const Text& text = values();
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t eol = text.find('\n', at);
        if (eol == Text::npos) return false;
        char k = 0;
        long n = 0;
        unsigned long size = 0;
        if (std::sscanf(text.c_str() + at, "%c %ld %lu", &k, &n, &size) != 3) return false;
        if (size > text.size() - (eol + 1)) return false; // (never eol + 1 + size: it can wrap)
        if (k == kind && n == number) {
            payload = record_unescaped(text.substr(eol + 1, size));
            return true;
        }
        at = eol + 1 + size + 1;
    }
    return false;
}

// Where the judge writes its result lines: stdout in a jail of its own, fd 4 under the fork
// server (whose captured stdout keeps only its first bytes).
inline int& judge_out() {
    static int fd = 1;
    return fd;
}

// Reads the job's nonce and the runner's records: from fd 3 (the nonce's line, then the
// records) under the fork server, else from /work/nonce and /work/values.
inline void judge_start() {
    // (lseek, not fcntl: <fcntl.h> would declare open() and creat() after the program's own.)
    if (::lseek(3, 0, SEEK_CUR) != -1 || errno != EBADF) {
        Text inputs;
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(3, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            inputs.append(buffer, static_cast<std::size_t>(n));
        }
        ::close(3); // the tests' code reads nothing of it again
        const std::size_t eol = inputs.find('\n', 0);
        nonce() = eol == Text::npos ? inputs : inputs.substr(0, eol);
        values() = eol == Text::npos ? Text() : inputs.substr(eol + 1, inputs.size() - eol - 1);
        judge_out() = 4;
        return;
    }
    nonce() = read_file("/work/nonce");
    values() = read_file("/work/values");
}

inline Text json_string(const Text& s) {
    Text out = "\"";
    for (const unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += static_cast<char>(ch);
        } else if (ch < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", ch);
            out += buffer;
        } else {
            out += static_cast<char>(ch);
        }
    }
    return out + "\"";
}

class JudgeCase;
inline JudgeCase*& current_case() {
    static JudgeCase* value = nullptr;
    return value;
}

// A case's guard in the judge: one result line when the case ends.
class JudgeCase {
  public:
    explicit JudgeCase(long number) : number_(number) { current_case() = this; }
    ~JudgeCase() { current_case() = nullptr; }
    long number() const { return number_; }
    void value(long id, Text shown) { values_ += (values_.empty() ? "" : ",") +
                                                       json_string(number_text(id)) + ":" +
                                                       json_string(shown); }
    void caught() {
        try {
            throw;
        } catch (const Failed& f) {
            verdict_ = "failed";
            lhs_ = f.lhs;
            rhs_ = f.rhs;
        } catch (const Missing& m) {
            verdict_ = "error";
            text_ = m.text;
        } catch (...) {
            verdict_ = "error";
            text_ = "the test raised " + current_exception_text();
        }
    }
    void finish() const {
        Text line = nonce() + " {\"case\":" + number_text(number_) +
                           ",\"verdict\":" + json_string(verdict_) + ",\"values\":{" + values_ +
                           "}";
        if (verdict_ == "failed" && (!lhs_.empty() || !rhs_.empty()))
            line += ",\"lhs\":" + json_string(lhs_) + ",\"rhs\":" + json_string(rhs_);
        if (!text_.empty()) line += ",\"message\":" + json_string(text_);
        line += "}\n";
        write_all(judge_out(), line);
    }

  private:
    long number_;
    Text verdict_ = "passed";
    Text values_;
    Text lhs_;
    Text rhs_;
    Text text_;
};

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

inline void check(bool holds) {
    if (!holds) throw Failed{};
}

template <class L, class R, class Op> void compare(const L& lhs, const R& rhs, Op op) {
    if (!op(lhs, rhs)) throw Failed{clipped(show_value(lhs)), clipped(show_value(rhs))};
}

} // namespace assay

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
