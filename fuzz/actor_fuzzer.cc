// libFuzzer target: every ActorService method of the ActorManager (the whole domain: the gRPC
// adapter only checks the internal token and converts the status) on arbitrary requests, against
// a real SQLite store in a scratch folder shared by every input. Input format and references:
// fuzz/service_fuzz.h.
//
// Beyond no crash and no sanitizer finding: every answer keeps CheckStatus's rules; an actor
// Create or Update returns is what Get returns next; a deleted actor is gone.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/service_fuzz.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/sqlite_actor_store.h"

namespace lookout::fuzz {
namespace {

namespace av1 = actor::v1;
using google::protobuf::util::MessageDifferencer;

enum Method : uint8_t {
  kCreate,
  kGet,
  kBatchGet,
  kList,
  kUpdate,
  kDelete,
  kResolve,
  kCreateRelationship,
  kListRelationships,
  kDeleteRelationship,
  kMethodCount
};

av1::Actor ValidActor(const std::string& name) {
  av1::Actor a;
  a.set_name(name);
  a.add_aliases(name + " Group");
  a.set_type(av1::ACTOR_TYPE_CRIMINAL_GROUP);
  a.set_country_code("HTI");
  a.set_description("A gang.");
  auto* x = a.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value(name);
  return a;
}

struct Fixture {
  std::unique_ptr<actor::SqliteActorStore> store;
  std::unique_ptr<actor::ActorManager> manager;
  std::vector<std::string> seeded;
};

Fixture& Shared() {
  static Fixture* fixture = [] {
    QuietProtobufLog();
    auto* f = new Fixture;
    auto store = actor::SqliteActorStore::Open(ScratchDir("actor") + "/actors.db");
    if (!store.ok()) Fail("cannot open the actor store: " + store.status().ToString());
    f->store = std::move(*store);
    f->manager = std::make_unique<actor::ActorManager>(f->store.get());
    for (const char* name : {"Village de Dieu", "G9 an fanmi", "Kenya Police"}) {
      av1::CreateActorRequest request;
      *request.mutable_actor() = ValidActor(name);
      auto created = f->manager->CreateActor(request);
      if (!created.ok()) Fail("cannot seed the actor store: " + created.status().ToString());
      f->seeded.push_back(created->actor().id());
    }
    return f;
  }();
  return *fixture;
}

class Session {
 public:
  explicit Session(Fixture& f) : f_(f) {
    for (const auto& id : f.seeded) refs_.Add(id);
  }

  void Call(uint8_t selector, const std::string& bytes) {
    auto& m = *f_.manager;
    selector_ = selector;
    switch (static_cast<Method>(MethodOf(selector, kMethodCount))) {
      case kCreate:
        *create_.mutable_actor() = ValidActor("Fuzz Brigade " + std::to_string(++made_));
        Run<av1::CreateActorRequest>(bytes, "CreateActor", create_, [&](const auto& r) {
          auto result = m.CreateActor(r);
          if (result.ok()) Track(result->actor(), "CreateActor", !r.request_id().empty());
          return result.status();
        });
        break;
      case kGet:
        Run<av1::GetActorRequest>(bytes, "GetActor", [&](const auto& r) {
          auto result = m.GetActor(r);
          if (result.ok()) refs_.Add(result->actor().id(), result->actor().etag());
          return result.status();
        });
        break;
      case kBatchGet:
        Run<av1::BatchGetActorsRequest>(bytes, "BatchGetActors", [&](const auto& r) {
          auto result = m.BatchGetActors(r);
          if (result.ok()) {
            Check(result->actors_size() + result->missing_ids_size() <= r.ids_size(),
                  "BatchGetActors answers at most once per id asked");
          }
          return result.status();
        });
        break;
      case kList:
        Run<av1::ListActorsRequest>(bytes, "ListActors", [&](const auto& r) {
          auto result = m.ListActors(r);
          if (result.ok()) {
            Check(result->total_size() >= result->actors_size(),
                  "ListActors: total_size counts at least the page");
            CheckNextPage(
                r, *result, [&](const auto& next) { return m.ListActors(next); },
                [](const av1::ListActorsResponse& page) {
                  std::vector<std::string> ids;
                  for (const auto& a : page.actors()) ids.push_back(a.id());
                  return ids;
                },
                "ListActors");
          }
          return result.status();
        });
        break;
      case kUpdate:
        Run<av1::UpdateActorRequest>(bytes, "UpdateActor", update_, [&](const auto& r) {
          auto result = m.UpdateActor(r);
          if (result.ok()) Track(result->actor(), "UpdateActor");
          return result.status();
        });
        break;
      case kDelete:
        Run<av1::DeleteActorRequest>(bytes, "DeleteActor", [&](const auto& r) {
          auto result = m.DeleteActor(r);
          if (result.ok()) {
            av1::GetActorRequest get;
            get.set_id(r.id());
            Check(absl::IsNotFound(m.GetActor(get).status()), "DeleteActor: the actor is gone");
          }
          return result.status();
        });
        break;
      case kResolve:
        Run<av1::ResolveActorsRequest>(bytes, "ResolveActors", [&](const auto& r) {
          auto result = m.ResolveActors(r);
          if (result.ok()) {
            for (const auto& resolution : result->resolutions()) refs_.Add(resolution.actor_id());
          }
          return result.status();
        });
        break;
      case kCreateRelationship:
        Run<av1::CreateRelationshipRequest>(bytes, "CreateRelationship", relate_,
                                            [&](const auto& r) {
                                              auto result = m.CreateRelationship(r);
                                              if (result.ok())
                                                refs_.Add(result->relationship().id());
                                              return result.status();
                                            });
        break;
      case kListRelationships:
        Run<av1::ListRelationshipsRequest>(bytes, "ListRelationships", [&](const auto& r) {
          auto result = m.ListRelationships(r);
          if (result.ok()) {
            CheckNextPage(
                r, *result, [&](const auto& next) { return m.ListRelationships(next); },
                [](const av1::ListRelationshipsResponse& page) {
                  std::vector<std::string> ids;
                  for (const auto& x : page.relationships()) ids.push_back(x.id());
                  return ids;
                },
                "ListRelationships");
          }
          return result.status();
        });
        break;
      case kDeleteRelationship:
        Run<av1::DeleteRelationshipRequest>(bytes, "DeleteRelationship", [&](const auto& r) {
          return m.DeleteRelationship(r).status();
        });
        break;
      case kMethodCount:
        break;
    }
  }

 private:
  template <typename Request, typename Fn>
  void Run(const std::string& bytes, const std::string& call, Fn fn) {
    Run<Request>(bytes, call, Request(), fn);
  }
  template <typename Request, typename Fn>
  void Run(const std::string& bytes, const std::string& call, const Request& templ, Fn fn) {
    Request request;
    if (!ParseRequest(selector_, bytes, templ, &request)) return;
    refs_.Resolve(&request);
    CheckStatus(fn(request), call);
  }

  // `replayable`: the answer may be a request_id's first result, replayed although the actor
  // was updated since; then only that it reads is checked.
  void Track(const av1::Actor& actor, const std::string& call, bool replayable = false) {
    refs_.Add(actor.id(), actor.etag());
    av1::GetActorRequest get;
    get.set_id(actor.id());
    auto got = f_.manager->GetActor(get);
    if (replayable && got.ok()) return;
    Check(got.ok(), call + ": the actor it returned can be read: " + got.status().ToString());
    Check(MessageDifferencer::Equals(actor, got->actor()),
          call + ": Get returns what it returned:\n" + actor.DebugString() + "\nvs\n" +
              got->actor().DebugString());
  }

  Fixture& f_;
  References refs_;
  uint8_t selector_ = 0;
  int made_ = 0;  // numbers the create template's names (names are unique)
  av1::CreateActorRequest create_;
  const av1::UpdateActorRequest update_ = [] {
    av1::UpdateActorRequest r;
    r.mutable_actor()->set_id(std::string("@\0", 2));
    r.mutable_actor()->set_etag("@");
    return r;
  }();
  const av1::CreateRelationshipRequest relate_ = [] {
    av1::CreateRelationshipRequest r;
    r.mutable_relationship()->set_subject_id(std::string("@\0", 2));
    r.mutable_relationship()->set_object_id("@\x01");
    r.mutable_relationship()->set_type(av1::RELATIONSHIP_TYPE_ALLIED_WITH);
    r.mutable_relationship()->set_start_date("2023-01-01");
    return r;
  }();
};

}  // namespace

std::vector<std::string> SeedInputs() {
  const std::string first(std::string("@\0", 2));
  std::vector<std::string> seeds;
  av1::CreateActorRequest create;
  *create.mutable_actor() = ValidActor("Seed Brigade");
  create.mutable_actor()->set_parent_id(first);
  create.set_request_id("req-seed-actor");
  av1::GetActorRequest get;
  get.set_id("@\x03");
  av1::BatchGetActorsRequest batch;
  batch.add_ids(first);
  batch.add_ids("act_missing");
  av1::ListActorsRequest list;
  list.set_query("village");
  list.set_page_size(2);
  av1::UpdateActorRequest update;
  update.mutable_actor()->set_id("@\x03");
  update.mutable_actor()->set_etag("@");
  update.mutable_actor()->set_description("Renamed.");
  update.mutable_update_mask()->add_paths("description");
  av1::DeleteActorRequest del;
  del.set_id("@\x03");
  del.set_etag("@");
  av1::ResolveActorsRequest resolve;
  resolve.add_names("village de dieu");
  resolve.add_names("Grand Ravine");
  resolve.set_create_missing(true);
  resolve.set_default_type(av1::ACTOR_TYPE_CRIMINAL_GROUP);
  resolve.set_default_country_code("HTI");
  auto* to_resolve = resolve.add_actors();
  to_resolve->set_name("Kenya Police Service");
  to_resolve->set_type(av1::ACTOR_TYPE_STATE_FORCES);
  to_resolve->set_country_code("KEN");
  av1::CreateRelationshipRequest relate;
  relate.mutable_relationship()->set_subject_id("@\x01");
  relate.mutable_relationship()->set_object_id(first);
  relate.mutable_relationship()->set_type(av1::RELATIONSHIP_TYPE_ALLIED_WITH);
  relate.mutable_relationship()->set_start_date("2023-01-01");
  av1::ListRelationshipsRequest relations;
  relations.set_actor_id("@\x01");
  relations.set_as_of_date("2024-01-01");
  av1::DeleteRelationshipRequest unrelate;
  unrelate.set_id("@\x03");
  seeds.push_back(Frame(kCreate, create) + Frame(kGet, get) + Frame(kUpdate, update) +
                  Frame(kDelete, del));
  seeds.push_back(Frame(kBatchGet, batch) + Frame(kList, list));
  seeds.push_back(Frame(kResolve, resolve) + Frame(kList, list));
  seeds.push_back(Frame(kCreateRelationship, relate) + Frame(kListRelationships, relations) +
                  Frame(kDeleteRelationship, unrelate));

  // Over templates: one field changed each.
  av1::CreateActorRequest aliased;
  aliased.mutable_actor()->add_aliases("VDD");
  aliased.mutable_actor()->set_parent_id(first);
  av1::UpdateActorRequest renamed;
  renamed.mutable_actor()->set_name("Village de Dieu (VDD)");
  renamed.mutable_update_mask()->add_paths("name");
  av1::CreateRelationshipRequest ended;
  ended.mutable_relationship()->set_end_date("2024-06-30");
  seeds.push_back(Frame(kCreate | kOverTemplate, aliased) +
                  Frame(kUpdate | kOverTemplate, renamed) +
                  Frame(kCreateRelationship | kOverTemplate, ended));
  return seeds;
}

}  // namespace lookout::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookout::fuzz;
  Session session(Shared());
  RunCalls(data, size, session);
  return 0;
}
