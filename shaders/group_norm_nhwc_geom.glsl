// The geometry both channels-last GroupNorm kernels share (group_norm_nhwc_stats / _apply):
// x is (N x S positions, C channels) row-major. Each sample's S positions are cut into cps
// chunks of clen positions (the last one shorter); the channels into blocks of cb channels:
//   subs == 1: block y holds groups [y * gpb, (y + 1) * gpb) (cb = gpb * cpg; the last block
//              may be narrower);
//   subs > 1:  groups wider than a block: block y is part y % subs of group y / subs.
// grid = (chunks of this dispatch, blocks of this dispatch). A workgroup reads `lanes` x VEC channels of its
// block at WG / lanes positions at a time: invocation lid owns the VEC channels of lane
// lid % lanes for every position lid / lanes + k * (WG / lanes) of the chunk. VEC divides cpg,
// so the channels of one invocation belong to one group.
// Included after the kernel's contract.

struct Geom {
  uint n, j;        // sample, chunk of the sample
  uint row0, len;   // first position of the chunk relative to the bound window; positions
  uint ch0, ch1;    // channels [ch0, ch1) of the block
  uint g0, ng;      // first group of the block, groups it touches
  uint sub;         // part of the group (subs > 1), else 0
  uint lane, prow, P;
  bool owns;         // the invocation owns channels (lane < the block's lanes, prow < P)
};

Geom geom() {
  Geom t;
  const uint q = pc.q_base + gl_WorkGroupID.x, y = pc.y_base + gl_WorkGroupID.y;
  t.n = q / pc.cps;
  t.j = q - t.n * pc.cps;
  t.row0 = t.n * pc.S + t.j * pc.clen - pc.row_base;
  t.len = min(pc.clen, pc.S - t.j * pc.clen);
  if (pc.subs == 1u) {
    t.g0 = y * pc.gpb;
    t.ch0 = y * pc.cb;
    t.ch1 = min(pc.C, t.ch0 + pc.cb);
    t.ng = min(pc.gpb, pc.G - t.g0);
    t.sub = 0u;
  } else {
    t.g0 = y / pc.subs;
    t.sub = y - t.g0 * pc.subs;
    t.ch0 = t.g0 * pc.cpg + t.sub * pc.cb;
    t.ch1 = min((t.g0 + 1u) * pc.cpg, t.ch0 + pc.cb);
    t.ng = 1u;
  }
  const uint lid = gl_LocalInvocationIndex;
  t.lane = lid % pc.lanes;
  t.prow = lid / pc.lanes;
  t.P = WG / pc.lanes;
  t.owns = t.prow < t.P && t.ch0 + t.lane * VEC < t.ch1;
  return t;
}
