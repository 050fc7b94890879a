// The tool-argument validator: each keyword our schemas use accepts what JSON Schema accepts and
// refuses the rest with a message naming the field.
#include "mcp/json_schema.h"

#include <gtest/gtest.h>

namespace llmcp::mcp {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 5},
    "n": {"type": "integer", "minimum": 1, "maximum": 10},
    "p": {"type": "number", "exclusiveMinimum": 0},
    "mode": {"type": "string", "enum": ["a", "b"]},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "cfg": {"type": ["object", "string"]},
    "opt": {"type": ["integer", "null"]}
  },
  "required": ["name"],
  "additionalProperties": false
})");

TEST(JsonSchemaTest, AcceptsValidValues) {
  EXPECT_FALSE(schema_violation(kSchema, json{{"name", "ab"}}));
  EXPECT_FALSE(schema_violation(kSchema, json{{"name", "ab"}, {"n", 10}, {"p", 0.5}, {"mode", "b"},
                                              {"tags", {"x", "y"}}, {"cfg", "text"}, {"opt", nullptr}}));
  EXPECT_FALSE(schema_violation(kSchema, json{{"name", "ab"}, {"n", 3.0}}));  // 3.0 is an integer in JSON Schema
  EXPECT_FALSE(schema_violation(kSchema, json{{"name", "\u00e9\u00e9\u00e9\u00e9\u00e9"}}));  // 5 code points
}

TEST(JsonSchemaTest, RefusalsNameTheField) {
  struct Case {
    json value;
    const char* expected;
  };
  for (const auto& c : {Case{json::object(), "missing required field \"name\""},
                        Case{{{"name", "ab"}, {"nme", 1}}, "unknown field \"nme\""},
                        Case{{{"name", 3}}, "name: expected a string"},
                        Case{{{"name", ""}}, "name: must be at least 1"},
                        Case{{{"name", "abcdef"}}, "name: must be at most 5"},
                        Case{{{"name", "a"}, {"n", 0}}, "n: must be >= 1"},
                        Case{{{"name", "a"}, {"n", 11}}, "n: must be <= 10"},
                        Case{{{"name", "a"}, {"n", 2.5}}, "n: expected an integer"},
                        Case{{{"name", "a"}, {"n", 1e300}}, "n: expected an integer"},  // beyond int64
                        Case{{{"name", "a"}, {"n", 18446744073709551615ull}}, "n: expected an integer"},
                        Case{{{"name", "a"}, {"p", 0}}, "p: must be > 0"},
                        Case{{{"name", "a"}, {"mode", "c"}}, "mode: must be one of"},
                        Case{{{"name", "a"}, {"tags", {"x", 1}}}, "tags[1]: expected a string"},
                        Case{{{"name", "a"}, {"tags", {"x", "y", "z"}}}, "tags: takes at most 2"},
                        Case{{{"name", "a"}, {"cfg", 1}}, "cfg: expected object or string"},
                        Case{{{"name", "a"}, {"opt", "x"}}, "opt: expected integer or null"},
                        Case{json::array(), "expected an object"}}) {
    auto e = schema_violation(kSchema, c.value);
    ASSERT_TRUE(e.has_value()) << c.value.dump();
    EXPECT_NE(e->find(c.expected), std::string::npos) << *e;
  }
}

TEST(JsonSchemaTest, AnyOfAndBooleanSchemas) {
  const json s = json::parse(R"({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]})");
  EXPECT_FALSE(schema_violation(s, "x"));
  EXPECT_FALSE(schema_violation(s, 4));
  EXPECT_TRUE(schema_violation(s, -1));
  EXPECT_TRUE(schema_violation(false, 1));
  EXPECT_FALSE(schema_violation(true, 1));
}

}  // namespace
}  // namespace llmcp::mcp
