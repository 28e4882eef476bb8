# Compile every shaders/*.comp into one SPIR-V module per variant, validate each with spirv-val,
# and embed them all into a generated C++ source (the library needs no files at run time).
# Variant axes are compile-time defines: storage dtype x binding model x reduction path.
set(VKNORM_SPIRV_DIR ${CMAKE_CURRENT_BINARY_DIR}/spirv)
file(MAKE_DIRECTORY ${VKNORM_SPIRV_DIR})
file(GLOB VKNORM_SHADERS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.comp)
file(GLOB VKNORM_SHADER_INCLUDES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.glsl)

set(VKNORM_DTYPES f32 f16 bf16)
set(VKNORM_BINDINGS desc addr)
set(VKNORM_REDUCTIONS sg sh)

set(VKNORM_SPV_FILES)
foreach(src ${VKNORM_SHADERS})
  get_filename_component(kernel ${src} NAME_WE)
  foreach(dt ${VKNORM_DTYPES})
    foreach(bind ${VKNORM_BINDINGS})
      foreach(red ${VKNORM_REDUCTIONS})
        string(TOUPPER "${dt}" DT)
        string(TOUPPER "${bind}" BIND)
        string(TOUPPER "${red}" RED)
        set(out ${VKNORM_SPIRV_DIR}/${kernel}.${dt}.${bind}.${red}.spv)
        add_custom_command(OUTPUT ${out}
          COMMAND ${GLSLANG_VALIDATOR} --quiet --target-env vulkan1.1 -Os
                  -DDTYPE_${DT}=1 -DBIND_${BIND}=1 -DREDUCE_${RED}=1
                  -I${CMAKE_CURRENT_SOURCE_DIR}/shaders -o ${out} ${src}
          COMMAND ${SPIRV_VAL} --target-env vulkan1.1 ${out}
          DEPENDS ${src} ${VKNORM_SHADER_INCLUDES}
          COMMENT "glslang ${kernel} ${dt} ${bind} ${red}" VERBATIM)
        list(APPEND VKNORM_SPV_FILES ${out})
      endforeach()
    endforeach()
  endforeach()
endforeach()

set(VKNORM_SPIRV_CPP ${VKNORM_SPIRV_DIR}/embedded_spirv.cpp)
add_custom_command(OUTPUT ${VKNORM_SPIRV_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${VKNORM_SPIRV_CPP} -DDIR=${VKNORM_SPIRV_DIR}
          "-DFILES=${VKNORM_SPV_FILES}" -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake
  DEPENDS ${VKNORM_SPV_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake
  COMMENT "embedding SPIR-V" VERBATIM)
