// The model a run trains: the base decoder plus either one PEFT adapter ("default", LoRA or
// DoRA) or, for full fine-tuning, every base tensor. Knows its trainable tensors by checkpoint
// key and how to write itself: a PEFT folder, or a complete Hugging Face model folder.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "model/decoder.h"
#include "quant/bnb_format.h"
#include "peft/peft_model.h"
#include "train/optimizer.h"
#include "train/train_config.h"

namespace llmcp::train {

class TrainableModel {
 public:
  static std::unique_ptr<TrainableModel> create(const TrainConfig& c);

  model::Decoder& decoder() { return *decoder_; }
  std::vector<TrainableParam> parameters();
  void set_training(bool on);
  // The adapter folder (PEFT) or the full model folder (config, tokenizer, weights).
  void save(const std::filesystem::path& dir) const;
  // Restores the trainable tensors from a folder written by save().
  void load_trainable(const std::filesystem::path& dir);
  std::string summary() const;  // PEFT's "trainable params: ..." line

 private:
  TrainConfig config_;
  std::unique_ptr<model::Decoder> decoder_;
  std::unique_ptr<peft::PeftModel> peft_;  // null for full fine-tuning
};

// Writes a complete model folder (config.json, generation_config.json, tokenizer files copied
// from `base_dir`, model.safetensors with the decoder's current tensors in `dtype`). Quantized
// bases are written in bitsandbytes' layout with a quantization_config when `keep_quantized`,
// else dequantized to `dtype`.
void save_model_folder(model::Decoder& decoder, const std::filesystem::path& base_dir,
                       const std::filesystem::path& out, at::ScalarType dtype, bool keep_quantized = false);

}  // namespace llmcp::train
