// model/synth: byte-level BPE and WordPiece vocabularies learnt from a built-in English text.
#include "model/synth_vocab.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <unordered_set>

namespace hearth::synth {
namespace {

// The text the BPE merges and WordPiece words are learnt from: plain, common English.
constexpr std::string_view kCorpus =
    "The weather was calm on the morning the boats left the harbor. Every sailor knew the "
    "river would be high after the rain, and they had planned the trip for many weeks. "
    "She opened the door and looked at the sky, then walked to the station with her brother. "
    "It is important to read the instructions before you start working on the computer. "
    "The program reads a sequence of numbers and prints the result of each step. "
    "When the children came home from school, their mother had made bread and warm soup. "
    "We should always check the answer twice, because a small mistake can change everything. "
    "There are many ways to learn a new language, but the best one is to speak it every day. "
    "He asked the teacher a question about the history of the old town and its people. "
    "The little dog played in the garden while the cat slept in the sun near the window. "
    "Scientists measure the temperature of the water at the bottom of the lake each summer. "
    "After dinner they sat together, talked about the day and listened to music until late. "
    "This is the first time that I have seen the mountains covered with fresh white snow. "
    "You can find the book on the shelf in the living room, next to the green lamp. "
    "The train was late again, so the people waiting on the platform were cold and tired. "
    "A good story has a beginning, a middle and an end, and it makes the reader think. "
    "Our team will meet this afternoon to discuss the plan for the next project. "
    "The company wants to build a new bridge across the river before the winter comes. "
    "Please write your name and address clearly at the top of the first page. "
    "In the evening the streets were quiet, and the light from the houses was soft and yellow. "
    "Some birds fly south for the winter, and others stay where they were born all year. "
    "The engineer explained how the machine works and why it sometimes stops working. "
    "They found an old map in the attic and decided to follow it to the forest. "
    "My grandfather likes to tell stories about the years when he worked on a farm. "
    "Reading every day helps children understand words, ideas and the world around them. "
    "The market opens early, and by noon most of the fresh fruit and vegetables are gone. "
    "If you want to make good coffee, use clean water and grind the beans just before. "
    "The students wrote a short report about the moon, the stars and the planets. "
    "Nobody could remember where the keys were, so we searched the whole house for them. "
    "The doctor said that sleep, simple food and a long walk each day would help. ";

constexpr std::string_view kBos = "<|bos|>", kEos = "<|eos|>";
constexpr int32_t kNaturalVocab = 512;

// GPT-2's reversible byte -> printable code point map: printable Latin-1 bytes keep their code
// point, the others (controls, space, ...) take 256, 257, ... in byte order.
bool byte_is_printable(int b) {
  return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// Byte tokens in code point order, as GPT-2 vocabularies list them; `bytes` gets the byte
// each one stands for.
std::vector<std::string> byte_tokens(std::vector<int>& bytes) {
  std::vector<std::string> tokens;
  for (int pass = 0; pass < 2; ++pass) {  // printable bytes first, then the remapped ones
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = byte_is_printable(b);
      if (printable == (pass == 0)) {
        tokens.push_back(utf8(printable ? static_cast<uint32_t>(b) : next));
        bytes.push_back(b);
      }
      if (!printable) ++next;
    }
  }
  return tokens;
}

// Marks control tokens quiet (see SynthVocab::quiet), and sizes `quiet` to the vocabulary.
void mark_control_quiet(SynthVocab& v) {
  v.quiet.resize(v.tokens.size(), false);
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (v.token_types[i] == kTokenControl) v.quiet[i] = true;
}

const std::string kSpaceSymbol = utf8(256 + ' ');  // "Ġ": the space byte's code point

// Words of the corpus as the GPT-2 pre-tokenizer sees letter runs: " word" -> "Ġword".
std::map<std::vector<std::string>, int> corpus_words_as_symbols() {
  std::map<std::vector<std::string>, int> words;
  size_t i = 0;
  while (i < kCorpus.size()) {
    if (!std::isalpha(static_cast<unsigned char>(kCorpus[i]))) {
      ++i;
      continue;
    }
    std::vector<std::string> symbols;
    if (i > 0 && kCorpus[i - 1] == ' ') symbols.push_back(kSpaceSymbol);
    while (i < kCorpus.size() && std::isalpha(static_cast<unsigned char>(kCorpus[i])))
      symbols.emplace_back(1, kCorpus[i++]);
    ++words[symbols];
  }
  return words;
}

// Classic BPE training: merge the most frequent adjacent pair (ties: the smallest pair) until
// `n_new` new tokens exist or nothing is left to merge.
void learn_merges(int n_new, std::vector<std::string>& tokens, std::vector<std::string>& merges,
                  std::unordered_set<std::string>& known) {
  auto words = corpus_words_as_symbols();
  int added = 0;
  while (added < n_new) {
    std::map<std::pair<std::string, std::string>, int> pair_counts;
    for (const auto& [symbols, count] : words)
      for (size_t k = 0; k + 1 < symbols.size(); ++k)
        pair_counts[{symbols[k], symbols[k + 1]}] += count;
    if (pair_counts.empty()) return;
    auto best = pair_counts.begin();
    for (auto it = pair_counts.begin(); it != pair_counts.end(); ++it)
      if (it->second > best->second) best = it;
    const auto [left, right] = best->first;
    merges.push_back(left + " " + right);
    if (known.insert(left + right).second) {
      tokens.push_back(left + right);
      ++added;
    }
    std::map<std::vector<std::string>, int> merged;
    for (const auto& [symbols, count] : words) {
      std::vector<std::string> out;
      for (size_t k = 0; k < symbols.size(); ++k) {
        if (k + 1 < symbols.size() && symbols[k] == left && symbols[k + 1] == right) {
          out.push_back(left + right);
          ++k;
        } else {
          out.push_back(symbols[k]);
        }
      }
      merged[out] += count;
    }
    words = std::move(merged);
  }
}

// Pseudo-words from consonant-vowel syllables; every index gives a distinct word (the syllable
// count is fixed by the index range and each syllable is two letters).
std::string pseudo_word(uint64_t index) {
  static constexpr std::string_view kConsonants = "bdfgklmnprstvz", kVowels = "aeiou";
  const uint64_t n_syllables = kConsonants.size() * kVowels.size();
  uint64_t count = 1, span = n_syllables;
  while (index >= span) {
    index -= span;
    ++count;
    span *= n_syllables;
  }
  std::string word;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t s = index % n_syllables;
    index /= n_syllables;
    word += kConsonants[s / kVowels.size()];
    word += kVowels[s % kVowels.size()];
  }
  return word;
}

// Appends normal tokens `prefix(k) + pseudo_word(k)` not yet in the vocabulary up to n_vocab.
template <typename PrefixFn>
void pad_with_filler(SynthVocab& v, int32_t n_vocab, std::unordered_set<std::string>& known,
                     PrefixFn prefix) {
  v.n_real = static_cast<int32_t>(v.tokens.size());
  for (uint64_t k = 0; static_cast<int32_t>(v.tokens.size()) < n_vocab; ++k) {
    std::string text = prefix(k) + pseudo_word(k);
    if (!known.insert(text).second) continue;
    v.tokens.push_back(std::move(text));
    v.token_types.push_back(kTokenNormal);
  }
}

gguf::Value string_array(const std::vector<std::string>& items) {
  gguf::Array a{gguf::ValueType::STRING, {}};
  a.items.reserve(items.size());
  for (const auto& s : items) a.items.push_back(gguf::Value::of_string(s));
  return gguf::Value::of_array(std::move(a));
}

gguf::Value id_value(int32_t id) {
  return gguf::Value::of_uint(gguf::ValueType::UINT32, static_cast<uint64_t>(id));
}

}  // namespace

Result<SynthVocab> make_bpe_vocab(int32_t n_vocab) {
  constexpr int32_t kMinVocab = 256 + 2;
  if (n_vocab == 0) n_vocab = kNaturalVocab;
  if (n_vocab < kMinVocab)
    return Status::errorf(
        "a byte-level BPE vocabulary needs at least {} tokens (256 bytes and "
        "2 special tokens), got n_vocab {}",
        kMinVocab, n_vocab);
  SynthVocab v;
  v.model = "gpt2";
  v.pre = "gpt-2";
  std::vector<int> bytes;
  v.tokens = byte_tokens(bytes);
  for (int b : bytes) v.quiet.push_back(!((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t'));
  std::unordered_set<std::string> known(v.tokens.begin(), v.tokens.end());
  learn_merges(std::min(n_vocab, kNaturalVocab) - kMinVocab, v.tokens, v.merges, known);
  v.token_types.assign(v.tokens.size(), kTokenNormal);
  v.bos = static_cast<int32_t>(v.tokens.size());
  v.eos = v.bos + 1;
  for (auto special : {kBos, kEos}) {
    v.tokens.emplace_back(special);
    v.token_types.push_back(kTokenControl);
    known.emplace(special);
  }
  // Most fillers start a word so that sampled ones read as words separated by spaces.
  pad_with_filler(v, n_vocab, known,
                  [](uint64_t k) { return k % 4 == 3 ? std::string() : kSpaceSymbol; });
  mark_control_quiet(v);
  return v;
}

Result<SynthVocab> make_wordpiece_vocab(int32_t n_vocab) {
  static const std::string kWordStart = "\xE2\x96\x81";  // "▁" marks a word-initial piece
  static constexpr std::string_view kSuffixes[] = {
      "s",   "ed",  "ing", "ly", "er", "est", "tion", "ness", "ment", "able", "ful", "less",
      "ity", "ous", "ive", "al", "en", "es",  "ies",  "ers",  "ings", "th",   "ish", "ic"};
  if (n_vocab == 0) n_vocab = kNaturalVocab;
  SynthVocab v;
  v.model = "bert";
  v.pre = "bert-bge";
  for (auto special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    v.tokens.emplace_back(special);
    v.token_types.push_back(kTokenControl);
  }
  v.pad = 0, v.unk = 1, v.bos = 2, v.eos = 3, v.mask = 4;
  // Every printable lower-case ASCII character both starts and continues a word, so any such
  // text tokenises without [UNK].
  for (int c = 33; c < 127; ++c)
    if (!std::isupper(c)) v.tokens.push_back(kWordStart + static_cast<char>(c));
  for (int c = 33; c < 127; ++c)
    if (std::isalnum(c) && !std::isupper(c)) v.tokens.emplace_back(1, static_cast<char>(c));
  if (static_cast<int32_t>(v.tokens.size()) > n_vocab)
    return Status::errorf(
        "a WordPiece vocabulary needs at least {} tokens (specials and single "
        "characters), got n_vocab {}",
        v.tokens.size(), n_vocab);
  std::vector<std::string> pieces(std::begin(kSuffixes), std::end(kSuffixes));
  // Then the corpus's words, most frequent first.
  std::map<std::string, int> counts;
  for (const auto& [symbols, count] : corpus_words_as_symbols()) {
    std::string word;
    for (const auto& s : symbols)
      if (s != kSpaceSymbol)
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    counts[word] += count;
  }
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [word, count] : counts) by_count.emplace_back(-count, word);
  std::sort(by_count.begin(), by_count.end());
  for (const auto& [neg_count, word] : by_count) pieces.push_back(kWordStart + word);

  std::unordered_set<std::string> known(v.tokens.begin(), v.tokens.end());
  const int32_t n_pieces = std::min(n_vocab, kNaturalVocab);
  for (const auto& p : pieces)
    if (static_cast<int32_t>(v.tokens.size()) < n_pieces && known.insert(p).second)
      v.tokens.push_back(p);
  v.token_types.resize(v.tokens.size(), kTokenNormal);
  pad_with_filler(v, n_vocab, known, [](uint64_t) { return kWordStart; });
  mark_control_quiet(v);
  return v;
}

std::vector<std::pair<std::string, gguf::Value>> vocab_metadata(const SynthVocab& v) {
  using gguf::Value;
  std::vector<std::pair<std::string, Value>> kv;
  kv.emplace_back("tokenizer.ggml.model", Value::of_string(v.model));
  kv.emplace_back("tokenizer.ggml.pre", Value::of_string(v.pre));
  if (v.model == "bert")
    kv.emplace_back("tokenizer.ggml.token_type_count", Value::of_uint(gguf::ValueType::UINT32, 2));
  kv.emplace_back("tokenizer.ggml.tokens", string_array(v.tokens));
  gguf::Array types{gguf::ValueType::INT32, {}};
  types.items.reserve(v.token_types.size());
  for (int32_t t : v.token_types) types.items.push_back(Value::of_int(gguf::ValueType::INT32, t));
  kv.emplace_back("tokenizer.ggml.token_type", Value::of_array(std::move(types)));
  if (!v.merges.empty()) kv.emplace_back("tokenizer.ggml.merges", string_array(v.merges));
  kv.emplace_back("tokenizer.ggml.bos_token_id", id_value(v.bos));
  if (v.model == "bert") {
    kv.emplace_back("tokenizer.ggml.unknown_token_id", id_value(v.unk));
    kv.emplace_back("tokenizer.ggml.seperator_token_id", id_value(v.eos));  // sic: llama.cpp's key
    kv.emplace_back("tokenizer.ggml.padding_token_id", id_value(v.pad));
    kv.emplace_back("tokenizer.ggml.mask_token_id", id_value(v.mask));
    kv.emplace_back("tokenizer.ggml.add_bos_token", Value::of_bool(true));
    kv.emplace_back("tokenizer.ggml.add_sep_token", Value::of_bool(true));
  } else {
    kv.emplace_back("tokenizer.ggml.eos_token_id", id_value(v.eos));
    kv.emplace_back("tokenizer.ggml.add_bos_token", Value::of_bool(true));
    kv.emplace_back("tokenizer.ggml.add_eos_token", Value::of_bool(false));
  }
  return kv;
}

}  // namespace hearth::synth
