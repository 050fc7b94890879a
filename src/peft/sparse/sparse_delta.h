// A sparse delta on a linear layer's frozen base: k trainable entries (flat indices into the
// [out, in] weight, sorted, with their values), y = base(x) + x D^T with D = scatter(indices,
// values). `structured` deltas cover whole output rows. On CPU the product runs on the sparse
// structure (sparse_kernels.h): memory O(k + tokens x features), never a dense D; elsewhere a dense
// D is formed per call (the reference formulation). RigL: while collect_dense_gradient is on,
// backward also adds dL/dD (dense, fp32) to a buffer that update_mask reads to grow entries.
#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "peft/adapter_delta.h"
#include "peft/sparse/sparse_config.h"

namespace llmcp::peft {

struct DenseGradientSink;

class SparseDelta : public AdapterDelta {
 public:
  // indices: int64 [k], unique positions in [0, out * in) (any order: sorted here, values along);
  // values: [k], used as given (they may require grad). Errors name `what`.
  SparseDelta(int64_t out, int64_t in, const at::Tensor& indices, const at::Tensor& values, bool structured,
              const std::string& what);
  ~SparseDelta() override;
  // The starting mask: k entries (or rows) drawn uniformly without replacement, sorted (int64, CPU).
  static at::Tensor random_indices(int64_t out, int64_t in, const SparseConfig& c, at::Generator gen);
  // A delta on that mask with values 0 (fp32, requiring grad).
  static std::shared_ptr<SparseDelta> random(int64_t out, int64_t in, const SparseConfig& c, at::Generator gen,
                                             at::Device device, const std::string& what);

  at::Tensor delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const override;
  // The same product through a dense D (any device): the reference the CPU path is tested against.
  at::Tensor delta_reference(const at::Tensor& x) const;

  std::vector<SuffixTensor> parameters() override { return {{".sparse_values", &values_}}; }
  std::vector<SuffixTensor> buffers() override { return {{".sparse_indices", &indices_}}; }
  void merge_into(at::Tensor& weight) override;
  void unmerge_from(at::Tensor& weight) override;

  at::Tensor dense() const;  // D [out, in] fp32, no grad
  int64_t out_features() const { return out_; }
  int64_t in_features() const { return in_; }
  int64_t size() const { return indices_.numel(); }
  // What a mask update swaps: entries, or whole rows when structured. Active ones, and all positions.
  int64_t active_units() const { return structured_ ? size() / in_ : size(); }
  int64_t all_units() const { return structured_ ? out_ : out_ * in_; }
  bool structured() const { return structured_; }
  const at::Tensor& indices() const { return indices_; }
  const at::Tensor& values() const { return values_; }
  at::Tensor& values() { return values_; }

  // RigL. While on, each backward adds dL/dD to dense_gradient() (fp32 [out, in]).
  void collect_dense_gradient(bool on);
  at::Tensor dense_gradient() const;  // undefined when nothing was collected
  // The collected gradient itself (zeros when nothing was: a data-parallel rank without data this
  // step), for summing across ranks in place.
  at::Tensor dense_gradient_sink();
  struct MaskChange {
    at::Tensor source;  // int64 [k]: the old slot each new slot takes its value from; -1 = grown (value 0)
    int64_t swapped = 0;  // entries dropped (= grown)
  };
  // Drops the `n` units (entries, or rows when structured) with the smallest |value| (row L2 norm;
  // ties: the lower position), grows the `n` inactive units with the largest |dense gradient|
  // (row L2 norm), keeps the indices sorted and the values of the kept entries; grown values are 0.
  // Clears the collected gradient and switches collection off.
  MaskChange update_mask(int64_t n);

  struct Structure;  // the mask in the kernels' forms (internal)

 private:
  std::shared_ptr<const Structure> structure() const;

  int64_t out_, in_;
  bool structured_;
  std::string what_;
  at::Tensor indices_, values_;
  std::shared_ptr<DenseGradientSink> sink_;
  mutable std::shared_ptr<const Structure> structure_;
  mutable int64_t structure_version_ = -1;
};

}  // namespace llmcp::peft
