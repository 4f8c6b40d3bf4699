#include "common/thread_name.h"

#include <pthread.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace actiscope {
namespace {

std::string NameOfThisThread() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST(ThreadNameTest, NamesTheCallingThreadOnly) {
  const std::string before = NameOfThisThread();
  std::string inside;
  std::thread([&] {
    NameCurrentThread("actiscope-send");
    inside = NameOfThisThread();
  }).join();
  EXPECT_EQ(inside, "actiscope-send");
  EXPECT_EQ(NameOfThisThread(), before);
}

TEST(ThreadNameTest, LongNamesAreCutToTheKernelsFifteenCharacters) {
  std::string inside;
  std::thread([&] {
    NameCurrentThread("actiscope-a-very-long-name");
    inside = NameOfThisThread();
  }).join();
  EXPECT_EQ(inside, "actiscope-a-ver");
}

}  // namespace
}  // namespace actiscope
