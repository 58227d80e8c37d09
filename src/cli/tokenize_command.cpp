// cli: `hearth tokenize`: text -> token ids with a model's vocabulary (only the GGUF metadata
// is read; no weights are loaded).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_test_format.h"

namespace hearth::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  bool has_text = false;  // TEXT was given (it may be empty)
  bool from_stdin = false;
  std::string batch_file;
  bool no_special = false;
  bool parse_special = false;
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::errorf("cannot open '{}' for reading", path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::errorf("error while reading '{}'", path);
  return data;
}

Status run_tokenize(const TokenizeOptions& opt) {
  const int sources = (opt.has_text ? 1 : 0) + (opt.from_stdin ? 1 : 0) +
                      (opt.batch_file.empty() ? 0 : 1);
  if (sources != 1) {
    return Status::error("give exactly one of TEXT, --stdin or --batch FILE");
  }
  HEARTH_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::open(opt.model));
  auto tok_or = Tokenizer::from_gguf(*file);
  if (!tok_or) return tok_or.status().with_context(opt.model);
  const Tokenizer& tok = **tok_or;

  if (!opt.batch_file.empty()) {
    // llama.cpp's test format: no BOS/EOS, special-token text is plain text.
    HEARTH_ASSIGN_OR_RETURN(const std::string raw, read_file(opt.batch_file));
    std::string out;
    for (const std::string& text : split_vocab_test_inputs(raw)) {
      out += format_vocab_test_ids(tok.encode(text, false, false));
      out += '\n';
    }
    fmt::print("{}", out);
    return Status::ok();
  }

  std::string text = opt.text;
  if (opt.from_stdin) {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const std::vector<TokenId> ids = tok.encode(text, !opt.no_special, opt.parse_special);
  fmt::print("{}\n", fmt::join(ids, " "));
  return Status::ok();
}

}  // namespace

void register_tokenize(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto* sub = app.add_subcommand(
      "tokenize",
      "Print the token ids of a text with a model's vocabulary.\n"
      "  hearth tokenize MODEL TEXT            ids on one line, space separated\n"
      "  hearth tokenize MODEL --stdin         the text is read from standard input\n"
      "  hearth tokenize MODEL --batch F.inp   llama.cpp test format: one line per text, each\n"
      "                                        id preceded by a space; no BOS/EOS and special\n"
      "                                        text not parsed");
  sub->add_option("model", opt->model, "GGUF file (only its tokenizer metadata is read)")
      ->required();
  CLI::Option* text = sub->add_option("text", opt->text, "Text to tokenize");
  sub->add_flag("--stdin", opt->from_stdin, "Read the text from standard input");
  sub->add_option("--batch", opt->batch_file,
                  "Tokenize every text of a llama.cpp .inp file (texts separated by the line "
                  "__ggml_vocab_test__)");
  sub->add_flag("--no-special", opt->no_special,
                "Do not add BOS/EOS (or CLS/SEP) tokens the vocabulary asks for");
  sub->add_flag("--parse-special", opt->parse_special,
                "Turn special-token text such as <|im_end|> into that token");
  sub->callback([opt, text, &exit_code] {
    opt->has_text = text->count() > 0;
    const Status st = run_tokenize(*opt);
    if (!st) {
      fmt::print(stderr, "hearth tokenize: {}\n", st.message());
      exit_code = 1;
    }
  });
}

}  // namespace hearth::cli
