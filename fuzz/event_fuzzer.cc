// libFuzzer target: the event service's request handlers (EventManager: CreateEvent, GetEvent,
// ListEvents, UpdateEvent, DeleteEvent; EventImporter: ImportEvents streams) on arbitrary
// requests, against a real SQLite store in a scratch folder shared by every input. Actor ids are
// checked by a fixed directory (act_1 .. act_4 exist), which is what the actor service would
// answer; the gRPC adapter around the handlers only checks the internal token and converts the
// status. Input format and references: fuzz/service_fuzz.h.
//
// Beyond no crash and no sanitizer finding: every answer keeps CheckStatus's rules; an event
// Create or Update returns is what Get returns next; an import's tally adds up.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "fuzz/service_fuzz.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/actor_checker.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/sqlite_event_store.h"

namespace lookout::fuzz {
namespace {

using event::v1::Event;
using google::protobuf::util::MessageDifferencer;

enum Method : uint8_t { kCreate, kGet, kList, kUpdate, kDelete, kImport, kMethodCount };

// The actor service's answer for a fixed set of actors: a legitimate stand-in here, since the
// event service only asks which ids are missing.
class FixedActors : public event::ActorChecker {
 public:
  absl::StatusOr<absl::flat_hash_set<std::string>> FindMissing(
      const std::vector<std::string>& ids, const grpc::ServerContext*) override {
    absl::flat_hash_set<std::string> missing;
    for (const auto& id : ids) {
      if (id != "act_1" && id != "act_2" && id != "act_3" && id != "act_4") missing.insert(id);
    }
    return missing;
  }
};

Event ValidEvent(int n) {
  Event e;
  e.set_event_date(n % 2 == 0 ? "2024-03-01" : "2023-12-31");
  e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e.set_sub_event_type("Armed clash");
  e.mutable_location()->set_country_code(n % 2 == 0 ? "HTI" : "KEN");
  e.mutable_location()->set_admin1("Ouest");
  e.mutable_location()->set_latitude(18.5);
  e.mutable_location()->set_longitude(-72.3);
  auto* p = e.add_participants();
  p->set_actor_id("act_1");
  p->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
  auto* c = e.add_casualties();
  c->set_kind(event::v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(n + 1);
  e.set_notes("Gangs clashed near Cite Soleil.");
  e.add_tags("gang");
  auto* x = e.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value("HTI" + std::to_string(n));
  return e;
}

struct Fixture {
  std::unique_ptr<event::SqliteEventStore> store;
  FixedActors actors;
  std::unique_ptr<event::EventManager> manager;
  std::unique_ptr<event::EventImporter> importer;
  std::vector<Event> seeded;  // a few events every input can refer to
};

Fixture& Shared() {
  static Fixture* fixture = [] {
    QuietProtobufLog();
    auto* f = new Fixture;
    auto store = event::SqliteEventStore::Open(ScratchDir("event") + "/events.db");
    if (!store.ok()) Fail("cannot open the event store: " + store.status().ToString());
    f->store = std::move(*store);
    f->manager = std::make_unique<event::EventManager>(f->store.get(), &f->actors, nullptr);
    // Small batches, so a short stream already goes through the batch and retry paths.
    f->importer = std::make_unique<event::EventImporter>(f->store.get(), &f->actors, nullptr,
                                                         absl::Now, /*batch_size=*/4);
    for (int i = 0; i < 3; ++i) {
      auto created = f->manager->Create(ValidEvent(i), "");
      if (!created.ok()) Fail("cannot seed the event store: " + created.status().ToString());
      f->seeded.push_back(*created);
    }
    return f;
  }();
  return *fixture;
}

// `replayable`: the answer may be a request_id's first result, replayed as API.md promises even
// when that event was updated or deleted since; then only that it reads is checked.
void CheckStored(Fixture& f, const Event& returned, const std::string& call,
                 bool replayable = false) {
  absl::StatusOr<Event> got = f.manager->Get(returned.id());
  if (replayable && (absl::IsNotFound(got.status()) || got.ok())) return;
  Check(got.ok(), call + ": the event it returned can be read: " + got.status().ToString());
  Check(MessageDifferencer::Equals(returned, *got), call + ": Get returns what it returned:\n" +
                                                        returned.DebugString() + "\nvs\n" +
                                                        got->DebugString());
}

class Session {
 public:
  explicit Session(Fixture& f) : f_(f) {
    for (const auto& e : f.seeded) refs_.Add(e.id(), "");
  }

  void Call(uint8_t selector, const std::string& bytes) {
    const Method method = static_cast<Method>(MethodOf(selector, kMethodCount));
    selector_ = selector;
    if (method != kImport) FinishImport();
    switch (method) {
      case kCreate: {
        event::v1::CreateEventRequest request, templ;
        *templ.mutable_event() = ValidEvent(++made_);
        if (!Parse(&request, bytes, templ)) return;
        auto result = f_.manager->Create(request.event(), request.request_id());
        CheckStatus(result.status(), "CreateEvent");
        if (result.ok()) Track(*result, "CreateEvent", !request.request_id().empty());
        break;
      }
      case kGet: {
        event::v1::GetEventRequest request;
        if (!Parse(&request, bytes)) return;
        auto result = f_.manager->Get(request.id());
        CheckStatus(result.status(), "GetEvent");
        if (result.ok()) refs_.Add(result->id(), result->etag());
        break;
      }
      case kList: {
        event::v1::ListEventsRequest request;
        if (!Parse(&request, bytes)) return;
        auto result = f_.manager->List(request);
        CheckStatus(result.status(), "ListEvents");
        if (result.ok()) {
          Check(result->total_size() >= result->events_size(),
                "ListEvents: total_size counts at least the page");
          CheckNextPage(
              request, *result, [&](const auto& r) { return f_.manager->List(r); },
              [](const event::v1::ListEventsResponse& page) {
                std::vector<std::string> ids;
                for (const auto& e : page.events()) ids.push_back(e.id());
                return ids;
              },
              "ListEvents");
        }
        break;
      }
      case kUpdate: {
        event::v1::UpdateEventRequest request, templ;
        templ.mutable_event()->set_id(std::string("@\0", 2));
        templ.mutable_event()->set_etag("@");
        if (!Parse(&request, bytes, templ)) return;
        auto result = f_.manager->Update(request.event(), request.update_mask());
        CheckStatus(result.status(), "UpdateEvent");
        if (result.ok()) Track(*result, "UpdateEvent");
        break;
      }
      case kDelete: {
        event::v1::DeleteEventRequest request;
        if (!Parse(&request, bytes)) return;
        absl::Status status = f_.manager->Delete(request.id(), request.etag());
        CheckStatus(status, "DeleteEvent");
        if (status.ok()) {
          Check(absl::IsNotFound(f_.manager->Get(request.id()).status()),
                "DeleteEvent: a deleted event is gone");
        }
        break;
      }
      case kImport: {
        event::v1::ImportEventsRequest request, templ;
        if (import_.has_value()) *templ.mutable_event() = ValidEvent(++made_);
        if (!Parse(&request, bytes, templ)) return;
        if (!import_.has_value()) {
          import_.emplace(f_.importer->Start(request.options()));
          rows_ = 0;
          if (!request.has_event()) break;
        }
        ++rows_;
        CheckStatus(import_->Add(request.has_event() ? &request.event() : nullptr),
                    "ImportEvents row");
        break;
      }
      case kMethodCount:
        break;
    }
  }

  void FinishImport() {
    if (!import_.has_value()) return;
    auto result = import_->Finish();
    import_.reset();
    CheckStatus(result.status(), "ImportEvents");
    if (!result.ok()) return;
    Check(result->received() == rows_, "ImportEvents: received counts every row");
    Check(result->created() + result->updated() + result->unchanged() + result->rejected() ==
              result->received(),
          "ImportEvents: every row is created, updated, unchanged or rejected: " +
              result->ShortDebugString());
    for (const auto& error : result->errors()) {
      Check(error.index() >= 0 && error.index() < rows_, "ImportEvents: errors name a row");
      Check(!error.message().empty(), "ImportEvents: errors say why");
    }
  }

 private:
  template <typename Request>
  bool Parse(Request* request, const std::string& bytes, const Request& templ = Request()) {
    if (!ParseRequest(selector_, bytes, templ, request)) return false;
    refs_.Resolve(request);
    return true;
  }

  void Track(const Event& event, const std::string& call, bool replayable = false) {
    refs_.Add(event.id(), event.etag());
    CheckStored(f_, event, call, replayable);
  }

  Fixture& f_;
  References refs_;
  std::optional<event::EventImporter::Session> import_;
  int64_t rows_ = 0;
  uint8_t selector_ = 0;
  int made_ = 100;  // numbers the templates' events (their external ids)
};

}  // namespace

std::vector<std::string> SeedInputs() {
  std::vector<std::string> seeds;
  event::v1::CreateEventRequest create;
  *create.mutable_event() = ValidEvent(7);
  create.set_request_id("req-seed-1");
  event::v1::GetEventRequest get;
  get.set_id("@\x01");
  event::v1::ListEventsRequest list;
  list.set_page_size(2);
  list.mutable_filter()->add_country_codes("HTI");
  list.mutable_filter()->set_text("gangs cite*");
  list.set_order_by("event_date desc");
  event::v1::UpdateEventRequest update;
  update.mutable_event()->set_id(std::string("@\0", 2));
  update.mutable_event()->set_etag("@");
  update.mutable_event()->set_notes("Updated notes.");
  update.mutable_update_mask()->add_paths("notes");
  event::v1::DeleteEventRequest del;
  del.set_id("@\x02");
  del.set_etag("@");
  seeds.push_back(Frame(kCreate, create) + Frame(kGet, get) + Frame(kUpdate, update));
  seeds.push_back(Frame(kList, list));
  seeds.push_back(Frame(kCreate, create) + Frame(kDelete, del));

  event::v1::ImportEventsRequest options;
  options.mutable_options()->set_upsert_by_external_id(true);
  std::string import = Frame(kImport, options);
  for (int i = 0; i < 6; ++i) {
    event::v1::ImportEventsRequest row;
    *row.mutable_event() = ValidEvent(i + 20);
    if (i == 3) row.mutable_event()->set_event_date("2024-02-30");  // a rejected row
    import += Frame(kImport, row);
  }
  seeds.push_back(import + Frame(kList, list));

  // Over templates: one field changed each.
  event::v1::CreateEventRequest dated;
  dated.mutable_event()->set_end_date("2024-03-05");
  dated.mutable_event()->set_date_precision(lookout::type::v1::DATE_PRECISION_WEEK);
  event::v1::CreateEventRequest sourced;
  auto* source = sourced.mutable_event()->add_sources();
  source->set_name("Le Nouvelliste");
  source->set_url("https://example.org/a");
  source->set_published_date("2024-03-02");
  event::v1::UpdateEventRequest retyped;
  retyped.mutable_event()->set_event_type(event::v1::EVENT_TYPE_PROTESTS);
  retyped.mutable_event()->set_sub_event_type("Peaceful protest");
  retyped.mutable_update_mask()->add_paths("event_type");
  retyped.mutable_update_mask()->add_paths("sub_event_type");
  event::v1::ImportEventsRequest tagged;
  tagged.mutable_event()->add_tags("police");
  seeds.push_back(Frame(kCreate | kOverTemplate, dated) + Frame(kCreate | kOverTemplate, sourced) +
                  Frame(kUpdate | kOverTemplate, retyped));
  seeds.push_back(Frame(kImport, options) + Frame(kImport | kOverTemplate, tagged) +
                  Frame(kImport | kOverTemplate, tagged));
  return seeds;
}

}  // namespace lookout::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookout::fuzz;
  Fixture& fixture = Shared();
  Session session(fixture);
  RunCalls(data, size, session);
  session.FinishImport();
  return 0;
}
