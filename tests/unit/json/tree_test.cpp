// json::Document and json::Value: parsing, lookup, strict integers and the
// pre-scan that guards yajl_tree.
#include "libcontainer/json/tree.hpp"

#include <doctest/doctest.h>

#include "libcontainer/json/writer.hpp"

using namespace berth::json;

TEST_CASE("tree: values and lookups") {
  auto d = Document::parse(R"({"s":"x","n":-12,"b":true,"z":null,"a":[1,"2"],"o":{"k":"v"},"s":"last"})");
  REQUIRE(d.ok());
  Value r = d->root();
  CHECK(r.is_object());
  CHECK(r.size() == 7);
  CHECK(r.get("s").as_string() == "last");  // the last duplicate wins, as in Go
  int64_t n = 0;
  CHECK(r.get("n").to_int64(n));
  CHECK(n == -12);
  uint64_t u = 0;
  CHECK_FALSE(r.get("n").to_uint64(u));
  CHECK(r.get("b").as_bool());
  CHECK(r.get("z").is_null());
  CHECK(r.get("a").at(1).as_string() == "2");
  CHECK_FALSE(r.get("a").at(2).present());
  CHECK(r.get("o").get("k").as_string() == "v");
  CHECK(r.key_at(0) == "s");
  CHECK_FALSE(r.get("missing").present());
  CHECK(std::string(r.get("missing").kind_name()) == "nothing");
  CHECK(std::string(r.get("a").kind_name()) == "array");
}

TEST_CASE("tree: integers are read from the text, strictly") {
  auto d = Document::parse(R"([18446744073709551615, 18446744073709551616, 1.0, 1e2, -9223372036854775808, -0])");
  REQUIRE(d.ok());
  Value a = d->root();
  uint64_t u = 0;
  int64_t i = 0;
  CHECK(a.at(0).to_uint64(u));
  CHECK(u == UINT64_MAX);
  CHECK_FALSE(a.at(0).to_int64(i));
  CHECK_FALSE(a.at(1).to_uint64(u));
  CHECK_FALSE(a.at(2).to_int64(i));
  CHECK_FALSE(a.at(3).to_int64(i));
  CHECK(a.at(4).to_int64(i));
  CHECK(i == INT64_MIN);
  CHECK(a.at(5).to_int64(i));
  CHECK(i == 0);
}

TEST_CASE("tree: syntax errors are reported") {
  auto d = Document::parse("{\"a\": [1, }");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code() == berth::Code::Config);
  CHECK(d.error().message().find("invalid JSON") == 0);
  CHECK_FALSE(Document::parse("").ok());
}

TEST_CASE("tree: pre-scan refuses what yajl_tree would mangle") {
  CHECK_FALSE(Document::parse(R"({"a":"x\u0000y"})").ok());
  CHECK(Document::parse(R"({"a":"x\\u0000y"})").ok());  // an escaped backslash, then text
  CHECK_FALSE(Document::parse(std::string_view("{}\0{", 4)).ok());
  CHECK_FALSE(Document::parse("{/* c */}").ok());
  CHECK(Document::parse(R"({"url":"http://x/*y*/"})").ok());
  CHECK(Document::parse(std::string(10, '[') + std::string(10, ']'), 10).ok());
  CHECK_FALSE(Document::parse(std::string(11, '[') + std::string(11, ']'), 10).ok());
}

TEST_CASE("tree: the string view need not be NUL-terminated") {
  std::string text = R"({"a":1}garbage)";
  CHECK(Document::parse(std::string_view(text).substr(0, 7)).ok());
}

TEST_CASE("tree: writer output parses back") {
  Writer w;
  w.begin_object().field("k", "a\"\\\n\x01<").field_uint("u", 7).end_object();
  auto d = Document::parse(w.str());
  REQUIRE(d.ok());
  CHECK(d->root().get("k").as_string() == "a\"\\\n\x01<");
}

TEST_CASE("tree: pointer tokens are escaped") {
  std::string p;
  append_pointer_token(p, "a/b~c");
  append_pointer_token(p, "");
  CHECK(p == "/a~1b~0c/");
}

TEST_CASE("tree: invalid UTF-8 is refused with its byte offset and the path of its value") {
  std::string text =
      "{\"process\":{\"args\":[\"sh\",\"i\xff"
      "d\"],\"cwd\":\"/\"}}";
  size_t at = text.find('\xff');
  auto d = Document::parse(text);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code() == berth::Code::Config);
  CHECK(d.error().json_path() == "/process/args/1");
  CHECK(d.error().message().find("not valid UTF-8: byte 0xff at byte offset " + std::to_string(at)) !=
        std::string::npos);
  // Overlong, surrogate, truncated and stray continuation bytes; in a key the
  // path is the object's.
  const std::pair<std::string, std::string> cases[] = {
      {"{\"a\":{\"b\":\"\xc0\xaf\"}}", "/a/b"},
      {"{\"a\":[1,{\"k\":\"\xed\xa0\x80\"}]}", "/a/1/k"},
      {"{\"a\":\"x\xe2\x82\"}", "/a"},
      {"[\"\x80\"]", "/0"},
      {"{\"a\":{\"k\xff\":1}}", "/a"},
      {"{\"a~/b\":\"\xff\"}", "/a~0~1b"},
      {"\xff", ""},
  };
  for (const auto& [t, path] : cases) {
    auto r = Document::parse(t);
    REQUIRE_FALSE_MESSAGE(r.ok(), t);
    CHECK_MESSAGE(r.error().json_path() == path, t);
    CHECK(r.error().message().find("byte offset " + std::to_string(t.find_first_of("\x80\xc0\xed\xe2\xff"))) !=
          std::string::npos);
  }
  // Valid multi-byte text passes: 2, 3 and 4 byte sequences.
  CHECK(Document::parse("{\"a\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}").ok());
}

TEST_CASE("tree: NUL bytes, \\u0000 and comments also name their offset and path") {
  auto nul = Document::parse(std::string_view("{\"a\":[\"x\0\"]}", 12));
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.error().json_path() == "/a/0");
  CHECK(nul.error().message().find("byte offset 8") != std::string::npos);
  auto esc = Document::parse(R"({"env":{"k":"x\u0000"}})");
  REQUIRE_FALSE(esc.ok());
  CHECK(esc.error().json_path() == "/env/k");
}
