// The NCCL group for CUDA tensors (the gradient all-reduces of a run on GPUs), over the same ranks
// and store as the Gloo group. Internal to dist/: process_group.cpp calls it.
#pragma once

#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "dist/process_group.h"

namespace llmcp::dist {

// Throws kUnsupported in a build without CUDA (-DLLMCP_CUDA=OFF).
// `name` keeps its rendezvous apart in the store (each NCCL group its own).
std::unique_ptr<Group> make_nccl_group(const c10::intrusive_ptr<c10d::Store>& store, const std::string& name,
                                       const Env& env, std::chrono::milliseconds timeout);

}  // namespace llmcp::dist
