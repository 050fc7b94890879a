// AdapterPool; see adapter_pool.h.
#include "serve/adapter_pool.h"

#include "core/error.h"
#include "peft/peft_io.h"

namespace llmcp::serve {
using Clock = std::chrono::steady_clock;

AdapterPool::AdapterPool(BatchEngine& engine, int64_t max_loaded) : engine_(engine), max_loaded_(max_loaded) {}

std::map<std::string, AdapterPool::Entry>::iterator AdapterPool::entry(const std::string& name,
                                                                      const std::string& folder) {
  auto [it, added] = entries_.try_emplace(name);
  if (added) {
    it->second.id = next_id_++;
    it->second.folder = folder;
  }
  return it;
}

AdapterPool::Lease AdapterPool::lease(std::map<std::string, Entry>::iterator it) {
  ++it->second.users;
  it->second.last_used = Clock::now();
  return Lease(this, it->first, it->second.id);
}

AdapterPool::Lease::~Lease() {
  if (pool_) pool_->release(name_, id_);
}

AdapterPool::Lease& AdapterPool::Lease::operator=(Lease&& o) noexcept {
  if (this == &o) return *this;
  if (pool_) pool_->release(name_, id_);
  pool_ = o.pool_;
  name_ = std::move(o.name_);
  id_ = o.id_;
  o.pool_ = nullptr;
  return *this;
}

bool AdapterPool::room(std::unique_lock<std::mutex>& lock) {
  int64_t loaded = 0;
  std::map<std::string, Entry>::iterator victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->second.loaded) continue;
    ++loaded;
    if (it->second.users == 0 && (victim == entries_.end() || it->second.last_used < victim->second.last_used))
      victim = it;
  }
  if (max_loaded_ <= 0 || loaded < max_loaded_) return true;
  if (victim != entries_.end()) {
    engine_.remove_adapter(victim->first);
    victim->second.loaded = false;
    victim->second.bytes = 0;
    ++evictions_;
    return true;
  }
  idle_.wait_for(lock, std::chrono::milliseconds(50));
  return false;
}

void AdapterPool::load_entry(const std::string& name) {
  Entry& e = entries_.at(name);
  int64_t bytes = 0;
  try {
    engine_.add_adapter(name, [&](peft::PeftModel& p) {
      peft::load_adapter(p, e.folder, name);
      for (const auto& t : p.parameters(name)) bytes += static_cast<int64_t>(t.tensor->nbytes());
    });
  } catch (...) {
    entries_.erase(name);
    throw;
  }
  e.loaded = true;
  e.bytes = bytes;
  e.last_used = Clock::now();
}

AdapterPool::Lease AdapterPool::load(const std::string& name, const std::string& folder) {
  std::unique_lock lock(mu_);
  auto it = entry(name, folder);
  if (it->second.loaded) {
    engine_.remove_adapter(name);
    it->second.loaded = false;
    it->second.bytes = 0;
  }
  it->second.folder = folder;
  for (;;) {
    it = entries_.find(name);
    LLMCP_CHECK(it != entries_.end(), kNotFound, "adapter '", name, "' was unloaded while it was being loaded");
    if (it->second.loaded) return lease(it);  // a request loaded it while this waited
    if (room(lock)) break;
  }
  load_entry(name);
  return lease(entries_.find(name));
}

std::optional<AdapterPool::Lease> AdapterPool::acquire(const std::string& name, const std::string& folder,
                                                       const std::atomic<bool>* stop) {
  std::unique_lock lock(mu_);
  const uint64_t id = entry(name, folder)->second.id;
  for (;;) {
    auto it = entries_.find(name);
    LLMCP_CHECK(it != entries_.end() && it->second.id == id, kNotFound, "adapter '", name,
                "' was unloaded while this request waited for it");
    if (it->second.loaded) return lease(it);
    if (stop && *stop) return std::nullopt;
    if (!room(lock)) continue;  // waited for an adapter to become idle: look again
    load_entry(name);
    return lease(entries_.find(name));
  }
}

void AdapterPool::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  if (it->second.loaded) engine_.remove_adapter(name);
  entries_.erase(it);
  idle_.notify_all();
}

void AdapterPool::release(const std::string& name, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second.id != id) return;  // removed meanwhile
  it->second.last_used = Clock::now();
  if (--it->second.users == 0) idle_.notify_all();
}

std::vector<std::string> AdapterPool::loaded() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_)
    if (e.loaded) out.push_back(name);
  return out;
}

bool AdapterPool::is_loaded(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.loaded;
}

int64_t AdapterPool::loaded_bytes() const {
  std::lock_guard lock(mu_);
  int64_t n = 0;
  for (const auto& [name, e] : entries_) n += e.bytes;
  return n;
}

int64_t AdapterPool::evictions() const {
  std::lock_guard lock(mu_);
  return evictions_;
}

}  // namespace llmcp::serve
