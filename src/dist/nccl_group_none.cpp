// make_nccl_group in a build without CUDA: a clear refusal; see nccl_group.h.
#include "dist/nccl_group.h"

#include "core/error.h"

namespace llmcp::dist {

std::unique_ptr<Group> make_nccl_group(const c10::intrusive_ptr<c10d::Store>&, const std::string&, const Env&,
                                       std::chrono::milliseconds) {
  LLMCP_FAIL(kUnsupported, "data-parallel training on GPUs needs NCCL, which this build lacks (built with "
             "-DLLMCP_CUDA=OFF): build with CUDA (the default), or train on the CPU");
}

}  // namespace llmcp::dist
