// The gateway's HTTP/JSON listener against the real actor, event and stats services (in-process,
// on loopback): every route in the protos' google.api.http options called once with its expected
// status (the test fails when a route is added and not called here), bad input with its exact
// status and nothing written, keys and roles, deadlines, the watch stream and its resume, JSONL
// imports, the dashboard's static files, and the limits against slow and oversized clients.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/gateway/forwarding/route_table.h"
#include "services/gateway/http/http_router.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// One request on a connection of its own.
Reply Call(int port, const std::string& method, const std::string& target, const std::string& key,
           const std::string& body = "", std::map<std::string, std::string> headers = {}) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!key.empty()) req.set(http::field::authorization, "Bearer " + key);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PATCH") req.prepare_payload();
  beast::error_code write_error;  // a server refusing a large body may close before it is sent
  http::write(socket, req, write_error);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code ec;
  http::read(socket, buffer, parser, ec);
  Reply reply;
  if (ec) {
    reply.status = -1;
    reply.body = ec.message();
    return reply;
  }
  reply.status = parser.get().result_int();
  for (const auto& field : parser.get()) {
    reply.headers[std::string(field.name_string())] = std::string(field.value());
  }
  reply.body = parser.get().body();
  return reply;
}

// Raw bytes in, everything the server sends until it closes (or `wait` passes) out.
std::string RawExchange(int port, const std::string& bytes, absl::Duration wait) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(bytes));
  struct timeval tv;
  tv.tv_sec = absl::ToInt64Seconds(wait);
  tv.tv_usec = 0;
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::recv(socket.native_handle(), chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    out.append(chunk, n);
  }
  return out;
}

class GatewayHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new lookout::testing::TempDir();
    cluster_ = new stats::testing::StatsCluster(dir_->path());
    cluster_->StartActor();
    cluster_->StartEvent();
    cluster_->StartStats();
    ASSERT_TRUE(cluster_->WaitStatsServing());
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    limited_key_ = new std::string(absl::StrCat("lk_limited_", RandomHex(8)));
    std::string keys_file = dir_->File("keys");
    testing::WriteFile(keys_file, absl::StrCat(keys_->FileText(), "limited READER ",
                                               Sha256Hex(*limited_key_), " 1:1\n"));
    dashboard_ = dir_->path() + "/dashboard";
    std::filesystem::create_directories(dashboard_ + "/assets");
    testing::WriteFile(dashboard_ + "/index.html", "<!doctype html><title>Lookout</title>");
    testing::WriteFile(dashboard_ + "/assets/app.js", "console.log('lookout');");
    testing::WriteFile(dir_->path() + "/secret.txt", "not for you");
    BackendAddresses backends{absl::StrCat("127.0.0.1:", cluster_->event_port()),
                              absl::StrCat("127.0.0.1:", cluster_->actor_port()),
                              absl::StrCat("127.0.0.1:", cluster_->stats_port())};
    GatewayConfig config = testing::TestGatewayConfig(backends, keys_file, 0);
    config.internal_token = stats::testing::kToken;
    config.http.host = "127.0.0.1";
    config.http.port = 0;
    config.http.dashboard_dir = dashboard_;
    config.http.max_body_bytes = 64 * 1024;
    config.http.max_import_body_bytes = 1024 * 1024;
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
    // A second gateway with tight limits, for the tests that exhaust them.
    config.http.max_connections = 3;
    config.http.request_timeout = absl::Seconds(1);
    config.http.idle_timeout = absl::Seconds(1);
    config.http.dashboard_dir.clear();
    auto tight = GatewayServer::Start(config);
    ASSERT_TRUE(tight.ok()) << tight.status();
    tight_ = tight->release();
  }
  static void TearDownTestSuite() {
    delete tight_;
    delete gateway_;
    delete cluster_;
    delete keys_;
    delete limited_key_;
    delete dir_;
  }

  static int Port() { return gateway_->http_port(); }
  static Reply Do(const std::string& method, const std::string& target, const std::string& key,
                  const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    Reply reply = Call(Port(), method, target, key, body, std::move(headers));
    // Remember which route answered, so the suite can check that every route was called.
    const HttpRoute* route = nullptr;
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string allowed;
    static HttpRouter* router = [] {
      std::vector<std::string> paths;
      for (const Route& r : Routes()) paths.push_back(r.path);
      return new HttpRouter(*HttpRouter::FromDescriptors(paths));
    }();
    std::string path = target.substr(0, target.find('?'));
    if (router->Match(method, path, &route, &bindings, &allowed) ==
            HttpRouter::MatchResult::kFound &&
        reply.status == 200) {
      called_->insert(route->grpc_path);
    }
    return reply;
  }
  static int64_t TotalEvents() {
    Reply r = Do("GET", "/v1/events?filter.country_codes=HTI&page_size=1", keys_->reader);
    EXPECT_EQ(r.status, 200) << r.body;
    json j = r.Json();
    return j.contains("totalSize") ? std::stoll(j["totalSize"].get<std::string>()) : 0;
  }
  static std::string NewEvent(const std::string& notes) {
    Reply r = Do("POST", "/v1/events", keys_->editor,
                 json{{"event",
                       {{"eventDate", "2024-03-01"},
                        {"eventType", "EVENT_TYPE_BATTLES"},
                        {"subEventType", "Armed clash"},
                        {"location", {{"countryCode", "HTI"}, {"admin1", "Ouest"}}},
                        {"notes", notes}}}}
                     .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json()["event"]["id"].get<std::string>();
  }

  static lookout::testing::TempDir* dir_;
  static stats::testing::StatsCluster* cluster_;
  static testing::TestKeys* keys_;
  static std::string* limited_key_;
  static std::string dashboard_;
  static GatewayServer* gateway_;
  static GatewayServer* tight_;
  static std::set<std::string>* called_;
};

lookout::testing::TempDir* GatewayHttpTest::dir_ = nullptr;
stats::testing::StatsCluster* GatewayHttpTest::cluster_ = nullptr;
testing::TestKeys* GatewayHttpTest::keys_ = nullptr;
std::string* GatewayHttpTest::limited_key_ = nullptr;
std::string GatewayHttpTest::dashboard_;
GatewayServer* GatewayHttpTest::gateway_ = nullptr;
GatewayServer* GatewayHttpTest::tight_ = nullptr;
std::set<std::string>* GatewayHttpTest::called_ = new std::set<std::string>();

TEST_F(GatewayHttpTest, EveryRouteAnswers) {
  const std::string& editor = keys_->editor;
  const std::string& reader = keys_->reader;
  // Events.
  std::string id = NewEvent("every route");
  Reply r = Do("GET", "/v1/events/" + id, reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["event"]["notes"], "every route");
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  r = Do("GET", "/v1/events?filter.country_codes=HTI&filter.date_range.start_date=2024-01-01&page_size=5",
         reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.Json()["events"].empty());
  r = Do("PATCH", "/v1/events/" + id + "?update_mask=notes", editor, R"({"notes":"patched"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["event"]["notes"], "patched");
  EXPECT_EQ(r.Json()["event"]["eventType"], "EVENT_TYPE_BATTLES");  // the mask kept the rest
  r = Do("POST", "/v1/events:import", editor,
         R"({"event":{"eventDate":"2024-03-02","eventType":"EVENT_TYPE_PROTESTS","subEventType":"Peaceful protest","location":{"countryCode":"HTI"}}})"
         "\n",
         {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["created"], "1");
  r = Do("GET", "/v1/events:watch?after_sequence=0&filter.country_codes=HTI", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "application/x-ndjson");
  r = Do("DELETE", "/v1/events/" + id + "?reason=duplicate", editor);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Do("GET", "/v1/events/" + id, reader).status, 404);
  // History: the revisions (newest first, by the key's name), and the event as of its creation.
  r = Do("GET", "/v1/events/" + id + "/revisions?page_size=10", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["revisions"].size(), 3u);
  EXPECT_EQ(r.Json()["revisions"][0]["type"], "CHANGE_TYPE_DELETED");
  EXPECT_EQ(r.Json()["revisions"][0]["provenance"]["principal"], "editor");
  EXPECT_EQ(r.Json()["revisions"][0]["provenance"]["reason"], "duplicate");
  EXPECT_EQ(r.Json()["revisions"][1]["changedPaths"][0], "notes");
  const std::string created_at = r.Json()["revisions"][2]["sequence"];
  r = Do("GET", "/v1/events/" + id + "?as_of_sequence=" + created_at, reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["event"]["notes"], "every route");
  // Compaction is an ADMIN's: an editor is refused; nothing was made before 2000.
  EXPECT_EQ(Do("POST", "/v1/events:compactHistory", editor,
               R"({"beforeTime":"2000-01-01T00:00:00Z"})")
                .status,
            403);
  r = Do("POST", "/v1/events:compactHistory", keys_->admin,
         R"({"beforeTime":"2000-01-01T00:00:00Z"})");
  ASSERT_EQ(r.status, 200) << r.body;
  // Stats.
  r = Do("POST", "/v1/events:aggregate", reader,
         R"({"filter":{"countryCodes":["HTI"]},"groupBy":["DIMENSION_EVENT_TYPE"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().contains("rows"));
  r = Do("POST", "/v1/events:trends", reader,
         R"({"filter":{"countryCodes":["HTI"]},"endDate":"2024-03-31","windowDays":30,"dimension":"DIMENSION_EVENT_TYPE"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Do("POST", "/v1/observations", editor,
         R"({"observation":{"metric":"METRIC_KILLED","value":{"best":"12"},"unit":"UNIT_PERSONS","period":{"startDate":"2024-01-01","endDate":"2024-01-31"},"periodKind":"PERIOD_KIND_INTERVAL","countryCode":"HTI","source":{"name":"UN"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string obs = r.Json()["observation"]["id"];
  EXPECT_EQ(Do("GET", "/v1/observations/" + obs, reader).status, 200);
  r = Do("GET", "/v1/observations?country_code=HTI&metric=METRIC_KILLED", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["observations"].size(), 1u);
  r = Do("GET",
         "/v1/observations:summarize?country_code=HTI&metric=METRIC_KILLED&period.start_date=2024-01-01&period.end_date=2024-12-31",
         reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["summary"]["sourceCount"], 1);
  EXPECT_EQ(Do("DELETE", "/v1/observations/" + obs + "?reason=superseded%20figure", editor).status,
            200);
  EXPECT_EQ(Do("GET", "/v1/observations/" + obs, reader).status, 404);
  // Its history (issue 26): the record and the delete, newest first, by the key's name.
  r = Do("GET", "/v1/observations/" + obs + "/revisions?page_size=10", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["revisions"].size(), 2u) << r.body;
  EXPECT_EQ(r.Json()["revisions"][0]["type"], "CHANGE_TYPE_DELETED");
  EXPECT_EQ(r.Json()["revisions"][0]["provenance"]["principal"], "editor");
  EXPECT_EQ(r.Json()["revisions"][0]["provenance"]["reason"], "superseded figure");
  EXPECT_EQ(r.Json()["revisions"][1]["type"], "CHANGE_TYPE_CREATED");
  EXPECT_EQ(r.Json()["revisions"][1]["provenance"]["principal"], "editor");
  EXPECT_EQ(r.Json()["revisions"][1]["observation"]["id"], obs);
  // Actors and relationships.
  r = Do("POST", "/v1/actors", editor,
         R"({"actor":{"name":"Test Gang","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string a1 = r.Json()["actor"]["id"];
  r = Do("POST", "/v1/actors", editor,
         R"({"actor":{"name":"Other Gang","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string a2 = r.Json()["actor"]["id"];
  EXPECT_EQ(Do("GET", "/v1/actors/" + a1, reader).status, 200);
  r = Do("GET", "/v1/actors:batchGet?ids=" + a1 + "&ids=" + a2 + "&ids=act_missing", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["actors"].size(), 2u);
  EXPECT_EQ(r.Json()["missingIds"][0], "act_missing");
  r = Do("GET", "/v1/actors?country_code=HTI&type=ACTOR_TYPE_POLITICAL_MILITIA", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["actors"].size(), 2u);
  r = Do("PATCH", "/v1/actors/" + a1 + "?update_mask=description", editor,
         R"({"description":"renamed"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["actor"]["description"], "renamed");
  // The actor's history: its creation and the update, newest first, by the key's name.
  r = Do("GET", "/v1/actors/" + a1 + "/revisions?page_size=10", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["revisions"].size(), 2u);
  EXPECT_EQ(r.Json()["revisions"][0]["type"], "CHANGE_TYPE_UPDATED");
  EXPECT_EQ(r.Json()["revisions"][0]["provenance"]["principal"], "editor");
  EXPECT_EQ(r.Json()["revisions"][0]["changedPaths"][0], "description");
  EXPECT_EQ(r.Json()["revisions"][1]["type"], "CHANGE_TYPE_CREATED");
  EXPECT_EQ(Do("GET", "/v1/actors/act_0000000000000000/revisions", reader).status, 404);
  r = Do("POST", "/v1/actors:resolve", reader, R"({"names":["Test Gang"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["resolutions"][0]["actorId"], a1);
  r = Do("POST", "/v1/relationships", editor,
         json{{"relationship",
               {{"subjectId", a1}, {"objectId", a2}, {"type", "RELATIONSHIP_TYPE_ALLIED_WITH"}}}}
             .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  std::string rel = r.Json()["relationship"]["id"];
  r = Do("GET", "/v1/relationships?actor_id=" + a1, reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["relationships"].size(), 1u);
  EXPECT_EQ(Do("DELETE", "/v1/relationships/" + rel, editor).status, 200);
  EXPECT_EQ(Do("DELETE", "/v1/actors/" + a2, editor).status, 200);
  // The gateway's own.
  r = Do("GET", "/v1/countries/HTI/situationReport?period.start_date=2024-01-01&period.end_date=2024-12-31",
         reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["countryCode"], "HTI");
  // The same method's second route: a report on a sea (a basin in any letter case).
  r = Do("GET", "/v1/seas/red%20sea/situationReport?period.start_date=2024-01-01", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["maritimeBasin"], "Red Sea");
  EXPECT_FALSE(r.Json().contains("countryCode"));
  r = Do("GET", "/v1/seas/Atlantis/situationReport?country_code=HTI", reader);
  EXPECT_EQ(r.status, 400) << r.body;
  r = Do("GET", "/v1/whoami", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["role"], "ROLE_READER");

  // Every route of the protos was called above with success.
  for (const Route& route : Routes()) {
    EXPECT_TRUE(called_->count(route.path)) << route.path << " has no HTTP call in this test";
  }
}

TEST_F(GatewayHttpTest, BadInputIsRejectedNamingItAndWritesNothing) {
  int64_t before = TotalEvents();
  struct Case {
    std::string method, target, body, expected;
  };
  const std::string good_event =
      R"("eventDate":"2024-03-01","eventType":"EVENT_TYPE_BATTLES","subEventType":"Armed clash","location":{"countryCode":"HTI"})";
  std::vector<Case> cases = {
      {"POST", "/v1/events", absl::StrCat(R"({"event":{)", good_event, R"(,"colour":"red"}})"),
       "colour"},
      {"POST", "/v1/events", absl::StrCat(R"({"event":{)", good_event, "}"), "body:"},  // cut short
      {"POST", "/v1/events",
       R"({"event":{"eventDate":"2024-03-01","eventType":"EVENT_TYPE_NOPE","location":{"countryCode":"HTI"}}})",
       "EVENT_TYPE_NOPE"},
      {"POST", "/v1/events?request_id=x", absl::StrCat(R"({"event":{)", good_event, "}}"),
       "request_id"},
      {"POST", "/v1/events",
       R"({"event":{"eventDate":"2024-13-45","eventType":"EVENT_TYPE_BATTLES","subEventType":"Armed clash","location":{"countryCode":"HTI"}}})",
       "event_date"},
      {"PATCH", "/v1/events/evt_x?update_mask=notes", R"({"id":"evt_y","notes":"n"})", "evt_y"},
      {"POST", "/v1/events:import",
       absl::StrCat(R"({"event":{)", good_event, "}}\n", R"({"event":{"bogus":1}})", "\n"),
       "line 2"},
      {"GET", "/v1/events?filter.colour=red", "", "filter.colour"},
      {"GET", "/v1/events?page_size=ten", "", "page_size"},
      {"GET", "/v1/events?filter.event_types=EVENT_TYPE_NOPE", "", "EVENT_TYPE_NOPE"},
      {"GET", "/v1/events?filter=x", "", "filter"},
      {"GET", "/v1/events?page_size=1&page_size=2", "", "more than once"},
      {"GET", "/v1/events/evt_1?id=evt_2", "", "path"},
      {"GET", "/v1/events/evt_1", "{}", "no body"},
      {"GET", "/v1/events?filter.country_codes=%zz", "", "percent"},
  };
  for (const Case& c : cases) {
    Reply r = Do(c.method, c.target, keys_->editor, c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.target << ": " << r.body;
    json j = r.Json();
    EXPECT_EQ(j["code"], 3) << r.body;
    EXPECT_TRUE(absl::StrContains(j["message"].get<std::string>(), c.expected))
        << c.target << ": " << r.body << " should name " << c.expected;
    EXPECT_TRUE(j["details"].is_array()) << r.body;
  }
  EXPECT_EQ(TotalEvents(), before) << "a rejected request wrote something";
}

// Issue 26: as_of_time as a query parameter of GetEvent and ListEvents (RFC 3339, the
// Timestamp's JSON form, under its proto or its JSON name) reads the past through the HTTP
// listener; a value that is no time is 400 naming it, and with as_of_sequence too 400 naming
// as_of_time; neither writes anything.
TEST_F(GatewayHttpTest, AsOfTimeQueryParameterReadsThePast) {
  const std::string& reader = keys_->reader;
  auto rfc3339 = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
  };
  const std::string id = NewEvent("as of time: first account");
  // The log keeps times to the microsecond: a margin either side of `between` is plenty.
  absl::SleepFor(absl::Milliseconds(50));
  const std::string between = rfc3339(absl::Now());
  absl::SleepFor(absl::Milliseconds(50));
  Reply r = Do("PATCH", "/v1/events/" + id + "?update_mask=notes", keys_->editor,
               R"({"notes":"as of time: corrected account"})");
  ASSERT_EQ(r.status, 200) << r.body;

  for (const char* name : {"as_of_time", "asOfTime"}) {
    SCOPED_TRACE(name);
    r = Do("GET", absl::StrCat("/v1/events/", id, "?", name, "=", between), reader);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json()["event"]["notes"], "as of time: first account");
  }
  r = Do("GET", "/v1/events/" + id, reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["event"]["notes"], "as of time: corrected account");
  // ListEvents then: the event with its first notes.
  r = Do("GET", "/v1/events?filter.country_codes=HTI&page_size=1000&as_of_time=" + between,
         reader);
  ASSERT_EQ(r.status, 200) << r.body;
  int found = 0;
  const json then = r.Json();
  for (const json& event : then["events"]) {
    if (event["id"] != id) continue;
    ++found;
    EXPECT_EQ(event["notes"], "as of time: first account");
  }
  EXPECT_EQ(found, 1) << r.body;
  // A time far ahead is the present; one before any change knows no event.
  r = Do("GET", "/v1/events/" + id + "?as_of_time=2099-01-01T00:00:00Z", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["event"]["notes"], "as of time: corrected account");
  EXPECT_EQ(Do("GET", "/v1/events/" + id + "?as_of_time=2000-01-01T00:00:00Z", reader).status,
            404);
  r = Do("GET", "/v1/events?as_of_time=2000-01-01T00:00:00Z", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.Json().contains("events")) << r.body;

  const int64_t before = TotalEvents();
  struct Case {
    std::string target, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/events/" + id + "?as_of_time=yesterday", "as_of_time"},
           {"/v1/events?as_of_time=yesterday", "as_of_time"},
           {"/v1/events?asOfTime=2024-13-01T00:00:00Z", "asOfTime"},
           {"/v1/events/" + id + "?as_of_time=" + between + "&as_of_time=" + between,
            "more than once"},
           {"/v1/events/" + id + "?as_of_sequence=1&as_of_time=" + between, "as_of_time"},
           {"/v1/events?as_of_sequence=1&as_of_time=" + between, "as_of_time"},
       }) {
    r = Do("GET", c.target, reader);
    EXPECT_EQ(r.status, 400) << c.target << ": " << r.body;
    json j = r.Json();
    EXPECT_EQ(j["code"], 3) << c.target << ": " << r.body;
    EXPECT_TRUE(absl::StrContains(j["message"].get<std::string>(), c.expected))
        << c.target << ": " << r.body << " should name " << c.expected;
  }
  EXPECT_EQ(TotalEvents(), before);
}

TEST_F(GatewayHttpTest, KeysRolesAndRateLimitsAreTheGrpcOnes) {
  Reply r = Do("GET", "/v1/whoami", "");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.headers["WWW-Authenticate"], "Bearer");
  EXPECT_EQ(r.Json()["code"], 16);
  EXPECT_EQ(Do("GET", "/v1/whoami", "lk_not_a_key").status, 401);
  int64_t before = TotalEvents();
  r = Do("POST", "/v1/events", keys_->reader,
         R"({"event":{"eventDate":"2024-03-01","eventType":"EVENT_TYPE_BATTLES","subEventType":"Armed clash","location":{"countryCode":"HTI"}}})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(absl::StrContains(r.Json()["message"].get<std::string>(), "EDITOR")) << r.body;
  EXPECT_EQ(Do("DELETE", "/v1/actors/act_x", keys_->reader).status, 403);
  EXPECT_EQ(Do("POST", "/v1/events:import", keys_->reader, "{}\n").status, 403);
  EXPECT_EQ(TotalEvents(), before);
  // The limited key: 1 call/s, burst 1.
  EXPECT_EQ(Do("GET", "/v1/whoami", *limited_key_).status, 200);
  r = Do("GET", "/v1/whoami", *limited_key_);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.Json()["code"], 8);
  ASSERT_EQ(r.Json()["details"].size(), 1u) << r.body;
  EXPECT_EQ(r.Json()["details"][0]["@type"], "type.googleapis.com/google.rpc.RetryInfo");
  EXPECT_EQ(r.headers["Retry-After"], "1") << "1 call/s: the wait rounded up to a second";
  // Deadlines: the caller's, from grpc-timeout (a following watch with nothing to send).
  r = Do("GET", "/v1/events:watch?follow=true&filter.country_codes=NOR", keys_->reader, "",
         {{"grpc-timeout", "300m"}});
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(r.Json()["code"], 4) << r.body;
  r = Do("GET", "/v1/whoami", keys_->reader, "", {{"grpc-timeout", "soon"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "grpc-timeout")) << r.body;
}

TEST_F(GatewayHttpTest, UnknownRoutesAndMethods) {
  Reply r = Do("GET", "/v1/nothing", keys_->reader);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.Json()["code"], 5);
  r = Do("PUT", "/v1/events/evt_1", keys_->editor, "{}");
  EXPECT_EQ(r.status, 405) << r.body;
  EXPECT_EQ(r.headers["Allow"], "GET, PATCH, DELETE");
  EXPECT_EQ(Do("GET", "/v1/events:explode", keys_->reader).status, 404);
}

TEST_F(GatewayHttpTest, WatchStreamsJsonLinesAndResumes) {
  std::string first = NewEvent("watch one");
  std::string second = NewEvent("watch two");
  Reply r = Do("GET", "/v1/events:watch?filter.country_codes=HTI", keys_->reader);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<json> lines;
  for (absl::string_view line : absl::StrSplit(r.body, '\n', absl::SkipEmpty())) {
    lines.push_back(json::parse(line));
  }
  ASSERT_GE(lines.size(), 2u);
  int64_t last = std::stoll(lines.back()["sequence"].get<std::string>());
  int64_t before_last = std::stoll(lines[lines.size() - 2]["sequence"].get<std::string>());
  EXPECT_EQ(lines.back()["event"]["id"], second);
  // Resume from a sequence: only what follows it.
  r = Do("GET", absl::StrCat("/v1/events:watch?after_sequence=", before_last), keys_->reader);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> resumed = absl::StrSplit(r.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(resumed.size(), 1u) << r.body;
  EXPECT_EQ(json::parse(resumed[0])["sequence"], absl::StrCat(last));
  // Server-sent events resume with Last-Event-ID and carry each sequence as the id.
  r = Do("GET", "/v1/events:watch", keys_->reader, "",
         {{"Accept", "text/event-stream"}, {"Last-Event-ID", absl::StrCat(before_last)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "text/event-stream");
  EXPECT_TRUE(absl::StartsWith(r.body, absl::StrCat("id: ", last, "\ndata: {"))) << r.body;
  // A resume point beyond the log is the stream's own error, before any event: 400.
  r = Do("GET", "/v1/events:watch?after_sequence=999999999", keys_->reader);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "after_sequence")) << r.body;

  // Following: an event created after the stream opened arrives as a line.
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), Port()));
  std::string request = absl::StrCat("GET /v1/events:watch?follow=true&after_sequence=", last,
                                     " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ",
                                     keys_->reader, "\r\n\r\n");
  net::write(socket, net::buffer(request));
  std::string third = NewEvent("watch three");
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  http::read_header(socket, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  std::string got;
  char data[8192];
  while (!absl::StrContains(got, "\n")) {
    parser.get().body().data = data;
    parser.get().body().size = sizeof(data);
    beast::error_code ec;
    http::read_some(socket, buffer, parser, ec);
    if (ec && ec != http::error::need_buffer) FAIL() << ec.message();
    got.append(data, sizeof(data) - parser.get().body().size);
  }
  EXPECT_EQ(json::parse(got.substr(0, got.find('\n')))["event"]["id"], third) << got;
}

TEST_F(GatewayHttpTest, ImportTakesJsonLines) {
  int64_t before = TotalEvents();
  std::string body;
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&body, R"({"event":{"eventDate":"2024-04-)", 10 + i,
                    R"(","eventType":"EVENT_TYPE_RIOTS","subEventType":"Mob violence","location":{"countryCode":"HTI"}}})",
                    "\n");
  }
  absl::StrAppend(&body, "\n", R"({"event":{"eventDate":"2024-04-31","eventType":"EVENT_TYPE_RIOTS","subEventType":"Mob violence","location":{"countryCode":"HTI"}}})", "\n");
  Reply r = Do("POST", "/v1/events:import", keys_->editor, body,
               {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.Json();
  EXPECT_EQ(j["received"], "21");
  EXPECT_EQ(j["created"], "20");
  EXPECT_EQ(j["rejected"], "1");
  EXPECT_EQ(j["errors"][0]["index"], "20");
  EXPECT_EQ(TotalEvents(), before + 20);
  // Larger than the import body limit: 413 and nothing written.
  std::string big(1024 * 1024 + 1, ' ');
  r = Do("POST", "/v1/events:import", keys_->editor, big);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(TotalEvents(), before + 20);
}

TEST_F(GatewayHttpTest, DashboardFiles) {
  Reply r = Do("GET", "/", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(r.body, "<title>Lookout</title>"));
  r = Do("GET", "/assets/app.js", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(Do("GET", "/missing.css", "").status, 404);
  EXPECT_EQ(Do("GET", "/../secret.txt", "").status, 400);
  EXPECT_EQ(Do("GET", "/%2e%2e/secret.txt", "").status, 400);
  EXPECT_EQ(Do("GET", "/assets/..%2f..%2fsecret.txt", "").status, 400);
  EXPECT_EQ(Do("GET", "/assets%00/app.js", "").status, 400);
  EXPECT_EQ(Do("POST", "/", "", "x").status, 405);
  // A listener without a dashboard says so.
  r = Call(tight_->http_port(), "GET", "/", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(absl::StrContains(r.body, "--dashboard_dir")) << r.body;
}

TEST_F(GatewayHttpTest, LimitsAgainstOversizedSlowAndTooManyClients) {
  // Header over 16 KiB: 431.
  Reply r = Do("GET", "/v1/whoami", keys_->reader, "", {{"X-Filler", std::string(20000, 'a')}});
  EXPECT_EQ(r.status, 431) << r.body;
  // Body over the limit (64 KiB in this test): 413, nothing written.
  int64_t before = TotalEvents();
  r = Do("POST", "/v1/events", keys_->editor,
         absl::StrCat(R"({"event":{"notes":")", std::string(70000, 'x'), R"("}})"));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(TotalEvents(), before);
  // Garbage: 400, and the server goes on.
  std::string out = RawExchange(Port(), "NONSENSE\r\n\r\n", absl::Seconds(5));
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400")) << out;
  EXPECT_EQ(Do("GET", "/v1/whoami", keys_->reader).status, 200);
  // Random bytes, and random targets and bodies on real routes: never a crash, never a 5xx from
  // the listener itself (seeded, so a failure repeats).
  std::mt19937 random(19);
  const std::string alphabet = "/?&=.%:{}[]\"'*,+-_ azAZ09\r\n\t\x01\xff";
  auto noise = [&](size_t max) {
    std::string out(random() % max, ' ');
    for (char& c : out) c = alphabet[random() % alphabet.size()];
    return out;
  };
  for (int i = 0; i < 100; ++i) {
    RawExchange(Port(), noise(2000), absl::Milliseconds(200));
    std::string target = absl::StrCat("/v1/", noise(40));
    for (char& c : target) {
      if (c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\x01' || c == '\xff') c = '_';
    }
    const char* methods[] = {"GET", "POST", "PATCH", "DELETE"};
    Reply fuzzed = Call(Port(), methods[random() % 4], target, keys_->editor, noise(300));
    EXPECT_TRUE(fuzzed.status > 0 && fuzzed.status < 500) << target << ": " << fuzzed.body;
  }
  EXPECT_EQ(Do("GET", "/v1/whoami", keys_->reader).status, 200);
  // A slow client that never finishes its header is cut off after the request timeout (1 s).
  auto start = std::chrono::steady_clock::now();
  out = RawExchange(tight_->http_port(), "GET /v1/whoami HTTP/1.1\r\nHost: x\r\n", absl::Seconds(10));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out, "");
  EXPECT_LT(took, std::chrono::seconds(8));
  // Connections beyond the cap (3) get 503 at once. A connection counts once its session has
  // started, which a loaded machine can delay past the fourth one's accept, and a silent one is
  // closed after the request timeout (1 s), so the scenario is tried up to five times: a cap that
  // is never applied fails every one.
  bool refused = false;
  for (int attempt = 0; attempt < 5 && !refused; ++attempt) {
    std::vector<std::unique_ptr<tcp::socket>> held;
    net::io_context ioc;
    for (int i = 0; i < 3; ++i) {
      held.push_back(std::make_unique<tcp::socket>(ioc));
      held.back()->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), tight_->http_port()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r = Call(tight_->http_port(), "GET", "/v1/whoami", keys_->reader);
    refused = r.status == 503;
    held.clear();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  EXPECT_TRUE(refused) << "the fourth connection got " << r.status << ": " << r.body;
  // Once they are gone (the idle timeout, 1 s, closes them anyway) calls pass again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Call(tight_->http_port(), "GET", "/v1/whoami", keys_->reader).status, 200);
}

}  // namespace
}  // namespace lookout::gateway
