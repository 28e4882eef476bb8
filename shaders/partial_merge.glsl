// The exact merge of a row's / channel's / group's (mean - shift, M2, count, shift) partials,
// shared by layer_norm_apply, batch_norm_merge and group_norm_nhwc_merge. Included after the
// kernel's `part` binding (DECLARE_VEC4(part, ...)).
//
// merge_partials(pb, n, shift, inv_n): partial i at part[pb + i] holds (mean_i - shift_i, M2_i,
// count_i as uint bits, shift_i). Each partial mean is re-expressed around `shift` (a nearby
// value: shifts subtract exactly), then merged in a fixed order: returns (m, M2) with the total
// mean = shift + m (1 / inv_n values) and M2 = sum of M2_i + n_i (mean_i - mean)^2.
// The sums are `precise` (NoContraction): (q.w - shift) + q.x regrouped as
// (q.w + q.x) - shift would round at the data's magnitude and undo the shift (NVIDIA's
// compiler did; see centered() in common.glsl). Called by the whole workgroup (wg_sum).
vec2 merge_partials(uint pb, uint n, float shift, float inv_n) {
  precise float s = 0.0;
  for (uint i = gl_LocalInvocationIndex; i < n; i += WG) {
    const vec4 q = V4AT(part, pb + i);
    s += float(floatBitsToUint(q.z)) * ((q.w - shift) + q.x);
  }
  const float m = wg_sum(s) * inv_n;
  float s2 = 0.0;
  for (uint i = gl_LocalInvocationIndex; i < n; i += WG) {
    const vec4 q = V4AT(part, pb + i);
    precise float d = ((q.w - shift) + q.x) - m;
    s2 += q.y + float(floatBitsToUint(q.z)) * d * d;
  }
  return vec2(m, wg_sum(s2));
}
