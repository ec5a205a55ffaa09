// Feeds files to a fuzz target's body without libFuzzer: what both replay mains (the import
// parsers' and the services') do with their path arguments.
#ifndef LOOKOUT_FUZZ_REPLAY_FILES_H_
#define LOOKOUT_FUZZ_REPLAY_FILES_H_

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace lookout::fuzz {

inline void ReplayInput(const std::string& data) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
}

// Replays each file named in `paths`, and every file below each folder; a path that does not
// exist is skipped (e.g. a regressions folder not made yet). The count replayed, or -1 when a
// file could not be read (said on stderr).
inline int ReplayFiles(const std::vector<std::string>& paths) {
  int inputs = 0;
  for (const std::string& arg : paths) {
    if (!std::filesystem::exists(arg)) continue;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.emplace_back(arg);
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return -1;
      }
      ReplayInput(std::string((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>()));
      ++inputs;
    }
  }
  return inputs;
}

}  // namespace lookout::fuzz

#endif  // LOOKOUT_FUZZ_REPLAY_FILES_H_
