// The checksums the Hub publishes for a file, computed with OpenSSL: an LFS file's ETag is the
// sha256 of its bytes, a small (git-stored) file's ETag is its git blob id, the sha1 of
// "blob <size>\0" followed by the bytes. A download is verified against one of them before it
// enters the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace llmcp::io::hub {

enum class DigestKind { kSha256, kGitBlobSha1 };

// Streaming digest; hex() finishes it.
class Digest {
 public:
  // kGitBlobSha1 needs the total size up front (it is hashed before the bytes).
  Digest(DigestKind kind, uint64_t total_size = 0);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();  // lowercase hex

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The digest of a file's bytes (read in 1 MiB pieces); throws kIo when it cannot be read.
std::string file_digest(const std::filesystem::path& path, DigestKind kind);
// Which digest an ETag is: 64 hex digits = sha256 (LFS), 40 = git blob sha1.
DigestKind digest_kind_of_etag(const std::string& etag);

}  // namespace llmcp::io::hub
