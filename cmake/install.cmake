# Install rules (VKNORM_INSTALL): the library, its headers, and two ways to find them again:
#   CMake:      find_package(vknorm CONFIG REQUIRED) -> vknorm::vknorm   (lib/cmake/vknorm/)
#   pkg-config: pkg-config --cflags --libs vknorm vulkan                 (lib/pkgconfig/vknorm.pc)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(VKNORM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vknorm)

install(TARGETS vknorm EXPORT vknormTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/vknorm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT vknormTargets NAMESPACE vknorm:: DESTINATION ${VKNORM_CMAKE_DIR})

# vknormConfig.cmake finds Vulkan (for Vulkan::Headers) before it imports vknorm::vknorm.
configure_package_config_file(cmake/vknormConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/vknormConfig.cmake INSTALL_DESTINATION ${VKNORM_CMAKE_DIR})
# SameMinorVersion: while vknorm is 0.x, a minor release may change the API and ABI (semver's
# rule for 0.y.z), so find_package(vknorm 0.1) accepts 0.1.z but not 0.2; switch to
# SameMajorVersion at 1.0.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/vknormConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vknormConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/vknormConfigVersion.cmake DESTINATION ${VKNORM_CMAKE_DIR})

# vknorm.pc. The prefix is found from the .pc file's own location (${pcfiledir}), so the file
# stays right under `cmake --install --prefix X` and DESTDIR, which the configure-time
# CMAKE_INSTALL_PREFIX does not know about.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(VKNORM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(VKNORM_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(VKNORM_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH VKNORM_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")  # "../.."
  string(REGEX REPLACE "/$" "" VKNORM_PC_UP "${VKNORM_PC_UP}")
  set(VKNORM_PC_PREFIX "\${pcfiledir}/${VKNORM_PC_UP}")
  set(VKNORM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(VKNORM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# A static libvknorm.a needs the C++ runtime at link time: the compiler's implicit C++ link
# libraries (libstdc++ and libm with GCC) minus what every C link gets anyway. `c++` adds them
# itself, so C++ programs use `pkg-config --libs`; a program linked by `cc` (C code) uses
# `pkg-config --static --libs`. A shared libvknorm.so records them itself: nothing private.
set(VKNORM_PC_LIBS_PRIVATE "")
get_target_property(VKNORM_TYPE vknorm TYPE)
if(VKNORM_TYPE STREQUAL "STATIC_LIBRARY")
  foreach(lib ${CMAKE_CXX_IMPLICIT_LINK_LIBRARIES})
    if(NOT lib MATCHES "^(c|gcc|gcc_s|gcc_eh)$" AND NOT "-l${lib}" IN_LIST VKNORM_PC_LIBS_PRIVATE)
      list(APPEND VKNORM_PC_LIBS_PRIVATE "-l${lib}")
    endif()
  endforeach()
endif()
list(JOIN VKNORM_PC_LIBS_PRIVATE " " VKNORM_PC_LIBS_PRIVATE)
configure_file(cmake/vknorm.pc.in ${CMAKE_CURRENT_BINARY_DIR}/vknorm.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vknorm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
