// The ctest fixture that shares one PostgreSQL server between a run's test processes:
//   lookout_test_postgres start STATE_FILE   starts a detached server, writes its address
//   lookout_test_postgres stop STATE_FILE    stops it and removes its folder
#include <cstdio>
#include <string>

#include "tests/testing/postgres_server.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s start|stop STATE_FILE\n", argv[0]);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "start") {
    lookout::testing::StopSharedServer(argv[2]);  // one left by an interrupted run
    lookout::testing::StartSharedServer(argv[2]);
    return 0;
  }
  if (command == "stop") {
    lookout::testing::StopSharedServer(argv[2]);
    return 0;
  }
  std::fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
