// Runs a fuzz target's body over files, without libFuzzer: how the regular (gcc) build and
// CTest replay the seeds and every crash the fuzzers ever found (fuzz/regressions/).
#include <cstdio>
#include <string>
#include <vector>

#include "fuzz/replay_files.h"

int main(int argc, char** argv) {
  const int files = lookout::fuzz::ReplayFiles(std::vector<std::string>(argv + 1, argv + argc));
  if (files < 0) return 2;
  std::printf("replayed %d inputs\n", files);
  return files > 0 ? 0 : 1;
}
