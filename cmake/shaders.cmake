# Compile shaders/*.comp into one SPIR-V module per variant it lists, validate each with
# spirv-val, and embed them all into a generated C++ source (the library needs no files at run
# time). Each kernel names its variants on a line of its own, right after #version:
#   // vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
# dtype: storage types (DTYPE_*); reduce: sg (subgroup arithmetic) and sh (shared memory only)
# for kernels with workgroup reductions, or `none` for kernels without any (one module, compiled
# as the shared-memory variant, named without the reduction suffix). Every kernel gets both
# binding models (BIND_DESC, BIND_ADDR). Module names: <kernel>.<dtype>.<desc|addr>[.<sg|sh>].
# Each kernel has a contract, shaders/contracts/<kernel>.h (bindings, push constants, flags,
# specialization constants), shared with the C++ host code; vknorm_contract_check compares
# every compiled module with it, so that a host struct and a shader block that disagree fail
# the build.
set(VKNORM_SPIRV_DIR ${CMAKE_CURRENT_BINARY_DIR}/spirv)
file(MAKE_DIRECTORY ${VKNORM_SPIRV_DIR})
file(GLOB VKNORM_SHADERS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.comp)
file(GLOB VKNORM_SHADER_INCLUDES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.glsl
     ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.h ${CMAKE_CURRENT_SOURCE_DIR}/shaders/contracts/*.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${VKNORM_SHADERS})

# The contract check: a host tool built from every kernel's contract (generated lists).
set(contract_includes "")
set(contract_table "")
foreach(src ${VKNORM_SHADERS})
  get_filename_component(kernel ${src} NAME_WE)
  string(APPEND contract_includes "#include \"contracts/${kernel}.h\"\n")
  string(APPEND contract_table "VKNORM_CONTRACT(${kernel})\n")
endforeach()
set(VKNORM_CONTRACT_DIR ${CMAKE_CURRENT_BINARY_DIR}/contract_check)
file(CONFIGURE OUTPUT ${VKNORM_CONTRACT_DIR}/contract_list.inc CONTENT "${contract_includes}")
file(CONFIGURE OUTPUT ${VKNORM_CONTRACT_DIR}/contract_table.inc CONTENT "${contract_table}")
add_executable(vknorm_contract_check ${CMAKE_CURRENT_SOURCE_DIR}/tools/contract_check/contract_check.cpp)
target_include_directories(vknorm_contract_check PRIVATE ${VKNORM_CONTRACT_DIR}
  ${CMAKE_CURRENT_SOURCE_DIR}/shaders ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_compile_options(vknorm_contract_check PRIVATE ${VKNORM_WARNINGS})

set(VKNORM_BINDINGS desc addr)
# Testing builds: every sg module also as .v64 / .v128, its subgroup operations over virtual
# subgroups of 64 / 128 invocations in shared memory (shaders/common.glsl, VIRTUAL_SG), which
# ContextCreateInfo::virtual_subgroup_size selects: lane widths no device of ours runs.
option(VKNORM_VIRTUAL_SUBGROUPS "Also embed the kernels on virtual 64- and 128-lane subgroups (testing)" OFF)

# VKNORM_SPIRV_FROM: the spirv/ folder of another build tree of the same sources, whose modules
# are copied instead of compiled (the sanitizer trees take the main build's: about 40 s of
# glslang each on 2 cores). Its modules were validated and contract-checked where they were built.
set(VKNORM_SPIRV_FROM "" CACHE PATH "Copy the SPIR-V modules from this build's spirv/ folder (testing)")

# One module: glslang with the variant's defines, spirv-val, the contract check; appended to
# VKNORM_SPV_FILES (embedded below).
function(vknorm_shader_module src kernel bind out label)
  if(VKNORM_SPIRV_FROM)
    get_filename_component(name ${out} NAME)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E copy ${VKNORM_SPIRV_FROM}/${name} ${out}
      DEPENDS ${VKNORM_SPIRV_FROM}/${name}
      COMMENT "SPIR-V ${label} (from ${VKNORM_SPIRV_FROM})" VERBATIM)
    set(VKNORM_SPV_FILES ${VKNORM_SPV_FILES} ${out} PARENT_SCOPE)
    return()
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${GLSLANG_VALIDATOR} --quiet --target-env vulkan1.1 -Os ${ARGN}
            -I${CMAKE_CURRENT_SOURCE_DIR}/shaders -o ${out} ${src}
    COMMAND ${SPIRV_VAL} --target-env vulkan1.1 ${out}
    COMMAND vknorm_contract_check ${kernel} ${bind} ${out}
    DEPENDS ${src} ${VKNORM_SHADER_INCLUDES} vknorm_contract_check
    COMMENT "glslang ${label}" VERBATIM)
  set(VKNORM_SPV_FILES ${VKNORM_SPV_FILES} ${out} PARENT_SCOPE)
endfunction()

set(VKNORM_SPV_FILES)
foreach(src ${VKNORM_SHADERS})
  get_filename_component(kernel ${src} NAME_WE)
  file(STRINGS ${src} variants REGEX "^// vknorm-variants:" LIMIT_COUNT 1)
  if(NOT variants MATCHES "dtype=([a-z0-9,]+) reduce=([a-z,]+)")
    message(FATAL_ERROR "${src}: no '// vknorm-variants: dtype=... reduce=...' line")
  endif()
  string(REPLACE "," ";" dtypes "${CMAKE_MATCH_1}")
  string(REPLACE "," ";" reductions "${CMAKE_MATCH_2}")
  foreach(dt ${dtypes})
    foreach(bind ${VKNORM_BINDINGS})
      foreach(red ${reductions})
        string(TOUPPER "${dt}" DT)
        string(TOUPPER "${bind}" BIND)
        if(red STREQUAL "none")
          set(RED SH)
          set(out ${VKNORM_SPIRV_DIR}/${kernel}.${dt}.${bind}.spv)
        else()
          string(TOUPPER "${red}" RED)
          set(out ${VKNORM_SPIRV_DIR}/${kernel}.${dt}.${bind}.${red}.spv)
        endif()
        vknorm_shader_module(${src} ${kernel} ${bind} ${out} "${kernel} ${dt} ${bind} ${red}"
                             -DDTYPE_${DT}=1 -DBIND_${BIND}=1 -DREDUCE_${RED}=1)
        if(red STREQUAL "sg" AND VKNORM_VIRTUAL_SUBGROUPS)
          foreach(lanes 64 128)
            vknorm_shader_module(${src} ${kernel} ${bind} ${VKNORM_SPIRV_DIR}/${kernel}.${dt}.${bind}.v${lanes}.spv
                                 "${kernel} ${dt} ${bind} v${lanes}"
                                 -DDTYPE_${DT}=1 -DBIND_${BIND}=1 -DREDUCE_SG=1 -DVIRTUAL_SG=${lanes})
          endforeach()
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

# GCC / Clang on ELF targets embed the modules with the assembler's .incbin (the generated C++
# is a few KB); elsewhere (MSVC, Mach-O, PE) as uint32_t arrays in C++.
set(VKNORM_EMBED_INCBIN 0)
if(CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang)$" AND NOT APPLE AND NOT WIN32)
  set(VKNORM_EMBED_INCBIN 1)
endif()
set(VKNORM_SPIRV_CPP ${VKNORM_SPIRV_DIR}/embedded_spirv.cpp)
add_custom_command(OUTPUT ${VKNORM_SPIRV_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${VKNORM_SPIRV_CPP} -DDIR=${VKNORM_SPIRV_DIR}
          "-DFILES=${VKNORM_SPV_FILES}" -DINCBIN=${VKNORM_EMBED_INCBIN}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake
  DEPENDS ${VKNORM_SPV_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake
  COMMENT "embedding SPIR-V" VERBATIM)
