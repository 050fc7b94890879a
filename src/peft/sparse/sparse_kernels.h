// The two products a sparse delta needs on CPU, over raw fp32 buffers, so that the delta is never
// made dense: a sparse matrix (CSR) times a dense one whose rows are the token dimension, and the
// dot products sampled at the sparse entries (the gradient of the values). Rows of the dense
// operands hold N floats (N = tokens), so every inner loop runs over contiguous memory; bodies
// for AVX-512, AVX2+FMA and plain x86-64 are picked once at run time.
#pragma once

#include <cstdint>

namespace llmcp::peft {

// out[r, :] = sum over entries j of row r (row_ptr[r] <= j < row_ptr[r + 1]) of val[j] * B[col[j], :].
// B is [*, N], out is [rows, N] (overwritten).
void csr_times_dense(int64_t rows, const int64_t* row_ptr, const int64_t* col, const float* val, const float* B,
                     int64_t N, float* out);

// out[j] = sum_n A[flat[j] / in, n] * B[flat[j] % in, n] for j < nnz. A is [*, N], B is [in, N].
void sampled_dots(int64_t nnz, const int64_t* flat, int64_t in, const float* A, const float* B, int64_t N, float* out);

}  // namespace llmcp::peft
