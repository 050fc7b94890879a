// AdamW (libtorch's) over the trainable tensors, in two groups: matrices get weight decay, 1-D
// tensors (norms, biases, DoRA magnitudes) do not. Its moments are saved to and restored from a
// safetensors file under the parameters' checkpoint keys, so resuming continues bit for bit.
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace torch::optim {
class AdamW;
}

namespace llmcp::train {

struct TrainableParam {
  std::string key;     // checkpoint key, unique
  at::Tensor* tensor;  // requires grad
};

struct AdamWSettings {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};

class Optimizer {
 public:
  Optimizer(std::vector<TrainableParam> params, const AdamWSettings& s);
  ~Optimizer();

  void zero_grad();
  // Global L2 norm of all gradients; when above max_norm (> 0) they are scaled to it (as
  // torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
  double clip_grad_norm(double max_norm);
  void step(double lr);

  // After a parameter's entries were rearranged (a sparse mask update): new entry j takes the
  // moments of old entry source[j]; source[j] = -1 starts from zero moments.
  void remap_state(const at::Tensor& param, const at::Tensor& source);

  // Moments and step counts, F32 plus an I64 "step" per parameter.
  void save(const std::filesystem::path& file) const;
  void load(const std::filesystem::path& file);  // errors name the missing/mismatched key

  const std::vector<TrainableParam>& params() const { return params_; }

 private:
  std::vector<TrainableParam> params_;
  std::unique_ptr<torch::optim::AdamW> adam_;
};

}  // namespace llmcp::train
