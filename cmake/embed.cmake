# Turns text files into a C source that defines one NUL-terminated string per file.
# Usage: cmake -DOUT=file.c -DSYMBOL=name -DINPUTS="a.sql;b.sql" -P embed.cmake
# Defines:  const ecom_embedded_t SYMBOL[]; const size_t SYMBOL_count;
# where ecom_embedded_t is { const char *name; const char *text; } (common/ecom_embedded.h).
set(body "#include \"ecom_embedded.h\"\n\n")
set(table "")
set(i 0)
foreach(path IN LISTS INPUTS)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const char ${SYMBOL}_${i}[] = {${hex}0x00};\n")
  string(APPEND table "    {\"${name}\", ${SYMBOL}_${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nconst ecom_embedded_t ${SYMBOL}[] = {\n${table}    {0, 0}\n};\n")
string(APPEND body "const size_t ${SYMBOL}_count = ${i};\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
