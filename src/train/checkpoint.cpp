// Checkpoint folders: write beside, rename into place, rotate.
#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>

#include <algorithm>
#include <mutex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/tensor_view.h"

namespace llmcp::train {
namespace {

int64_t step_of(const std::filesystem::path& p) {
  const auto name = p.filename().string();
  if (name.rfind("checkpoint-", 0) != 0) return -1;
  try {
    size_t pos = 0;
    const auto n = std::stoll(name.substr(11), &pos);
    return pos == name.size() - 11 ? n : -1;
  } catch (...) {
    return -1;
  }
}

}  // namespace

nlohmann::ordered_json RunState::to_json() const {
  nlohmann::ordered_json j;
  j["global_step"] = global_step;
  j["epoch"] = epoch;
  j["step_in_epoch"] = step_in_epoch;
  j["micro_batch"] = micro_batch;
  j["world_size"] = world_size;
  j["best_eval_loss"] = has_best ? nlohmann::ordered_json(best_eval_loss) : nlohmann::ordered_json();
  j["evals_without_improvement"] = evals_without_improvement;
  j["elapsed_seconds"] = elapsed_seconds;
  j["tokens_seen"] = tokens_seen;
  return j;
}

RunState RunState::from_json(const nlohmann::json& j) {
  RunState s;
  s.global_step = j.at("global_step").get<int64_t>();
  s.epoch = j.at("epoch").get<int64_t>();
  s.step_in_epoch = j.at("step_in_epoch").get<int64_t>();
  s.micro_batch = j.value("micro_batch", int64_t{-1});
  s.world_size = j.value("world_size", int64_t{1});
  s.has_best = !j.at("best_eval_loss").is_null();
  if (s.has_best) s.best_eval_loss = j["best_eval_loss"].get<double>();
  s.evals_without_improvement = j.at("evals_without_improvement").get<int64_t>();
  s.elapsed_seconds = j.at("elapsed_seconds").get<double>();
  s.tokens_seen = j.at("tokens_seen").get<int64_t>();
  return s;
}

std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& output_dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(output_dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(output_dir))
    if (e.is_directory() && step_of(e.path()) >= 0 && std::filesystem::exists(e.path() / "trainer_state.json"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return step_of(a) < step_of(b); });
  return out;
}

void remove_partial_checkpoints(const std::filesystem::path& output_dir) {
  if (!std::filesystem::is_directory(output_dir)) return;
  for (const auto& e : std::filesystem::directory_iterator(output_dir)) {
    const auto name = e.path().filename().string();
    if (e.is_directory() && name.rfind("checkpoint-", 0) == 0 && name.ends_with(".tmp"))
      std::filesystem::remove_all(e.path());
    else if (e.is_regular_file() && name.find(".tmp.") != std::string::npos)  // an AtomicFile cut short
      std::filesystem::remove(e.path());
  }
}

std::filesystem::path save_checkpoint(const std::filesystem::path& output_dir, const TrainableModel& model,
                                      const Optimizer& optimizer, const RunState& state, int64_t keep) {
  auto final_dir = output_dir / ("checkpoint-" + std::to_string(state.global_step));
  const auto tmp = output_dir / ("checkpoint-" + std::to_string(state.global_step) + ".tmp");
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  model.save(tmp);
  optimizer.save(tmp / "optimizer.safetensors");
  at::Tensor rng;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    rng = gen.get_state();
  }
  model::save_tensors(tmp / "rng_state.safetensors", {{"cpu", rng}});
  core::write_file_atomic(tmp / "trainer_state.json", state.to_json().dump(2) + "\n");
  std::filesystem::remove_all(final_dir);
  std::filesystem::rename(tmp, final_dir);
  auto all = list_checkpoints(output_dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i) std::filesystem::remove_all(all[i]);
  return final_dir;
}

RunState load_checkpoint(const std::filesystem::path& dir, TrainableModel& model, Optimizer& optimizer) {
  RunState s;
  try {
    s = RunState::from_json(nlohmann::json::parse(core::read_file(dir / "trainer_state.json")));
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kMalformedFile, (dir / "trainer_state.json").string(), " is damaged (", e.what(),
               "); delete that checkpoint folder to resume from the one before");
  }
  model.load_trainable(dir);
  optimizer.load(dir / "optimizer.safetensors");
  auto st = io::SafetensorsFile::open(dir / "rng_state.safetensors");
  auto rng = model::tensor_from_view(st->at("cpu"), at::kByte, at::kCPU);
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(rng);
  return s;
}

}  // namespace llmcp::train
