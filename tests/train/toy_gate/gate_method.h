// A toy PEFT method, written the way a new method is added (docs/extending.md): this folder and
// one registration line (`peft::register_peft_method(gate::method(), gate::runtime())`). IA3-like:
// each targeted linear layer gets a trainable gate g [out], y = W x + g * (W x), so g = 0 is the
// base model; merged, W <- (1 + g) W. Its one key, gate_init, is g's starting value.
#pragma once

#include <memory>

#include "peft/method.h"
#include "peft/method_runtime.h"

namespace llmcp::toy_gate {

std::unique_ptr<peft::PeftMethod> method();
std::unique_ptr<peft::MethodRuntime> runtime();

}  // namespace llmcp::toy_gate
