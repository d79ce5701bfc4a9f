// Content digests; see digest.hpp.
#include "images/digest.hpp"

namespace berth::images {

Result<Digest> parse_digest(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Error(Code::Config, "digest " + std::string(text) + ": no algorithm");
  Digest d{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  size_t want = d.algorithm == "sha256" ? 64 : d.algorithm == "sha512" ? 128 : 0;
  if (!want)
    return Error(Code::Unsupported,
                 "digest " + std::string(text) + ": the algorithm is sha256 or sha512, not " + d.algorithm);
  bool hex = d.hex.size() == want;
  for (char c : d.hex) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex)
    return Error(Code::Config,
                 "digest " + std::string(text) + ": not " + std::to_string(want) + " lower-case hex digits");
  return d;
}

Hasher::Hasher(const std::string& algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  EVP_DigestInit_ex(ctx_.get(), algorithm == "sha512" ? EVP_sha512() : EVP_sha256(), nullptr);
}

void Hasher::update(const void* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }

Digest Hasher::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; i++) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return {algorithm_, hex};
}

Digest digest_of(std::string_view data, const std::string& algorithm) {
  Hasher h(algorithm);
  h.update(data.data(), data.size());
  return h.finish();
}

}  // namespace berth::images
