// tokenizer: StringIndex, linear probing over (hash, entry) pairs.
#include "tokenizer/string_index.h"

#include <functional>

namespace hearth {
namespace {

uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }
// The slot keeps the high half so that it adds information beyond the home position.
uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

}  // namespace

void StringIndex::reserve(size_t n) {
  keys_.reserve(n);
  size_t want = 16;
  while (want < 2 * n) want *= 2;
  if (want > slots_.size()) rehash(want);
}

void StringIndex::rehash(size_t slot_count) {
  slots_.assign(slot_count, Slot{});
  for (size_t e = 0; e < keys_.size(); ++e) {
    const uint64_t h = hash_of(keys_[e]);
    size_t i = home(h);
    while (slots_[i].entry >= 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {tag_of(h), static_cast<int32_t>(e)};
  }
}

int32_t StringIndex::add(std::string_view key) {
  if (2 * (keys_.size() + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * slots_.size());
  const uint64_t h = hash_of(key);
  const uint32_t tag = tag_of(h);
  size_t i = home(h);
  while (slots_[i].entry >= 0) {
    const Slot& s = slots_[i];
    if (s.hash == tag && keys_[static_cast<size_t>(s.entry)] == key) return s.entry;
    i = (i + 1) & (slots_.size() - 1);
  }
  slots_[i] = {tag, static_cast<int32_t>(keys_.size())};
  keys_.push_back(key);
  return -1;
}

int32_t StringIndex::find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const uint64_t h = hash_of(key);
  const uint32_t tag = tag_of(h);
  for (size_t i = home(h);; i = (i + 1) & (slots_.size() - 1)) {
    const Slot& s = slots_[i];
    if (s.entry < 0) return -1;
    if (s.hash == tag && keys_[static_cast<size_t>(s.entry)] == key) return s.entry;
  }
}

void StringIndex::clear() {
  keys_.clear();
  slots_.clear();
}

}  // namespace hearth
