// model: KvBlockPool: block storage, refcounts, the free list, the LRU of cached blocks and the
// prefix index.
#include "model/kv_block_pool.h"

#include <algorithm>
#include <cstring>

#include "base/check.h"

namespace hearth {
namespace {

// splitmix64's finaliser: a cheap mix with good avalanche, enough for a hash-table key (hits
// are verified anyway).
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

KvBlockPool::KvBlockPool(const ModelConfig& c, int32_t n_blocks)
    : n_blocks_(std::max(n_blocks, 1)),
      n_layer_(c.n_layer),
      k_width_(c.n_embd_k()),
      v_width_(c.n_embd_v()) {
  const size_t rows = static_cast<size_t>(n_blocks_) * n_layer_ * kKvBlockSize;
  k_.assign(rows * k_width_, 0);
  v_.assign(rows * v_width_, 0);
  blocks_.resize(static_cast<size_t>(n_blocks_));
  free_.reserve(static_cast<size_t>(n_blocks_));
  // Handed out lowest id first.
  for (int32_t b = n_blocks_ - 1; b >= 0; --b) free_.push_back(b);
}

int32_t KvBlockPool::blocks_for(int32_t n_ctx, int32_t n_seq) {
  const int64_t per_seq = (std::max<int64_t>(n_ctx, 1) + kKvBlockSize - 1) / kKvBlockSize;
  return static_cast<int32_t>(std::min<int64_t>(per_seq * std::max(n_seq, 1), INT32_MAX));
}

Result<int32_t> KvBlockPool::acquire() {
  int32_t b = -1;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    b = lru_.front();
    lru_.pop_front();
    drop_from_index(b);
    cached_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    return Status::errorf("KV cache full: all {} blocks of {} positions are in use", n_blocks_,
                          kKvBlockSize);
  }
  blocks_[b].refs = 1;
  in_use_.fetch_add(1, std::memory_order_relaxed);
  return b;
}

void KvBlockPool::retain(int32_t block) {
  Block& b = blocks_[block];
  if (b.refs == 0) {
    // Only a cached (published) block can be picked up again at refcount zero.
    HEARTH_CHECK(b.serial != 0);
    lru_.erase(b.lru);
    cached_.fetch_sub(1, std::memory_order_relaxed);
    in_use_.fetch_add(1, std::memory_order_relaxed);
  }
  ++b.refs;
}

void KvBlockPool::release(int32_t block) {
  Block& b = blocks_[block];
  HEARTH_CHECK(b.refs > 0);
  if (--b.refs > 0) return;
  in_use_.fetch_sub(1, std::memory_order_relaxed);
  if (b.serial != 0) {
    b.lru = lru_.insert(lru_.end(), block);
    cached_.fetch_add(1, std::memory_order_relaxed);
  } else {
    free_.push_back(block);
  }
}

void KvBlockPool::drop_from_index(int32_t block) {
  Block& b = blocks_[block];
  if (b.serial == 0) return;
  auto it = index_.find(b.hash);
  if (it != index_.end() && it->second == block) index_.erase(it);
  b.serial = 0;
  b.hash = 0;
  b.parent_serial = 0;
  b.tokens.clear();
}

void KvBlockPool::unpublish(int32_t block) {
  HEARTH_CHECK(blocks_[block].refs > 0);
  drop_from_index(block);
}

void KvBlockPool::copy_rows(int32_t from, int32_t to, int32_t n_positions) {
  if (n_positions <= 0) return;
  for (int32_t il = 0; il < n_layer_; ++il) {
    std::memcpy(mutable_k(to, il, 0), k(from, il, 0),
                static_cast<size_t>(n_positions) * k_width_ * sizeof(uint16_t));
    std::memcpy(mutable_v(to, il, 0), v(from, il, 0),
                static_cast<size_t>(n_positions) * v_width_ * sizeof(uint16_t));
  }
}

uint64_t KvBlockPool::chain_hash(uint64_t parent_serial, std::span<const TokenId> tokens) const {
  uint64_t h = mix(parent_serial ^ 0x6b76626c6f636bULL);
  for (TokenId t : tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return h;
}

bool KvBlockPool::publish(int32_t block, int32_t parent, std::span<const TokenId> tokens) {
  if (tokens.size() != static_cast<size_t>(kKvBlockSize)) return false;
  Block& b = blocks_[block];
  HEARTH_CHECK(b.refs > 0);
  if (b.serial != 0) return true;  // already shared
  uint64_t parent_serial = 0;
  if (parent >= 0) {
    parent_serial = blocks_[parent].serial;
    if (parent_serial == 0) return false;  // its prefix is not reusable, so neither is it
  }
  const uint64_t h = chain_hash(parent_serial, tokens);
  if (index_.count(h) != 0) return false;  // an equal block (or a collision) is there already
  b.serial = next_serial_++;
  b.hash = h;
  b.parent_serial = parent_serial;
  b.tokens.assign(tokens.begin(), tokens.end());
  index_.emplace(h, block);
  return true;
}

int32_t KvBlockPool::find(int32_t parent, std::span<const TokenId> tokens) const {
  if (tokens.size() != static_cast<size_t>(kKvBlockSize)) return -1;
  uint64_t parent_serial = 0;
  if (parent >= 0) {
    parent_serial = blocks_[parent].serial;
    if (parent_serial == 0) return -1;
  }
  auto it = index_.find(chain_hash(parent_serial, tokens));
  if (it == index_.end()) return -1;
  const Block& b = blocks_[it->second];
  if (b.serial == 0 || b.parent_serial != parent_serial ||
      !std::equal(tokens.begin(), tokens.end(), b.tokens.begin(), b.tokens.end())) {
    return -1;
  }
  return it->second;
}

int32_t KvBlockPool::find_partial(int32_t parent, std::span<const TokenId> tokens,
                                  int32_t& matched) const {
  matched = 0;
  uint64_t parent_serial = 0;
  if (parent >= 0) {
    parent_serial = blocks_[parent].serial;
    if (parent_serial == 0) return -1;
  }
  const size_t n = std::min(tokens.size(), static_cast<size_t>(kKvBlockSize));
  int32_t best = -1;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& b = blocks_[i];
    if (b.serial == 0 || b.parent_serial != parent_serial) continue;
    const auto run = static_cast<int32_t>(
        std::mismatch(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(n), b.tokens.begin()).first -
        tokens.begin());
    if (run > matched) {
      matched = run;
      best = static_cast<int32_t>(i);
    }
  }
  return best;
}

}  // namespace hearth
