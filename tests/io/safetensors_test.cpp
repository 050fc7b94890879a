// safetensors: round trip of every dtype, metadata, streaming writes, sharded checkpoints, and
// 20+ hand-made malformed files that must each give a clear error (never a crash; these tests
// also run under ASan+UBSan in CI).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace llmcp::io {
namespace {

using core::DType;

std::string make_file(const std::string& header, const std::string& data, int64_t len_override = -1) {
  uint64_t n = len_override >= 0 ? static_cast<uint64_t>(len_override) : header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, "test.safetensors");
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kMalformedFile) << e.what();
    return e.what();
  }
  return "";
}

TEST(SafetensorsTest, RoundTripEveryDtype) {
  testing::TempDir dir;
  const DType all[] = {DType::kF64, DType::kF32, DType::kF16, DType::kBF16, DType::kI64,
                       DType::kI32, DType::kI16, DType::kI8, DType::kU8, DType::kBool};
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<TensorData> tensors;
  int k = 0;
  for (DType t : all) {
    TensorSpec spec{"t_" + std::string(core::dtype_name(t)), t, {2, 3}};
    std::vector<uint8_t> bytes(spec.nbytes());
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 31 + k);
    if (t == DType::kBool) for (auto& b : bytes) b &= 1;
    payloads.push_back(std::move(bytes));
    tensors.push_back({spec, payloads.back().data()});
    ++k;
  }
  tensors.push_back({{"scalar", DType::kF32, {}}, payloads[1].data()});
  tensors.push_back({{"empty", DType::kF32, {0, 4}}, nullptr});
  save_safetensors(dir / "a.safetensors", tensors, {{"format", "pt"}});
  auto f = SafetensorsFile::open(dir / "a.safetensors");
  EXPECT_EQ(f->metadata().at("format"), "pt");
  ASSERT_EQ(f->tensors().size(), tensors.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    const auto& v = f->at(tensors[i].spec.name);
    EXPECT_EQ(v.dtype, tensors[i].spec.dtype);
    EXPECT_EQ(v.shape, tensors[i].spec.shape);
    ASSERT_EQ(v.nbytes, payloads[i].size());
    EXPECT_EQ(std::memcmp(v.data, payloads[i].data(), v.nbytes), 0) << v.name;
  }
  EXPECT_EQ(f->at("scalar").nbytes, 4u);
  EXPECT_EQ(f->at("empty").nbytes, 0u);
  // Data section is 8-byte aligned like the reference writer's.
  std::ifstream in(dir / "a.safetensors", std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST(SafetensorsTest, StreamingWriterChecksOrderAndCompleteness) {
  testing::TempDir dir;
  std::vector<float> a(6, 1.f);
  {
    SafetensorsWriter w(dir / "x.safetensors", {{"a", DType::kF32, {6}}, {"b", DType::kF32, {2}}});
    EXPECT_THROW(w.write("b", a.data(), 8), core::Error);  // out of order
    w.write("a", a.data(), 12);
    w.write("a", a.data() + 3, 12);  // in parts
    EXPECT_THROW(w.commit(), core::Error);  // "b" missing
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));  // nothing half-written is left
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SafetensorsTest, ShardedCheckpoint) {
  testing::TempDir dir;
  std::vector<float> v(4, 2.f);
  save_safetensors(dir / "model-00001-of-00002.safetensors", {{{"x", DType::kF32, {4}}, v.data()}});
  save_safetensors(dir / "model-00002-of-00002.safetensors", {{{"y", DType::kF32, {2, 2}}, v.data()}});
  nlohmann::json idx = {{"metadata", {{"total_size", 32}}},
                        {"weight_map", {{"x", "model-00001-of-00002.safetensors"}, {"y", "model-00002-of-00002.safetensors"}}}};
  std::ofstream(dir / "model.safetensors.index.json") << idx.dump();
  auto c = Checkpoint::open(dir.path());
  EXPECT_EQ(c.at("y").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(c.names().size(), 2u);
  EXPECT_THROW(c.at("z"), core::Error);

  idx["weight_map"]["z"] = "model-00002-of-00002.safetensors";  // listed but absent
  std::ofstream(dir / "model.safetensors.index.json") << idx.dump();
  EXPECT_THROW(Checkpoint::open(dir.path()), core::Error);
  idx["weight_map"].erase("z");
  idx["weight_map"]["w"] = "model-00003-of-00003.safetensors";  // missing shard
  std::ofstream(dir / "model.safetensors.index.json") << idx.dump();
  try {
    Checkpoint::open(dir.path());
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("model-00003-of-00003"), std::string::npos);
  }
}

struct Malformed {
  const char* name;
  std::string bytes;
  const char* expect;  // a fragment the message must contain
};

std::vector<Malformed> malformed_cases() {
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data8(8, '\1');
  return {
      {"empty_file", "", "too short"},
      {"seven_bytes", std::string(7, '\0'), "too short"},
      {"header_len_past_end", make_file("{}", "", 100), "past the end"},
      {"header_len_huge", make_file("{}", "", int64_t(1) << 40), "exceeds"},
      {"header_len_zero", make_file("", ""), "too small"},
      {"not_json", make_file("{not json}", ""), "not valid JSON"},
      {"not_object", make_file("[1,2,3]   ", ""), "start with '{'"},
      {"json_array_after_brace", make_file("{\"a\":}", ""), "not valid JSON"},
      {"truncated_json", make_file("{\"a\":{\"dtype\"", ""), "not valid JSON"},
      {"entry_not_object", make_file(R"({"a":5})", ""), "'a'"},
      {"unknown_dtype", make_file(R"({"w":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}})", "x"), "unknown dtype 'F8_E9'"},
      {"missing_dtype", make_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "xxxx"), "dtype"},
      {"missing_offsets", make_file(R"({"w":{"dtype":"F32","shape":[1]}})", "xxxx"), "data_offsets"},
      {"negative_shape", make_file(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"), "non-negative"},
      {"float_shape", make_file(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "xxxx"), "non-negative"},
      {"size_mismatch", make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "needs 12 bytes"},
      {"huge_shape_overflow",
       make_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", data8), "overflows"},
      {"huge_shape_no_data",
       make_file(R"({"w":{"dtype":"U8","shape":[1000000000],"data_offsets":[0,1000000000]}})", data8), "past the data"},
      {"zero_dim_hides_overflow",
       make_file(R"({"w":{"dtype":"F32","shape":[4611686018427387904,4,0],"data_offsets":[0,0]}})", ""), "overflows"},
      {"end_before_begin", make_file(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", data8), "< begin"},
      {"offsets_past_end", make_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8), "past the data"},
      {"overlap",
       make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 data8),
       "overlaps"},
      {"gap", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "gap"},
      {"trailing_bytes", make_file("{" + ok_entry + "}", data8 + "junk"), "trailing"},
      {"truncated_data", make_file("{" + ok_entry + "}", "\1\1\1"), "past the data"},
      {"metadata_not_strings", make_file(R"({"__metadata__":{"a":1}})", ""), "__metadata__"},
      {"offsets_three", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", data8), "two integers"},
  };
}

TEST(SafetensorsTest, MalformedFilesGiveClearErrors) {
  auto cases = malformed_cases();
  EXPECT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    std::string msg = parse_error(c.bytes);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": got '" << msg << "'";
    EXPECT_NE(msg.find("test.safetensors"), std::string::npos) << c.name << " should name the file: " << msg;
  }
}

TEST(SafetensorsTest, MalformedFileOnDiskNamesPath) {
  testing::TempDir dir;
  std::ofstream(dir / "bad.safetensors") << "garbage!";
  try {
    SafetensorsFile::open(dir / "bad.safetensors");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos);
  }
  EXPECT_THROW(SafetensorsFile::open(dir / "missing.safetensors"), core::Error);
}

TEST(SafetensorsTest, RandomBytesNeverCrash) {
  // Mutations of a valid file: every outcome is either a parse or a clean error.
  testing::TempDir dir;
  std::vector<float> v(16, 1.f);
  save_safetensors(dir / "v.safetensors", {{{"w", DType::kF32, {4, 4}}, v.data()}, {{"b", DType::kF32, {}}, v.data()}});
  std::ifstream in(dir / "v.safetensors", std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), {});
  uint32_t state = 12345;
  for (int i = 0; i < 3000; ++i) {
    std::string b = good;
    int flips = 1 + i % 4;
    for (int f = 0; f < flips; ++f) {
      state = state * 1664525u + 1013904223u;
      b[state % b.size()] = static_cast<char>(state >> 24);
    }
    if (i % 7 == 0) b.resize(state % b.size());
    try {
      parse_safetensors({reinterpret_cast<const std::byte*>(b.data()), b.size()}, "fuzz");
    } catch (const core::Error&) {
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace llmcp::io
