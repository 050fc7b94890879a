// sha256 and git blob ids through OpenSSL's EVP interface; see digest.h.
#include "io/hub/digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <vector>

#include "core/error.h"

namespace llmcp::io::hub {

struct Digest::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Digest::Digest(DigestKind kind, uint64_t total_size) : impl_(std::make_unique<Impl>()) {
  LLMCP_CHECK(impl_->ctx != nullptr, kInternal, "OpenSSL could not create a digest context");
  const EVP_MD* md = kind == DigestKind::kSha256 ? EVP_sha256() : EVP_sha1();
  LLMCP_CHECK(EVP_DigestInit_ex(impl_->ctx, md, nullptr) == 1, kInternal, "OpenSSL could not start a digest");
  if (kind == DigestKind::kGitBlobSha1) {
    const std::string header = "blob " + std::to_string(total_size);
    update(header.c_str(), header.size() + 1);  // the NUL after the size is part of git's header
  }
}

Digest::~Digest() = default;

void Digest::update(const void* data, size_t size) {
  LLMCP_CHECK(EVP_DigestUpdate(impl_->ctx, data, size) == 1, kInternal, "OpenSSL digest update failed");
}

std::string Digest::hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  LLMCP_CHECK(EVP_DigestFinal_ex(impl_->ctx, out, &n) == 1, kInternal, "OpenSSL digest failed");
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < n; ++i) {
    s += digits[out[i] >> 4];
    s += digits[out[i] & 15];
  }
  return s;
}

std::string file_digest(const std::filesystem::path& path, DigestKind kind) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  LLMCP_CHECK(!ec, kIo, "cannot read ", path.string(), ": ", ec.message());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  LLMCP_CHECK(f != nullptr, kIo, "cannot open ", path.string());
  Digest d(kind, size);
  std::vector<char> buf(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) d.update(buf.data(), n);
  LLMCP_CHECK(!std::ferror(f.get()), kIo, "error reading ", path.string());
  return d.hex();
}

DigestKind digest_kind_of_etag(const std::string& etag) {
  return etag.size() == 64 ? DigestKind::kSha256 : DigestKind::kGitBlobSha1;
}

}  // namespace llmcp::io::hub
