#version 450
// How many lanes a subgroup really has: gl_SubgroupSize is what the driver reports (lavapipe at
// LP_NATIVE_VECTOR_WIDTH 1024 / 2048 reports 32 / 64 and runs 16). Each invocation writes the
// number of active invocations of its subgroup (subgroupAdd(1)) and one past the largest lane
// id in it; the host takes the maxima. One full workgroup of 256 invocations, all active.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x = 256) in;
layout(set = 0, binding = 0, std430) writeonly buffer Out { uvec4 lanes[]; };

void main() {
  const uint in_subgroup = subgroupAdd(1u);
  const uint top = subgroupMax(gl_SubgroupInvocationID) + 1u;
  lanes[gl_LocalInvocationIndex] = uvec4(in_subgroup, top, gl_SubgroupSize, gl_NumSubgroups);
}
