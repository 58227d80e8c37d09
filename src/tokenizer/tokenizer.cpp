// tokenizer: the Tokenizer for GGUF vocabularies: special-token splitting, then the SPM,
// BPE or WordPiece encoder per text fragment; decoding per token type.
#include "tokenizer/tokenizer.h"

#include <charconv>

#include "base/log.h"
#include "tokenizer/bpe_encoder.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/special_split.h"
#include "tokenizer/spm_encoder.h"
#include "tokenizer/utf8.h"
#include "tokenizer/vocab.h"
#include "tokenizer/wordpiece.h"

namespace hearth {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ') {
      out += kSpaceMarker;
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kSpaceMarker.size()) == kSpaceMarker) {
      out += ' ';
      i += kSpaceMarker.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

// Inverse of the GPT-2 byte mapping. A character outside the mapping is kept visible the way
// llama.cpp reports it ("[UNK_BYTE_0x..." + the whole token text + "]").
std::string decode_byte_level(std::string_view text) {
  std::string out;
  size_t offset = 0;
  while (offset < text.size()) {
    const uint32_t cpt = utf8::decode_one(text, offset);
    const int byte = unicode_to_byte(cpt);
    if (byte >= 0) {
      out += static_cast<char>(byte);
      continue;
    }
    out += "[UNK_BYTE_0x";
    for (char c : utf8::encode(cpt)) out += fmt::format("{:02x}", static_cast<uint8_t>(c));
    out += text;
    out += "]";
  }
  return out;
}

// "<0xAB>" -> 0xAB; -1 when the text has another form.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + 3, text.data() + 5, value, 16);
  return (ec == std::errc() && ptr == text.data() + 5) ? value : -1;
}

// Hugging Face's clean_up_tokenization_spaces, as llama_detokenize applies it.
std::string clean_up_spaces(std::string_view s) {
  if (s.empty()) return std::string(s);
  // " ?", " !", " .", " ," lose the space.
  std::string a(1, s[0]);
  for (size_t i = 1; i < s.size(); ++i) {
    const char x = s[i];
    if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) a.pop_back();
    a += x;
  }
  // " ' " becomes "'".
  std::string b(1, a[0]);
  for (size_t i = 1; i < a.size(); ++i) {
    const char x = a[i];
    if (x == '\'' && i + 1 < a.size() && a[i - 1] == ' ' && a[i + 1] == ' ') {
      b.pop_back();
      a[i + 1] = '\0';  // mark the skipped space: it no longer precedes the next character
      b += x;
      ++i;
      continue;
    }
    b += x;
  }
  // " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
  std::string c(1, b[0]);
  for (size_t i = 1; i < b.size(); ++i) {
    const char x = b[i];
    if (b[i - 1] == ' ' && x == '\'' && i + 1 < b.size()) {
      const char x1 = b[i + 1];
      if (x1 == 's' || x1 == 'm') {
        c.pop_back();
      } else if (i + 2 < b.size()) {
        const char x2 = b[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) c.pop_back();
      }
    }
    c += x;
  }
  return c;
}

class VocabTokenizer final : public Tokenizer {
 public:
  VocabTokenizer(std::unique_ptr<Vocab> vocab, std::unique_ptr<PreTokenizer> pre)
      : vocab_(std::move(vocab)), pre_(std::move(pre)), specials_(*vocab_) {
    if (pre_) bpe_ = std::make_unique<BpeEncoder>(*vocab_, *pre_);
  }

  std::vector<TokenId> encode(std::string_view text, bool add_special,
                              bool parse_special) const override {
    const Vocab& v = *vocab_;
    std::vector<TokenId> out;
    const std::vector<Fragment> fragments =
        split_special_tokens(v, text, parse_special, &specials_);
    const bool bos = add_special && (v.type == VocabType::kWpm || v.add_bos);
    if (bos && v.bos != kNoToken) out.push_back(v.bos);
    bool after_special = true;  // SPM: the start of the text counts as "after a special"
    for (const Fragment& f : fragments) {
      if (!f.is_text()) {
        out.push_back(f.token);
        after_special = true;
        continue;
      }
      const std::string_view piece = text.substr(f.offset, f.length);
      switch (v.type) {
        case VocabType::kSpm: {
          std::string prefixed = (v.add_space_prefix && after_special) ? " " : "";
          prefixed += piece;
          spm_encode(v, escape_spaces(prefixed), out);
          break;
        }
        case VocabType::kBpe:
          if (v.escape_whitespaces) {
            bpe_->encode(escape_spaces(piece), out);
          } else {
            bpe_->encode(piece, out);
          }
          break;
        case VocabType::kWpm:
          wordpiece_encode(v, piece, out);
          break;
      }
      after_special = false;
    }
    if (add_special) {
      if (v.type == VocabType::kWpm) {
        if (v.sep != kNoToken) out.push_back(v.sep);
      } else if (v.add_eos && v.eos != kNoToken) {
        out.push_back(v.eos);
      }
    }
    return out;
  }

  std::string token_to_bytes(TokenId id) const override { return token_to_piece(id, false); }

  std::string token_to_piece(TokenId id, bool render_special) const override {
    const Vocab& v = *vocab_;
    if (!v.valid(id)) return "";
    const uint32_t attr = v.attr(id);
    const std::string& text = v.text(id);
    if (attr & (kAttrUnknown | kAttrControl)) return render_special ? text : "";
    if (attr & kAttrUserDefined) return text;
    if (attr & kAttrNormal) {
      if (v.type == VocabType::kBpe && !v.escape_whitespaces) return decode_byte_level(text);
      return unescape_spaces(text);
    }
    if ((attr & kAttrByte) && v.type != VocabType::kWpm) {
      const int byte = parse_byte_token(text);
      return byte >= 0 ? std::string(1, static_cast<char>(byte)) : text;
    }
    return "";  // unused and undefined tokens
  }

  std::string decode(std::span<const TokenId> ids, bool remove_special,
                     bool render_special) const override {
    const Vocab& v = *vocab_;
    bool remove_space = v.add_space_prefix;
    if (remove_special && v.add_bos && !ids.empty() && ids.front() == v.bos) {
      remove_space = false;
      ids = ids.subspan(1);
    }
    if (remove_special && v.add_eos && !ids.empty() && ids.back() == v.eos) {
      ids = ids.first(ids.size() - 1);
    }
    std::string out;
    for (TokenId id : ids) {
      const std::string piece = token_to_piece(id, render_special);
      const size_t skip = (remove_space && !piece.empty() && piece[0] == ' ') ? 1 : 0;
      out.append(piece, skip);
      remove_space = false;
    }
    return v.clean_spaces ? clean_up_spaces(out) : out;
  }

  int32_t n_vocab() const override { return vocab_->n_tokens(); }
  TokenId bos() const override { return vocab_->bos; }
  TokenId eos() const override { return vocab_->eos; }
  bool is_end_of_generation(TokenId id) const override { return vocab_->eog_ids.count(id) > 0; }
  bool is_control(TokenId id) const override {
    return vocab_->valid(id) && (vocab_->attr(id) & kAttrControl);
  }
  const std::string& token_text(TokenId id) const override {
    static const std::string kNone;
    return vocab_->valid(id) ? vocab_->text(id) : kNone;
  }
  TokenId find_token(std::string_view text) const override { return vocab_->find(text); }
  bool adds_space_prefix() const override { return vocab_->add_space_prefix; }

 private:
  std::unique_ptr<Vocab> vocab_;
  std::unique_ptr<PreTokenizer> pre_;  // BPE only
  SpecialTokenMatcher specials_;
  std::unique_ptr<BpeEncoder> bpe_;
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<Vocab> vocab, Vocab::from_gguf(file));
  std::unique_ptr<PreTokenizer> pre;
  if (vocab->type == VocabType::kBpe) {
    auto created = PreTokenizer::create(vocab->pre);
    if (!created) return created.status().with_context("tokenizer.ggml.pre");
    pre = std::move(created).value();
  }
  return std::unique_ptr<Tokenizer>(new VocabTokenizer(std::move(vocab), std::move(pre)));
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool remove_special,
                              bool render_special) const {
  std::string out;
  for (TokenId id : ids) out += token_to_piece(id, render_special);
  return out;
}

}  // namespace hearth
