// The PEFT methods this program has, one line each: X(folder) names peft/<folder>/, whose
// <folder>_method.cpp defines <folder>::method() (the torch-free half, peft/method.h) and whose
// <folder>_runtime.cpp defines <folder>::runtime() (the torch half, peft/method_runtime.h). Both
// registries expand this list, so adding a method is its folder plus one line here.
#pragma once

#define LLMCP_BUILTIN_PEFT_METHODS(X) \
  X(lora)                             \
  X(sparse)
