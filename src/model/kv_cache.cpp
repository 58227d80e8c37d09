// model: KvCache, one sequence's block table over a KvBlockPool.
#include "model/kv_cache.h"

#include <algorithm>

#include "base/check.h"
#include "tensor/fp16.h"

namespace hearth {

KvCache::~KvCache() {
  if (pool_) release();
}

void KvCache::allocate(const ModelConfig& c, int32_t n_ctx) {
  attach(std::make_shared<KvBlockPool>(c, KvBlockPool::blocks_for(n_ctx, 1)), n_ctx);
}

void KvCache::attach(std::shared_ptr<KvBlockPool> pool, int32_t n_ctx) {
  if (pool_) release();
  pool_ = std::move(pool);
  n_ctx_ = n_ctx;
}

uint64_t KvCache::bytes() const {
  if (!pool_ || pool_->n_blocks() == 0) return 0;
  return pool_->bytes() / static_cast<uint64_t>(pool_->n_blocks()) * table_.size();
}

Status KvCache::prepare(int32_t pos0, int32_t n) {
  if (!pool_) return Status::error("KV cache: not allocated");
  if (pos0 < 0 || n < 0 || static_cast<int64_t>(pos0) + n > n_ctx_) {
    return Status::errorf("KV cache: positions {}..{} do not fit the context of {}", pos0,
                          static_cast<int64_t>(pos0) + n - 1, n_ctx_);
  }
  if (n == 0) return Status::ok();
  const size_t first = static_cast<size_t>(pos0 / kKvBlockSize);
  const size_t last = static_cast<size_t>((pos0 + n - 1) / kKvBlockSize);
  for (size_t i = first; i <= last; ++i) {
    if (i >= table_.size()) {
      // Positions between the mapped ones and pos0 (normally none) get blocks too, so that
      // the table stays dense.
      while (table_.size() <= i) {
        HEARTH_ASSIGN_OR_RETURN(int32_t b, pool_->acquire());
        table_.push_back(b);
      }
      continue;
    }
    const int32_t b = table_[i];
    if (pool_->writable(b)) continue;
    n_offered_ = std::min(n_offered_, i);
    if (pool_->refcount(b) == 1) {
      pool_->unpublish(b);  // only we hold it: stop offering it and write in place
      continue;
    }
    // Shared: copy the rows this sequence keeps (those before pos0) into a private block.
    HEARTH_ASSIGN_OR_RETURN(int32_t copy, pool_->acquire());
    const int32_t keep = std::max(0, pos0 - static_cast<int32_t>(i) * kKvBlockSize);
    pool_->copy_rows(b, copy, std::min(keep, kKvBlockSize));
    pool_->release(b);
    table_[i] = copy;
  }
  return Status::ok();
}

void KvCache::store(int32_t layer, int32_t pos0, int32_t n, const float* keys,
                    const float* values) {
  const int32_t kw = pool_->k_width(), vw = pool_->v_width();
  for (int32_t r = 0; r < n; ++r) {
    const int32_t pos = pos0 + r;
    const size_t blk = static_cast<size_t>(pos / kKvBlockSize);
    HEARTH_DCHECK(blk < table_.size() && pool_->writable(table_[blk]));
    uint16_t* k = pool_->mutable_k(table_[blk], layer, pos % kKvBlockSize);
    uint16_t* v = pool_->mutable_v(table_[blk], layer, pos % kKvBlockSize);
    const float* kr = keys + static_cast<size_t>(r) * kw;
    const float* vr = values + static_cast<size_t>(r) * vw;
    for (int32_t j = 0; j < kw; ++j) k[j] = f32_to_fp16(kr[j]);
    for (int32_t j = 0; j < vw; ++j) v[j] = f32_to_fp16(vr[j]);
  }
}

void KvCache::truncate(int32_t n_keep) {
  const size_t keep =
      static_cast<size_t>((std::max(n_keep, 0) + kKvBlockSize - 1) / kKvBlockSize);
  // Last blocks first, so the pool evicts a sequence's tail before its head.
  while (table_.size() > keep) {
    pool_->release(table_.back());
    table_.pop_back();
  }
  n_offered_ = std::min(n_offered_, keep);
}

int32_t KvCache::reuse_prefix(std::span<const TokenId> tokens, int32_t max_positions) {
  release();
  if (!pool_) return 0;
  const size_t limit = std::min<size_t>(tokens.size(), static_cast<size_t>(
                                                           std::clamp(max_positions, 0, n_ctx_)));
  int32_t parent = -1;
  for (size_t pos = 0; pos + kKvBlockSize <= limit; pos += kKvBlockSize) {
    const int32_t b = pool_->find(parent, tokens.subspan(pos, kKvBlockSize));
    if (b < 0) break;
    pool_->retain(b);
    table_.push_back(b);
    parent = b;
  }
  n_offered_ = table_.size();
  auto reused = static_cast<int32_t>(table_.size()) * kKvBlockSize;
  // The prompt goes on inside a block an earlier sequence filled: copy the rows they share
  // into a private block (the cached one stays for others).
  if (static_cast<size_t>(reused) < limit) {
    int32_t matched = 0;
    const int32_t from = pool_->find_partial(parent, tokens.subspan(static_cast<size_t>(reused), limit - reused), matched);
    if (from >= 0) {
      pool_->retain(from);  // so that acquire() cannot recycle it
      if (auto to = pool_->acquire(); to) {
        pool_->copy_rows(from, *to, matched);
        table_.push_back(*to);
        reused += matched;
      }
      pool_->release(from);
    }
  }
  return reused;
}

void KvCache::publish_prefix(std::span<const TokenId> tokens) {
  if (!pool_) return;
  const size_t full = std::min(tokens.size() / kKvBlockSize, table_.size());
  for (size_t i = n_offered_; i < full; ++i) {
    const int32_t parent = i == 0 ? -1 : table_[i - 1];
    // A refused block (its parent is private, or an equal one is cached) stays private; it is
    // not offered again.
    pool_->publish(table_[i], parent, tokens.subspan(i * kKvBlockSize, kKvBlockSize));
  }
  n_offered_ = std::max(n_offered_, full);
}

}  // namespace hearth
