# SQLite storage: runs, packed histogram segments, multi-resolution summaries, scalars.
actiscope_cc_library(NAME actiscope_store
  HDRS sqlite_store.h store_types.h sqlite_handle.h schema.h series_block.h histogram_sums.h
       summary_levels.h series_state.h heatmap_reader.h ingest_writer.h
       store_queries.h
  SRCS sqlite_store.cc sqlite_handle.cc schema.cc series_block.cc histogram_sums.cc
       summary_levels.cc series_state.cc heatmap_reader.cc ingest_writer.cc
       store_queries.cc
  DEPS SQLite::SQLite3 actiscope_codec actiscope_status absl::status absl::statusor
       absl::strings absl::synchronization absl::time absl::flat_hash_map absl::node_hash_map absl::span
       zstd::libzstd_shared)

actiscope_cc_test(NAME store_test
  SRCS series_block_test.cc sqlite_store_test.cc heatmap_reader_test.cc
  DEPS actiscope_store Threads::Threads)
