#include "proto/layout_convert.h"

namespace actiscope {

void ToWire(const BinLayout& layout, v1::BinLayout* out) {
  out->set_scale(static_cast<v1::BinScale>(layout.scale));
  out->set_bins(layout.bins);
  out->set_lo(layout.lo);
  out->set_hi(layout.hi);
}

BinLayout FromWire(const v1::BinLayout& layout) {
  BinLayout out;
  out.scale = static_cast<BinScale>(layout.scale());
  out.bins = layout.bins();
  out.lo = layout.lo();
  out.hi = layout.hi();
  return out;
}

}  // namespace actiscope
