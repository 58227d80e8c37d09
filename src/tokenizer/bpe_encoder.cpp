// tokenizer: byte-level BPE merging (llama.cpp's llm_tokenizer_bpe_session rules).
#include "tokenizer/bpe_encoder.h"

#include <algorithm>
#include <queue>
#include <string>

#include <fmt/format.h>

#include "tokenizer/byte_unicode.h"
#include "tokenizer/utf8.h"

namespace hearth {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the piece
  size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  size_t size;
};

// Lowest rank first; on a tie the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

bool only_newlines(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '\n'; });
}

}  // namespace

void BpeEncoder::encode(std::string_view text, std::vector<TokenId>& out) const {
  // llama.cpp decodes the text to code points before splitting, so malformed bytes reach the
  // merges as U+FFFD; do the same up front.
  std::string sanitized;
  if (!utf8::is_valid(text)) {
    sanitized = utf8::sanitize(text);
    text = sanitized;
  }
  std::string mapped;
  for (std::string_view piece : pre_.split(text)) {
    if (vocab_.byte_encode) {
      mapped.clear();
      append_byte_encoded(mapped, piece);
      encode_piece(mapped, out);
    } else {
      encode_piece(piece, out);
    }
  }
}

void BpeEncoder::encode_piece(std::string_view piece, std::vector<TokenId>& out) const {
  if (piece.empty()) return;
  if (vocab_.ignore_merges && vocab_.find(piece) != kNoToken) {
    emit_symbol(piece, out);
    return;
  }
  // gemma4: a run of newlines that is a token stays whole.
  const bool gemma4_pre = vocab_.pre == "gemma4" || vocab_.pre == "granite-embed-multi-311m";
  if (gemma4_pre && only_newlines(piece) && vocab_.find(piece) != kNoToken) {
    emit_symbol(piece, out);
    return;
  }

  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < piece.size();) {
    const size_t n = std::min(utf8::sequence_length(static_cast<uint8_t>(piece[offset])),
                              piece.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + n == piece.size() ? -1 : index + 1, offset, n});
    offset += n;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  const auto add_bigram = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const int32_t rank =
        vocab_.merge_rank(piece.substr(l.offset, l.n), piece.substr(r.offset, r.n));
    if (rank < 0) return;
    queue.push({left, right, rank, l.n + r.n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) add_bigram(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    // Stale: a side was merged away or grew since the pair was queued (the pair's text is
    // then no longer left + right).
    if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    add_bigram(left.prev, bigram.left);
    add_bigram(bigram.left, left.next);
  }
  for (const Symbol& s : symbols) {
    if (s.n > 0) emit_symbol(piece.substr(s.offset, s.n), out);
  }
}

// A merged symbol that is no token falls back to single-byte lookups: the raw byte of the
// mapped text (byte-level BPE; only ASCII characters map to themselves) or <0xXX>.
void BpeEncoder::emit_symbol(std::string_view symbol, std::vector<TokenId>& out) const {
  const TokenId id = vocab_.find(symbol);
  if (id != kNoToken) {
    out.push_back(id);
    return;
  }
  for (char c : symbol) {
    const TokenId byte = vocab_.byte_encode
                             ? vocab_.find(std::string_view(&c, 1))
                             : vocab_.find(fmt::format("<0x{:02X}>", static_cast<uint8_t>(c)));
    if (byte != kNoToken) out.push_back(byte);
  }
}

}  // namespace hearth
