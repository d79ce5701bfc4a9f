// Content digests ("sha256:<64 hex>", "sha512:<128 hex>") as the OCI image
// spec writes them, and a hasher fed as bytes go by (OpenSSL's libcrypto).
// Every blob berth keeps or reads is checked against the digest that names
// it before anything uses it.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"

namespace berth::images {

struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string hex;        // lower-case, its length checked
  std::string str() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
};

// Refuses any other algorithm, an encoded part of the wrong length or with
// anything but lower-case hex (a digest names a file of the store).
Result<Digest> parse_digest(std::string_view text);

class Hasher {
 public:
  explicit Hasher(const std::string& algorithm = "sha256");
  void update(const void* data, size_t n);
  // The digest of everything fed so far (once).
  Digest finish();

 private:
  std::string algorithm_;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

Digest digest_of(std::string_view data, const std::string& algorithm = "sha256");

}  // namespace berth::images
