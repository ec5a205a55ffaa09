// Runs a service fuzz target's body without libFuzzer: how the regular (gcc) build and CTest
// replay the target's seeds, its corpus (fuzz/corpus/<target>) and every input that once broke
// it (fuzz/regressions/<target>).
//   <target>_fuzz_replay [PATH...]             the seeds, then every file under each PATH
//   <target>_fuzz_replay --write-seeds DIR     writes the seeds as files (run_fuzzers.sh's corpus)
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/replay_files.h"
#include "fuzz/service_fuzz.h"

int main(int argc, char** argv) {
  const std::vector<std::string> seeds = lookout::fuzz::SeedInputs();
  if (argc == 3 && std::strcmp(argv[1], "--write-seeds") == 0) {
    std::filesystem::create_directories(argv[2]);
    for (size_t i = 0; i < seeds.size(); ++i) {
      const std::string path = std::string(argv[2]) + "/seed-" + std::to_string(i);
      std::ofstream out(path, std::ios::binary);
      out << seeds[i];
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 2;
      }
    }
    std::printf("wrote %zu seeds to %s\n", seeds.size(), argv[2]);
    return 0;
  }
  for (const auto& seed : seeds) lookout::fuzz::ReplayInput(seed);
  const int files = lookout::fuzz::ReplayFiles(std::vector<std::string>(argv + 1, argv + argc));
  if (files < 0) return 2;
  const int inputs = static_cast<int>(seeds.size()) + files;
  std::printf("replayed %d inputs\n", inputs);
  return inputs > 0 ? 0 : 1;
}
