# The tree-sitter grammar library; the syntax layer compiles the fetched grammars into it.
add_library(assay_grammars INTERFACE)
