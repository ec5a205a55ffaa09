// lookout-http-load: the HTTP/JSON benchmark's client. The same calls (GetEvent over a list of
// ids, or one country's ListEvents page) through the gateway over gRPC (the closed loop of
// bench/gateway) or over HTTP/1.1 JSON (a keep-alive connection per concurrent caller), at a
// given concurrency; prints "RESULT proto=.. call=.. concurrency=.. throughput=.. p50_ms=..
// p99_ms=.. errors=.." and exits 1 when a call failed.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/gateway/closed_loop.h"
#include "lookout/event/v1/event_service.pb.h"

ABSL_FLAG(std::string, proto, "http", "http | grpc");
ABSL_FLAG(std::string, call, "get_event", "get_event | list_events");
ABSL_FLAG(std::string, target, "127.0.0.1:8080", "host:port of the gateway's HTTP or gRPC port.");
ABSL_FLAG(std::string, key, "", "API key (sent as Authorization: Bearer).");
ABSL_FLAG(std::string, ids_file, "", "get_event: event ids, one a line.");
ABSL_FLAG(std::string, country, "HTI", "list_events: the country.");
ABSL_FLAG(int, page_size, 50, "list_events: page size.");
ABSL_FLAG(int, concurrency, 1, "Calls kept outstanding.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Load before measuring.");

namespace lookout::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::vector<std::string> ReadIds() {
  std::vector<std::string> ids;
  std::ifstream in(absl::GetFlag(FLAGS_ids_file));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) ids.push_back(line);
  }
  return ids;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

LoadResult RunHttp(const std::vector<std::string>& targets) {
  std::vector<std::string> hostport = absl::StrSplit(absl::GetFlag(FLAGS_target), ':');
  const std::string key = absl::GetFlag(FLAGS_key);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  auto start = std::chrono::steady_clock::now();
  auto measure_from = start + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
  auto end = measure_from + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  std::mutex mu;
  std::vector<double> latencies;
  LoadResult result;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      std::vector<double> mine;
      int64_t errors = 0;
      std::string first_error;
      net::io_context ioc;
      tcp::socket socket(ioc);
      socket.connect(tcp::endpoint(net::ip::make_address(hostport[0]), std::stoi(hostport[1])));
      socket.set_option(tcp::no_delay(true));
      beast::flat_buffer buffer;
      size_t next = t;
      for (;;) {
        auto sent = std::chrono::steady_clock::now();
        if (sent >= end) break;
        http::request<http::empty_body> req(http::verb::get, targets[next++ % targets.size()], 11);
        req.set(http::field::host, hostport[0]);
        req.set(http::field::authorization, "Bearer " + key);
        beast::error_code ec;
        http::write(socket, req, ec);
        http::response<http::string_body> res;
        if (!ec) http::read(socket, buffer, res, ec);
        auto done = std::chrono::steady_clock::now();
        if (ec || res.result_int() != 200) {
          ++errors;
          if (first_error.empty()) first_error = ec ? ec.message() : res.body();
          if (ec) break;
          continue;
        }
        if (sent >= measure_from && done <= end) {
          mine.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  for (std::thread& t : threads) t.join();
  result.calls = latencies.size();
  result.seconds = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  result.throughput = result.calls / result.seconds;
  result.p50_ms = Percentile(latencies, 0.5);
  result.p99_ms = Percentile(latencies, 0.99);
  return result;
}

int Main() {
  const std::string call = absl::GetFlag(FLAGS_call);
  const std::string proto = absl::GetFlag(FLAGS_proto);
  std::vector<std::string> ids;
  if (call == "get_event") {
    ids = ReadIds();
    if (ids.empty()) {
      std::cerr << "--ids_file holds no ids\n";
      return 2;
    }
  } else if (call != "list_events") {
    std::cerr << "--call must be get_event or list_events\n";
    return 2;
  }
  LoadResult result;
  if (proto == "http") {
    std::vector<std::string> targets;
    if (call == "get_event") {
      for (const std::string& id : ids) targets.push_back("/v1/events/" + id);
    } else {
      targets.push_back(absl::StrCat("/v1/events?filter.country_codes=", absl::GetFlag(FLAGS_country),
                                     "&page_size=", absl::GetFlag(FLAGS_page_size)));
    }
    result = RunHttp(targets);
  } else if (proto == "grpc") {
    LoadSpec spec;
    spec.concurrency = absl::GetFlag(FLAGS_concurrency);
    spec.duration = absl::GetFlag(FLAGS_duration);
    spec.warmup = absl::GetFlag(FLAGS_warmup);
    spec.metadata.emplace_back("authorization", "Bearer " + absl::GetFlag(FLAGS_key));
    auto to_bytes = [](const google::protobuf::Message& m) {
      std::string s = m.SerializeAsString();
      grpc::Slice slice(s);
      return grpc::ByteBuffer(&slice, 1);
    };
    if (call == "get_event") {
      spec.method = "/lookout.event.v1.EventService/GetEvent";
      for (const std::string& id : ids) {
        event::v1::GetEventRequest req;
        req.set_id(id);
        spec.requests.push_back(to_bytes(req));
      }
    } else {
      spec.method = "/lookout.event.v1.EventService/ListEvents";
      event::v1::ListEventsRequest req;
      req.mutable_filter()->add_country_codes(absl::GetFlag(FLAGS_country));
      req.set_page_size(absl::GetFlag(FLAGS_page_size));
      spec.requests.push_back(to_bytes(req));
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    grpc::GenericStub stub(grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                                     grpc::InsecureChannelCredentials(), args));
    result = RunClosedLoop(&stub, spec);
  } else {
    std::cerr << "--proto must be http or grpc\n";
    return 2;
  }
  std::cout << absl::StrFormat(
                   "RESULT proto=%s call=%s concurrency=%d throughput=%.0f p50_ms=%.3f "
                   "p99_ms=%.3f errors=%d",
                   proto, call, absl::GetFlag(FLAGS_concurrency), result.throughput,
                   result.p50_ms, result.p99_ms, result.errors)
            << std::endl;
  if (result.errors > 0) {
    std::cerr << "first error: " << result.first_error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace lookout::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lookout::bench::Main();
}
