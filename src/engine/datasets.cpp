// validate_dataset; see datasets.h.
#include "engine/datasets.h"

#include "core/error.h"
#include "train/data/dataset.h"

namespace llmcp::engine {

nlohmann::json validate_dataset(const ValidateDatasetRequest& req) {
  LLMCP_CHECK(req.max_errors >= 0, kInvalidArgument, "max_errors must be >= 0");
  data::DataOptions opt;
  opt.max_seq_len = req.seq_len;
  opt.template_name = req.chat_template;
  auto ctx = data::DataContext::from_model_dir(req.model_dir, opt);
  const auto ds = ctx.load(req.data_path);
  nlohmann::json j = nlohmann::json::parse(data::summary_json(ds).dump());
  j["errors"] = nlohmann::json::array();
  for (size_t i = 0; i < std::min<size_t>(static_cast<size_t>(req.max_errors), ds.errors.size()); ++i)
    j["errors"].push_back({{"line", ds.errors[i].line}, {"reason", ds.errors[i].reason}});
  j["errors_total"] = ds.errors.size();
  j["ignored_keys"] = ds.ignored_keys;
  if (ds.examples.empty()) return j;
  // The first example as the model sees it: runs of trained and context tokens, decoded.
  const auto& e = ds.examples.front();
  const auto& tok = ctx.tokenizer();
  std::string text, marked;
  int64_t trained = 0;
  size_t start = 0;
  for (size_t i = 1; i <= e.ids.size(); ++i) {
    if (i < e.ids.size() && e.mask[i] == e.mask[start]) continue;
    const std::vector<int32_t> run(e.ids.begin() + static_cast<ptrdiff_t>(start), e.ids.begin() + static_cast<ptrdiff_t>(i));
    const std::string piece = tok.decode(run);
    text += piece;
    marked += e.mask[start] ? "\u27e6" + piece + "\u27e7" : piece;
    if (e.mask[start]) trained += static_cast<int64_t>(run.size());
    start = i;
  }
  j["example"] = {{"line", e.line}, {"text", text}, {"marked", marked}, {"tokens", e.ids.size()}, {"trained_tokens", trained}};
  return j;
}

}  // namespace llmcp::engine
