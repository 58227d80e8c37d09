// tokenizer: the SentencePiece bigram-merge encoder (llama.cpp's llm_tokenizer_spm rules).
#include "tokenizer/spm_encoder.h"

#include <algorithm>
#include <queue>

#include "tokenizer/utf8.h"

namespace hearth {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the text
  size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;
};

// Highest score first; on a tie the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmSession {
 public:
  SpmSession(const Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void run(std::vector<TokenId>& out) {
    // One symbol per UTF-8 character (a truncated sequence at the end is its own symbol).
    for (size_t offset = 0; offset < text_.size();) {
      const size_t n = std::min(utf8::sequence_length(static_cast<uint8_t>(text_[offset])),
                                text_.size() - offset);
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({index - 1, offset + n == text_.size() ? -1 : index + 1, offset, n});
      offset += n;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add_bigram(i - 1, i);

    while (!queue_.empty()) {
      const Bigram bigram = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      // Stale: one side was merged away or grew since the pair was queued.
      if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      try_add_bigram(left.prev, bigram.left);
      try_add_bigram(bigram.left, left.next);
    }
    if (symbols_.empty()) return;
    for (int i = 0; i != -1; i = symbols_[i].next) resegment(symbols_[i], out);
  }

 private:
  std::string_view text_of(const Symbol& s) const { return text_.substr(s.offset, s.n); }

  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const std::string_view merged =
        text_.substr(symbols_[left].offset, symbols_[left].n + symbols_[right].n);
    const TokenId id = vocab_.find(merged);
    if (id == kNoToken) return;
    queue_.push({left, right, vocab_.tokens[static_cast<size_t>(id)].score, merged.size()});
  }

  // Emits a symbol as its token. A pair is only merged when the merged text is a token, so
  // only an unmerged character can miss the vocabulary: it becomes byte tokens.
  void resegment(const Symbol& symbol, std::vector<TokenId>& out) const {
    const std::string_view text = text_of(symbol);
    const TokenId id = vocab_.find(text);
    if (id != kNoToken) {
      out.push_back(id);
      return;
    }
    for (char c : text) {
      const TokenId byte = vocab_.byte_token(static_cast<uint8_t>(c));
      // A vocabulary without byte tokens: fall back to <unk> rather than losing text.
      if (byte != kNoToken) {
        out.push_back(byte);
      } else if (vocab_.unk != kNoToken) {
        out.push_back(vocab_.unk);
      }
    }
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void spm_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  SpmSession(vocab, text).run(out);
}

}  // namespace hearth
