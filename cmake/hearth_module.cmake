# hearth_module(NAME DEPS ...): a static library from every .cpp under src/NAME (recursively).
# Sources are globbed so that adding a file needs no edit here.
function(hearth_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT srcs)  # a module still being written: an empty library keeps the build whole
    set(srcs ${CMAKE_BINARY_DIR}/empty_${name}.cpp)
    file(WRITE ${srcs} "// module ${name} has no sources yet\n")
  endif()
  # Instruction-set files (src/<module>/x86_avx2/, x86_avx512/) get their ISA flags file by
  # file, never globally, so that one binary runs on any x86-64 and picks its kernels by
  # cpuid at start-up (kernels/kernel_table.cpp). Other architectures leave them out.
  set(isa_srcs ${srcs})
  list(FILTER isa_srcs INCLUDE REGEX "/x86_avx(2|512)/")
  if(isa_srcs)
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
      set(avx2_srcs ${isa_srcs})
      list(FILTER avx2_srcs INCLUDE REGEX "/x86_avx2/")
      set(avx512_srcs ${isa_srcs})
      list(FILTER avx512_srcs INCLUDE REGEX "/x86_avx512/")
      set_source_files_properties(${avx2_srcs} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
      set_source_files_properties(${avx512_srcs} PROPERTIES COMPILE_OPTIONS
        "-mavx2;-mfma;-mf16c;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni;-mavx512bf16")
      set(isa_definitions HEARTH_X86_KERNELS=1)
    else()
      list(FILTER srcs EXCLUDE REGEX "/x86_avx(2|512)/")
    endif()
  endif()
  add_library(hearth_${name} STATIC ${srcs})
  if(isa_definitions)
    target_compile_definitions(hearth_${name} PRIVATE ${isa_definitions})
  endif()
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
