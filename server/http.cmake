# The HTTP side of actiscope-server: JSON API, Server-Sent Events and the web page's files.
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

actiscope_cc_library(NAME actiscope_http
  HDRS http_server.h
  SRCS http_server.cc
  DEPS actiscope_store actiscope_run_notifier actiscope_httplib
       absl::status absl::statusor absl::strings absl::synchronization absl::time
       Threads::Threads)
