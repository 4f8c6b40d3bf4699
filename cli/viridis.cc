#include "cli/viridis.h"

#include <algorithm>
#include <cmath>

namespace actiscope::cli {
namespace {

// matplotlib's viridis at t = 0, 0.1, ..., 1.
constexpr Rgb kStops[] = {
    {68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},  {42, 120, 142}, {33, 145, 140},
    {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37},
};
constexpr int kLastStop = sizeof(kStops) / sizeof(kStops[0]) - 1;

uint8_t Lerp(uint8_t a, uint8_t b, double f) {
  return static_cast<uint8_t>(std::lround(a + (static_cast<double>(b) - a) * f));
}

}  // namespace

Rgb Viridis(double t) {
  if (!(t > 0)) return kStops[0];
  if (t >= 1) return kStops[kLastStop];
  const double x = t * kLastStop;
  const int i = static_cast<int>(x);
  const double f = x - i;
  return {Lerp(kStops[i].r, kStops[i + 1].r, f), Lerp(kStops[i].g, kStops[i + 1].g, f),
          Lerp(kStops[i].b, kStops[i + 1].b, f)};
}

}  // namespace actiscope::cli
