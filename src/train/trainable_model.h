// The model a run trains: the base decoder plus either one adapter ("default", of any registered
// PEFT method, on a dense or quantized base) or, for full fine-tuning, every base tensor. The
// adapter's method acts between steps through before_step/after_step (sparse: RigL's mask
// updates). Knows its trainable tensors by checkpoint key and how to write itself: a PEFT folder,
// or a complete Hugging Face model folder.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "model/decoder.h"
#include "model/loader.h"
#include "quant/bnb_format.h"
#include "peft/method_runtime.h"
#include "peft/peft_model.h"
#include "train/optimizer.h"
#include "train/train_config.h"

namespace llmcp::train {

class TrainableModel {
 public:
  // `shard` (shard_base with several processes, DataParallel::base_sharder): the loader hands it
  // each base weight and keeps only its part.
  static std::unique_ptr<TrainableModel> create(const TrainConfig& c, model::ShardFn shard = {});

  model::Decoder& decoder() { return *decoder_; }
  std::vector<TrainableParam> parameters();
  void set_training(bool on);
  // The adapter folder (PEFT) or the full model folder (config, tokenizer, weights).
  void save(const std::filesystem::path& dir) const;
  // Restores the trainable tensors from a folder written by save().
  void load_trainable(const std::filesystem::path& dir);
  std::string summary() const;  // PEFT's "trainable params: ..." line

  // Around optimizer step `step` (1-based) of `total`. Sparse with RigL: before a step after which
  // the masks change, backward starts collecting dense gradients; after it, every mask drops and
  // grows per the cosine schedule, the optimizer's moments follow the entries (grown ones start
  // at zero), and the statistics come back for metrics.jsonl (null when nothing changed).
  void before_step(int64_t step, int64_t total);
  // The method's extra gradients data-parallel ranks sum before after_step (TrainingHooks).
  std::vector<at::Tensor> gradients_to_sum(int64_t step, int64_t total);
  nlohmann::ordered_json after_step(int64_t step, int64_t total, Optimizer& optimizer);

 private:
  TrainConfig config_;
  std::unique_ptr<model::Decoder> decoder_;
  std::unique_ptr<peft::PeftModel> peft_;  // null for full fine-tuning
  std::unique_ptr<peft::TrainingHooks> hooks_;  // the adapter method's, if it has any
};

// Writes a complete model folder (config.json, generation_config.json, tokenizer files copied
// from `base_dir`, model.safetensors with the decoder's current tensors in `dtype`). Quantized
// bases are written in bitsandbytes' layout with a quantization_config when `keep_quantized`,
// else dequantized to `dtype`.
void save_model_folder(model::Decoder& decoder, const std::filesystem::path& base_dir,
                       const std::filesystem::path& out, at::ScalarType dtype, bool keep_quantized = false);

}  // namespace llmcp::train
