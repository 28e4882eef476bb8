// Rows on segments of a workgroup: a row kernel gives each row LPR lanes (a power of two
// dividing WG) and sums over them. Included after the kernel's contract, which declares the
// spec constant SEG_SG (set by the core, core/record.cpp):
//   SEG_SG = 0: segments are LPR consecutive local invocations, summed in shared memory with a
//     fixed tree. This never depends on gl_SubgroupSize, which lavapipe misreports (32 / 64
//     while 16 lanes run), nor on how invocations map to subgroups, which Vulkan does not fix.
//   SEG_SG = 1 (sg modules, devices with one subgroup size that gl_SubgroupSize reports): a row
//     slot counts subgroup by subgroup, so a segment of LPR <= gl_SubgroupSize lanes lies in one
//     subgroup and is summed with shuffles, no barrier; a longer one spans whole subgroups
//     (subgroupAdd, then one exchange in shared memory). log2(LPR) barriers per sum fewer.
// Both orders are fixed for a given device and configuration: deterministic.

// This invocation's slot among the WG row slots: the row is block * (WG / LPR) + slot / LPR,
// its lane slot % LPR.
// One row per workgroup (LPR == WG) keeps the local index: on the H200 the subgroup slot cost
// 5-11% on rows of 3584-8192 elements (bench/results/2026-12-04-zoo/).
uint row_slot() {
#if REDUCE_SG
  if (SEG_SG != 0u && LPR < WG) return SG_ID * SG_SIZE + SG_LANE;
#endif
  return gl_LocalInvocationIndex;
}

// Sum over the segment of `seg` slots that holds this invocation (every invocation gets its
// segment's sum). seg == WG is wg_sum2. Must be called in uniform control flow.
vec2 seg_sum2(vec2 v, uint seg) {
  if (seg >= WG) return wg_sum2(v);
#if REDUCE_SG
  if (SEG_SG != 0u) {
    if (seg <= SG_SIZE) {
      for (uint s = seg >> 1; s > 0u; s >>= 1) v += sg_shuffle_xor2(v, s);
      return v;
    }
    v = sg_add2(v);
    barrier();  // red_shared may still be read by the previous reduction
    if (SG_ELECT()) red_shared[SG_ID] = v;
    barrier();
    const uint per = seg / SG_SIZE, first = SG_ID / per * per;
    vec2 t = vec2(0.0);
    for (uint j = 0; j < per; ++j) t += red_shared[first + j];
    return t;
  }
#endif
  uint lid = gl_LocalInvocationIndex;
  uint k = lid & (seg - 1u);
  barrier();  // red_shared may still be read by the previous reduction
  red_shared[lid] = v;
  barrier();
  for (uint s = seg >> 1; s > 0; s >>= 1) {
    if (k < s) red_shared[lid] += red_shared[lid + s];
    barrier();
  }
  return red_shared[lid - k];
}

// seg_sum2 with a maximum in .y (see wg_sum_max); same segments, same fixed order.
vec2 seg_sum_max(vec2 v, uint seg) {
  if (seg >= WG) return wg_sum_max(v);
#if REDUCE_SG
  if (SEG_SG != 0u) {
    if (seg <= SG_SIZE) {
      for (uint s = seg >> 1; s > 0u; s >>= 1) v = sum_max(v, sg_shuffle_xor2(v, s));
      return v;
    }
    v = sg_sum_max(v);
    barrier();
    if (SG_ELECT()) red_shared[SG_ID] = v;
    barrier();
    const uint per = seg / SG_SIZE, first = SG_ID / per * per;
    vec2 t = vec2(0.0);  // v.y >= 0 (a max of absolute values)
    for (uint j = 0; j < per; ++j) t = sum_max(t, red_shared[first + j]);
    return t;
  }
#endif
  uint lid = gl_LocalInvocationIndex;
  uint k = lid & (seg - 1u);
  barrier();
  red_shared[lid] = v;
  barrier();
  for (uint s = seg >> 1; s > 0; s >>= 1) {
    if (k < s) red_shared[lid] = sum_max(red_shared[lid], red_shared[lid + s]);
    barrier();
  }
  return red_shared[lid - k];
}
