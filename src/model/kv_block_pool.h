// model: a pool of fixed-size KV cache blocks shared by the sequences of one model, with an
// index of cached prompt prefixes.
//
// A block holds the keys and values (f16 rows, every layer) of kKvBlockSize consecutive
// positions. Sequences map their positions to blocks through a block table (KvCache). Blocks
// are refcounted; only full blocks are ever shared, and a shared block is never written (a
// writer gets a private copy first), so sharing cannot change anyone's results.
//
// The prefix index is keyed by a chained hash of full blocks' token ids (a block's key mixes
// its parent's). A hit is verified, not trusted: the block's tokens must equal the prompt's and
// its recorded parent must be the very publication matched for the previous block, so a hash
// collision or a recycled parent can never hand out keys computed for a different prefix.
// Unreferenced published blocks stay cached, least recently released first out, until a
// sequence needs a block and none is free.
//
// Not thread-safe: one thread (the engine's) uses a pool; the counters may be read anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

inline constexpr int32_t kKvBlockSize = 16;  // positions per block (a power of two)

class KvBlockPool {
 public:
  // Allocates n_blocks blocks for the model's layers and K/V widths (zeroed).
  KvBlockPool(const ModelConfig& c, int32_t n_blocks);
  // Blocks enough for n_seq sequences of n_ctx positions each: with that many, every sequence
  // can always grow to its full context (cached prefix blocks are evicted as needed).
  static int32_t blocks_for(int32_t n_ctx, int32_t n_seq);

  int32_t n_blocks() const { return n_blocks_; }
  int32_t n_layer() const { return n_layer_; }
  int32_t k_width() const { return k_width_; }
  int32_t v_width() const { return v_width_; }
  uint64_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

  // Row of one position (offset < kKvBlockSize) of a block in a layer.
  const uint16_t* k(int32_t block, int32_t layer, int32_t offset) const {
    return k_.data() + row_index(block, layer, offset, k_width_);
  }
  const uint16_t* v(int32_t block, int32_t layer, int32_t offset) const {
    return v_.data() + row_index(block, layer, offset, v_width_);
  }
  uint16_t* mutable_k(int32_t block, int32_t layer, int32_t offset) {
    return k_.data() + row_index(block, layer, offset, k_width_);
  }
  uint16_t* mutable_v(int32_t block, int32_t layer, int32_t offset) {
    return v_.data() + row_index(block, layer, offset, v_width_);
  }

  // A block for one sequence to write (refcount 1, unpublished): a free one, else the least
  // recently used cached one (unpublished first). Errors when every block is in use.
  Result<int32_t> acquire();
  void retain(int32_t block);
  // Drops one reference; at zero a published block stays cached, others become free.
  void release(int32_t block);
  int32_t refcount(int32_t block) const { return blocks_[block].refs; }
  bool published(int32_t block) const { return blocks_[block].serial != 0; }
  // Whether a sequence holding `block` may write into it in place (no one else sees it).
  bool writable(int32_t block) const { return blocks_[block].refs == 1 && !published(block); }
  // Takes `block` out of the index (its holder is about to overwrite it).
  void unpublish(int32_t block);
  // Copies the first n_positions rows of every layer from one block to another.
  void copy_rows(int32_t from, int32_t to, int32_t n_positions);

  // Offers a full block for reuse: `tokens` (kKvBlockSize ids) are its positions' tokens and
  // parent the block before it in the sequence (-1 for the first). Returns false (and leaves it
  // private) when the parent is not published or an equal block is already in the index.
  bool publish(int32_t block, int32_t parent, std::span<const TokenId> tokens);
  // The published block holding `tokens` (kKvBlockSize ids) after `parent` (-1 at the start of
  // a sequence), verified; -1 when there is none. Does not retain it.
  int32_t find(int32_t parent, std::span<const TokenId> tokens) const;
  // The published block after `parent` whose tokens begin with the longest run of `tokens`
  // (at most kKvBlockSize are compared); `matched` gets that run's length (0 and -1 returned
  // when none shares a first token). For a prompt that ends inside a block an earlier sequence
  // filled. Scans every block: one call per request. Does not retain it.
  int32_t find_partial(int32_t parent, std::span<const TokenId> tokens, int32_t& matched) const;

  // Gauges, readable from any thread.
  int32_t blocks_in_use() const { return in_use_.load(std::memory_order_relaxed); }
  int32_t blocks_cached() const { return cached_.load(std::memory_order_relaxed); }
  int32_t blocks_free() const { return n_blocks_ - blocks_in_use() - blocks_cached(); }

 private:
  struct Block {
    int32_t refs = 0;
    uint64_t serial = 0;         // publication number; 0: not published
    uint64_t hash = 0;           // index key while published
    uint64_t parent_serial = 0;  // the parent's publication (0: first block of a sequence)
    std::vector<TokenId> tokens; // while published
    std::list<int32_t>::iterator lru;  // in lru_ while refs == 0 and published
  };

  size_t row_index(int32_t block, int32_t layer, int32_t offset, int32_t width) const {
    return ((static_cast<size_t>(block) * n_layer_ + layer) * kKvBlockSize + offset) * width;
  }
  uint64_t chain_hash(uint64_t parent_serial, std::span<const TokenId> tokens) const;
  void drop_from_index(int32_t block);

  int32_t n_blocks_, n_layer_, k_width_, v_width_;
  std::vector<uint16_t> k_, v_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;
  std::list<int32_t> lru_;  // cached blocks, least recently released first
  std::unordered_map<uint64_t, int32_t> index_;  // chain hash -> published block
  uint64_t next_serial_ = 1;
  std::atomic<int32_t> in_use_{0}, cached_{0};
};

}  // namespace hearth
