#include "trainer/idx_dataset.h"

#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::TempDir;

using ::testing::HasSubstr;

std::string Idx(uint8_t type, std::vector<uint32_t> dims, size_t data_bytes, uint8_t fill = 7) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(d >> shift));
  }
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<char>(fill + i % 3));
  return out;
}

class IdxDatasetTest : public ::testing::Test {
 protected:
  std::string WriteGz(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, contents.data(), static_cast<unsigned>(contents.size()));
    gzclose(f);
    return path;
  }

  std::string WritePlain(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(contents.data(), 1, contents.size(), f);
    std::fclose(f);
    return path;
  }

  TempDir temp_dir_{"idx_dataset_test"};
  const std::filesystem::path dir_{temp_dir_.path()};
};

TEST_F(IdxDatasetTest, ReadsGzippedImagesWithTheirShape) {
  auto tensor = ReadIdxFile(WriteGz("a.gz", Idx(0x08, {2, 3, 4}, 24)));
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  EXPECT_EQ(tensor->sizes(), torch::IntArrayRef({2, 3, 4}));
  EXPECT_EQ(tensor->dtype(), torch::kUInt8);
  EXPECT_EQ(tensor->index({1, 2, 3}).item<int>(), 7 + 23 % 3);
}

TEST_F(IdxDatasetTest, ReadsUncompressedFiles) {
  auto tensor = ReadIdxFile(WritePlain("a", Idx(0x08, {5}, 5)));
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  EXPECT_EQ(tensor->numel(), 5);
}

TEST_F(IdxDatasetTest, RejectsMalformedFilesWithClearErrors) {
  EXPECT_EQ(ReadIdxFile((dir_ / "missing.gz").string()).status().code(),
            absl::StatusCode::kNotFound);
  std::string bad_magic = Idx(0x08, {2}, 2);
  bad_magic[0] = 1;
  EXPECT_THAT(ReadIdxFile(WriteGz("m.gz", bad_magic)).status().message(), HasSubstr("magic"));
  EXPECT_THAT(ReadIdxFile(WriteGz("t.gz", Idx(0x0D, {2}, 8))).status().message(),
              HasSubstr("element type 0xd"));
  EXPECT_THAT(ReadIdxFile(WriteGz("s.gz", Idx(0x08, {2, 3}, 5))).status().message(),
              HasSubstr("expected 6 data bytes, found 5"));
  EXPECT_THAT(ReadIdxFile(WriteGz("z.gz", Idx(0x08, {0}, 0))).status().message(),
              HasSubstr("dimension 0 = 0"));
  std::string truncated_gz;
  {
    const std::string path = WriteGz("c.gz", Idx(0x08, {1000}, 1000));
    FILE* f = std::fopen(path.c_str(), "rb");
    char buffer[4096];
    truncated_gz.assign(buffer, std::fread(buffer, 1, sizeof(buffer), f));
    std::fclose(f);
    truncated_gz.resize(truncated_gz.size() / 2);
  }
  EXPECT_FALSE(ReadIdxFile(WritePlain("c2.gz", truncated_gz)).ok());
}

TEST_F(IdxDatasetTest, LoadsNormalizedSplits) {
  WriteGz("train-images-idx3-ubyte.gz", Idx(0x08, {3, 2, 2}, 12));
  WriteGz("train-labels-idx1-ubyte.gz", Idx(0x08, {3}, 3, 0));
  WriteGz("t10k-images-idx3-ubyte.gz", Idx(0x08, {2, 2, 2}, 8));
  WritePlain("t10k-labels-idx1-ubyte", Idx(0x08, {2}, 2, 1));
  auto data = LoadDataset(dir_.string());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train_images.sizes(), torch::IntArrayRef({3, 1, 2, 2}));
  EXPECT_NEAR(data->train_images.mean().item<double>(), 0, 1e-5);
  EXPECT_EQ(data->test_labels.dtype(), torch::kInt64);
  EXPECT_EQ(data->test_labels[1].item<int64_t>(), 2);
}

TEST_F(IdxDatasetTest, RejectsLabelCountMismatch) {
  WriteGz("train-images-idx3-ubyte.gz", Idx(0x08, {3, 2, 2}, 12));
  WriteGz("train-labels-idx1-ubyte.gz", Idx(0x08, {2}, 2, 0));
  EXPECT_EQ(LoadDataset(dir_.string()).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace actiscope::trainer
