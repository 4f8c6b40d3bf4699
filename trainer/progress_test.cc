#include "trainer/progress.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::trainer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs `body` against a Progress writing into memory and returns what it wrote.
template <typename Body>
std::string Capture(bool tty, absl::Duration line_interval, Body body) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    Progress progress(out, tty, line_interval);
    body(progress);
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(ProgressTest, PlainModePrintsWholeLinesWithRateLossAndEta) {
  const std::string text = Capture(false, absl::ZeroDuration(), [](Progress& p) {
    p.StartEpoch(0, 3, 2);
    p.Step(1, 2.5);
    p.Step(2, 1.25);
    p.EndEpoch(1.875, 0.125);
  });
  EXPECT_THAT(text, HasSubstr("epoch 1/3 step 1/2"));
  EXPECT_THAT(text, HasSubstr("loss 2.5000"));
  EXPECT_THAT(text, HasSubstr("steps/s"));
  EXPECT_THAT(text, HasSubstr("eta"));
  EXPECT_THAT(text, HasSubstr("epoch 1/3 done: train_loss 1.8750  test_error_rate 0.1250\n"));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
}

TEST(ProgressTest, PlainModeSkipsStepsWithinTheLineIntervalButNotTheLast) {
  const std::string text = Capture(false, absl::Hours(1), [](Progress& p) {
    p.StartEpoch(0, 1, 3);
    p.Step(1, 1);
    p.Step(2, 1);
    p.Step(3, 1);
  });
  EXPECT_THAT(text, Not(HasSubstr("step 1/3")));
  EXPECT_THAT(text, HasSubstr("step 3/3"));
}

TEST(ProgressTest, TtyModeRedrawsOneBarInPlace) {
  const std::string text = Capture(true, absl::ZeroDuration(), [](Progress& p) {
    p.StartEpoch(1, 2, 4);
    p.Step(4, 0.5);
    p.EndEpoch(0.5, 0.25);
  });
  EXPECT_THAT(text, HasSubstr("\repoch 2/2 [##############################] 4/4"));
  EXPECT_THAT(text, HasSubstr("\nepoch 2/2 done"));
}

TEST(ProgressTest, TtyNoteErasesTheBarAndRedrawsItBelowTheLine) {
  const std::string text = Capture(true, absl::ZeroDuration(), [](Progress& p) {
    p.StartEpoch(0, 1, 4);
    p.Step(4, 0.5);
    p.Note("actiscope alert at step 3: collapse on conv5_x (activation): collapsed");
  });
  EXPECT_THAT(text, HasSubstr(" \r\33[Kactiscope alert at step 3: collapse on conv5_x "
                              "(activation): collapsed\n\repoch 1/1 [#"));
}

TEST(ProgressTest, NoteWithoutABarIsAPlainLine) {
  const std::string plain = Capture(false, absl::ZeroDuration(), [](Progress& p) {
    p.StartEpoch(0, 1, 4);
    p.Step(4, 0.5);
    p.Note("alert");
  });
  EXPECT_THAT(plain, HasSubstr("eta 0s\nalert\n"));
  EXPECT_THAT(plain, Not(HasSubstr("\r")));
  // On a TTY after the epoch's end (the bar is gone), and before any epoch.
  const std::string tty = Capture(true, absl::ZeroDuration(), [](Progress& p) {
    p.Note("first");
    p.StartEpoch(0, 1, 4);
    p.Step(4, 0.5);
    p.EndEpoch(0.5, 0.25);
    p.Note("last");
  });
  EXPECT_EQ(tty.substr(0, 6), "first\n");
  EXPECT_THAT(tty, HasSubstr("test_error_rate 0.2500\nlast\n"));
  EXPECT_THAT(tty, Not(HasSubstr("\33[K")));
}

}  // namespace
}  // namespace actiscope::trainer
