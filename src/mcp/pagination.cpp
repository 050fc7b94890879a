// Cursors are "<list>:<offset>" in base64url: opaque to clients, checkable here.
#include "mcp/pagination.h"

#include <algorithm>

namespace llmcp::mcp {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(const std::string& s) {
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : s) {
    val = ((val << 8) | c) & 0xFFFFFFu;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

bool decode(const std::string& s, std::string& out) {
  unsigned val = 0;
  int bits = -8;
  for (char c : s) {
    const char* p = std::find(kAlphabet, kAlphabet + 64, c);
    if (p == kAlphabet + 64) return false;
    val = ((val << 6) | static_cast<unsigned>(p - kAlphabet)) & 0xFFFFFFu;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return true;
}

}  // namespace

Page page_of(const Json& params, size_t size, size_t page_size, const std::string& list) {
  size_t begin = 0;
  if (params.is_object() && params.contains("cursor") && !params["cursor"].is_null()) {
    const auto& c = params["cursor"];
    std::string raw;
    const std::string prefix = list + ":";
    if (!c.is_string() || !decode(c.get<std::string>(), raw) || raw.rfind(prefix, 0) != 0)
      throw RpcError(kInvalidParams, "invalid cursor for " + list + ": pass back a nextCursor this server returned");
    try {
      size_t used = 0;
      begin = std::stoul(raw.substr(prefix.size()), &used);
      if (used != raw.size() - prefix.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw RpcError(kInvalidParams, "invalid cursor for " + list + ": pass back a nextCursor this server returned");
    }
    begin = std::min(begin, size);
  }
  Page p;
  p.begin = begin;
  p.end = std::min(size, begin + std::max<size_t>(page_size, 1));
  if (p.end < size) p.next_cursor = encode(list + ":" + std::to_string(p.end));
  return p;
}

}  // namespace llmcp::mcp
