// The Hub's environment variables and their defaults (io/hub/hub_env.h), and the small pieces of
// the HTTP side. The cache folder is also compared with huggingface_hub.constants in tests/hub.
#include "io/hub/hub_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "io/hub/hub_api.h"
#include "test_util.h"

namespace llmcp::io::hub {

class HubEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HF_TOKEN_PATH",
                          "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "XDG_CACHE_HOME", "HF_HUB_DOWNLOAD_TIMEOUT"})
      ::unsetenv(v);
    ::setenv("HOME", tmp_.path().c_str(), 1);
  }
  testing::TempDir tmp_;
};

TEST_F(HubEnvTest, Defaults) {
  const auto e = HubEnv::from_environment();
  EXPECT_EQ(e.endpoint, "https://huggingface.co");
  EXPECT_EQ(e.home, tmp_.path() / ".cache/huggingface");
  EXPECT_EQ(e.cache, tmp_.path() / ".cache/huggingface/hub");
  EXPECT_TRUE(e.token.empty());
  EXPECT_FALSE(e.offline);
  EXPECT_EQ(e.download_timeout_s, 10);
}

TEST_F(HubEnvTest, Precedence) {
  ::setenv("XDG_CACHE_HOME", "/x", 1);
  EXPECT_EQ(HubEnv::from_environment().cache, "/x/huggingface/hub");
  ::setenv("HF_HOME", "/h", 1);
  ::setenv("HUGGINGFACE_HUB_CACHE", "/legacy", 1);
  EXPECT_EQ(HubEnv::from_environment().cache, "/legacy");
  ::setenv("HF_HUB_CACHE", "~/c", 1);
  EXPECT_EQ(HubEnv::from_environment().cache, tmp_.path() / "c");
  ::setenv("HF_ENDPOINT", "http://127.0.0.1:8080/", 1);
  EXPECT_EQ(HubEnv::from_environment().endpoint, "http://127.0.0.1:8080");
  for (const char* on : {"1", "ON", "yes", "True"}) {
    ::setenv("HF_HUB_OFFLINE", on, 1);
    EXPECT_TRUE(HubEnv::from_environment().offline) << on;
  }
  ::setenv("HF_HUB_OFFLINE", "0", 1);
  EXPECT_FALSE(HubEnv::from_environment().offline);
}

TEST_F(HubEnvTest, TokenFromTheEnvironmentOrTheLoginFile) {
  ::setenv("HF_HOME", tmp_.path().c_str(), 1);
  std::ofstream(tmp_.path() / "token") << "  hf_file \n";
  auto e = HubEnv::from_environment();
  EXPECT_EQ(e.token, "hf_file");
  EXPECT_EQ(e.token_source, (tmp_.path() / "token").string());
  ::setenv("HF_TOKEN", "hf_env", 1);
  EXPECT_EQ(HubEnv::from_environment().token, "hf_env");
}

TEST_F(HubEnvTest, WrongValuesSayWhatToFix) {
  ::setenv("HF_ENDPOINT", "huggingface.co", 1);
  EXPECT_THROW(HubEnv::from_environment(), core::Error);
  ::unsetenv("HF_ENDPOINT");
  ::setenv("HF_HUB_DOWNLOAD_TIMEOUT", "soon", 1);
  EXPECT_THROW(HubEnv::from_environment(), core::Error);
}

TEST(HubHttp, EtagsUrlsAndOrigins) {
  EXPECT_EQ(normalize_etag("W/\"abc\""), "abc");
  EXPECT_EQ(normalize_etag("\"abc\""), "abc");
  EXPECT_TRUE(valid_etag(std::string(64, 'f')));
  EXPECT_TRUE(valid_etag(std::string(40, '0')));
  for (const std::string& bad : std::vector<std::string>{"../../x", std::string(64, 'F'), std::string(41, 'a'), std::string()})
    EXPECT_FALSE(valid_etag(bad)) << bad;
  EXPECT_EQ(url_quote("sub dir/a+b.json", true), "sub%20dir/a%2Bb.json");
  EXPECT_EQ(url_quote("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_origin("HTTPS://Hub.example:8443/a/b?c"), "https://hub.example:8443");
  EXPECT_NE(url_origin("http://127.0.0.1:1/x"), url_origin("http://127.0.0.1:2/x"));
}

}  // namespace llmcp::io::hub
