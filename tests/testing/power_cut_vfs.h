// A simulated power cut for SQLite files, for crash tests of the stores.
//
// Installed as SQLite's default VFS, wrapping the real one (so every connection goes through it,
// the writer's WAL write buffer of common/sqlite_wal_buffer.h included: that VFS wraps whatever
// is the default when it registers). For each file under a tracked directory (the database and
// its WAL) it records every write and truncation since the file's last completed sync: the
// bytes written and the bytes they overwrote, in order. A sync completes either through the
// VFS (xSync) or through fsync/fdatasync on any descriptor of the file: the stores fsync their
// WAL from a thread of their own with fdatasync, outside SQLite, so this file also defines
// fdatasync and fsync for the test binary that links it, forwarding to the kernel and noting
// the sync. A sync covers the writes that completed before it began; writes racing with it do
// not count as synced.
//
// Cut() is the power cut: with every tracked write held off, it computes for each file what a
// disk may hold after losing power (the content as of the last completed sync, plus some or
// none of the writes after it; see Loss) and writes that into another directory, which the test
// then opens as the machine would after the reboot. The process itself goes on untouched and
// can shut its store down normally: nothing it does after the cut reaches the copy. The -shm
// file is copied as it is (SQLite rebuilds it: the first connection after a crash truncates it).
//
// What a real disk may do with writes that no sync has covered: keep all, none, any subset in
// any order, and tear a write at sector boundaries (part of its sectors new, part old). It does
// not damage bytes outside a write (SQLite assumes "powersafe overwrite", which Linux's unix VFS
// reports). Loss picks which of those the copy gets. Creating and deleting a file count as
// durable at once (the stores fsync the directory after creating their WAL).
#ifndef LOOKOUT_TESTS_TESTING_POWER_CUT_VFS_H_
#define LOOKOUT_TESTS_TESTING_POWER_CUT_VFS_H_

#include <cstdint>
#include <random>
#include <string>

namespace lookout::testing {

enum class Loss {
  kAllUnsynced,  // every write after the file's last sync is lost
  kPrefix,       // a random number of the oldest unsynced writes survive, in order
  kTornSubset,   // each unsynced write survives or not at random, some torn (512 B sectors)
  // Every write survives: what kill -9 of the process leaves. The kernel has them but not the
  // disk: in the copy, once tracked, they count as unsynced until a sync of the file covers them.
  kNone,
};

const char* LossName(Loss loss);

struct CutReport {
  int files = 0;
  int64_t unsynced_writes = 0;  // writes and truncations no sync covered, over all files
  int64_t kept_writes = 0;      // of those, how many the copy keeps (whole or torn)
  int64_t torn_writes = 0;
  std::string detail;  // per file: writes, syncs
};

class PowerCut {
 public:
  // Registers the VFS as the default (once). Call before any SQLite connection or VFS is
  // opened in the process, so that every later one wraps it.
  static PowerCut& Install();

  // From now on, files opened whose path begins with `dir` are tracked (their content when
  // opened counts as synced, but for what a kill -9 cut left unsynced). Forgets the files of an
  // earlier Track.
  void Track(const std::string& dir);

  // The power cut. Writes what each tracked file holds after it into `to_dir` (same names),
  // and stops tracking: later writes through open files reach only the abandoned originals.
  CutReport Cut(const std::string& to_dir, Loss loss, std::mt19937_64& rng);

 private:
  PowerCut() = default;
};

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_POWER_CUT_VFS_H_
