// model: rendering a golden verification as a table (people) or JSON (scripts).
#include <fmt/format.h>

#include "model/golden.h"

namespace hearth {
namespace {

std::string snippet(const std::string& text, size_t max_chars) {
  std::string s;
  for (char ch : text) {
    if (s.size() >= max_chars) break;
    s += (ch == '\n' || ch == '\t') ? ' ' : ch;
  }
  // Never cut a UTF-8 character in half.
  while (s.size() < text.size() && !s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) {
    s.pop_back();
  }
  if (!s.empty() && s.size() < text.size() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0xC0) {
    s.pop_back();
  }
  return s.size() < text.size() ? s + "..." : s;
}

const char* verdict(bool ok) { return ok ? "PASS" : "FAIL"; }

std::string tokens_cell(const CaseCheck& c) {
  if (!c.tokens_checked) return fmt::format("{} (unchecked)", c.n_tokens);
  return fmt::format("{} {}", c.n_tokens, c.tokens_ok ? "exact" : "DIFFER");
}

}  // namespace

std::string format_report(const VerifyReport& r) {
  std::string out;
  const Tolerance& t = r.tol;
  out += fmt::format("model: {}  golden: {}\n", r.model_name, r.golden_name);
  out += fmt::format("tol {} ({} weights{}), positions off <= {:.0f}%", t.logit, t.quantised ? "quantised" : "dense", t.moe ? ", MoE" : "",
                     t.max_off_fraction * 100.0);
  if (!r.cases.empty() && r.cases.front().is_embedding) {
    out += fmt::format(", cosine >= {}", t.min_cosine);
  }
  out += "\n";
  const bool embedding = !r.cases.empty() && r.cases.front().is_embedding;
  if (embedding) {
    out += fmt::format("{:>4}  {:<18} {:>10}  {:<6} {}\n", "case", "tokens", "cosine", "result",
                       "text");
  } else {
    out += fmt::format("{:>4}  {:<18} {:>9} {:>11} {:>9}  {:>9}  {:<6} {}\n", "case", "tokens",
                       "pos off", "max|dlogit|", "max|dlse|", "greedy", "result", "text");
  }
  for (size_t i = 0; i < r.cases.size(); ++i) {
    const CaseCheck& c = r.cases[i];
    if (c.is_embedding) {
      out += fmt::format("{:>4}  {:<18} {:>10.6f}  {:<6} {}\n", i + 1, tokens_cell(c), c.cosine,
                         verdict(c.pass()), snippet(c.text, 40));
    } else {
      out += fmt::format("{:>4}  {:<18} {:>9} {:>11.4f} {:>9.4f}  {:>9}  {:<6} {}\n", i + 1,
                         tokens_cell(c), fmt::format("{}/{}", c.n_off, c.n_positions),
                         c.max_dlogit, c.max_dlse,
                         fmt::format("{}/{}", c.greedy_matched, c.greedy_required),
                         verdict(c.pass()), snippet(c.text, 40));
    }
    if (!c.tokens_note.empty()) out += fmt::format("      tokens: {}\n", c.tokens_note);
    if (!c.positions_ok) {
      out += fmt::format("      positions: {} of {} off (first at {}), more than {:.0f}%\n",
                         c.n_off, c.n_positions, c.first_off, r.tol.max_off_fraction * 100.0);
    }
    if (!c.greedy_ok) {
      out += fmt::format("      greedy: first {} tokens match, {} required\n", c.greedy_matched,
                         c.greedy_required);
    }
  }
  size_t n_pass = 0;
  for (const CaseCheck& c : r.cases) n_pass += c.pass();
  out += fmt::format("summary: {}/{} cases pass", n_pass, r.cases.size());
  if (!embedding) out += fmt::format(", max |dlogit| {:.4f}", r.max_dlogit);
  out += fmt::format(" -> {}\n", verdict(r.pass()));
  return out;
}

nlohmann::ordered_json report_to_json(const VerifyReport& r) {
  using json = nlohmann::ordered_json;
  json cases = json::array();
  for (const CaseCheck& c : r.cases) {
    json j = {{"text", c.text},
              {"pass", c.pass()},
              {"tokens", {{"checked", c.tokens_checked}, {"ok", c.tokens_ok}, {"count", c.n_tokens}}}};
    if (!c.tokens_note.empty()) j["tokens"]["note"] = c.tokens_note;
    if (c.is_embedding) {
      j["embedding"] = {{"cosine", c.cosine}, {"ok", c.embedding_ok}};
    } else {
      j["positions"] = {{"total", c.n_positions}, {"off", c.n_off},     {"first_off", c.first_off},
                        {"ok", c.positions_ok},   {"max_dlogit", c.max_dlogit},
                        {"max_dlse", c.max_dlse}};
      j["greedy"] = {{"matched", c.greedy_matched}, {"required", c.greedy_required},
                     {"ok", c.greedy_ok}};
    }
    cases.push_back(std::move(j));
  }
  return {{"model", r.model_name},
          {"golden", r.golden_name},
          {"tolerance",
           {{"logit", r.tol.logit},
            {"max_off_fraction", r.tol.max_off_fraction},
            {"min_cosine", r.tol.min_cosine},
            {"quantised", r.tol.quantised},
            {"moe", r.tol.moe}}},
          {"cases", std::move(cases)},
          {"max_dlogit", r.max_dlogit},
          {"pass", r.pass()}};
}

}  // namespace hearth
