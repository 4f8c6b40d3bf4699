// IDX files (the MNIST / Fashion-MNIST format), gzipped or not, read into LibTorch tensors.
//
// IDX grammar (all integers big-endian):
//   file   := 0x00 0x00 type:u8 ndims:u8 dim:u32{ndims} data
//   type   := 0x08 (unsigned byte; the only type these datasets use)
//   data   := product(dims) bytes, row-major
// A file named *.gz is inflated with zlib; a plain file is read as is.
//
// Flow: the trainer calls LoadDataset once at start; the tensors live on the CPU.
// Thread-safety: free functions with no shared state.
#ifndef ACTISCOPE_TRAINER_IDX_DATASET_H_
#define ACTISCOPE_TRAINER_IDX_DATASET_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"

namespace actiscope::trainer {

// The whole file as a uint8 tensor shaped by its dims. NOT_FOUND when the file is missing;
// DATA_LOSS when the magic, the type, the dims or the data length are wrong (the message names
// the file and the offending value); INVALID_ARGUMENT for more than 1 GiB of data.
absl::StatusOr<torch::Tensor> ReadIdxFile(const std::string& path);

struct Dataset {
  torch::Tensor train_images;  // float32 [N, 1, H, W], normalized by the training set's mean/std.
  torch::Tensor train_labels;  // int64 [N]
  torch::Tensor test_images;   // float32 [M, 1, H, W], normalized like the training set.
  torch::Tensor test_labels;   // int64 [M]
};

// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`, preferring the .gz files.
// Errors as ReadIdxFile, plus DATA_LOSS when images and labels disagree in count or labels
// exceed 9.
absl::StatusOr<Dataset> LoadDataset(const std::string& dir);

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_IDX_DATASET_H_
