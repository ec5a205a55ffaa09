#include "services/stats/observation_manager.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/change_history.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/stats/metric_summary.h"
#include "services/stats/observation_validation.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;

// SHA-256 of the client's payload (output-only fields cleared), serialized deterministically.
std::string PayloadHash(const Observation& payload) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

// The query a page token is bound to: every filter field, in one spelling.
std::string CanonicalQuery(const v1::ListObservationsRequest& request) {
  return absl::StrCat("metric=", request.metric(), "|country=", request.country_code(),
                      "|start=", request.period().start_date(),
                      "|end=", request.period().end_date(), "|source=", request.source_name());
}

}  // namespace

absl::StatusOr<v1::RecordObservationResponse> ObservationManager::Record(
    const v1::RecordObservationRequest& request, ChangeAuthor author) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckRequestId(request.request_id()));
  LOOKOUT_RETURN_IF_ERROR(ValidateChangeReason("reason", request.reason()));
  Observation payload = request.observation();
  // Output-only fields a client sent are ignored rather than trusted.
  payload.clear_id();
  payload.clear_create_time();
  LOOKOUT_RETURN_IF_ERROR(ValidateObservation(payload));

  const absl::Time now = clock_();
  Observation observation = payload;
  observation.set_id(absl::StrCat("obs_", RandomIdHex(8)));
  *observation.mutable_create_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  author.reason = request.reason();
  author.time_micros = absl::ToUnixMicros(now);
  v1::RecordObservationResponse response;
  LOOKOUT_ASSIGN_OR_RETURN(
      *response.mutable_observation(),
      store_->Record(observation, request.request_id(), PayloadHash(payload), author));
  return response;
}

absl::StatusOr<v1::GetObservationResponse> ObservationManager::Get(
    const v1::GetObservationRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateObservationId(request.id()));
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<Observation> observation, store_->Get(request.id()));
  if (!observation.has_value()) return errors::NotFound("observation", request.id());
  v1::GetObservationResponse response;
  *response.mutable_observation() = std::move(*observation);
  return response;
}

absl::StatusOr<v1::ListObservationsResponse> ObservationManager::List(
    const v1::ListObservationsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateListObservations(request));
  LOOKOUT_ASSIGN_OR_RETURN(int page_size, validation::PageSize(request.page_size()));
  const std::string query = CanonicalQuery(request);
  int64_t after = 0;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor, tokens_.Decode(request.page_token(), query));
    if (!absl::SimpleAtoi(cursor, &after) || after < 0) {
      return errors::InvalidField("page_token", "is not a token this service issued");
    }
  }
  ObservationFilter filter;
  filter.metric = request.metric();
  filter.country_code = request.country_code();
  filter.source_name = request.source_name();
  if (!request.period().start_date().empty()) {
    filter.first_day = *validation::ParseDate(request.period().start_date());
  }
  if (!request.period().end_date().empty()) {
    filter.last_day = *validation::ParseDate(request.period().end_date());
  }
  LOOKOUT_ASSIGN_OR_RETURN(ObservationPage page, store_->List(filter, after, page_size));
  v1::ListObservationsResponse response;
  for (Observation& observation : page.observations) {
    *response.add_observations() = std::move(observation);
  }
  if (page.next_after.has_value()) {
    response.set_next_page_token(tokens_.Encode(absl::StrCat(*page.next_after), query));
  }
  return response;
}

absl::StatusOr<v1::DeleteObservationResponse> ObservationManager::Delete(
    const v1::DeleteObservationRequest& request, ChangeAuthor author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateObservationId(request.id()));
  LOOKOUT_RETURN_IF_ERROR(ValidateChangeReason("reason", request.reason()));
  author.reason = request.reason();
  author.time_micros = absl::ToUnixMicros(clock_());
  LOOKOUT_ASSIGN_OR_RETURN(bool deleted, store_->Delete(request.id(), author));
  if (!deleted) return errors::NotFound("observation", request.id());
  return v1::DeleteObservationResponse();
}

absl::StatusOr<v1::ListObservationRevisionsResponse> ObservationManager::ListRevisions(
    const v1::ListObservationRevisionsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateObservationId(request.id()));
  LOOKOUT_ASSIGN_OR_RETURN(int page_size, validation::PageSize(request.page_size()));
  // Bound to the observation, so a token from another one's history is refused.
  const std::string query = absl::StrCat("revisions:", request.id());
  int64_t before = 0;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor, tokens_.Decode(request.page_token(), query));
    if (!absl::SimpleAtoi(cursor, &before) || before <= 0) {
      return errors::InvalidField("page_token", "is not a token this service issued");
    }
  }
  // One row more than asked tells whether another page follows.
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<ObservationChange> changes,
                           store_->Changes(request.id(), before, page_size + 1));
  if (changes.empty() && before == 0) return errors::NotFound("observation", request.id());
  v1::ListObservationRevisionsResponse response;
  const size_t shown = std::min<size_t>(changes.size(), page_size);
  for (size_t i = 0; i < shown; ++i) {
    ObservationChange& change = changes[i];
    v1::ObservationRevision* revision = response.add_revisions();
    revision->set_sequence(change.sequence);
    revision->set_type(change.type);
    *revision->mutable_provenance() = ProvenanceOf<event::v1::ChangeProvenance>(change.author);
    if (change.after.has_value()) {
      const Observation* previous = change.before.has_value() ? &*change.before : nullptr;
      for (std::string& path : ChangedFieldPaths(previous, *change.after)) {
        revision->add_changed_paths(std::move(path));
      }
      *revision->mutable_observation() = std::move(*change.after);
    } else if (change.before.has_value()) {
      *revision->mutable_observation() = std::move(*change.before);
    }
  }
  if (changes.size() > shown) {
    response.set_next_page_token(
        tokens_.Encode(absl::StrCat(changes[shown - 1].sequence), query));
  }
  return response;
}

absl::StatusOr<v1::SummarizeMetricResponse> SummarizeMetric(
    const v1::SummarizeMetricRequest& request, EventStats* events,
    absl::FunctionRef<absl::StatusOr<std::vector<Observation>>(int32_t first_day, int32_t last_day,
                                                               int limit)>
        within) {
  LOOKOUT_RETURN_IF_ERROR(ValidateSummarizeMetric(request));
  const int32_t first_day = *validation::ParseDate(request.period().start_date());
  const int32_t last_day = *validation::ParseDate(request.period().end_date());
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<Observation> observations,
                           within(first_day, last_day, kMaxSummaryObservations + 1));
  std::vector<std::string> notes;
  if (observations.size() > static_cast<size_t>(kMaxSummaryObservations)) {
    observations.resize(kMaxSummaryObservations);
    notes.push_back(
        absl::StrCat("only the first ", kMaxSummaryObservations, " observations were reconciled"));
  }
  std::optional<int64_t> computed;
  if (HasEventCasualties(request.metric())) {
    if (events == nullptr) {
      notes.push_back("event figures are not available on this server");
    } else {
      absl::StatusOr<int64_t> sum = events->SumCasualties(request.country_code(), request.period(),
                                                          CasualtyKindOf(request.metric()));
      // The reported figures are still worth returning when the read model cannot answer.
      if (sum.ok()) {
        computed = *sum;
      } else {
        notes.push_back(absl::StrCat("event figures unavailable: ", sum.status().message()));
      }
    }
  }
  v1::SummarizeMetricResponse response;
  *response.mutable_summary() = BuildSummary(request.metric(), request.country_code(),
                                             request.period(), observations, computed, notes);
  return response;
}

absl::StatusOr<v1::SummarizeMetricResponse> ObservationManager::Summarize(
    const v1::SummarizeMetricRequest& request) {
  return SummarizeMetric(request, events_, [&](int32_t first_day, int32_t last_day, int limit) {
    return store_->ListWithin(request.metric(), request.country_code(), first_day, last_day, limit);
  });
}

}  // namespace lookout::stats
