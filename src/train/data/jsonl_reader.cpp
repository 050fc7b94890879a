// Buffered line reader (see jsonl_reader.h): 1 MB reads, a line is assembled from the buffer until
// its newline, and past the cap its bytes are counted but not kept.
#include "train/data/jsonl_reader.h"

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace llmcp::data {

namespace fs = std::filesystem;

JsonlReader::JsonlReader(const fs::path& path, size_t max_line_bytes)
    : buffer_(1u << 20), max_line_bytes_(max_line_bytes) {
  LLMCP_CHECK(fs::exists(path), kNotFound, "dataset '", path.string(), "' does not exist");
  LLMCP_CHECK(!fs::is_directory(path), kInvalidArgument, "dataset '", path.string(),
              "' is a folder; give the path of a .jsonl file (one JSON object per line)");
  in_.open(path, std::ios::binary);
  LLMCP_CHECK(in_.is_open(), kIo, "cannot open dataset '", path.string(), "': ", std::strerror(errno));
}

bool JsonlReader::fill() {
  if (eof_) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  pos_ = 0;
  end_ = static_cast<size_t>(in_.gcount());
  LLMCP_CHECK(!in_.bad(), kIo, "reading the dataset failed after line ", number_);
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

bool JsonlReader::next(JsonlLine& line) {
  line.text.clear();
  line.too_long = false;
  size_t length = 0;
  bool any = false;
  while (pos_ < end_ || fill()) {
    any = true;
    const char* begin = buffer_.data() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
    const size_t n = nl ? static_cast<size_t>(nl - begin) : end_ - pos_;
    length += n;
    if (length > max_line_bytes_) {
      line.too_long = true;
      line.text.clear();
      line.text.shrink_to_fit();
    } else {
      line.text.append(begin, n);
    }
    pos_ += n;
    if (nl) {
      ++pos_;
      break;
    }
  }
  if (!any) return false;
  line.number = ++number_;
  if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
  if (line.number == 1 && line.text.starts_with("\xEF\xBB\xBF")) line.text.erase(0, 3);
  return true;
}

}  // namespace llmcp::data
