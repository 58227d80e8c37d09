// chat: the tree-walking interpreter that renders a parsed template (jinja2's runtime semantics:
// scoping, loops, macros, undefined values, sandboxed attribute access).
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_template.h"
#include "chat/template_ast.h"
#include "chat/template_value.h"

namespace hearth::chat {

struct InterpreterOptions {
  std::tm now{};  // the clock strftime_now() reads
  RenderLimits limits;
};

// The variables of one scope: a few names each (a loop target, `loop`, some sets), so a flat
// vector beats a hash map, which a loop would build and free on every iteration.
class VarMap {
 public:
  Value& operator[](std::string_view name);  // inserts undefined when absent
  const Value* find(std::string_view name) const;
  void clear() { entries_.clear(); }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

// One scope. Loop iterations, macro calls and {% with %} get a child scope; `set` writes to the
// innermost one, so assignments inside a loop never leak out of it (as in jinja2).
struct Frame {
  std::shared_ptr<Frame> parent;
  VarMap vars;
  const Value* find(std::string_view name) const;
};

class Interpreter {
 public:
  Interpreter(const InterpreterOptions& options, std::shared_ptr<Frame> globals);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Renders `body` in a new top-level scope under the globals. Throws TemplateException.
  std::string render(const StmtList& body);

  // Services for filters, tests, methods and globals.
  Value call(const Value& callee, CallArgs& args);
  Value apply_filter(std::string_view name, const Value& input, CallArgs& args);
  bool apply_test(std::string_view name, const Value& input, CallArgs& args);
  // environment.getattr (attribute first, then item) and getitem (item first, then attribute).
  Value getattr(const Value& obj, std::string_view name);
  Value getitem(const Value& obj, const Value& key);
  // Counts work against RenderLimits::max_iterations.
  void count_work(int64_t n);
  void check_size(size_t bytes) const;
  const InterpreterOptions& options() const { return options_; }
  // Objects that may reference themselves (namespaces) are tracked so render() can break cycles.
  void track(std::shared_ptr<Object> object) { tracked_objects_.push_back(std::move(object)); }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec_body(const StmtList& body);
  Flow exec(const Stmt& s);
  Flow exec_impl(const Stmt& s);
  Flow exec_for(const Stmt& s);
  void exec_if(const Stmt& s, Flow* flow);
  void assign(const Target& target, const Value& value);
  Flow render_body_in_scope(const StmtList& body, std::string* text);
  // {% filter f|g %} and {% set x | f %}: applies the chain (innermost first) to `input`.
  Value apply_filter_chain(const Expr& filter, Value input);

  Value eval(const Expr& e);
  Value eval_impl(const Expr& e);
  Value eval_binary(const Expr& e);
  Value eval_compare(const Expr& e);
  Value eval_call(const Expr& e);
  Value eval_slice(const Expr& e);
  CallArgs eval_args(const CallArgsExpr& args);
  Value lookup(const std::string& name) const;
  Value make_macro(const std::shared_ptr<MacroDef>& def);
  Value call_macro(const MacroDef& def, const std::shared_ptr<Frame>& closure, CallArgs& args);

  struct DepthGuard {
    DepthGuard(Interpreter& in, int& counter, int limit, const char* what);
    ~DepthGuard() { --counter_; }
    int& counter_;
  };

  InterpreterOptions options_;
  std::shared_ptr<Frame> globals_;
  std::shared_ptr<Frame> frame_;
  std::string* out_ = nullptr;
  int eval_depth_ = 0;
  int call_depth_ = 0;
  int64_t work_ = 0;
  std::vector<std::shared_ptr<Frame>> closure_frames_;
  std::vector<std::shared_ptr<Object>> tracked_objects_;
};

}  // namespace hearth::chat
