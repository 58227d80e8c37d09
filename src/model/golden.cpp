// model: reading golden files and checking a model's outputs against them.
#include "model/golden.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "model/weights.h"

namespace hearth {
namespace {

using nlohmann::json;

// Positions whose reference top ids are compared (README: "any of the reference's top-5 ids").
constexpr size_t kTopCompared = 5;

PositionSummary parse_position(const json& p) {
  PositionSummary s;
  s.argmax = p.at("argmax").get<TokenId>();
  s.lse = p.at("lse").get<double>();
  for (const json& t : p.at("top")) {
    s.top.emplace_back(t.at(0).get<TokenId>(), t.at(1).get<float>());
  }
  return s;
}

GoldenCase parse_case(const json& c) {
  GoldenCase g;
  g.text = c.at("text").get<std::string>();
  g.chat = c.value("chat", false);
  g.tokens = c.at("tokens").get<std::vector<TokenId>>();
  if (c.contains("embedding")) {
    g.embedding = c.at("embedding").get<std::vector<float>>();
    return g;
  }
  for (const json& p : c.at("positions")) g.positions.push_back(parse_position(p));
  g.last_logits = c.at("last_logits").get<std::vector<float>>();
  g.greedy = c.at("greedy").get<std::vector<TokenId>>();
  for (const json& t : c.at("greedy_top2_logits")) {
    g.greedy_top2_logits.push_back({t.at(0).get<float>(), t.at(1).get<float>()});
  }
  return g;
}

Status validate_case(const GoldenCase& g, size_t index, int32_t n_vocab) {
  auto fail = [&](std::string_view why) {
    return Status::errorf("golden case {}: {}", index, why);
  };
  if (g.tokens.empty()) return fail("no tokens");
  if (!g.embedding.empty()) return Status::ok();
  if (g.positions.size() != g.tokens.size()) return fail("positions and tokens differ in count");
  for (const PositionSummary& p : g.positions) {
    if (p.top.size() < 2) return fail("a position lists fewer than 2 top logits");
  }
  if (n_vocab > 0 && g.last_logits.size() != static_cast<size_t>(n_vocab)) {
    return fail("last_logits does not have n_vocab entries");
  }
  if (g.greedy.size() != g.greedy_top2_logits.size()) {
    return fail("greedy and greedy_top2_logits differ in length");
  }
  return Status::ok();
}

double cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return (aa > 0.0 && bb > 0.0) ? ab / std::sqrt(aa * bb) : 0.0;
}

void check_tokens(CaseCheck& c, const GoldenCase& g, std::span<const TokenId> ours, bool checked) {
  c.n_tokens = static_cast<int32_t>(g.tokens.size());
  c.tokens_checked = checked;
  if (!checked) return;
  const size_t n = std::min(ours.size(), g.tokens.size());
  size_t i = 0;
  while (i < n && ours[i] == g.tokens[i]) ++i;
  c.tokens_ok = ours.size() == g.tokens.size() && i == n;
  if (c.tokens_ok) return;
  auto at = [](std::span<const TokenId> v, size_t k) {
    return k < v.size() ? fmt::format("{}", v[k]) : std::string("(end)");
  };
  c.tokens_note = fmt::format("{} tokens vs {} expected; first difference at {}: {} vs {}",
                              ours.size(), g.tokens.size(), i, at(ours, i), at(g.tokens, i));
}

// One position: off if the log-sum-exp or a reference top-5 logit moved by more than tol, or
// the argmax changed where the reference's top-2 margin exceeds tol.
struct PositionDiff {
  bool off = false;
  double max_dlogit = 0.0, dlse = 0.0;
};
PositionDiff compare_position(const PositionSummary& ref, std::span<const float> ours,
                              float tol) {
  PositionDiff d;
  const PositionSummary mine = summarize_logits(ours, 1);
  d.dlse = std::abs(mine.lse - ref.lse);
  for (size_t i = 0; i < ref.top.size() && i < kTopCompared; ++i) {
    const TokenId id = ref.top[i].first;
    const double delta = (id >= 0 && static_cast<size_t>(id) < ours.size())
                             ? std::abs(static_cast<double>(ours[id]) - ref.top[i].second)
                             : INFINITY;
    d.max_dlogit = std::max(d.max_dlogit, delta);
  }
  const double margin = ref.top.size() > 1 ? ref.top[0].second - ref.top[1].second : INFINITY;
  const bool argmax_moved = margin > tol && mine.argmax != ref.argmax;
  d.off = d.dlse > tol || d.max_dlogit > tol || argmax_moved;
  return d;
}

}  // namespace

Result<Golden> parse_golden(const json& j) {
  Golden g;
  try {
    g.model = j.value("model", "");
    g.reference = j.value("reference", "");
    g.n_vocab = j.value("n_vocab", 0);
    for (const json& c : j.at("cases")) g.cases.push_back(parse_case(c));
  } catch (const json::exception& e) {
    return Status::errorf("malformed golden file: {}", e.what());
  }
  if (g.cases.empty()) return Status::error("golden file has no cases");
  for (size_t i = 0; i < g.cases.size(); ++i) {
    HEARTH_RETURN_IF_ERROR(validate_case(g.cases[i], i, g.n_vocab));
  }
  return g;
}

Result<Golden> load_golden(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::errorf("{}: cannot open golden file", path);
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::errorf("{}: not valid JSON", path);
  auto g = parse_golden(j);
  if (!g) return g.status().with_context(path);
  return g;
}

Tolerance tolerance_for(const Model& model) {
  Tolerance t;
  t.quantised = has_quantised_matrices(model.weights());
  t.moe = model.config().n_expert > 0;
  t.logit = t.quantised ? 0.4f : 0.05f;
  t.max_off_fraction = t.moe ? 0.10 : 0.02;
  t.min_cosine = t.quantised ? 0.999 : 0.9999;
  return t;
}

CaseCheck check_logits_case(const GoldenCase& g, const EvalResult& ours,
                            std::span<const TokenId> our_tokens, bool tokens_checked,
                            const Tolerance& tol) {
  CaseCheck c;
  c.text = g.text;
  check_tokens(c, g, our_tokens, tokens_checked);

  // Positions: every prompt position, then the full last logits as one more position.
  const size_t n = g.positions.size();
  const bool complete = ours.all_logits.size() == n * static_cast<size_t>(ours.n_vocab) &&
                        ours.last_logits.size() == g.last_logits.size();
  c.n_positions = static_cast<int32_t>(n) + 1;
  if (!complete) {
    c.n_off = c.n_positions;
    c.positions_ok = false;
    c.greedy_ok = false;
    return c;
  }
  auto note = [&](bool off, int32_t index) {
    if (!off) return;
    if (c.first_off < 0) c.first_off = index;
    ++c.n_off;
  };
  for (size_t i = 0; i < n; ++i) {
    const PositionDiff d = compare_position(g.positions[i], ours.logits_at(i), tol.logit);
    c.max_dlogit = std::max(c.max_dlogit, d.max_dlogit);
    c.max_dlse = std::max(c.max_dlse, d.dlse);
    note(d.off, static_cast<int32_t>(i));
  }
  {
    const PositionSummary ref_last = summarize_logits(g.last_logits, kTopCompared);
    PositionDiff d = compare_position(ref_last, ours.last_logits, tol.logit);
    double full = 0.0;
    for (size_t v = 0; v < g.last_logits.size(); ++v) {
      full = std::max(full, std::abs(static_cast<double>(ours.last_logits[v]) - g.last_logits[v]));
    }
    c.max_dlogit = std::max(c.max_dlogit, full);
    c.max_dlse = std::max(c.max_dlse, d.dlse);
    note(d.off || full > tol.logit, static_cast<int32_t>(n));
  }
  c.positions_ok = c.n_off <= tol.max_off_fraction * c.n_positions;

  // Greedy: required up to the first near-tie in the reference.
  c.greedy_required = static_cast<int32_t>(g.greedy.size());
  for (size_t s = 0; s < g.greedy_top2_logits.size(); ++s) {
    if (g.greedy_top2_logits[s][0] - g.greedy_top2_logits[s][1] < tol.logit) {
      c.greedy_required = static_cast<int32_t>(s);
      break;
    }
  }
  while (static_cast<size_t>(c.greedy_matched) < std::min(g.greedy.size(), ours.greedy.size()) &&
         ours.greedy[c.greedy_matched] == g.greedy[c.greedy_matched]) {
    ++c.greedy_matched;
  }
  c.greedy_ok = c.greedy_matched >= c.greedy_required;
  return c;
}

CaseCheck check_embedding_case(const GoldenCase& g, std::span<const float> ours,
                               std::span<const TokenId> our_tokens, bool tokens_checked,
                               const Tolerance& tol) {
  CaseCheck c;
  c.text = g.text;
  c.is_embedding = true;
  check_tokens(c, g, our_tokens, tokens_checked);
  c.cosine = ours.size() == g.embedding.size() ? cosine(ours, g.embedding) : 0.0;
  c.embedding_ok = c.cosine >= tol.min_cosine;
  return c;
}

bool VerifyReport::pass() const {
  return std::all_of(cases.begin(), cases.end(), [](const CaseCheck& c) { return c.pass(); });
}

Result<VerifyReport> verify_golden(const Model& model, const Golden& golden, bool check_tokens) {
  VerifyReport report;
  report.model_name = golden.model;
  report.golden_name = golden.model;
  report.tol = tolerance_for(model);
  const int32_t n_vocab = model.config().n_vocab;
  if (!golden.is_embedding() && golden.n_vocab != 0 && golden.n_vocab != n_vocab) {
    return Status::errorf("the golden file has n_vocab {} but the model has {}: a golden file "
                          "of another model?", golden.n_vocab, n_vocab);
  }
  for (const GoldenCase& g : golden.cases) {
    std::vector<TokenId> ours;
    if (check_tokens) ours = model.tokenizer().encode(g.text, true, true);
    if (!g.embedding.empty()) {
      Context ctx(model, static_cast<int32_t>(g.tokens.size()));
      auto emb = ctx.embed(g.tokens);
      if (!emb) return emb.status();
      report.cases.push_back(check_embedding_case(g, *emb, ours, check_tokens, report.tol));
      continue;
    }
    EvalOptions options;
    options.n_greedy = static_cast<int32_t>(g.greedy.size());
    options.keep_all_logits = true;
    auto r = evaluate_tokens(model, g.tokens, options);
    if (!r) return r.status();
    report.cases.push_back(check_logits_case(g, *r, ours, check_tokens, report.tol));
    report.max_dlogit = std::max(report.max_dlogit, report.cases.back().max_dlogit);
  }
  return report;
}

}  // namespace hearth
