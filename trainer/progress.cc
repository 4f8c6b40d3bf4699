#include "trainer/progress.h"

#include <algorithm>
#include <string>

namespace actiscope::trainer {
namespace {

constexpr int kBarWidth = 30;
// A TTY bar is redrawn at most this often, so printing never costs a measurable share of a step.
constexpr absl::Duration kRedrawInterval = absl::Milliseconds(100);

}  // namespace

Progress::Progress(std::FILE* out, bool tty, absl::Duration line_interval)
    : out_(out), tty_(tty), line_interval_(line_interval) {}

void Progress::StartEpoch(int64_t epoch, int64_t epochs, int64_t steps_in_epoch) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_in_epoch_ = steps_in_epoch;
  epoch_start_ = last_output_ = absl::Now();
}

void Progress::Step(int64_t done, double loss) {
  const absl::Time now = absl::Now();
  const bool last = done == steps_in_epoch_;
  if (!last && now - last_output_ < (tty_ ? kRedrawInterval : line_interval_)) return;
  last_output_ = now;
  const double seconds = absl::ToDoubleSeconds(now - epoch_start_);
  Draw(done, loss, seconds > 0 ? static_cast<double>(done) / seconds : 0);
}

void Progress::Draw(int64_t done, double loss, double steps_per_s) {
  const double eta_s =
      steps_per_s > 0 ? static_cast<double>(steps_in_epoch_ - done) / steps_per_s : 0;
  if (!tty_) {
    std::fprintf(out_, "epoch %lld/%lld step %lld/%lld  %.1f steps/s  loss %.4f  eta %.0fs\n",
                 static_cast<long long>(epoch_ + 1), static_cast<long long>(epochs_),
                 static_cast<long long>(done), static_cast<long long>(steps_in_epoch_), steps_per_s,
                 loss, eta_s);
    std::fflush(out_);
    return;
  }
  const int filled =
      steps_in_epoch_ > 0
          ? static_cast<int>(kBarWidth * std::min<int64_t>(done, steps_in_epoch_) / steps_in_epoch_)
          : kBarWidth;
  const std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '.');
  bar_shown_ = true;
  shown_done_ = done;
  shown_loss_ = loss;
  shown_steps_per_s_ = steps_per_s;
  std::fprintf(out_, "\repoch %lld/%lld [%s] %lld/%lld  %.1f steps/s  loss %.4f  eta %3.0fs ",
               static_cast<long long>(epoch_ + 1), static_cast<long long>(epochs_), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(steps_in_epoch_), steps_per_s,
               loss, eta_s);
  std::fflush(out_);
}

void Progress::EndEpoch(double train_loss, double test_error_rate) {
  bar_shown_ = false;
  std::fprintf(out_, "%sepoch %lld/%lld done: train_loss %.4f  test_error_rate %.4f\n",
               tty_ ? "\n" : "", static_cast<long long>(epoch_ + 1),
               static_cast<long long>(epochs_), train_loss, test_error_rate);
  std::fflush(out_);
}

void Progress::Note(absl::string_view line) {
  // "\r\33[K": back to the line's start and erase it (the bar), on any ANSI terminal.
  std::fprintf(out_, "%s%.*s\n", tty_ && bar_shown_ ? "\r\33[K" : "", static_cast<int>(line.size()),
               line.data());
  if (tty_ && bar_shown_) Draw(shown_done_, shown_loss_, shown_steps_per_s_);
  std::fflush(out_);
}

}  // namespace actiscope::trainer
