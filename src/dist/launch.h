// `llm-mcp train --nproc-per-node N`: this program started N times as the ranks of one node, as
// torchrun starts them: each with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT set
// (and OMP_NUM_THREADS, the node's cores shared out). Supervises them as one run: a rank that
// fails is named and the others are stopped (SIGTERM, then SIGKILL after a grace period); a
// SIGINT/SIGTERM to the launcher goes to every rank. Torch-free (the CLI links it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace llmcp::dist {

struct LaunchOptions {
  int64_t nproc_per_node = 1, nnodes = 1, node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
  std::vector<std::string> argv;  // each rank's command line (argv[0]: the executable)
  // Only rank 0 gets these extra arguments (what it alone writes, e.g. a job's result file).
  std::vector<std::string> rank0_argv_extra;
  std::chrono::milliseconds grace{std::chrono::seconds(10)};
};

struct LaunchResult {
  int status = 0;           // 0 when every rank succeeded; else the first failure's
  int64_t failed_rank = -1;  // the first rank that failed (-1: none)
  std::string message;       // what happened, for the user
};

LaunchResult launch(const LaunchOptions& options);

}  // namespace llmcp::dist
