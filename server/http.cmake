# The HTTP side of actiscope-server: JSON API, Server-Sent Events and the web page's files
# (web/, documented in web/README.md).
find_library(HTTPLIB_LIBRARY cpp-httplib REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
add_library(actiscope_httplib INTERFACE)
target_include_directories(actiscope_httplib INTERFACE ${HTTPLIB_INCLUDE_DIR})
# Debian builds cpp-httplib as a shared library with these features; the header must match.
target_compile_definitions(actiscope_httplib INTERFACE
  CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
target_link_libraries(actiscope_httplib INTERFACE
  ${HTTPLIB_LIBRARY} OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB Threads::Threads)

# JSON text with safe escaping; the HTTP API and the CLI's --json output both write with it.
actiscope_cc_library(NAME actiscope_json
  HDRS http_json.h
  SRCS http_json.cc
  DEPS absl::strings)

actiscope_cc_library(NAME actiscope_http
  HDRS http_server.h http_api.h http_events.h http_request.h static_files.h web_root.h
  SRCS http_server.cc http_api.cc http_events.cc http_request.cc static_files.cc web_root.cc
  DEPS actiscope_json actiscope_store actiscope_run_notifier actiscope_httplib
       absl::status absl::statusor absl::strings absl::synchronization absl::time
       absl::flat_hash_map Threads::Threads)
# The source tree's web/ is the last place FindWebRoot looks (see web_root.h).
target_compile_definitions(actiscope_http PRIVATE
  ACTISCOPE_SOURCE_WEB_DIR="${PROJECT_SOURCE_DIR}/web")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/actiscope/web
  PATTERN "README.md" EXCLUDE PATTERN "screenshots" EXCLUDE)

actiscope_cc_test(NAME http_test
  SRCS http_json_test.cc http_request_test.cc static_files_test.cc web_root_test.cc
       http_api_test.cc http_events_test.cc http_server_test.cc http_test_store.h
  DEPS actiscope_http TIMEOUT 60)
