#include "trainer/idx_dataset.h"

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace actiscope::trainer {
namespace {

constexpr size_t kMaxDataBytes = size_t{1} << 30;
constexpr uint8_t kTypeUnsignedByte = 0x08;

// The whole (inflated) file. gzread passes plain files through unchanged.
absl::StatusOr<std::string> ReadAll(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("IDX file not found: ", path));
  }
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return absl::UnavailableError(absl::StrCat("cannot open ", path));
  std::string contents;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) {
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > kMaxDataBytes + 64) {
      gzclose(file);
      return absl::InvalidArgumentError(absl::StrCat(path, ": more than 1 GiB of data"));
    }
  }
  int errnum = Z_OK;
  const char* message = n < 0 ? gzerror(file, &errnum) : nullptr;
  const std::string error = message != nullptr ? message : "";
  gzclose(file);
  if (n < 0) return absl::DataLossError(absl::StrCat(path, ": corrupt compressed data: ", error));
  return contents;
}

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

std::string FirstExisting(const std::string& dir, const std::string& name) {
  const std::string gz = absl::StrCat(dir, "/", name, ".gz");
  return std::filesystem::exists(gz) ? gz : absl::StrCat(dir, "/", name);
}

absl::StatusOr<std::pair<torch::Tensor, torch::Tensor>> LoadSplit(const std::string& dir,
                                                                  const std::string& prefix) {
  ACTISCOPE_ASSIGN_OR_RETURN(torch::Tensor images,
                             ReadIdxFile(FirstExisting(dir, prefix + "-images-idx3-ubyte")));
  ACTISCOPE_ASSIGN_OR_RETURN(torch::Tensor labels,
                             ReadIdxFile(FirstExisting(dir, prefix + "-labels-idx1-ubyte")));
  if (images.dim() != 3 || labels.dim() != 1 || images.size(0) != labels.size(0)) {
    return absl::DataLossError(absl::StrCat(dir, "/", prefix, ": expected images [N,H,W] and ",
                                            "labels [N], got ", images.dim(), " and ", labels.dim(),
                                            " dims"));
  }
  if (labels.numel() > 0 && labels.max().item<int64_t>() > 9) {
    return absl::DataLossError(absl::StrCat(dir, "/", prefix, ": label above 9"));
  }
  return std::make_pair(images.unsqueeze(1).to(torch::kFloat32).div_(255),
                        labels.to(torch::kInt64));
}

}  // namespace

absl::StatusOr<torch::Tensor> ReadIdxFile(const std::string& path) {
  ACTISCOPE_ASSIGN_OR_RETURN(std::string contents, ReadAll(path));
  const auto* bytes = reinterpret_cast<const unsigned char*>(contents.data());
  if (contents.size() < 4 || bytes[0] != 0 || bytes[1] != 0) {
    return absl::DataLossError(absl::StrCat(path, ": not an IDX file (bad magic)"));
  }
  if (bytes[2] != kTypeUnsignedByte) {
    return absl::DataLossError(
        absl::StrCat(path, ": unsupported IDX element type 0x", absl::Hex(bytes[2])));
  }
  const int ndims = bytes[3];
  if (ndims < 1 || ndims > 4 || contents.size() < 4 + 4 * static_cast<size_t>(ndims)) {
    return absl::DataLossError(absl::StrCat(path, ": bad IDX dimension count ", ndims));
  }
  std::vector<int64_t> dims;
  size_t expected = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint32_t dim = BigEndian32(bytes + 4 + 4 * i);
    if (dim == 0 || dim > kMaxDataBytes || expected * dim > kMaxDataBytes) {
      return absl::DataLossError(absl::StrCat(path, ": bad IDX dimension ", i, " = ", dim));
    }
    expected *= dim;
    dims.push_back(dim);
  }
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (contents.size() - header != expected) {
    return absl::DataLossError(absl::StrCat(path, ": expected ", expected, " data bytes, found ",
                                            contents.size() - header));
  }
  torch::Tensor tensor = torch::empty(dims, torch::kUInt8);
  std::memcpy(tensor.data_ptr<uint8_t>(), bytes + header, expected);
  return tensor;
}

absl::StatusOr<Dataset> LoadDataset(const std::string& dir) {
  try {
    ACTISCOPE_ASSIGN_OR_RETURN(auto train, LoadSplit(dir, "train"));
    ACTISCOPE_ASSIGN_OR_RETURN(auto test, LoadSplit(dir, "t10k"));
    const torch::Tensor mean = train.first.mean();
    const torch::Tensor std = train.first.std().clamp_min(1e-6);
    Dataset d;
    d.train_images = (train.first - mean) / std;
    d.train_labels = train.second;
    d.test_images = (test.first - mean) / std;
    d.test_labels = test.second;
    return d;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("loading ", dir, ": ", e.what_without_backtrace()));
  }
}

}  // namespace actiscope::trainer
