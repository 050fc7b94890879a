// Construction of template values (from JSON too), dict lookup with Python key equality, and the
// defaults of template objects.
#include "tokenizer/chat/jinja_value.h"

#include <limits>

#include "tokenizer/chat/jinja_ops.h"

namespace llmcp::tokenizer::chat::jinja {

Value::Value() : data_(Undef{}) {}

Value Value::undefined(std::string hint, bool unsafe) {
  Value v;
  v.data_ = Undef{std::move(hint), unsafe};
  return v;
}

Value Value::none() {
  Value v;
  v.data_ = None{};
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.data_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.data_ = i;
  return v;
}

Value Value::number(double d) {
  Value v;
  v.data_ = d;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.data_ = std::move(s);
  return v;
}

Value Value::seq(List items, SeqKind kind) { return seq(std::make_shared<const List>(std::move(items)), kind); }

Value Value::seq(ListPtr items, SeqKind kind) {
  Value v;
  v.data_ = Seq{std::move(items), kind, nullptr};
  return v;
}

Value Value::failing_generator(std::string error) {
  Value v;
  v.data_ = Seq{std::make_shared<const List>(), SeqKind::kGenerator, std::make_shared<const std::string>(std::move(error))};
  return v;
}

Value Value::range(List items, std::string repr) {
  Value v;
  v.data_ = Seq{std::make_shared<const List>(std::move(items)), SeqKind::kRange,
                std::make_shared<const std::string>(std::move(repr))};
  return v;
}

Value Value::dict(Dict d) {
  Value v;
  v.data_ = std::make_shared<const Dict>(std::move(d));
  return v;
}

Value Value::object(ObjectPtr o) {
  Value v;
  v.data_ = std::move(o);
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j) {
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case T::null:
    case T::discarded:
      return none();
    case T::boolean:
      return boolean(j.get<bool>());
    case T::number_integer:
      return integer(j.get<int64_t>());
    case T::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw_error("integer " + std::to_string(u) + " in the template context does not fit 64 bits");
      }
      return integer(static_cast<int64_t>(u));
    }
    case T::number_float:
      return number(j.get<double>());
    case T::string:
      return string(j.get<std::string>());
    case T::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return seq(std::move(items));
    }
    case T::object: {
      Dict d;
      d.entries.reserve(j.size());
      for (const auto& [k, e] : j.items()) d.entries.emplace_back(string(k), from_json(e));
      return dict(std::move(d));
    }
    case T::binary:
      break;
  }
  throw_error("binary JSON values cannot be passed to a chat template");
}

bool Value::is_list_like() const {
  return is_seq() && (seq_kind() == SeqKind::kList || seq_kind() == SeqKind::kTuple || seq_kind() == SeqKind::kRange);
}

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : entries) {
    if (equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : entries) {
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

Value Object::call(const CallArgs&, Interpreter&) { throw_error("'" + type_name() + "' object is not callable"); }

Value Object::get_attr(std::string_view name) const {
  return Value::undefined("'" + type_name() + " object' has no attribute '" + std::string(name) + "'");
}

}  // namespace llmcp::tokenizer::chat::jinja
