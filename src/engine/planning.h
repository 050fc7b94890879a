// The planner as the CLI and the MCP tools see it: JSON in, JSON out, no torch. One code path for
// `llm-mcp estimate` / `estimate_memory`, `llm-mcp recommend` / `recommend_config` and the
// per-GPU support matrix of `llm-mcp models --gpu`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace llmcp::engine {

struct PlanHardware {
  std::string gpu;       // a catalog name ("RTX 4090 24GB"); empty: --memory or this machine
  double memory_gb = 0;  // GiB; 0: the GPU's, else this machine's
  int64_t gpus = 1;
};

struct EstimateRequest {
  std::string model;  // folder (config.json is enough) or a Hub id (cache, built-in list, or config.json fetched)
  // Training config keys (method, batch_size, seq_len, gradient_checkpointing, bf16, lora_rank,
  // target_modules, load_in_4bit, sparsity_ratio, ...); model/dataset/output_dir are not needed.
  nlohmann::json config = nlohmann::json::object();
  PlanHardware hardware;
  std::string attention = "sdpa";
  bool inference = false;      // generation instead of training
  int64_t context_tokens = 0;  // inference: prompt + new tokens (0: seq_len)
};

// {"fits", "total_bytes", "available_bytes", "device", "hardware", "peak_at", "trainable_parameters",
//  "breakdown": {part: bytes}, "details": {part: text}, "config": {...}, "advice": [...]}
nlohmann::json estimate_memory(const EstimateRequest& req);

}  // namespace llmcp::engine

namespace llmcp::engine {

struct RecommendRequest {
  std::string model;    // folder or Hub id; its tokenizer, when present, measures the data
  std::string dataset;  // JSONL
  PlanHardware hardware;
};

// {"config": {...}, "yaml": "...", "reasons": ["..."], "scenario", "constrained", "dataset": {...},
//  "estimate": {"total_bytes", "available_bytes", "breakdown", ...}}. Fails with what would fit
// when nothing does.
nlohmann::json recommend_config(const RecommendRequest& req);

}  // namespace llmcp::engine

namespace llmcp::engine {
// Whether `id` is a built-in Hub id (its config.json compiled in for planning).
bool planning_knows(const std::string& id);
}  // namespace llmcp::engine

namespace llmcp::engine {

// The seed's support matrix (its models x lora/qlora/dora/sparse/full) derived from the memory
// model for one GPU: each cell is "fits", "checkpointing" (fits only with gradient checkpointing)
// or "no", with the bytes, for the seed's example settings (batch 1, bf16, LoRA/DoRA rank 8 on
// q_proj/v_proj, QLoRA NF4 with double quantization, sparse 99%) at `seq_len` tokens.
// {"hardware", "memory_bytes", "seq_len", "methods": [...], "models": [{"model", "parameters",
//  "cells": {method: {"verdict", "bytes", "checkpointing_bytes"}}}]}
nlohmann::json gpu_support_matrix(const PlanHardware& hw, int64_t seq_len = 1024);

}  // namespace llmcp::engine
