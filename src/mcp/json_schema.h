// The part of JSON Schema 2020-12 our tools' schemas use (type, properties, required,
// additionalProperties, items, enum, const, numeric and length bounds, anyOf), so bad tool
// arguments get a message naming the field instead of a failure deep in the engine. Clients
// validate our outputs with a full validator (the SDK's); tests do the same.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace llmcp::mcp {

// nullopt when `value` satisfies `schema`; else the first problem, e.g.
// "max_new_tokens: expected an integer, got \"ten\"". `where` names the root ("" = none).
std::optional<std::string> schema_violation(const nlohmann::json& schema, const nlohmann::json& value,
                                            const std::string& where = "");

}  // namespace llmcp::mcp
