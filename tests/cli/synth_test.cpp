// `hearth synth` and the random-model writer behind it: quantisers checked against the kernels'
// dequantisation, the vocabularies, the written tables against llama.cpp's converter output in
// the reference models, and the files loaded and run.
#include "model/synth.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <span>
#include <string>

#include "cli/hearth_process.h"
#include "gguf/gguf_file.h"
#include "kernels/ref/ref_kernels.h"
#include "model/arch.h"
#include "model/model.h"
#include "model/synth_quantize.h"
#include "model/synth_vocab.h"
#include "tokenizer/tokenizer.h"

namespace hearth::synth {
namespace {

namespace fs = std::filesystem;

const fs::path& temp_dir() {
  static const test::ScratchDir dir("hearth_synth_test");
  return dir.path();
}

std::vector<float> gaussian_row(size_t n, uint32_t seed, float stddev = 0.02f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// ---- quantisers ------------------------------------------------------------------------------

struct QuantCase {
  DType type;
  double max_rel_rms;  // RMS error / RMS of the data, for gaussian data
};

// The bounds sit well above what each format's step size gives for gaussian data and far below
// the ~1.4 that a wrong layout or a wrong scale gives.
constexpr QuantCase kQuantCases[] = {
    {DType::F32, 0.0},     {DType::F16, 1e-3},  {DType::BF16, 5e-3}, {DType::Q8_0, 0.01},
    {DType::Q6_K, 0.04},   {DType::Q5_0, 0.06}, {DType::Q5_1, 0.06}, {DType::Q5_K, 0.06},
    {DType::Q4_0, 0.12},   {DType::Q4_1, 0.12}, {DType::Q4_K, 0.12}, {DType::IQ4_NL, 0.12},
    {DType::IQ4_XS, 0.12}, {DType::Q3_K, 0.25}, {DType::Q2_K, 0.45},
};

void PrintTo(const QuantCase& c, std::ostream* os) {
  *os << dtype_name(c.type);
}

class QuantiseTest : public ::testing::TestWithParam<QuantCase> {};

TEST_P(QuantiseTest, RoundTripsThroughReferenceDequantisation) {
  const QuantCase c = GetParam();
  constexpr size_t kN = 4096;  // 16 super-blocks, 128 small blocks
  for (uint32_t seed : {1u, 2u, 3u}) {
    // Scales differ per row in real weights; a large one checks nothing saturates.
    const float stddev = seed == 3 ? 3.0f : 0.02f;
    const std::vector<float> x = gaussian_row(kN, seed, stddev);
    std::vector<uint8_t> q(*row_bytes(c.type, kN), 0xAB);
    ASSERT_TRUE(quantize_row(c.type, x.data(), q.data(), kN).is_ok());
    std::vector<float> y(kN);
    kernels::ref::dequantize_row(c.type, q.data(), y.data(), kN);
    double err = 0, ref = 0;
    for (size_t i = 0; i < kN; ++i) {
      ASSERT_TRUE(std::isfinite(y[i])) << dtype_name(c.type) << " element " << i;
      err += (y[i] - x[i]) * (y[i] - x[i]);
      ref += x[i] * x[i];
    }
    EXPECT_LE(std::sqrt(err / ref), c.max_rel_rms) << dtype_name(c.type) << " seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantiseTest, ::testing::ValuesIn(kQuantCases),
                         [](const auto& info) { return std::string(dtype_name(info.param.type)); });

TEST(Quantise, ZeroRowsStayZero) {
  const std::vector<float> x(512, 0.0f);
  for (const auto& c : kQuantCases) {
    std::vector<uint8_t> q(*row_bytes(c.type, x.size()));
    ASSERT_TRUE(quantize_row(c.type, x.data(), q.data(), 512).is_ok());
    std::vector<float> y(512, 1.0f);
    kernels::ref::dequantize_row(c.type, q.data(), y.data(), 512);
    for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(c.type);
  }
}

TEST(Quantise, RejectsPartialBlocksAndUnwritableTypes) {
  const std::vector<float> x(300, 0.5f);
  std::vector<uint8_t> out(4096);
  const Status partial = quantize_row(DType::Q4_K, x.data(), out.data(), 300);
  ASSERT_FALSE(partial.is_ok());
  EXPECT_NE(partial.message().find("Q4_K"), std::string::npos) << partial.message();
  EXPECT_FALSE(quantize_row(DType::Q8_K, x.data(), out.data(), 256).is_ok());
  EXPECT_FALSE(quantize_row(DType::MXFP4, x.data(), out.data(), 32).is_ok());
  EXPECT_FALSE(can_quantize(DType::IQ2_XXS));
}

// ---- vocabularies ----------------------------------------------------------------------------

TEST(SynthVocab, BpeMergesBuildOnExistingTokens) {
  auto v = make_bpe_vocab(0);
  ASSERT_TRUE(v.is_ok()) << v.message();
  EXPECT_EQ(v->tokens.size(), 512u);
  EXPECT_EQ(v->token_types.size(), v->tokens.size());
  std::set<std::string> tokens(v->tokens.begin(), v->tokens.end());
  EXPECT_EQ(tokens.size(), v->tokens.size()) << "duplicate tokens";
  ASSERT_GT(v->merges.size(), 100u);
  for (const auto& m : v->merges) {
    const size_t space = m.find(' ');
    ASSERT_NE(space, std::string::npos) << m;
    const std::string left = m.substr(0, space), right = m.substr(space + 1);
    EXPECT_TRUE(tokens.count(left) && tokens.count(right) && tokens.count(left + right)) << m;
  }
  EXPECT_TRUE(tokens.count("\xC4\xA0the")) << "'Ġthe' should be learnt from English text";
  EXPECT_EQ(v->tokens[v->bos], "<|bos|>");
  EXPECT_EQ(v->tokens[v->eos], "<|eos|>");
  EXPECT_EQ(v->token_types[v->eos], kTokenControl);
}

TEST(SynthVocab, PadsToLargeSizesWithUniqueFiller) {
  auto v = make_bpe_vocab(20000);
  ASSERT_TRUE(v.is_ok()) << v.message();
  ASSERT_EQ(v->tokens.size(), 20000u);
  EXPECT_EQ(v->n_real, 512);
  EXPECT_EQ(std::set<std::string>(v->tokens.begin(), v->tokens.end()).size(), 20000u);
  auto w = make_wordpiece_vocab(3000);
  ASSERT_TRUE(w.is_ok()) << w.message();
  EXPECT_EQ(std::set<std::string>(w->tokens.begin(), w->tokens.end()).size(), 3000u);
  EXPECT_EQ(w->tokens[0], "[PAD]");
  EXPECT_EQ(w->tokens[w->bos], "[CLS]");
}

TEST(SynthVocab, TooSmallIsAnError) {
  EXPECT_FALSE(make_bpe_vocab(100).is_ok());
  EXPECT_FALSE(make_wordpiece_vocab(50).is_ok());
}

// ---- whole files ---------------------------------------------------------------------------

Result<SynthSummary> synth(const fs::path& path, std::string_view arch, std::string_view type,
                           uint64_t seed = 7, const SynthShape* shape = nullptr) {
  SynthOptions o;
  if (shape) {
    o.shape = *shape;
  } else {
    HEARTH_ASSIGN_OR_RETURN(o.shape, named_shape("tiny", arch));
  }
  HEARTH_ASSIGN_OR_RETURN(o.scheme, parse_weight_scheme(type));
  o.seed = seed;
  o.n_threads = 2;
  return write_synth_model(o, path.string());
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The tensor table (name -> shape and type) llama.cpp's converter wrote for a reference model,
// and the shape that reproduces it.
struct Table {
  std::map<std::string, std::pair<std::vector<uint64_t>, uint32_t>> tensors;
};
Table table_of(const gguf::GgufFile& f) {
  Table t;
  for (const auto& info : f.tensors()) t.tensors[info.name] = {info.ne, info.type_id};
  return t;
}

SynthShape shape_of(const ModelConfig& c, bool tied) {
  SynthShape s;
  s.arch = c.arch;
  s.n_embd = c.n_embd, s.n_layer = c.n_layer, s.n_head = c.n_head, s.n_head_kv = c.n_head_kv;
  s.head_dim = c.head_dim_k, s.n_ff = c.n_ff, s.n_vocab = c.n_vocab, s.n_ctx = c.n_ctx_train;
  s.n_expert = c.n_expert, s.n_expert_used = c.n_expert_used, s.n_ff_expert = c.n_ff_expert;
  s.tied_output = tied;
  return s;
}

class ReferenceLayoutTest : public ::testing::TestWithParam<std::string> {};

// Synth, given a reference model's shape, writes the same tensors (names, shapes and, for F16
// and Q8_0, types) as llama.cpp's converter and quantizer did.
TEST_P(ReferenceLayoutTest, MatchesConverterTensorTable) {
  const std::string stem = GetParam();
  const std::string ref_path = std::string(HEARTH_TESTDATA) + "/models/" + stem + ".gguf";
  auto ref = gguf::GgufFile::open(ref_path);
  ASSERT_TRUE(ref.is_ok()) << ref.message();
  auto config = config_from_gguf(**ref);
  ASSERT_TRUE(config.is_ok()) << config.message();
  const SynthShape shape = shape_of(*config, config->tied_output);
  const fs::path out = temp_dir() / (stem + ".gguf");
  const std::string type = stem.substr(stem.rfind('-') + 1);
  auto summary = synth(out, shape.arch, type, 7, &shape);
  ASSERT_TRUE(summary.is_ok()) << summary.message();
  auto mine = gguf::GgufFile::open(out.string());
  ASSERT_TRUE(mine.is_ok()) << mine.message();
  EXPECT_EQ(summary->n_tensors, (*mine)->tensors().size());
  EXPECT_TRUE(has_random_weights(**mine));
  EXPECT_FALSE(has_random_weights(**ref));
  auto ref_ftype = (*ref)->get_uint("general.file_type");
  auto my_ftype = (*mine)->get_uint("general.file_type");
  ASSERT_TRUE(ref_ftype.is_ok() && my_ftype.is_ok());
  EXPECT_EQ(*my_ftype, *ref_ftype);

  const Table expected = table_of(**ref), actual = table_of(**mine);
  for (const auto& [name, want] : expected.tensors) {
    auto it = actual.tensors.find(name);
    if (name == "rope_freqs.weight") continue;  // optional, not written by synth
    ASSERT_NE(it, actual.tensors.end()) << "synth did not write " << name;
    EXPECT_EQ(it->second.first, want.first) << name;
    EXPECT_EQ(it->second.second, want.second) << name << " type";
  }
  EXPECT_EQ(actual.tensors.size(), expected.tensors.size());
  for (const auto& [name, got] : actual.tensors)
    EXPECT_TRUE(expected.tensors.count(name)) << "synth wrote an extra tensor " << name;
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(Models, ReferenceLayoutTest,
                         ::testing::Values("llama-spm-F16", "llama-spm-Q8_0", "qwen2-F16",
                                           "qwen3-Q8_0", "qwen3moe-F16", "qwen3moe-Q8_0",
                                           "gemma3-F16", "bert-F16", "bert-Q8_0"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(SynthFile, SaysItIsRandomAndIsDeterministic) {
  const fs::path a = temp_dir() / "det_a.gguf", b = temp_dir() / "det_b.gguf",
                 c = temp_dir() / "det_c.gguf";
  ASSERT_TRUE(synth(a, "qwen3", "Q4_K_M", 11).is_ok());
  ASSERT_TRUE(synth(b, "qwen3", "Q4_K_M", 11).is_ok());
  ASSERT_TRUE(synth(c, "qwen3", "Q4_K_M", 12).is_ok());
  EXPECT_EQ(read_bytes(a), read_bytes(b));
  EXPECT_NE(read_bytes(a), read_bytes(c));
  EXPECT_FALSE(fs::exists(a.string() + ".tmp"));

  auto f = gguf::GgufFile::open(a.string());
  ASSERT_TRUE(f.is_ok()) << f.message();
  auto name = (*f)->get_string("general.name");
  auto description = (*f)->get_string("general.description");
  ASSERT_TRUE(name.is_ok() && description.is_ok());
  EXPECT_NE(name->find("random"), std::string::npos) << *name;
  EXPECT_NE(description->find("RANDOM WEIGHTS"), std::string::npos) << *description;
  EXPECT_TRUE(has_random_weights(**f));
  // The Q4_K_M mix: Q6_K for the output projection, Q4_K for most matrices, F32 for norms.
  EXPECT_EQ((*f)->find_tensor("output.weight")->dtype, DType::Q6_K);
  EXPECT_EQ((*f)->find_tensor("blk.0.attn_q.weight")->dtype, DType::Q4_K);
  EXPECT_EQ((*f)->find_tensor("blk.0.attn_norm.weight")->dtype, DType::F32);
  for (const fs::path& p : {a, b, c}) fs::remove(p);
}

TEST(SynthFile, FallsBackWhereRowsAreNotWholeSuperBlocks) {
  auto shape = named_shape("tiny", "llama");
  ASSERT_TRUE(shape.is_ok());
  shape->n_ff = 96;  // ffn_down rows of 96: no 256-element super-blocks, 32-element blocks fit
  const fs::path p = temp_dir() / "fallback.gguf";
  ASSERT_TRUE(synth(p, "llama", "Q4_K", 1, &*shape).is_ok());
  auto f = gguf::GgufFile::open(p.string());
  ASSERT_TRUE(f.is_ok()) << f.message();
  EXPECT_EQ((*f)->find_tensor("blk.0.ffn_down.weight")->dtype, DType::Q5_0);
  EXPECT_EQ((*f)->find_tensor("blk.0.ffn_up.weight")->dtype, DType::Q4_K);
  fs::remove(p);
}

TEST(SynthFile, BadOptionsAreErrors) {
  EXPECT_FALSE(named_shape("tiny", "gpt-oss").is_ok());
  EXPECT_FALSE(named_shape("huge", "llama").is_ok());
  EXPECT_FALSE(named_shape("llama-3.2-1b", "qwen2").is_ok());
  EXPECT_FALSE(parse_weight_scheme("Q9_9").is_ok());
  SynthShape mamba;
  mamba.arch = "mamba";
  auto unknown = synth(temp_dir() / "mamba.gguf", "mamba", "F16", 1, &mamba);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.message().find("mamba"), std::string::npos) << unknown.message();
  auto shape = named_shape("tiny", "llama");
  ASSERT_TRUE(shape.is_ok());
  shape->n_head = 3;  // 256 is not a multiple of 3
  EXPECT_FALSE(synth(temp_dir() / "bad.gguf", "llama", "F16", 1, &*shape).is_ok());
  shape->n_head = 4;
  EXPECT_FALSE(synth(temp_dir() / "missing_dir" / "x.gguf", "llama", "F16", 1, &*shape).is_ok());

  // Petabytes of weights: refused before anything is written.
  shape->n_embd = 1 << 17, shape->n_head = 64, shape->n_ff = 1 << 20, shape->n_layer = 64;
  const fs::path huge = temp_dir() / "huge.gguf";
  auto r = synth(huge, "llama", "F16", 1, &*shape);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("free"), std::string::npos) << r.message();
  EXPECT_FALSE(fs::exists(huge));
  EXPECT_FALSE(fs::exists(huge.string() + ".tmp"));
}

TEST(SynthFile, NamedShapesHaveTheirRealDimensions) {
  auto llama = named_shape("llama-3.2-1b", "");
  ASSERT_TRUE(llama.is_ok());
  EXPECT_EQ(llama->arch, "llama");
  EXPECT_EQ(llama->n_vocab, 128256);
  EXPECT_TRUE(llama->tied_output);
  auto moe = named_shape("qwen3-30b-a3b-cut", "qwen3moe");
  ASSERT_TRUE(moe.is_ok());
  EXPECT_EQ(moe->n_expert, 128);
  EXPECT_EQ(moe->head_dim, 128);
  EXPECT_EQ(moe->n_ff_expert, 768);
}

// ---- loading and running -------------------------------------------------------------------

double stddev(std::span<const float> v) {
  double sum = 0, sq = 0;
  for (float x : v) sum += x, sq += static_cast<double>(x) * x;
  const double mean = sum / static_cast<double>(v.size());
  return std::sqrt(std::max(0.0, sq / static_cast<double>(v.size()) - mean * mean));
}

struct LoadCase {
  const char* arch;
  const char* type;
};

void PrintTo(const LoadCase& c, std::ostream* os) {
  *os << c.arch << " " << c.type;
}

class SynthLoadTest : public ::testing::TestWithParam<LoadCase> {};

// Every architecture and every --type loads with Model::load, tokenises, and gives finite,
// varied logits (or, for BERT, a unit-length embedding).
TEST_P(SynthLoadTest, LoadsAndRuns) {
  const LoadCase c = GetParam();
  const fs::path path = temp_dir() / fmt::format("{}-{}.gguf", c.arch, c.type);
  auto summary = synth(path, c.arch, c.type);
  ASSERT_TRUE(summary.is_ok()) << summary.message();
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.is_ok()) << model.message();
  const Tokenizer& tok = (*model)->tokenizer();
  EXPECT_EQ(tok.n_vocab(), summary->n_vocab);

  const std::string text = "the weather was calm";
  const std::vector<TokenId> plain = tok.encode(text, false, false);
  ASSERT_FALSE(plain.empty());
  EXPECT_LT(plain.size(), text.size()) << "merges or words should join characters";
  const std::vector<TokenId> tokens = tok.encode(text, true, false);
  EXPECT_GT(tokens.size(), plain.size()) << "the vocabulary asks for BOS / CLS";
  Context ctx(**model, 64);
  if (std::string_view(c.arch) == "bert") {
    auto e = ctx.embed(tokens);
    ASSERT_TRUE(e.is_ok()) << e.message();
    double norm = 0;
    for (float x : *e) {
      ASSERT_TRUE(std::isfinite(x));
      norm += static_cast<double>(x) * x;
    }
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-3);
  } else {
    std::string decoded;
    for (TokenId id : plain) decoded += tok.token_to_bytes(id);
    EXPECT_EQ(decoded, text);
    ASSERT_TRUE(ctx.eval(tokens).is_ok());
    const TokenId next[] = {plain[0]};
    ASSERT_TRUE(ctx.eval(next).is_ok());
    const auto logits = ctx.logits();
    ASSERT_EQ(logits.size(), static_cast<size_t>(summary->n_vocab));
    for (float x : logits) ASSERT_TRUE(std::isfinite(x));
    // Weights at the usual init scale give logits that neither vanish nor explode.
    const double sd = stddev(logits);
    EXPECT_GT(sd, 0.05) << c.arch << " " << c.type;
    EXPECT_LT(sd, 20.0) << c.arch << " " << c.type;
  }
  fs::remove(path);
}

constexpr LoadCase kLoadCases[] = {
    {"llama", "F32"},  {"llama", "F16"},    {"llama", "BF16"},      {"llama", "Q8_0"},
    {"llama", "Q4_0"}, {"llama", "Q4_1"},   {"llama", "Q5_0"},      {"llama", "Q5_1"},
    {"llama", "Q2_K"}, {"llama", "Q3_K"},   {"llama", "Q4_K"},      {"llama", "Q5_K"},
    {"llama", "Q6_K"}, {"llama", "Q4_K_M"}, {"llama", "IQ4_NL"},    {"llama", "IQ4_XS"},
    {"qwen2", "Q8_0"}, {"qwen3", "F16"},    {"qwen3moe", "Q4_K_M"}, {"gemma3", "Q4_K_M"},
    {"bert", "F16"},   {"bert", "Q8_0"},
};

INSTANTIATE_TEST_SUITE_P(ArchsAndTypes, SynthLoadTest, ::testing::ValuesIn(kLoadCases),
                         [](const auto& info) {
                           return fmt::format("{}_{}", info.param.arch, info.param.type);
                         });

// Control tokens and lone non-ASCII bytes get small output rows, so top-k sampling (run's
// default, k = 40) never picks them and a random model's text stays readable.
TEST(SynthLoad, QuietTokensStayBelowTheTopK) {
  auto vocab = make_bpe_vocab(0);
  ASSERT_TRUE(vocab.is_ok());
  ASSERT_EQ(vocab->quiet.size(), vocab->tokens.size());
  EXPECT_TRUE(vocab->quiet[vocab->eos]);
  EXPECT_EQ(std::count(vocab->quiet.begin(), vocab->quiet.end(), true), 256 - 95 - 2 + 2)
      << "every byte but printable ASCII, newline and tab, plus the two control tokens";
  for (const char* arch : {"llama", "qwen2"}) {  // output.weight, and tied to token_embd
    const fs::path path = temp_dir() / fmt::format("quiet-{}.gguf", arch);
    ASSERT_TRUE(synth(path, arch, "Q8_0").is_ok());
    auto model = Model::load(path.string());
    ASSERT_TRUE(model.is_ok()) << model.message();
    Context ctx(**model, 128);
    const auto prompt = (*model)->tokenizer().encode("Please write your name clearly", true, false);
    ASSERT_TRUE(ctx.eval(prompt, /*all_logits=*/true).is_ok());
    for (int32_t pos = 0; pos < static_cast<int32_t>(prompt.size()); ++pos) {
      const auto logits = ctx.logits(pos);
      std::vector<TokenId> ids(logits.size());
      for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TokenId>(i);
      std::partial_sort(ids.begin(), ids.begin() + 40, ids.end(),
                        [&](TokenId a, TokenId b) { return logits[a] > logits[b]; });
      for (int k = 0; k < 40; ++k)
        EXPECT_FALSE(vocab->quiet[ids[k]]) << arch << " token " << ids[k];
    }
    fs::remove(path);
  }
}

TEST(SynthLoad, LargeVocabularyIsPaddedAndStillTokenises) {
  auto shape = named_shape("tiny", "qwen3");
  ASSERT_TRUE(shape.is_ok());
  shape->n_vocab = 5000;
  const fs::path path = temp_dir() / "padded.gguf";
  ASSERT_TRUE(synth(path, "qwen3", "Q8_0", 3, &*shape).is_ok());
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.is_ok()) << model.message();
  const Tokenizer& tok = (*model)->tokenizer();
  EXPECT_EQ(tok.n_vocab(), 5000);
  EXPECT_EQ((*model)->config().n_vocab, 5000);
  // Filler tokens are never produced by encoding: every id stays below the real vocabulary.
  for (TokenId id : tok.encode("Nobody could remember where the keys were.", true, false))
    EXPECT_LT(id, 512);
  Context ctx(**model, 32);
  ASSERT_TRUE(ctx.eval(tok.encode("hello", true, false)).is_ok());
  EXPECT_EQ(ctx.logits().size(), 5000u);
  fs::remove(path);
}

// ---- the command -----------------------------------------------------------------------------

TEST(SynthCommand, WritesALoadableModelAndSaysItIsRandom) {
  const fs::path dir = temp_dir();
  const fs::path path = dir / "cli-qwen3.gguf";
  const auto r = test::run_hearth({"synth", "--arch", "qwen3", "--type", "Q4_0", "--n-layer", "3",
                                   "--n-ff", "768", "--seed", "9", path.string()},
                                  dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("RANDOM WEIGHTS"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gibberish"), std::string::npos) << r.err;
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.is_ok()) << model.message();
  EXPECT_EQ((*model)->config().n_layer, 3);
  EXPECT_EQ((*model)->config().n_ff, 768);
  EXPECT_EQ((*model)->file().find_tensor("blk.2.ffn_up.weight")->dtype, DType::Q4_0);
  fs::remove(path);
}

TEST(SynthCommand, BadArgumentsFailWithAMessage) {
  const fs::path dir = temp_dir();
  const std::string out = (dir / "never.gguf").string();
  const auto no_arch = test::run_hearth({"synth", out}, dir);
  EXPECT_EQ(no_arch.exit_code, 1);
  EXPECT_NE(no_arch.err.find("--arch"), std::string::npos) << no_arch.err;
  const auto bad_type = test::run_hearth({"synth", "--arch", "llama", "--type", "Q7", out}, dir);
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_NE(bad_type.err.find("Q7"), std::string::npos) << bad_type.err;
  const auto bad_dims = test::run_hearth({"synth", "--arch", "llama", "--n-head", "5", out}, dir);
  EXPECT_EQ(bad_dims.exit_code, 1);
  EXPECT_NE(bad_dims.err.find("--n-head"), std::string::npos) << bad_dims.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace hearth::synth
