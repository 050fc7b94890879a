// The JSON-RPC codec: what is a request, a notification, a response, and what each malformed
// message turns into (-32700 with id null, -32600 with the id when it can be read).
#include "mcp/jsonrpc.h"

#include <gtest/gtest.h>

namespace llmcp::mcp {
namespace {

TEST(JsonRpcTest, RequestNotificationAndResponse) {
  auto in = parse_incoming(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0].kind, Message::Kind::kRequest);
  EXPECT_EQ(in.messages[0].id, 7);
  EXPECT_TRUE(in.messages[0].params.is_null());

  in = parse_incoming(R"({"jsonrpc":"2.0","method":"notifications/initialized","params":{}})");
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0].kind, Message::Kind::kNotification);

  in = parse_incoming(R"({"jsonrpc":"2.0","id":"a","result":{"x":1}})");
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0].kind, Message::Kind::kResponse);
  EXPECT_EQ(in.messages[0].result["x"], 1);
  EXPECT_TRUE(in.errors.empty());
}

TEST(JsonRpcTest, ParseErrorHasNullId) {
  for (const char* text : {"{", "not json", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"", "\xff\xfe"}) {
    auto in = parse_incoming(text);
    ASSERT_EQ(in.errors.size(), 1u) << text;
    EXPECT_EQ(in.errors[0]["error"]["code"], kParseError);
    EXPECT_TRUE(in.errors[0]["id"].is_null());
    EXPECT_TRUE(in.messages.empty());
  }
}

TEST(JsonRpcTest, InvalidRequestsKeepTheirIdWhenReadable) {
  struct Case {
    const char* text;
    nlohmann::json id;
  };
  for (const Case& c : {Case{R"({"id":3,"method":"ping"})", 3},                      // no jsonrpc
                        Case{R"({"jsonrpc":"1.0","id":3,"method":"ping"})", 3},       // wrong version
                        Case{R"({"jsonrpc":"2.0","id":"x","method":5})", "x"},        // method not a string
                        Case{R"({"jsonrpc":"2.0","id":4,"method":"m","params":3})", 4},  // params a number
                        Case{R"({"jsonrpc":"2.0","id":null,"method":"ping"})", nullptr},  // null id
                        Case{R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", nullptr},   // fractional id
                        Case{R"({"jsonrpc":"2.0","id":9})", 9},                       // neither method nor result
                        Case{R"({"jsonrpc":"2.0","id":9,"result":1,"error":{"code":1}})", 9},
                        Case{"[]", nullptr},
                        Case{"42", nullptr}}) {
    auto in = parse_incoming(c.text);
    ASSERT_EQ(in.errors.size(), 1u) << c.text;
    EXPECT_EQ(in.errors[0]["error"]["code"], kInvalidRequest) << c.text;
    EXPECT_EQ(in.errors[0]["id"], c.id) << c.text;
    EXPECT_TRUE(in.messages.empty()) << c.text;
  }
}

TEST(JsonRpcTest, BatchesSplitIntoMessagesAndErrors) {
  auto in = parse_incoming(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}, 5, {"jsonrpc":"2.0","method":"n"}])");
  EXPECT_TRUE(in.batch);
  ASSERT_EQ(in.messages.size(), 2u);
  EXPECT_EQ(in.messages[1].kind, Message::Kind::kNotification);
  ASSERT_EQ(in.errors.size(), 1u);
  EXPECT_EQ(in.errors[0]["error"]["code"], kInvalidRequest);
}

TEST(JsonRpcTest, IdsOfDifferentTypesAreDifferentKeys) {
  EXPECT_NE(id_key(1), id_key("1"));
  EXPECT_EQ(id_key(1), id_key(1));
}

}  // namespace
}  // namespace llmcp::mcp
