// tokenizer: a flat open-addressing hash index over strings stored elsewhere; a vocabulary's
// text -> id map without one heap node per entry, so 262k-token vocabularies load fast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth {

class StringIndex {
 public:
  void reserve(size_t n);
  // Adds `key` as entry number size(); `key`'s bytes must outlive the index. Returns the
  // entry already holding an equal key instead (and adds nothing), else -1.
  int32_t add(std::string_view key);
  int32_t find(std::string_view key) const;  // entry number, -1 when absent
  size_t size() const { return keys_.size(); }
  void clear();

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t entry = -1;  // -1: empty
  };
  void rehash(size_t slot_count);
  size_t home(uint64_t hash) const { return static_cast<size_t>(hash) & (slots_.size() - 1); }

  std::vector<std::string_view> keys_;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
};

}  // namespace hearth
