// json::Writer: structure, compact and indented layout, escaping.
#include "libcontainer/json/writer.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using berth::json::Writer;

TEST_CASE("writer: compact objects and arrays") {
  Writer w;
  w.begin_object().field("a", "x").field_int("b", -3).field_uint("c", UINT64_MAX).field_bool("d", true);
  w.key("e").null().key("f").begin_array().int64(1).string("two").begin_object().end_object().end_array();
  w.end_object();
  CHECK(w.str() == R"({"a":"x","b":-3,"c":18446744073709551615,"d":true,"e":null,"f":[1,"two",{}]})");
}

TEST_CASE("writer: indented like Go's MarshalIndent") {
  Writer w(Writer::Options{"  ", false});
  w.begin_object().field_strings("empty", {}).field_strings("one", {"x"});
  w.key("obj").begin_object().end_object().end_object();
  CHECK(w.str() == "{\n  \"empty\": [],\n  \"one\": [\n    \"x\"\n  ],\n  \"obj\": {}\n}");
}

TEST_CASE("writer: top-level scalars") {
  CHECK(Writer().int64(INT64_MIN).str() == "-9223372036854775808");
  CHECK(Writer().boolean(false).str() == "false");
  CHECK(Writer().string("").str() == "\"\"");
}

TEST_CASE("writer: strings are escaped") {
  std::string s = Writer().string("q\" b\\ \n\r\t \x01 \x1f /").str();
  CHECK(s == R"("q\" b\\ \n\r\t \u0001 \u001f /")");
  CHECK(Writer().string(std::string_view("a\0b", 3)).str() == R"("a\u0000b")");
}

TEST_CASE("writer: html characters are escaped only on request") {
  CHECK(Writer().string("<a&b>").str() == R"("<a&b>")");
  CHECK(Writer(Writer::Options{"", true}).string("<a&b>").str() == R"("\u003ca\u0026b\u003e")");
}

TEST_CASE("writer: valid UTF-8 passes, invalid bytes become U+FFFD") {
  CHECK(Writer().string("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80").str() ==
        "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(Writer()
            .string("a\xff"
                    "b")
            .str() ==
        "\"a\xef\xbf\xbd"
        "b\"");
  CHECK(Writer().string("\xc0\xaf").str() == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
  CHECK(Writer().string("\xed\xa0\x80").str() == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
  CHECK(Writer().string("\xe2\x82").str() == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // truncated
  CHECK(Writer().string("\xe2\x80\xa8").str() == R"("\u2028")");
}

TEST_CASE("writer: take moves the text out") {
  Writer w;
  w.begin_array().end_array();
  CHECK(w.take() == "[]");
}
