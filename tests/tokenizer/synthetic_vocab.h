// tests: builds small in-memory GGUF vocabularies (tokenizer.ggml.* keys only), to test the
// loader's errors and defaults and the encoders' rules on cases small enough to reason about.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"

namespace hearth::tokenizer_testing {

// Token types as GGUF stores them.
enum SynthType {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

class SynthVocab {
 public:
  explicit SynthVocab(std::string model) { set_string("tokenizer.ggml.model", std::move(model)); }

  SynthVocab& token(std::string text, float score = 0.0f, int type = kNormal) {
    texts_.push_back(std::move(text));
    scores_.push_back(score);
    types_.push_back(type);
    return *this;
  }
  // Every <0xXX> byte token, as SentencePiece vocabularies have them.
  SynthVocab& byte_tokens() {
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      token(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0.0f, kByte);
    }
    return *this;
  }
  SynthVocab& merges(std::vector<std::string> m) {
    std::vector<gguf::Value> items;
    for (auto& s : m) items.push_back(gguf::Value::of_string(std::move(s)));
    return set("tokenizer.ggml.merges",
               gguf::Value::of_array(gguf::Array{gguf::ValueType::STRING, std::move(items)}));
  }
  SynthVocab& set(const std::string& key, gguf::Value v) {
    extra_[key] = std::move(v);
    return *this;
  }
  SynthVocab& set_string(const std::string& key, std::string s) {
    return set(key, gguf::Value::of_string(std::move(s)));
  }
  SynthVocab& set_u32(const std::string& key, uint32_t v) {
    return set(key, gguf::Value::of_uint(gguf::ValueType::UINT32, v));
  }
  SynthVocab& set_bool(const std::string& key, bool v) { return set(key, gguf::Value::of_bool(v)); }
  SynthVocab& omit(const std::string& key) {
    omitted_.insert(key);
    return *this;
  }

  std::vector<uint8_t> bytes() const {
    gguf::GgufWriter w;
    using gguf::Value;
    using gguf::ValueType;
    std::vector<Value> texts, scores, types;
    for (size_t i = 0; i < texts_.size(); ++i) {
      texts.push_back(Value::of_string(texts_[i]));
      scores.push_back(Value::of_float(ValueType::FLOAT32, scores_[i]));
      types.push_back(Value::of_int(ValueType::INT32, types_[i]));
    }
    std::map<std::string, Value> kv = extra_;
    kv.emplace("tokenizer.ggml.tokens", Value::of_array({ValueType::STRING, texts}));
    kv.emplace("tokenizer.ggml.scores", Value::of_array({ValueType::FLOAT32, scores}));
    kv.emplace("tokenizer.ggml.token_type", Value::of_array({ValueType::INT32, types}));
    for (auto& [k, v] : kv) {
      if (!omitted_.count(k)) w.set(k, v);
    }
    return w.to_bytes();
  }

  Result<std::unique_ptr<Tokenizer>> build() const {
    const std::vector<uint8_t> b = bytes();
    auto file = gguf::GgufFile::from_memory(b);
    if (!file) return file.status();
    return Tokenizer::from_gguf(**file);  // copies what it needs; the bytes may go
  }

 private:
  std::vector<std::string> texts_;
  std::vector<float> scores_;
  std::vector<int> types_;
  std::map<std::string, gguf::Value> extra_;
  std::set<std::string> omitted_;
};

}  // namespace hearth::tokenizer_testing
