// An SQLite VFS that gathers the writes of a transaction to its WAL file into a few large ones.
//
// SQLite writes each WAL frame with two pwrite calls (the 24-byte frame header, then the page),
// so a commit of 200 pages costs 400 system calls; on this project's VMs those calls were 30% of
// the writer thread's time at 64 concurrent creates. Through this VFS the frames are kept in
// memory while they are contiguous and written, in calls of up to 120 KiB, when the commit
// frame is complete and before the commit is published in the WAL index, so other connections
// never miss a committed frame. Anything else SQLite asks of the file (read, size, sync,
// truncate, close) writes the buffer first, so the file is always as SQLite believes it to be.
// A failed write of the buffer fails the call that triggered it (for the commit frame, the
// COMMIT) as an I/O error, which makes SQLite roll the transaction back, and what it could not
// write is dropped, so a failed commit never reaches the file whole.
//
// Only files opened as WAL files are buffered; the database file and everything else pass
// straight through to the default VFS, which this one wraps.
#ifndef LOOKOUT_COMMON_SQLITE_WAL_BUFFER_H_
#define LOOKOUT_COMMON_SQLITE_WAL_BUFFER_H_

namespace lookout {

// Registers the VFS on first use (not as the default) and returns its name, for
// sqlite3_open_v2.
const char* WalWriteBufferVfs();

// The errno (ENOSPC for a full disk) of the last WAL write through this VFS that failed on the
// calling thread, or 0 if none has or one has succeeded since. SQLite 3.40 does not pass it on
// to sqlite3_system_errno for a failed COMMIT.
int LastWalWriteErrno();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SQLITE_WAL_BUFFER_H_
