// Parses the post-processor (see post_processor.h): walks TemplateProcessing.single and resolves
// each SpecialToken through the template's own special_tokens table, as tokenizers does.
#include "tokenizer/post_processor.h"

namespace llmcp::tokenizer {
namespace {

void parse_template(const Json& j, PostProcessor& pp) {
  constexpr std::string_view where = "post_processor TemplateProcessing";
  const Json& single = require(j, "single", where);
  LLMCP_CHECK(single.is_array(), kMalformedFile, where, ".single should be a list");
  const Json& specials = j.contains("special_tokens") ? j["special_tokens"] : Json::object();
  pp.has_template = true;
  pp.prefix.clear();
  pp.suffix.clear();
  bool after_sequence = false;
  for (const Json& item : single) {
    if (item.is_object() && item.contains("Sequence")) {
      const std::string id = get_string(item["Sequence"], "id", where);
      LLMCP_CHECK(id == "A", kUnsupported, "tokenizer.json: ", where,
                  ".single uses sequence '", id, "'; only 'A' makes sense for one text");
      after_sequence = true;
      continue;
    }
    LLMCP_CHECK(item.is_object() && item.contains("SpecialToken"), kMalformedFile, where,
                ".single items should be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    const std::string name = get_string(item["SpecialToken"], "id", where);
    const auto it = specials.find(name);
    LLMCP_CHECK(it != specials.end(), kMalformedFile, where, " uses special token '", name,
                "' missing from its special_tokens table");
    const Json& ids = require(*it, "ids", where);
    LLMCP_CHECK(ids.is_array(), kMalformedFile, where, ".special_tokens['", name, "'].ids should be a list");
    for (const Json& id : ids) {
      LLMCP_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < INT32_MAX,
                  kMalformedFile, where, ".special_tokens['", name, "'].ids holds a bad id");
      (after_sequence ? pp.suffix : pp.prefix).push_back(static_cast<int32_t>(id.get<int64_t>()));
    }
  }
}

void parse(const Json& j, PostProcessor& pp) {
  const std::string type = component_type(j, "post_processor");
  if (type == "TemplateProcessing") {
    parse_template(j, pp);
  } else if (type == "Sequence") {
    const Json& list = require(j, "processors", "post_processor Sequence");
    LLMCP_CHECK(list.is_array(), kMalformedFile, "post_processor Sequence.processors should be a list");
    for (const Json& item : list) {
      if (!item.is_null()) parse(item, pp);
    }
  } else if (type != "ByteLevel") {
    fail_unsupported("post_processor", type, "TemplateProcessing, ByteLevel, Sequence");
  }
}

}  // namespace

PostProcessor PostProcessor::from_json(const Json& j) {
  PostProcessor pp;
  if (!j.is_null()) parse(j, pp);
  return pp;
}

}  // namespace llmcp::tokenizer
