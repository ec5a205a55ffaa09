#include "cli/app/dataset_loader.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/import_pipeline.h"
#include "cli/import/row_reader.h"
#include "common/crypto.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"

namespace lookout::cli {
namespace {

// "<dataset>:<entry>:<first 12 hex digits of the content's hash>": the same entry with the same
// content is the same request; an edited entry is a new one.
std::string RequestId(const Dataset& dataset, absl::string_view entry,
                      const google::protobuf::Message& content) {
  std::string bytes;
  content.SerializeToString(&bytes);
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
  return absl::StrCat(dataset.name, ":", entry, ":", absl::StrFormat("%016x", hash));
}

absl::Status Check(const grpc::Status& status) {
  return status.ok() ? absl::OkStatus() : FromGrpcStatus(status);
}

// Which entries' names already match an actor: one ResolveActors call (without creating) per
// thousand names. An entry without a match gets an empty id.
absl::Status FindActors(ApiClient* client, const std::vector<const DatasetActor*>& entries,
                        std::vector<std::string>* ids) {
  ids->assign(entries.size(), "");
  for (size_t start = 0; start < entries.size(); start += ActorResolver::kMaxNamesPerCall) {
    const size_t end = std::min(entries.size(), start + ActorResolver::kMaxNamesPerCall);
    actor::v1::ResolveActorsRequest resolve;
    for (size_t i = start; i < end; ++i) resolve.add_names(entries[i]->actor.name());
    actor::v1::ResolveActorsResponse resolved;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->actors()->ResolveActors(context, resolve, &resolved);
    })));
    if (resolved.resolutions_size() != static_cast<int>(end - start)) {
      return absl::InternalError(absl::StrCat("ResolveActors answered ",
                                              resolved.resolutions_size(), " names for ",
                                              end - start, " asked"));
    }
    for (size_t i = start; i < end; ++i) {
      (*ids)[i] = resolved.resolutions(static_cast<int>(i - start)).actor_id();
    }
  }
  return absl::OkStatus();
}

absl::Status LoadActors(ApiClient* client, const Dataset& dataset, const std::string& reason,
                        std::map<std::string, std::string>* ids, LoadTally* tally) {
  std::vector<const DatasetActor*> entries;
  for (const DatasetActor& entry : dataset.actors) entries.push_back(&entry);
  std::vector<std::string> found;
  LOOKOUT_RETURN_IF_ERROR(FindActors(client, entries, &found));
  bool created_any = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    const DatasetActor& entry = *entries[i];
    // An actor created above may carry this name as an alias: look again before creating.
    if (found[i].empty() && created_any) {
      std::vector<std::string> again;
      LOOKOUT_RETURN_IF_ERROR(FindActors(client, {&entry}, &again));
      found[i] = again[0];
    }
    if (!found[i].empty()) {
      (*ids)[entry.key] = found[i];
      ++tally->actors_found;
      continue;
    }
    actor::v1::CreateActorRequest create;
    *create.mutable_actor() = entry.actor;
    if (!entry.parent_key.empty()) create.mutable_actor()->set_parent_id(ids->at(entry.parent_key));
    create.set_request_id(RequestId(dataset, absl::StrCat("actor:", entry.key), create.actor()));
    create.set_reason(reason);
    actor::v1::CreateActorResponse created;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->actors()->CreateActor(context, create, &created);
    })));
    (*ids)[entry.key] = created.actor().id();
    ++tally->actors_created;
    created_any = true;
  }
  return absl::OkStatus();
}

absl::Status LoadRelationships(ApiClient* client, const Dataset& dataset, const std::string& reason,
                               const std::map<std::string, std::string>& ids, LoadTally* tally) {
  for (size_t i = 0; i < dataset.relationships.size(); ++i) {
    const DatasetRelationship& entry = dataset.relationships[i];
    actor::v1::Relationship relationship = entry.relationship;
    relationship.set_subject_id(ids.at(entry.subject_key));
    relationship.set_object_id(ids.at(entry.object_key));
    // Already there? Same sides, type and dates.
    actor::v1::ListRelationshipsRequest list;
    list.set_actor_id(relationship.subject_id());
    list.set_type(relationship.type());
    list.set_page_size(1000);
    actor::v1::ListRelationshipsResponse listed;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->actors()->ListRelationships(context, list, &listed);
    })));
    bool found = false;
    for (const auto& stored : listed.relationships()) {
      found = found || (stored.subject_id() == relationship.subject_id() &&
                        stored.object_id() == relationship.object_id() &&
                        stored.start_date() == relationship.start_date() &&
                        stored.end_date() == relationship.end_date());
    }
    if (found) {
      ++tally->relationships_found;
      continue;
    }
    actor::v1::CreateRelationshipRequest create;
    *create.mutable_relationship() = relationship;
    create.set_request_id(
        RequestId(dataset, absl::StrCat("relationship:", entry.subject_key, ":", entry.object_key),
                  relationship));
    create.set_reason(reason);
    actor::v1::CreateRelationshipResponse created;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->actors()->CreateRelationship(context, create, &created);
    })));
    ++tally->relationships_created;
  }
  return absl::OkStatus();
}

// The dataset's events as rows whose participants are already actor ids; a row's "line" is the
// event's index in the dataset.
class DatasetEventReader : public RowReader {
 public:
  DatasetEventReader(const Dataset& dataset, const std::map<std::string, std::string>& ids)
      : dataset_(dataset), ids_(ids) {}

  Result Next(ParsedRow* row, RowError* /*error*/) override {
    if (next_ >= dataset_.events.size()) return Result::kEnd;
    const DatasetEvent& entry = dataset_.events[next_];
    row->line = static_cast<int64_t>(next_++);
    row->event = entry.event;
    row->actors.clear();
    for (const auto& [key, role] : entry.participants) {
      ActorRef& ref = row->actors.emplace_back();
      ref.actor_id = ids_.at(key);
      ref.role = role;
    }
    return Result::kRow;
  }

 private:
  const Dataset& dataset_;
  const std::map<std::string, std::string>& ids_;
  size_t next_ = 0;
};

// Through the import pipeline, as an import file's rows go.
absl::Status LoadEvents(ApiClient* client, const Dataset& dataset, const std::string& reason,
                        const std::map<std::string, std::string>& ids, LoadTally* tally,
                        std::vector<std::string>* rejections) {
  if (dataset.events.empty()) return absl::OkStatus();
  DatasetEventReader reader(dataset, ids);
  ActorResolver resolver(client);  // every participant is an id already
  ImportSettings settings;
  settings.reason = reason;
  ImportPipeline pipeline(client, &resolver, settings);
  ImportTally imported;
  absl::Status status = pipeline.Run(
      &reader,
      [&](const Rejection& rejection) {
        rejections->push_back(absl::StrCat("events[", rejection.line, "]: ", rejection.message));
      },
      nullptr, &imported);
  tally->events_created += imported.created;
  tally->events_updated += imported.updated;
  tally->events_unchanged += imported.unchanged;
  tally->events_rejected += imported.rejected;
  return status;
}

bool SameFigure(const stats::v1::Observation& a, const stats::v1::Observation& b) {
  return a.metric() == b.metric() && a.country_code() == b.country_code() &&
         a.period().start_date() == b.period().start_date() &&
         a.period().end_date() == b.period().end_date() && a.source().name() == b.source().name() &&
         google::protobuf::util::MessageDifferencer::Equals(a.value(), b.value());
}

absl::Status LoadFigures(ApiClient* client, const Dataset& dataset,
                         const std::map<std::string, std::string>& ids, LoadTally* tally) {
  for (size_t i = 0; i < dataset.figures.size(); ++i) {
    stats::v1::Observation observation = dataset.figures[i].observation;
    for (const std::string& key : dataset.figures[i].actor_keys) {
      observation.add_actor_ids(ids.at(key));
    }
    stats::v1::ListObservationsRequest list;
    list.set_metric(observation.metric());
    list.set_country_code(observation.country_code());
    *list.mutable_period() = observation.period();
    list.set_source_name(observation.source().name());
    list.set_page_size(1000);
    stats::v1::ListObservationsResponse listed;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->stats()->ListObservations(context, list, &listed);
    })));
    bool found = false;
    for (const auto& stored : listed.observations())
      found = found || SameFigure(stored, observation);
    if (found) {
      ++tally->figures_found;
      continue;
    }
    stats::v1::RecordObservationRequest record;
    *record.mutable_observation() = observation;
    record.set_request_id(RequestId(dataset, absl::StrCat("figure:", i), observation));
    stats::v1::RecordObservationResponse recorded;
    LOOKOUT_RETURN_IF_ERROR(Check(client->Unary([&](grpc::ClientContext* context) {
      return client->stats()->RecordObservation(context, record, &recorded);
    })));
    ++tally->figures_created;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadDataset(ApiClient* client, const Dataset& dataset, LoadTally* tally,
                         std::vector<std::string>* rejections, const std::string& reason) {
  std::map<std::string, std::string> ids;
  LOOKOUT_RETURN_IF_ERROR(LoadActors(client, dataset, reason, &ids, tally));
  LOOKOUT_RETURN_IF_ERROR(LoadRelationships(client, dataset, reason, ids, tally));
  LOOKOUT_RETURN_IF_ERROR(LoadEvents(client, dataset, reason, ids, tally, rejections));
  return LoadFigures(client, dataset, ids, tally);
}

}  // namespace lookout::cli
