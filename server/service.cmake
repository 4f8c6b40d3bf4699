# The gRPC side of actiscope-server (Collector and Query services) and the binary itself.
actiscope_cc_library(NAME actiscope_service_edge
  HDRS grpc_status.h proto_convert.h request_validation.h
  SRCS grpc_status.cc proto_convert.cc request_validation.cc
  DEPS actiscope_proto actiscope_status absl::status absl::statusor absl::strings absl::time)
actiscope_cc_test(NAME service_edge_test
  SRCS grpc_status_test.cc proto_convert_test.cc request_validation_test.cc
  DEPS actiscope_service_edge)

# The services compile against server/sqlite_store.h; linking needs the store (store.cmake).
actiscope_cc_library(NAME actiscope_grpc_server
  HDRS collector_service.h query_service.h grpc_server.h
  SRCS collector_service.cc query_service.cc grpc_server.cc
  DEPS actiscope_service_edge actiscope_codec actiscope_status actiscope_run_notifier
       actiscope_store gRPC::grpc++ gRPC::grpc++_reflection
       absl::flat_hash_set absl::synchronization absl::time)
actiscope_cc_test(NAME grpc_server_test
  SRCS collector_service_test.cc push_bad_input_test.cc query_service_test.cc
       grpc_server_test.cc grpc_test_server.h
  DEPS actiscope_grpc_server actiscope_codec)
actiscope_cc_binary(NAME actiscope-server
  SRCS server_main.cc
  DEPS actiscope_grpc_server actiscope_http absl::flags absl::flags_parse)
install(TARGETS actiscope-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
