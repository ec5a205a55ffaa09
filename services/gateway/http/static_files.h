// The dashboard's files: maps a request path to a file under one directory, refusing anything
// that could leave it (.., NUL, backslashes, symlinks pointing out), with the content type.
#ifndef LOOKOUT_SERVICES_GATEWAY_HTTP_STATIC_FILES_H_
#define LOOKOUT_SERVICES_GATEWAY_HTTP_STATIC_FILES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lookout::gateway {

struct StaticFile {
  int status = 404;  // 200, 400 (a path that tries to leave the directory) or 404
  std::string path;  // the file on disk when 200
  std::string content_type;
  std::string error;  // why, when not 200
};

// `target_path` is the request path without its query, still percent-encoded; "/" is
// index.html. `dir` empty: nothing is served (404 saying so).
StaticFile ResolveStaticFile(const std::string& dir, absl::string_view target_path);

// "text/html; charset=utf-8" for "index.html"; application/octet-stream when unknown.
std::string ContentTypeFor(absl::string_view file_name);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_HTTP_STATIC_FILES_H_
