// Force-included into every C++ file of a LOOKOUT_SANITIZER=thread build (CMakeLists.txt).
//
// protobuf's map_field.h gives MapFieldBase two extra members (seq1_, seq2_) when the including
// file is compiled with -fsanitize=thread (__SANITIZE_THREAD__), to make map races easier for
// TSan to see. Debian's libprotobuf is not built with TSan, so its MapFieldBase lacks them and
// every map field laid out by our code sits 8 bytes away from where the library's code looks.
// Messages with a map whose code is compiled into the library (google.protobuf.Struct, which the
// JSONL import reads) crashed at the first lookup: the map's bucket table was read from the
// wrong offset. map_field.h is read here, once, with that macro hidden, so every file of ours
// uses the library's layout; the headers that must see the macro (libstdc++'s c++config.h, which
// turns on its TSan annotations) are read before it, with the macro in place.
#ifndef LOOKOUT_TESTS_SANITIZERS_TSAN_PROTOBUF_ABI_H_
#define LOOKOUT_TESTS_SANITIZERS_TSAN_PROTOBUF_ABI_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>

#include "absl/base/config.h"

#pragma push_macro("__SANITIZE_THREAD__")
#undef __SANITIZE_THREAD__
#include <google/protobuf/map_field.h>
#pragma pop_macro("__SANITIZE_THREAD__")

#endif  // LOOKOUT_TESTS_SANITIZERS_TSAN_PROTOBUF_ABI_H_
