// Encode throughput of our tokenizer, for bench/run.sh to put beside @huggingface/tokenizers
// (tools/tokenizer/hf_encode.mjs --bench) on the same corpus in the same run. Both sides encode
// every line once to warm up (both cache BPE results per word), then time `repeats` passes.
//   tokenizer_bench --write-corpus FILE          writes the mixed test corpus (5,200 lines)
//   tokenizer_bench --tokenizer DIR --corpus FILE --repeats N   prints {"bytes", "seconds", "tokens"}
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "tokenizer/mixed_corpus.h"
#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  using llmcp::tokenizer::Tokenizer;
  std::string dir, corpus_path, write_path;
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--tokenizer") dir = argv[i + 1];
    else if (a == "--corpus") corpus_path = argv[i + 1];
    else if (a == "--repeats") repeats = std::stoi(argv[i + 1]);
    else if (a == "--write-corpus") write_path = argv[i + 1];
  }
  try {
    if (!write_path.empty()) {
      std::string text;
      for (const auto& line : llmcp::tokenizer::test::mixed_corpus()) {
        std::string l = line;
        for (char& c : l) if (c == '\n' || c == '\r') c = ' ';  // one corpus line per file line
        text += l + "\n";
      }
      text.pop_back();
      llmcp::core::write_file_atomic(write_path, text);
      return 0;
    }
    const Tokenizer tok = Tokenizer::from_dir(dir);
    std::vector<std::string> lines;
    std::istringstream in(llmcp::core::read_file(corpus_path));
    size_t bytes = 0;
    for (std::string l; std::getline(in, l);) {
      bytes += l.size();
      lines.push_back(std::move(l));
    }
    for (const auto& l : lines) tok.encode(l, false);
    size_t tokens = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) {
      for (const auto& l : lines) tokens += tok.encode(l, false).size();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << nlohmann::json{{"bytes", bytes * repeats}, {"seconds", seconds}, {"tokens", tokens}}.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tokenizer_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
