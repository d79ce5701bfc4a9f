// The image documents as the puller reads them: digests, indexes and
// platforms, manifests, configs, layer media types; and the store's names.
#include <doctest/doctest.h>

#include "images/digest.hpp"
#include "images/manifest.hpp"
#include "images/store.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using namespace berth::images;

TEST_CASE("images: digests are sha256 or sha512 of lower-case hex of the right length") {
  std::string hex(64, 'a');
  CHECK(parse_digest("sha256:" + hex).ok());
  CHECK(parse_digest("sha512:" + std::string(128, '0')).ok());
  CHECK_FALSE(parse_digest("sha256:" + std::string(63, 'a')).ok());
  CHECK_FALSE(parse_digest("sha256:" + std::string(64, 'A')).ok());
  CHECK_FALSE(parse_digest("sha256:../../../../etc/passwd").ok());
  CHECK(parse_digest("md5:abc").error().message().find("sha256 or sha512") != std::string::npos);
  CHECK_FALSE(parse_digest(hex).ok());
  CHECK(digest_of("").str() == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("images: an index picks this platform's manifest, a variant matching loosely; none names the platforms") {
  std::string h(64, '1'), h2(64, '2'), h3(64, '3');
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                      h +
                      R"(","size":10,"platform":{"os":"linux","architecture":"amd64"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                      h2 +
                      R"(","size":10,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                      h3 + R"(","size":10,"platform":{"os":"windows","architecture":"amd64"}}]})";
  CHECK(is_index(index));
  auto e = parse_index(index);
  REQUIRE(e.ok());
  Platform amd64{"linux", "amd64", ""}, arm64{"linux", "arm64", ""}, s390{"linux", "s390x", ""};
  CHECK(select_platform(*e, amd64)->digest.hex == h);
  CHECK(select_platform(*e, arm64)->digest.hex == h2);
  auto none = select_platform(*e, s390);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message().find("linux/amd64, linux/arm64/v8, windows/amd64") != std::string::npos);
}

TEST_CASE("images: a manifest's layers must be a type berth can unpack; schema 1 is refused by name") {
  std::string h(64, 'a');
  auto layer = [&](const std::string& mt) {
    return R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)" +
           h + R"(","size":1},"layers":[{"mediaType":")" + mt + R"(","digest":"sha256:)" + h + R"(","size":1}]})";
  };
  CHECK(parse_manifest(layer("application/vnd.oci.image.layer.v1.tar+gzip")).ok());
  CHECK(parse_manifest(layer("application/vnd.oci.image.layer.v1.tar+zstd")).ok());
  CHECK(parse_manifest(layer("application/vnd.docker.image.rootfs.diff.tar.gzip")).ok());
  auto foreign = parse_manifest(layer("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"));
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().message().find("foreign") != std::string::npos);
  CHECK(parse_manifest(R"({"schemaVersion":1,"fsLayers":[]})").error().message().find("schema 1") != std::string::npos);
  CHECK_FALSE(parse_manifest(layer("application/x-tar; evil")).ok());
}

TEST_CASE("images: a config gives the process and its diff ids; rootfs.type must be layers") {
  std::string h(64, 'b');
  auto c = parse_config(R"({"os":"linux","architecture":"amd64","config":{"Entrypoint":["/e"],"Cmd":["a","b"],
    "Env":["A=1"],"WorkingDir":"/w","User":"u:g","Volumes":{"/v":{}},"Labels":{"k":"v"}},
    "rootfs":{"type":"layers","diff_ids":["sha256:)" +
                        h + R"("]}})");
  REQUIRE(c.ok());
  CHECK(c->entrypoint == std::vector<std::string>{"/e"});
  CHECK(c->cmd.size() == 2);
  CHECK(c->working_dir == "/w");
  CHECK(c->user == "u:g");
  CHECK(c->volumes == std::vector<std::string>{"/v"});
  CHECK(c->labels.at("k") == "v");
  CHECK(c->diff_ids.at(0).hex == h);
  CHECK_FALSE(parse_config(R"({"rootfs":{"type":"other","diff_ids":[]}})").ok());
}

TEST_CASE("images: the store names images, finds them by name, :latest, id or id prefix, and forgets them") {
  test::TempTree t;
  Store s(t.path() + "/store");
  REQUIRE(s.init().ok());
  ImageRecord r;
  r.name = "a:latest";
  r.manifest = digest_of("m");
  r.config = digest_of("c");
  REQUIRE(s.put_image(r).ok());
  CHECK(s.find("a")->name == "a:latest");
  CHECK(s.find(r.manifest.hex.substr(0, 12))->name == "a:latest");
  CHECK_FALSE(s.find(r.manifest.hex.substr(0, 6)).ok());
  CHECK(s.find(r.manifest.str())->name == "a:latest");
  REQUIRE(s.remove_image("a:latest").ok());
  CHECK(s.find("a").error().code() == Code::NotFound);
  // a blob whose content is not its digest never becomes visible
  Digest d = digest_of("right");
  CHECK_FALSE(s.put_blob(d, "wrong").ok());
  CHECK_FALSE(s.has_blob(d));
  CHECK(s.put_blob(d, "right").ok());
  CHECK(s.read_blob(d).value_or("") == "right");
}
