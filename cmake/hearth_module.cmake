# hearth_module(NAME DEPS ...): a static library from every .cpp under src/NAME (recursively).
# Sources are globbed so that adding a file needs no edit here.
function(hearth_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT srcs)  # a module still being written: an empty library keeps the build whole
    set(srcs ${CMAKE_BINARY_DIR}/empty_${name}.cpp)
    file(WRITE ${srcs} "// module ${name} has no sources yet\n")
  endif()
  add_library(hearth_${name} STATIC ${srcs})
  target_include_directories(hearth_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(hearth_${name} PRIVATE ${ARG_DEPS})
  # Headers of dependencies are part of this module's interface where it includes them.
  foreach(dep ${ARG_DEPS})
    if(dep MATCHES "^hearth_")
      target_link_libraries(hearth_${name} INTERFACE ${dep})
    endif()
  endforeach()
  target_link_libraries(hearth_${name} PUBLIC nlohmann_json::nlohmann_json fmt::fmt)
endfunction()
