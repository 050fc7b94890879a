// The model families this program has, one line each: X(family) names model/arch/<family>.cpp,
// which defines arch::<family>::specs() (one ArchSpec per Hugging Face architecture name it reads).
// Adding a family is its file plus one line here (and the file in src/model/CMakeLists.txt).
#pragma once

#define LLMCP_BUILTIN_ARCHS(X) \
  X(llama)                     \
  X(mistral)                   \
  X(mixtral)                   \
  X(falcon)
