// The method registry's torch half: the built-in methods' runtimes (peft/builtin_methods.h) and
// those registered since, by method name; and the tensor bookkeeping every method's load shares.
#include "peft/method_runtime.h"

#include "core/error.h"
#include "peft/builtin_methods.h"

#define LLMCP_DECLARE_RUNTIME(folder) \
  namespace folder {                  \
  std::unique_ptr<MethodRuntime> runtime(); \
  }

namespace llmcp::peft {

LLMCP_BUILTIN_PEFT_METHODS(LLMCP_DECLARE_RUNTIME)

namespace {

std::map<std::string, std::unique_ptr<MethodRuntime>>& runtimes() {
  static std::map<std::string, std::unique_ptr<MethodRuntime>> r = [] {
    std::map<std::string, std::unique_ptr<MethodRuntime>> b;
#define LLMCP_ADD_RUNTIME(folder) b[#folder] = folder::runtime();
    LLMCP_BUILTIN_PEFT_METHODS(LLMCP_ADD_RUNTIME)
#undef LLMCP_ADD_RUNTIME
    return b;
  }();
  return r;
}

}  // namespace

const MethodRuntime& method_runtime(const std::string& name) {
  peft_method(name);  // the error that lists the methods
  auto it = runtimes().find(name);
  LLMCP_CHECK(it != runtimes().end(), kInternal, "PEFT method '", name, "' has no runtime registered");
  return *it->second;
}

void register_peft_method(std::unique_ptr<PeftMethod> method, std::unique_ptr<MethodRuntime> runtime) {
  LLMCP_CHECK(method && runtime, kInternal, "a PEFT method needs both halves");
  const std::string name = method->name();
  add_peft_method(std::move(method));
  runtimes()[name] = std::move(runtime);
}

ModuleTensors::ModuleTensors(std::map<std::string, at::Tensor>& tensors, std::string module, std::string source,
                             at::Device device, std::string base_model)
    : tensors_(tensors),
      module_(std::move(module)),
      source_(std::move(source)),
      device_(device),
      base_model_(std::move(base_model)) {}

at::Tensor ModuleTensors::find(const std::string& suffix) {
  const auto key = "base_model.model." + module_ + suffix;
  auto it = tensors_.find(key);
  LLMCP_CHECK(it != tensors_.end(), kNotFound, source_, " has no tensor '", key,
              "' although its adapter_config.json targets that module (was the file cut short?)");
  auto t = it->second;
  tensors_.erase(it);
  return t;
}

at::Tensor ModuleTensors::take(const std::string& suffix) {
  return find(suffix).to(device_, at::kFloat).detach().clone().requires_grad_(true);
}

at::Tensor ModuleTensors::take_buffer(const std::string& suffix) { return find(suffix).to(device_); }

std::string ModuleTensors::hint() const {
  return base_model_.empty() ? std::string(" (does the adapter belong to this base model?)")
                             : std::string(" (the adapter was made for '").append(base_model_).append(
                                   "'; does it belong to this base model?)");
}

}  // namespace llmcp::peft
