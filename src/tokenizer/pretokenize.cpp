// tokenizer: PreTokenizer, the split steps of pretokenize_patterns.cpp run with PCRE2.
//
// The reference is llama.cpp's unicode_regex_split(), whose observable behaviour this copies:
//  - each step splits every piece made so far; a step's matches become pieces and so does the
//    text between them (consecutive unmatched text stays one piece); empty matches only cut;
//  - a step sees one piece at a time: look-aheads and $ stop at the piece's end;
//  - whitespace is llama.cpp's fixed set (ASCII \t\n\v\f\r and space, U+0085, U+00A0, U+1680,
//    U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), and \d is 0-9;
//  - bytes that are not UTF-8 count as U+FFFD, one per byte.
// We match on a "subject" copy of the text in which every non-ASCII whitespace codepoint is \v
// and every invalid byte is U+FFFD, then map the cuts back to the caller's bytes. With that, the
// ASCII meaning of \s and \d (PCRE2_UCP deliberately not set) is llama.cpp's, while \p{..} stays
// Unicode (PCRE2 always resolves properties in UTF mode).
#include "tokenizer/pretokenize.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <string>
#include <utility>

#include "base/log.h"
#include "tokenizer/pretokenize_patterns.h"

namespace hearth {
namespace {

// ---------------------------------------------------------------------------------------------
// Subject: the text as the regexes see it.

constexpr char32_t kReplacement = 0xFFFD;

bool is_non_ascii_whitespace(char32_t cp) {
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes one codepoint at text[i] the way llama.cpp does: the lead byte gives the length and
// the continuation bytes must follow; overlong forms and surrogates pass. Returns the length
// (0: not decodable, the byte counts as U+FFFD).
size_t decode_lenient(std::string_view text, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  size_t len = 0;
  char32_t value = 0;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, value = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, value = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, value = b0 & 0x07;
  } else {
    return 0;  // a continuation byte, or 0xF8..0xFF
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (!is_continuation(b)) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return len;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t utf8_length(char32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

// The codepoint the regexes see for a decoded `cp`, chosen so that PCRE2 classifies it as
// llama.cpp's tables do (an overlong form is re-encoded as the codepoint it spells).
char32_t subject_codepoint(char32_t cp) {
  if (is_non_ascii_whitespace(cp)) return U'\v';
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0xE000;  // surrogate: "other", like private use
  if (cp > 0x10FFFF) return 0x10FFFF;               // beyond Unicode: unassigned
  return cp;
}

// The text to match plus, when it differs from the caller's, where its bytes came from.
struct Subject {
  std::string_view text;
  std::string storage;
  std::vector<size_t> source;  // source[j]: caller's offset of subject byte j (size()+1 long)

  size_t to_caller(size_t offset) const { return source.empty() ? offset : source[offset]; }
};

void make_subject(std::string_view text, Subject* subject) {
  // Fast path: well-formed UTF-8 without non-ASCII whitespace is matched as it is.
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    const size_t len = decode_lenient(text, i, &cp);
    if (len == 0 || utf8_length(cp) != len || subject_codepoint(cp) != cp) break;
    i += len;
  }
  subject->text = text;
  if (i == text.size()) return;

  std::string& out = subject->storage;
  std::vector<size_t>& source = subject->source;
  out.reserve(text.size() + 16);
  source.reserve(text.size() + 17);
  out.assign(text.substr(0, i));
  for (size_t k = 0; k < i; ++k) source.push_back(k);
  while (i < text.size()) {
    char32_t cp = kReplacement;
    size_t len = decode_lenient(text, i, &cp);
    if (len == 0) len = 1, cp = kReplacement;
    const size_t before = out.size();
    append_utf8(out, subject_codepoint(cp));
    source.insert(source.end(), out.size() - before, i);
    i += len;
  }
  source.push_back(text.size());
  subject->text = out;
}

// ---------------------------------------------------------------------------------------------
// PCRE2 plumbing.

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;

// Per-thread match state, reused by every split() on the thread (split() is const and may run
// on several threads at once, so it cannot live in the PreTokenizer).
class MatchScratch {
 public:
  MatchScratch() {
    // 20 pairs: more than any pattern's groups; only the whole match is read.
    match_data_ = pcre2_match_data_create(20, nullptr);
    context_ = pcre2_match_context_create(nullptr);
    // Long words in patterns with nested repeats need more than PCRE2's 32 KiB default.
    jit_stack_ = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (context_ != nullptr && jit_stack_ != nullptr) {
      pcre2_jit_stack_assign(context_, nullptr, jit_stack_);
    }
  }
  ~MatchScratch() {
    pcre2_jit_stack_free(jit_stack_);
    pcre2_match_context_free(context_);
    pcre2_match_data_free(match_data_);
  }
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

  bool ok() const { return match_data_ != nullptr && context_ != nullptr; }
  pcre2_match_data* match_data() const { return match_data_; }
  pcre2_match_context* context() const { return context_; }

  static MatchScratch& for_this_thread() {
    thread_local MatchScratch scratch;
    return scratch;
  }

 private:
  pcre2_match_data* match_data_ = nullptr;
  pcre2_match_context* context_ = nullptr;
  pcre2_jit_stack* jit_stack_ = nullptr;
};

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof(buffer)) < 0) return fmt::format("{}", code);
  return reinterpret_cast<const char*>(buffer);
}

Result<CodePtr> compile(std::string_view pattern, std::string_view pre_name) {
  // DOLLAR_ENDONLY: $ is the end of the piece, never "before a final newline" (ECMAScript's
  // meaning, which llama.cpp's std::regex has). No PCRE2_MATCH_INVALID_UTF: the subject is valid
  // UTF-8 by construction, and with it PCRE2 10.42's JIT ends \S+ at U+00AD.
  constexpr uint32_t kOptions = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY;
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  CodePtr code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             kOptions, &error, &error_offset, nullptr));
  if (!code) {
    return Status::errorf("pre-tokenizer '{}': regex /{}/ does not compile at offset {}: {}",
                          pre_name, pattern, error_offset, pcre2_message(error));
  }
  // JIT is an optimisation: without it (unsupported CPU, no executable memory) we interpret.
  pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
  return code;
}

// Appends the end offset of a new piece; empty pieces are never made.
void cut(std::vector<size_t>& ends, size_t end) {
  if (ends.empty() ? end > 0 : end > ends.back()) ends.push_back(end);
}

size_t next_codepoint(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && is_continuation(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// ---------------------------------------------------------------------------------------------

class RegexPreTokenizer final : public PreTokenizer {
 public:
  struct Step {
    pretok::SplitStep::Kind kind;
    CodePtr code;  // the regex; \p{N}+ for kDigitGroups; none for kCutThousands
  };

  RegexPreTokenizer(const pretok::PreTokenizerSpec& spec, std::vector<Step> steps)
      : spec_(spec), steps_(std::move(steps)) {}

  std::vector<std::string_view> split(std::string_view text) const override {
    Subject subject;
    make_subject(text, &subject);
    const std::string_view s = subject.text;

    std::vector<size_t> ends;  // end offset of each piece in `s`
    cut(ends, s.size());
    std::vector<size_t> next;
    for (const Step& step : steps_) {
      next.clear();
      size_t begin = 0;
      for (size_t end : ends) {
        switch (step.kind) {
          case pretok::SplitStep::Kind::kRegex:
            split_by_regex(*step.code, s, begin, end, next);
            break;
          case pretok::SplitStep::Kind::kDigitGroups:
            split_digit_groups(*step.code, s, begin, end, next);
            break;
          case pretok::SplitStep::Kind::kCutThousands:
            cut_thousands(s, begin, end, next);
            break;
        }
        begin = end;
      }
      ends.swap(next);
    }

    std::vector<std::string_view> pieces;
    pieces.reserve(ends.size());
    size_t begin = 0;
    for (size_t end : ends) {
      const size_t from = subject.to_caller(begin), to = subject.to_caller(end);
      pieces.push_back(text.substr(from, to - from));
      begin = end;
    }
    return pieces;
  }

 private:
  // Finds the next match of `code` in piece [0, len) of `p` at or after `from`. Returns false
  // when there is none (or matching failed, which is logged and treated as no match).
  bool find(const pcre2_code& code, const char* p, size_t len, size_t from, uint32_t options,
            size_t* match_begin, size_t* match_end) const {
    MatchScratch& scratch = MatchScratch::for_this_thread();
    if (!scratch.ok()) return false;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(p);
    // The subject is valid UTF-8 (make_subject) and offsets are codepoint boundaries; checking
    // it on every call would make a split quadratic.
    options |= PCRE2_NO_UTF_CHECK;
    int rc = pcre2_match(&code, subject, len, from, options, scratch.match_data(),
                         scratch.context());
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      // JIT stack or match limit: try the interpreter (heap frames) before giving up.
      rc = pcre2_match(&code, subject, len, from, options | PCRE2_NO_JIT, scratch.match_data(),
                       scratch.context());
    }
    if (rc < 0) {
      if (rc != PCRE2_ERROR_NOMATCH) {
        HEARTH_LOG_WARN("pre-tokenizer '{}': matching a {}-byte piece failed ({}); keeping the "
                        "rest of it unsplit", spec_.name, len, pcre2_message(rc));
      }
      return false;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.match_data());
    *match_begin = ovector[0];
    *match_end = ovector[1];
    return true;
  }

  // One regex over piece [begin, end): matches and the text between them become pieces. After
  // an empty match the next try must be non-empty at the same place, else it moves one
  // codepoint on (std::regex_iterator's rule, which llama.cpp's split follows).
  void split_by_regex(const pcre2_code& code, std::string_view s, size_t begin, size_t end,
                      std::vector<size_t>& ends) const {
    const std::string_view piece = s.substr(begin, end - begin);
    size_t pos = 0;
    uint32_t options = 0;
    while (pos <= piece.size()) {
      size_t mb = 0, me = 0;
      if (!find(code, piece.data(), piece.size(), pos, options, &mb, &me)) {
        if (options == 0) break;
        options = 0;  // no non-empty match here: step over one codepoint
        pos = next_codepoint(piece, pos);
        continue;
      }
      cut(ends, begin + mb);  // the unmatched text before the match
      cut(ends, begin + me);
      pos = me;
      options = (me == mb) ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
    }
    cut(ends, end);
  }

  // llama.cpp's AFMoE / Tiny Aya digit splitter: each run of \p{N} is cut into a leading group
  // of (length mod 3) digits, then groups of three. The text before a run is not cut off: it
  // stays glued to the run's first group (llama.cpp does so, and later steps split it anyway).
  void split_digit_groups(const pcre2_code& digit_runs, std::string_view s, size_t begin,
                          size_t end, std::vector<size_t>& ends) const {
    const std::string_view piece = s.substr(begin, end - begin);
    size_t pos = 0, run_begin = 0, run_end = 0;
    while (pos < piece.size() &&
           find(digit_runs, piece.data(), piece.size(), pos, 0, &run_begin, &run_end)) {
      std::vector<size_t> digit_ends;  // end offset of each digit in the run
      for (size_t i = run_begin; i < run_end; i = next_codepoint(piece, i)) {
        digit_ends.push_back(next_codepoint(piece, i));
      }
      const size_t n = digit_ends.size();
      for (size_t k = n % 3 == 0 ? 3 : n % 3; k <= n; k += 3) cut(ends, begin + digit_ends[k - 1]);
      pos = run_end;
    }
    cut(ends, end);
  }

  // Cuts piece [begin, end) before each 0-9 digit that starts a multiple of three digits
  // running to the end of its digit run: the empty matches of (?=(\d{3})+(?!\d)).
  static void cut_thousands(std::string_view s, size_t begin, size_t end,
                            std::vector<size_t>& ends) {
    auto is_digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    size_t i = begin;
    while (i < end) {
      if (!is_digit(i)) {
        ++i;
        continue;
      }
      size_t run_end = i;
      while (run_end < end && is_digit(run_end)) ++run_end;
      for (size_t p = i; p < run_end; ++p) {
        if ((run_end - p) % 3 == 0) cut(ends, p);
      }
      i = run_end;
    }
    cut(ends, end);
  }

  const pretok::PreTokenizerSpec& spec_;
  std::vector<Step> steps_;
};

std::string supported_list() {
  std::string list;
  for (std::string_view name : pretok::spec_names()) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

}  // namespace

Result<std::unique_ptr<PreTokenizer>> PreTokenizer::create(std::string_view pre_name) {
  if (pre_name.empty()) {
    HEARTH_LOG_WARN("no tokenizer.ggml.pre: using the 'default' pre-tokenizer; splits may differ "
                    "from the model's own (reconvert the model to record it)");
    pre_name = "default";
  }
  const pretok::PreTokenizerSpec* spec = pretok::find_spec(pre_name);
  if (spec == nullptr) {
    return Status::errorf("unknown pre-tokenizer '{}' (tokenizer.ggml.pre); supported: {}",
                          pre_name, supported_list());
  }
  std::vector<RegexPreTokenizer::Step> steps;
  for (const pretok::SplitStep& step : spec->steps) {
    CodePtr code;
    if (step.kind == pretok::SplitStep::Kind::kRegex) {
      HEARTH_ASSIGN_OR_RETURN(code, compile(step.pattern, spec->name));
    } else if (step.kind == pretok::SplitStep::Kind::kDigitGroups) {
      HEARTH_ASSIGN_OR_RETURN(code, compile(R"(\p{N}+)", spec->name));
    }
    steps.push_back({step.kind, std::move(code)});
  }
  return std::unique_ptr<PreTokenizer>(new RegexPreTokenizer(*spec, std::move(steps)));
}

std::vector<std::string_view> PreTokenizer::supported_names() { return pretok::spec_names(); }

}  // namespace hearth
