# The tree-sitter grammars (generated parser.c + hand-written scanner.c per language), fetched by
# scripts/setup into third_party/grammars/<name>/src and compiled into one static C library.
# Exposes tree_sitter_python(), tree_sitter_javascript() and tree_sitter_cpp().
set(ASSAY_GRAMMARS python javascript cpp)
set(ASSAY_GRAMMAR_DIR ${CMAKE_SOURCE_DIR}/third_party/grammars)

add_library(assay_grammars STATIC)
foreach(grammar IN LISTS ASSAY_GRAMMARS)
  set(dir ${ASSAY_GRAMMAR_DIR}/${grammar}/src)
  if(NOT EXISTS ${dir}/parser.c OR NOT EXISTS ${dir}/scanner.c)
    message(FATAL_ERROR "tree-sitter grammar '${grammar}' not found in ${dir}: run scripts/setup")
  endif()
  # Each grammar ships its own src/tree_sitter/parser.h, so each compiles as its own object library.
  add_library(assay_grammar_${grammar} OBJECT ${dir}/parser.c ${dir}/scanner.c)
  target_include_directories(assay_grammar_${grammar} PRIVATE ${dir})
  set_target_properties(assay_grammar_${grammar} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
  # Generated code is not ours to fix: no warnings (and so never -Werror) for it alone.
  target_compile_options(assay_grammar_${grammar} PRIVATE -w)
  target_sources(assay_grammars PRIVATE $<TARGET_OBJECTS:assay_grammar_${grammar}>)
endforeach()
