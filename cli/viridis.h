// The viridis colormap (matplotlib's perceptually uniform, colour-blind safe map), for the
// terminal heatmap. Pure function.
#ifndef ACTISCOPE_CLI_VIRIDIS_H_
#define ACTISCOPE_CLI_VIRIDIS_H_

#include <cstdint>

namespace actiscope::cli {

struct Rgb {
  uint8_t r, g, b;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

// Viridis at `t` in [0, 1] (clamped): 0 is dark purple (68, 1, 84), 1 is bright yellow
// (253, 231, 37). Linear interpolation between 11 stops of the reference table.
Rgb Viridis(double t);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_VIRIDIS_H_
