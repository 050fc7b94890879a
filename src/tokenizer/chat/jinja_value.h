// The values a chat template computes with, modelled on the Python objects jinja2 hands around:
// None, bool, int (64-bit here), float, str, list/tuple (and the generator and dict-view kinds whose
// printing and len() differ), insertion-ordered dict, Undefined, and objects (namespace, loop,
// macro, builtin functions). Containers are immutable and shared, as in the immutable sandbox.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

// GCC 12 at -O3 reports a false -Wrestrict inside libstdc++ for `"literal" + std::string`
// (GCC bug 105329); the interpreter builds many messages that way.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace llmcp::tokenizer::chat::jinja {

class Value;
class Object;
class Interpreter;
struct Dict;
using List = std::vector<Value>;
using ListPtr = std::shared_ptr<const List>;
using DictPtr = std::shared_ptr<const Dict>;
using ObjectPtr = std::shared_ptr<Object>;

// How a sequence prints and what it supports: Python's generators have no len() and are always
// truthy; dict views print as dict_items([...]) and cannot be indexed.
enum class SeqKind : uint8_t { kList, kTuple, kGenerator, kDictKeys, kDictValues, kDictItems, kRange };

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
};

class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kSeq, kDict, kObject };

  Value();  // Undefined with no hint
  static Value undefined(std::string hint, bool unsafe = false);
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double d);
  static Value string(std::string s);
  static Value seq(List items, SeqKind kind = SeqKind::kList);
  static Value seq(ListPtr items, SeqKind kind);
  // A generator that raises `error` when consumed: jinja2's generator filters (map, select, items,
  // ...) fail lazily, so an unconsumed one never fails.
  static Value failing_generator(std::string error);
  static Value range(List items, std::string repr);  // prints as Python's range(0, 3)
  static Value dict(Dict d);
  static Value object(ObjectPtr o);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_seq() const { return kind() == Kind::kSeq; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_object() const { return kind() == Kind::kObject; }
  bool is_integral() const { return is_int() || is_bool(); }  // Python's int, bool included
  bool is_numeric() const { return is_integral() || is_float(); }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return is_bool() ? (as_bool() ? 1 : 0) : std::get<int64_t>(data_); }
  double as_float() const { return is_float() ? std::get<double>(data_) : static_cast<double>(as_int()); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& items() const { return *std::get<Seq>(data_).items; }
  const ListPtr& items_ptr() const { return std::get<Seq>(data_).items; }
  SeqKind seq_kind() const { return std::get<Seq>(data_).kind; }
  const std::string* pending_error() const { return seq_kind() == SeqKind::kGenerator ? std::get<Seq>(data_).note.get() : nullptr; }
  const std::string& range_repr() const { return *std::get<Seq>(data_).note; }
  bool is_list_like() const;  // list, tuple or range: indexable with len()
  const Dict& as_dict() const { return *std::get<DictPtr>(data_); }
  Object& as_object() const { return *std::get<ObjectPtr>(data_); }
  const ObjectPtr& object_ptr() const { return std::get<ObjectPtr>(data_); }
  const std::string& undefined_hint() const { return std::get<Undef>(data_).hint; }
  bool undefined_unsafe() const { return std::get<Undef>(data_).unsafe; }

 private:
  struct Undef {
    std::string hint;
    bool unsafe = false;  // the sandbox refused an attribute: using it raises a security error
  };
  struct None {};
  struct Seq {
    ListPtr items;
    SeqKind kind;
    std::shared_ptr<const std::string> note;  // generator: the error it raises; range: its repr
  };
  std::variant<Undef, None, bool, int64_t, double, std::string, Seq, DictPtr, ObjectPtr> data_;
};

// A Python dict: insertion-ordered, keys compared with Python's == (1, 1.0 and True are one key).
struct Dict {
  std::vector<std::pair<Value, Value>> entries;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);  // replaces in place, or appends
};

// Namespaces, loops, macros and builtin functions.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;  // as Python's type(x).__name__
  virtual std::string repr() const = 0;
  virtual bool callable() const { return false; }
  virtual Value call(const CallArgs& args, Interpreter& in);
  virtual Value get_attr(std::string_view name) const;  // Undefined when missing
  virtual bool is_namespace() const { return false; }
};

}  // namespace llmcp::tokenizer::chat::jinja
