// The adapters a model's batch engine serves, as a pool with a maximum count (vLLM's --max-loras):
// adapters are registered by name and folder, loaded into the PEFT model when a request needs
// them, and when the pool is full the least recently used one that no request is using is
// evicted (and read again from its folder when it is next asked for). A request for an adapter
// that is not loaded while every loaded one is in use waits for one to finish, as vLLM's
// scheduler holds back requests whose adapter does not fit the batch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "serve/batch_engine.h"

namespace llmcp::serve {

class AdapterPool {
 public:
  // max_loaded: adapters loaded at once at most (0: no limit).
  AdapterPool(BatchEngine& engine, int64_t max_loaded);
  AdapterPool(const AdapterPool&) = delete;
  AdapterPool& operator=(const AdapterPool&) = delete;

  // Keeps an adapter loaded while a request uses it.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept : pool_(o.pool_), name_(std::move(o.name_)), id_(o.id_) { o.pool_ = nullptr; }
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    ~Lease();

   private:
    friend class AdapterPool;
    Lease(AdapterPool* pool, std::string name, uint64_t id) : pool_(pool), name_(std::move(name)), id_(id) {}
    AdapterPool* pool_ = nullptr;
    std::string name_;
    uint64_t id_ = 0;  // the entry it counts in (a name removed and loaded again is a new one)
  };

  // Loads `name` from `folder` now (again when it is loaded, ending its requests: the folder may
  // hold a newer checkpoint), making room as acquire does. The lease keeps it loaded while the
  // caller looks at it; the name stays registered until remove().
  Lease load(const std::string& name, const std::string& folder);
  // `name` loaded for one request: read from `folder` when it is not loaded (evicting the least
  // recently used idle adapter when the pool is full, or waiting until one is idle). Nothing
  // when `stop` is set while waiting.
  std::optional<Lease> acquire(const std::string& name, const std::string& folder, const std::atomic<bool>* stop);
  void remove(const std::string& name);  // unloads and forgets it; its requests end "cancelled"

  std::vector<std::string> loaded() const;
  bool is_loaded(const std::string& name) const;
  int64_t loaded_bytes() const;  // the loaded adapters' weights
  int64_t evictions() const;
  int64_t max_loaded() const { return max_loaded_; }

 private:
  struct Entry {
    uint64_t id = 0;
    std::string folder;
    bool loaded = false;
    int64_t users = 0, bytes = 0;
    std::chrono::steady_clock::time_point last_used;
  };
  // True when one more adapter fits now (after evicting the least recently used idle one when
  // the pool is full); false after waiting a while for one to become idle. mu_ held by `lock`.
  bool room(std::unique_lock<std::mutex>& lock);
  void load_entry(const std::string& name);  // mu_ held; on failure the entry is forgotten
  // Found, or added with `folder`.
  std::map<std::string, Entry>::iterator entry(const std::string& name, const std::string& folder);
  Lease lease(std::map<std::string, Entry>::iterator it);
  void release(const std::string& name, uint64_t id);

  BatchEngine& engine_;
  const int64_t max_loaded_;
  mutable std::mutex mu_;
  std::condition_variable idle_;  // an adapter's last user finished
  std::map<std::string, Entry> entries_;
  int64_t evictions_ = 0;
  uint64_t next_id_ = 1;
};

}  // namespace llmcp::serve
