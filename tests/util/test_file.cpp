// util::read_file: the one reader of input files, and what it says when it cannot read.
#include "support/temp_dir.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace assay;

TEST_CASE("util::read_file") {
    testing::TempDir dir;
    SUBCASE("a file's bytes, NULs and invalid UTF-8 included") {
        const std::string bytes("a\0b\xff\n", 5);
        dir.write("f.bin", bytes);
        const auto text = util::read_file((dir / "f.bin").string());
        REQUIRE(text);
        CHECK(*text == bytes);
        dir.write("empty", "");
        CHECK(util::read_file((dir / "empty").string()).value() == "");
    }
    SUBCASE("a missing file, a directory and a FIFO are bad input, named") {
        const auto missing = util::read_file((dir / "nope.toml").string());
        REQUIRE(!missing);
        CHECK(missing.error().kind == ErrorKind::bad_input);
        CHECK(missing.error().where == (dir / "nope.toml").string());
        CHECK(missing.error().message == "no such file");
        const auto directory = util::read_file(dir.path().string());
        REQUIRE(!directory);
        CHECK(directory.error().message == "is a directory");
        CHECK(directory.error().kind == ErrorKind::bad_input);
        // A FIFO with no writer must not hang the reader.
        REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
        const auto fifo = util::read_file((dir / "fifo").string());
        REQUIRE(!fifo);
        CHECK(fifo.error().message == "not a regular file");
    }
}
