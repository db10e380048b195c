# ecom_embed(<target> <symbol> <files...>): compiles <files> into <target> as a table of strings,
# sorted by file name (see cmake/embed.cmake and common/ecom_embedded.h).
function(ecom_embed target symbol)
  set(files ${ARGN})
  list(SORT files)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}_embedded.c")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${symbol} "-DINPUTS=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
