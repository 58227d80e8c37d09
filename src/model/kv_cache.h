// model: the key/value cache of one sequence: per layer, one row of keys and one of values per
// position, stored as f16 (half the memory of f32, and the rounding llama.cpp's default cache
// applies), so evaluating tokens in several calls equals one call.
//
// Positions live in fixed-size blocks (model/kv_block_pool.h) named by a block table; the pool
// is the sequence's own (allocate) or shared with other sequences of the same model (attach),
// in which case full blocks of a prompt prefix can be reused from an earlier sequence instead of
// being evaluated again. A row is contiguous; consecutive positions are contiguous only within
// a block.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "model/kv_block_pool.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

class KvCache {
 public:
  KvCache() = default;
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // A private pool with room for n_ctx positions (the whole context, allocated now).
  void allocate(const ModelConfig& c, int32_t n_ctx);
  // Positions come from `pool` (shared with other sequences); at most n_ctx of them.
  void attach(std::shared_ptr<KvBlockPool> pool, int32_t n_ctx);

  int32_t n_ctx() const { return n_ctx_; }
  int32_t k_width() const { return pool_ ? pool_->k_width() : 0; }
  int32_t v_width() const { return pool_ ? pool_->v_width() : 0; }
  // Bytes of the blocks this sequence holds.
  uint64_t bytes() const;
  const KvBlockPool* pool() const { return pool_.get(); }
  std::span<const int32_t> block_table() const { return table_; }

  // Rows of f16 bits. Only positions made ready by prepare() (or reused) are valid.
  const uint16_t* k(int32_t layer, int32_t pos) const {
    const auto p = static_cast<uint32_t>(pos);
    return pool_->k(table_[p / kKvBlockSize], layer, static_cast<int32_t>(p % kKvBlockSize));
  }
  const uint16_t* v(int32_t layer, int32_t pos) const {
    const auto p = static_cast<uint32_t>(pos);
    return pool_->v(table_[p / kKvBlockSize], layer, static_cast<int32_t>(p % kKvBlockSize));
  }

  // Positions pos, pos+1, ... up to the end of pos's block have consecutive rows in memory
  // (per layer, k and v each): how many, counting pos.
  static int32_t contiguous_from(int32_t pos) { return kKvBlockSize - pos % kKvBlockSize; }

  // Makes positions [pos0, pos0 + n) writable: maps blocks for them, and gives this sequence a
  // private copy of any block it shares with others (the rows before pos0 are kept). Errors
  // past n_ctx or when the pool has no block left.
  Status prepare(int32_t pos0, int32_t n);
  // Rounds and stores n rows of keys and values (contiguous f32, k_width / v_width each) at
  // positions pos0... (prepared first).
  void store(int32_t layer, int32_t pos0, int32_t n, const float* keys, const float* values);

  // Keeps positions [0, n_keep) and returns the blocks wholly past them to the pool.
  void truncate(int32_t n_keep);
  // Returns every block (published ones stay cached in the pool for later reuse).
  void release() { truncate(0); }

  // Shared pools: drops what the sequence holds and maps the longest run of published blocks
  // that holds a prefix of `tokens`, at most max_positions positions; where the prefix goes on
  // inside a published block, the rows it shares are copied into a private block. Returns the
  // positions reused.
  int32_t reuse_prefix(std::span<const TokenId> tokens, int32_t max_positions);
  // Publishes every full block of positions [0, tokens.size()) not yet published, so that later
  // sequences starting with the same tokens can reuse them. `tokens` are the tokens at those
  // positions (the caller's record of what it evaluated).
  void publish_prefix(std::span<const TokenId> tokens);

 private:
  std::shared_ptr<KvBlockPool> pool_;
  int32_t n_ctx_ = 0;
  std::vector<int32_t> table_;  // block of positions [i*kKvBlockSize, (i+1)*kKvBlockSize)
  size_t n_offered_ = 0;        // leading blocks of table_ already offered to the index
};

}  // namespace hearth
