// Reads a JSONL file one line at a time, so datasets larger than memory can be checked, with a cap
// on the length of one line (a file without newlines must not be read whole into one string).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace llmcp::data {

constexpr size_t kMaxLineBytes = 16u << 20;  // 16 MB

struct JsonlLine {
  int64_t number = 0;       // 1-based
  std::string text;         // without the line break (and "\r"); empty when too long
  bool too_long = false;    // longer than the cap: text dropped, the rest of the line skipped
};

class JsonlReader {
 public:
  // Throws core::Error (kNotFound / kIo) when the file is missing, a folder, or unreadable.
  explicit JsonlReader(const std::filesystem::path& path, size_t max_line_bytes = kMaxLineBytes);
  // The next line; false at the end of the file. A UTF-8 byte order mark on line 1 is dropped.
  bool next(JsonlLine& line);

 private:
  bool fill();
  std::ifstream in_;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  size_t max_line_bytes_;
  int64_t number_ = 0;
  bool eof_ = false;
};

}  // namespace llmcp::data
