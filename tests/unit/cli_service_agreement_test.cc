// Every row the importers accept from the fixtures and the real samples passes the event
// service's own validation (event_filter/event_validation.h) once its actors have ids, and
// every sub-event type the label tables produce is one the service's taxonomy knows: the
// parsers and the service cannot drift apart unnoticed.
#include <fstream>
#include <string>
#include <vector>

#include "cli/import/cameo.h"
#include "cli/import/taxonomy_labels.h"
#include "cli/testing/read_all.h"
#include "event_filter/event_taxonomy.h"
#include "event_filter/event_validation.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

void ExpectServiceAccepts(const cli_testing::ReadOutcome& outcome, const std::string& name) {
  for (const ParsedRow& row : outcome.rows) {
    event::v1::Event event = row.event;
    int n = 0;
    for (const ActorRef& actor : row.actors) {
      auto* participant = event.add_participants();
      participant->set_actor_id(absl::StrCat("act_", n++));
      participant->set_role(actor.role);
    }
    absl::Status status = event_filter::ValidateEvent(event);
    EXPECT_TRUE(status.ok()) << name << ":" << row.line << ": " << status.message();
  }
}

TEST(ServiceAgreementTest, FixtureRowsPassTheEventServicesValidation) {
  const std::vector<std::pair<ImportFormat, std::string>> files = {
      {ImportFormat::kAcled, "acled/acled_valid.csv"},
      {ImportFormat::kAcled, "acled/acled_rejects.csv"},
      {ImportFormat::kUcdp, "ucdp/ucdp_valid_hxl.csv"},
      {ImportFormat::kUcdp, "ucdp/ucdp_official_layout.csv"},
      {ImportFormat::kGdelt, "gdelt/gdelt_valid.tsv"},
      {ImportFormat::kGdelt, "gdelt/gdelt_rejects.tsv"},
      // Events at sea: the maritime hierarchy as the service validates it.
      {ImportFormat::kAcled, "acled/acled_sea.csv"},
      {ImportFormat::kAcled, "acled/acled_sea_resync.csv"},
      {ImportFormat::kGdelt, "gdelt/gdelt_sea.tsv"},
  };
  for (const auto& [format, file] : files) {
    auto outcome = cli_testing::ReadFixture(format, file);
    EXPECT_FALSE(outcome.rows.empty()) << file;
    ExpectServiceAccepts(outcome, file);
  }
}

TEST(ServiceAgreementTest, RealSampleRowsPassTheEventServicesValidation) {
  const std::string dir = std::string(LOOKOUT_SOURCE_DIR) + "/../shared/data/";
  const std::vector<std::pair<ImportFormat, std::string>> files = {
      {ImportFormat::kGdelt, "20191024143000.export.CSV"},
      {ImportFormat::kUcdp, "ucdp_ged_conflict_data_BGD_hxl.csv"},
  };
  int read = 0;
  for (const auto& [format, file] : files) {
    std::ifstream in(dir + file, std::ios::binary);
    if (!in) continue;
    auto outcome = cli_testing::ReadAllFrom(format, &in);
    ExpectServiceAccepts(outcome, file);
    ++read;
  }
  if (read == 0) GTEST_SKIP() << "../shared/data is absent";
}

TEST(ServiceAgreementTest, EverySubEventTypeTheImportersProduceIsInTheServicesTaxonomy) {
  // CAMEO root codes with the finer codes that change the sub-event type.
  for (int root = 1; root <= 20; ++root) {
    char code[3];
    snprintf(code, sizeof(code), "%02d", root);
    for (const char* finer : {"", "0212", "023", "042", "045", "057", "061", "062", "071", "072",
                              "073", "145", "151", "171", "181", "1821"}) {
      if (std::string(finer).substr(0, 2) != code && finer[0] != '\0') continue;
      auto mapping = MapCameo(code, finer);
      ASSERT_TRUE(mapping.has_value());
      EXPECT_TRUE(event_filter::IsSubEventTypeOf(mapping->type, mapping->sub_event_type))
          << code << " " << finer << " -> " << mapping->sub_event_type;
    }
  }
  for (const char* label : {"Armed clash", "Air/drone strike", "Abduction", "Looting",
                            "Excessive force against protestors", "Agreement signed",
                            "Court ruling", "Police deployment", "Request for aid"}) {
    auto sub = MatchSubEventTypeLabel(label);
    ASSERT_TRUE(sub.has_value()) << label;
    EXPECT_TRUE(event_filter::IsSubEventTypeOf(sub->type, sub->canonical)) << label;
  }
}

}  // namespace
}  // namespace lookout::cli
